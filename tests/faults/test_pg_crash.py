"""Fault: PostgreSQL crashes while a reply is on its way to Telegram.

Steps commit without waiting for the disk; a step that a crash loses is run again from the
durable inbox. A reply must therefore leave only once its step is on disk, or the user gets it
twice: once from the lost step, once from its rerun. And once Telegram has a message, a sender
whose database is restarting waits for it to record the delivery rather than let the lease run
out and send the message again.

The scenario makes the window wide and deterministic: the service runs on a private cluster with
real flushes (not the suite's fsync-off mode) and wal_writer_delay = 10 s, so nothing but a
synchronous commit puts the step on disk; the Bot API stand-in holds the reply for a few
seconds, the cluster is stopped with an immediate (crash) shutdown while it does, and started
again. The user must see the reply once, and the step must have run once."""
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faultlib as f  # noqa: E402
from faultlib import h  # noqa: E402

ENV = {"WORKER_THREADS": "2", "SENDER_THREADS": "2", "TELEGRAM_RATE_PER_CHAT": "1000",
       "TELEGRAM_RATE_GLOBAL": "1000", "LOG_LEVEL": "info"}
STALL_S = 4


class PgCrashFault(h.IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.pg = f.private_cluster(self, "faults-pg-crash", fast=False)
        h.psql(self.pg.url, "ALTER SYSTEM SET wal_writer_delay = '10s'")
        h.psql(self.pg.url, "SELECT pg_reload_conf()")
        self.db_url = self.pg.new_database("ab_pg_crash")

    def crash_and_restart(self):
        url = self.pg.url
        subprocess.run(["bash", str(h.PGCLUSTER_SCRIPT), "crash", str(self.pg.dir)], check=True,
                       stdin=subprocess.DEVNULL, timeout=h.scaled(60))
        self.pg.url = None
        time.sleep(1)
        self.assertEqual(self.pg.start_again(), url)

    def test_a_reply_in_flight_survives_a_database_crash_once(self):
        svc = self.start_service("a", extra_env=ENV)
        uid = h.user_id(3100)
        svc.post_update(h.message_update(1, uid, "/start", lang="en"))
        self.botapi.wait_calls(1, method="sendMessage", timeout=h.scaled(15))
        f.wait_idle(self.db_url, timeout=30)
        mark = self.botapi.last_seq()

        self.botapi.fault("stall", method="sendMessage", chat_id=uid, stall_seconds=STALL_S)
        svc.post_update(h.message_update(2, uid, "/help", lang="en"))
        h.wait_until(lambda: not self.botapi.faults(), timeout=h.scaled(15),
                     message="the reply to reach the Bot API")
        time.sleep(1)  # past any flush already under way when the reply left
        crashed = time.monotonic()
        self.crash_and_restart()
        restarted = time.monotonic() - crashed
        svc.wait_ready(h.scaled(60))
        f.wait_idle(self.db_url, timeout=h.scaled(90))
        time.sleep(2)  # a rerun step would have queued its reply by now

        replies = [c for c in self.botapi.calls(method="sendMessage", since=mark)
                   if c["http_status"] == 200 and int(c["params"]["chat_id"]) == uid]
        fig = f.pipeline_figures(self.db_url, [1, 2])
        f.figure("pg-crash",
                 "database crashed with a reply in flight, back after %.1f s: the user got it "
                 "x%d, step runs beyond one %d, lost %d"
                 % (restarted, len(replies), fig["doubled"], fig["lost"]))
        self.assertEqual(fig["lost"], 0)
        self.assertEqual(fig["doubled"], 0, "the step was run again after the crash")
        self.assertEqual(len(replies), 1, [c["params"].get("text", "")[:40] for c in replies])
        self.assertEqual(f.count(self.db_url, "SELECT count(*) FROM outbox WHERE status = 'sent'"
                                              " AND method = 'sendMessage'"), 2)


if __name__ == "__main__":
    h.main()
