#!/usr/bin/env bash
# Extraction time and peak memory against input size, for every input shape: generated
# inputs of 1, 2, 4, 8 and 16 MiB (prose, one long line, percent and digit soups, a tab table,
# one cell a line), each extracted by `jixiao extract FILE --format json` in a child process
# whose peak resident memory is read from wait4. BENCHMARKS.md holds the table it printed.
#
#   bench/linearity.sh                    # the release build of this tree
#   bench/linearity.sh --bin OTHER/jixiao # another build (an older one, to compare)
#   bench/linearity.sh --sizes 1,2,4 --shapes prose,tab-table
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
exec "${CARGO_TARGET_DIR:-target}/release/jixiao" bench --linearity "$@"
