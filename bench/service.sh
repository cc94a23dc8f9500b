#!/usr/bin/env bash
# Service benchmarks for BENCHMARKS.md: upload -> facts stored latency for 10,000-character
# TXT reports, and review decisions per second at 32 concurrent clients (wrk), against
# `jixiao serve` on loopback. Usage: bench/service.sh sqlite|postgres [PG_ADMIN_URL]
# Needs: cargo build --release --examples; wrk (Debian package `wrk`).
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
port=18181
addr="127.0.0.1:$port"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; cleanup; rm -rf "$work"' EXIT
cleanup() { :; }
if [ "$backend" = postgres ]; then
  admin="${2:-postgres://postgres@127.0.0.1:5432/test}"
  db="jixiao_bench_$$"
  psql "$admin" -qc "CREATE DATABASE $db"
  # KEEP_DB=1 leaves the database behind for a look at its plans and statistics.
  cleanup() {
    if [ -n "${KEEP_DB:-}" ]; then echo "kept: ${admin%/*}/$db"; else
      psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; fi
  }
  url="${admin%/*}/$db"
else
  url="$work/bench.db"
fi
bin=target/release/jixiao
# No rate limit: the benchmark measures the decision path, from one token.
RUST_LOG=warn "$bin" serve --database-url "$url" --bind "$addr" --workers 2 --rate-limit 0 2>"$work/serve.err" &
server=$!
for _ in $(seq 100); do grep -q 'jx_' "$work/serve.err" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
admin_token=$(grep -o 'jx_[0-9a-f]*' "$work/serve.err" | head -1)
uploader=$("$bin" token create --database-url "$url" --role uploader --name bench 2>/dev/null)
assessor=$("$bin" token create --database-url "$url" --role assessor --name bench 2>/dev/null)
: "$admin_token"
echo "== $backend: upload -> facts stored (200 uploads, one at a time)"
target/release/examples/service_bench upload-latency "$addr" "$uploader" 200
cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }
# PostgreSQL's backends share the machine with the server; their CPU is counted too.
pg_cpu() { for p in $(pgrep -u postgres postgres); do cat "/proc/$p/stat" 2>/dev/null; done | awk '{t += $14 + $15} END {print t + 0}'; }
echo "== $backend: review decisions, 32 clients, 10 s"
facts=$(target/release/examples/service_bench prepare-review "$addr" "$uploader")
FACTS="$facts" TOKEN="$assessor" wrk -t32 -c32 -d10s -s bench/review.lua "http://$addr" | tail -n 12
echo "== $backend: review decisions, 32 connections from one client thread, 10 s"
facts=$(target/release/examples/service_bench prepare-review "$addr" "$uploader")
before=$(cpu)
pg_before=$(pg_cpu)
target/release/examples/service_bench review-load "$addr" "$assessor" "$facts" 10 | tee "$work/load.txt"
after=$(cpu)
pg_after=$(pg_cpu)
n=$(awk '{print $1}' "$work/load.txt")
# The server's own CPU per decision (clock ticks are 1/100 s), whatever else the machine runs.
awk -v t=$((after - before)) -v n="$n" 'BEGIN { printf "server CPU per decision: %.0f us\n", t * 10000 / n }'
if [ "$backend" = postgres ]; then
  awk -v t=$((pg_after - pg_before)) -v n="$n" 'BEGIN { printf "PostgreSQL CPU per decision: %.0f us\n", t * 10000 / n }'
fi
if grep -qE "WARN|ERROR" "$work/serve.err"; then
  echo "== server warnings and errors"
  grep -E "WARN|ERROR" "$work/serve.err" | head -20
fi
