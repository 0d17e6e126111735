"""The web chat in a real browser: `make run`'s script (scripts/run.sh, no terminal) prints the
page's address, and Debian's Chromium, driven by Playwright (tests/webchat/browser.js, npm
playwright-core pinned in tests/webchat/package-lock.json), goes from /start through the create
flow, an album of ten real photos by the file picker, a simulated training whose status message
is edited in place, a generated picture, to an invoice paid in Telegram Stars; then what the
bot does not send today (HTML, a chat action, a file, a photo by URL, a deletion) goes to a
second user, who drops photos on the chat and sends one as a file. The browser script asserts
on the page; this test then checks what stands behind it: the updates the page delivered
through the webhook (with its secret: every one is in the inbox), the Bot API calls the bot
made, and the rows. Screenshots of each step are kept in test-logs/webchat/screens/."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("AB_BUILD_DIR") or h.BUILD_DIR)
PHOTOS = Path(os.environ.get("AB_TEST_PHOTOS") or BUILD / "test-photos") / "plasma"
ALBUM = ["Air_Balloon.png", "Books.png", "Brushes.png", "Bulb.png", "Car.png", "Chameleon.png",
         "Cocktail.png", "Fish.png", "Gamepad.png", "Dog.png"]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


class MakeRun:
    """scripts/run.sh without a terminal, its output collected; stopped with its group."""

    def __init__(self, env):
        self.proc = subprocess.Popen(["bash", str(ROOT / "scripts" / "run.sh"), str(BUILD)],
                                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.out = ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in iter(self.proc.stdout.readline, b""):
            self.out += line.decode(errors="replace")

    def wait_for(self, text, timeout):
        h.wait_until(lambda: text in self.out or self.proc.poll() is not None,
                     timeout=h.scaled(timeout), message="%r from make run" % text)
        if text not in self.out:
            raise AssertionError("make run ended (%s) without %r:\n%s"
                                 % (self.proc.returncode, text, self.out[-3000:]))
        return self.out

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=h.scaled(30))
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class WebChatTest(unittest.TestCase):

    def get(self, path):
        """An answer of the stand-in that serves the page: its control API or the page's."""
        status, _, raw = h.http_request("GET", self.base + path)
        self.assertEqual(status, 200)
        return json.loads(raw.decode())

    def no_sanitizer_reports(self, log):
        """After make run ended: the service's log holds no sanitizer report."""
        text = log.read_text(errors="replace")
        for mark in h.Service.SANITIZER_MARKS:
            self.assertNotIn(mark, text, "sanitizer report in %s" % log)

    def test_from_start_to_a_paid_invoice_in_chromium(self):
        self.assertTrue(Path(CHROMIUM).exists(), "%s is missing: scripts/deps.sh test installs "
                                                 "Debian's chromium" % CHROMIUM)
        node = subprocess.run(["bash", str(ROOT / "scripts" / "npm-pinned.sh"),
                               str(ROOT / "tests" / "webchat"), str(BUILD), "webchat-node"],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              check=True).stdout.strip()
        db_url = h.pg_cluster().new_database("ab_webchat")
        logs = h.log_dir() / "webchat"
        screens = logs / "screens"
        screens.mkdir(parents=True, exist_ok=True)
        for old in screens.glob("*.png"):
            old.unlink()
        env = dict(os.environ, DATABASE_URL=db_url, HTTP_PORT=str(h.free_port()),
                   WEBCHAT_PORT=str(h.free_port()), AB_TEST_LOGDIR=str(logs),
                   STORAGE_URL="file://%s" % (logs / "storage"),
                   BILLING="stars", BILLING_PACKS="100:50,500:200",
                   BILLING_WELCOME_CREDITS="1000",
                   FAL_SIMULATE_SECONDS="10", FAL_POLL_SECONDS="1", FAL_PROGRESS_EDIT_SECONDS="1",
                   FAL_SIMULATE_GENERATION_SECONDS="1")
        run = MakeRun(env)
        self.addCleanup(self.no_sanitizer_reports, logs / "run-serve.log")
        self.addCleanup(run.stop)
        out = run.wait_for(" in a browser", timeout=90)
        line = [ln for ln in out.splitlines() if ln.startswith("Open http://127.0.0.1:")][0]
        self.assertEqual(line, "Open http://127.0.0.1:%s/ in a browser" % env["WEBCHAT_PORT"])
        self.base = line.split()[1].rstrip("/")

        started = time.monotonic()
        browser = subprocess.run(
            ["node", str(ROOT / "tests" / "webchat" / "browser.js"), self.base + "/",
             str(screens)] + [str(PHOTOS / p) for p in ALBUM],
            env=dict(os.environ, NODE_PATH=str(Path(node) / "node_modules"), CHROMIUM=CHROMIUM,
                     AB_WEBCHAT_WAIT_MS=str(int(h.scaled(60) * 1000))),
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=h.scaled(240))
        seconds = time.monotonic() - started
        self.assertEqual(browser.returncode, 0, "%s\n--- make run:\n%s"
                         % (browser.stderr[-4000:], run.out[-2000:]))
        seen = json.loads(browser.stdout.strip().splitlines()[-1])
        print("the browser's steps took %.1f s (the progress message edited %d times in the "
              "page); screenshots in %s" % (seconds, seen["progressEdits"], screens))
        self.assertEqual(seen["errors"], [])
        for step in seen["steps"]:
            self.assertTrue((screens / ("%s.png" % step)).stat().st_size > 10_000, step)

        uid = seen["user"]
        calls = [c for c in self.get("/_control/calls") if c["http_status"] == 200]

        def sent(method, **params):
            return [c for c in calls if c["method"] == method and all(
                str(c["params"].get(k)) == str(v) for k, v in params.items())]

        # every update the page delivered went through the webhook: each one is in the inbox
        # (pre-checkout queries are answered at once, never stored), none of an earlier run's
        # ids (they are the clock's milliseconds)
        delivered = [e["update"] for e in self.get("/_chat/events?since=0&timeout=0")["events"]
                     if "update" in e]
        stored = {int(r[0]): r[1] for r in h.psql(db_url, "SELECT update_id, status FROM inbox")}
        for u in delivered:
            if "pre_checkout_query" not in u:
                self.assertEqual(stored.get(u["update_id"]), "done", u)
            self.assertGreater(u["update_id"], 1_700_000_000_000)
        self.assertEqual(len({u["update_id"] for u in delivered}), len(delivered))

        # /start answered with the menu, the create flow in one message (edited)
        self.assertIn("🆕 Create avatar", seen["menuButtons"])
        self.assertTrue(sent("editMessageText", chat_id=uid, message_id=seen["createMessage"]))

        # the album: ten photo messages of one media group, each downloaded and accepted
        album = [u["message"] for u in delivered
                 if u.get("message", {}).get("media_group_id") == seen["albumGroup"]]
        self.assertEqual(seen["albumImages"], 10)
        self.assertEqual(len(album), 10)
        self.assertTrue(all(m["photo"][-1]["width"] == 512 for m in album))  # real PNG sizes
        self.assertEqual(len([c for c in calls if c["method"] == "downloadFile"]), 10)
        self.assertEqual(h.psql(db_url, "SELECT validation_status, count(*) FROM avatar_photos"
                                        " GROUP BY 1"), [["valid", "10"]])

        # the training's status message: edited in place as the simulated training went on
        edits = sent("editMessageText", chat_id=uid, message_id=seen["progressMessage"])
        self.assertGreaterEqual(len(edits), 2)
        self.assertGreaterEqual(seen["progressEdits"], 2)
        self.assertLessEqual(seen["progressEdits"], len(edits))
        self.assertIn("Done", edits[-1]["params"]["text"])
        self.assertEqual(h.psql_value(db_url, "SELECT status FROM avatars"), "completed")

        # the generated picture shown is the one the bot uploaded
        file_id = seen["pictureSrc"].rsplit("/", 1)[-1]
        photo = [c for c in sent("sendPhoto", chat_id=uid)
                 if c["response"]["result"]["photo"][-1]["file_id"] == file_id]
        self.assertEqual(len(photo), 1, seen["pictureSrc"])
        self.assertIn("_upload", photo[0]["params"]["photo"])
        self.assertGreater(seen["pictureWidth"], 100)

        # the invoice paid: a pre-checkout query answered ok, then the payment credited
        invoice = sent("sendInvoice", chat_id=uid)[-1]
        self.assertEqual(invoice["response"]["result"]["message_id"],
                         int(seen["invoiceMessage"]))
        self.assertEqual(seen["payButton"], "Pay ⭐ 50")
        self.assertEqual([c["params"]["ok"] for c in calls
                          if c["method"] == "answerPreCheckoutQuery"], [True])
        self.assertIn("You paid ⭐ 50", seen["paid"])
        self.assertEqual(h.psql(db_url, "SELECT user_id, total_amount, credits, status FROM"
                                        " payments"), [[str(uid), "50", "100", "paid"]])
        self.assertGreater(seen["logged"], len(calls) // 2)

        # what the bot does not send today, sent to the second user as the bot would: HTML
        # with Telegram's tags only (a javascript: link loses its href), a URL button, a file
        # served back as uploaded, a photo given by URL shown from that URL
        self.assertEqual(seen["html"]["bold"], "bold")
        self.assertEqual(seen["html"]["urlButton"], "https://example.org/")
        # and the second user's photos: two dropped (one album), one sent as a file
        boris = [u["message"] for u in delivered
                 if u.get("message", {}).get("from", {}).get("id") == 1000102]
        self.assertEqual(seen["dropped"], 2)
        self.assertEqual(len({m.get("media_group_id") for m in boris if "photo" in m}), 1)
        self.assertEqual(len([m for m in boris if "photo" in m and m.get("media_group_id")]), 2)
        self.assertEqual([(m["document"]["file_name"], m["document"]["mime_type"])
                          for m in boris if "document" in m], [(ALBUM[2], "image/png")])
        self.assertEqual(seen["sentFile"], ALBUM[2])
        self.assertEqual(boris[0]["from"]["language_code"], "ru")
        by_url = seen["photoByUrl"]
        self.assertEqual((by_url["status"], by_url["location"]), (302, by_url["photoUrl"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
