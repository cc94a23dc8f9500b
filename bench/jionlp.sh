#!/usr/bin/env bash
# jixiao against JioNLP 1.5.31 `extract_money` (amounts only) on the same 1,000 report files,
# in one run. Both take the whole path of a command-line user: read the file, decode it,
# extract, and write JSON (jixiao also checks). Start-up (loading dictionaries) is measured
# apart and taken out of the throughput; it is printed on its own line.
# Usage: bench/jionlp.sh [N]   (N reports, 1000 by default)
# Needs: cargo build --release (JIXIAO_BIN names another binary), python3 with venv, taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
target="${CARGO_TARGET_DIR:-target}"
bin="${JIXIAO_BIN:-$target/release/jixiao}"
work="$target/bench-jionlp"
venv="$work/venv"
mkdir -p "$work"

# JioNLP in a venv of its own, pinned, installed once.
if ! "$venv/bin/python" -c 'import jionlp' >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'jionlp==1.5.31'
fi

# N distinct reports: the sample TXTs (the GBK copy too), each with a line of its own in
# front (heavenly stems, which are no fact), as bench/reextract.sh makes them. Made once.
docs="$work/docs-$n"
if [ ! -f "$docs/.complete" ]; then
  rm -rf "$docs"; mkdir -p "$docs"
  samples=(samples/*.txt)
  stems=(甲 乙 丙 丁 戊 己 庚 辛 壬 癸)
  for i in $(seq 0 $((n - 1))); do
    tag=""
    for d in $(echo "$i" | grep -o .); do tag+="${stems[$d]}"; done
    src="${samples[$((i % ${#samples[@]}))]}"
    line="（材料${tag}）"
    case "$src" in *gbk*) line="$(printf '%s' "$line" | iconv -f UTF-8 -t GBK)";; esac
    { printf '%s\n' "$line"; cat "$src"; } > "$docs/$(printf '%04d' "$i").txt"
  done
  touch "$docs/.complete"
fi
ls "$docs"/*.txt > "$work/files.txt"
mapfile -t files < "$work/files.txt"
printf '（材料）\n' > "$work/one-line.txt"

now() { date +%s%N; }
secs() { python3 -c "print(($2 - $1) / 1e9)"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
core="$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')"

# jixiao's start-up: a one-file call on a one-line file (no facts), median of 7.
startup="$(for _ in 1 2 3 4 5 6 7; do
  t=$(now); "$bin" extract "$work/one-line.txt" --format json >/dev/null; secs "$t" "$(now)"
done | median)"

# jixiao on one core, then on every core the process may use.
t=$(now); taskset -c "$core" "$bin" extract "${files[@]}" --format json > "$work/jixiao.jsonl"
one="$(secs "$t" "$(now)")"
t=$(now); "$bin" extract "${files[@]}" --format json > "$work/jixiao-all.jsonl"
all="$(secs "$t" "$(now)")"
cmp -s "$work/jixiao.jsonl" "$work/jixiao-all.jsonl" || { echo "outputs differ" >&2; exit 1; }
facts="$(python3 -c 'import json,sys; print(sum(len(json.loads(l).get("facts", [])) for l in open(sys.argv[1])))' "$work/jixiao.jsonl")"

# JioNLP, one process (Python: one core).
# JioNLP greets on standard output when imported: the figures are the last line.
jio="$("$venv/bin/python" bench/jionlp_money.py "$work/files.txt" "$work/jionlp.jsonl" | tail -n 1)"

python3 - "$startup" "$one" "$all" "$facts" "$jio" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
startup, one, all_, facts = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
jio = json.loads(sys.argv[5]); cores, load = sys.argv[6], sys.argv[7]
chars, files = jio["chars"], jio["files"]
one_x, all_x, jio_x = one - startup, all_ - startup, jio["elapsed"]
m = lambda s: chars / s / 1e6
print(f"{files} files, {chars:,} characters; {cores} cores, load average {load}")
print(f"| run | start-up | extraction | M chars/s | × JioNLP |")
print(f"|---|---:|---:|---:|---:|")
print(f"| JioNLP {jio['version']} extract_money ({jio['hits']:,} amounts) | {jio['startup']*1e3:.0f} ms | {jio_x:.2f} s | {m(jio_x):.2f} | 1.00 |")
print(f"| jixiao extract, one core ({facts:,} facts) | {startup*1e3:.0f} ms | {one_x:.2f} s | {m(one_x):.2f} | {jio_x/one_x:.2f} |")
print(f"| jixiao extract, {cores} cores | {startup*1e3:.0f} ms | {all_x:.2f} s | {m(all_x):.2f} | {jio_x/all_x:.2f} |")
print(f"whole commands with start-up: JioNLP {jio['startup']+jio_x:.2f} s, jixiao one core {one:.2f} s, {cores} cores {all_:.2f} s")
PY
