#!/usr/bin/env python3
"""bench/store.sh's worker: generates a changing population (30 scans of N/30 service records
over a space of H hosts: each scan 2% of services change state, 1% go and 1% appear), imports
it into a fresh store, and times 20 representative questions as `searchlight search` and as
jq over the latest scan's NDJSON (what a user would otherwise grep). Prints figures only."""
import json
import os
import random
import statistics
import subprocess
import sys
import time

SL, WORK = sys.argv[1], sys.argv[2]
RECORDS, HOSTS, SCANS = int(sys.argv[3]), int(sys.argv[4]), 30
RUNS = int(os.environ.get("RUNS", "7"))
rng = random.Random(1)

KINDS = [  # protocol, port, product, versions, access choices, finding when open
    ("redis", 6379, "Redis", ["5.0.7", "6.2.6", "7.0.15"], "redis-no-auth", "medium"),
    ("http", 80, "nginx", ["1.18.0", "1.22.1"], "http-directory-listing", "high"),
    ("http", 443, "nginx", ["1.22.1"], None, None),
    ("elasticsearch", 9200, "Elasticsearch", ["7.17.9", "8.11.0"], "elasticsearch-no-auth", "critical"),
    ("ssh", 22, "OpenSSH", ["8.4p1", "9.2p1"], None, None),
    ("postgres", 5432, "PostgreSQL", ["13.11", "15.18"], "postgres-trust", "medium"),
    ("memcached", 11211, "Memcached", ["1.6.18"], "memcached-no-auth", "medium"),
    ("mongodb", 27017, "MongoDB", ["4.4.29", "6.0.12"], "mongodb-no-auth", "critical"),
]


def ip_of(h):
    return f"10.{16 + (h >> 16) % 16}.{(h >> 8) & 255}.{h & 255}"


def new_service(h):
    k = rng.randrange(len(KINDS))
    return [h, k, rng.randrange(len(KINDS[k][3])), rng.random() < 0.4, rng.randrange(1, 5000)]


def record(svc, scan_id, t):
    h, k, v, open_, keys = svc
    proto, port, product, versions, rule, sev = KINDS[k]
    ip = ip_of(h)
    extra = ""
    if proto == "redis":
        extra = f',"redis":{{"keys":{keys * 3},"used_memory":{rng.randrange(10**6, 10**8)}}}'
    elif proto == "elasticsearch":
        extra = (f',"data":{{"bytes":{keys * 1.0e6:.1f},"rows":{keys * 100},"mail_like_names":{keys % 3},'
                 f'"names_sample":["mail-{keys % 7}","logs-{keys % 5}"]}}')
    elif proto == "http":
        title = "Index of /" if open_ and port == 80 else f"intranet portal {keys % 50}"
        extra = f',"http":{{"title":"{title}","status_code":200}}'
    tls = "true" if port == 443 else "false"
    line = (f'{{"type":"service","scan_id":"{scan_id}","time":"{t}","ip":"{ip}","port":{port},'
            f'"transport":"tcp","state":"open","tls":{tls},"protocol":"{proto}","product":"{product}",'
            f'"version":"{versions[v]}","status":"ok","access":"{"open" if open_ else "auth_required"}"'
            f',"probe":"{proto}"{extra}}}\n')
    if open_ and rule:
        line += (f'{{"type":"finding","scan_id":"{scan_id}","time":"{t}","ip":"{ip}","port":{port},'
                 f'"rule":"{rule}","category":"no-auth","severity":"{sev}","title":"{rule}",'
                 f'"evidence":{{"keys":{keys}}},"remediation":"fix"}}\n')
    return line


