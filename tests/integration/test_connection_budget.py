"""The connection budget in deploy/kubernetes is a formula, not a guess: a replica holds
DB_POOL_SIZE + WORKER_THREADS + SENDER_THREADS + JOB_THREADS + 4 PostgreSQL connections once
every thread has connected (the listener, janitor, notifier and prober have one each; the
janitor connects after its first period, the notifier at its first NOTIFY). The manifests'
validator (tests/lint/k8s_validate.mjs) multiplies it by the HPA's maximum; this counts the
backends a real replica opens, with the settings the Kubernetes base ships and with others."""
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
THREAD_SETTINGS = ("DB_POOL_SIZE", "WORKER_THREADS", "SENDER_THREADS", "JOB_THREADS")
SINGLETONS = 4  # listener, janitor, notifier, prober


def shipped_settings():
    """The thread and pool settings of deploy/kubernetes/base/config.env."""
    text = (ROOT / "deploy" / "kubernetes" / "base" / "config.env").read_text()
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, re.M))
    return {k: values[k] for k in THREAD_SETTINGS}


class ConnectionBudgetTest(h.IntegrationTestCase):

    def backends(self):
        return int(h.psql_value(
            self.db_url, "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))

    def assert_replica_holds(self, settings):
        expected = sum(int(v) for v in settings.values()) + SINGLETONS
        svc = self.start_service(extra_env=dict(settings))
        chat = 7001
        status, _ = svc.post_update({"update_id": self.next_update_id(), "message": {
            "message_id": 1, "date": int(time.time()), "text": "/start",
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "A"}}})
        self.assertEqual(status, 200)
        self.botapi.wait_calls(1, "sendMessage", timeout=h.scaled(10))
        # the janitor's first round comes after JOB_LEASE_SECONDS / 3, at most 5 s
        h.wait_until(lambda: self.backends() >= expected, timeout=h.scaled(15),
                     message="%d connections for %s" % (expected, settings))
        time.sleep(h.scaled(1.0))
        held = self.backends()
        print("%s: %d connections (formula: %d)" % (settings, held, expected))
        self.assertEqual(held, expected)
        svc.stop()
        h.wait_until(lambda: self.backends() == 0, timeout=h.scaled(10),
                     message="every connection closed on shutdown")

    def test_the_shipped_settings_hold_the_budgeted_connections(self):
        settings = shipped_settings()
        self.assertEqual(sum(int(v) for v in settings.values()) + SINGLETONS, 14,
                         "config.env, hpa.yaml and the README budget 14 connections a pod")
        self.assert_replica_holds(settings)

    def test_the_formula_holds_for_other_settings(self):
        self.assert_replica_holds({"DB_POOL_SIZE": "3", "WORKER_THREADS": "1",
                                   "SENDER_THREADS": "3", "JOB_THREADS": "1"})


if __name__ == "__main__":
    h.main()
