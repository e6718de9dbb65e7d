"""Tests that need packet-level control, inside network namespaces the test creates:
filtered ports (nftables drop) with exact attempt counts, excludes honoured on the wire,
nothing sent on bad input, hostnames from the namespace's hosts file, and IPv6 on 2001:db8::."""
import random
import sys
import unittest

sys.path.insert(0, __file__.rsplit("/tests/", 1)[0] + "/tests/support")
import fixtures as fx  # noqa: E402

COUNT_TCP_OUT = """
table inet sl {
  counter tcp_out {}
  chain out { type filter hook output priority 0; meta l4proto tcp counter name tcp_out
  }
}
"""


class Filtered(unittest.TestCase):
    def setUp(self):
        fx.require_root(self)

    def test_filtered_ports_get_one_plus_retries_attempts(self):
        rng = random.Random(21)
        ports = sorted(rng.sample(range(20000, 30000), 5))
        ips = [f"127.5.0.{h}" for h in range(16)]
        pairs = [(ip, p) for ip in ips for p in ports]
        rng.shuffle(pairs)
        opened, dropped = set(pairs[:12]), set(pairs[12:18])
        rules = ["table inet sl {"]
        for i, _ in enumerate(sorted(dropped)):
            rules.append(f"  counter syn{i} {{}}")
        rules.append("  chain in { type filter hook input priority 0;")
        for i, (ip, p) in enumerate(sorted(dropped)):
            rules.append(f"    ip daddr {ip} tcp dport {p} tcp flags & (syn|ack) == syn "
                         f"counter name syn{i} drop")
        rules.append("  }\n}\n")
        for retries in (1, 2):
            with self.subTest(retries=retries), fx.Netns("filt") as ns:
                ns.nft("\n".join(rules))
                with fx.Listeners(sorted(opened), netns=ns.name):
                    p = fx.run_scan(["127.5.0.0/28", "-p", ",".join(map(str, ports)),
                                     "--connect-timeout", "400ms", "--retries", str(retries),
                                     "--states", "open,closed,filtered", "--format", "ndjson",
                                     "--no-grab"], netns=ns.name)
                got = fx.by_state(fx.records(p.stdout))
                self.assertEqual(got.get("open", set()), opened)
                self.assertEqual(got.get("filtered", set()), dropped)
                self.assertEqual(got.get("closed", set()), set(pairs) - opened - dropped)
                for i, pair in enumerate(sorted(dropped)):
                    self.assertEqual(ns.counter("sl", f"syn{i}"), 1 + retries, pair)

    def test_excludes_are_honoured_on_the_wire(self):
        with fx.Netns("excl") as ns:
            ns.nft("""
table inet sl {
  counter excluded {}
  counter allowed {}
  chain out { type filter hook output priority 0;
    ip daddr 127.7.0.64/26 meta l4proto tcp counter name excluded
    ip daddr 127.7.0.0/24 tcp flags & (syn|ack) == syn counter name allowed
  }
}
""")
            ex = "/tmp/sl_exclude_%d.txt" % id(self)
            with open(ex, "w") as f:
                f.write("# test excludes\n127.7.0.96/27  # upper half\n")
            p = fx.run_scan(["127.7.0.0/24", "-p", "80,443", "--exclude", "127.7.0.64/27",
                             "--exclude-file", ex, "--states", "open,closed,filtered",
                             "--format", "ndjson", "--rate", "0", "--no-grab"], netns=ns.name)
            seen = {r["ip"] for r in fx.records(p.stdout)}
            self.assertEqual(len(seen), 256 - 64)
            self.assertEqual(ns.counter("sl", "excluded"), 0)
            self.assertEqual(ns.counter("sl", "allowed"), 2 * (256 - 64))

    def test_bad_input_sends_nothing(self):
        cases = [
            ["127.0.0.1", "10.0.0.300"],
            ["127.0.0.1", "-p", "80,99999"],
            ["127.0.0.1", "--exclude", "nonsense!"],
            ["127.0.0.1", "--shard", "2/2"],
            ["127.0.0.1", "--rate", "-5"],
            ["127.0.0.1", "--format", "xml"],
            ["127.0.0.1", "-iL", "/nonexistent/list"],
            ["2001:db8::/64", "127.0.0.1"],
        ]
        with fx.Netns("bad") as ns:
            ns.nft(COUNT_TCP_OUT)
            for args in cases:
                p = fx.run_scan(args, netns=ns.name, check=False)
                self.assertEqual(p.returncode, 2, args)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertEqual(ns.counter("sl", "tcp_out"), 0)

    def test_hostnames_resolve_from_the_namespace_hosts_file(self):
        hosts = "127.0.0.1 localhost\n127.9.0.5 lab-a.test\n2001:db8::5 lab-b.test\n"
        with fx.Netns("names", hosts=hosts) as ns:
            ns.exec(["ip", "addr", "add", "2001:db8::5/128", "dev", "lo", "nodad"])
            ns.nft("""
table inet sl {
  counter dns {}
  chain out { type filter hook output priority 0; udp dport 53 counter name dns
  }
}
""")
            with fx.Listeners([("127.9.0.5", 8080), ("2001:db8::5", 8080)], netns=ns.name):
                p = fx.run_scan(["lab-a.test", "missing.invalid", "lab-b.test", "-p", "8080",
                                 "--format", "ndjson", "--no-grab"], netns=ns.name)
            got = {(r["ip"], r["port"]) for r in fx.records(p.stdout)}
            self.assertEqual(got, {("127.9.0.5", 8080), ("2001:db8::5", 8080)})
            self.assertIn("argument 2: cannot resolve 'missing.invalid'", p.stderr)
            # The query for the missing name went only to the namespace's own loopback.
            self.assertLessEqual(ns.counter("sl", "dns"), 4)

    def test_ipv6_lab_in_documentation_space(self):
        rng = random.Random(9)
        with fx.Netns("v6") as ns:
            addrs = [f"2001:db8::{h:x}" for h in range(32)]
            for a in addrs:
                ns.exec(["ip", "addr", "add", f"{a}/128", "dev", "lo", "nodad"])
            ports = [2222, 8443]
            truth = {(a, p) for a in addrs for p in ports if rng.random() < 0.3}
            with fx.Listeners(sorted(truth), netns=ns.name):
                p = fx.run_scan(["2001:db8::/123", "-p", "2222,8443", "--format", "ndjson",
                                 "--states", "open,closed", "--no-grab"], netns=ns.name)
            got = fx.by_state(fx.records(p.stdout))
            self.assertEqual(got.get("open", set()), truth)
            self.assertEqual(len(got.get("closed", set())), 64 - len(truth))


if __name__ == "__main__":
    unittest.main()
