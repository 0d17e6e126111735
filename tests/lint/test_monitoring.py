"""The dashboard and the alert rules only use metrics the service exports; every alert has a
summary and a runbook section; promtool (Debian's, via scripts/promtool.sh) accepts the rules
and their unit tests pass, with a firing and a silent case for every alert."""
import json
import re
import subprocess
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
RULES = MONITORING / "prometheus-rules.yaml"
RUNBOOKS = ROOT / "docs" / "runbooks.md"
RUNBOOK_BASE = "https://github.com/OWNER/avatarbot/blob/main/docs/runbooks.md#"


def promtool(*args):
    return subprocess.run([str(ROOT / "scripts" / "promtool.sh"), *args], cwd=MONITORING,
                          capture_output=True, text=True, timeout=300)


def alert_rules():
    return [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]
            if "alert" in r]


def github_anchors(markdown):
    """The anchors GitHub gives the headings: lower case, punctuation dropped, spaces to -."""
    heads = re.findall(r"^#{1,6} +(.+?) *$", markdown, re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}


def exported():
    text = (ROOT / "src" / "core" / "metrics.c").read_text()
    return set(re.findall(r'"(avatarbot_[a-z0-9_]+)"', text))


def used(text):
    names = set(re.findall(r"\b(avatarbot_[a-z0-9_]+)", text))
    return {re.sub(r"_(bucket|sum|count)$", "", n) for n in names}


class MonitoringTest(unittest.TestCase):

    def test_dashboard_uses_known_metrics(self):
        dash = json.loads((ROOT / "deploy" / "monitoring" / "grafana-dashboard.json").read_text())
        exprs = " ".join(t["expr"] for p in dash["panels"] for t in p["targets"])
        unknown = used(exprs) - exported()
        self.assertEqual(unknown, set())
        self.assertEqual(len({p["id"] for p in dash["panels"]}), len(dash["panels"]))

    def test_alert_rules_use_known_metrics_and_say_what_is_wrong(self):
        text = (ROOT / "deploy" / "monitoring" / "prometheus-rules.yaml").read_text()
        unknown = used(text) - exported()
        self.assertEqual(unknown, set())
        alerts = re.findall(r"- alert: (\w+)", text)
        self.assertGreaterEqual(len(alerts), 5)
        self.assertEqual(text.count("summary:"), len(alerts))
        for name in ("AvatarbotInboxLag", "AvatarbotTrainingFailureRate", "AvatarbotFalErrors"):
            self.assertIn(name, alerts)

    def test_promtool_accepts_the_rules(self):
        run = promtool("check", "rules", RULES.name)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("SUCCESS: %d rules found" % len(alert_rules()), run.stdout)

    def test_promtool_unit_tests_pass(self):
        run = promtool("test", "rules", "prometheus-rules.test.yaml")
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("SUCCESS", run.stdout)

    def test_every_alert_fires_and_stays_silent_in_the_unit_tests(self):
        tests = yaml.safe_load((MONITORING / "prometheus-rules.test.yaml").read_text())["tests"]
        fires, silent = set(), set()
        for t in tests:
            for case in t.get("alert_rule_test", []):
                (fires if case.get("exp_alerts") else silent).add(case["alertname"])
        names = {r["alert"] for r in alert_rules()}
        self.assertEqual(names - fires, set(), "alerts never seen firing")
        self.assertEqual(names - silent, set(), "alerts never seen silent")

    def test_every_alert_links_its_runbook_section(self):
        anchors = github_anchors(RUNBOOKS.read_text())
        for rule in alert_rules():
            url = rule["annotations"].get("runbook_url", "")
            self.assertTrue(url.startswith(RUNBOOK_BASE), (rule["alert"], url))
            self.assertIn(url[len(RUNBOOK_BASE):], anchors, rule["alert"])
            self.assertEqual(url[len(RUNBOOK_BASE):], rule["alert"].lower())

    def test_not_ready_minimum_is_the_disruption_budget(self):
        pdb = yaml.safe_load((ROOT / "deploy" / "kubernetes" / "base" / "pdb.yaml").read_text())
        rule = next(r for r in alert_rules() if r["alert"] == "AvatarbotNotReady")
        self.assertRegex(rule["expr"].strip(), r"\) < %d$" % pdb["spec"]["minAvailable"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
