#!/usr/bin/env python3
"""flowmeter bench --peers: pyshark runs tshark (PDML) and builds a Python object tree for every packet.

Counts packets and bidirectional (address, port, protocol) keys of TCP/UDP packets. Prints one JSON line.
"""
import argparse
import json

import pyshark


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("trace")
    parser.add_argument("--max-packets", type=int, default=0)
    args = parser.parse_args()
    flows = set()
    packets = 0
    capture = pyshark.FileCapture(args.trace, keep_packets=False)
    try:
        for packet in capture:
            packets += 1
            ip = getattr(packet, "ip", None) or getattr(packet, "ipv6", None)
            transport = packet.transport_layer
            if ip is not None and transport in ("TCP", "UDP"):
                l4 = packet[transport]
                a = (ip.src, l4.srcport)
                b = (ip.dst, l4.dstport)
                flows.add((min(a, b), max(a, b), transport))
            if args.max_packets and packets >= args.max_packets:
                break
    finally:
        capture.close()
    print(json.dumps({"tool": "pyshark", "packets": packets, "flows": len(flows)}))


if __name__ == "__main__":
    main()
