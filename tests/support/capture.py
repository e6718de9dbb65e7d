#!/usr/bin/env python3
"""Captures a real server's answer to exact probe bytes as a transcript (for golden cases such
as not-this-protocol, where the recorder in the scanner has nothing to record).

usage: capture.py IP PORT SOURCE_LINE PROBE_ESCAPED [--tls] > case.transcript
The probe uses C escapes (\\r \\n \\xNN). Reads until the server closes or is silent for 1 s."""
import socket
import ssl
import sys


def unescape(s):
    return s.encode().decode("unicode_escape").encode("latin-1")


def escape(b):
    out = []
    for c in b:
        ch = chr(c)
        out.append({"\r": "\\r", "\n": "\\n", "\t": "\\t", "\\": "\\\\"}.get(ch) or
                   (ch if 0x20 <= c < 0x7f else f"\\x{c:02x}"))
    return "".join(out)


def lines(prefix, data):
    out, start = [], 0
    while start < len(data):
        nl = data.find(b"\n", start)
        end = len(data) if nl < 0 else nl + 1
        out.append(prefix + escape(data[start:end]))
        start = end
    return out


def main():
    ip, port, source, probe = sys.argv[1], int(sys.argv[2]), sys.argv[3], unescape(sys.argv[4])
    tls = "--tls" in sys.argv
    s = socket.create_connection((ip, port), 5)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    s.sendall(probe)
    s.settimeout(1.0)
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except (socket.timeout, ConnectionResetError, ssl.SSLError):
        pass
    out = [f"# {source}", f"# @target {ip}:{port}"]
    if tls:
        out.append("=== connection 1 (tls)")
    out += lines("> ", probe) + lines("< ", got)
    print("\n".join(out))


if __name__ == "__main__":
    main()
