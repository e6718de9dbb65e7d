"""The store end to end (issue 11): real redis and nginx change under a rescan and the finding
is resolved with its window; another port list, another shard or an interrupted scan resolves
nothing; kill -9 at random points leaves a consistent database; disk full and a foreign file
are refused cleanly; readers do not block a writing scan; exports validate against nmap's DTD
and the official SARIF 2.1.0 schema. Addresses: 127.0.7.x."""
import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = __file__.rsplit("/tests/", 1)[0]
sys.path.insert(0, ROOT + "/tests/support")
import fixtures as fx  # noqa: E402
import servers  # noqa: E402

SARIF_SCHEMA = os.path.join(ROOT, "tests/node/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json")
SARIF_TOOL = os.path.join(ROOT, "tests/node/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool")


sl = fx.sl


def scan(db, target, ports, *extra, check=True):
    return sl("scan", target, "-p", ports, "--db", db, "--format", "ndjson", "-q", *extra,
              check=check)


def query(db, sql, *params):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        return c.execute(sql, params).fetchall()


def finding(db, ip, port, rule):
    rows = query(db, "SELECT status, first_seen, last_seen, resolved_at, reopen_count FROM findings "
                     "WHERE ip = ? AND port = ? AND rule = ?", ip, port, rule)
    return rows[0] if rows else None


def service_state(db, ip, port):
    rows = query(db, "SELECT state FROM services WHERE ip = ? AND port = ?", ip, port)
    return rows[0][0] if rows else None


@contextlib.contextmanager
def tmpfs(parent, name, size):
    """A small tmpfs of our own (root), unmounted afterwards: a disk that fills or goes read-only."""
    mnt = os.path.join(parent, name)
    os.makedirs(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", mnt], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", mnt], check=False)


def committed_by_newest_scan(db):
    """(scan id, services it has stored) as a reader sees them now, or None before any."""
    if not os.path.exists(db):
        return None
    try:
        rows = query(db, "SELECT s.id, (SELECT count(*) FROM services WHERE last_scan = s.id) "
                         "FROM scans s ORDER BY s.started_at DESC, s.rowid DESC LIMIT 1")
    except Exception:  # not yet a database (the first migration is running)
        return None
    return rows[0] if rows and rows[0][1] > 0 else None


