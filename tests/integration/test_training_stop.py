"""A run that FAL may still be training is not ended here until FAL says it has ended (issue
15): a cancel that FAL refuses (a key rotated under us), FAL refusing our key on the status
check, and the time limit. Meanwhile the user is told what is happening and the avatar cannot
be trained again, so no second paid training runs beside the first. FAL is the in-repo queue
stand-in, its cancel and status answers refused with armed faults."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from chat import Chat  # noqa: E402
from test_training import TrainingCase  # noqa: E402

KEY_REFUSED = "No user found for Key ID and Secret"


class StopTest(TrainingCase):

    def run_row(self, avatar_id):
        return h.psql_json(self.db_url, "SELECT request_id, status, cancel_reason, "
                                        "extract(epoch FROM completed_at)::float8 AS ended "
                                        "FROM fal_requests WHERE avatar_id = $1 "
                                        "ORDER BY submitted_at", avatar_id)[0]

    def running(self, uid, duration=120):
        self.fal.set_config(duration=duration)
        svc = self.start()
        chat = Chat(self, svc, uid)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        rid = self.submitted()["request_id"]
        self.fal.wait_request(rid, status="IN_PROGRESS", timeout=10)
        return svc, chat, aid, rid

    def test_refused_cancel_keeps_the_run_open_until_fal_stops_it(self):
        svc, chat, aid, rid = self.running(701)
        self.fal.fault("http", endpoint="cancel", status=401, detail=KEY_REFUSED, count=3)
        chat.press("⏸️ Cancel", expect_screen=False)
        h.wait_until(lambda: self.run_row(aid)["status"] == "cancelling", timeout=20,
                     message="the run to be stopping")
        self.wait_sent(701, "has not confirmed the stop yet")
        self.assertEqual(self.avatar(aid)["status"], "training")
        # a retrain press meanwhile (the Start button of an older screen) starts nothing
        chat.press(data="tr:go:%d" % aid, expect_screen=False)
        self.assertEqual(self.fal.request(rid)["status"], "IN_PROGRESS")
        # the stop is asked for again each poll round; the fourth is taken and FAL stops it
        self.wait_avatar(aid, "cancelled", timeout=30)
        first = self.fal.wait_request(rid, outcome="cancelled", timeout=10)
        self.assertEqual([c["http_status"] for c in self.fal.calls(endpoint="cancel")],
                         [401, 401, 401, 202])
        row = self.run_row(aid)
        self.assertEqual((row["status"], row["cancel_reason"]), ("cancelled", "user"))
        self.assertGreaterEqual(row["ended"], first["completed_at"])  # not before FAL's end
        self.assertEqual(len(self.fal.requests()), 1)
        msg = self.wait_sent(701, "cancelled")[-1]
        time.sleep(h.scaled(1))
        self.assertEqual(len(self.sent(701, "cancelled")), 1)
        self.assertEqual(self.sent(701, "failed"), [])
        # now the avatar trains again: one new request, sent after the first one ended
        chat.message_id = msg["response"]["result"]["message_id"]
        chat.last = msg
        chat.press("Train again")
        chat.press("✅ Start")
        second = self.submitted(2)
        self.assertGreater(second["submitted_at"], first["completed_at"])
        self.assertEqual(len(self.fal.requests()), 2)
        self.assertIn('avatarbot_fal_errors_total{kind="cancel_refused"} 1', self.metrics(svc))

    def test_time_limit_stops_the_request_at_fal_before_ending(self):
        svc, chat, aid, rid = self.running(702)
        self.fal.fault("http", endpoint="cancel", status=403, detail="Forbidden", count=2)
        h.psql(self.db_url, "UPDATE fal_requests SET submitted_at = now() - interval '7 hours' "
                            "WHERE avatar_id = $1", aid)
        h.wait_until(lambda: self.run_row(aid)["status"] == "cancelling", timeout=20,
                     message="the run to be stopping")
        self.assertEqual(self.run_row(aid)["cancel_reason"], "time_limit")
        self.wait_sent(702, "taking far longer than it should")
        self.assertEqual(self.avatar(aid)["status"], "training")
        self.wait_avatar(aid, "error", timeout=30)
        first = self.fal.wait_request(rid, outcome="cancelled", timeout=10)
        self.assertGreaterEqual(self.run_row(aid)["ended"], first["completed_at"])
        self.assertEqual([c["http_status"] for c in self.fal.calls(endpoint="cancel")],
                         [403, 403, 202])
        msg = self.wait_sent(702, "failed")[-1]
        self.assertIn("took far longer than it should", msg["params"]["text"])
        self.assertEqual(len(self.fal.requests()), 1)

    def test_status_refused_for_our_key_does_not_end_the_run(self):
        # FAL answers 401 to the status check (a key rotated under us) while the request
        # trains on: the run waits, the user is told, and it completes once FAL answers again
        self.fal.fault("webhook_drop", count=5)  # only the poll can end it
        self.fal.fault("http", endpoint="status", status=401, detail=KEY_REFUSED, count=4)
        svc = self.start()
        chat = Chat(self, svc, 703)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        rid = self.submitted()["request_id"]
        self.wait_sent(703, "Waiting for the training service")
        a = self.wait_avatar(aid, "completed", timeout=40)
        self.assertEqual(a["lora_url"],
                         self.fal.request(rid)["output"]["diffusers_lora_file"]["url"])
        self.assertEqual([c["http_status"] for c in self.fal.calls(endpoint="status")][:4],
                         [401] * 4)
        self.assertEqual(len(self.wait_sent(703, "is ready")), 1)
        self.assertEqual(self.sent(703, "failed"), [])
        self.assertIn('avatarbot_fal_errors_total{kind="auth"} 4', self.metrics(svc))


if __name__ == "__main__":
    h.main()
