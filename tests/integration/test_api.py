"""`searchlight serve` over real HTTP (issue 13, the API's first part): a store made by a real
scan of a real redis, the server on a free loopback port; the token (made once, mode 0600,
rotated), 401 without it and nothing leaked, the Host check, security headers on every answer,
each endpoint's shape, pagination, errors with the query's column, the refusal to listen off
loopback without TLS, a slowloris from another address and a burst of 1,000 malformed requests
while a normal client stays served. Addresses: 127.0.40.x."""
import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import jsonschema

ROOT = __file__.rsplit("/tests/", 1)[0]
sys.path.insert(0, ROOT + "/tests/support")
import fixtures as fx  # noqa: E402
import servers  # noqa: E402

OPENAPI = os.path.join(ROOT, "docs", "openapi.json")
with open(OPENAPI) as f:
    SPEC = json.load(f)
CHECKED = set()  # (path template, method) pairs checked against the spec in this run


def pointer(*parts):
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def conforms(test, template, method, status, body):
    """The body is what docs/openapi.json says this endpoint answers with this status."""
    responses = SPEC["paths"][template][method.lower()]["responses"]
    test.assertIn(str(status), responses, (template, method, status))
    schema = dict(SPEC)
    schema["$ref"] = "#/" + pointer("paths", template, method.lower(), "responses", str(status),
                                   "content", "application/json", "schema")
    jsonschema.Draft202012Validator(schema).validate(body)
    CHECKED.add((template, method.lower()))

REDIS_IP = "127.0.40.5"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                    "Referrer-Policy", "Cache-Control")


sl = fx.sl


class Server:
    def __init__(self, db, port, extra=()):
        self.db, self.port = db, port
        self.proc = subprocess.Popen([fx.searchlight(), "serve", "--db", db, "--listen",
                                      f"127.0.0.1:{port}", *extra], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        servers.wait_port("127.0.0.1", port)

    def stop(self):
        self.proc.terminate()
        out, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, out, err


def get(port, path, token=None, host=None, method="GET", data=None, headers=None):
    if isinstance(data, dict):
        data = json.dumps(data).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=data)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if host:
        req.add_header("Host", host)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())


def service_line(scan_id, t, ip, port, access):
    return json.dumps({"type": "service", "scan_id": scan_id, "time": t, "ip": ip, "port": port,
                       "transport": "tcp", "state": "open", "tls": False, "protocol": "redis",
                       "product": "Redis", "version": "7.0.15", "status": "ok",
                       "access": access, "probe": "redis"}) + "\n"


def import_scan(db, path, scan_id, t, services):
    """One interrupted scan of synthetic records (never traffic): it resolves nothing."""
    with open(path, "w") as f:
        for ip, port, access in services:
            f.write(service_line(scan_id, t, ip, port, access))
        f.write(json.dumps({"type": "summary", "scan_id": scan_id, "time": t,
                            "interrupted": True}) + "\n")
    sl("import", path, "--db", db)


class TestCursorWhileAScanWrites(unittest.TestCase):
    """Keyset pages: a scan that adds and changes services between two pages neither repeats a
    row nor pushes an unchanged one off the pages still to come (an offset would do both)."""

    def test_no_row_repeats_and_no_unchanged_row_is_lost(self):
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, "pages.db")
            first = [(f"10.99.{i // 50}.{i % 50 + 1}", 6379 + i % 2, "auth_required")
                     for i in range(120)]
            import_scan(db, os.path.join(d, "a.ndjson"), "01900000-0000-7000-8000-00000000000a",
                        "2026-11-01T02:00:00.000Z", first)
            server = Server(db, fx.free_port())
            try:
                with open(db + ".token") as f:
                    token = f.read().strip()
                seen, cursor, pages = [], "", 0
                while True:
                    path = "/api/search?limit=25&q=net:10.99.0.0/16" + (
                        f"&cursor={cursor}" if cursor else "")
                    code, _, page = get(server.port, path, token)
                    self.assertEqual(code, 200, page)
                    conforms(self, "/api/search", "GET", code, page)
                    seen += [(r["ip"], r["port"]) for r in page["rows"]]
                    pages += 1
                    if pages == 2:  # a scan writes: 30 new services, 10 change state
                        changed = [(ip, port, "open") for ip, port, _ in first[:10]]
                        new = [(f"10.99.9.{i + 1}", 6379, "open") for i in range(30)]
                        import_scan(db, os.path.join(d, "b.ndjson"),
                                    "01900000-0000-7000-8000-00000000000b",
                                    "2026-11-02T02:00:00.000Z", changed + new)
                    cursor = page["next_cursor"]
                    if not cursor:
                        break
                    self.assertLess(pages, 20)
                self.assertEqual(len(seen), len(set(seen)), "a row repeated")
                unchanged = {(ip, port) for ip, port, _ in first[10:]}
                self.assertEqual(unchanged - set(seen), set(), "an unchanged row was lost")
            finally:
                server.stop()


