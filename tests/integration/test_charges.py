"""Paying for FAL work with credits (BILLING=stars): the price on the paid screens, the top-up
screen when the balance falls short and the way back to the paid screen after paying, the spend
written with the run it pays for (one training for twenty concurrent taps on a balance that
covers one), the credits given back by the database when a training fails, is refused by FAL
or is cancelled before FAL started on it, and for pictures that failed or were withheld; the
operator's daily ceilings on FAL work; and with BILLING=off no price and no ledger. FAL is the
in-repo queue stand-in, Telegram's payment the Bot API stand-in's."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from chat import Chat, keyboard  # noqa: E402
from test_generation import GenerationCase  # noqa: E402

STARS = {"BILLING": "stars", "BILLING_PACKS": "100:50,500:200", "BILLING_PRICE_TRAINING": 100,
         "BILLING_PRICE_IMAGE": 5}


class ChargesTest(GenerationCase):

    def live(self, **env):
        return self.start(mode="live", FAL_GENERATION_POLL_SECONDS=1, **env)

    def balance(self, uid):
        return int(h.psql_value(self.db_url, "SELECT credits FROM users WHERE id = $1", uid))

    def ledger(self, uid):
        return [(int(d), r) for d, r in
                h.psql(self.db_url, "SELECT delta, reason FROM credit_ledger WHERE user_id = $1"
                                    " ORDER BY id", uid)]

    def state(self, uid):
        return h.psql_value(self.db_url, "SELECT state FROM chat_state WHERE chat_id = $1", uid)

    def pay(self, chat, svc):
        """Plays Telegram's payment of the chat's last invoice; returns the screen after it."""
        chat.seen = self.botapi.last_seq()
        user = {"id": chat.uid, "is_bot": False, "first_name": "User",
                "language_code": chat.lang}
        paid = self.botapi.pay(chat.uid, self.next_update_id(), svc, user=user)
        self.next_update_id()  # the payment message took the next id
        self.assertTrue(paid["answer"]["ok"], paid)
        return chat.wait_screen()

    def funded_training(self, uid, credits):
        """A user given `credits` (the welcome gift, received on /balance) starts a training
        of a ready avatar; returns (service, chat, avatar id)."""
        svc = self.start(**STARS, BILLING_WELCOME_CREDITS=credits)
        chat = Chat(self, svc, uid)
        aid = self.ready_avatar(chat)
        chat.say("/balance")
        self.start_training(chat, aid)
        return svc, chat, aid

    def refund_of_spend(self, uid):
        """(spend, refund) ledger rows of the user's one paid run: refund_of names the spend."""
        rows = h.psql_json(self.db_url, "SELECT id, delta, reason, refund_of FROM credit_ledger"
                                        " WHERE user_id = $1 AND reason IN ('training', 'images',"
                                        " 'refund') ORDER BY id", uid)
        return rows

    # ---- trainings -----------------------------------------------------------------------
    def test_a_training_waits_for_credits_and_starts_once_paid(self):
        svc = self.start(**STARS, BILLING_WELCOME_CREDITS=10)
        chat = Chat(self, svc, 801)
        aid = self.ready_avatar(chat)
        self.open_details(chat, aid)
        chat.press("Start training")
        self.assertIn("💰 Price: 100 · your balance: 10 credits", chat.text())
        confirm = chat.message_id
        chat.press("✅ Start")
        # the confirm message became the top-up screen; nothing started, nothing spent
        self.assertEqual(chat.last["method"], "editMessageText")
        self.assertEqual(chat.last["params"]["message_id"], confirm)
        self.assertEqual(chat.text(), "💰 Not enough credits: this costs 100, your balance is"
                                      " 10.\n\nTop up with Telegram Stars and you come back here:")
        self.assertEqual(keyboard(chat.last), [[("100 credits — 50 ⭐", "bill:buy:10000050")],
                                               [("500 credits — 200 ⭐", "bill:buy:50000200")],
                                               [("◀️ Back", "nav:back")]])
        self.assertEqual(self.state(801), "top_up")
        self.assertEqual(self.avatar(aid)["status"], "ready")
        self.assertEqual(self.fal.requests(), [])
        self.assertEqual(self.ledger(801), [(10, "welcome")])
        self.assertEqual(svc.metric("avatarbot_paid_refused_total",
                                    'reason="balance",kind="training"'), 1)
        # Back returns to the confirm screen, and Start leads to the top-up again
        chat.press("Back")
        self.assertIn("💰 Price: 100", chat.text())
        self.assertEqual(self.state(801), "confirming_training")
        chat.press("✅ Start")
        chat.press("100 credits — 50 ⭐", expect_screen=False)
        self.botapi.wait_calls(1, "sendInvoice")
        # paid: the confirmation, then the confirm screen again, with the new balance
        screen = self.pay(chat, svc)
        texts = [c["params"]["text"] for c in chat.all]
        self.assertEqual(texts[0], "✅ Payment received: +100 credits. Your balance: 110 credits.")
        self.assertIn("💰 Price: 100 · your balance: 110 credits", screen["params"]["text"])
        self.assertEqual(self.state(801), "confirming_training")
        chat.press("✅ Start")
        req = self.submitted()
        self.wait_avatar(aid, "completed")
        self.assertEqual(self.ledger(801), [(10, "welcome"), (100, "purchase"),
                                            (-100, "training")])
        self.assertEqual(self.balance(801), 10)
        spend = h.psql_value(self.db_url, "SELECT spend_id FROM fal_requests"
                                          " WHERE request_id = $1", req["request_id"])
        self.assertEqual(spend, h.psql_value(self.db_url, "SELECT id FROM credit_ledger WHERE"
                                                          " reason = 'training'"))
        self.assertEqual(len(self.fal.requests()), 1)
        self.assertEqual(svc.metric("avatarbot_credits_spent_total", 'kind="training"'), 100)
        # and pictures with the trained avatar: every credit accounted for in the ledger
        self.open_details(chat, aid)
        chat.press("Create pictures")
        chat.press("Studio")
        chat.press("1:1")
        chat.press("2")
        self.wait_generation("delivered")
        self.assertEqual(self.ledger(801)[3:], [(-10, "images")])
        self.assertEqual(self.balance(801), 0)
        self.assertEqual(sum(d for d, _ in self.ledger(801)), self.balance(801))
        shown = h.run_avatarbot(["admin", "user", "801"], db_url=self.db_url, timeout=30)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertIn("credit ledger (oldest first) (4)", shown.stdout)
        print(shown.stdout)

    def test_twenty_concurrent_taps_on_one_trainings_credits_start_one(self):
        """The taps come from twenty chats of the user at once (lanes run side by side), each
        on a confirm screen of the same avatar; the balance covers one training."""
        svc = self.start(**STARS, BILLING_WELCOME_CREDITS=100, WORKER_THREADS=4)
        chat = Chat(self, svc, 802)
        aid = self.ready_avatar(chat)
        chat.say("/balance")  # the welcome gift
        self.assertEqual(self.balance(802), 100)
        chats = [9_802_000 + i for i in range(20)]
        for c in chats:
            h.psql(self.db_url, "INSERT INTO chat_state (chat_id, user_id, state, data) VALUES"
                                " ($1, 802, 'confirming_training', $2::jsonb)",
                   c, json.dumps({"avatar_id": aid}))
        updates = [h.callback_update(self.next_update_id(), 802, "tr:go:%d" % aid, 5, lang="en",
                                     chat_id=c) for c in chats]
        self.assertEqual(h.post_at_once(svc, updates), [200] * 20)
        chat.settle(timeout=h.scaled(60))
        self.wait_avatar(aid, "completed")
        self.assertEqual(self.ledger(802), [(100, "welcome"), (-100, "training")])
        self.assertEqual(self.balance(802), 0)
        self.assertEqual(len(self.fal.requests()), 1)
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM fal_requests"), "1")
        # every tap was answered and handled, none set aside
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM inbox WHERE status ="
                                                   " 'done' AND chat_id >= 9802000"), "20")

    def test_a_failed_training_gives_its_credits_back(self):
        self.fal.fault("fail", status=422, detail=[{"loc": ["body"], "msg": "bad archive",
                                                     "type": "value_error"}])
        svc, chat, aid = self.funded_training(803, 150)
        self.wait_avatar(aid, "error")
        msg = self.wait_sent(803, "failed")[-1]
        self.assertIn("↩️ 100 credits are back on your balance.", msg["params"]["text"])
        self.assertEqual(self.ledger(803), [(150, "welcome"), (-100, "training"),
                                            (100, "refund")])
        rows = self.refund_of_spend(803)
        self.assertEqual(rows[1]["refund_of"], rows[0]["id"])
        self.assertEqual(self.balance(803), 150)
        self.assertEqual(svc.metric("avatarbot_credits_refunded_total", 'kind="training"'), 100)

    def test_a_refused_submit_gives_its_credits_back(self):
        self.fal.fault("http", status=403, detail="User is locked. Reason: Exhausted balance.")
        svc, chat, aid = self.funded_training(804, 100)
        self.wait_avatar(aid, "ready")
        msg = self.wait_sent(804, "Could not start training")[-1]
        self.assertIn("↩️ 100 credits are back", msg["params"]["text"])
        self.assertEqual(self.ledger(804), [(100, "welcome"), (-100, "training"),
                                            (100, "refund")])

    def test_cancel_in_fals_queue_refunds_cancel_while_training_does_not(self):
        self.fal.set_config(duration=200, queue_seconds=120)
        svc, chat, aid = self.funded_training(805, 200)
        req = self.submitted()
        self.fal.wait_request(req["request_id"], status="IN_QUEUE", timeout=10)
        chat.press("⏸️ Cancel", expect_screen=False)
        self.wait_avatar(aid, "cancelled")
        msg = self.wait_sent(805, "cancelled")[-1]
        self.assertIn("↩️ 100 credits are back", msg["params"]["text"])
        self.assertEqual(self.balance(805), 200)
        # FAL had started training the second one: its work is paid, the credits stay spent
        self.fal.set_config(queue_seconds=0, duration=120)
        chat.message_id = msg["response"]["result"]["message_id"]
        chat.last = msg
        chat.press("Train again")
        chat.press("✅ Start")
        req2 = self.submitted(2)
        self.fal.wait_request(req2["request_id"], status="IN_PROGRESS", timeout=10)
        h.wait_until(lambda: h.psql_value(self.db_url, "SELECT started_at IS NOT NULL FROM"
                                                       " fal_requests WHERE request_id = $1",
                                          req2["request_id"]) == "t",
                     message="the service to see FAL training it")
        chat.press("⏸️ Cancel", expect_screen=False)
        self.wait_avatar(aid, "cancelled")
        msg = self.wait_sent(805, "cancelled", n=2)[-1]
        self.assertNotIn("credits are back", msg["params"]["text"])
        self.assertEqual(self.ledger(805), [(200, "welcome"), (-100, "training"),
                                            (100, "refund"), (-100, "training")])
        self.assertEqual(self.balance(805), 100)

    # ---- pictures ------------------------------------------------------------------------
    def test_pictures_cost_per_picture_and_withheld_ones_come_back(self):
        svc = self.live(**STARS, BILLING_WELCOME_CREDITS=100)
        self.fal.set_config(nsfw=1)  # the first picture of each request is flagged
        chat = Chat(self, svc, 806)
        aid = self.trained_avatar(chat)
        chat.say("/balance")
        self.open_details(chat, aid)
        chat.press("Create pictures")
        chat.press("Business")
        chat.press("3:4")
        self.assertIn("💰 A picture: 5 · your balance: 100 credits", chat.text())
        chat.press("2")
        g = self.wait_generation("delivered")
        self.assertEqual([i["nsfw"] for i in g["images"]], [True, False])
        said = self.wait_sent(806, "1 picture is not shown")[-1]
        self.assertIn("↩️ 5 credits are back on your balance.", said["params"]["text"])
        self.assertEqual(self.ledger(806), [(100, "welcome"), (-10, "images"), (5, "refund")])
        self.assertEqual(svc.metric("avatarbot_credits_spent_total", 'kind="images"'), 10)
        self.assertEqual(svc.metric("avatarbot_credits_refunded_total", 'kind="images"'), 5)
        # a failed generation: all of it back
        self.fal.set_config(nsfw=0)
        self.fal.fault("fail", app_id="fal-ai/flux-lora")
        chat.press(data="gen:again:%d" % g["id"], expect_screen=False)  # "More like this"
        self.wait_generation("failed", n=2)
        said = self.wait_sent(806, "couldn't make the pictures")[-1]
        self.assertIn("↩️ 10 credits are back", said["params"]["text"])
        self.assertEqual(self.ledger(806)[3:], [(-10, "images"), (10, "refund")])
        self.assertEqual(self.balance(806), 95)

    def test_pictures_wait_for_credits_and_come_back_to_the_count(self):
        svc = self.live(**STARS)
        chat = Chat(self, svc, 807)
        aid = self.trained_avatar(chat)
        self.open_details(chat, aid)
        chat.press("Create pictures")
        chat.press("Studio")
        chat.press("1:1")
        self.assertIn("💰 A picture: 5 · your balance: 0 credits", chat.text())
        chat.press("4")
        self.assertIn("this costs 20, your balance is 0", chat.text())
        self.assertEqual(self.state(807), "top_up")
        chat.press("Back")
        self.assertIn("How many pictures", chat.text())
        self.assertEqual(self.state(807), "generation_count")
        chat.press("3")
        self.assertIn("this costs 15", chat.text())
        chat.press("100 credits — 50 ⭐", expect_screen=False)
        self.botapi.wait_calls(1, "sendInvoice")
        screen = self.pay(chat, svc)
        self.assertIn("How many pictures", screen["params"]["text"])
        self.assertIn("your balance: 100 credits", screen["params"]["text"])
        self.assertEqual(self.fal.requests(), [])
        chat.press("3")
        g = self.wait_generation("delivered")
        self.assertEqual((g["preset"], g["aspect"], g["count"]), ("studio", "1:1", 3))
        self.assertEqual(self.ledger(807), [(100, "purchase"), (-15, "images")])

    # ---- the operator's ceilings, and billing off --------------------------------------
    def test_daily_ceilings_refuse_calmly_and_charge_nothing(self):
        svc = self.live(FAL_DAILY_TRAININGS_MAX=1, FAL_DAILY_IMAGES_MAX=3)
        first, second = Chat(self, svc, 808), Chat(self, svc, 809)
        a1 = self.ready_avatar(first)
        a2 = self.ready_avatar(second, name="Bob")
        self.open_details(first, a1)
        first.press("Start training")
        self.assertNotIn("💰", first.text())  # BILLING=off: no price
        first.press("✅ Start")
        self.submitted()
        self.open_details(second, a2)
        answer = second.press("Start training", expect_screen=False)
        self.assertEqual(answer["params"]["text"], "🌙 The studio is fully booked for today."
                                                   " Please come back tomorrow; nothing was"
                                                   " charged.")
        self.assertEqual(self.avatar(a2)["status"], "ready")
        self.assertEqual(len(self.fal.requests()), 1)
        self.assertEqual(svc.metric("avatarbot_paid_refused_total",
                                    'reason="daily_cap",kind="training"'), 1)
        # pictures: 2 of 3 made, then 2 more do not fit
        g_avatar = self.trained_avatar(second, name="Cid")
        self.choose(second, g_avatar, count="2")
        self.wait_generation("delivered")
        self.open_details(second, g_avatar)
        second.press("Create pictures")
        second.press("Studio")
        second.press("1:1")
        answer = second.press("2", expect_screen=False)
        self.assertIn("fully booked", answer["params"]["text"])
        self.assertEqual(len(self.generation()), 1)
        self.assertEqual(h.psql(self.db_url, "SELECT kind, used FROM fal_daily_usage"
                                             " ORDER BY kind"),
                         [["images", "2"], ["trainings", "1"]])
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM credit_ledger"), "0")
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM fal_requests WHERE"
                                                   " spend_id IS NOT NULL"), "0")


if __name__ == "__main__":
    h.main()
