"""The user's language: Telegram's language_code until the user picks another in the bot
(/language, or the main menu's button), then the pick, kept in users.language; and the command
menu registered by `avatarbot set-webhook` in every language the build carries."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402

LANGUAGE_BUTTONS_EN = [("Русский", "lang:ru"), ("✅ English", "lang:en"),
                       ("◀️ Main menu", "menu:main")]


def buttons(call):
    markup = call["params"].get("reply_markup") or {}
    return [(b["text"], b.get("callback_data")) for row in markup.get("inline_keyboard", [])
            for b in row]


class LanguageTest(h.IntegrationTestCase):

    def user_row(self, uid):
        return h.psql(self.db_url, "SELECT language_code, language FROM users WHERE id = $1", uid)

    def state(self, chat):
        return h.psql_value(self.db_url, "SELECT state FROM chat_state WHERE chat_id = $1", chat)

    def test_english_user_picks_russian_with_the_language_command(self):
        svc = self.start_service()
        uid = h.user_id(1)
        svc.post_update(h.message_update(self.next_update_id(), uid, "/language", lang="en"))
        screen = self.botapi.wait_calls(1, "sendMessage")[0]
        self.assertEqual(screen["params"]["text"], "🌐 Choose the bot's language:")
        self.assertEqual(buttons(screen), LANGUAGE_BUTTONS_EN)
        h.wait_until(lambda: self.state(uid) == "choosing_language")
        self.assertEqual(self.user_row(uid), [["en", None]])

        mid = screen["response"]["result"]["message_id"]
        svc.post_update(h.callback_update(self.next_update_id(), uid, "lang:ru", mid, lang="en"))
        menu = self.botapi.wait_calls(1, "editMessageText")[0]
        self.assertEqual(menu["params"]["message_id"], mid)
        self.assertIn("🏠 Главное меню", menu["params"]["text"])
        self.assertEqual(buttons(menu), [("🎭 Аватары", "av:menu"), ("ℹ️ Помощь", "av:help"),
                                         ("🌐 Язык", "menu:lang")])
        h.wait_until(lambda: self.state(uid) == "main_menu")
        # the pick is the user's, beside what Telegram says
        self.assertEqual(self.user_row(uid), [["en", "ru"]])

        # Telegram still says "en": the menus stay Russian from now on
        svc.post_update(h.message_update(self.next_update_id(), uid, "/start", lang="en"))
        start = self.botapi.wait_calls(2, "sendMessage")[1]
        self.assertIn("Ваши аватары: 0", start["params"]["text"])
        self.assertEqual(buttons(start)[0], ("🆕 Создать аватар", "av:new"))
        svc.post_update(h.message_update(self.next_update_id(), uid, "/language", lang="en"))
        again = self.botapi.wait_calls(3, "sendMessage")[2]
        self.assertEqual(again["params"]["text"], "🌐 Выберите язык бота:")
        self.assertEqual(buttons(again), [("✅ Русский", "lang:ru"), ("English", "lang:en"),
                                          ("◀️ Главное меню", "menu:main")])

    def test_the_main_menu_button_and_a_stale_language(self):
        svc = self.start_service()
        uid = h.user_id(2)
        svc.post_update(h.message_update(self.next_update_id(), uid, "/start"))  # Russian
        mid = self.botapi.wait_calls(1, "sendMessage")[0]["response"]["result"]["message_id"]
        svc.post_update(h.callback_update(self.next_update_id(), uid, "menu:main", mid))
        main = self.botapi.wait_calls(1, "editMessageText")[0]
        self.assertIn(("🌐 Язык", "menu:lang"), buttons(main))
        svc.post_update(h.callback_update(self.next_update_id(), uid, "menu:lang", mid))
        screen = self.botapi.wait_calls(2, "editMessageText")[1]
        self.assertEqual(screen["params"]["text"], "🌐 Выберите язык бота:")
        h.wait_until(lambda: self.state(uid) == "choosing_language")
        # a language this build has no catalogue for (an older build's button, or forged)
        svc.post_update(h.callback_update(self.next_update_id(), uid, "lang:de", mid))
        answer = self.botapi.wait_calls(3, "answerCallbackQuery")[2]
        self.assertEqual(answer["params"]["text"], "Эта кнопка уже неактуальна")
        self.assertEqual(self.user_row(uid), [["ru", None]])
        svc.post_update(h.callback_update(self.next_update_id(), uid, "lang:en", mid))
        h.wait_until(lambda: self.user_row(uid) == [["ru", "en"]])
        menu = self.botapi.wait_calls(3, "editMessageText")[-1]
        self.assertIn("🏠 Main menu", menu["params"]["text"])

    def test_set_webhook_registers_the_commands_in_every_language(self):
        done = h.run_avatarbot(["set-webhook"], botapi=self.botapi)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("commands set: ru (default) ru en", done.stdout)
        calls = [c["params"] for c in self.botapi.calls("setMyCommands")]
        self.assertEqual([c.get("language_code") for c in calls], [None, "ru", "en"])
        names = ["start", "help", "cancel", "language", "privacy"]
        for c in calls:
            self.assertEqual([x["command"] for x in c["commands"]], names)
        ru = {x["command"]: x["description"] for x in calls[1]["commands"]}
        en = {x["command"]: x["description"] for x in calls[2]["commands"]}
        self.assertEqual(ru["language"], "Выбрать язык")
        self.assertEqual(en["language"], "Choose the language")
        self.assertEqual(calls[0]["commands"], calls[1]["commands"])  # the default: Russian
        # the stand-in keeps them as Telegram would: per language, the default for the rest
        for lang, want in (("en", calls[2]), ("de", calls[0])):
            status, got = self.botapi.api("getMyCommands", {"language_code": lang})
            self.assertEqual((status, got["result"]), (200, want["commands"]))

    def test_set_webhook_lists_the_credit_commands_with_billing_on(self):
        self.botapi.reset()
        done = h.run_avatarbot(["set-webhook"], botapi=self.botapi,
                               extra_env={"BILLING": "stars"})
        self.assertEqual(done.returncode, 0, done.stderr)
        calls = [c["params"] for c in self.botapi.calls("setMyCommands")]
        self.assertEqual(len(calls), 3)
        for c in calls:
            self.assertEqual([x["command"] for x in c["commands"]],
                             ["start", "help", "balance", "promo", "cancel", "language",
                              "privacy", "terms", "paysupport"])
        en = {x["command"]: x["description"] for x in calls[2]["commands"]}
        self.assertEqual(en["promo"], "Redeem a promo code")


if __name__ == "__main__":
    h.main()
