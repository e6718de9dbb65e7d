"""The monitor end to end (issue 12), on loopback with real servers: a real redis-server appears
in a watched scope and a local webhook receiver gets exactly one new_exposure; stopping it brings
exactly one exposure_resolved with its window; a restart in between sends nothing twice; a
receiver that is down for three cycles gets the alert once when it returns; kill -9 during a
delivery gives at-least-once delivery, deduplicated by the event id. Routes send a critical
finding and a low one to different sinks while a silence holds one back; dead messages make
`monitor status` exit 4 until `monitor retry`; SIGHUP refuses a bad file and keeps running.
The email sink is checked against a real postfix (the message read from its mailbox), the syslog
sink against a real rsyslog (the file it writes). Addresses: 127.0.11.x to 127.0.14.x."""
import contextlib
import http.server
import json
import pwd
import ssl
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ROOT = __file__.rsplit("/tests/", 1)[0]
sys.path.insert(0, ROOT + "/tests/support")
import fixtures as fx  # noqa: E402
import servers  # noqa: E402

INTERVAL = 2  # seconds between cycles of the daemon tests


sl = fx.sl


def free_net(third):
    """127.0.<third>.0/28, checked free of listeners (a wildcard listener answers there too)."""
    busy = fx.listening_sockets()
    for ip, port in busy:
        if ip.startswith(f"127.0.{third}.") or ip in ("0.0.0.0", "::"):
            if port == 6379 or port == 8080:
                raise RuntimeError(f"something listens on {ip}:{port}: the test needs it free")
    return f"127.0.{third}.0/28"


