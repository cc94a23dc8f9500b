#!/usr/bin/env bash
# Review decisions per second on SQLite, builds side by side: for each binary in turn (and
# ROUNDS times over), a fresh server on a new SQLite file, then 10 s of decisions from 32
# keep-alive connections of one client thread (`service_bench review-load`, as in
# bench/service.sh), with the server's CPU per decision read from /proc.
# Usage: bench/decisions.sh [BIN ...]   (target/release/jixiao by default; ROUNDS=2)
# Needs: cargo build --release --bins --examples; curl.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
load="$target/release/examples/service_bench"
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("$target/release/jixiao")
[ -x "$load" ] || { echo "build first: cargo build --release --bins --examples"; exit 1; }
port=18190
server=""
work="$(mktemp -d)"
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
echo "2 cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "${ROUNDS:-2}"); do
  for bin in "${bins[@]}"; do
    db="$work/bench.db"
    rm -f "$db" "$db"-*
    RUST_LOG=warn "$bin" serve --database-url "$db" --bind "127.0.0.1:$port" --workers 2 \
      --rate-limit 0 2>"$work/serve.err" &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/ready" >/dev/null && break; sleep 0.1; done
    uploader=$("$bin" token create --database-url "$db" --role uploader --name bench 2>/dev/null)
    assessor=$("$bin" token create --database-url "$db" --role assessor --name bench 2>/dev/null)
    facts=$("$load" prepare-review "127.0.0.1:$port" "$uploader")
    before=$(awk '{print $14 + $15}' "/proc/$server/stat")
    "$load" review-load "127.0.0.1:$port" "$assessor" "$facts" 10 >"$work/load.txt"
    after=$(awk '{print $14 + $15}' "/proc/$server/stat")
    n=$(awk '{print $1}' "$work/load.txt")
    echo "$bin: $(cat "$work/load.txt") | server CPU per decision $(( (after - before) * 10000 / n )) us"
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
  done
done
