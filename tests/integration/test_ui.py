"""The web UI in a real browser (issue 13, its first part): Debian's chromium driven by
playwright-core (tests/node) against `searchlight serve` on a store made by real scans: a redis
without a password, and an nginx whose page title is HTML and script. Log in with the token,
read the dashboard, search, click a facet; the hostile title shows as text and runs nothing.
Screenshots are saved under the build's output directory. Addresses: 127.0.41.x."""
import json
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
    def test_log_in_dashboard_search_facet_and_hostile_text(self):
        if not os.access("/usr/bin/chromium", os.X_OK):
            self.fail("chromium is missing: run scripts/setup")
        out = os.environ.get("SL_UI_OUT") or tempfile.mkdtemp(prefix="sl_ui_")
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, "ui.db")
            with servers.Redis("127.0.41.5", 6379):
                sl_scan(db, "127.0.41.5", "6379")
            with servers.Nginx("127.0.41.6", 8080) as web:
                with open(os.path.join(web.dir, "www", "index.html"), "w") as f:
                    f.write(f"<html><head><title>{HOSTILE}</title></head><body>x</body></html>")
                sl_scan(db, "127.0.41.6", "8080")
            port = fx.free_port()
            server = subprocess.Popen([fx.searchlight(), "serve", "--db", db, "--listen",
                                       f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            try:
                servers.wait_port("127.0.0.1", port)
                with open(db + ".token") as f:
                    token = f.read().strip()
                p = subprocess.run(["node", os.path.join(NODE_DIR, "ui_test.js"),
                                    f"http://127.0.0.1:{port}/", token, out],
                                   capture_output=True, text=True, timeout=120, cwd=NODE_DIR)
            finally:
                server.terminate()
                server.wait(timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        seen = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertTrue(seen["login_shown"])
        self.assertEqual(seen["medium"], "1")  # redis-no-auth, on the dashboard
        self.assertTrue(any("127.0.41.5:6379" in r and "redis-no-auth" in r for r in seen["longest"]))
        self.assertEqual(seen["total"], "1 services")
        self.assertEqual(seen["titles"], [HOSTILE])  # shown as the text it is
        self.assertEqual(seen["injected_elements"], 0)
        self.assertIsNone(seen["xss"])
        self.assertEqual(seen["dialogs"], 0)
        self.assertIn("product:", seen["hash_after_facet"])
        for shot in ("dashboard.png", "search.png"):
            self.assertGreater(os.path.getsize(os.path.join(out, shot)), 1000)


def sl_scan(db, ip, port):
    p = subprocess.run([fx.searchlight(), "scan", ip, "-p", port, "--db", db, "-q", "-o",
                        "/dev/null"], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(p.stderr)


if __name__ == "__main__":
    unittest.main()
