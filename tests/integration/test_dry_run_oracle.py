"""Property test: `--dry-run=list` against an independent oracle (Python's ipaddress) on
random target sets with excludes, seeds and shards. The union of the shards must be exactly
targets minus excludes minus the blocklist, every pair once, and shards disjoint. Also
RELIABILITY P2: 10.20.0.0/16 x 3 ports, every pair exactly once."""
import ipaddress
import random
import subprocess
import sys
import unittest

sys.path.insert(0, __file__.rsplit("/tests/", 1)[0] + "/tests/support")
import fixtures as fx  # noqa: E402

BLOCKLIST = [ipaddress.ip_network(n) for n in
             ("0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32", "::/128",
              "ff00::/8")]


def random_v4(rng):
    kind = rng.random()
    if kind < 0.1:  # near or inside the blocklist
        base = rng.choice([0x00000000, 0xdfffff00, 0xe0000000, 0xeffffff0, 0xffffff00])
    else:
        base = rng.randrange(0x0a000000, 0x0a000000 + 4096)
    return base


def random_token(rng):
    """Returns (token, set of addresses) for a random target or exclude."""
    r = rng.random()
    if r < 0.3:
        a = random_v4(rng)
        return str(ipaddress.IPv4Address(a)), {ipaddress.IPv4Address(a)}
    if r < 0.6:
        prefix = rng.randrange(24, 33)
        net = ipaddress.ip_network(f"{ipaddress.IPv4Address(random_v4(rng))}/{prefix}",
                                   strict=False)
        return f"{ipaddress.IPv4Address(random_v4(rng) & 0xffffffff)}/{prefix}" if False else \
            str(net), set(net)
    if r < 0.85:
        a = random_v4(rng)
        b = min(a + rng.randrange(0, 300), 0xffffffff)
        addrs = {ipaddress.IPv4Address(x) for x in range(a, b + 1)}
        return f"{ipaddress.IPv4Address(a)}-{ipaddress.IPv4Address(b)}", addrs
    base = int(ipaddress.IPv6Address(rng.choice(["2001:db8::", "ff02::", "::", "fe80::"])))
    base += rng.randrange(0, 64)
    prefix = rng.randrange(122, 129)
    net = ipaddress.ip_network(f"{ipaddress.IPv6Address(base)}/{prefix}", strict=False)
    return str(net), set(net)


def blocked(addr):
    return any(addr in n for n in BLOCKLIST if n.version == addr.version)


def dry_list(args):
    p = subprocess.run([fx.searchlight(), "scan"] + args + ["--dry-run=list"],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"{args}: {p.stderr}")
    pairs = []
    for line in p.stdout.splitlines():
        if line.startswith("dry run: 0 pairs"):
            break
        ip, port = line.split()
        pairs.append((ipaddress.ip_address(ip), int(port)))
    return pairs


class Oracle(unittest.TestCase):
    def test_random_target_sets(self):
        rng = random.Random(2026)
        for case in range(40):
            targets, excludes = [], []
            want = set()
            for _ in range(rng.randrange(1, 5)):
                tok, addrs = random_token(rng)
                targets.append(tok)
                want |= addrs
            cut = set()
            for _ in range(rng.randrange(0, 3)):
                tok, addrs = random_token(rng)
                excludes += ["--exclude", tok]
                cut |= addrs
            ports = sorted(rng.sample(range(1, 65536), rng.randrange(1, 4)))
            want = {a for a in want - cut if not blocked(a)}
            want_pairs = {(a, p) for a in want for p in ports}
            shards = rng.randrange(1, 5)
            seed = str(rng.randrange(0, 2**64))
            union = []
            for i in range(shards):
                union += dry_list(targets + excludes + ["-p", ",".join(map(str, ports)),
                                                        "--seed", seed, "--shard",
                                                        f"{i}/{shards}"])
            with self.subTest(case=case, targets=targets, excludes=excludes, shards=shards):
                self.assertEqual(len(union), len(set(union)), "a pair came twice")
                self.assertEqual(set(union), want_pairs)

    def test_p2_exhaustive_slash16_three_ports(self):
        pairs = dry_list(["10.20.0.0/16", "-p", "22,80,443", "--seed", "77",
                          "--exclude", "10.20.7.0/24"])
        self.assertEqual(len(pairs), (65536 - 256) * 3)
        self.assertEqual(len(set(pairs)), len(pairs))
        excluded = ipaddress.ip_network("10.20.7.0/24")
        net = ipaddress.ip_network("10.20.0.0/16")
        self.assertTrue(all(a in net and a not in excluded for a, _ in pairs))


if __name__ == "__main__":
    unittest.main()
