#!/usr/bin/env python3
"""Writes a scan trace: FLOWS distinct flows (UDP, 10.0.x.0:port -> 192.168.0.1:53, one 60-byte Ethernet frame
each, 1 us apart: a port scan seen from the scanned side), so that without a bound every flow stays in the table
until the end of the input. Used by scripts/memory-flat.sh and scripts/bench-parquet.sh.

    make-scan-trace.py FLOWS PATH

The file is written under PATH.tmp and renamed when complete."""
import os
import struct
import sys

flows, path = int(sys.argv[1]), sys.argv[2]
eth = bytes.fromhex('0200000000020200000000010800')
tail = struct.pack('!BBHHHBBH', 0x45, 0, 46, 0, 0, 64, 17, 0)
pad = bytes(18)
with open(path + '.tmp', 'wb') as out:
    out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    buf = bytearray()
    start = 1700000000 * 1000000
    for i in range(flows):
        t = start + i
        frame = (eth + tail + struct.pack('!II', 0x0a000000 | (i // 50000), 0xc0a80001)
                 + struct.pack('!HHHH', 1024 + i % 50000, 53, 26, 0) + pad)
        buf += struct.pack('<IIII', t // 1000000, t % 1000000, 60, 60) + frame
        if len(buf) > 1 << 22:
            out.write(buf)
            buf = bytearray()
    out.write(buf)
os.replace(path + '.tmp', path)
