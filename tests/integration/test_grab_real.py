"""Grabbing real Debian servers started by the fixtures, each on its own 127.0.x address:
redis-server (no password, requirepass, TLS only, a non-default port, protected mode seen from
a non-loopback client in a namespace), memcached, postgresql (trust, scram, ssl=on), mariadb
(root with an empty password, with a password, no account for the host, a non-default port),
prometheus (open, web.config.file basic auth), etcd (auth off, auth on, auth on with a v2 key), clickhouse-server (no password, password),
influxdb 1.6 (auth off, auth on), zookeeper 3.8 (no ACL, an ACL on /), openssh-server, dovecot (plaintext auth allowed, TLS required), postfix (AUTH
in cleartext, STARTTLS with AUTH only inside TLS, a plain MX), vsftpd (anonymous, local users
only, a PASV address that is not the server's: never connected to, counted by nftables), the rsync daemon (an open and an auth module, auth only), Xtigervnc (None, VNC auth), mosquitto (anonymous, password file), slapd (anonymous
read, anonymous bind only),
nginx (a plain page, autoindex with .git and
.env, TLS with a self-signed certificate on a non-default port, basic auth) and python3's
http.server (HTTP/1.0, one request per connection: the Reconnect path).
Values stored in the servers carry a canary; it must never appear in the output."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = __file__.rsplit("/tests/", 1)[0]
sys.path.insert(0, ROOT + "/tests/support")
import fixtures as fx  # noqa: E402
import servers  # noqa: E402



def usual_or_free(ip, port):
    return port if port not in fx.wildcard_ports() else fx.free_port(ip)


def grab(ip, port, netns=None, idle="3s"):
    fast = ["--greeting-wait", "300ms", "--idle-timeout", idle]
    p = fx.run_scan([ip, "-p", str(port), "--format", "ndjson"] + fast, netns=netns)
    assert servers.CANARY not in p.stdout, "a stored value leaked into the output"
    svc = fx.records(p.stdout, "service")
    assert len(svc) == 1, p.stdout
    return svc[0]


def grab_from(command, ip, port):
    """Runs a server from its command line (stdin held open), grabs it, stops it."""
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        servers.wait_port(ip, port)
        return grab(ip, port)
    finally:
        proc.kill()
        proc.wait(timeout=5)


class RealRedis(unittest.TestCase):
    def test_no_password_is_open_with_key_count(self):
        ip = "127.0.20.1"
        with servers.Redis(ip, usual_or_free(ip, 6379), keys=5) as r:
            svc = grab(ip, r.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["status"]), ("redis", "open", "ok"))
        self.assertEqual(svc["product"], "Redis")
        self.assertRegex(svc["version"], r"^\d+\.\d+\.\d+$")
        self.assertEqual(svc["redis"]["keys"], 5)
        self.assertEqual(svc["data"]["rows"], 5)
        self.assertGreater(svc["data"]["bytes"], 0)

    def test_requirepass_is_auth_required(self):
        ip = "127.0.20.2"
        with servers.Redis(ip, usual_or_free(ip, 6379), password="s3cret") as r:
            svc = grab(ip, r.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("redis", "auth_required"))
        self.assertNotIn("keys", svc.get("redis", {}))

    def test_tls_only_is_unwrapped(self):
        ip = "127.0.20.3"
        with servers.Redis(ip, usual_or_free(ip, 6380), tls=True) as r:
            svc = grab(ip, r.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["tls"]), ("redis", "open", True))
        self.assertEqual(svc["probe"], "redis/tls")
        self.assertEqual(svc["tls_cert"]["subject_cn"], "redis.searchlight-lab.test")

    def test_tls_only_on_a_port_that_is_not_a_tls_port(self):
        ip = "127.0.20.4"
        with servers.Redis(ip, fx.free_port(ip), tls=True) as r:
            svc = grab(ip, r.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["tls"]), ("redis", "open", True))

    def test_non_default_port_is_identified_by_protocol(self):
        ip = "127.0.20.5"
        with servers.Redis(ip, fx.free_port(ip)) as r:
            svc = grab(ip, r.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("redis", "open"))

    def test_protected_mode_denies_a_non_loopback_client(self):
        fx.require_root(self)
        with fx.Netns("redis_pm") as ns:
            ns.exec(["ip", "addr", "add", "10.77.0.1/32", "dev", "lo"])
            with servers.Redis("10.77.0.1", 6379, protected=True, netns=ns.name):
                svc = grab("10.77.0.1", 6379, netns=ns.name)
        self.assertEqual((svc["protocol"], svc["access"]), ("redis", "denied"))
        self.assertIn("protected mode", svc["redis"]["error"])


class RealMemcached(unittest.TestCase):
    def test_open_with_version_and_stats(self):
        ip = "127.0.20.10"
        with servers.Memcached(ip, usual_or_free(ip, 11211)) as m:
            subprocess.run(["/usr/bin/python3", "-c",
                            f"import socket;s=socket.create_connection(('{ip}',{m.port}));"
                            f"s.sendall(b'set k 0 0 {len(servers.CANARY)}\\r\\n{servers.CANARY}\\r\\n');"
                            "s.recv(100)"], check=True)
            svc = grab(ip, m.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("memcached", "open"))
        self.assertRegex(svc["memcached"]["version"], r"^1\.\d+\.\d+")
        self.assertEqual(svc["memcached"]["curr_items"], 1)

    def test_sasl_is_auth_required_with_its_version_on_any_port(self):
        # -S: the binary protocol only; the ASCII probe is closed at once, the binary STAT
        # answers "Auth failure." (status 0x20) and the binary VERSION names the release
        ip = "127.0.20.11"
        for port in (usual_or_free(ip, 11211), fx.free_port(ip)):
            with servers.Memcached(ip, port, sasl=True) as m:
                svc = grab(ip, m.port)
            self.assertEqual((svc["protocol"], svc["access"], svc["status"]),
                             ("memcached", "auth_required", "ok"), svc)
            self.assertRegex(svc["version"], r"^1\.\d+\.\d+")
            self.assertTrue(svc["memcached"]["binary_only"])
            self.assertEqual(svc["memcached"]["binary_status"], 0x20)
            self.assertNotIn("curr_items", svc["memcached"])

    def test_open_on_an_unusual_port(self):
        ip = "127.0.20.12"
        with servers.Memcached(ip, fx.free_port(ip)) as m:
            svc = grab(ip, m.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("memcached", "open"), svc)


class RealOpensslServer(unittest.TestCase):
    def test_a_handshake_refused_for_want_of_a_client_certificate_is_auth_required(self):
        # openssl s_server -Verify 1: TLS 1.3 ends with the certificate_required alert after the
        # handshake, TLS 1.2 with handshake_failure inside it; both after the server's certificate
        ip = "127.0.20.24"
        d = tempfile.mkdtemp(prefix="sl_s_server_")
        key, crt = servers.self_signed(d, cn="mtls.searchlight-lab.test")
        for version in ("-tls1_3", "-tls1_2"):
            port = fx.free_port(ip)
            svc = grab_from(["openssl", "s_server", "-accept", f"{ip}:{port}", "-cert", crt,
                             "-key", key, "-Verify", "1", version, "-quiet"], ip, port)
            self.assertEqual((svc["protocol"], svc["access"], svc["status"]),
                             ("unknown", "auth_required", "ok"), svc)
            c = svc["tls_cert"]
            self.assertTrue(c["client_cert_requested"] and c["client_cert_required"])
            self.assertEqual(c["subject_cn"], "mtls.searchlight-lab.test")
            self.assertEqual(c["tls_version"], "TLSv1.3" if version == "-tls1_3" else "TLSv1.2")
        shutil.rmtree(d, ignore_errors=True)


class RealNginx(unittest.TestCase):
    def test_plain_page(self):
        ip = "127.0.20.20"
        with servers.Nginx(ip, usual_or_free(ip, 80)) as n:
            svc = grab(ip, n.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("http", "open"))
        self.assertEqual(svc["product"], "nginx")
        self.assertEqual(svc["http"]["status"], 200)
        self.assertEqual(svc["http"]["title"], "Lab intranet")
        self.assertNotIn("git_exposed", svc["http"])
        self.assertNotIn("env_exposed", svc["http"])

    def test_autoindex_with_git_and_env_keeps_names_never_values(self):
        ip = "127.0.20.21"
        with servers.Nginx(ip, fx.free_port(ip), site="autoindex") as n:
            svc = grab(ip, n.port)
        h = svc["http"]
        self.assertTrue(h["dir_listing"])
        self.assertEqual(h["listing_entries"], 3)
        self.assertEqual(sorted(h["listing_interesting"]), ["backup-2026.sql", "mailbox.pst"])
        self.assertTrue(h["git_exposed"])
        self.assertEqual(h["git_branch"], "main")
        self.assertTrue(h["env_exposed"])
        self.assertEqual(h["env_keys"], 4)
        self.assertEqual(h["env_secret_names"], ["DB_PASSWORD", "AWS_SECRET_ACCESS_KEY"])

    def test_client_certificate_required_is_auth_required_with_the_certificate(self):
        # ssl_verify_client on: the handshake ends, then nginx answers 400 "No required SSL
        # certificate was sent"; on 443 every TLS candidate handshakes, the SANs once each
        ip = "127.0.20.23"
        with servers.Nginx(ip, usual_or_free(ip, 443), site="tls_client_cert") as n:
            svc = grab(ip, n.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["tls"]), ("http", "auth_required", True))
        self.assertEqual(svc["http"]["status"], 400)
        c = svc["tls_cert"]
        self.assertTrue(c["client_cert_requested"])
        self.assertEqual(c["subject_cn"], "nginx.searchlight-lab.test")
        self.assertEqual(c["sans"], ["nginx.searchlight-lab.test", "www.nginx.searchlight-lab.test"])

    def test_tls_self_signed_on_a_non_default_port(self):
        ip = "127.0.20.22"
        with servers.Nginx(ip, fx.free_port(ip), site="tls") as n:
            svc = grab(ip, n.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["tls"]), ("http", "open", True))
        c = svc["tls_cert"]
        self.assertEqual(c["subject_cn"], "nginx.searchlight-lab.test")
        self.assertEqual(c["sans"], ["nginx.searchlight-lab.test", "www.nginx.searchlight-lab.test"])
        self.assertTrue(c["self_signed"])
        self.assertEqual((c["key_type"], c["key_bits"]), ("RSA", 2048))
        self.assertEqual(len(c["sha256"]), 64)
        self.assertIn("CN=nginx.searchlight-lab.test", c["issuer"])
        self.assertRegex(c["not_after"], r"^\d{4}-\d\d-\d\dT")
        self.assertTrue(c["tls_version"].startswith("TLSv1."))
        self.assertTrue(c["cipher"])
        self.assertIn("sha256", c["signature_algorithm"].lower())

    def test_basic_auth_is_auth_required(self):
        ip = "127.0.20.23"
        with servers.Nginx(ip, fx.free_port(ip), site="basic_auth") as n:
            svc = grab(ip, n.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("http", "auth_required"))
        self.assertEqual(svc["http"]["status"], 401)


    def test_403_is_denied_unless_it_asks_for_a_login(self):
        # 403 from an allowlist says "not for you": denied. A 403 whose page is a login form,
        # or that carries a WWW-Authenticate challenge, is a login in the way: auth_required.
        ip = "127.0.20.25"
        for site, access in (("forbidden", "denied"), ("forbidden_login", "auth_required"),
                             ("forbidden_challenge", "auth_required")):
            with self.subTest(site=site), servers.Nginx(ip, fx.free_port(ip), site=site) as n:
                svc = grab(ip, n.port)
                self.assertEqual((svc["protocol"], svc["access"]), ("http", access))
                self.assertEqual(svc["http"]["status"], 403)


class RealPostgres(unittest.TestCase):
    def test_trust_is_open_with_database_sizes(self):
        ip = "127.0.20.40"
        with servers.Postgres(ip, usual_or_free(ip, 5432)) as pg:
            svc = grab(ip, pg.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["status"]), ("postgres", "open", "ok"))
        self.assertEqual(svc["product"], "PostgreSQL")
        self.assertTrue(svc["version"].startswith("15."))
        self.assertEqual(svc["postgres"]["auth_method"], "trust")
        self.assertEqual(svc["postgres"]["databases"], 4)
        self.assertIn("customers", svc["data"]["names_sample"])
        self.assertGreater(svc["data"]["bytes"], 1_000_000)

    def test_scram_is_auth_required(self):
        ip = "127.0.20.41"
        with servers.Postgres(ip, fx.free_port(ip), auth="scram") as pg:
            svc = grab(ip, pg.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("postgres", "auth_required"))
        self.assertEqual(svc["postgres"]["sasl_mechanisms"], ["SCRAM-SHA-256"])
        self.assertNotIn("databases", svc["postgres"])

    def test_ssl_on_goes_through_starttls(self):
        ip = "127.0.20.42"
        with servers.Postgres(ip, usual_or_free(ip, 5432), tls=True) as pg:
            svc = grab(ip, pg.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["tls"]), ("postgres", "open", True))
        self.assertTrue(svc["postgres"]["tls_offered"])
        self.assertEqual(svc["tls_cert"]["subject_cn"], "postgres.searchlight-lab.test")
        self.assertEqual(svc["postgres"]["databases"], 4)


class RealMariaDB(unittest.TestCase):
    def test_empty_root_password_is_open_with_schema_sizes(self):
        ip = "127.0.20.50"
        with servers.MariaDB(ip, usual_or_free(ip, 3306)) as m:
            svc = grab(ip, m.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["status"]), ("mysql", "open", "ok"))
        self.assertEqual(svc["product"], "MariaDB")
        self.assertEqual(svc["mysql"]["schemas"], 1)
        self.assertEqual(svc["data"]["names_sample"], ["shop"])
        self.assertEqual(svc["data"]["rows"], 3)

    def test_root_with_a_password_is_auth_required(self):
        ip = "127.0.20.51"
        with servers.MariaDB(ip, usual_or_free(ip, 3306), root="password") as m:
            svc = grab(ip, m.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("mysql", "auth_required"))
        self.assertEqual(svc["mysql"]["error_code"], 1045)

    def test_no_account_for_the_host_is_denied(self):
        ip = "127.0.20.52"
        with servers.MariaDB(ip, usual_or_free(ip, 3306), root="local") as m:
            svc = grab(ip, m.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("mysql", "denied"))
        self.assertEqual(svc["mysql"]["error_code"], 1130)

    def test_greeting_identifies_it_on_a_non_default_port(self):
        ip = "127.0.20.53"
        with servers.MariaDB(ip, fx.free_port(ip)) as m:
            svc = grab(ip, m.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("mysql", "open"))


class RealPrometheus(unittest.TestCase):
    def test_no_web_config_is_open(self):
        ip = "127.0.20.60"
        with servers.Prometheus(ip, usual_or_free(ip, 9090)) as p:
            svc = grab(ip, p.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("prometheus", "open"))
        self.assertEqual(svc["product"], "Prometheus")
        self.assertTrue(svc["version"].startswith("2."))
        self.assertIn("head_series", svc["prometheus"])

    def test_basic_auth_is_auth_required(self):
        ip = "127.0.20.61"
        with servers.Prometheus(ip, usual_or_free(ip, 9090), basic_auth=True) as p:
            svc = grab(ip, p.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("prometheus", "auth_required"))


class RealEtcd(unittest.TestCase):
    def test_auth_off_is_open_with_key_count_and_db_size(self):
        ip = "127.0.20.70"
        with servers.Etcd(ip, usual_or_free(ip, 2379)) as e:
            svc = grab(ip, e.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["version"]), ("etcd", "open", "3.4.23"))
        self.assertEqual((svc["etcd"]["v3"], svc["etcd"]["keys"]), ("open", 1))
        self.assertEqual(svc["data"]["names_sample"], ["/mailboxes"])
        self.assertEqual(svc["data"]["mail_like_names"], 1)
        self.assertGreater(svc["data"]["bytes"], 0)
        self.assertNotIn("evidence_truncated", svc)

    def test_auth_enable_is_auth_required_although_version_answers(self):
        ip = "127.0.20.71"
        with servers.Etcd(ip, usual_or_free(ip, 2379), auth=True, v2_key=False) as e:
            svc = grab(ip, e.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["product"]),
                         ("etcd", "auth_required", "etcd"))
        self.assertEqual(svc["etcd"]["v3"], "auth_required")
        self.assertNotIn("names_sample", svc["data"])

    def test_v2_store_stays_open_under_v3_auth(self):
        ip = "127.0.20.72"
        with servers.Etcd(ip, fx.free_port(ip), auth=True) as e:
            svc = grab(ip, e.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("etcd", "open"))
        self.assertEqual((svc["etcd"]["v3"], svc["etcd"]["v2"]), ("auth_required", "open"))
        self.assertEqual(svc["data"]["names_sample"], ["/mailboxes"])


class RealClickHouse(unittest.TestCase):
    def test_default_user_without_password_is_open_with_sizes(self):
        ip = "127.0.20.80"
        with servers.ClickHouse(ip, usual_or_free(ip, 8123)) as c:
            svc = grab(ip, c.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["product"]),
                         ("clickhouse", "open", "ClickHouse"))
        self.assertTrue(svc["version"].startswith("18.16"))
        self.assertEqual((svc["data"]["rows"], svc["data"]["names_sample"]), (3, ["mail"]))
        self.assertGreater(svc["data"]["bytes"], 0)

    def test_password_is_auth_required(self):
        ip = "127.0.20.81"
        with servers.ClickHouse(ip, fx.free_port(ip), password=True) as c:
            svc = grab(ip, c.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("clickhouse", "auth_required"))
        self.assertEqual(svc["clickhouse"]["error_code"], 194)
        self.assertNotIn("data", svc)


class RealInfluxDB(unittest.TestCase):
    def test_auth_off_is_open_with_database_names(self):
        ip = "127.0.20.90"
        with servers.InfluxDB(ip, usual_or_free(ip, 8086)) as i:
            svc = grab(ip, i.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["product"]),
                         ("influxdb", "open", "InfluxDB"))
        self.assertTrue(svc["version"].startswith("1.6"))
        self.assertEqual(svc["data"]["names_sample"], ["mailstore"])
        self.assertEqual(svc["influxdb"]["measurements"], 1)

    def test_auth_enabled_is_auth_required(self):
        ip = "127.0.20.91"
        with servers.InfluxDB(ip, fx.free_port(ip), auth=True) as i:
            svc = grab(ip, i.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("influxdb", "auth_required"))
        self.assertEqual(svc["influxdb"]["http_status"], 401)
        self.assertNotIn("data", svc)


class RealZooKeeper(unittest.TestCase):
    def test_no_acl_is_open_with_node_count_and_root_names(self):
        ip = "127.0.20.100"
        with servers.ZooKeeper(ip, usual_or_free(ip, 2181)) as z:
            svc = grab(ip, z.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["version"]),
                         ("zookeeper", "open", "3.8.0"))
        self.assertEqual(svc["zookeeper"]["mode"], "standalone")
        self.assertGreaterEqual(svc["zookeeper"]["node_count"], 3)
        self.assertEqual(sorted(svc["data"]["names_sample"]), ["mailboxes", "zookeeper"])

    def test_acl_on_root_is_auth_required_found_on_any_port(self):
        ip = "127.0.20.101"
        with servers.ZooKeeper(ip, fx.free_port(ip), acl=True) as z:
            svc = grab(ip, z.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("zookeeper", "auth_required"))
        self.assertEqual(svc["zookeeper"]["error"], -102)
        self.assertNotIn("names_sample", svc.get("data", {}))


class RealOpenSSH(unittest.TestCase):
    def test_sshd_is_auth_required_with_its_kexinit_found_by_greeting(self):
        ip = "127.0.20.110"
        with servers.OpenSSH(ip, fx.free_port(ip), passwords=False) as d:
            svc = grab(ip, d.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["product"]),
                         ("ssh", "auth_required", "OpenSSH"))
        self.assertTrue(svc["version"].startswith("9.2"))
        self.assertIn("curve25519-sha256", svc["ssh"]["kex_algorithms"])
        self.assertEqual(svc["ssh"]["host_key_algorithms"], ["ssh-ed25519"])
        self.assertNotIn("evidence_truncated", svc)


class RealDovecot(unittest.TestCase):
    def test_plaintext_auth_allowed_is_auth_required_with_cleartext_login(self):
        ip = "127.0.20.120"
        with servers.Dovecot(ip, usual_or_free(ip, 143), pop3_port=usual_or_free(ip, 110)) as d:
            imap, pop3 = grab(ip, d.port), grab(ip, d.pop3_port)
        self.assertEqual((imap["protocol"], imap["access"], imap["product"]),
                         ("imap", "auth_required", "Dovecot"))
        self.assertEqual((imap["imap"]["cleartext_login"], imap["imap"]["starttls"]), (True, False))
        self.assertEqual((pop3["protocol"], pop3["access"]), ("pop3", "auth_required"))
        self.assertEqual((pop3["pop3"]["cleartext_login"], pop3["pop3"]["user"]), (True, True))

    def test_tls_required_says_logindisabled_and_starttls_on_any_port(self):
        ip = "127.0.20.121"
        with servers.Dovecot(ip, fx.free_port(ip), tls=True) as d:
            imap, pop3 = grab(ip, d.port), grab(ip, d.pop3_port)
        self.assertEqual((imap["protocol"], imap["access"]), ("imap", "auth_required"))
        self.assertEqual((imap["imap"]["login_disabled"], imap["imap"]["starttls"]), (True, True))
        self.assertFalse(imap["imap"]["cleartext_login"])
        self.assertEqual((pop3["protocol"], pop3["pop3"]["stls"], pop3["pop3"]["cleartext_login"]),
                         ("pop3", True, False))
        # STARTTLS / STLS ran: the certificate is recorded, so the tls-* rules see mail servers.
        for svc in (imap, pop3):
            self.assertEqual((svc["tls"], svc["tls_cert"]["subject_cn"], svc["status"]),
                             (True, "mail.searchlight-lab.test", "ok"), svc["protocol"])
            self.assertTrue(svc["tls_cert"]["self_signed"])
            self.assertNotIn("evidence_truncated", svc)


class RealPostfix(unittest.TestCase):
    def test_auth_offered_in_cleartext_is_auth_required(self):
        ip = "127.0.20.130"
        with servers.Postfix(ip, usual_or_free(ip, 25)) as p:
            svc = grab(ip, p.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["product"]),
                         ("smtp", "auth_required", "Postfix"))
        self.assertEqual(svc["smtp"]["auth_mechanisms"], ["PLAIN", "LOGIN"])
        self.assertTrue(svc["smtp"]["auth_before_tls"])

    def test_starttls_then_auth_inside_tls_found_by_greeting(self):
        ip = "127.0.20.131"
        with servers.Postfix(ip, fx.free_port(ip), tls=True) as p:
            svc = grab(ip, p.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["tls"]), ("smtp", "auth_required", True))
        self.assertFalse(svc["smtp"]["auth_before_tls"])
        self.assertEqual(svc["smtp"]["auth_mechanisms_tls"], ["PLAIN", "LOGIN"])
        self.assertEqual(svc["tls_cert"]["subject_cn"], "smtp.searchlight-lab.test")

    def test_plain_mx_without_auth_is_unknown(self):
        ip = "127.0.20.132"
        with servers.Postfix(ip, usual_or_free(ip, 25), auth=False) as p:
            svc = grab(ip, p.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("smtp", "unknown"))
        self.assertNotIn("auth_mechanisms", svc["smtp"])


class RealVsftpd(unittest.TestCase):
    def test_anonymous_root_is_open_with_names_and_sizes(self):
        ip = "127.0.20.140"
        with servers.Vsftpd(ip, usual_or_free(ip, 21)) as v:
            svc = grab(ip, v.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["product"]), ("ftp", "open", "vsftpd"))
        self.assertEqual(svc["ftp"]["root_entries"], 3)
        self.assertIn("mailbox-2023.mbox", svc["data"]["names_sample"])
        self.assertEqual(svc["data"]["mail_like_names"], 1)
        self.assertEqual(svc["data"]["bytes"], 100 * len(servers.CANARY) + len(servers.CANARY))
        self.assertNotIn("pasv_address", svc["ftp"])

    def test_no_anonymous_is_auth_required_found_by_greeting(self):
        ip = "127.0.20.141"
        with servers.Vsftpd(ip, fx.free_port(ip), anonymous=False) as v:
            svc = grab(ip, v.port, idle="8s")  # PAM and vsftpd delay a failed login by ~3 s
        self.assertEqual((svc["protocol"], svc["access"]), ("ftp", "auth_required"))
        self.assertEqual(svc["ftp"]["reply_code"], 530)

    def test_pasv_naming_another_address_is_recorded_and_never_connected_to(self):
        with fx.Netns("pasv") as ns:
            ns.nft("""
