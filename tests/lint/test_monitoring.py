"""The dashboard and the alert rules only use metrics the service exports, and every alert
has a summary."""
import json
import re
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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


if __name__ == "__main__":
    unittest.main(verbosity=2)
