#!/usr/bin/env python3
"""flowmeter bench --peers: pypcap reads the trace, dpkt parses each packet (the study's "libpcap + fast parser").

Counts packets and bidirectional (address, port, protocol) keys of TCP/UDP packets over IPv4/IPv6 in Ethernet
frames, like a minimal flow meter (no timeouts). Prints one JSON line: {"tool", "packets", "flows"}.
"""
import argparse
import json

import dpkt
import pcap


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("trace")
    parser.add_argument("--max-packets", type=int, default=0)
    args = parser.parse_args()
    reader = pcap.pcap(name=args.trace, promisc=False, immediate=True)
    ethernet = reader.datalink() == pcap.DLT_EN10MB
    flows = set()
    packets = 0
    for _, frame in reader:
        packets += 1
        try:
            ip = dpkt.ethernet.Ethernet(frame).data if ethernet else dpkt.ip.IP(frame)
        except (dpkt.UnpackError, ValueError):
            ip = None
        if isinstance(ip, (dpkt.ip.IP, dpkt.ip6.IP6)):
            l4 = ip.data
            if isinstance(l4, (dpkt.tcp.TCP, dpkt.udp.UDP)):
                a = (bytes(ip.src), l4.sport)
                b = (bytes(ip.dst), l4.dport)
                flows.add((min(a, b), max(a, b), ip.p if isinstance(ip, dpkt.ip.IP) else ip.nxt))
        if args.max_packets and packets >= args.max_packets:
            break
    print(json.dumps({"tool": "pypcap+dpkt", "packets": packets, "flows": len(flows)}))


if __name__ == "__main__":
    main()
