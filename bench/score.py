#!/usr/bin/env python3
"""Scoring helpers for bench/connect_scan.sh.

  score.py truth TRUTH FORMAT OUTPUT       prints "found missed false_pos"
      FORMAT: ndjson (searchlight), grepable (nmap -oG), pairs (ip:port per line)
  score.py windows PCAP WINDOW_MS           prints "syns span_s rate max_in_window"
      SYN timestamps from a pcap (tcpdump -w); max SYNs that started in any window."""
import json
import re
import struct
import sys
from collections import deque


def read_pairs(fmt, path):
    pairs = set()
    for line in open(path, errors="replace"):
        line = line.strip()
        if not line:
            continue
        if fmt == "ndjson":
            r = json.loads(line)
            if r.get("type") == "port" and r.get("state") == "open":
                pairs.add(f"{r['ip']}:{r['port']}")
        elif fmt == "grepable":
            m = re.match(r"Host: (\S+) .*Ports: (.*)", line)
            if m:
                for entry in m.group(2).split(","):
                    f = entry.strip().split("/")
                    if len(f) > 1 and f[1] == "open":
                        pairs.add(f"{m.group(1)}:{f[0]}")
        else:
            pairs.add(line)
    return pairs


def truth(args):
    want = set(open(args[0]).read().split())
    got = read_pairs(args[1], args[2])
    print(len(got & want), len(want - got), len(got - want))


def windows(args):
    data = open(args[0], "rb").read()
    window = float(args[1]) / 1000.0
    magic = struct.unpack("<I", data[:4])[0]
    endian, nano = ("<", False)
    if magic == 0xa1b23c4d:
        nano = True
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        endian = ">"
        nano = magic == 0x4d3cb2a1
    scale = 1e9 if nano else 1e6
    pos, times = 24, []
    while pos + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        times.append(sec + frac / scale)
        pos += 16 + incl
    if not times:
        print(0, 0, 0, 0)
        return
    q, best = deque(), 0
    for t in times:
        q.append(t)
        while q[0] <= t - window:
            q.popleft()
        best = max(best, len(q))
    span = times[-1] - times[0]
    rate = (len(times) - 1) / span if span > 0 else 0
    print(len(times), f"{span:.3f}", f"{rate:.0f}", best)


if __name__ == "__main__":
    {"truth": truth, "windows": windows}[sys.argv[1]](sys.argv[2:])
