#!/usr/bin/env bash
# `flowmeter packets` on the `mixed` trace of ../shared/peers: packet rows per second to CSV (target >= 1,000,000 on
# the 2-core machine), with `convert --dissections 0 --threads 1` of the same trace in the same rounds as a baseline
# (one pass against the two of packets). ROUNDS (default 7) interleaved rounds, medians of wall time.
# Environment: ROUNDS, FLOWMETER (else a release build in SCRATCH, default .build-release-bench), PEERS_HOME, WORK.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_HOME=${PEERS_HOME:-$HOME/.cache/flowmeter-peers}
ROUNDS=${ROUNDS:-7}
SCRATCH=${SCRATCH:-$ROOT/.build-release-bench}
# Outputs go to tmpfs when there is one (/dev/shm): 115 MB of CSV per round otherwise makes the disk's write-back,
# not flowmeter, set the pace of later rounds.
WORK=${WORK:-$( [ -d /dev/shm ] && echo /dev/shm/flowmeter-bench-packets || echo /tmp/flowmeter-bench-packets )}
mkdir -p "$WORK"
source "$ROOT/scripts/bench-lib.sh"
bench_flowmeter bench-packets
bench_mixed_trace
cat "$TRACE" > /dev/null
: > "$WORK/times"
for round in $(seq 1 "$ROUNDS"); do
    rm -f "$WORK/packets.csv" "$WORK/flows.csv"
    /usr/bin/time -f "packets %e %U %S" -a -o "$WORK/times" "$FLOWMETER" packets "$TRACE" -o "$WORK/packets.csv" -q
    /usr/bin/time -f "convert %e %U %S" -a -o "$WORK/times" \
        "$FLOWMETER" convert "$TRACE" -o "$WORK/flows.csv" -q --dissections 0 --threads 1
done
rows=$(($(wc -l < "$WORK/packets.csv") - 1))
python3 - "$WORK/times" "$rows" "$ROUNDS" <<'PY'
import statistics, sys
path, rows, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
times = {}
for line in open(path):
    f = line.split()
    if len(f) == 4:
        times.setdefault(f[0], []).append((float(f[1]), float(f[2]) + float(f[3])))
p = statistics.median(t[0] for t in times["packets"])
pc = statistics.median(t[1] for t in times["packets"])
c = statistics.median(t[0] for t in times["convert"])
print(f"mixed trace: {rows:,} packet rows; medians of {rounds} rounds")
print(f"packets  wall {p:.2f} s  ({rows / p:,.0f} packet rows/s; all rounds: "
      + ", ".join(f"{t[0]:.2f}" for t in times["packets"]) + ")")
print(f"packets  CPU {pc:.2f} s  ({rows / pc:,.0f} packet rows per CPU second)")
print(f"convert  wall {c:.2f} s  (the first pass alone is about this)")
print("target >= 1,000,000 rows/s:", "met" if rows / p >= 1e6 else "not met")
PY
