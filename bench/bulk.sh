#!/usr/bin/env bash
# Bulk import end to end on SQLite: `jixiao import` of N distinct reports into a fresh
# database while `jixiao worker --workers 2` extracts and stores them, timed from the start of
# the import until no document is queued or being processed (documents/s). Each binary given
# runs in turn on the same files, so builds compare side by side in one run.
# Usage: bench/bulk.sh [N] [BIN ...]   (N reports, 1000 by default; target/release/jixiao)
# Needs: cargo build --release; python3 (its sqlite3 module polls the database).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
shift || true
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("${CARGO_TARGET_DIR:-target}/release/jixiao")
work="$(mktemp -d)"
worker=""
trap '[ -n "$worker" ] && kill "$worker" 2>/dev/null; rm -rf "$work"' EXIT

# N distinct reports: the sample TXTs in turn, each with a last line of its own (ASCII, so
# the GBK copy stays one encoding).
mkdir -p "$work/reports"
samples=(samples/*.txt)
for i in $(seq 1 "$n"); do
  { cat "${samples[$((i % ${#samples[@]}))]}"; printf '\ncopy %d\n' "$i"; } >"$work/reports/$i.txt"
done
echo "$n reports, $(cat "$work"/reports/*.txt | wc -c) bytes; 2 cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| binary | import alone | all documents processed | documents/s | failed |"
echo "|---|---:|---:|---:|---:|"

for bin in "${bins[@]}"; do
  db="$work/bulk.db"
  rm -f "$db" "$db"-*
  "$bin" migrate --database-url "$db" >/dev/null
  RUST_LOG=warn "$bin" worker --database-url "$db" --workers 2 --ocr-workers 0 2>"$work/worker.err" &
  worker=$!
  sleep 1 # the worker opens the database and loads what it needs
  t0=$(date +%s%N)
  "$bin" import "$work/reports" --database-url "$db" >/dev/null
  t1=$(date +%s%N)
  python3 - "$db" <<'EOF'
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], timeout=30)
while con.execute("SELECT COUNT(*) FROM documents WHERE status IN ('queued', 'processing')").fetchone()[0]:
    time.sleep(0.02)
EOF
  t2=$(date +%s%N)
  failed=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT COUNT(*) FROM documents WHERE status <> 'done'\").fetchone()[0])" "$db")
  kill "$worker"; wait "$worker" 2>/dev/null || true; worker=""
  python3 -c "
n, t0, t1, t2 = $n, $t0, $t1, $t2
print(f'| {\"$bin\"} | {(t1 - t0) / 1e9:.2f} s | {(t2 - t0) / 1e9:.2f} s | {n / ((t2 - t0) / 1e9):.0f} | $failed |')"
done
