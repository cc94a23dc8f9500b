#!/usr/bin/env bash
# Re-extraction benchmark for BENCHMARKS.md: 1,000 stored documents with decisions on a third
# of their facts, re-extracted with `jixiao reextract --all --force` (every document read
# again and every fact matched, as after an extractor upgrade). Documents per second from
# the command's own summary. Usage: bench/reextract.sh sqlite|postgres [PG_ADMIN_URL] [N]
# Needs: cargo build --release (JIXIAO_BIN names another binary); sqlite3 or psql.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${3:-1000}"
bin="${JIXIAO_BIN:-target/release/jixiao}"
work="$(mktemp -d)"
cleanup() { :; }
trap 'kill "${worker:-}" 2>/dev/null || true; cleanup; rm -rf "$work"' EXIT
if [ "$backend" = postgres ]; then
  admin="${2:-postgres://postgres@127.0.0.1:5432/test}"
  db="jixiao_reextract_$$"
  psql "$admin" -qc "CREATE DATABASE $db"
  cleanup() { psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; }
  url="${admin%/*}/$db"
  sql() { psql "$url" -qAtc "$1"; }
else
  url="$work/bench.db"
  sql() { sqlite3 "$url" "$1"; }
fi

# N distinct reports: the sample TXTs, each with a line of its own in front (heavenly stems,
# which are no fact), so every file is another document.
mkdir "$work/docs"
samples=(samples/*.txt)
stems=(甲 乙 丙 丁 戊 己 庚 辛 壬 癸)
for i in $(seq 0 $((n - 1))); do
  tag=""
  for d in $(echo "$i" | grep -o .); do tag+="${stems[$d]}"; done
  { echo "（材料${tag}）"; cat "${samples[$((i % ${#samples[@]}))]}"; } > "$work/docs/$i.txt"
done
"$bin" import "$work/docs" --database-url "$url" >/dev/null
RUST_LOG=warn "$bin" worker --database-url "$url" --workers 2 &
worker=$!
while [ "$(sql "SELECT COUNT(*) FROM documents WHERE status IN ('queued', 'processing')")" != 0 ]; do
  sleep 1
done
kill "$worker"; wait "$worker" 2>/dev/null || true
# A third of the facts decided, through the review log's trigger as the API would.
sql "UPDATE facts SET status = 'confirmed', reviewed_by = 'bench', reviewed_at = 0,
            version = version + 1,
            log_entry = '{\"action\": \"confirm\", \"actor\": \"bench\", \"at\": 0}'
     WHERE id % 3 = 0" >/dev/null
echo "== $backend: $(sql "SELECT COUNT(*) FROM documents") documents, $(sql "SELECT COUNT(*) FROM facts") facts, $(sql "SELECT COUNT(*) FROM facts WHERE status <> 'pending'") decided"
echo "== reextract --all --force"
"$bin" reextract --all --force --database-url "$url"
echo "== reextract --all (nothing to do)"
"$bin" reextract --all --database-url "$url"
