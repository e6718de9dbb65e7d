#!/usr/bin/env python3
"""Test fixture: listen on the given ip:port pairs, accept and close every connection, until
killed or until stdin closes (so it never outlives the test that started it).

usage: listeners.py IP:PORT|[IPV6]:PORT ...     prints "ready" once every socket listens.
A bind failure is fatal and loud: the caller's ground truth would be wrong otherwise."""
import selectors
import signal
import socket
import sys
import threading


def parse(spec):
    host, _, port = spec.rpartition(":")
    host = host.strip("[]")
    return host, int(port)


def main():
    sel = selectors.DefaultSelector()
    for spec in sys.argv[1:]:
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
    threading.Thread(target=lambda: (sys.stdin.read(), signal.raise_signal(signal.SIGTERM)),
                     daemon=True).start()
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
