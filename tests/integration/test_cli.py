"""The command line: errors are one line naming the bad token and its position, with exit
code 2; --help teaches and documents exit codes; formats; --dry-run; signals."""
import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, __file__.rsplit("/tests/", 1)[0] + "/tests/support")
import fixtures as fx  # noqa: E402


def scan(*args, **kw):
    return fx.run_scan(list(args), check=False, **kw)


class BadInput(unittest.TestCase):
    CASES = [
        (["10.0.0.300"], "argument 1: bad target '10.0.0.300'"),
        (["10.0.0.1", "10.0.0.0/33"], "argument 2: bad target '10.0.0.0/33'"),
        (["10.0.0.9-10.0.0.1"], "range end is below its start"),
        (["2001:db8::/64"], "-iL"),
        (["h@st"], "bad target 'h@st'"),
        (["127.0.0.1", "-p", "22,8o"], "bad port item '8o' at column 4"),
        (["127.0.0.1", "-p", "0"], "bad port item '0'"),
        (["127.0.0.1", "-p", "100-10"], "range end is below its start"),
        (["127.0.0.1", "--exclude", "10.0.0.1,foo.example"], "--exclude 1:10: bad exclude 'foo.example'"),
        (["127.0.0.1", "--shard", "1/1"], "bad --shard '1/1'"),
        (["127.0.0.1", "--shard", "x"], "bad --shard 'x'"),
        (["127.0.0.1", "--states", "open,shut"], "bad --states item 'shut' at column 6"),
        (["127.0.0.1", "--connect-timeout", "5h"], "bad --connect-timeout '5h'"),
        (["127.0.0.1", "--format", "xml"], "unknown format 'xml'"),
        (["127.0.0.1", "--threads", "0"], "--threads"),
        (["127.0.0.1", "--bogus"], "--bogus"),
        (["127.0.0.1", "--seed", "12a"], "bad --seed '12a'"),
        ([], "no targets"),
    ]

    def test_each_bad_input_is_one_line_and_exit_2(self):
        for args, expected in self.CASES:
            with self.subTest(args=args):
                p = scan(*args)
                self.assertEqual(p.returncode, 2, p.stderr)
                lines = p.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, p.stderr)
                self.assertTrue(lines[0].startswith("searchlight: error: "), lines[0])
                self.assertIn(expected, lines[0])
                self.assertEqual(p.stdout, "")

    def test_bad_lines_in_files_name_file_line_and_column(self):
        with tempfile.TemporaryDirectory() as d:
            tl = os.path.join(d, "targets.txt")
            with open(tl, "w") as f:
                f.write("# lab\n127.0.0.1\n  127.0.0.2 127.0.0.999\n")
            p = scan("-iL", tl)
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"{tl}:3:13: bad target '127.0.0.999'", p.stderr)
            ex = os.path.join(d, "ex.txt")
            with open(ex, "w") as f:
                f.write("10.0.0.0/8\nbad/9\n")
            p = scan("127.0.0.1", "--exclude-file", ex)
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"{ex}:2:1: bad exclude 'bad/9'", p.stderr)


class Help(unittest.TestCase):
    def test_help_teaches_and_lists_exit_codes(self):
        for args in (["--help"], ["scan", "--help"]):
            p = subprocess.run([fx.searchlight()] + args, capture_output=True, text=True)
            self.assertEqual(p.returncode, 0)
            for needle in ("Exit codes", "130", "143", " 2 "):
                self.assertIn(needle, p.stdout)
        p = subprocess.run([fx.searchlight(), "scan", "--help"], capture_output=True, text=True)
        for needle in ("--rate", "--shard", "--exclude-file", "--input-list", "exposure",
                       "top100", "--dry-run", "Examples"):
            self.assertIn(needle, p.stdout)


