#!/usr/bin/env bash
# Shows that memory stays flat with --max-flows.
#
#   scripts/memory-flat.sh [convert]            peak RSS of `convert --max-flows` on scans of 1, 2 and 4 M flows
#   scripts/memory-flat.sh live [MINUTES] [PPS] RSS of `live` every 10 s during a steady flow of new flows
#
# convert: a generator (scripts/make-scan-trace.py) writes a scan trace: N distinct flows (UDP, 10.x.y.z:port →
# 192.168.0.1:53, one 60-byte packet each, 1 µs apart — a port scan seen from the scanned side), so without a
# bound every flow stays in the table until the end. For each N in SIZES (default "1000000 2000000 4000000") the
# release `flowmeter convert TRACE -o /dev/null --max-flows MAX_FLOWS --statistics` runs under GNU time; the
# table gives the peak RSS and the time, and the same without --max-flows for comparison.
# Flat means: peak RSS at the largest N is within 10 % (+ 8 MiB) of the smallest. Exit status 1 otherwise.
#
# live (root, iproute2): a veth pair into a private network namespace; inside it, python3 sends PPS UDP frames
# a second (default 2000) on a packet socket, each from a new (source address, port) (a new flow every packet),
# for MINUTES (default 10); `flowmeter live --max-flows MAX_FLOWS --idle-timeout IDLE_TIMEOUT` (default 120 s,
# NFStream's: at 2 000 new flows a second the table reaches 65 536 flows after 33 s, and from then on
# --max-flows evicts) captures on the host end. VmRSS of the flowmeter process is sampled every 10 s; the table
# lists them, and flat means the largest sample after the first minute is within 10 % (+ 8 MiB) of the sample at
# one minute. The final statistics line (flows written, evicted) follows.
#
# Environment: FLOWMETER (the binary; default: a release build in SCRATCH, default .build-memory),
# MAX_FLOWS (default 65536), IDLE_TIMEOUT (live, default 120), SIZES, WORK (trace folder, default /tmp/flowmeter-memory; traces of 4 M flows
# take 300 MB and are kept for reruns).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-convert}
MAX_FLOWS=${MAX_FLOWS:-65536}
IDLE_TIMEOUT=${IDLE_TIMEOUT:-120}
SIZES=${SIZES:-"1000000 2000000 4000000"}
WORK=${WORK:-/tmp/flowmeter-memory}
SCRATCH=${SCRATCH:-$ROOT/.build-memory}
mkdir -p "$WORK"

for tool in python3; do
    command -v "$tool" > /dev/null || { echo "memory-flat: '$tool' not found" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "memory-flat: GNU time (/usr/bin/time) not found: apt-get install time" >&2; exit 2; }

