"""A training job that is given up (retries exhausted, or its runner died twice while running
it: forced here as tests/integration/test_job_leases.py does, by counting two lease expiries
on the waiting job) does not leave the run and the avatar stuck in 'training': nothing sent
yet, the run ends and the user is told; a submit whose outcome is unknown is reconciled by a
poll job and never sent again. FAL is the in-repo queue stand-in."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from chat import Chat  # noqa: E402
from test_training import TrainingCase  # noqa: E402


class GiveUpTest(TrainingCase):

    def submit_job(self):
        return h.psql_json(self.db_url, "SELECT status, last_error FROM jobs WHERE kind = "
                                        "'training.submit' ORDER BY id")[0]

    def run_status(self, avatar_id):
        return h.psql_value(self.db_url, "SELECT status FROM fal_requests WHERE avatar_id = $1 "
                                         "ORDER BY submitted_at LIMIT 1", avatar_id)

    def give_up_submit(self):
        """The waiting submit job, as if two runners had died on it: given up at its claim."""
        h.wait_until(lambda: h.psql_value(
            self.db_url, "WITH u AS (UPDATE jobs SET lease_expiries = 2, run_after = now() "
                         "WHERE kind = 'training.submit' AND status = 'pending' RETURNING 1) "
                         "SELECT count(*) FROM u") == "1", timeout=10,
            message="the submit job to wait for its next round")
        h.psql(self.db_url, "NOTIFY ab_jobs")
        h.wait_until(lambda: self.submit_job()["status"] == "dead", timeout=10,
                     message="the submit job given up")
        self.assertIn("runner stopped 2 times", self.submit_job()["last_error"])

    def press(self, svc, uid):
        chat = Chat(self, svc, uid)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        return chat, aid

    def test_submit_given_up_before_anything_reached_fal(self):
        self.fal.fault("503")  # the first submit is refused for now: the job waits to retry
        svc = self.start()
        chat, aid = self.press(svc, 801)
        self.wait_sent(801, "Waiting for the training service")
        self.give_up_submit()
        self.wait_avatar(aid, "ready")
        msg = self.wait_sent(801, "Could not start training")[-1]
        self.assertIn("the training service is unavailable right now", msg["params"]["text"])
        self.assertEqual(self.run_status(aid), "error")
        time.sleep(h.scaled(1))
        self.assertEqual([c["http_status"] for c in self.fal.calls(endpoint="submit")], [503])
        self.assertEqual(self.fal.requests(), [])
        # the avatar is usable: it trains when started again
        self.start_training(chat, aid)
        self.wait_avatar(aid, "completed", timeout=40)
        self.assertEqual(len(self.fal.requests()), 1)
        self.assertIn('"training job given up: run handed on"', svc.log_text())

    def test_submit_given_up_with_its_outcome_unknown_is_reconciled_not_sent_again(self):
        # FAL queues the request but the answer is lost, its webhook too; FAL's listing shows
        # it 2.5 s late. The submit job is given up while it reconciles: a poll job takes the
        # run over, finds the request in the listing and follows it to the end.
        self.fal.set_config(duration=6, listing_lag=2.5)
        self.fal.fault("drop", process=True)
        self.fal.fault("webhook_drop", count=10)
        svc = self.start(FAL_RECONCILE_LISTING="true",
                         FAL_PLATFORM_API_BASE=self.fal.base_url + "/v1",
                         FAL_RECONCILE_SECONDS=600)
        chat, aid = self.press(svc, 802)
        rid = self.submitted()["request_id"]
        h.wait_until(lambda: self.run_status(aid) == "reconciling", timeout=20,
                     message="the run to reconcile")
        self.give_up_submit()
        a = self.wait_avatar(aid, "completed", timeout=40)
        self.assertEqual(a["fal_request_id"], rid)
        self.assertEqual(len(self.wait_sent(802, "is ready")), 1)
        self.assertEqual(len(self.fal.calls(endpoint="submit")), 1)
        self.assertEqual(len(self.fal.requests()), 1)
        self.assertIn('"handed-over run adopted its request"', svc.log_text())

    def test_submit_given_up_with_no_sign_at_fal_ends_without_sending_again(self):
        # a proxy answers 502 without passing the submit on: the outcome is unknown; the
        # given-up submit is not sent again once the window passes, the run ends unstarted
        self.fal.fault("502")
        svc = self.start(FAL_RECONCILE_SECONDS=4)
        chat, aid = self.press(svc, 803)
        h.wait_until(lambda: self.run_status(aid) == "reconciling", timeout=20,
                     message="the run to reconcile")
        self.give_up_submit()
        self.assertEqual(self.avatar(aid)["status"], "training")  # not before the window
        self.wait_avatar(aid, "ready", timeout=30)
        self.wait_sent(803, "Could not start training")
        time.sleep(h.scaled(1))
        self.assertEqual([c["http_status"] for c in self.fal.calls(endpoint="submit")], [502])
        self.assertEqual(self.fal.requests(), [])
        self.assertEqual(self.sent(803, "is ready"), [])


if __name__ == "__main__":
    h.main()
