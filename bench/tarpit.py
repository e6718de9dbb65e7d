#!/usr/bin/env python3
"""A tarpit for bench/grab.sh: listens on ports FIRST..LAST of HOSTS consecutive addresses
from IP (default 1), accepts every connection and holds it without reading or writing. Prints
"ready", and on stdin EOF prints the peak number of connections held at once. Loopback only.

usage: tarpit.py IP FIRST LAST [HOSTS]"""
import ipaddress
import resource
import selectors
import socket
import sys

ip, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
hosts = int(sys.argv[4]) if len(sys.argv) > 4 else 1
addresses = [str(ipaddress.ip_address(ip) + i) for i in range(hosts)]
if not all(a.startswith("127.") for a in addresses):
    sys.exit("tarpit.py: loopback only")
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
sel = selectors.DefaultSelector()
for addr, port in ((a, p) for a in addresses for p in range(first, last + 1)):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, "listen")
sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
print("ready", flush=True)
held, peak = set(), 0
while True:
    for key, _ in sel.select(timeout=1):
        if key.data == "stdin":
            if not sys.stdin.readline():
                print(peak, flush=True)
                sys.exit(0)
        elif key.data == "listen":
            try:
                c, _ = key.fileobj.accept()
            except OSError:
                continue
            c.setblocking(False)
            held.add(c)
            sel.register(c, selectors.EVENT_READ, "held")
            peak = max(peak, len(held))
        else:  # the client closed (or sent a probe): drop it only when it closes
            try:
                data = key.fileobj.recv(65536, socket.MSG_PEEK)
            except OSError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                held.discard(key.fileobj)
                key.fileobj.close()
            else:
                key.fileobj.recv(65536)
