#!/usr/bin/env python3
"""The first-run lab: real, deliberately misconfigured services from Debian packages, each on
its own 127.0.1.x address. State lives in .lab/ (configs, logs, PIDs). `stop` kills only the
PIDs this script recorded, and only if they still run a lab server from .lab/.

usage: lab.py start|stop|status"""
import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STATE = os.path.join(ROOT, ".lab")
PIDS = os.path.join(STATE, "pids.json")
sys.path.insert(0, HERE)
import fixtures  # noqa: E402
import servers  # noqa: E402

# (name, what is wrong with it, factory)
LAB = [
    ("redis-open", "Redis with no password", lambda d: servers.Redis("127.0.1.10", 6379, keys=5, directory=d)),
    ("redis-auth", "Redis with requirepass", lambda d: servers.Redis("127.0.1.11", 6379, password="lab-secret", directory=d)),
    ("redis-tls", "Redis, TLS only, no password", lambda d: servers.Redis("127.0.1.12", 6380, tls=True, directory=d)),
    ("memcached", "Memcached with no SASL", lambda d: servers.Memcached("127.0.1.13", 11211, directory=d)),
    ("nginx-leaky", "nginx autoindex with .git and .env", lambda d: servers.Nginx("127.0.1.14", 80, site="autoindex", directory=d)),
    ("nginx-tls", "nginx, self-signed TLS on 8443", lambda d: servers.Nginx("127.0.1.15", 8443, site="tls", directory=d)),
    ("nginx-auth", "nginx behind basic auth", lambda d: servers.Nginx("127.0.1.16", 80, site="basic_auth", directory=d)),
    ("nginx-page", "nginx serving a page on 8080", lambda d: servers.Nginx("127.0.1.17", 8080, directory=d)),
    ("postgres", "PostgreSQL with pg_hba trust", lambda d: servers.Postgres("127.0.1.18", 5432, directory=d)),
    ("mariadb", "MariaDB, root with an empty password", lambda d: servers.MariaDB("127.0.1.19", 3306, directory=d)),
    ("es-mail", "SIMULATION: Elasticsearch holding a 3 TB mail archive (the seeds' case)",
     lambda d: servers.Replay("127.0.1.20", 9200, os.path.join(
         ROOT, "src", "grab", "elasticsearch", "testdata", "open_mail_archive_seeds_case.transcript"),
         directory=d)),
    ("etcd", "etcd 3.4 with auth off (v3 and v2)", lambda d: servers.Etcd("127.0.1.21", 2379, directory=d)),
    ("clickhouse", "ClickHouse, user default without a password",
     lambda d: servers.ClickHouse("127.0.1.22", 8123, directory=d)),
    ("influxdb", "InfluxDB 1.6 with auth off (the 1.x default)",
     lambda d: servers.InfluxDB("127.0.1.23", 8086, directory=d)),
    ("zookeeper", "ZooKeeper with no ACL on /", lambda d: servers.ZooKeeper("127.0.1.24", 2181, directory=d)),
    ("jenkins-sim", "SIMULATION: Jenkins where anonymous is admin (the no-fly list class)",
     lambda d: servers.Replay("127.0.1.25", 8080, os.path.join(
         ROOT, "src", "grab", "jenkins", "testdata", "open_anonymous_admin.transcript"),
         directory=d)),
    ("openssh", "OpenSSH with password logins", lambda d: servers.OpenSSH("127.0.1.26", 22, directory=d)),
    ("dovecot", "Dovecot IMAP and POP3, logins in cleartext",
     lambda d: servers.Dovecot("127.0.1.27", 143, pop3_port=110, directory=d)),
    ("postfix", "Postfix offering AUTH without TLS", lambda d: servers.Postfix("127.0.1.28", 25, directory=d)),
    ("vsftpd", "vsftpd with anonymous logins (a mailbox file in its root)",
     lambda d: servers.Vsftpd("127.0.1.29", 21, directory=d)),
    ("rsyncd", "rsync daemon with a module open to all", lambda d: servers.Rsyncd("127.0.1.30", 873, directory=d)),
    ("tigervnc", "VNC desktop with security type None", lambda d: servers.TigerVnc("127.0.1.31", 5900, directory=d)),
    ("mosquitto", "MQTT broker allowing anonymous clients",
     lambda d: servers.Mosquitto("127.0.1.32", 1883, directory=d)),
    ("slapd", "OpenLDAP readable by anonymous", lambda d: servers.Slapd("127.0.1.33", 389, directory=d)),
    ("nginx-expired", "nginx with a certificate that expired in 2021",
     lambda d: servers.Nginx("127.0.1.34", 443, site="tls_expired", directory=d)),
    ("telnetd", "telnetd handing out a shell without a login",
     lambda d: servers.Telnetd("127.0.1.35", 23, shell=True, directory=d)),
    ("kubernetes-sim", "SIMULATION: a Kubernetes API where system:anonymous is cluster-admin",
     lambda d: servers.Replay("127.0.1.36", 6443, os.path.join(
         ROOT, "src", "grab", "kubernetes", "testdata", "open_anonymous_cluster_admin.transcript"),
         directory=d)),
]


