#!/usr/bin/env python3
"""Hostile servers for the limit tests (a SIMULATION, our own code; RELIABILITY.md section 4).

usage: chaos_server.py MODE IP PORT     prints "ready"; runs until stdin closes.
  tarpit    accepts, never reads, never sends (H1)
  drip      waits for a request, then sends an HTTP response one byte per second, forever (H2)
  firehose  waits for a request, then sends an HTTP response with Content-Length 100 MB and
            an endless body as fast as it can (H3/H4)
  headers   waits for a request, then sends endless HTTP headers (H13)
  badtls    an IMAP server that offers STARTTLS, says "a2 OK" to it, then answers the TLS
            ClientHello with plain text and closes (a broken STARTTLS)"""
import socket
import sys
import threading
import time

BIG = b"HTTP/1.1 200 OK\r\nServer: chaos\r\nContent-Length: 104857600\r\n\r\n"


def bad_starttls(conn):
    conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] chaos ready.\r\n")
    data = b""
    while b"a1 CAPABILITY" not in data:
        data += conn.recv(4096) or b"a1 CAPABILITY"
    conn.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\na1 OK done\r\n")
    while b"a2 STARTTLS" not in data:
        data += conn.recv(4096) or b"a2 STARTTLS"
    conn.sendall(b"a2 OK Begin TLS negotiation now.\r\n")
    conn.recv(4096)  # the ClientHello
    conn.sendall(b"this is not a TLS record\r\n")


def handle(mode, conn):
    try:
        if mode == "tarpit":
            time.sleep(120)
            return
        conn.settimeout(30)
        if mode == "badtls":
            bad_starttls(conn)
            return
        conn.recv(4096)
        if mode == "drip":
            body = b"HTTP/1.1 200 OK\r\nX-Drip: " + b"a" * 10000
            for b in body:
                conn.sendall(bytes([b]))
                time.sleep(1)
        elif mode == "firehose":
            conn.sendall(BIG)
            chunk = b"x" * 65536
            deadline = time.time() + 60
            while time.time() < deadline:
                conn.sendall(chunk)
        elif mode == "headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            deadline = time.time() + 60
            i = 0
            while time.time() < deadline:
                conn.sendall(b"X-Header-%d: value\r\n" % i)
                i += 1
    except OSError:
        pass
    finally:
        conn.close()


def main():
    mode, ip, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ip, port))
    ls.listen(128)
    threading.Thread(target=lambda: (sys.stdin.read(), ls.close()), daemon=True).start()
    print("ready", flush=True)
    while True:
        try:
            conn, _ = ls.accept()
        except OSError:
            return
        threading.Thread(target=handle, args=(mode, conn), daemon=True).start()


if __name__ == "__main__":
    main()
