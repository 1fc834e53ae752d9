#!/usr/bin/env bash
# IPFIX export against CSV on the `mixed` trace of ../shared/peers (43,750 flows): the CPU of
#   csv    flowmeter convert mixed.pcap -o OUT.csv                       OPTIONS -q --threads 1
#   file   flowmeter convert mixed.pcap -o OUT.ipfix                     (the same options)
#   udp    flowmeter convert mixed.pcap -o ipfix+udp://127.0.0.1:PORT    to nfdump's nfcapd on the loopback
#   udp-9k the same with --ipfix-mtu 8960 (jumbo frames: a sixth of the datagrams, so the kernel's per-datagram
#          share of the cost shows)
# for each option set of SETS (';'-separated; default: the defaults, i.e. the issue's command with application
# detection on; the core columns alone, `--dissections 0`; and `--statistics --splt 10 --dissections 0`, whose
# records nearly fill a 1,400-byte datagram each). RUNS times (default 5), round robin, medians, and the median of
# each round's ratio to CSV; then records per second and the collector's loss (flows nfcapd stored against flows
# sent) with nfcapd's default socket buffer and with -B 8388608.
# Environment: RUNS, SETS, FLOWMETER (else a release build in SCRATCH, default .build-release-bench), PEERS_HOME,
# WORK.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_HOME=${PEERS_HOME:-$HOME/.cache/flowmeter-peers}
RUNS=${RUNS:-5}
SCRATCH=${SCRATCH:-$ROOT/.build-release-bench}
WORK=${WORK:-/tmp/flowmeter-bench-ipfix}
mkdir -p "$WORK"
command -v nfcapd > /dev/null || { echo "bench-ipfix: nfcapd not found (apt-get install nfdump)" >&2; exit 1; }
source "$ROOT/scripts/bench-lib.sh"
bench_flowmeter bench-ipfix
bench_mixed_trace
SETS=${SETS:-"default;--dissections 0;--statistics --splt 10 --dissections 0"}
PORT=$((40000 + RANDOM % 20000))

collector() {  # collector DIR [nfcapd options]: starts nfcapd, prints its pid
    local dir=$1
    shift
    rm -rf "$dir"
    mkdir -p "$dir"
    nfcapd -w "$dir" -b 127.0.0.1 -p "$PORT" "$@" > "$dir.log" 2>&1 &
    echo $!
    sleep 0.5
}
stored() {  # stored PID DIR: stops nfcapd, prints the flows it stored
    kill -TERM "$1"
    while kill -0 "$1" 2> /dev/null; do sleep 0.1; done
    sed -n "s/.*Flows: \([0-9]*\),.*/\1/p" "$2.log" | tail -1
}

cat "$TRACE" > /dev/null
IFS=';' read -r -a SET_LIST <<< "$SETS"
for set in "${SET_LIST[@]}"; do
    set=$(echo "$set" | xargs)
    OPTIONS=(-q --threads 1)
    [ "$set" = default ] || read -r -a OPTIONS <<< "$set -q --threads 1"
    echo
    echo "== options: $set"
    : > "$WORK/times"
    pid=$(collector "$WORK/nfc")
    for run in $(seq 1 "$RUNS"); do
        /usr/bin/time -f "$run csv %e %U %S" -a -o "$WORK/times" "$FLOWMETER" convert "$TRACE" -o "$WORK/out.csv" "${OPTIONS[@]}"
        /usr/bin/time -f "$run file %e %U %S" -a -o "$WORK/times" "$FLOWMETER" convert "$TRACE" -o "$WORK/out.ipfix" "${OPTIONS[@]}"
        /usr/bin/time -f "$run udp %e %U %S" -a -o "$WORK/times" \
            "$FLOWMETER" convert "$TRACE" -o "ipfix+udp://127.0.0.1:$PORT" "${OPTIONS[@]}"
        /usr/bin/time -f "$run udp-9k %e %U %S" -a -o "$WORK/times" \
            "$FLOWMETER" convert "$TRACE" -o "ipfix+udp://127.0.0.1:$PORT" "${OPTIONS[@]}" --ipfix-mtu 8960
    done
    received_default=$(stored "$pid" "$WORK/nfc")
    pid=$(collector "$WORK/nfc-big" -B 8388608)
    "$FLOWMETER" convert "$TRACE" -o "ipfix+udp://127.0.0.1:$PORT" "${OPTIONS[@]}"
    received_big=$(stored "$pid" "$WORK/nfc-big")
    flows=$(($(wc -l < "$WORK/out.csv") - 1))
    python3 - "$WORK/times" "$flows" "$RUNS" "$received_default" "$received_big" "$WORK/out.ipfix" <<'PY'
import os, statistics, sys
path, flows, runs, got_default, got_big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4] or 0), int(sys.argv[5] or 0)
rows = {}
for line in open(path):
    f = line.split()
    if len(f) == 5:
        rows.setdefault(f[1], {})[f[0]] = (float(f[2]), float(f[3]) + float(f[4]), float(f[3]), float(f[4]))
med = {k: [statistics.median(x[i] for x in v.values()) for i in range(4)] for k, v in rows.items()}
ratio = {k: statistics.median(v[r][1] / rows['csv'][r][1] for r in v) for k, v in rows.items()}
size = os.path.getsize(sys.argv[6])
print(f'mixed trace, {flows:,} flows, medians of {runs} runs; IPFIX file {size:,} bytes ({size / flows:.0f} per flow)')
print('| output | wall s | CPU s (user + sys) | CPU / csv (median of rounds) | records/s |')
print('|---|---|---|---|---|')
for k in ['csv', 'file', 'udp', 'udp-9k']:
    w, c, u, s = med[k]
    print(f'| {k} | {w:.2f} | {c:.2f} ({u:.2f} + {s:.2f}) | {ratio[k]:.2f} | {flows / w:,.0f} |')
print(f'nfcapd stored {got_default:,} of {2 * flows * runs:,} flows sent with its default socket buffer '
      f'({100 * (1 - got_default / (2 * flows * runs)):.1f} % lost) and {got_big:,} of {flows:,} with -B 8388608 '
      f'({100 * (1 - got_big / flows):.1f} % lost)')
PY
done
