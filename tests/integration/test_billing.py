"""Credits for Telegram Stars (BILLING=stars): the balance screen and its packages, a package's
invoice as Telegram checks it, the pre-checkout answer (in the webhook's reply, never queued
behind the chat), the payment credited once per telegram_payment_charge_id with a ledger entry,
refusals of a wrong amount, currency or payload, the database's guards on the ledger, /terms
and /paysupport; and with BILLING=off none of it. Telegram's side of a payment is played by the
Bot API stand-in (control "pay")."""
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402
from chat import Chat, keyboard  # noqa: E402

STARS = {"BILLING": "stars", "BILLING_PACKS": "100:50,500:200", "BILLING_WELCOME_CREDITS": "10"}


class BillingTest(h.IntegrationTestCase):

    def balance(self, uid):
        return h.psql_value(self.db_url, "SELECT credits FROM users WHERE id = $1", uid)

    def ledger(self, uid):
        return h.psql(self.db_url, "SELECT delta, reason, reference, balance_after"
                                   " FROM credit_ledger WHERE user_id = $1 ORDER BY id", uid)

    def open_balance(self, chat):
        chat.say("/start")
        chat.press("Главное меню")
        self.assertEqual(chat.buttons().get("💰 Баланс"), "bill:show")
        chat.press("💰 Баланс")
        return chat.last

    def test_buy_a_package_end_to_end(self):
        svc = self.start_service(extra_env=STARS)
        uid = h.user_id(1)
        chat = Chat(self, svc, uid, lang="ru")
        screen = self.open_balance(chat)
        text = screen["params"]["text"]
        self.assertIn("💰 Ваш баланс: 10 кредитов", text)    # the welcome gift, once
        self.assertIn("Обучение стоит 100 кредитов, одно фото — 5.", text)
        self.assertIn("подарок новичку", text)
        self.assertEqual(keyboard(screen), [[("100 кредитов — 50 ⭐", "bill:buy:10000050")],
                                          [("500 кредитов — 200 ⭐", "bill:buy:50000200")],
                                          [("🎟 Промокод", "bill:promo")],
                                          [("◀️ Главное меню", "menu:main")]])

        since = self.botapi.last_seq()
        chat.press("500 кредитов — 200 ⭐", expect_screen=False)
        invoice = self.botapi.wait_calls(1, "sendInvoice", since=since)[0]
        p = invoice["params"]
        self.assertEqual(invoice["http_status"], 200, invoice["response"])
        self.assertEqual(p["chat_id"], uid)
        self.assertEqual(p["currency"], "XTR")
        self.assertEqual(p["provider_token"], "")
        self.assertEqual(p["prices"], [{"label": "500 кредитов", "amount": 200}])
        self.assertEqual(p["payload"], "pack:500:200:%d" % uid)
        self.assertEqual(p["title"], "500 кредитов")
        self.assertTrue(1 <= len(p["description"]) <= 255)
        # the press was answered (the spinner stops)
        self.assertTrue(self.botapi.calls("answerCallbackQuery", since=since))

        paid = self.botapi.pay(uid, self.next_update_id(), svc)
        self.next_update_id()  # the payment message took the next id
        self.assertEqual(paid["answer"], {"ok": True, "error_message": ""})
        answers = self.botapi.calls("answerPreCheckoutQuery")
        self.assertEqual(len(answers), 1)
        self.assertEqual(answers[0]["params"]["pre_checkout_query_id"],
                         paid["pre_checkout_query_id"])
        self.assertEqual(answers[0]["via"], "webhook_reply")
        self.assertEqual(paid["payment_webhook_status"], 200)
        charge = paid["payment"]["message"]["successful_payment"]["telegram_payment_charge_id"]

        h.wait_until(lambda: self.balance(uid) == "510", message="the payment to be credited")
        self.assertEqual(self.ledger(uid), [["10", "welcome", None, "10"],
                                            ["500", "purchase", charge, "510"]])
        self.assertEqual(h.psql(self.db_url, "SELECT user_id, currency, total_amount, credits,"
                                             " invoice_payload, status FROM payments"),
                         [[str(uid), "XTR", "200", "500", "pack:500:200:%d" % uid, "paid"]])
        confirm = self.botapi.wait_calls(1, "sendMessage", since=invoice["seq"])[0]
        self.assertEqual(confirm["params"]["text"],
                         "✅ Оплата получена: +500 кредитов. Ваш баланс: 510 кредитов.")
        self.assertEqual(keyboard(confirm), [[("💰 Баланс", "bill:show")]])

        # Telegram delivers the same successful_payment again (another update): nothing more
        again = dict(paid["payment"], update_id=self.next_update_id())
        self.assertEqual(svc.post_update(again)[0], 200)
        h.wait_until(lambda: h.psql_value(
            self.db_url, "SELECT count(*) FROM inbox WHERE update_id = $1 AND status = 'done'",
            again["update_id"]) == "1", message="the repeated payment to be handled")
        self.assertEqual(self.balance(uid), "510")
        self.assertEqual(len(self.ledger(uid)), 2)
        self.assertEqual(len(self.botapi.calls("sendMessage", since=confirm["seq"])), 0)
        self.assertEqual(svc.metric("avatarbot_payments_total", 'result="credited"'), 1)
        self.assertEqual(svc.metric("avatarbot_payments_total", 'result="duplicate"'), 1)
        self.assertEqual(svc.metric("avatarbot_stars_received_total"), 200)

        # the balance screen lists both entries in plain words, newest first
        chat.say("/balance")
        lines = chat.last["params"]["text"].split("\n")
        self.assertIn("💰 Ваш баланс: 510 кредитов", lines)
        entries = [ln for ln in lines if ln[:4].isdigit()]
        self.assertEqual(len(entries), 2)
        self.assertTrue(entries[0].endswith("  +500  куплено за звёзды"), entries)
        self.assertTrue(entries[1].endswith("  +10  подарок новичку"), entries)

    def test_pre_checkout_refused(self):
        svc = self.start_service(extra_env=STARS)
        uid = h.user_id(2)
        chat = Chat(self, svc, uid, lang="ru")
        self.open_balance(chat)
        chat.press("100 кредитов — 50 ⭐", expect_screen=False)
        self.botapi.wait_calls(1, "sendInvoice")
        good = "pack:100:50:%d" % uid
        for overrides in ({"total_amount": 49}, {"currency": "USD"},
                          {"invoice_payload": "pack:100:1:%d" % uid},      # not on offer
                          {"invoice_payload": "hello"},
                          {"invoice_payload": "pack:100:50:%d" % h.user_id(3)}):  # another's
            paid = self.botapi.pay(uid, self.next_update_id(), svc, **overrides)
            self.assertEqual(paid["webhook_status"], 200)
            self.assertIsNotNone(paid["answer"], overrides)
            self.assertFalse(paid["answer"]["ok"], overrides)
            self.assertEqual(paid["answer"]["error_message"],
                             "Этот пакет больше не продаётся. Откройте /balance и выберите снова.")
            self.assertIsNone(paid["payment"])
        self.assertEqual(len(self.botapi.calls("answerPreCheckoutQuery")), 5)
        # and the right one is taken
        paid = self.botapi.pay(uid, self.next_update_id(), svc, invoice_payload=good)
        self.next_update_id()
        self.assertTrue(paid["answer"]["ok"])
        h.wait_until(lambda: self.balance(uid) == "110")
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM payments"), "1")
        # pre-checkout queries are answered, never stored in the inbox
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM inbox"
                                                   " WHERE payload::text LIKE '%pre_checkout%'"),
                         "0")

    def test_terms_and_paysupport(self):
        env = dict(STARS, BILLING_SUPPORT_TEXT="Пишите @avatar_support, ответим за сутки.")
        svc = self.start_service(extra_env=env)
        chat = Chat(self, svc, h.user_id(4), lang="ru")
        chat.say("/paysupport")
        self.assertEqual(chat.text(), "Пишите @avatar_support, ответим за сутки.")
        chat.say("/terms")
        self.assertTrue(chat.text().startswith("📄 Условия\n\nКредиты оплачивают"), chat.text())

    def test_billing_off_shows_nothing(self):
        svc = self.start_service()   # BILLING defaults to off
        uid = h.user_id(5)
        chat = Chat(self, svc, uid, lang="ru")
        chat.say("/start")
        chat.press("Главное меню")
        self.assertEqual(list(chat.buttons().items()),
                         [("🎭 Аватары", "av:menu"), ("ℹ️ Помощь", "av:help"),
                          ("🌐 Язык", "menu:lang")])
        # answered exactly as a command the bot has never had
        unknown = chat.say("/nosuchcommand")
        self.assertTrue(chat.text().startswith("Не знаю такой команды."), chat.text())
        for command in ("/balance", "/terms", "/paysupport"):
            chat.say(command)
            self.assertEqual(chat.text(), unknown["params"]["text"], command)
            self.assertEqual(keyboard(chat.last), keyboard(unknown))
            self.assertEqual(h.psql_value(
                self.db_url, "SELECT state FROM chat_state WHERE chat_id = $1", uid),
                "avatar_menu")
        # a buy button from when billing was on is stale; a payment query is refused
        answer = chat.press(data="bill:buy:10000050", expect_screen=False)
        self.assertEqual(answer["params"]["text"], "Эта кнопка уже неактуальна")
        self.assertEqual(self.botapi.calls("sendInvoice"), [])
        paid = self.botapi.pay(uid, self.next_update_id(), svc, currency="XTR",
                               total_amount=50, invoice_payload="pack:100:50:%d" % uid)
        self.assertFalse(paid["answer"]["ok"])
        self.assertEqual(paid["answer"]["error_message"], "Сейчас оплата не принимается.")
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM credit_ledger"), "0")

    def test_the_database_guards_the_ledger(self):
        self.start_service()
        uid = h.user_id(6)
        h.psql(self.db_url, "INSERT INTO users (id) VALUES ($1)", uid)
        h.psql(self.db_url, "INSERT INTO credit_ledger (user_id, delta, reason)"
                            " VALUES ($1, 30, 'promo')", uid)
        self.assertEqual(self.balance(uid), "30")
        # never below zero: the entry and the balance are refused together
        with self.assertRaises(h.PsqlError):
            h.psql(self.db_url, "INSERT INTO credit_ledger (user_id, delta, reason)"
                                " VALUES ($1, -31, 'training')", uid)
        h.psql(self.db_url, "INSERT INTO credit_ledger (user_id, delta, reason, reference)"
                            " VALUES ($1, -30, 'training', 'run-1')", uid)
        self.assertEqual(self.balance(uid), "0")
        # append-only, and the balance moves only with an entry
        with self.assertRaises(h.PsqlError):
            h.psql(self.db_url, "UPDATE credit_ledger SET delta = 100 WHERE user_id = $1", uid)
        with self.assertRaises(h.PsqlError):
            h.psql(self.db_url, "UPDATE users SET credits = 1000 WHERE id = $1", uid)
        with self.assertRaises(h.PsqlError):
            h.psql(self.db_url, "INSERT INTO credit_ledger (user_id, delta, reason)"
                                " VALUES ($1, 5, 'gift')", uid)
        self.assertEqual(self.ledger(uid), [["30", "promo", None, "30"],
                                            ["-30", "training", "run-1", "0"]])
        self.assertEqual(self.balance(uid), "0")

    def test_pre_checkout_does_not_wait_behind_the_chat(self):
        """The chat's queue is stuck (its lane held, as by a long step) with 500 updates behind
        it: the pre-checkout answer still comes at once, and the payment itself is credited
        in its turn once the queue moves."""
        svc = self.start_service(extra_env=STARS)
        uid = h.user_id(7)
        chat = Chat(self, svc, uid, lang="ru")
        self.open_balance(chat)
        chat.press("100 кредитов — 50 ⭐", expect_screen=False)
        self.botapi.wait_calls(1, "sendInvoice")
        locker = subprocess.Popen([h._psql_binary(), "-X", "-q", "-At", self.db_url],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.addCleanup(locker.kill)
        locker.stdin.write("SELECT pg_advisory_lock(%d);\n\\echo locked\n" % uid)
        locker.stdin.flush()
        while locker.stdout.readline().strip() != "locked":   # the SELECT's empty row first
            self.assertIsNone(locker.poll(), "psql holding the lane exited")
        started = time.monotonic()
        for _ in range(500):
            status, _ = svc.post_update(h.message_update(self.next_update_id(), uid, "привет"))
            self.assertEqual(status, 200)
        queued = time.monotonic() - started
        pending = "SELECT count(*) FROM inbox WHERE chat_id = $1 AND status = 'pending'"
        self.assertEqual(h.psql_value(self.db_url, pending, uid), "500")

        paid = self.botapi.pay(uid, self.next_update_id(), svc)
        self.next_update_id()
        self.assertTrue(paid["answer"]["ok"], paid)
        self.assertLess(paid["answer_seconds"], 2.0)
        self.assertEqual(h.psql_value(self.db_url, pending, uid), "501")  # and the payment
        print("pre-checkout answered in %.1f ms behind 500 queued updates of the chat "
              "(queued in %.1f s)" % (paid["answer_seconds"] * 1000, queued))
        self.assertEqual(self.balance(uid), "10")

        locker.stdin.close()   # the lane is free: the backlog, then the payment, are handled
        locker.wait(timeout=10)
        h.wait_until(lambda: self.balance(uid) == "110", timeout=h.scaled(120),
                     message="the payment to be credited after the backlog")
        self.assertEqual(h.psql_value(self.db_url, pending, uid), "0")


if __name__ == "__main__":
    h.main()
