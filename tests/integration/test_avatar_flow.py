"""What the avatar conversation does beyond what its transcripts (tests/transcripts) show: the
same name sent to two replicas at once, the stored objects a delete removes, and the database's
own rules (limits, unique names, the status life cycle)."""
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402
from chat import Chat  # noqa: E402


class AvatarFlowTest(h.IntegrationTestCase):

    def avatars(self, uid):
        return h.psql(self.db_url, "SELECT name, gender, training_type, status FROM avatars "
                                   "WHERE user_id = $1 ORDER BY id", uid)

    def create(self, chat, name, kind="Portrait", gender="Female"):
        chat.say("/start")
        chat.start_creating()
        chat.press(kind)
        chat.press("Continue")
        if kind != "Portrait":
            chat.press("person")  # what a style avatar depicts
        chat.press(gender)
        return chat.say(name)

    def test_concurrent_create_taps_make_one_avatar(self):
        a = self.start_service("a")
        b = self.start_service("b")
        uid = h.user_id(4)
        chat = Chat(self, a, uid)
        chat.say("/start")
        chat.start_creating()
        chat.press("Portrait")
        chat.press("Continue")
        chat.press("Male")
        # the client resends the name (new update ids) to both replicas at once
        results = []

        def send(svc):
            results.append(svc.post_update(h.message_update(self.next_update_id(), uid, "Solo",
                                                            lang="en"))[0])
        threads = [threading.Thread(target=send, args=(s,)) for s in (a, b, a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [200] * 4)
        h.wait_until(lambda: h.psql_value(self.db_url, "SELECT count(*) FROM inbox WHERE "
                                                       "status = 'done'") == str(6 + 4))
        self.assertEqual(self.avatars(uid), [["Solo", "male", "portrait", "draft"]])

    def test_delete_removes_the_avatars_stored_objects(self):
        svc = self.start_service()
        uid = h.user_id(11)
        chat = Chat(self, svc, uid)
        self.create(chat, "Gone")
        self.create(chat, "Kept", kind="Artistic")
        ids = dict(h.psql(self.db_url, "SELECT name, id FROM avatars WHERE user_id = $1", uid))
        root = Path(svc.env["STORAGE_URL"][len("file://"):])
        for name in ("Gone", "Kept"):
            folder = root / "avatars" / str(uid) / ids[name]
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "1.jpg").write_bytes(b"\xff\xd8 photo")
            (folder / "dataset.zip").write_bytes(b"PK zip")
        chat.press(data="av:show:%s" % ids["Gone"])
        chat.press("Delete")
        chat.press("Yes, delete")
        h.wait_until(lambda: h.psql_value(self.db_url, "SELECT status FROM jobs") == "done",
                     timeout=20)
        self.assertFalse((root / "avatars" / str(uid) / ids["Gone"]).exists())
        self.assertTrue((root / "avatars" / str(uid) / ids["Kept"] / "1.jpg").exists())


class DatabaseRulesTest(h.IntegrationTestCase):
    """The limits hold under concurrent writers, whatever the application does."""

    def test_limits_under_concurrency(self):
        self.start_service()  # applies the migrations
        uid = h.user_id(20)
        h.psql(self.db_url, "INSERT INTO users (id) VALUES ($1)", uid)
        ok = []

        def insert(i):
            try:
                h.psql(self.db_url, "INSERT INTO avatars (user_id, name, gender, training_type) "
                                    "VALUES ($1, $2, 'male', 'portrait')", uid, "C%d" % i)
                ok.append(i)
            except h.PsqlError:
                pass
        threads = [threading.Thread(target=insert, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(ok), 10)
        self.assertEqual(h.psql_value(self.db_url, "SELECT avatars_count FROM users "
                                                   "WHERE id = $1", uid), "10")
        # names are unique per user, ignoring case in any script
        h.psql(self.db_url, "DELETE FROM avatars WHERE user_id = $1", uid)
        h.psql(self.db_url, "INSERT INTO avatars (user_id, name, gender, training_type) "
                            "VALUES ($1, 'Анна', 'female', 'portrait')", uid)
        with self.assertRaises(h.PsqlError):
            h.psql(self.db_url, "INSERT INTO avatars (user_id, name, gender, training_type) "
                                "VALUES ($1, 'аННа', 'female', 'portrait')", uid)
        # status moves only along the product's life cycle
        aid = h.psql_value(self.db_url, "SELECT id FROM avatars WHERE user_id = $1", uid)
        with self.assertRaises(h.PsqlError):
            h.psql(self.db_url, "UPDATE avatars SET status = 'completed' WHERE id = $1", aid)
        for status in ("uploading", "ready", "training"):
            h.psql(self.db_url, "UPDATE avatars SET status = $2 WHERE id = $1", aid, status)
        # one training at a time per user
        h.psql(self.db_url, "INSERT INTO avatars (user_id, name, gender, training_type, status) "
                            "VALUES ($1, 'Other', 'male', 'style', 'draft')", uid)
        other = h.psql_value(self.db_url, "SELECT id FROM avatars WHERE name = 'Other'")
        h.psql(self.db_url, "UPDATE avatars SET status = 'uploading' WHERE id = $1", other)
        h.psql(self.db_url, "UPDATE avatars SET status = 'ready' WHERE id = $1", other)
        with self.assertRaises(h.PsqlError):
            h.psql(self.db_url, "UPDATE avatars SET status = 'training' WHERE id = $1", other)
        for status in ("cancelled", "ready"):
            h.psql(self.db_url, "UPDATE avatars SET status = $2 WHERE id = $1", aid, status)
        h.psql(self.db_url, "UPDATE avatars SET status = 'training' WHERE id = $1", other)


if __name__ == "__main__":
    h.main()
