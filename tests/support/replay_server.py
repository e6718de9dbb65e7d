#!/usr/bin/env python3
"""Replay server (a SIMULATION built from transcripts): serves one transcript over real sockets.

Connections are served in the transcript's order. On each, the server waits for the client's
bytes of the next "> " block, checks them (the Host header may differ: it names the replay's own
address), then sends the following "< " block. A connection whose bytes differ is closed at once
and does not advance the transcript, so a grabber that sends the wrong probe gets nothing.
Connections that send nothing are ignored (the scanner's greeting stage). The scanner's shared
"GET /" (Connection: close), when it is not the transcript's next request, is answered with the
transcript's first HTTP response and does not advance the transcript either: the simulation's
best knowledge of how the product answers its root (the product's own first answer). A
connection that repeats the first request of a connection already served gets that
connection's answers again (another grabber asking the same idempotent GET), without advancing.

usage: replay_server.py TRANSCRIPT IP PORT [--cert CERT --key KEY] [--loop]   prints "ready"; runs
until stdin closes (--loop: starts the transcript again after its last connection, for the lab). Writes one line per connection to stderr: "match N" or "reject N <why>"."""
import re
import socket
import ssl
import sys
import threading

HOST = re.compile(rb"Host: [^\r\n]*\r\n")


def unescape(s):
    return s.encode().decode("unicode_escape").encode("latin-1")


def parse(path, replay_ip=None):
    """The connections of a transcript. A server's own address inside an FTP PASV reply
    ("227 ... (h1,h2,h3,h4,p1,p2)") is replayed as replay_ip, as if the server moved with us."""
    conns = [{"tls": False, "blocks": []}]
    recorded = None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("# @target "):
            recorded = line[len("# @target "):].rsplit(":", 1)[0]
        if line.startswith("< 227 ") and recorded and replay_ip and ":" not in replay_ip:
            line = line.replace("(" + recorded.replace(".", ",") + ",",
                                "(" + replay_ip.replace(".", ",") + ",")
        if line.startswith("=== connection"):
            tls = "(tls)" in line
            if len(conns) == 1 and not conns[0]["blocks"]:
                conns[0]["tls"] = tls
            else:
                conns.append({"tls": tls, "blocks": []})
        elif line == "=== starttls":
            conns[-1]["blocks"].append(["starttls", b""])  # the socket turns to TLS here
        elif line[:2] in ("> ", "< "):
            client = line[0] == ">"
            data = unescape(line[2:])
            blocks = conns[-1]["blocks"]
            if blocks and blocks[-1][0] == client:
                blocks[-1][1] += data
            else:
                blocks.append([client, data])
    return conns


def norm(b):
    return HOST.sub(b"Host: *\r\n", b)


def consistent(got, expected):
    """Could `got` still grow into `expected`? Host lines are compared once complete."""
    if b"Host: " not in expected:
        return expected.startswith(got)
    cut = got.rfind(b"\n") + 1
    return norm(expected).startswith(norm(got[:cut]))


def read_exact_request(conn, expected, got=b""):
    while True:
        if norm(got) == norm(expected):
            return True, got
        if not consistent(got, expected) or len(got) > len(expected) + 4096:
            return False, got
        chunk = conn.recv(65536)
        if not chunk:
            return None, got
        got += chunk


ROOT_PROBE = re.compile(rb"^GET / HTTP/1\.1\r\n(?:[^\r\n]+\r\n)*?Connection: close\r\n\r\n$")


def first_http_answer(conns):
    """The server's answer to the transcript's first HTTP request, or None."""
    for c in conns:
        blocks = c["blocks"]
        if len(blocks) > 1 and blocks[0][0] is True and re.match(rb"(GET|POST|HEAD) /", blocks[0][1]):
            return blocks[1][1] if blocks[1][0] is False else None
    return None


def read_root_probe(conn, got):
    """The rest of the scanner's shared GET /, if that is what `got` begins; else None."""
    while b"\r\n\r\n" not in got and len(got) < 4096 and got.startswith(b"GET / HTTP/1.1\r\n"):
        chunk = conn.recv(65536)
        if not chunk:
            return None
        got += chunk
    return got if ROOT_PROBE.match(got) else None


def repeat_served(conn, got, served, ctx):
    """A request that opened a connection already served (an idempotent GET asked again by
    another grabber) gets that connection's answers again, as a real server would give them."""
    for script in served:
        blocks = script["blocks"]
        if not blocks or blocks[0][0] is not True or script["tls"] != served_tls(conn):
            continue
        ok, got2 = read_exact_request(conn, blocks[0][1], got)
        if ok:
            rest = {"tls": script["tls"], "blocks": blocks[1:]}
            return "repeat" if serve(conn, rest, ctx) == "match" else "reject"
        if ok is None:
            return None
    return None


def served_tls(conn):
    return isinstance(conn, ssl.SSLSocket)


def serve(conn, script, ctx=None, root_answer=None, served=()):
    blocks = script["blocks"]
    for i, (client, data) in enumerate(blocks):
        answered = not any(not c for c, _ in blocks[i:])  # every server block was sent
        if client == "starttls":
            if ctx is None:
                return "starttls without --cert"
            conn = ctx.wrap_socket(conn, server_side=True)
            continue
        if client:
            try:
                ok, got = read_exact_request(conn, data)
            except OSError:
                ok, got = (True, b"") if answered and i > 0 else (None, b"")
            if ok is None:
                # A client that got every answer may close (even with RST) before its goodbye.
                return "match" if answered and i > 0 else ("closed" if got else "silent")
            if not ok and i == 0 and root_answer is not None:
                probe = read_root_probe(conn, got)
                if probe is not None:
                    conn.sendall(root_answer)
                    return "root"
            if not ok and i == 0 and served:
                again = repeat_served(conn, got, served, ctx)
                if again is not None:
                    return again
            if not ok:
                return f"mismatch {got[:60]!r}"
        else:
            conn.sendall(data)
    return "match"


def main():
    path, ip, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cert = key = None
    if "--cert" in sys.argv:
        cert, key = sys.argv[sys.argv.index("--cert") + 1], sys.argv[sys.argv.index("--key") + 1]
    conns = parse(path, ip)
    root_answer = first_http_answer(conns)
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ip, port))
    ls.listen(64)
    ctx = None
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
    stop = threading.Event()
    if "--loop" not in sys.argv:
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    ls.settimeout(0.2)  # a close from another thread would not wake accept()
    print("ready", flush=True)
    index = 0
    loop = "--loop" in sys.argv
    # After the last connection, connections that repeat an earlier one are still answered
    # (another grabber asking the same GET); anything else is closed at once.
    after_last = {"tls": conns[-1]["tls"], "blocks": [[True, b"\x00(every connection served)"]]}
    while True:
        if index == len(conns) and loop:
            index = 0
        try:
            conn, _ = ls.accept()
        except socket.timeout:
            if stop.is_set():
                ls.close()
                return
            continue
        except OSError:
            return
        conn.settimeout(10)
        script = conns[index] if index < len(conns) else after_last
        try:
            if script["tls"]:
                try:
                    conn = ctx.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    print(f"reject {index + 1} tls: {e}", file=sys.stderr, flush=True)
                    conn.close()
                    continue
            result = serve(conn, script, ctx, root_answer if index < len(conns) else None,
                           conns[:index])
        except OSError as e:
            result = f"error {e}"
        verdict = result if result in ("match", "root", "repeat") else "reject"
        print(f"{verdict} {index + 1} {result}", file=sys.stderr, flush=True)
        if result == "match":
            index += 1
        conn.close()


if __name__ == "__main__":
    main()