def generate():
    per_scan = RECORDS // SCANS
    pool = list(range(HOSTS))
    rng.shuffle(pool)
    population = [new_service(h) for h in pool[:per_scan]]
    spare = pool[per_scan:]
    files, services = [], 0
    for s in range(SCANS):
        scan_id = f"01900000-0000-7000-8000-{s:012d}"
        day = f"2026-10-{1 + s % 28:02d}" if s < 28 else f"2026-11-{s - 27:02d}"
        t = f"{day}T02:00:00.000Z"
        path = os.path.join(WORK, f"scan-{s:02d}.ndjson")
        with open(path, "w") as f:
            for svc in population:
                f.write(record(svc, scan_id, t))
                services += 1
            f.write(f'{{"type":"summary","scan_id":"{scan_id}","time":"{day}T03:00:00.000Z","interrupted":true}}\n')
        files.append(path)
        for svc in rng.sample(population, len(population) // 50):  # 2% change state
            svc[3] = not svc[3]
        for i in sorted(rng.sample(range(len(population)), len(population) // 100), reverse=True):
            population.pop(i)  # 1% go
        for _ in range(per_scan - len(population)):
            population.append(new_service(spare.pop()))  # and as many appear
    return files, services


QUESTIONS = [  # (query, facets, jq filter over the latest scan's service records)
    ("port:6379", "", 'select(.port==6379)'),
    ("product:redis access:open", "", 'select(.product=="Redis" and .access=="open")'),
    ("net:10.17.0.0/16", "", 'select(.ip|startswith("10.17."))'),
    ("net:10.18.3.0/24 port:80", "", 'select((.ip|startswith("10.18.3.")) and .port==80)'),
    ("port:9200 -access:auth_required", "", 'select(.port==9200 and .access!="auth_required")'),
    ("product:redis version:<7", "", 'select(.product=="Redis" and (.version|split(".")[0]|tonumber)<7)'),
    ("redis.keys:>10000", "", 'select(.redis.keys? // 0 > 10000)'),
    ("data.bytes:>4e9", "", 'select((.data.bytes? // 0) > 4e9)'),
    ("data.mail_like_names:>0", "", 'select((.data.mail_like_names? // 0) > 0)'),
    ("severity:>=high", "", 'select(.type=="finding" and (.severity=="high" or .severity=="critical"))'),
    ("rule:redis-no-auth", "", 'select(.type=="finding" and .rule=="redis-no-auth")'),
    ("intranet", "", 'select(.http.title? // "" | test("intranet";"i"))'),
    ('"Index of"', "", 'select(.http.title? // "" | test("Index of";"i"))'),
    ("access:open (protocol:redis OR protocol:memcached)", "",
     'select(.access=="open" and (.protocol=="redis" or .protocol=="memcached"))'),
    ("", "port:10", None),
    ("access:open", "product:10", None),
    ("tls:true", "", 'select(.tls==true)'),
    ("product:elastic*", "", 'select(.product? // "" | test("^elastic";"i"))'),
    ("port:22 -version:9.2p1", "", 'select(.port==22 and .version!="9.2p1")'),
    ("", "rule:10", None),
]
FACET_JQ = {"port:10": '[.[]|select(.type=="service")|.port]|group_by(.)|map({v:.[0],n:length})|sort_by(-.n)|.[:10]',
            "product:10": '[.[]|select(.type=="service" and .access=="open")|.product]|group_by(.)|map({v:.[0],n:length})|sort_by(-.n)|.[:10]',
            "rule:10": '[.[]|select(.type=="finding")|.rule]|group_by(.)|map({v:.[0],n:length})|sort_by(-.n)|.[:10]'}


def timed(cmd, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append((time.perf_counter() - t) * 1000)
        if p.returncode != 0:
            raise SystemExit(f"bench: {' '.join(cmd)} failed: {p.stderr.decode()[-300:]}")
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def questions(db, latest):
    print(f"\n{'question':<52} {'searchlight p50/p99 ms':>24} {'jq p50 ms':>10} {'ratio':>7}")
    for q, facet, jq in QUESTIONS:
        cmd = [SL, "search", q, "--db", db, "--format", "json", "--limit", "100"]
        if facet:
            cmd += ["--facet", facet]
        p50, p99 = timed(cmd, RUNS)
        if jq is None:
            jcmd = ["jq", "-s", FACET_JQ[facet], latest]
        else:
            jcmd = ["jq", "-c", f'select(.type=="service" or .type=="finding") | {jq}', latest]
        j50, _ = timed(jcmd, max(1, RUNS // 3))
        label = (q or "(all)") + (f" --facet {facet}" if facet else "")
        print(f"{label[:52]:<52} {p50:>11.1f} / {p99:>9.1f} {j50:>10.0f} {j50 / p50:>6.0f}x")


def main():
    if os.environ.get("STORE_DB"):  # questions only, over a store and NDJSON kept from a run
        subprocess.run([SL, "import", "/dev/null", "--db", os.environ["STORE_DB"]], check=True,
                       stderr=subprocess.DEVNULL)  # opens it for writing once: migrations
        questions(os.environ["STORE_DB"], os.environ["LATEST"])
        return
    t = time.perf_counter()
    files, records = generate()
    print(f"generated {records:,} service records in {SCANS} scans over a space of {HOSTS:,} hosts "
          f"({time.perf_counter() - t:.0f} s)")
    db = os.path.join(WORK, "store.db")
    t = time.perf_counter()
    subprocess.run([SL, "import", "--db", db] + files, check=True, stderr=subprocess.DEVNULL)
    ingest = time.perf_counter() - t
    size = sum(os.path.getsize(os.path.join(WORK, f)) for f in os.listdir(WORK) if f.startswith("store.db"))
    ndjson = sum(os.path.getsize(f) for f in files)
    obs = subprocess.run(["sqlite3", db, "SELECT (SELECT count(*) FROM services), (SELECT count(*) FROM observations)"],
                         capture_output=True, text=True).stdout.strip()
    print(f"ingest: {records / ingest:,.0f} records/s ({ingest:.1f} s); database {size / 2**20:,.0f} MiB "
          f"for {ndjson / 2**20:,.0f} MiB of NDJSON; services|observations = {obs}")
    questions(db, files[-1])

if __name__ == "__main__":
    main()