def load():
    try:
        return json.load(open(PIDS))
    except (FileNotFoundError, ValueError):
        return {}


def start_time(pid):
    """The process's start time in clock ticks (/proc/PID/stat field 22), or None."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def ours(entry):
    """Still the very process we started: same PID and the same start time (a process that
    was gone before its start time was read is never ours)."""
    return entry["started"] is not None and start_time(entry["pid"]) == entry["started"]


def signal_ours(entry, sig):
    try:
        os.kill(entry["pid"], sig)
    except ProcessLookupError:  # it ended between the check and the signal
        pass


def status():
    pids = load()
    alive = {n: p for n, p in pids.items() if ours(p)}
    for name, what, _ in LAB:
        p = alive.get(name)
        print(f"  {name:<12} {p['addr'] if p else '-':<22} {'up' if p else 'down':<5} {what}")
    return len(alive) == len(LAB)


def start():
    if load() and any(ours(p) for p in load().values()):
        print("lab: already running")
        status()
        return 0
    busy = fixtures.wildcard_ports()
    for name, _, make in LAB:
        srv = make(None)
        srv.stop()
        if srv.port in busy:
            print(f"lab: port {srv.port} has a wildcard listener on this machine; the lab would lie",
                  file=sys.stderr)
            return 1
    os.makedirs(STATE, exist_ok=True)
    pids = {}
    try:
        for name, _, make in LAB:
            srv = make(os.path.join(STATE, name)).start()
            pids[name] = {"pid": srv.proc.pid, "started": start_time(srv.proc.pid),
                          "addr": f"{srv.ip}:{srv.port}",
                          "also": [{"pid": p, "started": start_time(p)} for p in srv.daemon_pids()]}
            with open(PIDS, "w") as f:
                json.dump(pids, f)
    except Exception as e:  # noqa: BLE001 - whatever failed, stop what did start
        print(f"lab: {e}", file=sys.stderr)
        stop()
        return 1
    print("lab: up")
    status()
    return 0


def every_process(pids):
    """The started processes and the daemons that outlive them (postfix's master)."""
    for p in pids.values():
        yield p
        yield from p.get("also", [])


def stop():
    pids = load()
    for p in every_process(pids):
        if ours(p):
            signal_ours(p, signal.SIGTERM)
    deadline = time.time() + 5
    while time.time() < deadline and any(ours(p) for p in every_process(pids)):
        time.sleep(0.1)
    for p in every_process(pids):
        if ours(p):
            signal_ours(p, signal.SIGKILL)
    if os.path.exists(PIDS):
        os.remove(PIDS)
    print("lab: stopped")
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "start":
        sys.exit(start())
    if cmd == "stop":
        sys.exit(stop())
    if cmd == "status":
        sys.exit(0 if status() else 3)
    print("usage: scripts/lab start|stop|status", file=sys.stderr)
    sys.exit(2)