def wait_for_commit(db, process, seen_scans, timeout=20.0):
    """Returns when a scan not in seen_scans has services committed, or the process has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        acknowledged = committed_by_newest_scan(db)
        if acknowledged and acknowledged[0] not in seen_scans:
            return
        time.sleep(0.005)


def consistent(test, db):
    test.assertEqual(query(db, "PRAGMA integrity_check"), [("ok",)])
    test.assertEqual(query(db, "PRAGMA foreign_key_check"), [])
    if query(db, "PRAGMA user_version")[0][0] == 0:
        return  # killed before the first migration committed: an empty file, migrated on next open
    # no partial batch: every service has its current state and every finding its service
    test.assertEqual(query(db, "SELECT count(*) FROM services s LEFT JOIN observations o "
                               "ON o.id = s.current_obs WHERE o.id IS NULL"), [(0,)])
    # every state with something to search has its full-text row (an open port found without a
    # grab has only its protocol's name, and no row)
    test.assertEqual(query(db, "SELECT count(*) FROM observations o LEFT JOIN observation_text t "
                               "ON t.rowid = o.id WHERE t.rowid IS NULL AND (o.product IS NOT NULL "
                               "OR o.version IS NOT NULL OR json_extract(o.record, '$.banner') "
                               "IS NOT NULL OR json_extract(o.record, '$.http.title') IS NOT NULL)"),
                     [(0,)])
    test.assertEqual(query(db, "SELECT count(*) FROM observations o JOIN observation_text t "
                               "ON t.rowid = o.id WHERE o.protocol = 'unknown' AND o.product IS NULL "
                               "AND json_extract(o.record, '$.banner') IS NULL"), [(0,)])


class StoreLifecycle(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sl_store_")
        self.db = os.path.join(self.dir, "lifecycle.db")

    def test_redis_password_resolves_the_finding_with_its_window(self):
        ip = "127.0.7.10"
        port = fx.free_port(ip)
        with servers.Redis(ip, port, keys=3) as redis:
            first = sl("scan", ip, "-p", str(port), "--db", self.db, "-o", "/dev/null")
            self.assertIn(f"stored in {self.db} as scan", first.stderr)
            status, first_seen, _, resolved, _ = finding(self.db, ip, port, "redis-no-auth")
            self.assertEqual((status, resolved), ("open", None))
            subprocess.run(["redis-cli", "-h", ip, "-p", str(port), "CONFIG", "SET", "requirepass",
                            "s3cret-lab"], check=True, capture_output=True)
            scan(self.db, ip, str(port))
            status, first_seen2, last_seen, resolved, _ = finding(self.db, ip, port, "redis-no-auth")
            self.assertEqual(status, "resolved")
            self.assertEqual(first_seen2, first_seen)
            self.assertGreaterEqual(resolved, last_seen)
            ended = query(self.db, "SELECT max(ended_at) FROM scans")[0][0]
            self.assertEqual(resolved, ended)  # the end of the scan that resolved it
            states = query(self.db, "SELECT access FROM observations WHERE port = ? ORDER BY id", port)
            self.assertEqual(states, [("open",), ("auth_required",)])
            shown = sl("findings", "status:resolved", "--db", self.db, "--format", "json").stdout
            self.assertEqual(json.loads(shown)["findings"][0]["rule"], "redis-no-auth")
            redis.stop()
        consistent(self, self.db)

    def test_nginx_autoindex_removed_resolves_the_listing(self):
        ip = "127.0.7.11"
        port = fx.free_port(ip)
        with servers.Nginx(ip, port, site="autoindex"):
            scan(self.db, ip, str(port))
        self.assertEqual(finding(self.db, ip, port, "http-directory-listing")[0], "open")
        with servers.Nginx(ip, port, site="plain"):
            scan(self.db, ip, str(port))
        status, _, _, resolved, _ = finding(self.db, ip, port, "http-directory-listing")
        self.assertEqual(status, "resolved")
        self.assertIsNotNone(resolved)
        hist = json.loads(sl("host", ip, "--db", self.db, "--format", "json").stdout)
        self.assertEqual(len(hist["services"][0]["history"]), 2)
        # the same exposure again: reopened, counted
        with servers.Nginx(ip, port, site="autoindex"):
            scan(self.db, ip, str(port))
        status, _, _, resolved, reopened = finding(self.db, ip, port, "http-directory-listing")
        self.assertEqual((status, resolved, reopened), ("open", None, 1))

    def test_other_ports_and_other_shards_resolve_nothing(self):
        ip = "127.0.7.12"
        port = fx.free_port(ip)
        other = fx.free_port(ip)
        with servers.Redis(ip, port, keys=1):
            scan(self.db, ip, f"{port},{other}", "--seed", "7")
        self.assertEqual(service_state(self.db, ip, port), "alive")
        # redis is stopped now: a scan of another port list never probed it
        scan(self.db, ip, str(other))
        self.assertEqual(service_state(self.db, ip, port), "alive")
        self.assertEqual(finding(self.db, ip, port, "redis-no-auth")[0], "open")
        # the shard that does not hold (ip, port) resolves nothing; the one that does, does
        order = sl("scan", ip, "-p", f"{port},{other}", "--seed", "7", "--shard", "0/2",
                   "--dry-run=list", "--no-db").stdout.split("\n")
        holder = "0/2" if f"{ip} {port}" in order else "1/2"
        stranger = "1/2" if holder == "0/2" else "0/2"
        scan(self.db, ip, f"{port},{other}", "--seed", "7", "--shard", stranger)
        self.assertEqual(service_state(self.db, ip, port), "alive")
        scan(self.db, ip, f"{port},{other}", "--seed", "7", "--shard", holder)
        self.assertEqual(service_state(self.db, ip, port), "gone")
        self.assertEqual(finding(self.db, ip, port, "redis-no-auth")[0], "resolved")

    def test_an_interrupted_scan_resolves_nothing(self):
        ip = "127.0.7.13"
        port = fx.free_port(ip)
        with servers.Redis(ip, port, keys=1):
            scan(self.db, ip, str(port))
        # a slow scan whose first pairs hold the (now closed) redis port, interrupted after it
        targets = ["127.0.7.13", "127.0.7.128/25"]
        seed = next(str(n) for n in range(1, 500)
                    if f"{ip} {port}" in sl("scan", *targets, "-p", str(port), "--seed", str(n),
                                            "--dry-run=list", "--no-db").stdout.split("\n")[:3])
        p = subprocess.Popen([fx.searchlight(), "scan", *targets, "-p", str(port), "--seed", seed,
                              "--rate", "20", "--db", self.db, "--states", "open,closed",
                              "--format", "ndjson", "-q"], stdout=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        seen = False
        while time.time() < deadline and not seen:
            line = p.stdout.readline()
            if not line:
                break
            rec = json.loads(line)
            seen = rec.get("ip") == ip and rec.get("state") == "closed"
        self.assertTrue(seen, "the interrupted scan never probed the redis port")
        time.sleep(0.5)  # its miss has reached the store's writer
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, 130)
        self.assertEqual(service_state(self.db, ip, port), "alive")
        self.assertEqual(finding(self.db, ip, port, "redis-no-auth")[0], "open")
        self.assertEqual(query(self.db, "SELECT status, completed FROM scans ORDER BY started_at DESC LIMIT 1"),
                         [("interrupted", 0)])
        consistent(self, self.db)

    def test_no_db_stores_nothing_and_the_default_path_is_private(self):
        home = os.path.join(self.dir, "home")
        os.makedirs(home)
        env = {k: v for k, v in os.environ.items() if k not in ("SEARCHLIGHT_DB", "XDG_DATA_HOME")}
        env["HOME"] = home
        ip = "127.0.7.14"
        port = fx.free_port(ip)
        p = subprocess.run([fx.searchlight(), "scan", ip, "-p", str(port), "--no-db", "-q"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(home, ".local")))
        p = subprocess.run([fx.searchlight(), "scan", ip, "-p", str(port)], capture_output=True,
                           text=True, env=env)
        path = os.path.join(home, ".local/share/searchlight/searchlight.db")
        self.assertIn(f"stored in {path}", p.stderr)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(os.path.dirname(path)).st_mode & 0o777, 0o700)


class StoreFaults(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sl_store_faults_")

    def test_kill_9_at_random_points_leaves_a_consistent_database(self):
        rng = random.Random(11)
        ports = fx.pick_ports(rng, 60)
        db = os.path.join(self.dir, "crash.db")
        pairs = [("127.0.7.30", p) for p in ports]
        acknowledged_kills = 0
        seen_scans = set()
        with fx.Listeners(pairs):
            for i in range(20):
                p = subprocess.Popen([fx.searchlight(), "scan", "127.0.7.30", "-p", "20000-60000",
                                      "--rate", "0", "--greeting-wait", "100ms", "--idle-timeout", "300ms",
                                      "--db", db, "-q", "-o", "/dev/null"])
                if i % 2:  # at a random point of the scan's life (or after it)
                    time.sleep(rng.uniform(0.05, 2.0))
                else:  # just after the first commit of this scan's services, however fast it runs
                    wait_for_commit(db, p, seen_scans)
                acknowledged = committed_by_newest_scan(db)  # what a reader saw committed
                if acknowledged:
                    seen_scans.add(acknowledged[0])
                p.send_signal(signal.SIGKILL)
                p.wait()
                if os.path.exists(db) and query(db, "PRAGMA user_version")[0][0] > 0:
                    consistent(self, db)  # (a kill before the first migration: an empty file)
                    done = query(db, "SELECT count(*) FROM scans WHERE completed = 1")[0][0]
                    self.assertLessEqual(done, i + 1)
                    if acknowledged:  # every batch committed before the kill is still there
                        scan_id, n = acknowledged
                        self.assertGreaterEqual(query(db, "SELECT count(*) FROM services WHERE "
                                                          "last_scan = ?", scan_id)[0][0], n)
                        acknowledged_kills += 1
        total = query(db, "SELECT count(*) FROM scans")[0][0]
        self.assertGreater(total, 10)  # most kills came after the scan was recorded
        self.assertGreaterEqual(acknowledged_kills, 10)  # every other kill waits for a commit
        incomplete = query(db, "SELECT count(*) FROM scans WHERE completed = 0 AND status = 'running'")[0][0]
        self.assertGreater(incomplete, 0)  # killed mid-scan: never marked complete
        # the database keeps working: a search reads it, a complete scan writes it
        sl("search", "net:127.0.7.30/32", "--db", db)
        with fx.Listeners(pairs[:5]):
            scan(db, "127.0.7.30", ",".join(str(p) for _, p in pairs[:5]))
        consistent(self, db)

    def test_disk_full_stops_the_scan_with_exit_1(self):
        with tmpfs(self.dir, "full", "640k") as mnt:  # a new store (schema 9) and its log fit
            db = os.path.join(mnt, "full.db")
            filler = os.path.join(mnt, "filler")
            rng = random.Random(12)
            ports = fx.pick_ports(rng, 400)
            with fx.Listeners([("127.0.7.31", p) for p in ports]):
                sl("scan", "127.0.7.31", "-p", str(ports[0]), "--db", db, "-q", "-o", "/dev/null")
                st = os.statvfs(mnt)  # leave 96 KiB: the store opens, then fills up mid-scan
                with open(filler, "wb") as f:
                    f.write(b"\0" * max(0, st.f_bavail * st.f_frsize - 96 * 1024))
                p = sl("scan", "127.0.7.31", "-p", ",".join(map(str, ports)), "--db", db,
                       "--no-grab", "-q", "-o", "/dev/null", check=False)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertTrue("full" in p.stderr or "No space left" in p.stderr, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            os.unlink(filler)
            self.assertEqual(query(db, "PRAGMA integrity_check"), [("ok",)])
            self.assertEqual(query(db, "SELECT count(*), min(completed) FROM scans"), [(2, 0)])

    def test_a_read_only_store_fails_cleanly_with_exit_1(self):
        with tmpfs(self.dir, "ro", "4m") as mnt:
            db = os.path.join(mnt, "ro.db")
            sl("scan", "127.0.7.35", "-p", "1", "--db", db, "-q", "-o", "/dev/null")
            before = open(db, "rb").read()
            subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
            p = sl("scan", "127.0.7.35", "-p", "1", "--db", db, "-q", "-o", "/dev/null", check=False)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertIn(db, p.stderr)
            self.assertEqual(open(db, "rb").read(), before)
            # reading still works on a read-only mount
            r = sl("scans", "--db", db, "--format", "json", check=False)
            self.assertIn(r.returncode, (0, 1), r.stderr)

    def test_a_newer_or_corrupt_database_is_refused_with_exit_2(self):
        newer = os.path.join(self.dir, "newer.db")
        sl("scan", "127.0.7.36", "-p", "1", "--db", newer, "-q", "-o", "/dev/null")
        with sqlite3.connect(newer) as c:
            c.execute("PRAGMA user_version = 99")
        p = sl("search", "--db", newer, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("newer Searchlight", p.stderr)
        corrupt = os.path.join(self.dir, "corrupt.db")
        with open(corrupt, "wb") as f:
            f.write(b"SQLite format 3\0" + os.urandom(8192))
        before = open(corrupt, "rb").read()
        p = sl("scan", "127.0.7.36", "-p", "1", "--db", corrupt, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(open(corrupt, "rb").read(), before)

    def test_a_foreign_file_is_refused_and_left_untouched(self):
        path = os.path.join(self.dir, "notes.db")
        with open(path, "w") as f:
            f.write("my notes, not a database\n" * 10)
        before = open(path, "rb").read()
        for args in (["scan", "127.0.7.32", "-p", "1", "--db", path],
                     ["search", "port:1", "--db", path], ["import", "/dev/null", "--db", path]):
            p = sl(*args, check=False)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn("not a Searchlight database", p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1)
        self.assertEqual(open(path, "rb").read(), before)
        self.assertFalse(os.path.exists(path + "-wal"))

    def test_a_bad_query_shows_a_caret_and_exits_2(self):
        db = os.path.join(self.dir, "q.db")
        sl("scan", "127.0.7.33", "-p", "1", "--db", db, "-q", "-o", "/dev/null")
        p = sl("search", "port:80 OR (product:redis", "--db", db, check=False)
        self.assertEqual(p.returncode, 2)
        lines = p.stderr.splitlines()
        self.assertIn("query:1:12:", lines[0])
        self.assertEqual(lines[2].index("^"), lines[1].index("("))

    def test_readers_never_block_a_writing_scan(self):
        db = os.path.join(self.dir, "busy.db")
        rng = random.Random(13)
        ports = fx.pick_ports(rng, 30)
        with fx.Listeners([("127.0.7.34", p) for p in ports]):
            sl("scan", "127.0.7.34", "-p", str(ports[0]), "--db", db, "-q", "-o", "/dev/null")
            w = subprocess.Popen([fx.searchlight(), "scan", "127.0.7.34", "-p", "20000-60000", "--rate", "4000",
                                  "--no-grab", "--db", db, "-q", "-o", "/dev/null"])
            reads = 0
            while w.poll() is None and reads < 200:
                t = time.time()
                r = sl("search", "net:127.0.7.34/32", "--db", db, "--format", "json", "--limit", "0")
                self.assertLess(time.time() - t, 5)
                total = json.loads(r.stdout)["total"]
                self.assertIn(total, range(0, len(ports) + 1))
                reads += 1
            self.assertEqual(w.wait(timeout=60), 0)
        self.assertGreater(reads, 2)
        self.assertEqual(query(db, "SELECT count(*) FROM services WHERE state = 'alive'")[0][0], len(ports))


class StoreExports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sl_store_export_")
        cls.db = os.path.join(cls.dir, "export.db")
        sl("import", os.path.join(ROOT, "tests/query/fixture.ndjson"), "--db", cls.db)

    def test_nmap_xml_validates_against_the_dtd_and_renders(self):
        xml = os.path.join(self.dir, "out.xml")
        sl("export", "--format", "nmap-xml", "--db", self.db, "-o", xml)
        v = subprocess.run(["xmllint", "--noout", "--dtdvalid", "/usr/share/nmap/nmap.dtd", xml],
                           capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stderr)
        html = subprocess.run(["xsltproc", "/usr/share/nmap/nmap.xsl", xml], capture_output=True, text=True)
        self.assertEqual(html.returncode, 0, html.stderr)
        self.assertIn("10.0.0.3", html.stdout)
        self.assertIn("searchlight-findings", html.stdout)
        self.assertIn("2001:db8::1", open(xml).read())

    def test_sarif_validates_against_the_official_schema(self):
        import jsonschema
        out = os.path.join(self.dir, "out.sarif")
        sl("export", "--format", "sarif", "--db", self.db, "-o", out)
        log = json.load(open(out))
        jsonschema.validate(log, json.load(open(SARIF_SCHEMA)))
        results = log["runs"][0]["results"]
        self.assertEqual(len(results), 11)
        rules = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
        self.assertIn("elasticsearch-no-auth", rules)
        tool = subprocess.run([SARIF_TOOL, "validate", out], capture_output=True, text=True, timeout=120)
        self.assertEqual(tool.returncode, 0, tool.stdout + tool.stderr)
        self.assertNotIn(": error ", tool.stdout)

    def test_ndjson_export_imports_back_and_import_is_idempotent(self):
        out = os.path.join(self.dir, "out.ndjson")
        sl("export", "--format", "ndjson", "--db", self.db, "-o", out)
        copy = os.path.join(self.dir, "copy.db")
        sl("import", out, "--db", copy)
        counts = lambda d: query(d, "SELECT (SELECT count(*) FROM services), (SELECT count(*) FROM findings), "
                                    "(SELECT count(*) FROM observations), (SELECT count(*) FROM scans)")
        once = counts(copy)
        self.assertEqual(once[0][:2], (17, 11))
        sl("import", out, "--db", copy)
        self.assertEqual(counts(copy), once)

    def test_diff_exit_codes(self):
        a, b = "01900000-0000-7000-8000-00000000000a", "01900000-0000-7000-8000-00000000000b"
        self.assertEqual(sl("diff", a, b, "--db", self.db, check=False).returncode, 1)
        self.assertEqual(sl("diff", a, a, "--db", self.db, check=False).returncode, 0)
        self.assertEqual(sl("diff", a, "no-such-scan", "--db", self.db, check=False).returncode, 2)
        d = json.loads(sl("diff", a, b, "--db", self.db, "--format", "json", check=False).stdout)
        self.assertEqual([s["ip"] for s in d["gone_services"]], ["10.0.0.4"])
        self.assertEqual(d["changed_services"][0]["changes"]["product"], ["nginx", "Apache httpd"])


if __name__ == "__main__":
    unittest.main()
