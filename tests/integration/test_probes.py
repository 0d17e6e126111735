"""Probes and scrapes never wait: /readyz and /metrics answer on the event loop from what the
prober last read from the database, and FAL's callbacks wait for a helper thread in a bounded
queue (503 when it is full). Before, the three shared two helper threads and an unbounded
queue, so a slow JWKS host plus a burst of junk callbacks failed readiness on every replica,
and the ingress then stopped sending Telegram's webhooks too."""
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402

BURST = 48


class ProbesTest(h.IntegrationTestCase):

    def silent_server(self):
        """Accepts connections and never answers: FAL's key host gone slow."""
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self.addCleanup(sock.close)
        self.key_host = sock
        return sock.getsockname()[1]

    def junk_callback(self, svc, results):
        body = json.dumps({"request_id": "junk", "status": "OK"}).encode()
        headers = {"Content-Type": "application/json",
                   "X-Fal-Webhook-Request-Id": "junk",
                   "X-Fal-Webhook-User-Id": "someone",
                   "X-Fal-Webhook-Timestamp": str(int(time.time())),
                   "X-Fal-Webhook-Signature": "ab" * 64}
        started = time.monotonic()
        try:
            status, _ = svc.request("POST", "/fal/webhook", body, headers, timeout=60)
        except OSError:
            status = None
        results.append((status, time.monotonic() - started))

    def test_probes_answer_while_fal_callbacks_wait_for_a_slow_key_host(self):
        port = self.silent_server()
        svc = self.start_service(extra_env={
            "FAL_JWKS_URL": "http://127.0.0.1:%d/.well-known/jwks.json" % port})
        results = []
        threads = [threading.Thread(target=self.junk_callback, args=(svc, results))
                   for _ in range(BURST)]
        for t in threads:
            t.start()
        # the burst is in: every helper waits on the key host, the queue is full
        h.wait_until(lambda: sum(1 for s, _ in results if s == 503) >= BURST - 34,
                     timeout=h.scaled(5), message="callbacks past the queue refused")
        for path in ("/readyz", "/metrics"):
            started = time.monotonic()
            status, body = svc.get(path, timeout=5)
            took = time.monotonic() - started
            print("%s answered %d in %.3f s with %d callbacks waiting" % (
                path, status, took, BURST - len(results)))
            self.assertEqual(status, 200, body[:200])
            self.assertLess(took, h.scaled(0.5))
        quick = [took for s, took in results if s == 503]
        self.assertGreaterEqual(len(quick), BURST - 34)
        self.assertLess(max(quick), h.scaled(2.0), "a full queue answers at once")
        # the key host goes away: the waiting callbacks end with 503 (never accepted unchecked)
        self.key_host.close()
        for t in threads:
            t.join(timeout=h.scaled(30))
        self.assertEqual({s for s, _ in results}, {503})

    def test_readiness_follows_the_prober(self):
        svc = self.start_service()
        status, body = svc.get("/readyz")
        self.assertEqual(status, 200)
        self.assertIn('"schema_version":', body)
        text = svc.get("/metrics")[1]
        self.assertIn("avatarbot_inbox_pending 0", text)
        # a pending update shows in the gauge within the prober's period, without a scrape
        # reading the database
        h.psql(self.db_url, "INSERT INTO inbox (update_id, chat_id, kind, payload, status) "
                            "VALUES (1, 1, 'message', '{}', 'failed')")
        h.psql(self.db_url, "INSERT INTO inbox (update_id, chat_id, kind, payload, not_before) "
                            "VALUES (2, 1, 'message', '{}', now() + interval '1 hour')")
        h.wait_until(lambda: "avatarbot_inbox_pending 1" in svc.get("/metrics")[1],
                     timeout=h.scaled(5), message="the gauge refreshed")

    def test_build_and_process_figures_and_no_frozen_gauges(self):
        svc = self.start_service()
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=h.REPO_ROOT,
                                capture_output=True, text=True).stdout.strip() or "unknown"
        self.assertEqual(svc.metric("avatarbot_build_info", 'version="%s",commit="%s"'
                                    % (h.run_avatarbot(["version"]).stdout.split()[-1],
                                       commit)), 1)
        self.assertGreater(svc.metric("process_resident_memory_bytes"), 1 << 20)
        self.assertGreater(svc.metric("process_open_fds"), 3)
        self.assertGreaterEqual(svc.metric("process_cpu_seconds_total"), 0)
        self.assertLess(abs(svc.metric("process_start_time_seconds") - time.time()), 600)
        self.assertEqual(svc.metric("avatarbot_inbox_pending"), 0)
        # the database stops answering this service: its gauges go, rather than show old
        # values as if they were current; they come back with it
        dbname = self.db_url.rsplit("/", 1)[1].split("?")[0]
        admin = h.pg_cluster().url
        h.psql(admin, 'ALTER DATABASE "%s" ALLOW_CONNECTIONS false' % dbname)
        try:
            h.psql(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = $1 AND pid <> pg_backend_pid()", dbname)
            h.wait_until(lambda: svc.metric("avatarbot_inbox_pending") is None,
                         timeout=h.scaled(10), message="the gauge to go")
            self.assertIsNone(svc.metric("avatarbot_jobs_pending"))
            self.assertIsNotNone(svc.metric("process_open_fds"))
        finally:
            h.psql(admin, 'ALTER DATABASE "%s" ALLOW_CONNECTIONS true' % dbname)
        h.wait_until(lambda: svc.metric("avatarbot_inbox_pending") == 0, timeout=h.scaled(10),
                     message="the gauge to come back")


if __name__ == "__main__":
    h.main()
