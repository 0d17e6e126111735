"""The avatar conversation end to end through /telegram/webhook: create (type, comparison,
gender, name with every validation error), gallery, details, rename, delete, limits,
ownership of buttons, restarts and a second replica."""
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402


class Chat:
    """One user talking to the bot: sends text, presses buttons of the bot's last screen and
    waits for the bot's answer."""

    def __init__(self, test, svc, uid, lang="en"):
        self.test, self.svc, self.uid, self.lang = test, svc, uid, lang
        self.seen = test.botapi.last_seq()

    def _wait_screen(self):
        """Waits until the bot has answered (the last sendMessage/editMessageText after the
        action) and returns that call."""
        def screen():
            calls = [c for c in self.test.botapi.calls(since=self.seen)
                     if c["method"] in ("sendMessage", "editMessageText")
                     and c["params"].get("chat_id") == self.uid and c["http_status"] == 200]
            return calls
        got = h.wait_until(screen, message="the bot's answer")
        h.wait_until(lambda: h.psql_value(self.test.db_url, "SELECT count(*) FROM inbox "
                                                            "WHERE status = 'pending'") == "0")
        calls = screen()  # everything the update produced is out once the inbox is drained
        h.wait_until(lambda: h.psql_value(self.test.db_url, "SELECT count(*) FROM outbox WHERE "
                                                            "status IN ('pending','sending')") == "0")
        calls = screen() or got
        self.seen = self.test.botapi.last_seq()
        self.last = calls[-1]
        self.all = calls
        if self.last["method"] == "sendMessage":
            self.message_id = self.last["response"]["result"]["message_id"]
        return self.last

    def say(self, text):
        self.seen = self.test.botapi.last_seq()
        status, _ = self.svc.post_update(h.message_update(self.test.next_update_id(), self.uid,
                                                          text, lang=self.lang))
        self.test.assertEqual(status, 200)
        return self._wait_screen()

    def buttons(self, call=None):
        call = call or self.last
        kb = (call["params"].get("reply_markup") or {}).get("inline_keyboard", [])
        return {b["text"]: b["callback_data"] for row in kb for b in row}

    def press(self, label=None, data=None, expect_screen=True):
        if data is None:
            options = self.buttons()
            matches = [d for t, d in options.items() if label in t]
            self.test.assertTrue(matches, "no button %r in %r" % (label, list(options)))
            data = matches[0]
        self.seen = self.test.botapi.last_seq()
        status, _ = self.svc.post_update(h.callback_update(
            self.test.next_update_id(), self.uid, data, self.message_id, lang=self.lang))
        self.test.assertEqual(status, 200)
        if not expect_screen:
            return h.wait_until(lambda: [c for c in self.test.botapi.calls(
                "answerCallbackQuery", since=self.seen) if c["http_status"] == 200])[-1]
        return self._wait_screen()

    def text(self):
        return self.last["params"]["text"]


