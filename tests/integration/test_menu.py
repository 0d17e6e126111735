"""The avatar menu through the real webhook: /start, buttons that edit the screen in place,
languages, and the state kept in PostgreSQL."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402


def buttons(call):
    markup = call["params"].get("reply_markup") or {}
    return [(b["text"], b.get("callback_data")) for row in markup.get("inline_keyboard", [])
            for b in row]


class MenuTest(h.IntegrationTestCase):

    def state(self, chat):
        return h.psql_value(self.db_url, "SELECT state FROM chat_state WHERE chat_id = $1", chat)

    def test_start_shows_the_avatar_menu_in_russian(self):
        svc = self.start_service()
        uid = h.user_id(1)
        self.assertEqual(svc.post_update(h.message_update(self.next_update_id(), uid,
                                                          "/start"))[0], 200)
        call = self.botapi.wait_calls(1, "sendMessage")[0]
        self.assertEqual(call["params"]["chat_id"], uid)
        self.assertIn("У вас 0 аватаров.", call["params"]["text"])
        self.assertEqual(buttons(call), [("➕ Создать аватар", "av:new"),
                                         ("🖼 Мои аватары (0)", "av:list:0"),
                                         ("❓ Помощь", "av:help"),
                                         ("⬅️ Главное меню", "menu:main")])
        h.wait_until(lambda: self.state(uid) == "avatar_menu")
        self.assertEqual(h.psql(self.db_url, "SELECT first_name, language_code FROM users "
                                             "WHERE id = $1", uid), [["Тестер", "ru"]])
        self.assertEqual(h.psql_value(self.db_url, "SELECT status FROM inbox"), "done")

    def test_buttons_edit_the_menu_in_place_in_english(self):
        svc = self.start_service()
        uid = h.user_id(2)
        svc.post_update(h.message_update(self.next_update_id(), uid, "/start", lang="en"))
        menu = self.botapi.wait_calls(1, "sendMessage")[0]
        self.assertIn("You have 0 avatars.", menu["params"]["text"])
        mid = menu["response"]["result"]["message_id"]

        steps = [("av:help", "help", "Help"), ("av:menu", "avatar_menu", "You have 0 avatars"),
                 ("av:list:0", "avatar_gallery", "no avatars yet"),
                 ("av:new", "selecting_training_type", "Choose a training type"),
                 ("menu:main", "main_menu", "Main menu")]
        for n, (data, state, text) in enumerate(steps, start=1):
            svc.post_update(h.callback_update(self.next_update_id(), uid, data, mid, lang="en"))
            edit = self.botapi.wait_calls(n, "editMessageText")[-1]
            self.assertEqual(edit["params"]["message_id"], mid)
            self.assertIn(text, edit["params"]["text"])
            h.wait_until(lambda: self.state(uid) == state)
        answers = self.botapi.calls("answerCallbackQuery")
        self.assertEqual(len(answers), len(steps))
        # the screen shown in the chat is the last one, edited in place (one message)
        msgs = self.botapi.messages(uid)
        self.assertEqual(len([m for m in msgs if m.get("from", {}).get("is_bot")]), 1)

    def test_state_survives_a_restart(self):
        svc = self.start_service()
        uid = h.user_id(3)
        svc.post_update(h.message_update(self.next_update_id(), uid, "/start", lang="en"))
        mid = self.botapi.wait_calls(1, "sendMessage")[0]["response"]["result"]["message_id"]
        svc.post_update(h.callback_update(self.next_update_id(), uid, "av:new", mid, lang="en"))
        h.wait_until(lambda: self.state(uid) == "selecting_training_type")
        svc.stop()
        svc.start().wait_ready()
        # free text here is unexpected: a hint, and the same screen again
        svc.post_update(h.message_update(self.next_update_id(), uid, "hello", lang="en"))
        hint, screen = self.botapi.wait_calls(3, "sendMessage")[1:]
        self.assertIn("use the buttons", hint["params"]["text"])
        self.assertIn("Choose a training type", screen["params"]["text"])
        self.assertEqual(self.state(uid), "selecting_training_type")

    def test_stale_button_gets_a_notice_and_the_current_screen(self):
        svc = self.start_service()
        uid = h.user_id(4)
        svc.post_update(h.message_update(self.next_update_id(), uid, "/start", lang="en"))
        mid = self.botapi.wait_calls(1, "sendMessage")[0]["response"]["result"]["message_id"]
        svc.post_update(h.callback_update(self.next_update_id(), uid, "menu:main", mid, lang="en"))
        h.wait_until(lambda: self.state(uid) == "main_menu")
        for data in ("av:new", "x" * 64, "av:list:-1"):   # old screen's button, forged data
            svc.post_update(h.callback_update(self.next_update_id(), uid, data, mid, lang="en"))
        answers = self.botapi.wait_calls(4, "answerCallbackQuery")[1:]
        for a in answers:
            self.assertEqual(a["params"]["text"], "This button is out of date")
        self.assertEqual(self.state(uid), "main_menu")


if __name__ == "__main__":
    h.main()
