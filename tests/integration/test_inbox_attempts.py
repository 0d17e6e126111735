"""Inbox attempts are counted when a dispatcher claims an update, before its step runs: an
update whose step never finishes because the replica dies during it is set aside after three
claims, with a plain apology to the user, instead of taking down every replica that claims it
next. Here the step hangs on a row the test keeps locked, and the replica running it is killed
(SIGKILL) there, three times. A step that fails for the database's sake (a lock timeout) is
not the update's fault: it is deferred, not counted."""
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402


class InboxAttemptsTest(h.IntegrationTestCase):

    def hold_chat_row(self, uid):
        """A session that keeps the chat's state row locked, so every step of that chat hangs
        where it writes the chat's new state (the round's end; the user's row is only read)."""
        proc = subprocess.Popen([h._psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                                 self.db_url], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                text=True)
        self.addCleanup(proc.stdin.close)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        proc.stdin.write("BEGIN; SELECT 1 FROM chat_state WHERE chat_id = %d FOR UPDATE;\n"
                         % uid)
        proc.stdin.flush()
        h.wait_until(lambda: h.psql_value(
            self.db_url, "SELECT count(*) FROM pg_stat_activity WHERE state = "
                         "'idle in transaction' AND query LIKE 'SELECT 1 FROM chat_state%'") == "1",
            message="the chat's row held")
        return proc

    def update_behind_a_held_row(self, uid):
        """A replica, the user's menu shown, the chat's row held, and a second /start whose
        step will hang on it. Returns (service, the holding session, that update's id)."""
        svc = self.start_service("a")
        status, _ = svc.post_update(h.message_update(self.next_update_id(), uid, "/start",
                                                     lang="en"))
        self.assertEqual(status, 200)
        h.wait_until(lambda: len(self.botapi.calls("sendMessage")) == 1, message="the menu")
        locker = self.hold_chat_row(uid)
        update_id = self.next_update_id()
        status, _ = svc.post_update(h.message_update(update_id, uid, "/start", lang="en"))
        self.assertEqual(status, 200)
        return svc, locker, update_id

    def inbox_row(self, update_id):
        return h.psql_json(self.db_url, "SELECT status, attempts, last_error FROM inbox "
                                        "WHERE update_id = $1", update_id)[0]

    def wait_claim_hanging(self, poison, n):
        """The poison update's n-th claim is counted and its step hangs on the held row."""
        h.wait_until(lambda: self.inbox_row(poison)["attempts"] == n, timeout=h.scaled(15),
                     message="claim %d counted" % n)
        h.wait_until(lambda: h.psql_value(
            self.db_url, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                         "'Lock' AND datname = current_database()") == "1",
            message="step %d hanging on the chat's row" % n)

    def test_update_whose_step_kills_the_replica_is_set_aside_after_three_claims(self):
        uid = h.user_id(1)
        svc, locker, poison = self.update_behind_a_held_row(uid)
        for n, name in ((1, "b"), (2, "c"), (3, "d")):
            self.wait_claim_hanging(poison, n)
            svc.kill()
            # the dead replica's backend would notice only when its lock wait ends
            h.psql(self.db_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE wait_event_type = 'Lock' AND datname = current_database()")
            svc = self.start_service(name)
        h.wait_until(lambda: self.inbox_row(poison)["status"] == "failed", timeout=h.scaled(15),
                     message="the update set aside")
        row = self.inbox_row(poison)
        self.assertEqual(row["attempts"], 4)
        self.assertIn("claimed 4 times", row["last_error"])
        h.wait_until(lambda: any("Something went wrong" in c["params"].get("text", "")
                                 for c in self.botapi.calls("sendMessage")),
                     message="the apology")
        self.assertEqual(len(self.botapi.calls("sendMessage")), 2, "menu, apology: no second menu")
        # the chat goes on once the row is free again
        locker.kill()
        locker.wait()
        time.sleep(0.2)
        status, _ = svc.post_update(h.message_update(self.next_update_id(), uid, "/start",
                                                     lang="en"))
        self.assertEqual(status, 200)
        h.wait_until(lambda: len(self.botapi.calls("sendMessage")) == 3, message="a new menu")
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM inbox "
                                                   "WHERE status = 'done'"), "2")

    def test_an_update_sharing_a_round_with_a_killing_step_is_handled_once(self):
        # A round's steps share one transaction (src/workers/step.c). Here one dispatcher claims
        # two lanes at once: another user's /start, whose step runs first, and the poison one,
        # whose step hangs until the replica is killed, taking the first one's uncommitted step
        # with it. Only first claims go together, so the other update runs alone next time and
        # is handled once; had it gone with the poison one again, its claims would have been
        # counted with the poison one's and it would have been set aside too.
        uid, other = h.user_id(3), h.user_id(4)
        one_worker = {"WORKER_THREADS": "1"}
        svc = self.start_service("a", extra_env=one_worker)
        status, _ = svc.post_update(h.message_update(self.next_update_id(), uid, "/start",
                                                     lang="en"))
        self.assertEqual(status, 200)
        h.wait_until(lambda: len(self.botapi.calls("sendMessage")) == 1, message="the menu")
        svc.kill()
        self.hold_chat_row(uid)
        innocent, poison = self.next_update_id(), self.next_update_id()
        for update_id, user in ((innocent, other), (poison, uid)):
            h.psql(self.db_url, "INSERT INTO inbox (update_id, chat_id, kind, payload)"
                                " VALUES ($1, $2, 'message', $3)", update_id, user,
                   h.message_update(update_id, user, "/start", lang="en"))
        for n, name in ((1, "b"), (2, "c"), (3, "d")):
            svc = self.start_service(name, extra_env=one_worker)
            self.wait_claim_hanging(poison, n)
            if n == 1:  # claimed in the same round, its step done but not committed
                self.assertEqual(self.inbox_row(innocent)["attempts"], 1)
                self.assertEqual(self.inbox_row(innocent)["status"], "pending")
            svc.kill()
            h.psql(self.db_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE wait_event_type = 'Lock' AND datname = current_database()")
        svc = self.start_service("e", extra_env=one_worker)
        h.wait_until(lambda: self.inbox_row(poison)["status"] == "failed", timeout=h.scaled(15),
                     message="the poison update set aside")
        row = self.inbox_row(innocent)
        self.assertEqual(row["status"], "done")
        self.assertEqual(row["attempts"], 2)
        def menus():
            return [c for c in self.botapi.calls("sendMessage")
                    if str(c["params"].get("chat_id")) == str(other)]
        h.wait_until(lambda: len(menus()) >= 1, message="the other user's menu")
        self.assertEqual(len(menus()), 1)
        self.assertEqual(h.psql_value(self.db_url, "SELECT version FROM chat_state"
                                                   " WHERE chat_id = $1", other), "1")

    def test_lock_timeouts_defer_the_update_and_are_not_failures(self):
        # Each step waits 10 s for the held row (lock_timeout) and fails with 55P03; three of
        # them used to set the update aside with an apology. Now each gives its attempt back
        # and holds the lane for a growing pause, and the update is handled once the row frees.
        uid = h.user_id(2)
        svc, locker, waiting = self.update_behind_a_held_row(uid)
        h.wait_until(lambda: h.psql_value(self.db_url, "SELECT deferrals FROM inbox WHERE "
                                                       "update_id = $1", waiting) == "3",
                     timeout=60, message="three lock timeouts")
        row = self.inbox_row(waiting)
        self.assertEqual(row["status"], "pending")
        self.assertLessEqual(row["attempts"], 1)
        self.assertIn("database_busy", row["last_error"])
        self.assertEqual(len(self.botapi.calls("sendMessage")), 1, "no apology")
        locker.kill()
        locker.wait()
        h.wait_until(lambda: self.inbox_row(waiting)["status"] == "done", timeout=30,
                     message="the update handled once the row is free")
        h.wait_until(lambda: len(self.botapi.calls("sendMessage")) == 2, message="the menu")
        self.assertNotIn("Something went wrong",
                         self.botapi.calls("sendMessage")[-1]["params"]["text"])
        text = svc.get("/metrics")[1]
        self.assertIn('avatarbot_updates_handled_total{result="deferred"} 3', text)


if __name__ == "__main__":
    h.main()
