#!/usr/bin/env bash
# Regenerates Examples/captures/sample.pcap: a small capture of traffic made on loopback by this script
# (HTTP over TCP on IPv4 and IPv6, UDP datagrams, ICMP echo). Needs root (tcpdump on lo), python3, curl, ping.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Examples/captures/sample.pcap
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 -m http.server 18080 --bind :: --directory "$work" >/dev/null 2>&1 &
sleep 1
echo "hello from flowmeter" > "$work/index.html"
tcpdump -i lo -s 1536 -U -w "$work/raw.pcap" 'port 18080 or port 18081 or icmp or icmp6' 2>/dev/null &
tcpdump_pid=$!
sleep 1
for i in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:18080/index.html"; done
for i in 1 2; do curl -s -o /dev/null "http://[::1]:18080/index.html"; done
python3 - <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 18081))
for i in range(20):
    s.sendto(bytes(100 + 10 * i), ("127.0.0.1", 18081)); r.recvfrom(2048); time.sleep(0.01)
PY
ping -c 3 -i 0.2 127.0.0.1 >/dev/null
ping -6 -c 2 -i 0.2 ::1 >/dev/null || true
sleep 1
kill -INT $tcpdump_pid; wait $tcpdump_pid 2>/dev/null || true
cp "$work/raw.pcap" "$out"
echo "wrote $out: $(capinfos -c "$out" | tail -1)"
