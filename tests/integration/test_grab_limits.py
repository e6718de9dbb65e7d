"""Every grab limit is hit by a hostile server (tests/support/chaos_server.py, a simulation) and
gives io-timeout or limit-exceeded within a bound, with no crash. Deadlines are shortened by the
flags that set them, and the bounds are generous (3x), as RELIABILITY.md asks."""
import os
import subprocess
import sys
import time
import unittest

ROOT = __file__.rsplit("/tests/", 1)[0]
sys.path.insert(0, ROOT + "/tests/support")
import fixtures as fx  # noqa: E402

CHAOS = os.path.join(ROOT, "tests", "support", "chaos_server.py")


class Limits(unittest.TestCase):
    def grab(self, mode, ip, flags):
        port = fx.free_port(ip)
        proc = subprocess.Popen([fx.PYTHON, CHAOS, mode, ip, str(port)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        self.assertEqual(proc.stdout.readline().strip(), "ready")
        try:
            t0 = time.time()
            p = fx.run_scan([ip, "-p", str(port), "--format", "ndjson"] + flags, timeout=120)
            elapsed = time.time() - t0
        finally:
            proc.stdin.close()
            proc.terminate()
            proc.wait(timeout=10)
        svc = fx.records(p.stdout, "service")
        self.assertEqual(len(svc), 1, p.stdout)
        return svc[0], elapsed

    def test_tarpit_gives_io_timeout_after_the_idle_timeout(self):
        svc, elapsed = self.grab("tarpit", "127.0.10.1",
                                 ["--idle-timeout", "2s", "--greeting-wait", "500ms"])
        self.assertEqual(svc["status"], "io-timeout")
        self.assertEqual(svc["access"], "unknown")
        self.assertGreaterEqual(elapsed, 2.0)
        self.assertLess(elapsed, 3 * 2.5)

    def test_drip_is_cut_by_the_session_deadline(self):
        svc, elapsed = self.grab("drip", "127.0.10.2",
                                 ["--idle-timeout", "3s", "--session-deadline", "5s",
                                  "--greeting-wait", "300ms"])
        self.assertEqual(svc["status"], "io-timeout")
        self.assertGreaterEqual(elapsed, 5.0)
        self.assertLess(elapsed, 3 * 5)

    def test_firehose_hits_the_input_cap(self):
        svc, elapsed = self.grab("firehose", "127.0.10.3", ["--greeting-wait", "300ms"])
        self.assertEqual(svc["status"], "limit-exceeded")
        self.assertEqual(svc["access"], "unknown")
        self.assertLess(elapsed, 10)

    def test_a_broken_starttls_keeps_what_plaintext_proved(self):
        svc, elapsed = self.grab("badtls", "127.0.10.6", ["--greeting-wait", "300ms"])
        self.assertEqual((svc["protocol"], svc["status"], svc["access"]),
                         ("imap", "ok", "auth_required"))
        self.assertTrue(svc["imap"]["cleartext_login"])
        self.assertTrue(svc["evidence_truncated"])
        self.assertNotIn("tls_cert", svc)
        self.assertLess(elapsed, 10)

    def test_smaller_input_cap_flag(self):
        svc, _ = self.grab("firehose", "127.0.10.4", ["--greeting-wait", "300ms",
                                                      "--max-input", "4096"])
        self.assertEqual(svc["status"], "limit-exceeded")

    def test_header_bomb_hits_the_header_cap(self):
        svc, elapsed = self.grab("headers", "127.0.10.5", ["--greeting-wait", "300ms"])
        self.assertEqual(svc["status"], "limit-exceeded")
        self.assertLess(elapsed, 10)


if __name__ == "__main__":
    unittest.main()
