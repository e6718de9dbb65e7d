"""Every golden transcript, served over real sockets by the replay server (a simulation built
from the transcripts), scanned by the real binary: the grabber must send exactly the recorded
probes (the server refuses anything else), and the service record must carry the expected
protocol, verdict and evidence. TLS transcripts are served inside TLS with a fresh certificate."""
import glob
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

REPLAY = os.path.join(ROOT, "tests", "support", "replay_server.py")
FAST = ["--greeting-wait", "200ms", "--idle-timeout", "3s", "--session-deadline", "10s"]


def strip(record):
    return {k: v for k, v in record.items() if k not in ("tls_cert",)}


class Replay(unittest.TestCase):
    def serve(self, transcript, ip, port, cert):
        cmd = [fx.PYTHON, REPLAY, transcript, ip, str(port)]
        if cert:
            cmd += ["--cert", cert[1], "--key", cert[0]]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.assertEqual(proc.stdout.readline().strip(), "ready")
        return proc

    def test_every_transcript_over_real_sockets(self):
        cases = sorted(glob.glob(os.path.join(ROOT, "src", "grab", "*", "testdata", "*.transcript")))
        self.assertGreater(len(cases), 10)
        with tempfile.TemporaryDirectory() as d:
            cert = servers.self_signed(d, cn="replay.test")
            for n, path in enumerate(cases):
                protocol = path.split(os.sep)[-3]
                case = os.path.basename(path)[:-len(".transcript")]
                expected = json.load(open(path[:-len(".transcript")] + ".expected.json"))
                text = open(path).read()
                tls = "=== connection 1 (tls)" in text or "=== starttls" in text
                ip = f"127.0.9.{n + 1}"
                # a verdict that holds only on the product's own port is replayed there
                own = "# replay on its own port" in text
                port = int(text.split("# @target ")[1].split("\n")[0].rsplit(":", 1)[1]) if own \
                    else fx.free_port(ip)
                with self.subTest(case=f"{protocol}/{case}"):
                    proc = self.serve(path, ip, port, cert if tls else None)
                    try:
                        p = fx.run_scan([ip, "-p", str(port), "--format", "ndjson"] + FAST)
                    finally:
                        proc.stdin.close()
                        proc.wait(timeout=10)
                    log = proc.stderr.read()
                    svc = fx.records(p.stdout, "service")
                    self.assertEqual(len(svc), 1, p.stdout)
                    svc = svc[0]
                    if case.startswith("not_") or expected["status"] == "not-this-protocol":
                        self.assertNotEqual(svc["protocol"], protocol, log)
                        continue
                    self.assertEqual(svc["protocol"], protocol, log)
                    self.assertEqual(svc["tls"], tls)
                    self.assertEqual(svc["status"], expected["status"], log)
                    self.assertEqual(svc["access"], expected["access"], log)
                    for key, value in strip(expected["record"]).items():
                        if key == "http":
                            value = {k: v for k, v in value.items() if k != "headers"}
                            got = {k: v for k, v in svc["http"].items() if k != "headers"}
                            self.assertEqual(got, value, case)
                        else:
                            self.assertEqual(svc.get(key), value, f"{case}: {key}")
                    self.assertIn("match 1", log)
                    # nothing wrong was sent after the last connection that was answered (an
                    # earlier grabber's identical GET may have taken the transcript: "repeat")
                    lines = log.splitlines()
                    last = max(i for i, l in enumerate(lines) if l.startswith(("match ", "repeat ")))
                    self.assertNotIn("mismatch", "\n".join(lines[last:]))


if __name__ == "__main__":
    unittest.main()