class RecordsDoc(unittest.TestCase):
    def test_docs_records_md_is_generated_from_the_registry(self):
        root = __file__.rsplit("/tests/", 1)[0]
        p = subprocess.run([fx.searchlight(), "fields", "--markdown"], capture_output=True,
                           text=True, check=True)
        self.assertEqual(p.stdout, open(os.path.join(root, "docs", "records.md")).read(),
                         "docs/records.md is stale: run searchlight fields --markdown > docs/records.md")
        for field in ("redis.keys", "memcached.curr_items", "http.env_secret_names",
                      "tls_cert.sha256", "data.rows"):
            self.assertIn(f"`{field}`", p.stdout)


class Formats(unittest.TestCase):
    def setUp(self):
        self.port = fx.free_port()
        self.listeners = fx.Listeners([("127.0.0.1", self.port)])

    def tearDown(self):
        self.listeners.stop()

    def test_json_csv_table_and_output_file(self):
        p = scan("127.0.0.1", "-p", str(self.port), "--format", "json")
        arr = json.loads(p.stdout)
        self.assertEqual([r["type"] for r in arr], ["port", "service", "summary"])
        self.assertEqual(arr[1]["protocol"], "unknown")  # accepts and closes: nothing to judge
        self.assertEqual(arr[1]["access"], "unknown")
        p = scan("127.0.0.1", "-p", str(self.port), "--format", "json", "--no-grab")
        arr = json.loads(p.stdout)
        self.assertEqual([r["type"] for r in arr], ["port", "summary"])
        p = scan("127.0.0.1", "-p", str(self.port), "--format", "csv", "--no-grab")
        rows = list(csv.DictReader(io.StringIO(p.stdout)))
        self.assertEqual(rows[0]["port"], str(self.port))
        self.assertEqual(rows[0]["state"], "open")
        p = scan("127.0.0.1", "-p", str(self.port), "--format", "table", "--no-grab")
        self.assertIn(f"127.0.0.1", p.stdout)
        self.assertTrue(p.stdout.startswith("IP"))
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.ndjson")
            p = scan("127.0.0.1", "-p", str(self.port), "-o", out, "--no-grab")
            self.assertEqual(p.returncode, 0)
            self.assertEqual(p.stdout, "")
            self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
            lines = [json.loads(l) for l in open(out)]
            self.assertEqual(lines[0]["port"], self.port)
        self.assertIn("scanned 1 pairs", p.stderr)
        p = scan("127.0.0.1", "-p", str(self.port), "-q")
        self.assertEqual(p.stderr, "")

    def test_dry_run_counts_and_sends_nothing(self):
        p = scan("127.0.0.0/30", "-p", f"{self.port},2", "--dry-run", "--seed", "4")
        self.assertEqual(p.returncode, 0)
        self.assertIn("dry run: 8 pairs = 4 hosts x 2 ports", p.stdout)
        self.assertIn("where: 127.0.0.0/30", p.stdout)
        self.assertIn("seed 4", p.stdout)
        p = scan("127.0.0.0/30", "-p", f"{self.port},2", "--dry-run=list", "--seed", "4")
        self.assertEqual(len(p.stdout.splitlines()), 8)


class Signals(unittest.TestCase):
    def test_sigint_and_sigterm_exit_codes_after_writing(self):
        for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            with self.subTest(sig=sig):
                proc = subprocess.Popen([fx.searchlight(), "scan", "127.0.0.0/16", "-p", "1",
                                         "--rate", "200", "--format", "ndjson",
                                         "--states", "open,closed", "--no-grab"],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
                time.sleep(1.0)
                proc.send_signal(sig)
                out, err = proc.communicate(timeout=10)
                self.assertEqual(proc.returncode, code, err)
                summary = [json.loads(l) for l in out.splitlines()][-1]
                self.assertEqual(summary["type"], "summary")
                self.assertTrue(summary["interrupted"])
                self.assertGreater(summary["pairs"], 50)
                self.assertIn("interrupted after", err)


if __name__ == "__main__":
    unittest.main()