table inet sl {
  counter foreign {}
  counter control {}
  chain out { type filter hook output priority 0;
    ip daddr 127.99.0.1 meta l4proto tcp counter name foreign
    ip daddr 127.0.20.142 tcp flags & (syn|ack) == syn counter name control
  }
}
""")
            ip = "127.0.20.142"
            with servers.Vsftpd(ip, 21, pasv_address="127.99.0.1", netns=ns.name):
                svc = grab(ip, 21, netns=ns.name)
            self.assertEqual((svc["protocol"], svc["access"]), ("ftp", "open"))
            self.assertEqual(svc["ftp"]["pasv_address"], "127.99.0.1")
            self.assertGreaterEqual(ns.counter("sl", "control"), 1)
            self.assertEqual(ns.counter("sl", "foreign"), 0)


class RealRsyncd(unittest.TestCase):
    def test_listed_module_without_auth_is_open(self):
        ip = "127.0.20.150"
        with servers.Rsyncd(ip, usual_or_free(ip, 873)) as r:
            svc = grab(ip, r.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("rsync", "open"))
        self.assertEqual((svc["rsync"]["open_modules"], svc["rsync"]["auth_modules"]),
                         (["public"], ["backups"]))

    def test_auth_users_everywhere_is_auth_required_found_by_greeting(self):
        ip = "127.0.20.151"
        with servers.Rsyncd(ip, fx.free_port(ip), auth_only=True) as r:
            svc = grab(ip, r.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("rsync", "auth_required"))
        self.assertNotIn("open_modules", svc["rsync"])


class RealTigerVnc(unittest.TestCase):
    def test_security_none_is_open_with_desktop_name_and_size(self):
        ip = "127.0.20.160"
        with servers.TigerVnc(ip, usual_or_free(ip, 5900)) as v:
            svc = grab(ip, v.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("vnc", "open"))
        self.assertEqual((svc["vnc"]["desktop_name"], svc["vnc"]["width"], svc["vnc"]["height"]),
                         ("Lab desktop", 800, 600))

    def test_vnc_auth_is_auth_required_found_by_greeting(self):
        ip = "127.0.20.161"
        with servers.TigerVnc(ip, fx.free_port(ip), auth=True) as v:
            svc = grab(ip, v.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("vnc", "auth_required"))
        self.assertEqual(svc["vnc"]["security_types"], ["VNC Authentication"])
        self.assertNotIn("desktop_name", svc["vnc"])


class RealMosquitto(unittest.TestCase):
    def test_anonymous_broker_is_open_with_sys_counts_only(self):
        ip = "127.0.20.170"
        with servers.Mosquitto(ip, usual_or_free(ip, 1883)) as m:
            svc = grab(ip, m.port)
        self.assertEqual((svc["protocol"], svc["access"], svc["product"]),
                         ("mqtt", "open", "Mosquitto"))
        self.assertEqual(svc["mqtt"]["connack_code"], 0)
        self.assertTrue(svc["version"].startswith("2.0"))
        self.assertIn("retained_messages", svc["mqtt"])

    def test_password_file_is_auth_required_on_any_port(self):
        ip = "127.0.20.171"
        with servers.Mosquitto(ip, fx.free_port(ip), anonymous=False) as m:
            svc = grab(ip, m.port)
        self.assertEqual((svc["protocol"], svc["access"]), ("mqtt", "auth_required"))
        self.assertEqual(svc["mqtt"]["connack_code"], 5)


class RealSlapd(unittest.TestCase):
    # slapd waits silently on foreign bytes, so it is found on LDAP's own ports (see
    # docs/architecture.md, "Known costs"); these tests need 389 free on 127.0.20.x.
    def test_anonymous_read_is_open_with_an_entry_count(self):
        ip = "127.0.20.180"
        self.assertNotIn(389, fx.wildcard_ports(), "port 389 has a wildcard listener here")
        with servers.Slapd(ip, 389):
            svc = grab(ip, 389)
        self.assertEqual((svc["protocol"], svc["access"]), ("ldap", "open"))
        self.assertEqual(svc["ldap"]["naming_contexts"], ["dc=lab,dc=test"])
        self.assertEqual(svc["ldap"]["entries"], 14)
        self.assertTrue(svc["ldap"]["anonymous_bind"])

    def test_rootdse_alone_leaves_it_auth_required(self):
        ip = "127.0.20.181"
        with servers.Slapd(ip, 389, anonymous_read=False):
            svc = grab(ip, 389)
        self.assertEqual((svc["protocol"], svc["access"]), ("ldap", "auth_required"))
        self.assertEqual(svc["ldap"]["naming_contexts"], ["dc=lab,dc=test"])
        self.assertNotIn("entries", svc["ldap"])


class RealTelnetd(unittest.TestCase):
    # inetutils telnetd: we refuse every option and never type; the prompt is the verdict
    def test_a_shell_without_login_is_open_and_critical(self):
        ip = "127.0.20.190"
        with servers.Telnetd(ip, usual_or_free(ip, 23), shell=True) as t:
            p = fx.run_scan([ip, "-p", str(t.port), "--format", "ndjson", "--no-db",
                             "--greeting-wait", "300ms"])
        svc = fx.records(p.stdout, "service")[0]
        self.assertEqual((svc["protocol"], svc["access"], svc["telnet"]["prompt"]),
                         ("telnet", "open", "shell"))
        self.assertIn("TERMINAL-TYPE", svc["telnet"]["options_do"])
        rules = [f["rule"] for f in fx.records(p.stdout, "finding")]
        self.assertIn("telnet-open-shell", rules)

    def test_login_prompt_is_auth_required_and_flagged_as_cleartext(self):
        ip = "127.0.20.191"
        with servers.Telnetd(ip, fx.free_port(ip)) as t:
            p = fx.run_scan([ip, "-p", str(t.port), "--format", "ndjson", "--no-db",
                             "--greeting-wait", "300ms"])
        svc = fx.records(p.stdout, "service")[0]
        self.assertEqual((svc["protocol"], svc["access"], svc["telnet"]["prompt"]),
                         ("telnet", "auth_required", "login"))
        self.assertTrue(svc["telnet"]["banner"].endswith("login:"))
        rules = [f["rule"] for f in fx.records(p.stdout, "finding")]
        self.assertIn("telnet-cleartext-login", rules)


class ReconnectPath(unittest.TestCase):
    def test_http10_server_gets_one_connection_per_request(self):
        ip = "127.0.20.30"
        port = fx.free_port(ip)
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, ".git"))
            with open(os.path.join(d, ".git", "HEAD"), "w") as f:
                f.write("ref: refs/heads/release\n")
            svc = grab_from([fx.PYTHON, "-m", "http.server", str(port), "--bind", ip,
                             "--directory", d], ip, port)
        self.assertEqual((svc["protocol"], svc["access"]), ("http", "open"))
        self.assertTrue(svc["http"]["git_exposed"])
        self.assertEqual(svc["http"]["git_branch"], "release")


if __name__ == "__main__":
    unittest.main()
