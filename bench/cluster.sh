#!/usr/bin/env bash
# Scale-out on one PostgreSQL database: 2 `serve` + 2 `worker` processes against 1 + 1, in one
# run. For each topology: a scratch database; the servers (`--workers 0`: extraction is the
# worker processes' job) and the workers; `jixiao import` of 2,000 reports (the sample TXT
# reports, each made unique by a last line), timed until every document is processed
# (documents/s); then review decisions through all servers from 32 clients, split evenly over
# the servers (decisions/s; the one bench token is not rate-limited); with the CPU each process
# and PostgreSQL used in each phase.
# It stops everything it started and drops its databases.
#
# Usage: bench/cluster.sh [PG_ADMIN_URL] [DOCUMENTS] [SECONDS]
# Needs: cargo build --release --examples; psql (Debian postgresql-client), curl, GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
admin="${1:-postgres://postgres@127.0.0.1:5432/test}"
documents="${2:-2000}"
seconds="${3:-10}"
bin=target/release/jixiao
load=target/release/examples/service_bench
[ -x "$bin" ] && [ -x "$load" ] || { echo "build first: cargo build --release --examples"; exit 1; }
work="$(mktemp -d)"
pids=()
databases=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for d in "${databases[@]}"; do psql "$admin" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The reports: every sample TXT in turn, with a line that makes each file distinct (ASCII,
# so a GBK sample stays one encoding).
mkdir -p "$work/reports"
samples=(samples/*.txt)
for i in $(seq 1 "$documents"); do
  src="${samples[$((i % ${#samples[@]}))]}"
  { cat "$src"; printf '\ncopy %d\n' "$i"; } >"$work/reports/$i.txt"
done
chars=$(cat "$work"/reports/*.txt | wc -m)

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() { for p in $(pgrep -u postgres postgres); do cat "/proc/$p/stat" 2>/dev/null; done | awk '{t += $14 + $15} END {print t + 0}'; }
hz=$(getconf CLK_TCK)

# run SERVERS WORKERS: one topology, start to finish; prints its figures.
run() {
  local servers=$1 workers=$2
  local db="jixiao_cluster_$$_${servers}_${workers}"
  psql "$admin" -qc "CREATE DATABASE $db"
  databases+=("$db")
  local url="${admin%/*}/$db"
  # Schema first, directly: servers then start without migrating.
  "$bin" migrate --database-url "$url" >/dev/null
  local token
  token=$("$bin" token create --database-url "$url" --role assessor --name bench 2>/dev/null)
  local addrs=() procs=() names=()
  for s in $(seq 1 "$servers"); do
    local port=$((18300 + s))
    RUST_LOG=warn "$bin" serve --database-url "$url" --bind "127.0.0.1:$port" --workers 0 --rate-limit 0 \
      2>"$work/serve$s.err" &
    pids+=($!); procs+=($!); names+=("serve $s"); addrs+=("127.0.0.1:$port")
  done
  for w in $(seq 1 "$workers"); do
    RUST_LOG=warn "$bin" worker --database-url "$url" --workers 2 2>"$work/worker$w.err" &
    pids+=($!); procs+=($!); names+=("worker $w")
  done
  for a in "${addrs[@]}"; do
    for _ in $(seq 200); do curl -sf "http://$a/api/ready" >/dev/null && break; sleep 0.05; done
  done
  sleep 1 # workers load their dictionaries

  local before=() pg_before
  for p in "${procs[@]}"; do before+=("$(ticks "$p")"); done
  pg_before=$(pg_ticks)
  local t0 t1 import_cpu
  t0=$(date +%s.%N)
  # The importer's own CPU, by GNU time (Debian package time).
  /usr/bin/time -f "%U %S" -o "$work/import.cpu" \
    "$bin" import "$work/reports" --database-url "$url" --jobs 8 >/dev/null
  import_cpu=$(awk '{ print $1 + $2 }' "$work/import.cpu")
  while [ "$(psql "$url" -Atc "SELECT COUNT(*) FROM documents WHERE status IN ('queued', 'processing')")" != 0 ]; do
    sleep 0.1
  done
  t1=$(date +%s.%N)
  local done_n
  done_n=$(psql "$url" -Atc "SELECT COUNT(*) FROM documents WHERE status = 'done'")
  echo "== $servers server(s) + $workers worker process(es) of 2 workers"
  awk -v n="$documents" -v d="$done_n" -v c="$chars" -v t0="$t0" -v t1="$t1" 'BEGIN {
    printf "import + extraction: %d documents (%d done, %.1f M chars) in %.1f s: %.0f documents/s\n",
      n, d, c / 1e6, t1 - t0, n / (t1 - t0) }'
  cpu_report "import" before "$pg_before"
  echo "  (the importer itself: $import_cpu s)"

  # 32 clients split evenly over the servers, one fact each, confirm and undo in turn.
  before=(); for p in "${procs[@]}"; do before+=("$(ticks "$p")"); done
  pg_before=$(pg_ticks)
  local per=$((32 / servers)) s=0 outs=()
  for a in "${addrs[@]}"; do
    local ids
    ids=$(psql "$url" -Atc "SELECT string_agg(id::text, ',') FROM
            (SELECT id FROM facts ORDER BY id OFFSET $((s * per)) LIMIT $per) f")
    "$load" review-load "$a" "$token" "$ids" "$seconds" >"$work/load$s.txt" &
    outs+=($!); s=$((s + 1))
  done
  for p in "${outs[@]}"; do wait "$p"; done
  cat "$work"/load*.txt | awk '{ n += $1; rate += $6; print "  " $0 }
    END { printf "decisions through all servers: %.0f decisions/s\n", rate }'
  rm -f "$work"/load*.txt
  cpu_report "decisions" before "$pg_before"

  for p in "${procs[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${procs[@]}"; do wait "$p" 2>/dev/null || true; done
  if grep -hE "ERROR" "$work"/*.err >/dev/null 2>&1; then
    echo "  errors logged:"; grep -hE "ERROR" "$work"/*.err | head -5
  fi
  rm -f "$work"/*.err
}

# cpu_report PHASE BEFORE_ARRAY_NAME PG_BEFORE: CPU seconds per process in the phase.
cpu_report() {
  local phase=$1 pg_before=$3
  local -n start=$2
  local line="  CPU seconds in $phase:" i=0
  for p in "${procs[@]}"; do
    line+=$(awk -v a="${start[$i]}" -v b="$(ticks "$p")" -v hz="$hz" -v n="${names[$i]}" \
      'BEGIN { printf " %s %.1f,", n, (b - a) / hz }')
    i=$((i + 1))
  done
  line+=$(awk -v a="$pg_before" -v b="$(pg_ticks)" -v hz="$hz" 'BEGIN { printf " PostgreSQL %.1f", (b - a) / hz }')
  echo "$line"
}

echo "machine: $(nproc) cores; $documents reports; decisions for $seconds s"
run 1 1
run 2 2