class AvatarFlowTest(h.IntegrationTestCase):

    def state(self, uid):
        return h.psql_value(self.db_url, "SELECT state FROM chat_state WHERE chat_id = $1", uid)

    def avatars(self, uid):
        return h.psql(self.db_url, "SELECT name, gender, training_type, status FROM avatars "
                                   "WHERE user_id = $1 ORDER BY id", uid)

    def create(self, chat, name, kind="Portrait", gender="Female"):
        chat.say("/start")
        chat.press("Create avatar")
        chat.press(kind)
        chat.press("Continue")
        chat.press(gender)
        return chat.say(name)

    def test_full_create_flow(self):
        svc = self.start_service()
        uid = h.user_id(1)
        chat = Chat(self, svc, uid)
        chat.say("/start")
        self.assertIn("You have 0 avatars.", chat.text())
        chat.press("Create avatar")
        self.assertIn("Choose a training type", chat.text())
        self.assertEqual(self.state(uid), "selecting_training_type")
        chat.press("Compare types")
        self.assertIn("Training types compared", chat.text())
        self.assertEqual(self.state(uid), "viewing_training_comparison")
        chat.press("Back")
        chat.press("Style")
        self.assertIn("Style avatar", chat.text())
        self.assertEqual(self.state(uid), "confirming_training_type")
        chat.press("Back")
        chat.press("Portrait")
        self.assertIn("Portrait avatar", chat.text())
        chat.press("Continue")
        self.assertEqual(self.state(uid), "selecting_gender")
        self.assertEqual(set(chat.buttons()), {"👨 Male", "👩 Female", "🧑 Other", "⬅️ Back"})
        chat.press("Female")
        self.assertEqual(self.state(uid), "entering_name")
        self.assertIn("Name your avatar", chat.text())
        chat.say("  Anna  ")
        self.assertIn("Photos for “Anna”", chat.text())
        self.assertIn("Uploaded: 0/10 (minimum 10, maximum 50)", chat.text())
        self.assertEqual(set(chat.buttons()),
                         {"➕ Add photo", "👀 View (0)", "💡 Quality tips", "⬅️ Back"})
        self.assertEqual(self.avatars(uid), [["Anna", "female", "portrait", "draft"]])
        self.assertEqual(self.state(uid), "uploading_photos")
        data = h.psql_value(self.db_url, "SELECT data->>'avatar_id' FROM chat_state "
                                         "WHERE chat_id = $1", uid)
        self.assertEqual(data, h.psql_value(self.db_url, "SELECT id FROM avatars"))
        chat.press("Quality tips")
        self.assertIn("What makes good training photos", chat.text())
        chat.press("Back")
        self.assertIn("Photos for “Anna”", chat.text())
        answer = chat.press("Add photo", expect_screen=False)
        self.assertIn("Send photos", answer["params"]["text"])
        chat.press("Back")
        self.assertIn("🎭 Anna", chat.text())
        self.assertIn("Type: portrait", chat.text())
        self.assertEqual(self.state(uid), "avatar_details")
        # the menu now counts it
        chat.say("/start")
        self.assertIn("You have 1 avatar.", chat.text())
        self.assertIn("🖼 My avatars (1)", chat.buttons())

    def test_every_name_error_is_explained_and_asked_again(self):
        svc = self.start_service()
        uid = h.user_id(2)
        chat = Chat(self, svc, uid)
        self.create(chat, "Max")
        chat.say("/start")
        chat.press("Create avatar")
        chat.press("Style")
        chat.press("Continue")
        chat.press("Male")
        for text, reason in (("   ", None),
                             ("x" * 41, "longer than 40 characters"),
                             ("Max!", "only contain letters, digits"),
                             ("😀", "only contain letters, digits"),
                             ("max", "already have an avatar named “max”")):
            if reason is None:
                continue  # Telegram does not deliver a message of spaces only
            chat.say(text)
            self.assertIn(reason, chat.text())
            self.assertIn("Try again", chat.text())
            self.assertEqual(self.state(uid), "entering_name")
        chat.say("Макс второй")
        self.assertIn("Photos for “Макс второй”", chat.text())
        self.assertEqual([a[0] for a in self.avatars(uid)], ["Max", "Макс второй"])
        # a photo where a name is expected gets a hint, not silence
        self.seen = self.botapi.last_seq()

    def test_eleventh_avatar_is_refused(self):
        svc = self.start_service()
        uid = h.user_id(3)
        chat = Chat(self, svc, uid)
        chat.say("/start")  # creates the user row
        for i in range(10):
            h.psql(self.db_url, "INSERT INTO avatars (user_id, name, gender, training_type) "
                                "VALUES ($1, $2, 'male', 'portrait')", uid, "A%d" % i)
        chat.say("/start")
        self.assertIn("You have 10 avatars.", chat.text())
        answer = chat.press("Create avatar", expect_screen=False)
        self.assertIn("10 avatars", answer["params"]["text"])
        self.assertEqual(self.state(uid), "avatar_menu")
        # and the database refuses an 11th even if asked directly
        with self.assertRaises(h.PsqlError):
            h.psql(self.db_url, "INSERT INTO avatars (user_id, name, gender, training_type) "
                                "VALUES ($1, 'A10', 'male', 'portrait')", uid)

    def test_concurrent_create_taps_make_one_avatar(self):
        a = self.start_service("a")
        b = self.start_service("b")
        uid = h.user_id(4)
        chat = Chat(self, a, uid)
        chat.say("/start")
        chat.press("Create avatar")
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
                                                       "status = 'done'") == str(5 + 4))
        self.assertEqual(self.avatars(uid), [["Solo", "male", "portrait", "draft"]])

    def test_gallery_details_rename_delete(self):
        svc = self.start_service()
        uid = h.user_id(5)
        chat = Chat(self, svc, uid)
        self.create(chat, "First")
        self.create(chat, "Second", kind="Style", gender="Other")
        chat.say("/start")
        chat.press("My avatars")
        self.assertIn("My avatars (2)", chat.text())
        self.assertIn("1. First — portrait, draft", chat.text())
        self.assertIn("2. Second — style, draft", chat.text())
        chat.press("First")
        self.assertIn("🎭 First", chat.text())
        self.assertEqual(set(chat.buttons()),
                         {"📸 Continue upload", "✏️ Rename", "🗑 Delete", "⬅️ Back"})
        chat.press("Rename")
        self.assertEqual(self.state(uid), "editing_avatar")
        chat.say("second")
        self.assertIn("already have an avatar named “second”", chat.text())
        chat.say("Renamed One")
        self.assertIn("Renamed.", chat.text())
        self.assertIn("🎭 Renamed One", chat.text())
        self.assertEqual(self.state(uid), "avatar_details")
        chat.press("Delete")
        self.assertIn("Delete the avatar “Renamed One”?", chat.text())
        self.assertEqual(self.state(uid), "deleting_avatar")
        chat.press("Cancel")
        self.assertEqual(self.state(uid), "avatar_details")
        chat.press("Delete")
        chat.press("Yes, delete")
        self.assertIn("The avatar “Renamed One” was deleted.", chat.text())
        self.assertIn("My avatars (1)", chat.text())
        self.assertEqual([a[0] for a in self.avatars(uid)], ["Second"])
        self.assertEqual(self.state(uid), "avatar_gallery")
        job = h.psql(self.db_url, "SELECT kind, payload->>'prefix' FROM jobs")
        self.assertEqual(len(job), 1)
        self.assertEqual(job[0][0], "storage.delete_prefix")
        self.assertRegex(job[0][1], r"^avatars/%d/\d+/$" % uid)

    def test_delete_removes_the_avatars_stored_objects(self):
        svc = self.start_service()
        uid = h.user_id(11)
        chat = Chat(self, svc, uid)
        self.create(chat, "Gone")
        self.create(chat, "Kept", kind="Style")
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

    def test_gallery_pages_by_five(self):
        svc = self.start_service()
        uid = h.user_id(6)
        chat = Chat(self, svc, uid)
        chat.say("/start")
        for i in range(7):
            h.psql(self.db_url, "INSERT INTO avatars (user_id, name, gender, training_type) "
                                "VALUES ($1, $2, 'female', 'style')", uid, "Av%d" % i)
        chat.press(data="av:list:0")
        self.assertIn("Page 1 of 2", chat.text())
        self.assertEqual(len([t for t in chat.buttons() if t.startswith("🎨")]), 5)
        chat.press("Next")
        self.assertIn("Page 2 of 2", chat.text())
        self.assertIn("7. Av6", chat.text())
        chat.press("Previous")
        self.assertIn("1. Av0", chat.text())

    def test_forged_callback_for_someone_elses_avatar(self):
        svc = self.start_service()
        owner, intruder = h.user_id(7), h.user_id(8)
        self.create(Chat(self, svc, owner), "Private")
        victim = h.psql_value(self.db_url, "SELECT id FROM avatars WHERE user_id = $1", owner)
        chat = Chat(self, svc, intruder)
        chat.say("/start")
        chat.press("My avatars")
        for data in ("av:show:%s" % victim, "av:rename:%s" % victim, "av:del:%s" % victim,
                     "av:delok:%s" % victim, "av:upload:%s" % victim):
            answer = chat.press(data=data, expect_screen=False)
            self.assertIn(answer["params"].get("text"), ("Avatar not found",
                                                         "This button is out of date"))
        self.assertEqual(self.avatars(owner), [["Private", "female", "portrait", "draft"]])
        self.assertEqual(self.state(intruder), "avatar_gallery")
        # nothing about the owner's avatar was ever shown to the intruder
        for c in self.botapi.calls():
            if c["params"].get("chat_id") == intruder:
                self.assertNotIn("Private", c["params"].get("text", ""))

    def test_restart_mid_create_resumes_at_the_same_step_on_another_replica(self):
        a = self.start_service("a")
        uid = h.user_id(9)
        chat = Chat(self, a, uid)
        chat.say("/start")
        chat.press("Create avatar")
        chat.press("Style")
        chat.press("Continue")
        a.stop()
        a.start().wait_ready()
        chat.press("Other")
        self.assertEqual(self.state(uid), "entering_name")
        b = self.start_service("b")
        chat.svc = b
        chat.say("Resumed")
        self.assertIn("Photos for “Resumed”", chat.text())
        self.assertEqual(self.avatars(uid), [["Resumed", "other", "style", "draft"]])

    def test_cancel_and_unexpected_input(self):
        svc = self.start_service()
        uid = h.user_id(10)
        chat = Chat(self, svc, uid, lang="ru")
        chat.say("/start")
        chat.press("Создать аватар")
        chat.press("Портретный")
        chat.press("Продолжить")
        chat.press("Женский")
        self.seen = self.botapi.last_seq()
        svc.post_update(h.photo_update(self.next_update_id(), uid))
        chat._wait_screen()
        self.assertIn("Пришлите имя аватара текстом", chat.text())
        chat.say("/cancel")
        self.assertIn("Хорошо, отменили.", chat.text())
        self.assertEqual(self.state(uid), "avatar_menu")
        self.assertEqual(self.avatars(uid), [])


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
