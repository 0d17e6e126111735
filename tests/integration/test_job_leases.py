"""Job leases: a job that keeps killing the replica running it ends dead instead of killing the
next replica one lease later, and its user is told; a job that runs longer than its lease keeps
it by the heartbeat, so no second runner starts it; a runner that lost its lease cannot end the
job another runner has now (the fence)."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from chat import Chat  # noqa: E402
from test_photos import PHOTOS  # noqa: E402

LEASE = 3  # JOB_LEASE_SECONDS in these tests: renewed every second, expired after three


def new_avatar(test, svc, uid):
    """A Style avatar waiting for photos (its upload screen)."""
    chat = Chat(test, svc, uid)
    chat.say("/start")
    chat.start_creating()
    chat.press("Artistic")
    chat.press("Continue")
    chat.press("person")  # what it depicts
    chat.press("Female")
    chat.say("Lease test")


def send_photo(test, svc, uid, rel="matplotlib/grace_hopper.jpg"):
    """One photo message of the user, its file served by the Bot API stand-in."""
    chat = Chat(test, svc, uid)
    chat.post(chat.photo_update((PHOTOS / rel).read_bytes()))


class JobLeaseTest(h.IntegrationTestCase):

    def start(self, name):
        return self.start_service(name, extra_env=dict(JOB_LEASE_SECONDS=LEASE, JOB_THREADS=2))

    def new_avatar(self, svc, uid):
        new_avatar(self, svc, uid)

    def send_photo(self, svc, uid):
        send_photo(self, svc, uid)

    def job(self):
        return h.psql_json(self.db_url, "SELECT status, attempts, claims, lease_expiries, "
                                        "last_error FROM jobs WHERE kind = 'photo.ingest'")[0]

    def runs(self):
        """How many times a runner started the check (its getFile; the download that follows
        is recorded only when the stand-in answers it)."""
        return len(self.botapi.calls("getFile"))

    def test_job_that_kills_its_runners_ends_dead_and_the_user_is_told(self):
        uid = h.user_id(1)
        svc = self.start("a")
        self.new_avatar(svc, uid)
        # every download of the photo hangs: the replica running the check dies there
        self.botapi.fault("stall", method="downloadFile", count=2, stall_seconds=60)
        self.send_photo(svc, uid)
        for n, name in ((1, "b"), (2, "c")):
            h.wait_until(lambda: self.runs() == n, timeout=30,
                         message="check %d under way" % n)
            time.sleep(0.5)  # into the stalled download
            svc.kill()
            svc = self.start(name)
        # the third replica recovers the lease, claims the job, and gives it up unrun
        h.wait_until(lambda: self.job()["status"] == "dead", timeout=h.scaled(30),
                     message="the job given up")
        job = self.job()
        self.assertEqual(job["lease_expiries"], 2)
        self.assertEqual(job["claims"], 3)
        self.assertIn("runner stopped 2 times", job["last_error"])
        self.assertEqual(self.runs(), 2, "a given-up job must not run again")
        row = h.psql_json(self.db_url, "SELECT validation_status, validation_error "
                                       "FROM avatar_photos")[0]
        self.assertEqual(row, {"validation_status": "invalid",
                               "validation_error": "check_failed"})
        h.wait_until(lambda: any("could not be checked" in m.get("text", "")
                                 for m in self.botapi.messages(uid)),
                     timeout=h.scaled(15), message="the user told the photo was not checked")
        text = svc.get("/metrics")[1]
        self.assertIn('avatarbot_jobs_finished_total{kind="photo.ingest",result="dead"} 1', text)

    def test_heartbeat_keeps_a_long_job_with_its_runner(self):
        uid = h.user_id(2)
        svc = self.start("a")
        self.new_avatar(svc, uid)
        # the download takes three leases; the other runner of this replica and the runners
        # of a second replica are free and would take the job if its lease expired
        self.botapi.fault("stall", method="downloadFile", count=1, stall_seconds=3 * LEASE)
        other = self.start("b")
        self.send_photo(svc, uid)
        h.wait_until(lambda: self.job()["status"] == "done", timeout=h.scaled(60),
                     message="the photo checked")
        job = self.job()
        self.assertEqual((job["claims"], job["lease_expiries"]), (1, 0))
        self.assertEqual(self.runs(), 1)
        self.assertEqual(h.psql_value(self.db_url, "SELECT validation_status FROM avatar_photos"),
                         "valid")
        other.stop()

    def test_a_runner_that_lost_its_lease_cannot_end_the_job(self):
        uid = h.user_id(3)
        svc = self.start("a")
        self.new_avatar(svc, uid)
        self.botapi.fault("stall", method="downloadFile", count=1, stall_seconds=2 * LEASE)
        self.send_photo(svc, uid)
        h.wait_until(lambda: self.runs() == 1, timeout=30, message="check under way")
        # another replica's claim, as if the lease had run out: the first runner's late
        # outcome must change nothing
        h.psql(self.db_url, "UPDATE jobs SET claims = claims + 1, last_error = 'taken over', "
                            "lease_until = now() + interval '1 hour' "
                            "WHERE kind = 'photo.ingest'")
        h.wait_until(lambda: "job lease lost" in svc.log_text(), timeout=h.scaled(30),
                     message="the late outcome dropped")
        job = self.job()
        self.assertEqual((job["status"], job["last_error"]), ("running", "taken over"))


if __name__ == "__main__":
    h.main()
