"""The webhook edge: secrets, bad bodies, duplicates, readiness, metrics, configuration."""
import json
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402


class WebhookTest(h.IntegrationTestCase):

    def inbox_count(self):
        return int(h.psql_value(self.db_url, "SELECT count(*) FROM inbox"))

    def test_wrong_or_missing_secret_is_401_and_stores_nothing(self):
        svc = self.start_service()
        upd = h.message_update(self.next_update_id(), h.user_id(1), "/start")
        for secret in ("wrong-secret", False, h.WEBHOOK_SECRET + "x", h.WEBHOOK_SECRET[:-1], ""):
            status, body = svc.post_update(upd, secret=secret)
            self.assertEqual(status, 401, "secret %r" % (secret,))
            self.assertIn("unauthorized", body)
        self.assertEqual(self.inbox_count(), 0)
        self.assertEqual(self.botapi.calls(), [])

    def test_bad_bodies_are_400_413_and_store_nothing(self):
        svc = self.start_service()
        for body in (b"", b"nope", b"[]", b"{}", b'{"update_id":"5"}', b'{"update_id":-1}',
                     b'{"update_id":1', b"\xff\xfe", b'{"update_id": 1.5}'):
            status, text = svc.post_update(body)
            self.assertEqual(status, 400, body)
            self.assertIn("bad_request", text)
        big = b'{"update_id":1,"message":{"text":"' + b"a" * (1024 * 1024) + b'"}}'
        status, text = svc.post_update(big)
        self.assertEqual(status, 413)
        self.assertIn("payload_too_large", text)
        status, _ = svc.get("/telegram/webhook")
        self.assertEqual(status, 405)
        status, _ = svc.get("/nowhere")
        self.assertEqual(status, 404)
        self.assertEqual(self.inbox_count(), 0)
        # the service is still fine after all that
        status, _ = svc.post_update(h.message_update(self.next_update_id(), h.user_id(2), "/start"))
        self.assertEqual(status, 200)

    def raw_request(self, svc, head, chunks, pause=0.0, timeout=30):
        """Sends head, then each chunk (pausing between them); returns what the server
        answered before it closed, and when it closed (None when it never did)."""
        sock = socket.create_connection(("127.0.0.1", svc.port), timeout=timeout)
        started = time.monotonic()
        answer, closed = b"", None
        try:
            sock.sendall(head)
            for chunk in chunks:
                sock.sendall(chunk)
                if pause:
                    time.sleep(pause)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server closed on us: read what it said
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
        closed = time.monotonic() - started
        sock.close()
        return answer, closed

    def webhook_head(self, extra):
        return (b"POST /telegram/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                b"\r\nX-Telegram-Bot-Api-Secret-Token: " + h.WEBHOOK_SECRET.encode() + b"\r\n"
                + extra + b"\r\n")

    def test_hostile_bodies_chunked_deep_and_slow(self):
        svc = self.start_service()
        # a chunked body past 1 MiB: 413, however it is sent
        chunk = b"a" * 65536
        body = [b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20)] + [b"0\r\n\r\n"]
        answer, _ = self.raw_request(svc, self.webhook_head(b"Transfer-Encoding: chunked\r\n"),
                                     body)
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:100])
        # 2,000 levels of nesting: refused as a bad update, never a crash
        deep = b'{"update_id":1,"message":' + b"[" * 2000 + b"]" * 2000 + b"}"
        status, text = svc.post_update(deep)
        self.assertIn(status, (200, 400), text)
        deep = b'{"update_id":2,"x":' + b'{"a":' * 2000 + b"1" + b"}" * 2000 + b"}"
        status, text = svc.post_update(deep)
        self.assertIn(status, (200, 400), text)
        # a body trickling in a byte at a time is cut off after 10 s, not held for minutes
        trickled = self.next_update_id()
        update = json.dumps(h.message_update(trickled, h.user_id(3), "/start")).encode()
        answer, closed = self.raw_request(
            svc, self.webhook_head(b"Content-Length: %d\r\n" % len(update)),
            [update[i:i + 1] for i in range(len(update))], pause=1.0, timeout=60)
        print("a trickled body was cut off after %.1f s" % closed)
        self.assertLess(closed, h.scaled(14))
        self.assertEqual(answer, b"")
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM inbox WHERE "
                                                   "update_id = $1", trickled), "0")
        status, _ = svc.post_update(h.message_update(self.next_update_id(), h.user_id(2), "/start"))
        self.assertEqual(status, 200)

    def test_longest_message_is_stored_byte_for_byte(self):
        # 4096 characters, each escaped by the Bot API as \\uXXXX: a ~25 KB body, three times
        # the HTTP server's per-connection memory, which bodies stream past.
        svc = self.start_service()
        upd = h.message_update(self.next_update_id(), h.user_id(5), "Я" * 4096)
        body = h.encode_update(upd)
        self.assertGreater(len(body), 24 * 1024)
        status, _ = svc.post_update(body)
        self.assertEqual(status, 200)
        stored = h.psql_value(self.db_url, "SELECT payload::text FROM inbox WHERE update_id = $1",
                              upd["update_id"])
        self.assertEqual(stored.encode(), body)

    def test_same_update_twice_gives_one_reply(self):
        svc = self.start_service()
        upd = h.message_update(self.next_update_id(), h.user_id(3), "/start")
        self.assertEqual(svc.post_update(upd)[0], 200)
        self.assertEqual(svc.post_update(upd)[0], 200)
        self.botapi.wait_calls(1, "sendMessage")
        # a re-delivery after handling is still only acknowledged
        self.assertEqual(svc.post_update(upd)[0], 200)
        h.wait_until(lambda: h.psql_value(
            self.db_url, "SELECT count(*) FROM inbox WHERE status = 'done'") == "1")
        svc.stop()  # nothing more can be in flight once stopped
        self.assertEqual(len(self.botapi.calls("sendMessage")), 1)
        self.assertEqual(self.inbox_count(), 1)

    def test_unknown_update_kinds_are_acknowledged_quietly(self):
        svc = self.start_service()
        uid = h.user_id(4)
        odd = [
            {"update_id": self.next_update_id(), "poll": {"id": "1", "question": "?",
                                                          "options": [], "total_voter_count": 0}},
            {"update_id": self.next_update_id(), "edited_message": {
                "message_id": 5, "date": 1, "edit_date": 2, "chat": h.chat_object(uid),
                "from": h.user_object(uid), "text": "edited"}},
            {"update_id": self.next_update_id(), "brand_new_kind": {"chat": {"id": uid},
                                                                    "x": [1, {}]}},
            {"update_id": 0, "message": {"message_id": 1, "date": 1, "chat": h.chat_object(uid),
                                         "from": h.user_object(uid, lang=None), "text": None,
                                         "photo": {}, "document": ""}},
        ]
        for upd in odd:
            self.assertEqual(svc.post_update(upd)[0], 200, upd)
        h.wait_until(lambda: h.psql_value(
            self.db_url, "SELECT count(*) FROM inbox WHERE status = 'done'") == str(len(odd)))
        # the message with no text is answered with the menu hint; the rest with nothing
        self.botapi.wait_calls(1, "sendMessage")
        self.assertEqual(h.psql_value(self.db_url,
                                      "SELECT count(*) FROM inbox WHERE status <> 'done'"), "0")

    def test_readyz_reports_migrations_behind(self):
        svc = self.start_service(extra_env={"MIGRATE_ON_START": "false"}, wait=False)
        def alive():
            try:
                return svc.get("/healthz")[0] == 200
            except OSError:
                return False
        h.wait_until(alive, timeout=15)
        # readiness answers from the prober's last look at the database (every 2 s)
        h.wait_until(lambda: "migrations behind" in svc.get("/readyz")[1], timeout=5)
        status, body = svc.get("/readyz")
        self.assertEqual(status, 503)
        done = h.run_avatarbot(["migrate"], db_url=self.db_url)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        h.wait_until(lambda: svc.get("/readyz")[0] == 200, timeout=5)
        status, body = svc.get("/readyz")
        self.assertIn('"schema_version"', body)
        # a second migrate finds nothing to do
        again = h.run_avatarbot(["migrate"], db_url=self.db_url)
        self.assertEqual(again.returncode, 0)
        self.assertIn('"applied":0', again.stdout)

    def test_metrics_count_requests(self):
        svc = self.start_service()
        svc.post_update(h.message_update(self.next_update_id(), h.user_id(5), "/start"))
        svc.post_update(b"nope")
        svc.post_update(h.message_update(self.next_update_id(), h.user_id(5), "/start"),
                        secret="bad")
        self.botapi.wait_calls(1, "sendMessage")
        status, text = svc.get("/metrics")
        self.assertEqual(status, 200)
        for line in ('avatarbot_http_requests_total{endpoint="/telegram/webhook",code="200"} 1',
                     'avatarbot_http_requests_total{endpoint="/telegram/webhook",code="400"} 1',
                     'avatarbot_http_requests_total{endpoint="/telegram/webhook",code="401"} 1',
                     'avatarbot_updates_received_total{result="stored"} 1',
                     "# TYPE avatarbot_webhook_ack_seconds histogram",
                     "avatarbot_inbox_pending "):
            self.assertIn(line, text)
        h.wait_until(lambda: 'avatarbot_outbox_sent_total{method="sendMessage"} 1'
                     in svc.get("/metrics")[1])


