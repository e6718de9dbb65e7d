"""Ground truth on loopback: a seeded random set of listeners on 127.x; the scan must report
exactly that open set (no miss, no false positive) and every other pair as closed."""
import ipaddress
import random
import sys
import unittest

sys.path.insert(0, __file__.rsplit("/tests/", 1)[0] + "/tests/support")
import fixtures as fx  # noqa: E402


def lab(seed, hosts, nports, density):
    """hosts is a power of two; returns (cidr, ips, ports, truth)."""
    rng = random.Random(seed)
    first = int(ipaddress.IPv4Address(f"127.{rng.randrange(100, 200)}.0.0"))
    first += rng.randrange(0, 65536 // hosts) * hosts
    cidr = f"{ipaddress.IPv4Address(first)}/{32 - (hosts - 1).bit_length()}"
    ports = fx.pick_ports(rng, nports)
    ips = [str(ipaddress.IPv4Address(first + h)) for h in range(hosts)]
    taken = fx.listening_sockets()
    truth = {(ip, p) for ip in ips for p in ports if rng.random() < density}
    truth -= taken  # never claim a pair that something else already serves
    return cidr, ips, ports, truth


class LoopbackTruth(unittest.TestCase):
    def check(self, seed, hosts, nports, density, extra):
        cidr, ips, ports, truth = lab(seed, hosts, nports, density)
        with fx.Listeners(sorted(truth)):
            p = fx.run_scan([cidr, "-p", ",".join(map(str, ports)), "--format", "ndjson",
                             "--states", "open,closed,filtered", "--seed", str(seed), "--no-grab"] + extra)
        got = fx.by_state(fx.records(p.stdout))
        all_pairs = {(ip, port) for ip in ips for port in ports}
        self.assertEqual(got.get("open", set()), truth, "open set must equal the truth")
        self.assertEqual(got.get("closed", set()), all_pairs - truth)
        self.assertEqual(got.get("filtered", set()), set())
        summary = fx.records(p.stdout, "summary")
        self.assertEqual(len(summary), 1)
        self.assertEqual(summary[0]["open"], len(truth))
        self.assertEqual(summary[0]["pairs"], len(all_pairs))

    def test_small_lab_default_rate(self):
        self.check(seed=1, hosts=64, nports=6, density=0.2, extra=["--threads", "1"])

    def test_two_threads_unlimited_rate(self):
        self.check(seed=2, hosts=1024, nports=8, density=0.1,
                   extra=["--threads", "2", "--rate", "0", "--max-inflight", "512"])

    def test_open_only_by_default_and_tiny_inflight(self):
        cidr, ips, ports, truth = lab(3, 16, 4, 0.3)
        with fx.Listeners(sorted(truth)):
            p = fx.run_scan([cidr, "-p", ",".join(map(str, ports)), "--format",
                             "ndjson", "--max-inflight", "1", "--rate", "0", "--no-grab"])
        recs = fx.records(p.stdout)
        self.assertTrue(all(r["state"] == "open" for r in recs))
        self.assertEqual({(r["ip"], r["port"]) for r in recs}, truth)
        for r in recs:
            self.assertEqual(r["transport"], "tcp")
            self.assertRegex(r["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertRegex(r["scan_id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-")
            self.assertGreaterEqual(r["rtt_ms"], 0)

    def test_ipv6_loopback(self):
        port = fx.free_port("::1")
        closed = fx.free_port("::1")
        with fx.Listeners([("::1", port)]):
            p = fx.run_scan(["::1", "-p", f"{port},{closed}", "--states", "open,closed",
                             "--format", "ndjson", "--no-grab"])
        got = fx.by_state(fx.records(p.stdout))
        self.assertEqual(got.get("open"), {("::1", port)})
        self.assertEqual(got.get("closed"), {("::1", closed)})


if __name__ == "__main__":
    unittest.main()
