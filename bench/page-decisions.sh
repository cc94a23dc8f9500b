#!/usr/bin/env bash
# The review page measured in headless Chromium (bench/page-decisions.mjs): time to open a
# document of N facts and time per decision. Needs a release build and the browser test's
# npm packages (tests/browser: npm ci).
# Usage: bench/page-decisions.sh [SIZES] [DECISIONS] [OPENS]
# BEFORE=REF (a git commit) measures that commit's page as well, in the same run on the same
# server: the browser is given REF's web/ files in place of the binary's own.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
port=18191
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/jixiao}
before_dir=
if [ -n "${BEFORE:-}" ]; then
  before_dir="$work/before-web"
  mkdir -p "$before_dir"
  git archive "$BEFORE" web | tar -x -C "$before_dir" --strip-components=1
fi
token=$("$bin" token create --database-url "$work/bench.db" --role assessor --name bench 2>/dev/null)
RUST_LOG=warn "$bin" serve --database-url "$work/bench.db" --bind "127.0.0.1:$port" --workers 2 --rate-limit 0 \
  2>"$work/serve.err" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$port" TOKEN="$token" BEFORE="$before_dir" \
  SIZES="${1:-100,1500}" DECISIONS="${2:-30}" OPENS="${3:-3}" node bench/page-decisions.mjs
