#!/usr/bin/env python3
"""Seeds the fuzz corpora from the golden transcripts (and a few certificates made with the
openssl CLI). Run after adding transcripts; then commit tests/fuzz/corpus.

  tests/fuzz/seed_corpora.py"""
import glob
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))


def unescape(s):
    return s.encode().decode("unicode_escape").encode("latin-1")


def server_bytes(path):
    out = b""
    for line in open(path):
        if line.startswith("< "):
            out += unescape(line[2:].rstrip("\n"))
    return out


def write(corpus, name, data):
    d = os.path.join(ROOT, "tests", "fuzz", "corpus", corpus)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    for path in glob.glob(os.path.join(ROOT, "src", "grab", "*", "testdata", "*.transcript")):
        proto = path.split(os.sep)[-3]
        case = os.path.basename(path).rsplit(".", 1)[0]
        data = server_bytes(path)
        # FuzzedDataProvider takes its options from the end: no TLS, one connection, seed 0.
        write(proto, f"seed-{case}", data + b"\x00" * 6)
        if proto == "redis":
            write("resp", f"seed-{case}", data)
        if proto == "http":
            write("http_codec", f"seed-{case}", data)
    with tempfile.TemporaryDirectory() as d:
        for name, args in (("rsa", ["-newkey", "rsa:1024"]),
                           ("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])):
            key, crt, der = (os.path.join(d, f"{name}.{e}") for e in ("key", "pem", "der"))
            subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "1", "-keyout", key,
                            "-out", crt, "-subj", "/CN=seed.test", "-addext",
                            "subjectAltName=DNS:seed.test,IP:192.0.2.1"] + args,
                           check=True, capture_output=True)
            subprocess.run(["openssl", "x509", "-in", crt, "-outform", "DER", "-out", der],
                           check=True)
            write("x509", f"seed-{name}", open(der, "rb").read())


if __name__ == "__main__":
    main()