ensure_binary() {
    if [ -z "${FLOWMETER:-}" ]; then
        echo "== building flowmeter (release, $SCRATCH)" >&2
        (cd "$ROOT" && swift build -c release --product flowmeter --scratch-path "$SCRATCH" > "$WORK/build.log" 2>&1) \
            || { tail -20 "$WORK/build.log" >&2; exit 2; }
        FLOWMETER=$SCRATCH/release/flowmeter
    fi
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# within_flat BASE_KIB VALUE_KIB: true when VALUE <= BASE * 1.10 + 8 MiB.
within_flat() { [ "$2" -le $(($1 * 110 / 100 + 8192)) ]; }

generate_scan() {  # generate_scan FLOWS PATH
    python3 "$ROOT/scripts/make-scan-trace.py" "$1" "$2"
}

run_convert() {
    printf '%-10s %-12s %14s %10s\n' flows max-flows "peak RSS MiB" "time s"
    local first_bounded="" last_bounded="" n
    for n in $SIZES; do
        local trace=$WORK/scan-$n.pcap
        [ -f "$trace" ] || { echo "== generating $trace" >&2; generate_scan "$n" "$trace"; }
        local bound
        for bound in "$MAX_FLOWS" 0; do
            local extra=()
            [ "$bound" -gt 0 ] && extra=(--max-flows "$bound")
            /usr/bin/time -f '%M %e' -o "$WORK/time" "$FLOWMETER" convert "$trace" -o /dev/null --statistics \
                "${extra[@]}" 2> "$WORK/stderr" || { cat "$WORK/stderr" >&2; exit 1; }
            local rss secs
            read -r rss secs < <(tail -1 "$WORK/time")
            printf '%-10s %-12s %14s %10s\n' "$n" "$([ "$bound" -gt 0 ] && echo "$bound" || echo none)" \
                "$(mib "$rss")" "$secs"
            if [ "$bound" -gt 0 ]; then
                [ -z "$first_bounded" ] && first_bounded=$rss
                last_bounded=$rss
            fi
        done
    done
    if within_flat "$first_bounded" "$last_bounded"; then
        echo "memory-flat: flat with --max-flows $MAX_FLOWS ($((first_bounded / 1024)) MiB → $((last_bounded / 1024)) MiB)"
    else
        echo "memory-flat: NOT flat with --max-flows $MAX_FLOWS ($((first_bounded / 1024)) MiB → $((last_bounded / 1024)) MiB)"
        exit 1
    fi
}

run_live() {
    local minutes=${1:-10} pps=${2:-2000}
    [ "$(id -u)" -eq 0 ] || { echo "memory-flat live: needs root (namespace, veth, capture)" >&2; exit 2; }
    # Globals, not locals: the EXIT trap runs after this function has returned.
    ns=fm-mem-$$ host=fmm$$h inside=fmm$$n live_pid="" sender_pid=""
    cleanup() {
        [ -n "${live_pid:-}" ] && kill "$live_pid" 2> /dev/null && wait "$live_pid" 2> /dev/null
        [ -n "${sender_pid:-}" ] && kill "$sender_pid" 2> /dev/null
        ip link del "$host" 2> /dev/null || true
        ip netns del "$ns" 2> /dev/null || true
    }
    trap cleanup EXIT
    ip netns add "$ns"
    ip link add "$host" type veth peer name "$inside" netns "$ns"
    ip addr add 10.199.77.1/30 dev "$host"
    ip -n "$ns" addr add 10.199.77.2/30 dev "$inside"
    ip link set "$host" up
    ip -n "$ns" link set "$inside" up
    ip -n "$ns" link set lo up
    ip neigh replace 10.199.77.2 lladdr "$(ip -n "$ns" -o link show "$inside" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)" dev "$host" nud permanent
    ip -n "$ns" neigh replace 10.199.77.1 lladdr "$(cat /sys/class/net/$host/address)" dev "$inside" nud permanent

    "$FLOWMETER" live -i "$host" -o /dev/null --bpf "udp and dst port 9" --max-flows "$MAX_FLOWS" \
        --idle-timeout "$IDLE_TIMEOUT" --statistics --stats-interval 60 2> "$WORK/live-stderr" &
    live_pid=$!
    sleep 2
    ip netns exec "$ns" python3 - "$pps" "$((minutes * 60))" "$inside" "$(cat /sys/class/net/$host/address)" <<'EOF' &
# Raw Ethernet frames from inside the namespace: UDP 10.199.S.2:PORT -> 10.199.77.1:9, (S, PORT) stepping through
# 128 x 64 000 values, so every packet of a 10-minute run starts a new flow.
import socket, struct, sys, time
pps, seconds, interface, dst_mac = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((interface, 0))
src_mac = s.getsockname()[4]
head = bytes.fromhex(dst_mac.replace(':', '')) + src_mac + b'\x08\x00'
def checksum(b):
    total = sum(struct.unpack('!10H', b))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
def ip_header(n):
    source = bytes([10, 199, 128 + (n // 64000) % 128, 2])
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 60, 0, 0, 64, 17, 0, source, socket.inet_aton('10.199.77.1'))
    return ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
start = time.monotonic()
n = 0
while True:
    now = time.monotonic() - start
    if now >= seconds:
        break
    due = int(now * pps)
    while n < due:
        s.send(head + ip_header(n) + struct.pack('!HHHH', 1024 + n % 64000, 9, 40, 0) + bytes(32))
        n += 1
    time.sleep(0.002)
EOF
    sender_pid=$!
    printf '%-8s %12s\n' "time s" "VmRSS MiB"
    local t=0 at_minute="" worst=0 rss
    while [ $t -le $((minutes * 60)) ]; do
        rss=$(awk '/^VmRSS/ {print $2}' "/proc/$live_pid/status")
        printf '%-8s %12s\n' "$t" "$(mib "$rss")"
        [ $t -eq 60 ] && at_minute=$rss
        [ $t -gt 60 ] && [ "$rss" -gt "$worst" ] && worst=$rss
        sleep 10
        t=$((t + 10))
    done
    wait "$sender_pid" || true
    sender_pid=""
    kill -INT "$live_pid"
    wait "$live_pid" || true
    live_pid=""
    tail -1 "$WORK/live-stderr"
    if [ -n "$at_minute" ] && within_flat "$at_minute" "$worst"; then
        echo "memory-flat live: flat ($((at_minute / 1024)) MiB at 1 min, at most $((worst / 1024)) MiB after)"
    else
        echo "memory-flat live: NOT flat (${at_minute:-?} KiB at 1 min, at most $worst KiB after)"
        exit 1
    fi
}

# Everything runs from main, called on the last line: bash has read the whole script before the long runs start.
main() {
    ensure_binary
    case "$MODE" in
        convert) run_convert ;;
        live) shift; run_live "$@" ;;
        *) echo "usage: scripts/memory-flat.sh [convert | live [MINUTES] [PPS]]" >&2; exit 2 ;;
    esac
}

main "$@"
exit $?