class Receiver:
    """A webhook receiver on 127.0.0.1: records every request (headers and JSON body) before it
    answers. mode: ok (200), fail (500), hang (the first request waits `hang_s` first)."""

    def __init__(self, port=None):
        self.port = port or fx.free_port()
        self.requests = []
        self.mode = "ok"
        self.hang_s = 0
        self.lock = threading.Lock()
        self.server = None

    def start(self, tls_dir=None):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(n))
                with outer.lock:
                    outer.requests.append({"headers": dict(self.headers), "body": body,
                                           "at": time.time()})
                    mode, hang = outer.mode, outer.hang_s
                    if mode == "hang":
                        outer.mode = "ok"
                if mode == "hang":
                    time.sleep(hang)
                if mode == "close":  # the status line, then the connection closes
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Len")
                    self.wfile.flush()
                    self.close_connection = True
                    return
                code = {"fail": 500, "429": 429}.get(mode, 200)
                try:
                    self.send_response(code)
                    if code == 429:
                        self.send_header("Retry-After", "3")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender was killed while we held its request (on purpose)

            def log_message(self, *a):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if tls_dir:  # a certificate nobody trusts
            key, crt = servers.self_signed(tls_dir, cn="hook.searchlight-lab.test")
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(crt, key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def events(self, kind):
        """(event id, data) of every request for a single event of this kind."""
        with self.lock:
            return [(r["body"]["id"], r["body"]["data"]) for r in self.requests
                    if r["body"].get("type") == f"org.searchlight.monitor.{kind}"]

    def wait_for(self, kind, count=1, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.events(kind)) >= count:
                return self.events(kind)
            time.sleep(0.1)
        raise AssertionError(f"no {kind} within {timeout} s; got {self.kinds()}")

    def kinds(self):
        with self.lock:
            return [r["body"].get("type") for r in self.requests]


def config_text(net, hook_port, extra_routes="", extra_sinks="", every=f"{INTERVAL}s",
                delivery="delivery: {retry_base: 300ms, retry_max: 1s, dead_after: 1h}\n"):
    return f"""scopes:
  - name: lab
    targets: [{net}]
    ports: [6379]
    every: {every}
    owner: secops@example.org
routes:
  - match: {{severity: ">=medium"}}
    sinks: [hook]
{extra_routes}sinks:
  hook: {{type: webhook, url: "http://127.0.0.1:{hook_port}/", format: generic, timeout: 10s}}
{extra_sinks}{delivery}"""


class Daemon:
    def __init__(self, config, db, log):
        self.args = [fx.searchlight(), "monitor", "run", "--config", config, "--db", db]
        self.log_path = log
        self.proc = None

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("the monitor did not stop within 30 s of " + str(sig))
        return self.proc.returncode if self.proc else None

    def log(self):
        return open(self.log_path).read()


def cycles(db):
    p = sl("monitor", "status", "--db", db, "--format", "json", check=False)
    if p.returncode not in (0, 4):
        return 0
    s = json.loads(p.stdout)
    return sum(sc["completed_cycles"] for sc in s["scopes"])


def wait_cycles(db, n, timeout=30):
    deadline = time.time() + timeout
    start = cycles(db)
    while time.time() < deadline:
        if cycles(db) >= start + n:
            return
        time.sleep(0.2)
    raise AssertionError(f"{n} cycles did not complete within {timeout} s")


class TestMonitorConfig(unittest.TestCase):
    def test_the_minimal_file_passes_and_a_fault_names_its_place(self):
        with tempfile.TemporaryDirectory() as d:
            good = os.path.join(d, "monitor.yaml")
            with open(good, "w") as f:
                f.write(config_text("127.96.0.0/28", 8099, delivery="").replace(
                    ", timeout: 10s", ""))
            p = sl("monitor", "check-config", good)
            self.assertIn("1 scopes, 1 routes, 0 silences, 1 sinks: OK", p.stdout)
            bad = os.path.join(d, "bad.yaml")
            with open(bad, "w") as f:
                f.write("scopes:\n  - name: lab\n    targets: [127.96.0.0/28]\n    every: 5s\n"
                        "    colour: blue\nsinks:\n  s: {type: webhook, url_env: SL_NOT_SET_XYZ}\n")
            p = sl("monitor", "check-config", bad, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"{bad}:5:5: unknown key 'colour' in a scope", p.stderr)
            self.assertIn(f"{bad}:7:", p.stderr)
            self.assertIn("SL_NOT_SET_XYZ is not set", p.stderr)
            p = sl("monitor", "run", "--config", bad, "--db", os.path.join(d, "x.db"), check=False)
            self.assertEqual(p.returncode, 2)


class TestMonitorDaemon(unittest.TestCase):
    def test_one_alert_per_change_across_restarts_outages_and_kill_9(self):
        fx.require_root(self)
        net = free_net(11)
        ip = "127.0.11.5"
        with tempfile.TemporaryDirectory() as d:
            db, cfg, log = (os.path.join(d, n) for n in ("m.db", "monitor.yaml", "monitor.log"))
            hook = Receiver().start()
            with open(cfg, "w") as f:
                f.write(config_text(net, hook.port))
            daemon = Daemon(cfg, db, log).start()
            try:
                wait_cycles(db, 1)  # the baseline: nothing there yet
                self.assertEqual(hook.kinds(), [])

                # a redis without a password appears: one new_exposure within two intervals
                redis = servers.Redis(ip, 6379).start()
                appeared = time.time()
                got = hook.wait_for("new_exposure", timeout=2 * INTERVAL + 10)
                self.assertLess(time.time() - appeared, 2 * INTERVAL + 10)
                event_id, data = got[0]
                self.assertEqual((data["ip"], data["port"], data["rule"]), (ip, 6379, "redis-no-auth"))
                self.assertEqual(data["scope"], "lab")
                self.assertEqual(data["owner"], "secops@example.org")
                self.assertTrue(data["detail"]["reprobe"]["confirmed"])
                self.assertIsNotNone(data["time_to_detect_s"])
                self.assertLessEqual(data["time_to_detect_s"], 2 * INTERVAL + 10)
                self.assertTrue(data["evidence"])
                self.assertTrue(data["remediation"])

                # a restart in between sends nothing twice
                self.assertEqual(daemon.stop(), 0)
                daemon = Daemon(cfg, db, log).start()
                wait_cycles(db, 2)
                self.assertEqual(len(hook.events("new_exposure")), 1, hook.kinds())

                # redis stops: exactly one exposure_resolved, with the window
                redis.stop()
                resolved = hook.wait_for("exposure_resolved", timeout=2 * INTERVAL + 10)
                wait_cycles(db, 2)
                self.assertEqual(len(hook.events("exposure_resolved")), 1, hook.kinds())
                _, r = resolved[0]
                self.assertEqual(r["first_seen"], data["first_seen"])
                self.assertIsNotNone(r["resolved_at"])
                self.assertGreater(r["detail"]["exposure_window_s"], -1)

                # the receiver is down for three cycles: the alert arrives once when it is back
                hook.stop()
                redis = servers.Redis(ip, 6379).start()
                wait_cycles(db, 3)
                self.assertEqual(hook.events("exposure_reopened"), [])
                hook = Receiver(hook.port).start()
                reopened = hook.wait_for("exposure_reopened", timeout=15)
                wait_cycles(db, 1)
                self.assertEqual(len(hook.events("exposure_reopened")), 1, hook.kinds())
                self.assertEqual(reopened[0][1]["ip"], ip)

                # kill -9 while a delivery waits for its answer: at least once, one event id
                hook.mode, hook.hang_s = "hang", 4
                redis.stop()
                hook.wait_for("exposure_resolved", timeout=2 * INTERVAL + 10)
                daemon.stop(signal.SIGKILL)  # while the receiver holds the request
                daemon = Daemon(cfg, db, log).start()
                second = hook.wait_for("exposure_resolved", count=2, timeout=20)
                self.assertEqual(len({i for i, _ in second}), 1, "one event, one id")
                self.assertEqual(second[0][1]["ip"], ip)
                self.assertEqual(daemon.stop(), 0)
            finally:
                daemon.stop(signal.SIGKILL)
                hook.stop()
                with open(log) as f:
                    sys.stderr.write(f.read()[-3000:])
            # every request carried the event id as its idempotency key
            for r in hook.requests:
                self.assertEqual(r["headers"]["Idempotency-Key"], r["body"]["id"])

    def test_ten_kill_9_during_delivery_lose_nothing(self):
        """RELIABILITY T4: every event arrives at least once, once after dedup by its id."""
        fx.require_root(self)
        net = free_net(31)
        with tempfile.TemporaryDirectory() as d:
            db, cfg, log = (os.path.join(d, n) for n in ("m.db", "monitor.yaml", "monitor.log"))
            hook = Receiver().start()
            with open(cfg, "w") as f:
                f.write(config_text(net, hook.port, every="1m"))
            ips = [f"127.0.31.{i}" for i in range(2, 7)]
            sl("monitor", "run", "--config", cfg, "--db", db, "--once")  # the baseline: empty
            redis = [servers.Redis(ip, 6379).start() for ip in ips]
            daemon = None
            try:
                sl("monitor", "run", "--config", cfg, "--db", db, "--once")  # five queued...
                hook.requests.clear()  # ...and delivered: forget them, send them again below
                with sqlite3.connect(db) as c:
                    c.execute("UPDATE deliveries SET status = 'pending', next_attempt_at = 0")
                kills = 0
                while kills < 10:
                    hook.mode, hook.hang_s = "hang", 2  # the next request waits; we kill then
                    seen = len(hook.requests)
                    daemon = Daemon(cfg, db, log).start()
                    if not until(lambda: len(hook.requests) > seen, timeout=10, step=0.02):
                        break  # nothing left to send
                    daemon.stop(signal.SIGKILL)
                    kills += 1
                hook.mode = "ok"
                daemon = Daemon(cfg, db, log).start()
                until(lambda: len({r["body"]["id"] for r in hook.requests}) >= len(ips), timeout=20)
                time.sleep(1)
                self.assertEqual(daemon.stop(), 0)
            finally:
                if daemon:
                    daemon.stop(signal.SIGKILL)
                for r in redis:
                    r.stop()
                hook.stop()
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
                queued = {row[0] for row in c.execute(
                    "SELECT id FROM events WHERE event = 'new_exposure'")}
                undelivered = c.execute(
                    "SELECT count(*) FROM deliveries WHERE status != 'delivered'").fetchone()[0]
            received = [r["body"]["id"] for r in hook.requests]
            self.assertGreaterEqual(kills, 5, "too few deliveries were cut off to mean anything")
            self.assertEqual(len(queued), len(ips))
            self.assertEqual(set(received), queued)       # none lost, none invented
            self.assertGreater(len(received), len(ips))   # some twice: at least once, deduplicated
            self.assertEqual(undelivered, 0)

    def test_crash_points_around_a_send_lose_nothing(self):
        """RELIABILITY T2: a crash after the outbox commit and before any send, and one after a
        sink's 2xx before the message is marked: after a restart each event arrives, once or
        again with the same id."""
        fx.require_root(self)
        net = free_net(32)
        for point, deliveries in (("after-commit", 1), ("after-send", 2)):
            with tempfile.TemporaryDirectory() as d:
                db, cfg = os.path.join(d, "m.db"), os.path.join(d, "monitor.yaml")
                hook = Receiver().start()
                try:
                    with open(cfg, "w") as f:
                        f.write(config_text(net, hook.port, every="1m"))
                    sl("monitor", "run", "--config", cfg, "--db", db, "--once")  # baseline
                    with servers.Redis("127.0.32.5", 6379):
                        p = subprocess.run([fx.searchlight(), "monitor", "run", "--config", cfg,
                                            "--db", db, "--once"], capture_output=True,
                                           text=True, env=dict(os.environ, SL_FAILPOINT=point),
                                           timeout=120)
                        self.assertNotEqual(p.returncode, 0, f"{point}: no crash")
                        self.assertEqual(len(hook.events("new_exposure")), deliveries - 1, point)
                        sl("monitor", "run", "--config", cfg, "--db", db, "--once")
                    got = hook.events("new_exposure")
                    self.assertEqual(len(got), deliveries, (point, hook.kinds()))
                    self.assertEqual(len({i for i, _ in got}), 1, point)
                    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
                        self.assertEqual(c.execute("SELECT status, count(*) FROM deliveries "
                                                   "GROUP BY status").fetchall(),
                                         [("delivered", 1)], point)
                        self.assertEqual(c.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
                finally:
                    hook.stop()

    def test_sighup_keeps_the_old_configuration_when_the_new_one_is_bad(self):
        fx.require_root(self)
        net = free_net(12)
        with tempfile.TemporaryDirectory() as d:
            db, cfg, log = (os.path.join(d, n) for n in ("m.db", "monitor.yaml", "monitor.log"))
            hook = Receiver().start()
            with open(cfg, "w") as f:
                f.write(config_text(net, hook.port))
            daemon = Daemon(cfg, db, log).start()
            try:
                wait_cycles(db, 1)
                with open(cfg, "w") as f:
                    f.write("scopes: [\n")
                daemon.proc.send_signal(signal.SIGHUP)
                wait_cycles(db, 2)
                self.assertIn("refused, the old one keeps running", daemon.log())
                self.assertIsNone(daemon.proc.poll())
                with open(cfg, "w") as f:
                    f.write(config_text(net, hook.port).replace("name: lab", "name: lab2"))
                daemon.proc.send_signal(signal.SIGHUP)
                deadline = time.time() + 20
                while time.time() < deadline:
                    s = json.loads(sl("monitor", "status", "--db", db, "--format", "json",
                                      check=False).stdout)
                    if any(sc["name"] == "lab2" and sc["completed_cycles"] for sc in s["scopes"]):
                        break
                    time.sleep(0.2)
                else:
                    self.fail("the reloaded scope never ran:\n" + daemon.log())
                self.assertEqual(daemon.stop(), 0)
            finally:
                daemon.stop(signal.SIGKILL)
                hook.stop()


class TestRoutes(unittest.TestCase):
    def test_severities_go_to_their_sinks_and_a_silence_holds_one_back(self):
        fx.require_root(self)
        free_net(13)
        ip = "127.0.13.5"
        with tempfile.TemporaryDirectory() as d:
            db, cfg = os.path.join(d, "m.db"), os.path.join(d, "monitor.yaml")
            critical, low = os.path.join(d, "critical.ndjson"), os.path.join(d, "low.ndjson")
            with open(cfg, "w") as f:
                f.write(f"""scopes:
  - {{name: web, targets: [127.0.13.0/28], ports: [8080, 8443], every: 1m, owner: web@example.org}}
routes:
  - match: {{severity: ">=critical"}}
    sinks: [pager]
  - match: {{severity: "<=low", event: [new_exposure]}}
    sinks: [tickets]
silences:
  - {{ip: {ip}, rule: http-git-exposed, reason: "known, being moved", by: alice,
     expires: "2099-01-01T00:00:00Z"}}
sinks:
  pager: {{type: file, path: {critical}}}
  tickets: {{type: file, path: {low}}}
""")
            sl("monitor", "run", "--config", cfg, "--db", db, "--once")  # the baseline: empty
            with servers.Nginx(ip, 8080, site="autoindex"), servers.Nginx(ip, 8443, site="tls"):
                sl("monitor", "run", "--config", cfg, "--db", db, "--once")
            with open(critical) as f:
                got_critical = [json.loads(line) for line in f]
            with open(low) as f:
                got_low = [json.loads(line) for line in f]
            self.assertEqual([(e["event"], e["rule"]) for e in got_critical],
                             [("new_exposure", "http-env-exposed")])
            self.assertEqual([(e["event"], e["rule"]) for e in got_low],
                             [("new_exposure", "tls-self-signed")])
            held = json.loads(sl("events", "held:true", "--db", db, "--format", "json").stdout)
            git = [e for e in held if e["rule"] == "http-git-exposed"]
            self.assertEqual(len(git), 1, held)
            self.assertIn("silenced: known, being moved (by alice", git[0]["held"])
            self.assertEqual(git[0]["delivery"], "held")


class TestDeadLetters(unittest.TestCase):
    def test_a_dead_message_makes_status_exit_4_until_retried_and_delivered(self):
        fx.require_root(self)
        net = free_net(14)
        with tempfile.TemporaryDirectory() as d:
            db, cfg = os.path.join(d, "m.db"), os.path.join(d, "monitor.yaml")
            hook = Receiver().start()
            hook.mode = "fail"
            with open(cfg, "w") as f:
                f.write(config_text(net, hook.port, delivery="delivery: {retry_base: 100ms, "
                                    "retry_max: 200ms, dead_after: 300ms}\n"))
            try:
                sl("monitor", "run", "--config", cfg, "--db", db, "--once")
                with servers.Redis("127.0.14.5", 6379):
                    sl("monitor", "run", "--config", cfg, "--db", db, "--once")
                    deadline = time.time() + 20
                    while time.time() < deadline:
                        time.sleep(0.4)
                        sl("monitor", "run", "--config", cfg, "--db", db, "--once")
                        s = json.loads(sl("monitor", "status", "--db", db, "--format", "json",
                                          check=False).stdout)
                        if s["dead"]:
                            break
                opened = s["scopes"][0]["open"]  # the exposure while it was open, with its age
                self.assertEqual([(o["ip"], o["port"], o["rule"]) for o in opened],
                                 [("127.0.14.5", 6379, "redis-no-auth")])
                self.assertGreaterEqual(opened[0]["age_s"], 0)
                p = sl("monitor", "status", "--config", cfg, "--db", db, check=False)
                self.assertEqual(p.returncode, 4, p.stdout)
                self.assertIn("HTTP 500", p.stdout)
                self.assertIn("1 dead messages", p.stdout)
                hook.mode = "ok"
                sl("monitor", "retry", "--db", db)
                sl("monitor", "run", "--config", cfg, "--db", db, "--once")
                self.assertEqual(len({i for i, _ in hook.events("new_exposure")}), 1)
                p = sl("monitor", "status", "--db", db, "--format", "json", check=False)
                self.assertEqual(p.returncode, 0, p.stdout)
                self.assertEqual(json.loads(p.stdout)["dead"], [])
            finally:
                hook.stop()


class MailboxPostfix(servers.Postfix):
    """The lab's postfix with a virtual domain, alerts.test, delivered to a Maildir we read."""

    def command(self):
        cmd = super().command()
        pw = pwd.getpwnam("postfix")
        mail = os.path.join(self.dir, "mail")
        os.makedirs(mail, exist_ok=True)
        os.chown(mail, pw.pw_uid, pw.pw_gid)
        with open(os.path.join(self.dir, "main.cf"), "a") as f:
            f.write(f"virtual_mailbox_domains = alerts.test\nvirtual_mailbox_base = {mail}\n"
                    f"virtual_mailbox_maps = static:alerts/\nvirtual_uid_maps = static:{pw.pw_uid}\n"
                    f"virtual_gid_maps = static:{pw.pw_gid}\nvirtual_minimum_uid = {pw.pw_uid}\n")
        return cmd

    def messages(self):
        new = os.path.join(self.dir, "mail", "alerts", "new")
        if not os.path.isdir(new):
            return []
        out = []
        for name in sorted(os.listdir(new)):
            with open(os.path.join(new, name), "rb") as f:
                out.append(f.read().decode("utf-8", "replace"))
        return out


class TlsMailboxPostfix(MailboxPostfix):
    """The mailbox postfix with STARTTLS (a certificate for its address, signed by nobody) and
    AUTH PLAIN inside TLS for one sasldb user."""
    user, password = "alerts", "SEARCHLIGHT-SMTP-7f3a"

    def command(self):
        cmd = super().command()
        key, crt = os.path.join(self.dir, "key.pem"), os.path.join(self.dir, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", crt, "-days", "30", "-subj", "/CN=smtp.searchlight-lab.test",
                        "-addext", f"subjectAltName=IP:{self.ip}"], check=True, capture_output=True)
        db = os.path.join(self.dir, "sasldb2")
        subprocess.run(["saslpasswd2", "-c", "-p", "-f", db, "-u", "mail.searchlight-lab.test",
                        self.user], input=self.password.encode(), check=True, capture_output=True)
        shutil.chown(db, user="postfix")
        with open(os.path.join(self.dir, "main.cf"), "a") as f:
            f.write("smtpd_sasl_local_domain = mail.searchlight-lab.test\n")
        return cmd


class Rsyslog(servers.Server):
    """rsyslogd from Debian, listening on TCP and UDP on 127.0.0.1, writing what it parsed
    (MSGID, APP-NAME, severity, STRUCTURED-DATA, MSG) to a file."""
    name = "rsyslog"

    def __init__(self, tcp_port, udp_port):
        super().__init__("127.0.0.1", tcp_port)
        self.udp_port = udp_port
        self.out = os.path.join(self.dir, "out.log")

    def command(self):
        conf = os.path.join(self.dir, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(f"""global(workDirectory="{self.dir}")
module(load="imtcp")
module(load="imudp")
input(type="imtcp" address="127.0.0.1" port="{self.port}")
input(type="imudp" address="127.0.0.1" port="{self.udp_port}")
template(name="t" type="string"
         string="%msgid%|%app-name%|%syslogseverity-text%|%structured-data%|%msg%\\n")
*.* action(type="omfile" file="{self.out}" template="t")
""")
        return ["rsyslogd", "-n", "-f", conf, "-i", os.path.join(self.dir, "rsyslogd.pid")]

    def lines(self):
        try:
            with open(self.out) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []


def until(predicate, timeout=20, step=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


class TestSinks(unittest.TestCase):
    """Each sink against a real server: one exposure, then the message read where it landed."""

    def once(self, cfg, db):
        return sl("monitor", "run", "--config", cfg, "--db", db, "--once")

    def write(self, cfg, net, sinks, route_sinks):
        with open(cfg, "w") as f:
            f.write(f"""scopes:
  - {{name: lab, targets: [{net}], ports: [6379], every: 1m, owner: secops@example.org}}
routes:
  - match: {{event: [new_exposure]}}
    sinks: [{route_sinks}]
sinks:
{sinks}delivery: {{retry_base: 200ms, retry_max: 500ms, dead_after: 1h}}
""")

    def test_email_through_a_real_postfix(self):
        fx.require_root(self)
        net = free_net(15)
        with tempfile.TemporaryDirectory() as d, MailboxPostfix("127.0.15.25", 2525, auth=False) as mta:
            db, cfg = os.path.join(d, "m.db"), os.path.join(d, "monitor.yaml")
            self.write(cfg, net, "  mail: {type: email, smtp: \"smtp://127.0.15.25:2525\", "
                       "from: searchlight@example.org, to: [secops@alerts.test], starttls: false}\n",
                       "mail")
            self.once(cfg, db)
            with servers.Redis("127.0.15.5", 6379):
                self.once(cfg, db)
            got = until(mta.messages)
            self.assertEqual(len(got), 1, got)
            mail = got[0]
            event = json.loads(sl("events", "event:new_exposure", "--db", db, "--format",
                                  "json").stdout)[0]
            head, _, text = mail.partition("\n\n")
            self.assertIn(f"X-Searchlight-Event-Id: {event['id']}", head)
            self.assertIn(f"Message-ID: <{event['id']}@", head)
            self.assertRegex(head, r"\nDate: \w{3}, \d\d \w{3} 20\d\d ")
            self.assertIn("Subject: [searchlight] new_exposure redis-no-auth (medium)", head)
            self.assertIn("127.0.15.5:6379", text)
            self.assertIn("Fix: ", text)
            self.assertIn("Window: first seen ", text)
            self.assertEqual(event["delivery"], "sent")

    def test_email_with_starttls_and_auth_through_a_real_postfix(self):
        fx.require_root(self)
        net = free_net(30)
        ip = "127.0.30.25"
        with tempfile.TemporaryDirectory() as d, \
                TlsMailboxPostfix(ip, 2525, tls=True, auth=True) as mta:
            db, cfg = os.path.join(d, "m.db"), os.path.join(d, "monitor.yaml")
            pw = os.path.join(d, "smtp-password")
            with open(pw, "w") as f:
                f.write(mta.password + "\n")
            self.write(cfg, net, f"  mail: {{type: email, smtp: \"smtp://{ip}:2525\", "
                       "from: searchlight@example.org, to: [secops@alerts.test], "
                       f"username: {mta.user}, password_file: {pw}, "
                       f"ca_file: {os.path.join(mta.dir, 'cert.pem')}}}\n", "mail")
            self.once(cfg, db)
            with servers.Redis("127.0.30.5", 6379):
                self.once(cfg, db)
            got = until(mta.messages)
            s = json.loads(sl("monitor", "status", "--db", db, "--format", "json",
                              check=False).stdout)
            self.assertEqual(len(got), 1, s)
            self.assertIn("127.0.30.5:6379", got[0])
            with open(os.path.join(mta.dir, "server.log")) as f:
                log = f.read()
            self.assertIn("ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1", log)  # verified TLS
            self.assertIn(f"sasl_method=PLAIN, sasl_username={mta.user}@", log)  # AUTH inside it
            self.assertNotIn(mta.password, sl("monitor", "check-config", cfg).stdout)

    def test_email_that_demands_starttls_from_a_server_without_it_is_retried_not_lost(self):
        fx.require_root(self)
        net = free_net(16)
        with tempfile.TemporaryDirectory() as d, MailboxPostfix("127.0.16.25", 2525, auth=False) as mta:
            db, cfg = os.path.join(d, "m.db"), os.path.join(d, "monitor.yaml")
            self.write(cfg, net, "  mail: {type: email, smtp: \"smtp://127.0.16.25:2525\", "
                       "from: searchlight@example.org, to: [secops@alerts.test]}\n", "mail")
            self.once(cfg, db)
            with servers.Redis("127.0.16.5", 6379):
                self.once(cfg, db)
            s = json.loads(sl("monitor", "status", "--db", db, "--format", "json").stdout)
            self.assertEqual(len(s["undelivered"]), 1, s)
            self.assertIn("email mail:", s["undelivered"][0]["last_error"])
            self.assertEqual(mta.messages(), [])

    def test_syslog_over_tcp_and_udp_through_a_real_rsyslog(self):
        fx.require_root(self)
        net = free_net(17)
        tcp, udp = fx.free_port(), fx.free_port()
        with tempfile.TemporaryDirectory() as d, Rsyslog(tcp, udp) as rs:
            db, cfg = os.path.join(d, "m.db"), os.path.join(d, "monitor.yaml")
            self.write(cfg, net,
                       f"  tcp: {{type: syslog, transport: tcp, address: \"127.0.0.1:{tcp}\"}}\n"
                       f"  udp: {{type: syslog, transport: udp, address: \"127.0.0.1:{udp}\", "
                       "app_name: sl-udp}\n", "tcp, udp")
            self.once(cfg, db)
            with servers.Redis("127.0.17.5", 6379):
                self.once(cfg, db)
            event = json.loads(sl("events", "event:new_exposure", "--db", db, "--format",
                                  "json").stdout)[0]
            lines = until(lambda: rs.lines() if len(rs.lines()) >= 2 else None)
            self.assertEqual(len(lines), 2, lines)
            apps = sorted(line.split("|")[1] for line in lines)
            self.assertEqual(apps, ["searchlight", "sl-udp"])
            for line in lines:
                msgid, _, severity, sd, msg = line.split("|", 4)
                self.assertEqual(msgid, "new_exposure")
                self.assertEqual(severity, "warning")
                self.assertIn(f'id="{event["id"]}"', sd)
                self.assertIn('rule="redis-no-auth"', sd)
                self.assertIn('ip="127.0.17.5"', sd)
                self.assertIn("redis-no-auth", msg)


class TestWebhookFaults(unittest.TestCase):
    """A sink that fails in each way is retried as documented, and the alert arrives once."""

    def run_fault(self, third, mode, error, tls=False, hang=0):
        fx.require_root(self)
        net = free_net(third)
        with tempfile.TemporaryDirectory() as d:
            db, cfg = os.path.join(d, "m.db"), os.path.join(d, "monitor.yaml")
            hook = Receiver().start(tls_dir=d if tls else None)
            hook.mode, hook.hang_s = mode, hang
            scheme = "https" if tls else "http"
            with open(cfg, "w") as f:
                f.write(config_text(net, hook.port, delivery="delivery: {retry_base: 200ms, "
                                    "retry_max: 500ms, dead_after: 1h}\n")
                        .replace("http://", f"{scheme}://").replace("timeout: 10s", "timeout: 1s"))
            try:
                sl("monitor", "run", "--config", cfg, "--db", db, "--once")
                with servers.Redis(f"127.0.{third}.5", 6379):
                    sl("monitor", "run", "--config", cfg, "--db", db, "--once")
                    s = json.loads(sl("monitor", "status", "--db", db, "--format", "json").stdout)
                    self.assertEqual(len(s["undelivered"]), 1, s)
                    pending = s["undelivered"][0]
                    self.assertIn(error, pending["last_error"])
                    if tls:  # the same receiver, now plain: the scheme alone was the fault
                        hook.stop()
                        hook = Receiver(hook.port).start()
                        with open(cfg) as f:
                            text = f.read()
                        with open(cfg, "w") as f:
                            f.write(text.replace("https://", "http://"))
                    hook.mode = "ok"
                    until(lambda: (sl("monitor", "run", "--config", cfg, "--db", db, "--once"),
                                   hook.events("new_exposure"))[1], timeout=30, step=0.5)
                got = hook.events("new_exposure")
                self.assertEqual(len({i for i, _ in got}), 1, hook.kinds())
                return pending
            finally:
                hook.stop()

    def test_500_is_retried(self):
        self.run_fault(18, "fail", "HTTP 500")

    def test_a_sink_that_hangs_past_the_timeout_is_retried(self):
        self.run_fault(19, "hang", "Timeout", hang=3)

    def test_429_waits_for_retry_after(self):
        pending = self.run_fault(20, "429", "HTTP 429")
        created = pending["created_at"]
        self.assertGreaterEqual(pending["next_attempt_at"], created)

    def test_a_connection_closed_mid_response_is_retried(self):
        self.run_fault(21, "close", "webhook hook:")

    def test_a_certificate_nobody_trusts_is_refused_and_retried(self):
        self.run_fault(22, "ok", "SSL", tls=True)


def children(pid):
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


class TestLifecycle(unittest.TestCase):
    """What becomes one message: a baseline, a host that goes, flapping under resolve_after, and
    a monitor that falls behind or whose scan dies."""

    @contextlib.contextmanager
    def scope(self, third, ports, route, extra_scope=""):
        """A scope 127.0.<third>.0/28, its database and configuration, and a receiver."""
        fx.require_root(self)
        net = free_net(third)
        with tempfile.TemporaryDirectory() as d:
            hook = Receiver().start()
            try:
                yield self.setup(d, net, ports, route, extra_scope, hook)
            finally:
                hook.stop()

    def setup(self, d, net, ports, route, extra_scope, hook):
        db, cfg = os.path.join(d, "m.db"), os.path.join(d, "monitor.yaml")
        with open(cfg, "w") as f:
            f.write(f"""scopes:
  - {{name: lab, targets: [{net}], ports: {ports}, every: 1m, owner: secops@example.org{extra_scope}}}
routes:
  - match: {route}
    sinks: [hook]
sinks:
  hook: {{type: webhook, url: "http://127.0.0.1:{hook.port}/"}}
""")
        return db, cfg, hook

    def once(self, cfg, db):
        sl("monitor", "run", "--config", cfg, "--db", db, "--once")

    def test_a_first_cycle_is_one_digest(self):
        with self.scope(24, "[6379]", "{severity: '>=medium'}") as (db, cfg, hook), \
                servers.Redis("127.0.24.5", 6379):
            self.once(cfg, db)
            self.assertEqual(hook.kinds(), ["org.searchlight.monitor.digest"])
            data = hook.requests[0]["body"]["data"]
            self.assertEqual(data["count"], 1)
            self.assertEqual(data["events"][0]["event"], "new_exposure")
            self.assertIn("baseline of scope lab", data["title"])
            self.once(cfg, db)  # the same exposure again: nothing
            self.assertEqual(len(hook.requests), 1)

    def test_a_host_whose_every_service_went_is_one_host_gone(self):
        with self.scope(25, "[6379, 6380]", "{event: [host_gone, service_gone]}") as (db, cfg, hook):
            self.once(cfg, db)
            with servers.Redis("127.0.25.5", 6379), servers.Redis("127.0.25.5", 6380):
                self.once(cfg, db)
            self.once(cfg, db)
            self.assertEqual(hook.kinds(), ["org.searchlight.monitor.host_gone"])
            data = hook.requests[0]["body"]["data"]
            self.assertEqual(data["ip"], "127.0.25.5")
            self.assertEqual(sorted(s["port"] for s in data["detail"]["services"]), [6379, 6380])
            held = json.loads(sl("events", "event:service_gone", "--db", db, "--format",
                                 "json").stdout)
            self.assertEqual(len(held), 2)
            self.assertTrue(all(e["held"].startswith("part of host_gone") for e in held))

    def test_resolve_after_waits_for_consecutive_misses_and_a_flap_is_silent(self):
        with self.scope(26, "[6379]", "{severity: '>=medium'}", ", resolve_after: 2") as (db, cfg, hook):
            self.once(cfg, db)
            with servers.Redis("127.0.26.5", 6379):
                self.once(cfg, db)  # new_exposure
            self.once(cfg, db)      # one miss: not yet resolved
            with servers.Redis("127.0.26.5", 6379):
                self.once(cfg, db)  # back: a flap, said to nobody
            self.once(cfg, db)      # a miss
            self.assertEqual(hook.kinds(), ["org.searchlight.monitor.new_exposure"])
            self.once(cfg, db)      # the second consecutive miss: resolved
            self.assertEqual(hook.kinds(), ["org.searchlight.monitor.new_exposure",
                                            "org.searchlight.monitor.exposure_resolved"])
            flap = json.loads(sl("events", "event:exposure_reopened", "--db", db, "--format",
                                 "json").stdout)
            self.assertEqual(len(flap), 1)
            self.assertIn("flap", flap[0]["held"])

    def test_reminders_repeat_while_an_exposure_stays_open(self):
        with self.scope(28, "[6379]", "{severity: '>=medium'}\n    repeat: 2s") as (db, cfg, hook):
            self.once(cfg, db)
            with servers.Redis("127.0.28.5", 6379):
                self.once(cfg, db)
                time.sleep(2.2)
                self.once(cfg, db)
                self.once(cfg, db)  # within 2 s of the reminder: nothing
                self.assertEqual(hook.kinds(), ["org.searchlight.monitor.new_exposure",
                                                "org.searchlight.monitor.exposure_reminder"])
                reminder = hook.events("exposure_reminder")[0][1]
                self.assertEqual(reminder["detail"]["reminder_of"], "new_exposure")
            self.once(cfg, db)
            time.sleep(2.2)
            self.once(cfg, db)  # resolved: no more reminders
            self.assertEqual(hook.kinds()[2:], ["org.searchlight.monitor.exposure_resolved"])

    def test_a_certificate_near_its_end_is_said_once_per_threshold(self):
        with self.scope(29, "[8443]", "{event: [cert_expiring]}") as (db, cfg, hook):
            self.once(cfg, db)
            with servers.Nginx("127.0.29.5", 8443, site="tls"):  # valid for 30 days
                self.once(cfg, db)
                self.once(cfg, db)
            got = hook.events("cert_expiring")
            self.assertEqual(len(got), 1, hook.kinds())
            self.assertEqual(got[0][1]["detail"]["threshold_days"], 30)
            self.assertIn(got[0][1]["detail"]["days_left"], (29, 30))

    def test_an_overdue_scope_and_a_killed_scan_are_said(self):
        fx.require_root(self)
        net = "127.0.27.0/24"
        free_net(27)
        with tempfile.TemporaryDirectory() as d:
            hook = Receiver().start()
            db, cfg, hook = self.setup(d, net, "[6379]", "{severity: '>=high'}", ", rate: 20", hook)
            with open(cfg) as f:
                text = f.read()
            with open(cfg, "w") as f:
                f.write(text.replace("every: 1m", "every: 1s"))
            daemon = Daemon(cfg, db, os.path.join(d, "monitor.log")).start()
            try:
                overdue = hook.wait_for("scan_overdue", timeout=15)
                self.assertIn("scope lab is overdue", overdue[0][1]["title"])
                p = sl("monitor", "status", "--config", cfg, "--db", db, check=False)
                self.assertEqual(p.returncode, 4, p.stdout)
                self.assertIn("OVERDUE", p.stdout)
                scans = until(lambda: children(daemon.proc.pid), timeout=10, step=0.05)
                self.assertTrue(scans, "no scan running")
                for pid in scans:
                    os.kill(pid, signal.SIGKILL)
                failed = hook.wait_for("scan_failed", timeout=15)
                self.assertIn("the scan exited", failed[0][1]["title"])
                self.assertEqual(len(hook.events("scan_overdue")), 1)
                def next_scan_running():
                    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
                        return c.execute("SELECT count(*) FROM monitor_cycles m JOIN scans s ON "
                                         "s.id = m.scan_id WHERE m.status = 'running' AND "
                                         "s.status = 'running'").fetchone()[0]
                self.assertTrue(until(next_scan_running, timeout=15, step=0.1))
                self.assertEqual(daemon.stop(), 0)  # SIGTERM mid-scan: stored as incomplete
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
                    stopped = c.execute("SELECT s.status, s.completed, m.status, m.error FROM "
                                        "monitor_cycles m JOIN scans s ON s.id = m.scan_id "
                                        "ORDER BY m.started_at DESC LIMIT 1").fetchall()
                self.assertEqual(stopped, [("interrupted", 0, "interrupted", "stopped by a signal")])
            finally:
                daemon.stop(signal.SIGKILL)
                hook.stop()


class TestPackaging(unittest.TestCase):
    def verify(self, text):
        with tempfile.TemporaryDirectory() as d:
            unit = os.path.join(d, "searchlight-monitor.service")
            with open(unit, "w") as f:
                f.write(text.replace("/usr/bin/searchlight", fx.searchlight()))
            return subprocess.run(["systemd-analyze", "verify", unit], capture_output=True,
                                  text=True, timeout=60)

    def test_the_systemd_unit_verifies_and_is_confined(self):
        with open(os.path.join(ROOT, "packaging", "searchlight-monitor.service")) as f:
            text = f.read()
        p = self.verify(text)
        self.assertEqual((p.returncode, p.stderr.strip()), (0, ""), p.stderr)
        for line in ("StateDirectory=searchlight", "ProtectSystem=strict", "NoNewPrivileges=yes",
                     "CapabilityBoundingSet=\n", "AmbientCapabilities=\n", "DynamicUser=yes"):
            self.assertIn(line, text)
        # the check can fail: a misspelt directive is reported
        p = self.verify(text.replace("ProtectSystem=strict", "ProtectSytem=strict"))
        self.assertIn("ProtectSytem", p.stderr)


if __name__ == "__main__":
    unittest.main()
