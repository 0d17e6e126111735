"""Fairness: one chat's backlog does not hide other chats (lanes are picked by each lane's
oldest pending update, so a chat that queued thousands of updates gets one step per round like
every other chat), and one user's flood of photos does not hold up other users' photo checks
(JOBS_PER_USER: a user's jobs run one at a time, others' go in between)."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from test_job_leases import new_avatar, send_photo  # noqa: E402

BACKLOG = 5000

# Telegram-shaped text messages of one user, as the webhook stores them.
FLOOD_SQL = """
INSERT INTO inbox (update_id, chat_id, kind, payload)
SELECT $1::bigint + g, $2::bigint, 'message', json_build_object(
         'update_id', $1::bigint + g,
         'message', json_build_object(
           'message_id', 1000 + g,
           'from', json_build_object('id', $2::bigint, 'is_bot', false, 'first_name', 'Flood',
                                     'language_code', 'en'),
           'chat', json_build_object('id', $2::bigint, 'type', 'private', 'first_name', 'Flood'),
           'date', extract(epoch FROM now())::bigint,
           'text', 'forwarded message ' || g))
  FROM generate_series(0, $3::int - 1) AS g
"""


class FairnessTest(h.IntegrationTestCase):

    def pending(self, chat):
        return int(h.psql_value(self.db_url, "SELECT count(*) FROM inbox WHERE status = "
                                             "'pending' AND chat_id = $1", chat))

    def test_a_chats_backlog_does_not_hide_another_chat(self):
        flood, other = h.user_id(1), h.user_id(2)
        svc = self.start_service("a")
        first = self.next_update_id()
        for _ in range(BACKLOG):
            self.next_update_id()  # the other chat's update comes after the whole backlog
        h.psql(self.db_url, FLOOD_SQL, first, flood, BACKLOG)
        h.psql(self.db_url, "NOTIFY ab_inbox")
        h.wait_until(lambda: self.pending(flood) < BACKLOG, message="the backlog being worked")
        sent = time.monotonic()
        status, _ = svc.post_update(h.message_update(self.next_update_id(), other, "/start",
                                                     lang="en"))
        self.assertEqual(status, 200)
        h.wait_until(lambda: any(c["params"].get("chat_id") == other
                                 for c in self.botapi.calls("sendMessage")),
                     timeout=h.scaled(10), interval=0.01, message="the other chat's menu")
        waited = time.monotonic() - sent
        left = self.pending(flood)
        print("other chat answered in %.3f s with %d of %d backlog updates still pending"
              % (waited, left, BACKLOG))
        self.assertLess(waited, h.scaled(1.0))
        self.assertGreater(left, BACKLOG // 4, "the backlog must still be there to prove it")

    def test_one_users_photo_flood_does_not_hold_up_another_user(self):
        flood, other = h.user_id(3), h.user_id(4)
        svc = self.start_service("a", extra_env={"JOB_THREADS": 2})
        new_avatar(self, svc, flood)
        new_avatar(self, svc, other)
        # every download takes a second: the flood's six checks need six runner-seconds
        self.botapi.fault("stall", method="downloadFile", count=7, stall_seconds=1.0)
        for _ in range(6):
            send_photo(self, svc, flood)
        h.wait_until(lambda: h.psql_value(self.db_url, "SELECT count(*) FROM jobs WHERE "
                                                       "status = 'running'") != "0",
                     message="the flood's first check running")
        send_photo(self, svc, other)

        def checked(uid):
            return int(h.psql_value(self.db_url, "SELECT count(*) FROM avatar_photos p JOIN "
                                                 "avatars a ON a.id = p.avatar_id WHERE "
                                                 "a.user_id = $1 AND p.validation_status <> "
                                                 "'pending'", uid))
        h.wait_until(lambda: checked(other) == 1, timeout=h.scaled(30),
                     message="the other user's photo checked")
        left = 6 - checked(flood)
        print("the other user's photo was checked with %d of the flood's 6 still waiting"
              % left)
        self.assertGreaterEqual(left, 3)
        h.wait_until(lambda: checked(flood) == 6, timeout=h.scaled(60), message="the flood")


if __name__ == "__main__":
    h.main()
