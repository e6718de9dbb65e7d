"""The monitor's detection latency on loopback (bench/monitor.sh): every trial starts a real
redis-server on a fresh address of the scope at a random moment of the cycle and times the
webhook's new_exposure. Bounded: TRIALS trials, each given at most three intervals plus three
scans. Processes are stopped by the PID we started."""
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import fixtures as fx  # noqa: E402
import servers  # noqa: E402
from test_monitor import Receiver  # noqa: E402

SL = os.path.abspath(sys.argv[1])
TRIALS = int(os.environ.get("TRIALS", "10"))
EVERY = int(os.environ.get("EVERY", "15"))
NET = os.environ.get("NET", "127.0.32.0/20")
if not NET.startswith("127."):
    sys.exit("bench: NET must be in 127.0.0.0/8")
base = [int(x) for x in NET.split("/")[0].split(".")]
size = 1 << (32 - int(NET.split("/")[1]))
for ip, port in fx.listening_sockets():
    if ip.startswith(f"{base[0]}.{base[1]}.{base[2]}.") or (ip in ("0.0.0.0", "::") and port == 6379):
        sys.exit(f"bench: {ip}:{port} listens inside the scope; pick another NET")


def scans(db):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        return [(e - s) / 1000 for s, e in c.execute(
            "SELECT started_at, ended_at FROM scans WHERE completed = 1 ORDER BY started_at")]


def main():
    work = tempfile.mkdtemp(prefix="sl_monitor_bench_")
    db, cfg = os.path.join(work, "m.db"), os.path.join(work, "monitor.yaml")
    hook = Receiver().start()
    with open(cfg, "w") as f:
        f.write(f"""scopes:
  - {{name: bench, targets: [{NET}], ports: exposure, every: {EVERY}s, rate: 0,
     connect_timeout: 500ms, owner: bench@example.org}}
routes:
  - match: {{event: [new_exposure]}}
    sinks: [hook]
sinks:
  hook: {{type: webhook, url: "http://127.0.0.1:{hook.port}/"}}
""")
    log = open(os.path.join(work, "monitor.log"), "w")
    daemon = subprocess.Popen([SL, "monitor", "run", "--config", cfg, "--db", db],
                              stdout=log, stderr=log)
    rows = []
    try:
        deadline = time.time() + 10 * EVERY
        while not os.path.exists(db) or not scans(db):
            if time.time() > deadline:
                sys.exit("bench: the baseline cycle did not complete")
            time.sleep(0.2)
        rng = random.Random(1)
        used = set()
        for trial in range(1, TRIALS + 1):
            offset = rng.randrange(2, size - 2)
            while offset in used:
                offset = rng.randrange(2, size - 2)
            used.add(offset)
            n = (base[0] << 24 | base[1] << 16 | base[2] << 8 | base[3]) + offset
            ip = ".".join(str(n >> s & 255) for s in (24, 16, 8, 0))
            time.sleep(rng.uniform(0, EVERY))  # a random moment of the cycle
            scan_s = statistics.median(scans(db))
            bound = EVERY + scan_s
            with servers.Redis(ip, 6379, keys=0):
                started = time.time()
                seen = None
                while time.time() < started + 3 * bound:
                    if any(d["ip"] == ip for _, d in hook.events("new_exposure")):
                        seen = time.time()
                        break
                    time.sleep(0.05)
            took = seen - started if seen else None
            rows.append((trial, ip, took, bound))
            print(f"trial {trial:2}: {ip:15} detected after "
                  f"{'never' if took is None else f'{took:5.1f} s'} "
                  f"(bound: interval {EVERY} s + scan {scan_s:.1f} s = {bound:.1f} s) "
                  f"{'within' if took is not None and took <= bound else 'OVER'}", flush=True)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
        hook.stop()
    durations = scans(db)
    took = [t for _, _, t, _ in rows if t is not None]
    within = sum(1 for _, _, t, b in rows if t is not None and t <= b)
    print()
    print(f"scope {NET} x exposure profile; interval {EVERY} s; {len(durations)} completed scans, "
          f"scan duration median {statistics.median(durations):.1f} s "
          f"(min {min(durations):.1f}, max {max(durations):.1f})")
    if took:
        print(f"detection: median {statistics.median(took):.1f} s, max {max(took):.1f} s; "
              f"within interval + scan duration: {within} of {len(rows)}")
    print(f"work directory (log, database): {work}")


main()
