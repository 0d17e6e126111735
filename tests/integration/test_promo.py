"""Promo codes and the operator's side of credits (BILLING=stars): `admin promo create` and
`admin promo`, a code redeemed with /promo CODE or from the balance screen's button, once per
user, never past its uses or its expiry, also when many press at once; `admin refund` of a
Telegram Stars payment (refundStarPayment, the credits taken back as far as the balance holds
them, once); and `admin user` printing the user's ledger."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402
from chat import Chat, keyboard  # noqa: E402

STARS = {"BILLING": "stars", "BILLING_PACKS": "100:50,500:200"}


class PromoTest(h.IntegrationTestCase):

    def admin(self, *args):
        return h.run_avatarbot(["admin", *args], db_url=self.db_url, botapi=self.botapi,
                               timeout=30)

    def admin_json(self, *args):
        r = self.admin(*args, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def balance(self, uid):
        return int(h.psql_value(self.db_url, "SELECT credits FROM users WHERE id = $1", uid))

    def ledger(self, uid):
        return [(int(d), r, ref) for d, r, ref in
                h.psql(self.db_url, "SELECT delta, reason, reference FROM credit_ledger"
                                    " WHERE user_id = $1 ORDER BY id", uid)]

    def post_all(self, svc, updates):
        """Posts the updates at once, from as many threads."""
        self.assertEqual(h.post_at_once(svc, updates), [200] * len(updates))
        h.wait_until(lambda: h.psql_value(self.db_url, "SELECT count(*) FROM inbox WHERE"
                                                       " status <> 'done'") == "0",
                     timeout=h.scaled(60), message="every press handled")

    def test_codes_redeemed_once_per_user_within_uses_and_expiry(self):
        svc = self.start_service(extra_env=STARS)
        created = self.admin_json("promo", "create", "spring-26", "50", "2")
        self.assertEqual(created, [{"code": "SPRING-26", "credits": 50, "used": 0,
                                    "uses_max": 2, "expires_utc": ""}])
        self.assertEqual(self.admin("promo", "create", "SPRING-26", "10", "1").returncode, 1)
        for bad in (["x", "10", "1"], ["OK1", "0", "1"], ["OK2", "10"], ["OK3", "a", "1"],
                    ["OK4", "10", "1", "-1"]):
            self.assertEqual(self.admin("promo", "create", *bad).returncode, 2, bad)

        anna = Chat(self, svc, h.user_id(61))
        anna.say("/promo spring-26")
        self.assertEqual(anna.text(), "🎟 Code accepted: +50 credits. Your balance: 50 credits.")
        self.assertEqual(keyboard(anna.last), [[("💰 Balance", "bill:show")]])
        anna.say("/promo SPRING-26")
        self.assertEqual(anna.text(), "You have already used this promo code.")
        self.assertEqual(self.ledger(anna.uid), [(50, "promo", "SPRING-26")])

        # from the balance screen: the button, a wrong code (asked again), the right one
        bob = Chat(self, svc, h.user_id(62))
        bob.say("/balance")
        bob.press("🎟 Promo code")
        self.assertEqual(bob.text(), "🎟 Send the promo code in a message.")
        bob.say("no such code")
        self.assertEqual(bob.text(), "There is no such promo code. Check it and send it again.")
        self.assertEqual(h.psql_value(self.db_url, "SELECT state FROM chat_state WHERE"
                                                   " chat_id = $1", bob.uid), "entering_promo")
        bob.say(" Spring-26 ")
        self.assertIn("+50 credits", bob.text())
        self.assertEqual(h.psql_value(self.db_url, "SELECT state FROM chat_state WHERE"
                                                   " chat_id = $1", bob.uid), "avatar_menu")
        # both uses taken
        cid = Chat(self, svc, h.user_id(63))
        cid.say("/promo SPRING-26")
        self.assertEqual(cid.text(), "This promo code has been used up.")
        self.assertEqual(self.balance(cid.uid), 0)
        # expired
        self.admin_json("promo", "create", "OLD", "10", "5", "1")
        h.psql(self.db_url, "UPDATE promo_codes SET expires_at = now() - interval '1 second'"
                            " WHERE code = 'OLD'")
        cid.say("/promo old")
        self.assertEqual(cid.text(), "This promo code has expired.")
        cid.say("/promo")
        self.assertEqual(cid.text(), "🎟 Send the promo code in a message.")
        listed = {p["code"]: p for p in self.admin_json("promo")}
        self.assertEqual((listed["SPRING-26"]["used"], listed["OLD"]["used"]), (2, 0))
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM promo_redemptions"),
                         "2")

    def test_many_presses_at_once_redeem_within_the_limits(self):
        svc = self.start_service(extra_env=dict(STARS, WORKER_THREADS=4))
        self.admin_json("promo", "create", "ONE", "10", "1")
        self.admin_json("promo", "create", "MANY", "7", "1000")
        # twelve users race for one use
        users = [h.user_id(70 + i) for i in range(12)]
        self.post_all(svc, [h.message_update(self.next_update_id(), u, "/promo ONE", lang="en")
                            for u in users])
        self.assertEqual(h.psql(self.db_url, "SELECT count(*), sum(delta) FROM credit_ledger"
                                             " WHERE reference = 'ONE'"), [["1", "10"]])
        self.assertEqual(h.psql_value(self.db_url, "SELECT used FROM promo_codes"
                                                   " WHERE code = 'ONE'"), "1")
        # one user in twelve chats at once: one redemption
        uid = h.user_id(90)
        self.post_all(svc, [h.message_update(self.next_update_id(), uid, "/promo MANY",
                                             lang="en", chat_id=9_900_000 + i)
                            for i in range(12)])
        self.assertEqual(self.ledger(uid), [(7, "promo", "MANY")])
        self.assertEqual(h.psql_value(self.db_url, "SELECT used FROM promo_codes"
                                                   " WHERE code = 'MANY'"), "1")
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM inbox WHERE"
                                                   " status = 'failed'"), "0")

    def test_promo_is_unknown_with_billing_off(self):
        svc = self.start_service()
        chat = Chat(self, svc, h.user_id(64))
        unknown = chat.say("/nosuchcommand")
        chat.say("/promo SPRING")
        self.assertEqual(chat.text(), unknown["params"]["text"])

    def test_refund_of_a_stars_payment_and_the_ledger_in_admin_user(self):
        svc = self.start_service(extra_env=STARS)
        uid = h.user_id(65)
        chat = Chat(self, svc, uid)
        chat.say("/balance")
        chat.press("100 credits — 50 ⭐", expect_screen=False)
        self.botapi.wait_calls(1, "sendInvoice")
        paid = self.botapi.pay(uid, self.next_update_id(), svc)
        self.next_update_id()
        charge = paid["payment"]["message"]["successful_payment"]["telegram_payment_charge_id"]
        h.wait_until(lambda: self.balance(uid) == 100, message="the purchase credited")
        # 30 of them spent on something
        h.psql(self.db_url, "INSERT INTO credit_ledger (user_id, delta, reason, reference)"
                            " VALUES ($1, -30, 'images', 'generation 1')", uid)

        r = self.admin("refund", charge)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("credits bought: 100, taken back: 70 (the rest was spent)", r.stdout)
        call = self.botapi.calls("refundStarPayment")
        self.assertEqual(len(call), 1)
        self.assertEqual(call[0]["http_status"], 200, call[0]["response"])
        self.assertEqual((call[0]["params"]["user_id"],
                          call[0]["params"]["telegram_payment_charge_id"]), (uid, charge))
        self.assertEqual(h.psql(self.db_url, "SELECT status, refunded_at IS NOT NULL FROM"
                                             " payments"), [["refunded", "t"]])
        self.assertEqual(self.balance(uid), 0)
        # once: a second refund changes nothing, and asks Telegram nothing
        again = self.admin("refund", charge)
        self.assertEqual(again.returncode, 1)
        self.assertIn("already refunded", again.stderr)
        self.assertEqual(len(self.botapi.calls("refundStarPayment")), 1)
        self.assertEqual(self.admin("refund", "no-such-charge").returncode, 1)
        self.assertEqual(self.admin("refund").returncode, 2)

        # an operator's correction, and one that would go below zero
        added = self.admin_json("credit", str(uid), "+25", "goodwill: slow training")
        self.assertEqual((added[0]["delta"], added[0]["reason"], added[0]["balance_after"]),
                         (25, "adjustment", 25))
        below = self.admin("credit", str(uid), "-26")
        self.assertEqual(below.returncode, 1)
        self.assertIn("below zero", below.stderr)
        self.assertEqual(self.admin("credit", "no-user", "5").returncode, 2)
        self.assertEqual(self.admin("credit", str(uid), "0").returncode, 2)
        self.assertEqual(self.admin("credit", str(h.user_id(99)), "5").returncode, 1)
        self.assertEqual(self.admin("credit", str(uid), "-25").returncode, 0)

        shown = self.admin_json("user", str(uid))
        self.assertEqual(shown["user"][0]["credits"], 0)
        self.assertEqual([(e["delta"], e["reason"], e["reference"], e["balance_after"])
                          for e in shown["ledger"]],
                         [(100, "purchase", charge, 100), (-30, "images", "generation 1", 70),
                          (-70, "refund", "stars " + charge, 0),
                          (25, "adjustment", "goodwill: slow training", 25),
                          (-25, "adjustment", "operator", 0)])
        text = self.admin("user", str(uid)).stdout
        self.assertIn("credit ledger (oldest first) (5)", text)
        print(text)
        stats = self.admin_json("stats")
        self.assertEqual((stats["stars received"], stats["credits purchase"],
                          stats["credits refund"]), (50, 100, 70))


if __name__ == "__main__":
    h.main()
