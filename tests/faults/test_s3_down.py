"""Fault: object storage (the S3 stand-in) down during photo uploads and dataset builds.

Two users create style avatars and send ten real photos each while S3 answers 503 SlowDown
for 4 s and then closes every connection for 6 s more; the photo checks store nothing during
it and retry. Once every photo is in, they start training (simulate mode: the dataset ZIP is
built from storage and stored as in live mode) and S3 goes down again for 8 s. In the end:
every photo valid and stored once, both datasets stored, no multipart upload left open, both
trainings completed, no job dead or stuck, no update lost."""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support" / "s3_standin"))
import faultlib as f  # noqa: E402
from faultlib import h  # noqa: E402
from s3standin import S3Standin  # noqa: E402

PHOTOS = Path(os.environ.get("AB_TEST_PHOTOS", h.BUILD_DIR / "test-photos"))
BUILD = Path(os.environ.get("AB_BUILD_DIR") or h.BUILD_DIR)
STYLE_TEN = ["plasma/%s.png" % n for n in ("Air_Balloon", "Books", "Brushes", "Bulb", "Car",
                                            "Chameleon", "Cocktail", "Fish", "Gamepad",
                                            "Dog")]
ENV = {"JOB_THREADS": "2", "JOBS_PER_USER": "4", "STORAGE_TIMEOUT_SECONDS": "5",
       "FAL_MODE": "simulate", "FAL_SIMULATE_SECONDS": "3", "FAL_PROGRESS_EDIT_SECONDS": "1",
       "TELEGRAM_RATE_PER_CHAT": "1000", "TELEGRAM_RATE_GLOBAL": "1000", "LOG_LEVEL": "info"}
USERS = 2


