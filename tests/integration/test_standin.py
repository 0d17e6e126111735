#!/usr/bin/env python3
"""Self-test of the Telegram Bot API stand-in (tests/support/botapi_standin.py).

Runs the stand-in alone, with no avatarbot binary and no database:
    python3 tests/integration/test_standin.py
"""

import hashlib
import http.server
import json
import threading
import socket
import struct
import sys
import unittest
import urllib.parse
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402

CHAT = h.user_id(1)          # above 2^32


def jpeg_header(width, height):
    """The start of a JPEG declaring width x height (SOI, a baseline frame header, EOI): what
    the stand-in reads a photo's size from."""
    return (b"\xff\xd8\xff\xc0\x00\x11\x08" + struct.pack(">HH", height, width)
            + b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9")


def png_image(width, height):
    """A valid PNG of width x height, gray."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    rows = (b"\x00" + b"\x80" * width) * height
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class StandinTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = h.BotApi(log_name="test_standin")

    @classmethod
    def tearDownClass(cls):
        cls.api.stop()
        log = cls.api.log_text()
        assert h.TOKEN not in log and h.TOKEN.split(":")[1] not in log, "token in stand-in log"

    def setUp(self):
        self.api.reset()

    def send(self, text="Привет", chat_id=CHAT, **extra):
        params = {"chat_id": chat_id, "text": text}
        params.update(extra)
        return self.api.api("sendMessage", params)

    def test_get_me(self):
        status, body = self.api.api("getMe", http_method="GET")
        self.assertEqual(status, 200)
        self.assertTrue(body["ok"])
        self.assertEqual(body["result"]["id"], h.BOT_ID)
        self.assertTrue(body["result"]["is_bot"])

    def test_send_message_recorded(self):
        kb = {"inline_keyboard": [[{"text": "Создать", "callback_data": "avatar:create"}]]}
        status, body = self.send("Привет 👋", reply_markup=kb)
        self.assertEqual(status, 200)
        msg = body["result"]
        self.assertEqual(msg["chat"], {"id": CHAT, "first_name": "User", "type": "private"})
        self.assertEqual(msg["from"]["id"], h.BOT_ID)
        self.assertEqual(msg["text"], "Привет 👋")
        self.assertEqual(msg["reply_markup"], kb)
        self.assertIsInstance(msg["date"], int)
        status2, body2 = self.send("second")
        self.assertEqual(body2["result"]["message_id"], msg["message_id"] + 1)

        calls = self.api.wait_calls(2, method="sendMessage", timeout=5)
        self.assertEqual([c["seq"] for c in calls], sorted(c["seq"] for c in calls))
        first = calls[0]
        self.assertEqual(first["method"], "sendMessage")
        self.assertEqual(first["params"]["chat_id"], CHAT)
        self.assertEqual(first["params"]["reply_markup"], kb)
        self.assertEqual(first["http_status"], 200)
        self.assertTrue(first["token_ok"])
        self.assertIsInstance(first["time"], float)
        self.assertEqual(self.api.messages(CHAT)[0]["text"], "Привет 👋")

    def test_method_names_are_case_insensitive_and_forms_accepted(self):
        url = "%s/bot%s/SENDMESSAGE" % (self.api.base_url, h.TOKEN)
        form = urllib.parse.urlencode({
            "chat_id": str(CHAT), "text": "<b>bold</b> &amp; plain", "parse_mode": "HTML",
            "reply_markup": '{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}'})
        status, _, raw = h.http_request("POST", url, form.encode(),
                                        {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, raw)
        call = self.api.calls()[-1]
        self.assertEqual(call["method"], "sendMessage")
        self.assertEqual(call["params"]["reply_markup"]["inline_keyboard"][0][0]["text"], "A")
        self.assertEqual(self.api.messages(CHAT)[-1]["text"], "bold & plain")

    def test_429_fault(self):
        self.api.fault("429", method="sendMessage", retry_after=17, count=2)
        for _ in range(2):
            status, body = self.send()
            self.assertEqual(status, 429)
            self.assertEqual(body, {"ok": False, "error_code": 429,
                                    "description": "Too Many Requests: retry after 17",
                                    "parameters": {"retry_after": 17}})
        status, _ = self.send()
        self.assertEqual(status, 200)
        calls = self.api.calls(method="sendMessage")
        self.assertEqual([c["http_status"] for c in calls], [429, 429, 200])
        self.assertEqual([c["fault"] for c in calls], ["429", "429", None])

    def test_fault_window_fails_every_call_until_it_ends(self):
        self.api.fault("500", method="sendMessage", for_seconds=1.0)
        statuses = [self.send()[0] for _ in range(5)]
        self.assertEqual(statuses, [500] * 5)  # not just the first: count does not apply
        h.wait_until(lambda: self.send()[0] == 200, timeout=5)
        self.assertEqual(self.api.faults(), [])

    def test_fault_filters_by_chat(self):
        self.api.fault("500", chat_id=CHAT + 1)
        self.assertEqual(self.send(chat_id=CHAT)[0], 200)
        status, body = self.send(chat_id=CHAT + 1)
        self.assertEqual((status, body["description"]), (500, "Internal Server Error"))

    def test_502_is_html_and_drop_closes(self):
        self.api.fault("502", method="getMe")
        status, body = self.api.api("getMe")
        self.assertEqual(status, 502)
        self.assertIn(b"502 Bad Gateway", body)
        self.api.fault("drop", method="getMe")
        with self.assertRaises((ConnectionError, OSError)):
            self.api.api("getMe")
        self.assertEqual(self.api.calls(method="getMe")[-1]["http_status"], 0)
        self.assertEqual(self.api.api("getMe")[0], 200)

    def test_stall(self):
        self.api.fault("stall", method="getMe", stall_seconds=0.5)
        with self.assertRaises((TimeoutError, socket.timeout)):
            h.http_request("GET", "%s/bot%s/getMe" % (self.api.base_url, h.TOKEN), timeout=0.2)
        # The stalled call still completes on the server side.
        calls = self.api.wait_calls(1, method="getMe", timeout=5)
        self.assertEqual(calls[0]["fault"], "stall")

    def test_message_not_modified(self):
        kb = {"inline_keyboard": [[{"text": "Далее", "callback_data": "next"}]]}
        _, body = self.send("Шаг 1", reply_markup=kb)
        mid = body["result"]["message_id"]
        edit = {"chat_id": CHAT, "message_id": mid, "text": "Шаг 1", "reply_markup": kb}
        status, body = self.api.api("editMessageText", edit)
        self.assertEqual(status, 400)
        self.assertEqual(body, {"ok": False, "error_code": 400, "description": (
            "Bad Request: message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup of the message")})
        # A different keyboard (here: none) is a modification.
        status, body = self.api.api("editMessageText", {"chat_id": CHAT, "message_id": mid,
                                                        "text": "Шаг 1"})
        self.assertEqual(status, 200)
        self.assertNotIn("reply_markup", body["result"])
        self.assertIn("edit_date", body["result"])
        status, body = self.api.api("editMessageText", {"chat_id": CHAT, "message_id": mid + 50,
                                                        "text": "x"})
        self.assertEqual((status, body["description"]),
                         (400, "Bad Request: message to edit not found"))
        status, _ = self.api.api("editMessageReplyMarkup", {"chat_id": CHAT, "message_id": mid})
        self.assertEqual(status, 400)   # no markup -> no markup: not modified

    def test_wrong_token_and_unknown_method(self):
        status, body = self.api.api("getMe", token="123456:wrong")
        self.assertEqual((status, body),
                         (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}))
        self.assertFalse(self.api.calls()[-1]["token_ok"])
        status, body = self.api.api("sendMagic")
        self.assertEqual((status, body),
                         (404, {"ok": False, "error_code": 404, "description": "Not Found"}))

    def test_validation(self):
        status, body = self.send("x", reply_markup={"inline_keyboard": [[
            {"text": "big", "callback_data": "я" * 33}]]})            # 66 bytes
        self.assertEqual((status, body["description"]), (400, "Bad Request: BUTTON_DATA_INVALID"))
        self.assertEqual(self.send("x" * 4096)[0], 200)
        self.assertEqual(self.send("x" * 4097)[1]["description"],
                         "Bad Request: message is too long")
        self.assertEqual(self.send("  ")[1]["description"], "Bad Request: message text is empty")
        self.assertEqual(self.api.api("sendMessage", {"text": "x"})[1]["description"],
                         "Bad Request: chat_id is empty")
        status, body = self.send("<b>open", parse_mode="HTML")
        self.assertEqual(status, 400)
        self.assertIn("can't parse entities", body["description"])
        status, body = self.api.api("sendMediaGroup", {"chat_id": CHAT, "media": [
            {"type": "photo", "media": "AgAC1"}]})
        self.assertEqual(status, 400)
        status, body = self.api.api("sendMediaGroup", {"chat_id": CHAT, "media": [
            {"type": "photo", "media": "AgAC1"}, {"type": "photo", "media": "AgAC2"}]})
        self.assertEqual(status, 200)
        self.assertEqual(len(body["result"]), 2)
        self.assertEqual(body["result"][0]["media_group_id"], body["result"][1]["media_group_id"])

    def test_blocked_chat(self):
        self.api.block(CHAT)
        status, body = self.send()
        self.assertEqual((status, body["description"]),
                         (403, "Forbidden: bot was blocked by the user"))
        self.assertEqual(self.send(chat_id=CHAT + 1)[0], 200)
        self.api.block(CHAT, blocked=False)
        self.assertEqual(self.send()[0], 200)

    def test_webhook(self):
        status, body = self.api.api("setWebhook", {"url": "https://bot.example.test/telegram/webhook",
                                                   "secret_token": "bad secret!"})
        self.assertEqual(status, 400)
        status, body = self.api.api("setWebhook", {"url": "https://bot.example.test/telegram/webhook",
                                                   "secret_token": h.WEBHOOK_SECRET,
                                                   "allowed_updates": ["message", "callback_query"]})
        self.assertEqual((status, body["result"], body["description"]), (200, True, "Webhook was set"))
        _, info = self.api.api("getWebhookInfo")
        self.assertEqual(info["result"]["url"], "https://bot.example.test/telegram/webhook")
        self.assertEqual(info["result"]["allowed_updates"], ["message", "callback_query"])
        self.assertEqual(self.api.webhook()["secret_token"], h.WEBHOOK_SECRET)
        self.assertEqual(self.api.api("deleteWebhook")[1]["description"], "Webhook was deleted")

    def test_files(self):
        content = b"\xff\xd8\xff\xe0" + b"jpeg bytes" * 100
        info = self.api.add_file("AgACfile1", "AQADuniq1", content=content)
        status, body = self.api.api("getFile", {"file_id": "AgACfile1"})
        self.assertEqual(status, 200)
        f = body["result"]
        self.assertEqual(f, info)
        self.assertEqual((f["file_unique_id"], f["file_size"]), ("AQADuniq1", len(content)))
        status, _, data = h.http_request(
            "GET", "%s/file/bot%s/%s" % (self.api.base_url, h.TOKEN, f["file_path"]))
        self.assertEqual((status, data), (200, content))
        self.assertEqual(self.api.calls(method="downloadFile")[-1]["http_status"], 200)
        self.assertEqual(self.api.api("getFile", {"file_id": "nope"})[0], 400)
        self.api.add_file("AgACbig", content=b"x", file_size=25 * 1024 * 1024)
        self.assertEqual(self.api.api("getFile", {"file_id": "AgACbig"})[1]["description"],
                         "Bad Request: file is too big")

    def test_user_messages(self):
        self.api.add_user_message(CHAT, 500, text="привет")
        status, body = self.api.api("editMessageText", {"chat_id": CHAT, "message_id": 500,
                                                        "text": "x"})
        self.assertEqual((status, body["description"]), (400, "Bad Request: message can't be edited"))
        self.assertGreater(self.send()[1]["result"]["message_id"], 500)   # one id sequence
        self.assertEqual(self.api.api("deleteMessage", {"chat_id": CHAT, "message_id": 500}),
                         (200, {"ok": True, "result": True}))
        status, body = self.api.api("deleteMessage", {"chat_id": CHAT, "message_id": 500})
        self.assertEqual(body["description"], "Bad Request: message to delete not found")

    def test_callback_answer(self):
        status, body = self.api.api("answerCallbackQuery", {"callback_query_id": "123456789"})
        self.assertEqual((status, body), (200, {"ok": True, "result": True}))

    def test_uploads_are_recorded_and_answered_like_telegram(self):
        jpeg = jpeg_header(1000, 700)
        png = png_image(300, 2000)
        status, body = self.api.api_multipart("sendPhoto", {"chat_id": CHAT, "caption": "Одна"},
                                              {"photo": ("picture_1.jpg", "image/jpeg", jpeg)})
        self.assertEqual(status, 200, body)
        sizes = body["result"]["photo"]
        self.assertEqual([(p["width"], p["height"]) for p in sizes],
                         [(90, 63), (320, 224), (800, 560), (1000, 700)])
        self.assertEqual(sizes[-1]["file_size"], len(jpeg))
        self.assertEqual(body["result"]["caption"], "Одна")
        call = self.api.calls("sendPhoto")[-1]
        self.assertEqual(call["params"]["photo"], {"_upload": {
            "filename": "picture_1.jpg", "size": len(jpeg), "content_type": "image/jpeg",
            "sha256": hashlib.sha256(jpeg).hexdigest()}})
        self.assertEqual(call["params"]["chat_id"], str(CHAT))
        # the file_id Telegram gave is good for sending the photo again
        status, again = self.api.api("sendPhoto", {"chat_id": CHAT, "photo": sizes[-1]["file_id"]})
        self.assertEqual((status, again["result"]["photo"][-1]["file_id"]),
                         (200, sizes[-1]["file_id"]))

        media = [{"type": "photo", "media": "attach://p0", "caption": "Две"},
                 {"type": "photo", "media": "attach://p1"}]
        status, body = self.api.api_multipart(
            "sendMediaGroup", {"chat_id": CHAT, "media": media},
            {"p0": ("a.jpg", "image/jpeg", jpeg), "p1": ("b.png", "image/png", png)})
        self.assertEqual(status, 200, body)
        self.assertEqual(len({m["media_group_id"] for m in body["result"]}), 1)
        self.assertEqual([(m["photo"][-1]["width"], m["photo"][-1]["height"])
                          for m in body["result"]], [(1000, 700), (300, 2000)])
        self.assertEqual(self.api.calls("sendMediaGroup")[-1]["params"]["p1"]["_upload"]["sha256"],
                         hashlib.sha256(png).hexdigest())

        status, body = self.api.api_multipart("sendDocument", {"chat_id": CHAT},
                                              {"document": ("all.zip", "application/zip", b"PK")})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["result"]["document"]["file_name"], "all.zip")
        self.assertEqual(body["result"]["document"]["mime_type"], "application/zip")
        # a "photo" that is no picture
        status, body = self.api.api_multipart("sendPhoto", {"chat_id": CHAT},
                                              {"photo": ("x.jpg", "image/jpeg", b"not a jpeg")})
        self.assertEqual((status, body["description"]), (400, "Bad Request: IMAGE_PROCESS_FAILED"))

    def test_urls_can_be_refused(self):
        url = "https://fal.example.test/files/picture.jpg"
        status, body = self.api.api("sendPhoto", {"chat_id": CHAT, "photo": url})
        self.assertEqual(status, 200)     # nothing is fetched: accepted
        self.api.refuse_urls()
        status, body = self.api.api("sendPhoto", {"chat_id": CHAT, "photo": url})
        self.assertEqual((status, body["description"]),
                         (400, "Bad Request: wrong file identifier/HTTP URL specified"))
        status, body = self.api.api("sendMediaGroup", {"chat_id": CHAT, "media": [
            {"type": "photo", "media": "AgACAgIAAxkBAAIB"}, {"type": "photo", "media": url}]})
        self.assertEqual((status, body["description"]), (400, (
            'Bad Request: failed to send message #2 with the error message "Wrong file '
            'identifier/HTTP URL specified"')))
        self.assertEqual(self.api.messages(CHAT)[-1]["photo"][-1]["file_size"], 102400)
        self.assertEqual(len(self.api.messages(CHAT)), 1)    # the refused album left nothing
        status, _ = self.api.api("sendPhoto", {"chat_id": CHAT, "photo": "AgACAgIAAxkBAAIB"})
        self.assertEqual(status, 200)     # a file_id is still fine
        self.api.refuse_urls(False)
        self.assertEqual(self.api.api("sendPhoto", {"chat_id": CHAT, "photo": url})[0], 200)

    def test_update_builders(self):
        big = 2 ** 32 + 77
        u = h.message_update(1 + 2 ** 33, big, "/start ref")
        self.assertEqual(u["message"]["entities"],
                         [{"offset": 0, "length": 6, "type": "bot_command"}])
        raw = h.encode_update(u, update_id_last=True)
        self.assertTrue(raw.endswith(b'"update_id":%d}' % (1 + 2 ** 33)))
        self.assertIn(b"\\u0422", raw)          # non-ASCII escaped, as Telegram does
        self.assertIn(str(big).encode(), raw)
        cb = h.callback_update(5, big, "avatar:1", 42)["callback_query"]
        self.assertEqual((cb["message"]["message_id"], cb["data"]), (42, "avatar:1"))
        self.assertIsInstance(cb["id"], str)
        photo = h.photo_update(6, big, media_group_id="777")["message"]
        self.assertEqual(photo["photo"][-1]["width"], 1280)
        self.assertEqual(photo["media_group_id"], "777")


    def test_payments_in_telegram_stars(self):
        invoice = {"chat_id": CHAT, "title": "500 credits", "description": "Credits",
                   "payload": "pack:500:200:%d" % CHAT, "provider_token": "",
                   "currency": "XTR", "prices": [{"label": "500 credits", "amount": 200}]}
        status, body = self.api.api("sendInvoice", invoice)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["result"]["invoice"]["currency"], "XTR")
        self.assertEqual(body["result"]["invoice"]["total_amount"], 200)
        two = [{"label": "a", "amount": 100}, {"label": "b", "amount": 100}]
        for bad in ({"provider_token": "284685063:TEST:abc"}, {"prices": two}, {"prices": []},
                    {"payload": ""}, {"title": ""}, {"currency": "stars"}):
            status, body = self.api.api("sendInvoice", dict(invoice, **bad))
            self.assertEqual(status, 400, bad)
            self.assertFalse(body["ok"])

        # a bot that answers with an answerPreCheckoutQuery call (the other way to answer)
        received = []
        api = self.api

        class Bot(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                update = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                received.append((self.headers.get(h.SECRET_HEADER), update))
                query = update.get("pre_checkout_query")
                if query:
                    api.api("answerPreCheckoutQuery", {"pre_checkout_query_id": query["id"],
                                                       "ok": True})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        bot = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Bot)
        threading.Thread(target=bot.serve_forever, daemon=True).start()
        self.addCleanup(bot.server_close)
        self.addCleanup(bot.shutdown)
        url = "http://127.0.0.1:%d/hook" % bot.server_address[1]
        _, paid = self.api._control("POST", "pay", {"chat_id": CHAT, "update_id": 40,
                                                    "webhook_url": url, "secret_token": "s3"})
        self.assertEqual(paid["answer"], {"ok": True, "error_message": ""})
        self.assertLess(paid["answer_seconds"], 5)
        self.assertEqual([(secret, sorted(u)) for secret, u in received],
                         [("s3", ["pre_checkout_query", "update_id"]),
                          ("s3", ["message", "update_id"])])
        query = received[0][1]["pre_checkout_query"]
        self.assertEqual((received[0][1]["update_id"], query["currency"], query["total_amount"],
                          query["invoice_payload"], query["from"]["id"]),
                         (40, "XTR", 200, "pack:500:200:%d" % CHAT, CHAT))
        message = received[1][1]["message"]
        self.assertEqual(received[1][1]["update_id"], 41)
        sp = message["successful_payment"]
        self.assertEqual((sp["currency"], sp["total_amount"], sp["invoice_payload"]),
                         ("XTR", 200, "pack:500:200:%d" % CHAT))
        self.assertTrue(sp["telegram_payment_charge_id"])
        self.assertEqual(message["chat"]["id"], CHAT)
        # answered once only
        status, _ = self.api.api("answerPreCheckoutQuery",
                                 {"pre_checkout_query_id": query["id"], "ok": True})
        self.assertEqual(status, 400)

        charge = sp["telegram_payment_charge_id"]
        refund = {"user_id": CHAT, "telegram_payment_charge_id": charge}
        self.assertEqual(self.api.api("refundStarPayment", dict(refund, user_id=CHAT + 1))[1]
                         ["description"], "Bad Request: CHARGE_ID_INVALID")
        self.assertEqual(self.api.api("refundStarPayment", refund), (200, {"ok": True,
                                                                           "result": True}))
        self.assertEqual(self.api.api("refundStarPayment", refund)[1]["description"],
                         "Bad Request: CHARGE_ALREADY_REFUNDED")

if __name__ == "__main__":
    unittest.main(verbosity=2)
