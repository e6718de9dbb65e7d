"""The web UI in a real browser: Debian's chromium driven by playwright-core (tests/node) against
`searchlight serve` on stores made by real scans. The walk (a redis without a password, an nginx
whose page title is HTML and script; 127.0.41.x): log in with the token, read the dashboard and
the since-yesterday diff, search with the keyboard, click a facet, open a host, acknowledge a
finding, accept a risk in bulk; the hostile title shows as text and runs nothing. The tour takes
the README's pictures on the demo's lab (127.0.1.x). Screenshots go under $SL_UI_OUT."""
import json
import sqlite3
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = __file__.rsplit("/tests/", 1)[0]
sys.path.insert(0, ROOT + "/tests/support")
import fixtures as fx  # noqa: E402
import servers  # noqa: E402

HOSTILE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">Lab'
NODE_DIR = os.path.join(ROOT, "tests", "node")


class TestUi(unittest.TestCase):
    def test_walk_log_in_dashboard_search_facet_host_acknowledge(self):
        out = output_dir("walk")
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, "ui.db")
            with servers.Redis("127.0.41.5", 6379):
                sl_scan(db, "127.0.41.5", "6379")
            with servers.Nginx("127.0.41.6", 8080) as web:
                with open(os.path.join(web.dir, "www", "index.html"), "w") as f:
                    f.write(f"<html><head><title>{HOSTILE}</title></head><body>x</body></html>")
                sl_scan(db, "127.0.41.6", "8080")
            seen = browse(db, ["walk"], out)
            with sqlite3.connect(db) as c:  # what the browser did is in the store
                stored = c.execute("SELECT status, reason FROM findings").fetchall()
        self.assertTrue(seen["login_shown"])
        self.assertEqual(seen["wrong_token"], "that is not the token")
        self.assertEqual(seen["medium"], "1")  # redis-no-auth, on the dashboard
        self.assertEqual(seen["open_card"], "1")
        self.assertRegex(seen["strip"], r"^Since yesterday: \+1 new, \u22120 resolved, 0 changed \(2 services")
        self.assertEqual(seen["chart_bands"], ["medium"])  # today's column: one medium
        self.assertTrue(any("127.0.41.5:6379" in r and "redis-no-auth" in r for r in seen["longest"]))
        self.assertIn("New findings (1)", seen["diff_headings"])
        self.assertIn("New services (2)", seen["diff_headings"])
        self.assertEqual(seen["slash_focuses"], "q")
        self.assertEqual(seen["search_hash"], "#/search?q=port:8080")
        self.assertEqual(seen["titles"], [HOSTILE])  # shown as the text it is
        self.assertEqual(seen["injected_elements"], 0)
        self.assertTrue(seen["hostile_record_has_title"])
        self.assertEqual(seen["injected_on_host"], 0)
        self.assertIn("product:", seen["hash_after_facet"])
        self.assertEqual(seen["total_after_facet"], "1 services")
        self.assertEqual(seen["host_hash"], "#/host/127.0.41.5/6379/tcp")
        self.assertTrue(any(r.startswith("127.0.41.5:6379") and "redis" in r for r in seen["services"]))
        self.assertIn("state", seen["timeline_kinds"])
        self.assertIn("finding", seen["timeline_kinds"])
        self.assertTrue(any("redis-no-auth" in r and "acknowledged" in r for r in seen["after_ack"]))
        self.assertEqual(seen["acknowledged_total"], "1 findings")
        self.assertEqual(seen["bulk_notice"], "1 accepted")
        self.assertEqual(seen["total_after_bulk"], "0 findings")  # the default list: the active
        self.assertEqual(seen["statuses_after_bulk"], ["accepted"])
        self.assertIsNone(seen["xss"])
        self.assertEqual(seen["dialogs"], 0)
        self.assertEqual(seen["page_errors"], [])
        for shot in ("login", "dashboard", "diff", "search", "facet", "host", "acknowledged",
                     "findings"):
            self.assertGreater(os.path.getsize(os.path.join(out, shot + ".png")), 1000, shot)
        self.assertEqual(stored, [("accepted", "lab server, torn down weekly")])

    def test_tour_of_the_demo_for_the_readme(self):
        """The README's pictures: the demo's lab scanned into a store, twice (as the monitor would),
        then the dashboard and the page of 127.0.1.14:80 (nginx with .env and .git exposed). SL_UI_PICTURES=docs/img keeps them."""
        out = os.environ.get("SL_UI_PICTURES") or output_dir("tour")
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, "demo.db")
            subprocess.run([LAB, "start"], check=True, capture_output=True)
            try:
                for _ in range(2):
                    p = subprocess.run([fx.searchlight(), "scan", "127.0.1.0/24", "--db", db, "-q",
                                        "-o", "/dev/null"], capture_output=True, text=True,
                                       timeout=300)
                    self.assertEqual(p.returncode, 0, p.stderr)
            finally:
                subprocess.run([LAB, "stop"], check=True, capture_output=True)
            seen = browse(db, ["tour"], out, extra=["127.0.1.14/80/tcp"])
        self.assertEqual(seen["open_card"], "29")  # the demo's 29 findings (README)
        self.assertEqual(seen["services"], 1)
        self.assertEqual(seen["page_errors"], [])
        for shot in ("dashboard", "host"):
            self.assertGreater(os.path.getsize(os.path.join(out, shot + ".png")), 10000, shot)


LAB = os.path.join(ROOT, "scripts", "lab")


def output_dir(name):
    out = os.path.join(os.environ.get("SL_UI_OUT") or tempfile.mkdtemp(prefix="sl_ui_"), name)
    os.makedirs(out, exist_ok=True)
    return out


def browse(db, mode, out, extra=()):
    """Serves db on a free port and runs one walk of ui_test.js; returns what it saw."""
    if not os.access("/usr/bin/chromium", os.X_OK):
        raise AssertionError("chromium is missing: run scripts/setup")
    port = fx.free_port()
    server = subprocess.Popen([fx.searchlight(), "serve", "--db", db, "--listen",
                               f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        servers.wait_port("127.0.0.1", port)
        with open(db + ".token") as f:
            token = f.read().strip()
        p = subprocess.run(["node", os.path.join(NODE_DIR, "ui_test.js"), *mode,
                            f"http://127.0.0.1:{port}/", token, out, *extra],
                           capture_output=True, text=True, timeout=180, cwd=NODE_DIR)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if p.returncode != 0:
        raise AssertionError(p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def sl_scan(db, ip, port):
    p = subprocess.run([fx.searchlight(), "scan", ip, "-p", port, "--db", db, "-q", "-o",
                        "/dev/null"], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(p.stderr)


if __name__ == "__main__":
    unittest.main()
