#!/usr/bin/env python3
"""flowmeter bench --peers: NFStream meters the whole trace into flows (its default settings, statistics on).

NFStream has no packet limit: it always reads the whole trace. "packets" is the sum of its flows'
bidirectional_packets (the packets it metered). Prints one JSON line.
"""
import argparse
import json

from nfstream import NFStreamer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("trace")
    parser.add_argument("--max-packets", type=int, default=0, help="ignored: NFStream reads the whole trace")
    args = parser.parse_args()
    flows = 0
    packets = 0
    for flow in NFStreamer(source=args.trace, statistical_analysis=True):
        flows += 1
        packets += flow.bidirectional_packets
    print(json.dumps({"tool": "nfstream", "packets": packets, "flows": flows}))


if __name__ == "__main__":
    main()
