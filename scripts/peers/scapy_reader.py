#!/usr/bin/env python3
"""flowmeter bench --peers: scapy builds a Packet object (one per layer) for every packet of the trace.

Counts packets and bidirectional (address, port, protocol) keys of TCP/UDP packets. Prints one JSON line.
"""
import argparse
import json

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.utils import PcapReader


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("trace")
    parser.add_argument("--max-packets", type=int, default=0)
    args = parser.parse_args()
    flows = set()
    packets = 0
    with PcapReader(args.trace) as reader:
        for packet in reader:
            packets += 1
            ip = packet.getlayer(IP) or packet.getlayer(IPv6)
            if ip is not None:
                l4 = ip.getlayer(TCP) or ip.getlayer(UDP)
                if l4 is not None:
                    a = (ip.src, l4.sport)
                    b = (ip.dst, l4.dport)
                    flows.add((min(a, b), max(a, b), l4.name))
            if args.max_packets and packets >= args.max_packets:
                break
    print(json.dumps({"tool": "scapy", "packets": packets, "flows": len(flows)}))


if __name__ == "__main__":
    main()
