#!/usr/bin/env bash
# Times flowmeter against the C baseline of ../shared/peers on the `mixed` trace and prints a table.
#
#   (a) pcap_count -f mixed.pcap OUT  C: Ethernet/VLAN/IPv4/TCP/UDP parse + bidirectional flow table + its CSV
#   (b) pcap_count mixed.pcap       C: bare pcap_next_ex loop (the cost of reading the file)
# and for each T in THREADS (default "1 2"):
#   (c) flowmeter convert mixed.pcap -o OUT.csv --statistics --splt 10 --dissections 0 -q --threads T
#   (d) flowmeter convert mixed.pcap -o OUT.csv.gz --statistics --splt 10 --dissections 0 -q --threads T
#   (e) flowmeter convert mixed.pcap -o OUT.csv --statistics --splt 10 -q --threads T  (detection with nDPI on)
# (c) and (d) leave application detection out, so that (c) at one thread compares the same work as the C flow
# table. The last columns compare each flowmeter row with the C flow table's CPU and, for T > 1, with the same
# command at the first T (wall and CPU): what more meter threads buy.
#
# Each command runs RUNS times (default 5), round robin, with the file in the page cache, under
# `/usr/bin/time -f '%e %U %S %M'`. The table gives medians: wall s, CPU s (user+sys), CPU s per million
# packets, peak RSS, and the ratios.
#
# Needs: pcap_count and mixed.pcap from ../shared/peers (built here if missing: gcc + libpcap-dev,
# and `make-data.sh mixed`, a few seconds), capinfos (tshark), GNU time, python3, swift.
# Environment: PEERS_HOME (default ~/.cache/flowmeter-peers), TRACE (default $PEERS_HOME/data/mixed.pcap),
# RUNS (5), THREADS ("1 2"), SCRATCH (release build folder, default .build-release-bench in the checkout), OUT_DIR
# (/tmp), FLOWMETER (time this binary instead of building one).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_SRC=$ROOT/../shared/peers
PEERS_HOME=${PEERS_HOME:-$HOME/.cache/flowmeter-peers}
TRACE=${TRACE:-$PEERS_HOME/data/mixed.pcap}
PCAP_COUNT=${PCAP_COUNT:-$PEERS_HOME/bin/pcap_count}
RUNS=${RUNS:-5}
THREADS=${THREADS:-"1 2"}
SCRATCH=${SCRATCH:-$ROOT/.build-release-bench}
OUT_DIR=${OUT_DIR:-/tmp}

for tool in capinfos python3 swift; do
    command -v "$tool" > /dev/null || { echo "bench-mixed: '$tool' not found" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench-mixed: GNU time (/usr/bin/time) not found: apt-get install time" >&2; exit 1; }

if [ ! -x "$PCAP_COUNT" ]; then
    echo "== building $PCAP_COUNT"
    mkdir -p "$(dirname "$PCAP_COUNT")"
    gcc -O2 -o "$PCAP_COUNT" "$PEERS_SRC/pcap_count.c" -lpcap
fi
source "$ROOT/scripts/bench-lib.sh"
bench_mixed_trace

bench_flowmeter bench-mixed

PACKETS=$(capinfos -c -M "$TRACE" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
echo "== trace $TRACE: $PACKETS packets, $(du -h "$TRACE" | cut -f1)"

# Page cache: read the file once before timing anything.
cat "$TRACE" > /dev/null

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
NAMES=(c_flow c_read)
LABELS=("C flow table (pcap_count -f, with its CSV)" "C pcap_next_ex loop (pcap_count)")
for t in $THREADS; do
    NAMES+=("fm_stats_$t" "fm_gz_$t" "fm_default_$t")
    LABELS+=(
        "flowmeter --statistics --splt 10 --dissections 0 --threads $t"
        "flowmeter --statistics --splt 10 --dissections 0 -o x.csv.gz --threads $t"
        "flowmeter --statistics --splt 10 (detection on) --threads $t"
    )
done
command_for() {
    case $1 in
        c_flow) echo "$PCAP_COUNT -f $TRACE $OUT_DIR/bench-mixed-c.csv" ;;
        c_read) echo "$PCAP_COUNT $TRACE" ;;
        fm_stats_*) echo "$FLOWMETER convert $TRACE -o $OUT_DIR/bench-mixed-$1.csv --statistics --splt 10 --dissections 0 -q --threads ${1##*_}" ;;
        fm_gz_*) echo "$FLOWMETER convert $TRACE -o $OUT_DIR/bench-mixed-$1.csv.gz --statistics --splt 10 --dissections 0 -q --threads ${1##*_}" ;;
        fm_default_*) echo "$FLOWMETER convert $TRACE -o $OUT_DIR/bench-mixed-$1.csv --statistics --splt 10 -q --threads ${1##*_}" ;;
    esac
}
for n in "${NAMES[@]}"; do echo "   $n: $(command_for "$n")"; done