class CommandLineTest(h.IntegrationTestCase):

    def test_configuration_errors_exit_2_with_one_line_each(self):
        env = {k: None for k in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")}
        env.update({"HTTP_PORT": "99999", "LOG_LEVEL": "chatty"})
        done = h.run_avatarbot(["serve"], extra_env=env)
        self.assertEqual(done.returncode, 2)
        lines = [l for l in done.stderr.splitlines() if l.startswith("config: ")]
        names = sorted(l.split(":")[1].strip() for l in lines)
        self.assertEqual(names, ["DATABASE_URL", "HTTP_PORT", "LOG_LEVEL",
                                 "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"])

    def test_set_webhook_registers_url_secret_and_options(self):
        done = h.run_avatarbot(["set-webhook", "--max-connections", "80",
                                "--drop-pending-updates"], botapi=self.botapi)
        self.assertEqual(done.returncode, 0, done.stderr)
        call = self.botapi.calls("setWebhook")[-1]["params"]
        self.assertEqual(call["url"], h.PUBLIC_BASE_URL + "/telegram/webhook")
        self.assertEqual(call["secret_token"], h.WEBHOOK_SECRET)
        self.assertEqual(call["allowed_updates"],
                         ["message", "callback_query", "my_chat_member", "pre_checkout_query"])
        self.assertEqual(call["max_connections"], 80)
        self.assertIs(call["drop_pending_updates"], True)
        self.assertNotIn(h.TOKEN, done.stdout + done.stderr)
        bad = h.run_avatarbot(["set-webhook", "--max-connections", "500"], botapi=self.botapi)
        self.assertEqual(bad.returncode, 2)

    def test_version_and_graph(self):
        done = h.run_avatarbot(["version"])
        self.assertEqual(done.returncode, 0)
        self.assertRegex(done.stdout, r"^avatarbot \d+\.\d+\.\d+")
        graph = h.run_avatarbot(["fsm-graph"])
        self.assertIn("stateDiagram-v2", graph.stdout)


if __name__ == "__main__":
    h.main()
