#!/usr/bin/env bash
# Time per decision in the review page for documents of 100 and 1,500 facts, measured in
# headless Chromium (bench/page-decisions.mjs). Needs a release build and the browser test's
# npm packages (tests/browser: npm ci). Usage: bench/page-decisions.sh [SIZES] [DECISIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
port=18191
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/jixiao}
token=$("$bin" token create --database-url "$work/bench.db" --role assessor --name bench 2>/dev/null)
RUST_LOG=warn "$bin" serve --database-url "$work/bench.db" --bind "127.0.0.1:$port" --workers 2 --rate-limit 0 \
  2>"$work/serve.err" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$port" TOKEN="$token" \
  SIZES="${1:-100,1500}" DECISIONS="${2:-30}" node bench/page-decisions.mjs