class S3DownFault(h.IntegrationTestCase):

    def setUp(self):
        super().setUp()
        if not (PHOTOS / STYLE_TEN[0]).exists():
            self.fail("test photos missing in %s (the vision_photos fixture fetches them)"
                      % PHOTOS)
        self.s3 = S3Standin(BUILD, log_path=h.log_dir() / ("%s-s3.log" % self.test_label))
        self.addCleanup(self.s3.stop)

    def say(self, uid, text):
        self.deliver.deliver(lambda u: h.message_update(u, uid, text, lang="en"))

    def press(self, uid, data):
        msgs = [m for m in self.botapi.messages(uid) if m.get("from", {}).get("is_bot")]
        mid = msgs[-1]["message_id"] if msgs else 1
        self.deliver.deliver(lambda u: h.callback_update(u, uid, data, mid, lang="en"))

    def send_photo(self, uid, rel):
        data = (PHOTOS / rel).read_bytes()

        def photo(u):
            self.botapi.add_file("photo-%d" % u, "u%d" % u, content=data,
                                 file_path="photos/file_%d.png" % u)
            return h.photo_update(u, uid, file_id="photo-%d" % u, file_unique_id="u%d" % u,
                                  width=1024, height=1024, file_size=len(data), lang="en")
        self.deliver.deliver(photo)

    def outage(self, first_503_s, then_down_s):
        """S3 answers 503 for first_503_s, then drops every connection until the end of
        then_down_s; returns when the outage ends."""
        self.s3.fault("503", for_seconds=first_503_s)
        self.s3.fault("down", for_seconds=first_503_s + then_down_s)
        return time.monotonic() + first_503_s + then_down_s

    def faulted(self):
        return sum(1 for r in self.s3.requests() if (r.get("code") or "").startswith("fault:"))

    def test_storage_down_during_uploads_and_dataset_builds(self):
        svc = self.start_service("a", extra_env=dict(self.s3.env(), **ENV))
        self.deliver = f.Deliverer(self, [svc])
        users = [h.user_id(4000 + i) for i in range(USERS)]
        avatars = {}
        for uid in users:
            for act in (lambda: self.say(uid, "/start"), lambda: self.press(uid, "av:new"),
                        lambda: self.press(uid, "priv:ok"), lambda: self.press(uid, "tt:style"), lambda: self.press(uid, "tt:ok"),
                        lambda: self.press(uid, "at:character"),
                        lambda: self.press(uid, "g:female"), lambda: self.say(uid, "S3 %d" % uid)):
                act()
            avatars[uid] = int(h.wait_until(lambda: h.psql_value(
                self.db_url, "SELECT id FROM avatars WHERE user_id = $1", uid)))

        # 1. uploads while S3 is down
        end = self.outage(4, 6)
        for rel in STYLE_TEN:
            for uid in users:
                self.send_photo(uid, rel)
        h.wait_until(lambda: time.monotonic() > end, timeout=30)
        stored_during = len(self.s3.objects())
        failed_uploads = self.faulted()
        h.wait_until(lambda: f.count(self.db_url, "SELECT count(*) FROM avatars WHERE status ="
                                                  " 'ready'") == USERS, timeout=90,
                     message=lambda: "both avatars ready: %s" % h.psql(
                         self.db_url, "SELECT validation_status, count(*) FROM avatar_photos "
                                      "GROUP BY 1"))
        photos = h.psql(self.db_url, "SELECT validation_status, count(*) FROM avatar_photos "
                                     "GROUP BY 1")

        # 2. dataset builds while S3 is down
        end = self.outage(3, 5)
        for uid in users:
            for data in ("av:show:%d", "tr:start:%d", "tr:go:%d"):
                self.press(uid, data % avatars[uid])
        h.wait_until(lambda: time.monotonic() > end, timeout=30)
        datasets_during = f.count(self.db_url, "SELECT count(*) FROM fal_requests WHERE "
                                               "dataset_key IS NOT NULL")
        failed_builds = self.faulted() - failed_uploads

        def trained():
            return f.count(self.db_url, "SELECT count(*) FROM avatars WHERE status IN "
                                        "('completed', 'error')") == USERS
        f.wait_idle(self.db_url, timeout=90, extra=trained)
        fig = f.pipeline_figures(self.db_url, self.deliver.acked)
        objects = {o["key"] for o in self.s3.objects()}
        keys = {r[0] for r in h.psql(self.db_url, "SELECT storage_key FROM avatar_photos "
                                                  "UNION ALL SELECT dataset_key FROM fal_requests")}
        completed = f.count(self.db_url, "SELECT count(*) FROM avatars WHERE status = "
                                         "'completed'")
        jobs_retried = f.count(self.db_url, "SELECT count(*) FROM jobs WHERE attempts > 1")
        f.figure("s3-down",
                 "%d photos sent during 10 s of S3 503/connection drops (%d S3 requests failed,"
                 " %d objects stored during it): %s after; 2 dataset builds during 8 s more "
                 "(%d S3 requests failed, %d datasets stored during it): trainings completed "
                 "%d/%d; jobs retried %d, dead %d, stuck %d; open multipart uploads %d; "
                 "lost %d, doubled %d"
                 % (USERS * len(STYLE_TEN), failed_uploads, stored_during,
                    ", ".join("%s %s" % (r[1], r[0]) for r in photos), failed_builds,
                    datasets_during, completed, USERS, jobs_retried, fig["dead"],
                    fig["stuck"], len(self.s3.uploads()), fig["lost"], fig["doubled"]))
        self.assertGreater(failed_uploads, 0, "no upload met the outage")
        self.assertGreater(failed_builds, 0, "no dataset build met the outage")
        self.assertEqual(photos, [["valid", str(USERS * len(STYLE_TEN))]])
        self.assertEqual(completed, USERS)
        self.assertEqual(objects, keys)  # every photo and dataset stored, nothing else
        self.assertEqual(len(objects), USERS * (len(STYLE_TEN) + 1))
        self.assertEqual(self.s3.uploads(), [])
        self.assertEqual(fig["dead"], 0)
        self.assertEqual(fig["stuck"], 0)
        self.assertEqual(fig["lost"], 0)
        self.assertEqual(fig["doubled"], 0)


if __name__ == "__main__":
    h.main()
