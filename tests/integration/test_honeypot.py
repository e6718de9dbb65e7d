"""The honeypot flag (DESIGN.md section 7): a host where 8 or more distinct protocols answer
`open`, or more than 100 ports are open, gets one `host` record as soon as it crosses the
threshold. Its findings are marked, never dropped or downgraded.

SIMULATION: the eight open services on one address are replay servers looping over the golden
transcripts (each recorded from a real server or built from the vendor's documents)."""
import contextlib
import json
import os
import random
import subprocess
import sys
import unittest

ROOT = __file__.rsplit("/tests/", 1)[0]
sys.path.insert(0, ROOT + "/tests/support")
import fixtures as fx  # noqa: E402
import servers  # noqa: E402

GRAB = os.path.join(ROOT, "src", "grab")
EIGHT_OPEN = [  # (protocol, usual port, golden transcript)
    ("redis", 6379, "redis/testdata/open.transcript"),
    ("memcached", 11211, "memcached/testdata/open.transcript"),
    ("elasticsearch", 9200, "elasticsearch/testdata/open_es7.transcript"),
    ("mongodb", 27017, "mongodb/testdata/open_v7.transcript"),
    ("couchdb", 5984, "couchdb/testdata/open_admin_party.transcript"),
    ("docker", 2375, "docker/testdata/open_api.transcript"),
    ("etcd", 2379, "etcd/testdata/open_v3_and_v2.transcript"),
    ("zookeeper", 2181, "zookeeper/testdata/open_default.transcript"),
]
HOST = "127.0.4.1"


def ports_arg(rows):
    return ",".join(str(port) for _, port, _ in rows)


def findings_by_port(stdout):
    return {(r["port"], r["rule"]): r["severity"] for r in fx.records(stdout, "finding")}


class Honeypot(unittest.TestCase):
    def test_eight_open_protocols_flag_the_host_and_keep_every_finding(self):
        with contextlib.ExitStack() as stack:
            for _, port, transcript in EIGHT_OPEN:
                stack.enter_context(servers.Replay(HOST, port, os.path.join(GRAB, transcript)))
            # Control: seven of them are not a honeypot.
            seven = fx.run_scan([HOST, "-p", ports_arg(EIGHT_OPEN[:7]), "--format", "ndjson"])
            self.assertEqual(fx.records(seven.stdout, "host"), [])
            control = findings_by_port(seven.stdout)
            self.assertEqual(len({p for p, _ in control}), 7, seven.stdout)

            p = fx.run_scan([HOST, "-p", ports_arg(EIGHT_OPEN), "--format", "ndjson"])
            services = {r["port"]: (r["protocol"], r["access"])
                        for r in fx.records(p.stdout, "service")}
            self.assertEqual(services, {port: (proto, "open") for proto, port, _ in EIGHT_OPEN})
            hosts = fx.records(p.stdout, "host")
            self.assertEqual(len(hosts), 1, p.stdout)
            self.assertEqual(hosts[0]["ip"], HOST)
            self.assertIs(hosts[0]["honeypot_suspected"], True)
            self.assertEqual(hosts[0]["open_protocols"], 8)
            self.assertEqual(hosts[0]["open_protocol_names"],
                             sorted(proto for proto, _, _ in EIGHT_OPEN))
            # Nothing dropped, nothing downgraded: the seven keep their findings and severities.
            flagged = findings_by_port(p.stdout)
            for key, severity in control.items():
                self.assertEqual(flagged.get(key), severity, key)
            # Findings written after the host record carry the mark; earlier ones cannot.
            lines = [json.loads(line) for line in p.stdout.splitlines()]
            at = next(i for i, r in enumerate(lines) if r["type"] == "host")
            after = [r for r in lines[at:] if r["type"] == "finding"]
            self.assertGreater(len(after), 0)
            self.assertTrue(all(r.get("honeypot_suspected") is True for r in after), after)
            before = [r for r in lines[:at] if r["type"] == "finding"]
            self.assertTrue(all("honeypot_suspected" not in r for r in before), before)
            summary = fx.records(p.stdout, "summary")[0]
            self.assertEqual(summary["honeypot_hosts"], 1)
            self.assertEqual(summary["findings"], len(fx.records(p.stdout, "finding")))

            table = fx.run_scan([HOST, "-p", ports_arg(EIGHT_OPEN), "--format", "table", "-q"])
            self.assertIn("LIKELY HONEYPOTS (1)", table.stdout)
            rows = [line for line in table.stdout.split("FINDINGS (", 1)[1].splitlines()[2:]
                    if line.strip()]
            self.assertEqual(len(rows), len(flagged))
            self.assertTrue(all(line.endswith("[likely honeypot]") for line in rows), rows)

    def test_more_than_a_hundred_open_ports_flag_the_host(self):
        rng = random.Random(6)
        ports = fx.pick_ports(rng, 101)
        with fx.Listeners([("127.0.4.2", p) for p in ports] +
                          [("127.0.4.3", p) for p in ports[:100]]):
            p = fx.run_scan(["127.0.4.2-127.0.4.3", "-p", ",".join(map(str, ports)), "--no-grab",
                             "--rate", "0", "--format", "ndjson"])
        self.assertEqual(len(fx.records(p.stdout, "port")), 201)
        hosts = fx.records(p.stdout, "host")
        self.assertEqual([(h["ip"], h["open_ports"], h["open_protocols"]) for h in hosts],
                         [("127.0.4.2", 101, 0)])  # 100 open ports are not over the threshold

    def test_a_portspoof_like_host_is_flagged_and_its_findings_keep_their_severity(self):
        """RELIABILITY.md H12 (SIMULATION: tests/support/portspoof.py): 150 ports of one
        address each answer an end-of-life banner. The per-host grab budget lets 128 of them be
        grabbed; every open port still gets its port record."""
        ip = "127.0.4.4"
        ports = fx.pick_ports(random.Random(12), 150)
        spoof = subprocess.Popen([fx.PYTHON, os.path.join(ROOT, "tests", "support", "portspoof.py"),
                                  ip] + [str(p) for p in ports],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(spoof.stdout.readline().strip(), "ready")
            p = fx.run_scan([ip, "-p", ",".join(map(str, ports)), "--format", "ndjson",
                             "--rate", "0", "--idle-timeout", "1s", "--greeting-wait", "1s",
                             "--session-deadline", "5s"], timeout=300)
        finally:
            spoof.stdin.close()
            spoof.wait(timeout=10)
        hosts = fx.records(p.stdout, "host")
        self.assertEqual([(h["ip"], h["open_ports"]) for h in hosts], [(ip, 101)])
        self.assertEqual(len(fx.records(p.stdout, "port")), 150)
        self.assertEqual(len(fx.records(p.stdout, "service")), 128)  # the per-host grab budget
        self.assertEqual(fx.records(p.stdout, "summary")[0]["grabs_skipped"], 22)
        findings = fx.records(p.stdout, "finding")
        rules = {(f["rule"], f["severity"]) for f in findings}
        self.assertEqual(rules, {("ssh-openssh-eol", "medium"), ("ftp-proftpd-eol", "high"),
                                 ("smtp-exim-eol", "high")})  # kept, not downgraded
        self.assertEqual(len(findings), 128, p.stdout[-2000:])  # one per grabbed port
        lines = [json.loads(line) for line in p.stdout.splitlines()]
        at = next(i for i, r in enumerate(lines) if r["type"] == "host")
        self.assertTrue(all(r.get("honeypot_suspected") is True
                            for r in lines[at:] if r["type"] == "finding"))


if __name__ == "__main__":
    unittest.main()