for run in $(seq 1 "$RUNS"); do
    for n in "${NAMES[@]}"; do
        # shellcheck disable=SC2046
        /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" $(command_for "$n") > "$WORK/stdout" 2> "$WORK/stderr" || {
            echo "bench-mixed: run $run of $n failed:" >&2; cat "$WORK/stderr" >&2; exit 1; }
        cat "$WORK/time" >> "$WORK/$n.times"
        if [[ $n == c_* ]]; then
            sed -n 's/.*flows=\([0-9]*\).*/\1/p' "$WORK/stdout" | tail -1 > "$WORK/$n.flows"
        fi
    done
    echo "   run $run/$RUNS done"
done
for n in "${NAMES[@]}"; do
    [[ $n == fm_* ]] || continue
    out=$OUT_DIR/bench-mixed-$n.csv
    if [[ $n == fm_gz_* ]]; then
        echo $(( $(gzip -dc "$out.gz" | wc -l) - 1 )) > "$WORK/$n.flows"
    else
        echo $(( $(wc -l < "$out") - 1 )) > "$WORK/$n.flows"
    fi
done

python3 - "$WORK" "$PACKETS" "$RUNS" "${NAMES[@]}" -- "${LABELS[@]}" <<'PY'
import os, statistics, sys
work, packets, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rest = sys.argv[4:]
sep = rest.index("--")
names, labels = rest[:sep], rest[sep + 1:]
rows = {}
for n in names:
    t = [list(map(float, l.split())) for l in open(os.path.join(work, n + ".times")) if l.strip()]
    wall = statistics.median(x[0] for x in t)
    cpu = statistics.median(x[1] + x[2] for x in t)
    rss = statistics.median(x[3] for x in t) / 1024
    f = os.path.join(work, n + ".flows")
    flows = open(f).read().strip() if os.path.exists(f) else ""
    rows[n] = (wall, cpu, rss, flows)
base = rows["c_flow"][1]
print()
print(f"mixed trace: {packets:,} packets; medians of {runs} runs; file in page cache")
print()
first = {}
for n in names:
    if n.startswith("fm_"):
        first.setdefault(n.rsplit("_", 1)[0], n)
print("| command | wall s | CPU s (user+sys) | CPU s / Mpkt | packets/s (wall) | peak RSS MB | flows | CPU / C flow table | wall, CPU, RSS / first --threads |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for n, label in zip(names, labels):
    wall, cpu, rss, flows = rows[n]
    flows = f"{int(flows):,}" if flows else ""
    versus = ""
    if n.startswith("fm_") and first[n.rsplit("_", 1)[0]] != n:
        w0, c0, r0, _ = rows[first[n.rsplit("_", 1)[0]]]
        versus = f"{wall / w0:.2f}, {cpu / c0:.2f}, {rss / r0:.2f}"
    print(f"| {label} | {wall:.2f} | {cpu:.2f} | {cpu / packets * 1e6:.3f} | {packets / wall:,.0f} | {rss:.1f} | {flows} | {cpu / base:.2f} | {versus} |")
PY
