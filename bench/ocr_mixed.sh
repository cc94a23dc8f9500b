#!/usr/bin/env bash
# Mixed import for BENCHMARKS.md: a 20-page scan (the two pages of samples/scanned-000.pdf, ten
# times over) imported first, then 50 distinct TXT reports (samples 000, 002, 003, 004 with a
# line making each unique), into `jixiao serve --workers 2` on a fresh database: with one OCR
# worker beside the two (the default), with none (the two workers read scans themselves, the
# single queue of before), and the text reports alone; then two such scans (as many as the
# workers) with the 50 reports, timed until the reports are done. Prints, per run, the seconds
# from the start of the import until the 50 reports are done and until the scan is.
# Usage: bench/ocr_mixed.sh [sqlite|postgres [PG_ADMIN_URL]]
# Needs: cargo build --release --bin jixiao; tesseract-ocr-chi-sim, poppler-utils.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
admin="${2:-postgres://postgres@127.0.0.1:5432/test}"
bin="${CARGO_TARGET_DIR:-target}/release/jixiao"
work="$(mktemp -d)"
server=""
db=""
stop() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  server=""
  if [ "$backend" = postgres ] && [ -n "$db" ]; then psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; fi
  db=""
}
trap 'stop; rm -rf "$work"' EXIT

mkdir -p "$work/scan" "$work/text"
pages=()
for _ in $(seq 10); do pages+=(samples/scanned-000.pdf); done
pdfunite "${pages[@]}" "$work/scan/scan-20.pdf"
# A second scan of the same pages in the other order (distinct bytes, so a second document).
mkdir -p "$work/scans"
pdfseparate samples/scanned-000.pdf "$work/p%d.pdf"
pages=()
for _ in $(seq 10); do pages+=("$work/p2.pdf" "$work/p1.pdf"); done
cp "$work/scan/scan-20.pdf" "$work/scans/scan-20a.pdf"
pdfunite "${pages[@]}" "$work/scans/scan-20b.pdf"
sources=(samples/000_af58de54e7000d7e.txt samples/002_c76de0c36188412a.txt
  samples/003_aa47c7ce85badae6.txt samples/004_354e2257854ed30b.txt)
for i in $(seq 50); do
  { cat "${sources[$((i % 4))]}"; printf '\n附件%d\n' "$i"; } >"$work/text/report-$i.txt"
done

query() {
  if [ "$backend" = postgres ]; then psql "$url" -Atqc "$1"; else sqlite3 "$url" "$1"; fi
}

# run LABEL OCR_WORKERS SCANS(0, 1 waited for, 2 not waited for)
run() {
  if [ "$backend" = postgres ]; then
    db="jixiao_ocr_bench_$$_$2_$3"
    psql "$admin" -qc "CREATE DATABASE $db"
    url="${admin%/*}/$db"
  else
    url="$work/$1.db"
  fi
  RUST_LOG=warn "$bin" serve --database-url "$url" --bind 127.0.0.1:18191 --workers 2 \
    --ocr-workers "$2" --rate-limit 0 --no-webhooks 2>"$work/$1.err" &
  server=$!
  for _ in $(seq 300); do grep -q 'Review page' "$work/$1.err" 2>/dev/null && break; sleep 0.1; done
  local start text_done="" scan_done="" now
  start=$(date +%s.%N)
  if [ "$3" = 1 ]; then "$bin" import "$work/scan" --database-url "$url" >/dev/null; fi
  if [ "$3" = 2 ]; then "$bin" import "$work/scans" --database-url "$url" >/dev/null; fi
  "$bin" import "$work/text" --database-url "$url" >/dev/null
  while :; do
    now=$(date +%s.%N)
    if [ -z "$text_done" ] && [ "$(query "SELECT COUNT(*) FROM documents WHERE file_name LIKE 'report-%' AND status = 'done'")" = 50 ]; then
      text_done=$(echo "$now - $start" | bc)
    fi
    if [ "$3" = 1 ] && [ -z "$scan_done" ] && [ "$(query "SELECT COUNT(*) FROM documents WHERE file_name LIKE 'scan-%' AND status IN ('done', 'failed')")" = 1 ]; then
      scan_done=$(echo "$now - $start" | bc)
    fi
    [ -n "$text_done" ] && { [ "$3" != 1 ] || [ -n "$scan_done" ]; } && break
    sleep 0.2
  done
  local scan_note=""
  if [ "$3" = 2 ]; then
    scan_note="; scans then: $(query "SELECT status || ' ' || COALESCE(ocr_pages_done, 0) || '/' || COALESCE(ocr_pages, 0) FROM documents WHERE file_name LIKE 'scan-%' ORDER BY id" | tr '\n' ' ')(pages done)"
  fi
  if [ "$3" = 1 ]; then
    scan_note="; scan done at ${scan_done} s ($(query "SELECT status || ', ' || COALESCE(ocr, error) FROM documents WHERE file_name LIKE 'scan-%'"))"
  fi
  printf '%-34s 50 text reports done at %6.1f s%s\n' "$1" "$text_done" "$scan_note"
  stop
}

if [ -z "${ONLY_TWO:-}" ]; then
  run text-only 1 0
  run scan-with-ocr-worker 1 1
  run scan-in-the-single-queue 0 1
fi
run two-scans-with-ocr-worker 1 2
run two-scans-in-the-single-queue 0 2
