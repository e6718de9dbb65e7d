"""scripts/lab: start, status, a scan that shows every verdict of the first-run experience,
and stop, which leaves none of its processes behind."""
import json
import os
import subprocess
import sys
import unittest

ROOT = __file__.rsplit("/tests/", 1)[0]
sys.path.insert(0, ROOT + "/tests/support")
import fixtures as fx  # noqa: E402

LAB = os.path.join(ROOT, "scripts", "lab")

EXPECTED = {  # (ip, port): (protocol, access)
    ("127.0.1.10", 6379): ("redis", "open"),
    ("127.0.1.11", 6379): ("redis", "auth_required"),
    ("127.0.1.12", 6380): ("redis", "open"),
    ("127.0.1.13", 11211): ("memcached", "open"),
    ("127.0.1.14", 80): ("http", "open"),
    ("127.0.1.15", 8443): ("http", "open"),
    ("127.0.1.16", 80): ("http", "auth_required"),
    ("127.0.1.17", 8080): ("http", "open"),
    ("127.0.1.18", 5432): ("postgres", "open"),
    ("127.0.1.19", 3306): ("mysql", "open"),
    ("127.0.1.20", 9200): ("elasticsearch", "open"),
    ("127.0.1.21", 2379): ("etcd", "open"),
    ("127.0.1.22", 8123): ("clickhouse", "open"),
    ("127.0.1.23", 8086): ("influxdb", "open"),
    ("127.0.1.24", 2181): ("zookeeper", "open"),
    ("127.0.1.25", 8080): ("jenkins", "open"),
    ("127.0.1.26", 22): ("ssh", "auth_required"),
    ("127.0.1.27", 143): ("imap", "auth_required"),
    ("127.0.1.27", 110): ("pop3", "auth_required"),
    ("127.0.1.28", 25): ("smtp", "auth_required"),
    ("127.0.1.29", 21): ("ftp", "open"),
    ("127.0.1.30", 873): ("rsync", "open"),
    ("127.0.1.31", 5900): ("vnc", "open"),
    ("127.0.1.32", 1883): ("mqtt", "open"),
    ("127.0.1.33", 389): ("ldap", "open"),
    ("127.0.1.34", 443): ("http", "open"),
    ("127.0.1.35", 23): ("telnet", "open"),
    ("127.0.1.36", 6443): ("kubernetes", "open"),
}


EXPECTED_FINDINGS = {  # (ip, port, rule): severity -- exactly these, no extras
    ("127.0.1.10", 6379, "redis-no-auth"): "medium",
    ("127.0.1.12", 6380, "redis-no-auth"): "medium",
    ("127.0.1.12", 6380, "tls-self-signed"): "low",
    ("127.0.1.13", 11211, "memcached-no-auth"): "medium",
    ("127.0.1.14", 80, "http-directory-listing"): "high",
    ("127.0.1.14", 80, "http-env-exposed"): "critical",
    ("127.0.1.14", 80, "http-git-exposed"): "high",
    ("127.0.1.15", 8443, "tls-self-signed"): "low",
    ("127.0.1.18", 5432, "postgres-trust"): "medium",
    ("127.0.1.19", 3306, "mysql-empty-root"): "medium",
    ("127.0.1.20", 9200, "elasticsearch-no-auth"): "critical",  # the seeds' 3.1 TB of mail
    ("127.0.1.21", 2379, "etcd-no-auth"): "high",  # writable by design
    ("127.0.1.22", 8123, "clickhouse-no-password"): "medium",
    ("127.0.1.23", 8086, "influxdb-no-auth"): "medium",
    ("127.0.1.24", 2181, "zookeeper-no-acl"): "medium",
    ("127.0.1.25", 8080, "jenkins-anonymous-read"): "high",  # the script console answers
    ("127.0.1.27", 143, "imap-cleartext-login"): "medium",
    ("127.0.1.27", 110, "pop3-cleartext-login"): "medium",
    ("127.0.1.28", 25, "smtp-auth-cleartext"): "medium",
    ("127.0.1.29", 21, "ftp-anonymous"): "medium",
    ("127.0.1.30", 873, "rsync-open-module"): "high",
    ("127.0.1.31", 5900, "vnc-no-auth"): "critical",
    ("127.0.1.32", 1883, "mqtt-anonymous"): "high",
    ("127.0.1.33", 389, "ldap-anonymous-read"): "high",
    ("127.0.1.34", 443, "tls-expired"): "medium",
    ("127.0.1.34", 443, "tls-self-signed"): "low",
    ("127.0.1.35", 23, "telnet-open-shell"): "critical",
    ("127.0.1.36", 6443, "kubernetes-anonymous-api"): "critical",
    ("127.0.1.36", 6443, "tls-self-signed"): "low",
}


class Lab(unittest.TestCase):
    def test_start_scan_stop(self):
        subprocess.run([LAB, "start"], check=True, capture_output=True)
        try:
            pids = json.load(open(os.path.join(ROOT, ".lab", "pids.json")))
            self.assertEqual(subprocess.run([LAB, "status"], capture_output=True).returncode, 0)
            p = fx.run_scan(["127.0.1.10-127.0.1.36", "--format", "ndjson", "--rate", "0"])
            got = {(r["ip"], r["port"]): (r["protocol"], r["access"])
                   for r in fx.records(p.stdout, "service")}
            self.assertEqual(got, EXPECTED)
            findings = {(r["ip"], r["port"], r["rule"]): r["severity"]
                        for r in fx.records(p.stdout, "finding")}
            self.assertEqual(findings, EXPECTED_FINDINGS)
            self.assertEqual(fx.records(p.stdout, "host"), [])  # one service per address
            table = fx.run_scan(["127.0.1.10-127.0.1.36", "--format", "table", "-q", "--rate", "0"])
            self.assertIn("directory listing (3 entries)", table.stdout)
            self.assertIn("auth_required", table.stdout)
            self.assertIn("3.1 TB", table.stdout)
        finally:
            subprocess.run([LAB, "stop"], check=True, capture_output=True)
        for entry in pids.values():
            for pid in [entry["pid"]] + [a["pid"] for a in entry.get("also", [])]:
                self.assertFalse(os.path.exists(f"/proc/{pid}/stat") and
                                 open(f"/proc/{pid}/stat").read().split()[2] != "Z",
                                 f"lab process {pid} still runs")
        self.assertEqual(subprocess.run([LAB, "status"], capture_output=True).returncode, 3)


if __name__ == "__main__":
    unittest.main()
