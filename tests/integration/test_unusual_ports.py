"""Identification that does not depend on the port: every real server from a Debian package, in
its open and its secured configuration, started on a port the kernel picked (never the usual
one), must be named with its protocol and verdict. The candidate order on such a port is the
fallback order, so a server that waits silently on another protocol's probe must not hide its
own (issue 14, item 1). Replay simulations run on free ports in test_replay.py."""
import os
import sys
import unittest

ROOT = __file__.rsplit("/tests/", 1)[0]
sys.path.insert(0, ROOT + "/tests/support")
import fixtures as fx  # noqa: E402
import servers  # noqa: E402
from forwarder import CountingForwarder  # noqa: E402

# (server class, its keyword arguments, protocol, access)
CASES = [
    (servers.Redis, {}, "redis", "open"),
    (servers.Redis, {"password": "lab-secret"}, "redis", "auth_required"),
    (servers.Memcached, {}, "memcached", "open"),
    (servers.Memcached, {"sasl": True}, "memcached", "auth_required"),
    (servers.Nginx, {}, "http", "open"),
    (servers.Nginx, {"site": "basic_auth"}, "http", "auth_required"),
    (servers.Postgres, {}, "postgres", "open"),
    (servers.Postgres, {"auth": "scram"}, "postgres", "auth_required"),
    (servers.MariaDB, {}, "mysql", "open"),
    (servers.MariaDB, {"root": "password"}, "mysql", "auth_required"),
    (servers.Prometheus, {}, "prometheus", "open"),
    (servers.Prometheus, {"basic_auth": True}, "prometheus", "auth_required"),
    (servers.Etcd, {}, "etcd", "open"),
    (servers.Etcd, {"auth": True, "v2_key": False}, "etcd", "auth_required"),
    (servers.ClickHouse, {}, "clickhouse", "open"),
    (servers.ClickHouse, {"password": True}, "clickhouse", "auth_required"),
    (servers.InfluxDB, {}, "influxdb", "open"),
    (servers.InfluxDB, {"auth": True}, "influxdb", "auth_required"),
    (servers.ZooKeeper, {}, "zookeeper", "open"),
    (servers.ZooKeeper, {"acl": True}, "zookeeper", "auth_required"),
    (servers.OpenSSH, {}, "ssh", "auth_required"),
    (servers.Dovecot, {}, "imap", "auth_required"),
    (servers.Postfix, {}, "smtp", "auth_required"),
    (servers.Vsftpd, {}, "ftp", "open"),
    (servers.Vsftpd, {"anonymous": False}, "ftp", "auth_required"),
    (servers.Rsyncd, {}, "rsync", "open"),
    (servers.Rsyncd, {"auth_only": True}, "rsync", "auth_required"),
    (servers.TigerVnc, {}, "vnc", "open"),
    (servers.TigerVnc, {"auth": True}, "vnc", "auth_required"),
    (servers.Mosquitto, {}, "mqtt", "open"),
    (servers.Mosquitto, {"anonymous": False}, "mqtt", "auth_required"),
    (servers.Telnetd, {"shell": True}, "telnet", "open"),
    (servers.Telnetd, {}, "telnet", "auth_required"),
    (servers.Slapd, {}, "ldap", "open"),
    (servers.Slapd, {"anonymous_read": False}, "ldap", "auth_required"),
]


class UnusualPorts(unittest.TestCase):
    def test_every_real_server_on_a_port_the_kernel_picked(self):
        for n, (server, kwargs, protocol, access) in enumerate(CASES):
            ip = f"127.0.21.{n + 1}"
            port = fx.free_port(ip)
            label = f"{server.name} {kwargs or 'default'} on {port}"
            with self.subTest(label), server(ip, port, **kwargs):
                p = fx.run_scan([ip, "-p", str(port), "--format", "ndjson", "--no-db"])
                svc = fx.records(p.stdout, "service")
                self.assertEqual(len(svc), 1, p.stdout)
                got = (svc[0]["protocol"], svc[0]["access"])
                self.assertEqual(got, (protocol, access), svc[0])


class SharedFirstGet(unittest.TestCase):
    """One GET / rules out the HTTP products that its answer excludes: counted at the server."""

    def connections(self, ip, port, extra):
        with CountingForwarder(ip, port) as fwd:
            p = fx.run_scan([ip, "-p", str(fwd.port), "--format", "ndjson", "--no-db",
                             "--greeting-wait", "300ms"] + extra)
            svc = fx.records(p.stdout, "service")[0]
            return fwd.count, (svc["protocol"], svc["access"])

    def test_a_web_page_costs_three_connections_instead_of_one_per_product(self):
        ip = "127.0.21.60"
        with servers.Nginx(ip, fx.free_port(ip)) as n:
            shared, got = self.connections(ip, n.port, [])
            each, got_each = self.connections(ip, n.port, ["--no-shared-get"])
        self.assertEqual(got, ("http", "open"))
        self.assertEqual(got_each, got)
        self.assertEqual(shared, 3)  # the greeting wait, GET /, the HTTP record
        self.assertEqual(each, 16)   # the greeting wait, 14 products, the HTTP record

    def test_a_server_that_is_not_http_rules_out_every_http_grabber_at_once(self):
        ip = "127.0.21.61"
        with servers.Memcached(ip, fx.free_port(ip)) as m:
            shared, got = self.connections(ip, m.port, [])
            each, _ = self.connections(ip, m.port, ["--no-shared-get"])
        self.assertEqual(got, ("memcached", "open"))
        self.assertEqual(each - shared, 14)  # 15 HTTP grabbers become the one GET /


if __name__ == "__main__":
    unittest.main()
