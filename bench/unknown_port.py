#!/usr/bin/env python3
"""The cost of identifying a service on a port that is not its own (bench/grab.sh, part 3):
real servers from Debian packages on free loopback ports, each behind a forwarder that counts
the connections the scanner opens; every target is scanned with the shared first GET / and
with --no-shared-get, RUNS times each. Prints connections and wall seconds per port, side by
side. Loopback only; every server and forwarder is stopped by this script.

usage: SEARCHLIGHT=... unknown_port.py [RUNS]"""
import os
import sys
import time

ROOT = __file__.rsplit("/bench/", 1)[0]
sys.path.insert(0, ROOT + "/tests/support")
import fixtures as fx  # noqa: E402
from forwarder import CountingForwarder  # noqa: E402
import servers  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3


def scan(ip, port, extra):
    t0 = time.monotonic()
    p = fx.run_scan([ip, "-p", str(port), "--no-db", "--format", "ndjson"] + extra)
    seconds = time.monotonic() - t0
    svc = fx.records(p.stdout, "service")
    return seconds, (svc[0]["protocol"], svc[0]["access"]) if svc else ("-", "-")


CASES = [("nginx, a plain page", servers.Nginx, {}),
         ("prometheus", servers.Prometheus, {}),
         ("redis", servers.Redis, {}),
         ("memcached", servers.Memcached, {}),
         ("postgres", servers.Postgres, {}),
         ("slapd", servers.Slapd, {})]


def main():
    print(f"unknown ports: each server on a free port behind a counting forwarder, {RUNS} runs")
    print(f"{'server':22} {'identified as':24} {'conns shared':>12} {'conns each':>10} "
          f"{'s shared':>9} {'s each':>7}")
    totals = [0, 0, 0.0, 0.0]
    for n, (label, server, kwargs) in enumerate(CASES):
        ip = f"127.0.53.{n + 1}"
        with server(ip, fx.free_port(ip), **kwargs) as srv:
            fwd = CountingForwarder(ip, srv.port)
            row = []
            for extra in ([], ["--no-shared-get"]):
                fwd.count, seconds = 0, 0.0
                for _ in range(RUNS):
                    s, got = scan(ip, fwd.port, extra)
                    seconds += s
                row += [fwd.count / RUNS, seconds / RUNS, got]
            fwd.close()
        shared_c, shared_s, got, each_c, each_s, _ = row
        totals = [totals[0] + shared_c, totals[1] + each_c, totals[2] + shared_s,
                  totals[3] + each_s]
        print(f"{label:22} {'/'.join(got):24} {shared_c:12.1f} {each_c:10.1f} {shared_s:9.2f} "
              f"{each_s:7.2f}")
    print(f"{'total':47} {totals[0]:12.1f} {totals[1]:10.1f} {totals[2]:9.2f} {totals[3]:7.2f}")


if __name__ == "__main__":
    if "SEARCHLIGHT" not in os.environ:
        sys.exit("unknown_port.py: SEARCHLIGHT must name the searchlight binary")
    main()
