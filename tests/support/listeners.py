#!/usr/bin/env python3
"""Test fixture: listen on the given ip:port pairs, accept and close every connection, until
killed or until stdin closes (so it never outlives the test that started it).

usage: listeners.py [--detach] IP:PORT|[IPV6]:PORT|@FILE ...   (@FILE: one pair per line)
Prints "ready" once every socket listens. --detach: ignore stdin (for scripts/lab).
A bind failure is fatal and loud: the caller's ground truth would be wrong otherwise."""
import resource
import selectors
import signal
import socket
import sys
import threading


def parse(spec):
    host, _, port = spec.rpartition(":")
    host = host.strip("[]")
    return host, int(port)


def watch_stdin():
    while sys.stdin.buffer.read1(4096):
        pass
    signal.raise_signal(signal.SIGTERM)


def main():
    args = sys.argv[1:]
    detach = bool(args) and args[0] == "--detach"
    if detach:
        args = args[1:]
    specs = []
    for a in args:
        specs += open(a[1:]).read().split() if a.startswith("@") else [a]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if len(specs) + 64 > soft:
        if len(specs) + 64 > hard:
            sys.exit(f"listeners.py: {len(specs)} sockets need more fds than the limit {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sel = selectors.DefaultSelector()
    for spec in specs:
        host, port = parse(spec)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            sys.exit(f"listeners.py: cannot bind {spec}: {e}")
        s.listen(1024)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    if not detach:
        threading.Thread(target=watch_stdin, daemon=True).start()
    print("ready", flush=True)
    while True:
        for key, _ in sel.select(timeout=1):
            while True:
                try:
                    c, _ = key.fileobj.accept()
                except OSError:
                    break
                c.close()


if __name__ == "__main__":
    main()
