"""One press, at most one paid FAL request: the training submit under the faults that used to
start several paid trainings. The FAL stand-in accepts a submit and then drops the connection,
answers after our timeout, answers a 2xx we cannot read, or a proxy answers 502 without passing
the submit on; a replica is killed right after its submit and another one carries on; FAL's
request listing shows the requests late. In every case the stand-in's record of requests is
counted: exactly one request per press runs to completion, any extra is cancelled at FAL, and
the user sees one training with one result."""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from chat import Chat  # noqa: E402
from test_training import TrainingCase  # noqa: E402


# billing on, a user's welcome gift covering one training: a paid press
PAID = {"BILLING": "stars", "BILLING_WELCOME_CREDITS": 100, "BILLING_PRICE_TRAINING": 100}


class SubmitOnceTest(TrainingCase):

    def attempts(self, avatar_id):
        return h.psql_json(self.db_url, "SELECT s.attempt, s.nonce, s.outcome, s.request_id "
                                        "FROM fal_submits s JOIN fal_requests f ON "
                                        "f.request_id = s.run_id WHERE f.avatar_id = $1 "
                                        "ORDER BY s.attempt", avatar_id)

    def run_row(self, avatar_id):
        return h.psql_json(self.db_url, "SELECT request_id, status, extra_requests FROM "
                                        "fal_requests WHERE avatar_id = $1", avatar_id)[0]

    def assert_one_training(self, uid, avatar_id, request_id):
        """The user's view and the avatar: one training, finished with request_id's model."""
        a = self.wait_avatar(avatar_id, "completed", timeout=60)
        self.wait_sent(uid, "is ready", timeout=30)
        out = self.fal.request(request_id)["output"]
        self.assertEqual(a["lora_url"], out["diffusers_lora_file"]["url"])
        self.assertEqual(a["fal_request_id"], request_id)
        time.sleep(h.scaled(1))
        self.assertEqual(len(self.sent(uid, "is ready")), 1)
        self.assertEqual(self.sent(uid, "cancelled"), [])
        self.assertEqual(self.sent(uid, "Could not start"), [])
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM fal_requests WHERE "
                                                   "avatar_id = $1", avatar_id), "1")

    def assert_charged_once(self, uid):
        """With billing on (PAID): the training's price spent once, nothing refunded."""
        self.assertEqual(h.psql(self.db_url, "SELECT delta, reason FROM credit_ledger WHERE"
                                             " user_id = $1 ORDER BY id", uid),
                         [["100", "welcome"], ["-100", "training"]])
        self.assertEqual(h.psql_value(self.db_url, "SELECT credits FROM users WHERE id = $1",
                                      uid), "0")

    def press(self, svc, uid, name="Anna"):
        chat = Chat(self, svc, uid)
        aid = self.ready_avatar(chat, name)
        self.start_training(chat, aid)
        return chat, aid

    def ran_to_completion(self):
        return [r for r in self.fal.requests() if r["outcome"] == "ok"]

    # ---- an accepted submit whose answer we never read ----------------------------------
    def check_adopted_from_webhook(self, svc, uid, aid):
        req = self.submitted()
        self.assert_one_training(uid, aid, req["request_id"])
        self.assertEqual(len(self.fal.calls(endpoint="submit")), 1)  # never sent again
        self.assertEqual(len(self.fal.requests()), 1)
        self.assertEqual(len(self.ran_to_completion()), 1)
        [attempt] = self.attempts(aid)
        self.assertEqual((attempt["outcome"], attempt["request_id"]),
                         ("accepted", req["request_id"]))
        self.assertEqual(req["webhook_url"], svc.url + "/fal/webhook?run=" + attempt["nonce"])
        self.assertIn('avatarbot_fal_webhooks_total{result="adopted"} 1', self.metrics(svc))
        self.assertIn('"FAL submit outcome unknown: reconciling"', svc.log_text())

    def test_connection_dropped_after_acceptance(self):
        self.fal.fault("drop", process=True)
        svc = self.start(FAL_RECONCILE_SECONDS=120, **PAID)
        chat, aid = self.press(svc, 601)
        self.check_adopted_from_webhook(svc, 601, aid)
        self.assert_charged_once(601)

    def test_answer_after_our_timeout(self):
        self.fal.fault("stall", seconds=4, process=True)
        svc = self.start(FAL_RECONCILE_SECONDS=120, FAL_SUBMIT_TIMEOUT_SECONDS=1)
        chat, aid = self.press(svc, 602)
        self.check_adopted_from_webhook(svc, 602, aid)
        self.assertIn("Timeout was reached", svc.log_text())

    def test_unreadable_2xx(self):
        self.fal.fault("malformed")
        svc = self.start(FAL_RECONCILE_SECONDS=120)
        chat, aid = self.press(svc, 603)
        self.check_adopted_from_webhook(svc, 603, aid)
        self.assertEqual(self.fal.calls(endpoint="submit")[0]["http_status"], 200)

    # ---- FAL never got it: sent again once the reconcile window is over -------------------
    def test_proxy_502_without_the_submit_is_sent_again_after_the_window(self):
        self.fal.fault("502")  # the proxy answers; FAL's queue never saw the submit
        svc = self.start(FAL_RECONCILE_SECONDS=3)
        chat, aid = self.press(svc, 604)
        req = self.submitted()
        self.assert_one_training(604, aid, req["request_id"])
        submits = self.fal.calls(endpoint="submit")
        self.assertEqual([c["http_status"] for c in submits], [502, 200])
        # not before the window was over
        self.assertGreaterEqual(submits[1]["time"] - submits[0]["time"], 3.0)
        self.assertEqual(len(self.fal.requests()), 1)
        first, second = self.attempts(aid)
        self.assertEqual((first["outcome"], first["request_id"]), ("superseded", None))
        self.assertEqual((second["outcome"], second["request_id"]),
                         ("accepted", req["request_id"]))
        self.assertNotEqual(first["nonce"], second["nonce"])
        self.assertTrue(req["webhook_url"].endswith("?run=" + second["nonce"]))
        self.assertIn('"no sign of the submit at FAL: submitting again"', svc.log_text())

    def test_late_webhook_of_a_superseded_attempt_is_adopted(self):
        # The first attempt's answer is lost and the window (2 s) is shorter than the
        # training (5 s); the next attempt meets a 503 and waits for its retry. The first
        # request's webhook then comes in: the run takes it instead of paying for another.
        self.fal.set_config(duration=5)
        self.fal.fault("drop", process=True)
        svc = self.start(FAL_RECONCILE_SECONDS=2)
        self.fal.fault("503", count=5)
        chat, aid = self.press(svc, 610)
        req = self.submitted()
        self.assert_one_training(610, aid, req["request_id"])
        self.assertEqual(len(self.fal.requests()), 1)
        self.assertEqual([c["http_status"] for c in self.fal.calls(endpoint="submit")][:2],
                         [0, 503])
        first = self.attempts(aid)[0]
        self.assertEqual((first["outcome"], first["request_id"]),
                         ("accepted", req["request_id"]))
        self.assertTrue(req["webhook_url"].endswith("?run=" + first["nonce"]))

    # ---- FAL's request listing ------------------------------------------------------------
    def listing_env(self, **env):
        return dict(FAL_RECONCILE_LISTING="true", FAL_PLATFORM_API_BASE=self.fal.base_url + "/v1",
                    **env)

    def test_listing_adopts_the_request_while_it_runs(self):
        self.fal.set_config(auto_complete=False, duration=6)
        self.fal.fault("drop", process=True)
        svc = self.start(**self.listing_env(FAL_RECONCILE_SECONDS=600))
        chat, aid = self.press(svc, 605)
        req = self.submitted()
        rid = req["request_id"]
        h.wait_until(lambda: self.run_row(aid)["request_id"] == rid, timeout=20,
                     message="the run to adopt the request from the listing")
        # followed like any submitted run: the user sees its progress while it runs
        self.wait_sent(605, "⏱️ About", timeout=20)
        self.assertEqual(self.fal.request(rid)["status"], "IN_PROGRESS")
        self.assertTrue(self.fal.calls(endpoint="list"))
        self.fal.complete(rid)
        self.assert_one_training(605, aid, rid)
        self.assertEqual(len(self.fal.calls(endpoint="submit")), 1)
        self.assertIn('"FAL request adopted from the listing"', svc.log_text())

    def test_extra_request_of_an_earlier_attempt_is_cancelled(self):
        # The listing lags 3.5 s behind the queue and the window is 2 s: the first attempt's
        # request is not seen in time, so a second attempt is made (and its answer is lost
        # too). The first request is adopted once it shows; the second, when it shows, is an
        # extra and cancelled while it runs.
        self.fal.set_config(auto_complete=False, duration=8, listing_lag=3.5)
        self.fal.fault("drop", process=True, count=2)
        svc = self.start(**self.listing_env(FAL_RECONCILE_SECONDS=2))
        chat, aid = self.press(svc, 606)
        first = self.submitted(1)["request_id"]
        second = self.submitted(2)["request_id"]
        self.fal.wait_request(second, outcome="cancelled", timeout=30)
        self.assertEqual(self.run_row(aid)["request_id"], first)
        self.assertEqual(self.fal.request(first)["status"], "IN_PROGRESS")
        self.fal.complete(first)
        self.assert_one_training(606, aid, first)
        self.assertEqual(len(self.fal.requests()), 2)
        self.assertEqual([r["outcome"] for r in self.fal.requests()], ["ok", "cancelled"])
        self.assertEqual(len(self.fal.calls(endpoint="submit")), 2)
        self.assertEqual(self.run_row(aid)["extra_requests"], [second])
        cancels = self.fal.calls(endpoint="cancel")
        self.assertEqual([c["request_id"] for c in cancels], [second])
        self.assertIn('"extra FAL request cancelled"', svc.log_text())
        # the cancelled extra's ERROR webhook changes nothing for the user
        self.fal.wait_webhooks(1, request_id=second, ok=True, timeout=20)
        time.sleep(h.scaled(1))
        self.assertEqual(self.sent(606, "failed"), [])

    # ---- two runners on one press ---------------------------------------------------------
    def test_two_runners_on_one_run_submit_once(self):
        # As when a job's lease runs out under a slow dataset build and a second runner takes
        # the job: a second submit job for the same run, while the first one's POST is still
        # waiting for FAL (it stalls 3 s before queueing). Only the state of the run's row
        # decides; the second runner waits instead of submitting.
        self.fal.fault("stall", seconds=3)
        svc = self.start(FAL_SUBMIT_TIMEOUT_SECONDS=10)
        chat, aid = self.press(svc, 609)
        h.wait_until(lambda: self.run_row(aid)["status"] == "submitting", timeout=20,
                     message="the first runner to be submitting")
        h.psql(self.db_url, "INSERT INTO jobs (kind, chat_id, user_id, avatar_id, payload) "
                            "SELECT kind, chat_id, user_id, avatar_id, payload FROM jobs "
                            "WHERE kind = 'training.submit'")
        h.psql(self.db_url, "NOTIFY ab_jobs")
        req = self.submitted()
        self.assert_one_training(609, aid, req["request_id"])
        self.assertEqual(len(self.fal.calls(endpoint="submit")), 1)
        self.assertEqual(len(self.fal.requests()), 1)
        self.assertEqual([x["outcome"] for x in self.attempts(aid)], ["accepted"])
        h.wait_until(lambda: json.loads(h.psql_value(
            self.db_url, "SELECT to_json(array_agg(status)) FROM jobs WHERE kind = "
                         "'training.submit'")) == ["done", "done"], timeout=20,
            message="both submit jobs to end")

    # ---- a replica killed right after its submit ------------------------------------------
    def test_replica_killed_after_submit_another_carries_on(self):
        # Replica a submits; FAL queues the request but a is killed before the answer (it
        # never comes). Its job's lease runs out (300 s, made to pass at once here) and
        # replica b takes the job over: the run is 'submitting' with a's attempt, so b
        # reconciles instead of submitting again, and the request's webhook (to the public
        # URL, which reaches b) is adopted.
        self.fal.set_config(duration=14)
        self.fal.fault("stall", seconds=60, process=True)
        b_port = h.free_port()
        env = dict(FAL_RECONCILE_SECONDS=300, FAL_SUBMIT_TIMEOUT_SECONDS=2,
                   PUBLIC_BASE_URL="http://127.0.0.1:%d" % b_port, **PAID)
        a = self.start(name="a", **env)
        chat, aid = self.press(a, 607)
        req = self.submitted()
        self.assertEqual(self.run_row(aid)["status"], "submitting")
        a.kill()
        h.psql(self.db_url, "UPDATE jobs SET lease_until = now() - interval '1 second' "
                            "WHERE kind = 'training.submit' AND status = 'running'")
        b = self.start(name="b", port=b_port, **env)
        h.wait_until(lambda: self.run_row(aid)["status"] == "reconciling", timeout=40,
                     message="replica b to reconcile a's submit")
        self.assertIn("the submitting runner went away", b.log_text())
        self.assert_one_training(607, aid, req["request_id"])
        # (a's submit is still stalled at the stand-in, so it is not in its call record yet)
        self.assertEqual(self.fal.calls(endpoint="submit"), [])
        self.assertNotIn('"training dataset stored"', b.log_text())  # b never submitted
        self.assertEqual(len(self.fal.requests()), 1)
        self.assertEqual(len(self.ran_to_completion()), 1)
        self.assertEqual([x["outcome"] for x in self.attempts(aid)], ["accepted"])
        self.assertIn('avatarbot_fal_webhooks_total{result="adopted"} 1', self.metrics(b))
        self.assertEqual(json.loads(h.psql_value(
            self.db_url, "SELECT to_json(array_agg(status)) FROM jobs WHERE kind = "
                         "'training.submit'")), ["done"])
        self.assert_charged_once(607)  # the replica's death neither charged twice nor refunded

    def test_cancel_while_reconciling_cancels_the_request_at_fal(self):
        self.fal.set_config(auto_complete=False, duration=6)
        self.fal.fault("drop", process=True)
        # the reconciling submit job looks again only after FAL_POLL_SECONDS: the cancel
        # comes first and finds the request in the listing
        svc = self.start(**self.listing_env(FAL_RECONCILE_SECONDS=600, FAL_POLL_SECONDS=30))
        chat, aid = self.press(svc, 608)
        req = self.submitted()
        h.wait_until(lambda: self.run_row(aid)["status"] == "reconciling", timeout=20,
                     message="the run to reconcile")
        chat.press("⏸️ Cancel", expect_screen=False)
        self.wait_avatar(aid, "cancelled")
        self.fal.wait_request(req["request_id"], outcome="cancelled", timeout=20)
        self.assertEqual(len(self.wait_sent(608, "cancelled")), 1)
        self.assertEqual(self.run_row(aid)["extra_requests"], [req["request_id"]])


if __name__ == "__main__":
    h.main()