class TestServe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.db = os.path.join(cls.dir.name, "api.db")
        with servers.Redis(REDIS_IP, 6379):
            sl("scan", REDIS_IP, "-p", "6379,6380", "--db", cls.db, "-q", "-o", "/dev/null")
        cls.port = fx.free_port()
        cls.server = Server(cls.db, cls.port)
        with open(cls.db + ".token") as f:
            cls.token = f.read().strip()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.dir.cleanup()

    def test_the_token_is_private_and_required(self):
        mode = stat.S_IMODE(os.stat(self.db + ".token").st_mode)
        self.assertEqual(mode, 0o600)
        self.assertRegex(self.token, r"^[0-9a-f]{64}$")
        for token in (None, "0" * 64, self.token[:-1]):
            code, headers, body = get(self.port, "/api/search?q=port:6379", token)
            self.assertEqual(code, 401)
            self.assertIn("Bearer", headers["WWW-Authenticate"])
            self.assertNotIn(REDIS_IP, json.dumps(body))
            self.assertEqual(set(body), {"error"})

    def test_the_host_header_must_name_this_server(self):
        for host in ("evil.example", f"evil.example:{self.port}", f"127.0.0.2:{self.port}"):
            code, _, body = get(self.port, "/api/scans", self.token, host=host)
            self.assertEqual(code, 421, host)
            self.assertNotIn("scans", body)
        for host in (f"localhost:{self.port}", f"127.0.0.1:{self.port}"):
            self.assertEqual(get(self.port, "/api/scans", self.token, host=host)[0], 200, host)

    def test_every_answer_carries_the_security_headers(self):
        for path, token in (("/api/search", self.token), ("/api/search", None), ("/nowhere", None),
                            ("/healthz", None)):
            _, headers, _ = get(self.port, path, token)
            for h in SECURITY_HEADERS:
                self.assertIn(h, headers, (path, h))
            self.assertIn("frame-ancestors 'none'", headers["Content-Security-Policy"])
            self.assertNotIn("unsafe-inline", headers["Content-Security-Policy"])
            self.assertEqual(headers["X-Content-Type-Options"], "nosniff")

    def test_endpoints_answer_in_their_shapes(self):
        code, _, s = get(self.port, "/api/search?q=port:6379&facets=product,access", self.token)
        self.assertEqual(code, 200)
        conforms(self, "/api/search", "GET", code, s)
        for row in s["rows"]:
            jsonschema.Draft202012Validator({**SPEC, "$ref": "#/components/schemas/Service"}).validate(row)
        self.assertEqual(set(s), {"total", "total_relation", "rows", "facets", "next_cursor"})
        self.assertEqual(s["total_relation"], "eq")
        self.assertEqual(s["total"], 1)
        row = s["rows"][0]
        self.assertEqual((row["ip"], row["port"], row["protocol"], row["access"]),
                         (REDIS_IP, 6379, "redis", "open"))
        self.assertEqual([f["key"] for f in s["facets"]], ["product", "access"])
        code, _, f = get(self.port, "/api/findings?q=rule:redis-no-auth", self.token)
        self.assertEqual((code, f["total"]), (200, 1))
        conforms(self, "/api/findings", "GET", code, f)
        jsonschema.Draft202012Validator({**SPEC, "$ref": "#/components/schemas/Finding"}).validate(
            f["rows"][0])
        self.assertEqual(f["rows"][0]["rule"], "redis-no-auth")
        fid = f["rows"][0]["id"]
        code, _, one = get(self.port, f"/api/findings/{fid}", self.token)
        conforms(self, "/api/findings/{id}", "GET", code, one)
        self.assertEqual((one["ip"], one["port"], one["rule"]), (REDIS_IP, 6379, "redis-no-auth"))
        self.assertEqual([c["to"] for c in one["changes"]], ["open"])  # first seen by the scan
        code, _, by_fp = get(self.port, f"/api/findings/{one['fingerprint']}", self.token)
        self.assertEqual((code, by_fp["id"]), (200, fid))
        code, _, e = get(self.port, "/api/findings/999999", self.token)
        self.assertEqual(code, 404)
        conforms(self, "/api/findings/{id}", "GET", code, e)
        code, _, d = get(self.port, "/api/diff?since=1h", self.token)
        conforms(self, "/api/diff", "GET", code, d)
        self.assertEqual(d["counts"], {"new_services": 1, "gone_services": 0, "changed_services": 0,
                                       "new_findings": 1, "resolved_findings": 0})
        self.assertEqual((d["new_services"][0]["ip"], d["new_findings"][0]["rule"]),
                         (REDIS_IP, "redis-no-auth"))
        code, _, d = get(self.port, "/api/diff?since=1h&limit=0", self.token)
        self.assertEqual((d["counts"]["new_services"], d["new_services"]), (1, []))
        for bad in ("since=yesterday", "since=0h", "limit=5000"):
            code, _, e = get(self.port, "/api/diff?" + bad, self.token)
            self.assertEqual(code, 400, bad)
            conforms(self, "/api/diff", "GET", code, e)
        code, _, o = get(self.port, "/api/findings?sort=oldest", self.token)
        self.assertEqual((code, o["total"]), (200, 1))
        self.assertEqual(get(self.port, "/api/search?sort=colour", self.token)[0], 400)
        code, _, h = get(self.port, f"/api/hosts/{REDIS_IP}", self.token)
        self.assertEqual(code, 200)
        conforms(self, "/api/hosts/{ip}", "GET", code, h)
        code, _, e = get(self.port, "/api/hosts/10.9.9.9", self.token)
        conforms(self, "/api/hosts/{ip}", "GET", code, e)
        self.assertEqual(h["services"][0]["port"], 6379)
        self.assertEqual(get(self.port, "/api/hosts/10.9.9.9", self.token)[0], 404)
        self.assertEqual(get(self.port, "/api/hosts/not-an-ip", self.token)[0], 400)
        code, _, sc = get(self.port, "/api/scans", self.token)
        self.assertEqual((code, len(sc["scans"])), (200, 1))
        conforms(self, "/api/scans", "GET", code, sc)
        code, _, ev = get(self.port, "/api/events", self.token)
        self.assertEqual(ev, {"events": []})
        conforms(self, "/api/events", "GET", code, ev)
        code, _, m = get(self.port, "/api/monitor", self.token)
        self.assertEqual((code, set(m)), (200, {"scopes", "undelivered", "dead", "healthy"}))
        conforms(self, "/api/monitor", "GET", code, m)
        code, _, st = get(self.port, "/api/stats?days=7", self.token)
        self.assertEqual((code, len(st["open_over_time"])), (200, 7))
        self.assertEqual(st["open_by_severity"]["medium"], 1)  # redis-no-auth
        self.assertEqual(st["open_over_time"][-1]["medium"], 1)
        self.assertEqual(st["exposure_window_s"]["open"]["count"], 1)
        conforms(self, "/api/stats", "GET", code, st)
        self.assertEqual(get(self.port, "/api/stats?days=0", self.token)[0], 400)
        code, _, hz = get(self.port, "/healthz")
        self.assertEqual(hz, {"status": "ok"})
        conforms(self, "/healthz", "GET", code, hz)
        code, _, e = get(self.port, "/api/search?q=port:70000", self.token)
        conforms(self, "/api/search", "GET", code, e)
        code, _, e = get(self.port, "/api/search")
        conforms(self, "/api/search", "GET", code, e)
        self.assertEqual(get(self.port, "/api/nothing", self.token)[0], 404)

    def test_pages_follow_their_cursor(self):
        _, _, first = get(self.port, "/api/search?limit=1", self.token)
        self.assertEqual(first["total"], 1)
        self.assertIsNone(first["next_cursor"])
        _, _, none = get(self.port, "/api/search?limit=0", self.token)
        self.assertEqual((none["rows"], none["next_cursor"]), ([], None))
        for bad in ("0", "zz", "5b5d", "5b7b7d5d", "7b7d", "x" * 5000, "5b312c325d"):
            code, _, e = get(self.port, f"/api/search?cursor={bad}", self.token)
            self.assertEqual(code, 400, bad)
            self.assertIn("cursor", e["error"]["message"])

    def test_errors_are_json_with_the_column(self):
        code, _, e = get(self.port, "/api/search?q=port:70000", self.token)
        self.assertEqual(code, 400)
        self.assertIn("column", e["error"])
        self.assertEqual(get(self.port, "/api/search?limit=abc", self.token)[0], 400)
        self.assertEqual(get(self.port, "/api/search?facets=colour", self.token)[0], 400)
        self.assertEqual(get(self.port, "/api/events?q=colour:red", self.token)[0], 400)
        code, _, e = get(self.port, "/api/search", self.token, method="POST", data=b"x" * 20000)
        self.assertEqual(code, 413)
        self.assertEqual(get(self.port, "/api/search", self.token, method="DELETE")[0], 405)

    def test_a_slowloris_and_a_burst_of_garbage_do_not_starve_a_normal_client(self):
        slow = []
        try:
            for _ in range(40):  # from another address: the per-address limit holds it at 16
                s = socket.socket()
                s.bind(("127.0.0.2", 0))
                s.settimeout(2)
                try:
                    s.connect(("127.0.0.1", self.port))
                    s.send(b"GET /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    slow.append(s)
                except OSError:
                    s.close()
            worst = 0.0
            for i in range(1000):  # from a third address: each attacker holds its own share
                with socket.create_connection(("127.0.0.1", self.port), timeout=5,
                                              source_address=("127.0.0.3", 0)) as g:
                    try:
                        g.sendall(bytes([(i * 7 + j) % 256 for j in range(64)]) + b"\r\n\r\n")
                    except OSError:
                        pass  # refused at its address's limit: that is the defence
                if i % 100 == 0:
                    for s in slow:
                        try:
                            s.send(b"X")
                        except OSError:
                            pass
                    t = time.time()
                    code, _, _ = get(self.port, "/healthz")
                    worst = max(worst, time.time() - t)
                    self.assertEqual(code, 200)
            self.assertLess(worst, 2.0, "a normal request waited behind the attackers")
        finally:
            for s in slow:
                s.close()


class TestWorkflow(unittest.TestCase):
    """Acknowledge, accept and reopen over the API, with who and when; sessions and CSRF."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.dir.name, "wf.db")
        with servers.Redis("127.0.40.6", 6379):
            sl("scan", "127.0.40.6", "-p", "6379", "--db", self.db, "-q", "-o", "/dev/null")
        self.port = fx.free_port()
        self.server = Server(self.db, self.port)
        with open(self.db + ".token") as f:
            self.token = f.read().strip()
        _, _, f = get(self.port, "/api/findings?q=rule:redis-no-auth", self.token)
        self.finding = str(f["rows"][0]["id"])
        self.origin = {"Origin": f"http://127.0.0.1:{self.port}"}

    def tearDown(self):
        self.server.stop()
        self.dir.cleanup()

    def post(self, body, token=None, headers=None, ref=None):
        return get(self.port, f"/api/findings/{ref or self.finding}", token, method="POST",
                   data=body, headers=headers)

    def test_a_change_is_read_back_after_a_page_that_stopped_at_its_limit(self):
        # A page that stops at its limit (here 0, the UI's facet call) leaves its statement
        # mid-row; a pooled connection that kept it would answer every later read from before.
        for _ in range(3):
            self.assertEqual(get(self.port, "/api/search?limit=0&q=", self.token)[0], 200)
            self.assertEqual(get(self.port, "/api/findings?limit=0&q=", self.token)[0], 200)
        self.assertEqual(self.post({"action": "acknowledge"}, self.token)[0], 200)
        for path in ("/api/findings/" + self.finding, "/api/hosts/127.0.40.6"):
            for _ in range(3):
                _, _, r = get(self.port, path, self.token)
                status = r["status"] if "status" in r else r["services"][0]["findings"][0]["status"]
                self.assertEqual(status, "acknowledged", path)

    def test_acknowledge_accept_reopen_with_who_and_why(self):
        code, _, r = self.post({"action": "acknowledge", "by": "alice", "reason": "SEC-981"},
                               self.token)
        self.assertEqual((code, r["status"], r["by"]), (200, "acknowledged", "alice"))
        conforms(self, "/api/findings/{id}", "POST", code, r)
        code, _, e = self.post({"action": "acknowledge"}, self.token)
        conforms(self, "/api/findings/{id}", "POST", code, e)
        self.assertEqual(self.post({"action": "acknowledge"}, self.token)[0], 409)
        self.assertEqual(self.post({"action": "accept"}, self.token)[0], 400)  # no reason
        code, _, r = self.post({"action": "accept", "reason": "lab box", "until": "2099-01-31"},
                               self.token)
        self.assertEqual((code, r["status"]), (200, "accepted"))
        self.assertEqual(self.post({"action": "reopen"}, self.token)[2]["status"], "open")
        code, _, bulk = get(self.port, "/api/findings", self.token, method="POST",
                            data={"ids": [self.finding, "99999"], "action": "acknowledge",
                                  "by": "bob"})
        self.assertEqual(code, 200)
        conforms(self, "/api/findings", "POST", code, bulk)
        self.assertEqual([(x["finding"], x["code"]) for x in bulk["results"]],
                         [(self.finding, 200), ("99999", 404)])
        self.assertEqual(get(self.port, "/api/findings", self.token, method="POST",
                             data={"ids": [], "action": "reopen"})[0], 400)
        self.assertEqual(self.post({"action": "reopen"}, self.token)[2]["status"], "open")
        self.assertEqual(self.post({"action": "acknowledge"}, self.token, ref="99999")[0], 404)
        self.assertEqual(self.post({"action": "explode"}, self.token)[0], 400)
        self.assertEqual(get(self.port, f"/api/findings/{self.finding}", self.token,
                             method="POST", data=b"not json")[0], 400)
        host = json.loads(sl("host", "127.0.40.6", "--db", self.db, "--format", "json").stdout)
        changes = [(c["actor"], c["to"]) for c in host["services"][0]["findings"][0]["changes"]]
        self.assertIn(("alice", "acknowledged"), changes)

    def test_a_state_change_from_another_site_is_refused(self):
        code, _, _ = self.post({"action": "acknowledge"}, self.token,
                               {"Origin": "http://evil.example"})
        self.assertEqual(code, 403)
        code, _, _ = self.post({"action": "acknowledge"}, self.token, self.origin)
        self.assertEqual(code, 200)

    def test_a_session_cookie_opened_by_the_token(self):
        self.assertEqual(get(self.port, "/api/session", method="POST", data={"token": "0" * 64},
                             headers=self.origin)[0], 401)
        self.assertEqual(get(self.port, "/api/session", method="POST",
                             data={"token": self.token},
                             headers={"Origin": "http://evil.example"})[0], 403)
        code, headers, opened = get(self.port, "/api/session", method="POST",
                                    data={"token": self.token}, headers=self.origin)
        self.assertEqual(code, 200)
        conforms(self, "/api/session", "POST", code, opened)
        set_cookie = headers["Set-Cookie"]
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attribute, set_cookie)
        self.assertNotIn("Secure", set_cookie)  # plain HTTP on loopback; Secure under TLS
        jar = {"Cookie": set_cookie.split(";")[0]}
        self.assertEqual(get(self.port, "/api/scans", headers=jar)[0], 200)
        # with a cookie, a state change needs our Origin (a form on another site sends none)
        self.assertEqual(self.post({"action": "acknowledge"}, headers=jar)[0], 403)
        self.assertEqual(self.post({"action": "acknowledge"}, headers={**jar, **self.origin})[0],
                         200)
        code, _, closed = get(self.port, "/api/session", method="DELETE",
                              headers={**jar, **self.origin})
        self.assertEqual(code, 200)
        conforms(self, "/api/session", "DELETE", code, closed)
        self.assertEqual(get(self.port, "/api/scans", headers=jar)[0], 401)


class TestServeRefusals(unittest.TestCase):
    def test_no_clear_text_off_loopback_and_a_rotated_token(self):
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, "x.db")
            p = sl("serve", "--db", db, "--listen", "127.0.0.1:1", check=False)
            self.assertEqual(p.returncode, 2, p.stderr)  # no database yet: refused, nothing made
            self.assertFalse(os.path.exists(db + ".token"))
            sl("scan", "127.0.40.9", "-p", "1", "--db", db, "-q", "-o", "/dev/null")
            for listen in ("0.0.0.0:18999", "[::]:18999", "10.1.2.3:18999"):
                p = sl("serve", "--db", db, "--listen", listen, check=False)
                self.assertEqual(p.returncode, 2, listen)
                self.assertIn("without TLS", p.stderr)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1)
            port = fx.free_port()
            server = Server(db, port)
            first = server.proc.stdout.readline().strip()
            rc, _, _ = server.stop()
            self.assertEqual(rc, 0)
            with open(db + ".token") as f:
                token = f.read().strip()
            self.assertEqual(first, f"token: {token}")  # printed on creation
            server = Server(db, port)  # not printed again
            self.assertEqual(get(port, "/api/scans", token)[0], 200)
            _, out, _ = server.stop()
            self.assertEqual(out, "")
            rotated = sl("serve", "--db", db, "--rotate-token").stdout.strip()
            self.assertNotEqual(rotated, token)
            server = Server(db, port)
            self.assertEqual(get(port, "/api/scans", token)[0], 401)
            self.assertEqual(get(port, "/api/scans", rotated)[0], 200)
            server.stop()

    def test_the_monitor_config_shows_every_scope_and_its_schedule(self):
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, "x.db")
            sl("scan", "127.0.40.9", "-p", "1", "--db", db, "-q", "-o", "/dev/null")
            cfg = os.path.join(d, "monitor.yaml")
            with open(cfg, "w") as f:
                f.write("scopes:\n  - name: lab\n    targets: [127.0.40.0/28]\n    ports: [6379]\n"
                        "    every: 1h\n")
            port = fx.free_port()
            server = Server(db, port, ["--monitor-config", cfg])
            with open(db + ".token") as f:
                token = f.read().strip()
            code, _, m = get(port, "/api/monitor", token)
            server.stop()
            conforms(self, "/api/monitor", "GET", code, m)
            self.assertEqual([s["name"] for s in m["scopes"]], ["lab"])  # no cycle yet, still shown
            self.assertIsNotNone(m["scopes"][0]["schedule"])
            self.assertIsNone(m["scopes"][0]["last_cycle"])
            with open(cfg, "w") as f:
                f.write("scopes: [\n")
            p = sl("serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--monitor-config", cfg,
                   check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn(cfg, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1)


class TestCountsStopAt10000(unittest.TestCase):
    """A page counts its matches up to 10,000 and then says "at least" (Elasticsearch's
    track_total_hits); total=exact counts them all."""

    def test_a_broad_question_counts_to_10000_unless_asked_for_all(self):
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, "x.db")
            many = [(f"10.77.{i // 250}.{i % 250}", 6379, "open") for i in range(10_050)]
            import_scan(db, os.path.join(d, "a.ndjson"), "01900000-0000-7000-8000-0000000000c1",
                        "2026-11-01T00:00:00.000Z", many)
            port = fx.free_port()
            server = Server(db, port)
            with open(db + ".token") as f:
                token = f.read().strip()
            try:
                code, _, r = get(port, "/api/search?limit=1&q=port:6379", token)
                conforms(self, "/api/search", "GET", code, r)
                self.assertEqual((r["total"], r["total_relation"]), (10_000, "gte"))
                _, _, r = get(port, "/api/search?limit=1&q=port:6379&total=exact", token)
                self.assertEqual((r["total"], r["total_relation"]), (10_050, "eq"))
                _, _, r = get(port, "/api/search?limit=1&q=net:10.77.0.0/24", token)
                self.assertEqual((r["total"], r["total_relation"]), (250, "eq"))
            finally:
                server.stop()
            self.assertIn("10050", sl("search", "port:6379", "--db", db, "--format", "json",
                                      "--limit", "0").stdout)  # the CLI counts them all


class TestStatsSeries(unittest.TestCase):
    """/api/stats counts open findings per day from two grouped index scans; each day must be
    what a count of the whole table at that day's end gives (first seen by then, not resolved by
    then, not accepted), over a history spread across 40 days with resolutions and acceptances."""

    def test_every_day_is_the_count_at_its_end(self):
        import datetime
        import random
        import sqlite3
        import time as clock
        rng = random.Random(13)
        day = 86_400_000
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, "x.db")
            sl("import", os.path.join(ROOT, "tests/query/fixture.ndjson"), "--db", db)
            now = int(clock.time() * 1000)
            with sqlite3.connect(db) as c:
                ids = [r[0] for r in c.execute("SELECT id FROM findings")]
                self.assertGreater(len(ids), 8)
                for n, i in enumerate(ids):  # a made-up history of the fixture's findings
                    first = now - rng.randrange(40 * day)
                    resolved = first + rng.randrange(20 * day) if n % 2 else None
                    if resolved is not None and resolved > now:
                        resolved = None
                    status = ("accepted" if n % 4 == 0 else
                              "resolved" if resolved is not None else "open")
                    c.execute("UPDATE findings SET first_seen = ?, resolved_at = ?, status = ? "
                              "WHERE id = ?", (first, resolved, status, i))
            port = fx.free_port()
            server = Server(db, port)
            with open(db + ".token") as f:
                token = f.read().strip()
            code, _, st = get(port, "/api/stats?days=30", token)
            server.stop()
            self.assertEqual(code, 200)
            conforms(self, "/api/stats", "GET", code, st)
            generated = round(datetime.datetime.fromisoformat(
                st["generated_at"].replace("Z", "+00:00")).timestamp() * 1000)
            today_end = (generated // day + 1) * day - 1
            with sqlite3.connect(db) as c:
                for back, entry in enumerate(reversed(st["open_over_time"])):
                    end = min(generated, today_end - back * day)
                    want = dict.fromkeys(("info", "low", "medium", "high", "critical"), 0)
                    for sev, n in c.execute(
                            "SELECT severity, count(*) FROM findings WHERE first_seen <= ?1 AND "
                            "(resolved_at IS NULL OR resolved_at > ?1) AND status != 'accepted' "
                            "GROUP BY severity", (end,)):
                        want[sev] = n
                    self.assertEqual({k: entry[k] for k in want}, want, entry["day"])
                oldest = [r[0] for r in c.execute(
                    "SELECT id FROM findings WHERE status IN ('open', 'acknowledged') "
                    "ORDER BY first_seen, id LIMIT 10")]
            self.assertEqual([f["id"] for f in st["longest_open"]], oldest)
            self.assertGreater(sum(sum(e[k] for k in want) for e in st["open_over_time"]), 0)


class TestZOpenApi(unittest.TestCase):
    """Runs last (unittest sorts classes by name): every operation in docs/openapi.json was
    checked against a real answer above, so the file cannot drift from the server."""

    def test_every_documented_operation_was_checked(self):
        documented = {(p, m) for p, ops in SPEC["paths"].items() for m in ops}
        self.assertEqual(documented - CHECKED, set())
        self.assertEqual(SPEC["openapi"], "3.1.0")
        jsonschema.Draft202012Validator.check_schema(SPEC["components"]["schemas"]["Page"])


if __name__ == "__main__":
    unittest.main()
