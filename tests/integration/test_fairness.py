"""Fairness of the dispatcher: one chat's backlog does not hide other chats. Lanes are picked
by each lane's oldest pending update, so a chat that queued thousands of updates (a group, a
user forwarding hundreds of messages) gets one step per round like every other chat."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402

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


if __name__ == "__main__":
    h.main()
