"""Fault: PostgreSQL stopped for 10 s under load.

The service runs on a private cluster of its own (scripts/pgcluster.sh in the build tree, not
the suite's shared one, which other tests are using), with chats posting /start and /help the
whole time, delivered like Telegram (faultlib.Deliverer: an update not answered 200 is sent
again). While the database is down the webhook must answer 503 (never 200: nothing can be
stored) and /readyz must say not ready; once it is back the service recovers on its own: every
acknowledged update handled exactly once and answered, nothing left pending."""
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faultlib as f  # noqa: E402
from faultlib import h  # noqa: E402

ENV = {"WORKER_THREADS": "2", "SENDER_THREADS": "2", "TELEGRAM_RATE_PER_CHAT": "1000",
       "TELEGRAM_RATE_GLOBAL": "1000", "LOG_LEVEL": "info"}
CHATS = 12
OUTAGE_S = 10


class PgOutageFault(h.IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.pg = f.private_cluster(self, "faults-pg")
        self.db_url = self.pg.new_database("ab_pg_outage")

    def test_database_stopped_ten_seconds_under_load(self):
        svc = self.start_service("a", extra_env=ENV)
        deliver = f.Deliverer(self, [svc], pause=0.25)
        stop = threading.Event()
        sent = {}

        def chat(uid):
            n = 0
            while not stop.is_set():
                cmd = "/start" if n % 2 == 0 else "/help"
                deliver.deliver(lambda u: h.message_update(u, uid, cmd, lang="en"))
                sent[uid] = n = n + 1
                time.sleep(0.1)

        chats = [h.user_id(2000 + i) for i in range(CHATS)]
        load = threading.Thread(target=f.run_chats,
                                args=([lambda u=u: chat(u) for u in chats],))
        load.start()
        probes = []  # (time, /readyz status), sampled the whole time

        def probe():
            while not stop.is_set():
                try:
                    probes.append((time.monotonic(), svc.get("/readyz", timeout=5)[0]))
                except OSError:
                    probes.append((time.monotonic(), "conn"))
                time.sleep(0.25)
        prober = threading.Thread(target=probe)
        prober.start()
        try:
            h.wait_until(lambda: len(deliver.acked) >= 100, timeout=30)
            url = self.pg.url
            stopping = time.monotonic()
            self.pg.stop()
            down_at = time.monotonic()    # stopped: nothing can be stored from here
            time.sleep(OUTAGE_S)
            up_at = time.monotonic()      # starting again
            self.assertEqual(self.pg.start_again(), url)  # the same port: the service's URL holds
            started = time.monotonic()
            recovered_at = h.wait_until(
                lambda: next((t for t, s in list(deliver.log) if t > up_at and s == 200), None),
                timeout=60, message="a webhook answered 200 after the database came back")
            time.sleep(3)  # and the load goes on a while
        finally:
            stop.set()
            load.join()
            prober.join()
        svc.wait_ready(30)
        f.wait_idle(self.db_url, timeout=60)
        fig = f.pipeline_figures(self.db_url, deliver.acked)
        dups = f.duplicate_messages(self.botapi, self.db_url)
        disordered = f.out_of_order(self.botapi, self.db_url, chats)
        during = [s for t, s in deliver.log if down_at <= t <= up_at]
        unready = [t for t, s in probes if s != 200 and t >= stopping]
        replies = f.count(self.db_url, "SELECT count(*) FROM outbox WHERE status = 'sent' AND "
                                       "method = 'sendMessage'")
        f.figure("pg-outage",
                 "%d updates, database down %.0f s: webhooks answered 503 x%d during it, "
                 "first 200 %.1f s after it was up (webhook answers %s); /readyz 503 from "
                 "%.1f s into the outage to %.1f s after it; lost %d, doubled %d, replies "
                 "%d/%d, chats out of order %d, duplicate messages %d"
                 % (fig["acked"], started - stopping, during.count(503),
                    max(0.0, recovered_at - started), f.answers(deliver.statuses),
                    (unready[0] - stopping) if unready else -1,
                    (unready[-1] - started) if unready else -1,
                    fig["lost"], fig["doubled"], replies, fig["acked"], len(disordered), dups))
        self.assertEqual(sum(sent.values()), fig["acked"])
        self.assertGreater(during.count(503), 0, "no webhook arrived during the outage")
        self.assertEqual(set(during) - {503}, set(), "answers while the database was down")
        self.assertEqual(set(deliver.statuses) - {200, 503}, set())
        # /readyz forgives 10 s of database silence by design (src/http/health.c), so with
        # the outage this long it must have turned 503 before the end, and back to 200
        self.assertTrue(unready, "/readyz stayed ready through the outage")
        self.assertEqual(probes[-1][1], 200)
        self.assertEqual(fig["lost"], 0, "acknowledged but not handled: %s" % fig["lost_ids"])
        self.assertEqual(fig["doubled"], 0)
        self.assertEqual(fig["steps_missing"], 0)
        self.assertEqual(fig["outbox_unsent"], 0)
        self.assertEqual(fig["failed_updates"], 0)
        self.assertEqual(disordered, [], "messages out of order")
        # each /start and /help answered (a reply whose "sent" mark the outage swallowed goes
        # out again: a duplicate message, counted above, as the README says)
        self.assertEqual(replies, fig["acked"])
        self.assertEqual(svc.get("/readyz")[0], 200)


if __name__ == "__main__":
    h.main()
