"""searchlight rules list/show/test, and what a bad rule file does to a scan: one line with
file:line:col, exit 2, nothing sent."""
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = __file__.rsplit("/tests/", 1)[0]
sys.path.insert(0, ROOT + "/tests/support")
import fixtures as fx  # noqa: E402
import servers  # noqa: E402

RULE = """rules:
  - id: redis-no-auth
    category: no-auth
    title: Overridden by the team
    severity: low
    when: {all: [{protocol: {eq: redis}}, {access: {eq: open}}]}
    remediation: r
    examples:
      match: [{protocol: redis, access: open}]
      no_match: [{protocol: redis, access: open}]
"""


def run(*args):
    return subprocess.run([fx.searchlight(), *args], capture_output=True, text=True, timeout=60)


class Rules(unittest.TestCase):
    def test_shipped_rules_list_show_and_pass_their_examples(self):
        self.assertEqual(run("rules", "test").returncode, 0)
        listing = run("rules", "list").stdout
        self.assertIn("redis-no-auth", listing)
        self.assertIn("smtp-auth-cleartext", listing)
        shown = run("rules", "show", "vnc-no-auth")
        self.assertEqual(shown.returncode, 0)
        self.assertIn("critical", shown.stdout)
        self.assertEqual(run("rules", "show", "no-such-rule").returncode, 2)

    def test_a_failing_example_names_rule_index_and_field(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "team.yaml"), "w") as f:
                f.write(RULE)
            p = run("rules", "test", d)
            self.assertEqual(p.returncode, 1)
            self.assertIn("rule redis-no-auth: examples.no_match[0] matches (decided by field "
                          "'protocol')", p.stdout)
            self.assertIn("team.yaml:10:", p.stdout)
            # A team's rule with a built-in id replaces the built-in one.
            listed = run("rules", "--rules", d, "list").stdout
            self.assertIn("Overridden by the team", listed)

    def test_a_teams_directory_may_use_the_built_in_profiles(self):
        team = RULE.replace("id: redis-no-auth", "id: team-redis").replace(
            "severity: low\n", "severity: low\n    raise: data-size\n").replace(
            "no_match: [{protocol: redis, access: open}]",
            "no_match: [{protocol: redis, access: auth_required}]")
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "team.yaml"), "w") as f:
                f.write(team)
            p = run("rules", "test", d)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.strip(), "1 rules, 2 examples, 0 failed")

    def test_min_severity_and_fail_on_against_a_real_open_redis(self):
        ip = "127.0.4.10"
        with servers.Redis(ip, fx.free_port(ip)) as r:  # redis-no-auth: medium
            base = [ip, "-p", str(r.port), "--format", "ndjson"]
            self.assertEqual([f["rule"] for f in fx.records(fx.run_scan(base).stdout, "finding")],
                             ["redis-no-auth"])
            quiet = fx.run_scan(base + ["--min-severity", "high"])
            self.assertEqual(fx.records(quiet.stdout, "finding"), [])
            self.assertEqual(len(fx.records(quiet.stdout, "service")), 1)
            self.assertEqual(fx.run_scan(base + ["--fail-on", "medium"], check=False).returncode, 3)
            # --fail-on judges every finding, also those --min-severity hides.
            hidden = fx.run_scan(base + ["--fail-on", "low", "--min-severity", "critical"],
                                 check=False)
            self.assertEqual((hidden.returncode, fx.records(hidden.stdout, "finding")), (3, []))
            self.assertEqual(fx.run_scan(base + ["--fail-on", "high"], check=False).returncode, 0)
        bad = fx.run_scan([ip, "-p", "1", "--fail-on", "loud"], check=False)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("bad --fail-on 'loud'", bad.stderr)

    def test_a_bad_rule_file_stops_the_scan_before_any_packet(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "bad.yaml"), "w") as f:
                f.write(RULE.replace("protocol: {eq: redis}", "protocl: {eq: redis}"))
            p = fx.run_scan(["127.0.0.1", "-p", "1", "--rules", d], check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("bad.yaml:6:19: unknown field 'protocl'", p.stderr)
            self.assertEqual(p.stdout, "")


if __name__ == "__main__":
    unittest.main()
