"""Delivery of Bot API calls: retry_after on 429, back-off on 5xx, stalls and dropped
connections, "message is not modified", blocked users, and per-chat order."""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402

FAST = {"TELEGRAM_TIMEOUT_SECONDS": "2"}


class SenderTest(h.IntegrationTestCase):

    def start(self):
        return self.start_service(extra_env=FAST)

    def outbox(self, where="true"):
        return h.psql(self.db_url, "SELECT method, status, attempts, error_code FROM outbox "
                                   "WHERE %s ORDER BY id" % where)

    def test_429_waits_retry_after_then_delivers(self):
        svc = self.start()
        self.botapi.fault("429", method="sendMessage", count=1, retry_after=2)
        uid = h.user_id(1)
        self.assertEqual(svc.post_update(h.message_update(self.next_update_id(), uid,
                                                          "/start"))[0], 200)
        ok = self.botapi.wait_calls(1, "sendMessage", timeout=15)
        calls = self.botapi.calls("sendMessage")
        self.assertEqual([c["http_status"] for c in calls], [429, 200])
        self.assertGreaterEqual(calls[1]["time"] - calls[0]["time"], 1.9)
        self.assertEqual(ok[0]["params"]["chat_id"], uid)
        # the 429 is not counted as a failed attempt
        h.wait_until(lambda: [r[:3] for r in self.outbox()] == [["sendMessage", "sent", "1"]])
        # of a text message the row keeps the id Telegram gave it, not its text again
        self.assertEqual(json.loads(h.psql_value(self.db_url, "SELECT result FROM outbox")),
                         {"message_id": ok[0]["response"]["result"]["message_id"]})

    def test_429_for_one_chat_does_not_hold_back_others(self):
        svc = self.start()
        slow, fast = h.user_id(2), h.user_id(3)
        self.botapi.fault("429", method="sendMessage", chat_id=slow, count=1, retry_after=30)
        svc.post_update(h.message_update(self.next_update_id(), slow, "/start"))
        svc.post_update(h.message_update(self.next_update_id(), fast, "/start"))
        got = self.botapi.wait_calls(1, "sendMessage", timeout=10)
        self.assertEqual(got[0]["params"]["chat_id"], fast)
        # the slow chat's row waits out its retry_after (another sender may still be recording
        # its 429 when the fast chat's message is already through)
        h.wait_until(lambda: h.psql(self.db_url, "SELECT status, error_code, not_before > now()"
                                                 " + interval '20 s' FROM outbox WHERE chat_id = %s"
                                    % slow) == [["pending", "429", "t"]],
                     timeout=5, message="the slow chat's row waiting out its 429")
        self.assertEqual(len(self.botapi.calls("sendMessage")), 2, "no second try of the slow one")

    def test_5xx_stall_and_drop_are_retried(self):
        svc = self.start()
        uid = h.user_id(4)
        self.botapi.fault("500", method="sendMessage", count=1)
        self.botapi.fault("502", method="sendMessage", count=1)
        self.botapi.fault("drop", method="sendMessage", count=1)
        self.botapi.fault("stall", method="sendMessage", count=1, stall_seconds=4)
        svc.post_update(h.message_update(self.next_update_id(), uid, "/start"))
        self.botapi.wait_calls(1, "sendMessage", timeout=40)
        h.wait_until(lambda: self.outbox()[0][1] == "sent")
        self.assertEqual([c["http_status"] for c in self.botapi.calls("sendMessage")][-1], 200)
        # curl itself retries a request on a reused connection that was reset, so the dropped
        # call may not cost an attempt of ours
        self.assertGreaterEqual(int(self.outbox()[0][2]), 4)

    def test_not_modified_counts_as_delivered(self):
        svc = self.start()
        uid = h.user_id(5)
        svc.post_update(h.message_update(self.next_update_id(), uid, "/start", lang="en"))
        menu = self.botapi.wait_calls(1, "sendMessage")[0]
        mid = menu["response"]["result"]["message_id"]
        # "my avatars" twice: the second edit changes nothing, Telegram says "not modified"
        for _ in range(2):
            svc.post_update(h.callback_update(self.next_update_id(), uid, "av:list:0", mid,
                                              lang="en"))
        h.wait_until(lambda: len(self.outbox("status IN ('sent', 'failed')")) == 5)
        edits = self.botapi.calls("editMessageText")
        self.assertEqual([c["http_status"] for c in edits], [200, 400])
        self.assertIn("message is not modified", edits[1]["response"]["description"])
        self.assertEqual([r[1] for r in self.outbox()], ["sent"] * 5)
        self.assertEqual(len(self.botapi.calls("answerCallbackQuery")), 2)

    def test_edit_of_a_vanished_message_becomes_a_new_message(self):
        svc = self.start()
        uid = h.user_id(6)
        svc.post_update(h.callback_update(self.next_update_id(), uid, "av:help", 987654,
                                          lang="en"))
        sent = self.botapi.wait_calls(1, "sendMessage")
        self.assertIn("Help", sent[0]["params"]["text"])
        self.assertEqual(self.botapi.calls("editMessageText")[0]["http_status"], 400)

    def test_blocked_user_drops_the_chat_queue(self):
        svc = self.start()
        uid = h.user_id(7)
        self.botapi.block(uid)
        svc.post_update(h.message_update(self.next_update_id(), uid, "/start"))
        h.wait_until(lambda: self.outbox() and self.outbox()[0][1] == "dropped")
        self.assertNotEqual(h.psql_value(self.db_url, "SELECT blocked_at FROM users WHERE id = %s"
                                         % uid), "")
        # my_chat_member "member" (unblocked) clears it
        svc.post_update(h.my_chat_member_update(self.next_update_id(), uid, new_status="member",
                                                old_status="kicked"))
        h.wait_until(lambda: h.psql_value(self.db_url, "SELECT blocked_at IS NULL FROM users "
                                                       "WHERE id = %s" % uid) == "t")

    def test_one_chat_keeps_its_order(self):
        svc = self.start_service(extra_env={"TELEGRAM_RATE_PER_CHAT": "1000",
                                            "SENDER_THREADS": "4", "WORKER_THREADS": "4"})
        uid = h.user_id(8)
        commands = ["/start", "/help"] * 10
        for cmd in commands:
            self.assertEqual(svc.post_update(h.message_update(self.next_update_id(), uid, cmd,
                                                              lang="en"))[0], 200)
        got = self.botapi.wait_calls(len(commands), "sendMessage", timeout=30)
        kinds = ["help" if "Help" in c["params"]["text"] else "menu" for c in got]
        self.assertEqual(kinds, ["menu", "help"] * 10)

    def test_per_chat_pacing(self):
        svc = self.start_service(extra_env={"TELEGRAM_RATE_PER_CHAT": "2"})
        uid = h.user_id(9)
        for _ in range(7):
            svc.post_update(h.message_update(self.next_update_id(), uid, "/start"))
        got = self.botapi.wait_calls(7, "sendMessage", timeout=20)
        # a burst of 3, then 2 per second: the last arrives at least ~2 s after the first
        self.assertGreaterEqual(got[-1]["time"] - got[0]["time"], 1.8)


if __name__ == "__main__":
    h.main()
