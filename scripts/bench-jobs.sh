#!/usr/bin/env bash
# Times `convert --each-file` with --jobs 1 against --jobs 2 on a dataset of many files, the target of issue 17:
# 16 conformance-sized files and 4 copies of the mixed trace on the 2-core machine, --jobs 2 wall <= 0.6 x --jobs 1.
#
#   flowmeter convert DATA --each-file -o OUT.csv -q --jobs J $OPTIONS     for J in 1 2
#
# DATA holds the FILES (16) largest captures of ../shared/conformance/pcaps and MIXED_COPIES (4) copies of
# mixed.pcap (built with ../shared/peers/make-data.sh mixed when missing). Each round runs both commands, the order
# alternating from round to round, with the files in the page cache; the script prints every wall time, the medians
# over ROUNDS (5) rounds, the ratio and whether it meets TARGET (0.6). The two outputs must be byte-identical (checked
# every round). With one job the meters use one thread as well (--threads 1), as every job does with --jobs 2.
#
# Usage: bench-jobs.sh [--quick]   (--quick: one round, to check the script itself; not a measurement)
# Environment: PEERS_HOME (default ~/.cache/flowmeter-peers), TRACE (default $PEERS_HOME/data/mixed.pcap), FILES,
# MIXED_COPIES, ROUNDS, TARGET, OPTIONS (default "--dissections 20"), SCRATCH (release build folder, default
# .build-release-bench in the checkout), OUT_DIR (/tmp), FLOWMETER (time this binary instead of building one).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$ROOT/../shared
PEERS_HOME=${PEERS_HOME:-$HOME/.cache/flowmeter-peers}
TRACE=${TRACE:-$PEERS_HOME/data/mixed.pcap}
FILES=${FILES:-16}
MIXED_COPIES=${MIXED_COPIES:-4}
ROUNDS=${ROUNDS:-5}
TARGET=${TARGET:-0.6}
OPTIONS=${OPTIONS:-"--dissections 20"}
SCRATCH=${SCRATCH:-$ROOT/.build-release-bench}
OUT_DIR=${OUT_DIR:-/tmp}
if [ "${1:-}" = "--quick" ]; then ROUNDS=1; fi

command -v python3 > /dev/null || { echo "bench-jobs: python3 not found" >&2; exit 1; }
source "$ROOT/scripts/bench-lib.sh"
if [ "$MIXED_COPIES" -gt 0 ]; then bench_mixed_trace; fi

bench_flowmeter bench-jobs

WORK=$(mktemp -d "$OUT_DIR/bench-jobs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
DATA=$WORK/data
mkdir -p "$DATA"
# The largest conformance captures (pcap magic only: the dataset is what `convert DIR` would read).
n=0
while IFS= read -r pcap; do
    [ "$n" -ge "$FILES" ] && break
    cp "$pcap" "$DATA/conformance-$(printf %02d "$n")-$(basename "$pcap")"
    n=$((n + 1))
done < <(ls -S "$SHARED"/conformance/pcaps/*.pcap)
for i in $(seq 1 "$MIXED_COPIES"); do cp "$TRACE" "$DATA/mixed-$i.pcap"; done
echo "== dataset: $n conformance captures and $MIXED_COPIES copies of $(basename "$TRACE"), $(du -sh "$DATA" | cut -f1)"
cat "$DATA"/* > /dev/null  # page cache

run() {  # $1 = jobs; prints the wall time in seconds
    local start end
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    "$FLOWMETER" convert "$DATA" --each-file -o "$WORK/out-$1.csv" -q --jobs "$1" --threads 1 $OPTIONS
    end=$(date +%s%N)
    python3 -c "print(f'{($end - $start) / 1e9:.3f}')"
}

ONE=()
TWO=()
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then
        a=$(run 1); b=$(run 2)
    else
        b=$(run 2); a=$(run 1)
    fi
    cmp -s "$WORK/out-1.csv" "$WORK/out-2.csv" || { echo "bench-jobs: --jobs 1 and --jobs 2 outputs differ" >&2; exit 1; }
    ONE+=("$a")
    TWO+=("$b")
    echo "round $round: --jobs 1 ${a} s, --jobs 2 ${b} s"
done

python3 - "$TARGET" "${ONE[*]}" "${TWO[*]}" "$(wc -l < "$WORK/out-1.csv")" << 'PY'
import statistics, sys
target = float(sys.argv[1])
one = [float(x) for x in sys.argv[2].split()]
two = [float(x) for x in sys.argv[3].split()]
rows = int(sys.argv[4]) - 1
m1, m2 = statistics.median(one), statistics.median(two)
ratio = m2 / m1
print(f"flows: {rows}; rounds: {len(one)}")
print(f"median wall  --jobs 1: {m1:.3f} s   --jobs 2: {m2:.3f} s   ratio {ratio:.3f} (target <= {target})")
print("target met" if ratio <= target else "target NOT met")
PY
