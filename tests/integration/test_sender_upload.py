"""Pictures through the outbox: rows whose payload names files in object storage ("_upload")
reach the Bot API as multipart/form-data with exactly the stored bytes, and Telegram's answer
(the file_ids) is kept on the row; rows that name pictures by URL with a "_fallback_upload"
are uploaded instead when Telegram cannot fetch the URL, once. Missing objects, objects over
Telegram's limits and storage that is away are handled without a call that cannot succeed.

The rows are written straight into the outbox, as the generation jobs write them; storage is the
S3 stand-in (it checks every SigV4 signature), filled with storage_cli (src/storage itself)."""
import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support" / "s3_standin"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from s3standin import S3Standin  # noqa: E402
from test_storage import StorageCli, build_dir  # noqa: E402

PHOTOS = Path(os.environ.get("AB_TEST_PHOTOS", h.BUILD_DIR / "test-photos"))
PHOTO_MAX = 10 * 1000 * 1000   # Telegram's limit for an uploaded photo
FILE_MAX = 50 * 1000 * 1000    # and for any other file
URL_REFUSED = "Bad Request: wrong file identifier/HTTP URL specified"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def source(key, filename, content_type="image/jpeg"):
    return {"key": key, "filename": filename, "content_type": content_type}


class SenderUploadTest(h.IntegrationTestCase):

    @classmethod
    def setUpClass(cls):
        cls.s3 = S3Standin(build_dir(), log_path=h.log_dir() / "test_sender_upload-s3.log")
        cls.storage = StorageCli(cls.s3.env())
        cls.grace = (PHOTOS / "matplotlib" / "grace_hopper.jpg").read_bytes()    # 512x600
        cls.rocket = (PHOTOS / "skimage" / "rocket.jpg").read_bytes()            # 640x427

    @classmethod
    def tearDownClass(cls):
        cls.s3.stop()

    def setUp(self):
        super().setUp()
        self.s3.reset()
        self.svc = self.start_service(extra_env=dict(self.s3.env(), TELEGRAM_TIMEOUT_SECONDS="5"))
        self.chat = h.user_id(1)

    def put(self, key, data, content_type="image/jpeg"):
        self.storage.put(key, data, content_type)
        return key

    def enqueue(self, method, payload):
        """An outbox row, as a job writes it; returns its id."""
        row = h.psql_value(self.db_url, "INSERT INTO outbox (chat_id, method, payload) VALUES "
                                        "($1, $2, $3::jsonb) RETURNING id; NOTIFY ab_outbox",
                           self.chat, method, payload)
        return row

    def row(self, row_id):
        return h.psql_json(self.db_url, "SELECT status, attempts, error_code, last_error, result, "
                                        "payload FROM outbox WHERE id = $1", row_id)[0]

    def wait_row(self, row_id, status, timeout=15):
        h.wait_until(lambda: self.row(row_id)["status"] == status, timeout=timeout,
                     message="outbox row %s %s" % (row_id, status))
        return self.row(row_id)

    def assert_uploaded(self, params, field, data, filename, content_type="image/jpeg"):
        self.assertEqual(params[field], {"_upload": {"filename": filename, "size": len(data),
                                                     "content_type": content_type,
                                                     "sha256": sha256(data)}})

    def test_photo_from_storage(self):
        key = self.put("generations/7/31/1.jpg", self.grace)
        row = self.enqueue("sendPhoto", {"chat_id": self.chat, "caption": "Ваш аватар",
                                         "reply_markup": {"inline_keyboard": [[
                                             {"text": "Ещё", "callback_data": "gen:more:31"}]]},
                                         "_upload": {"photo": source(key, "picture_1.jpg")}})
        call = self.botapi.wait_calls(1, "sendPhoto")[0]
        params = call["params"]
        self.assert_uploaded(params, "photo", self.grace, "picture_1.jpg")
        # every other field is a form field; objects as JSON; nothing private goes out
        self.assertEqual(params["chat_id"], str(self.chat))
        self.assertEqual(params["caption"], "Ваш аватар")
        self.assertEqual(params["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
                         "gen:more:31")
        self.assertEqual(sorted(params), ["caption", "chat_id", "photo", "reply_markup"])
        sent = self.wait_row(row, "sent")
        self.assertEqual(sent["attempts"], 1)
        # the lead reads the file_id from the stored result: result.photo[-1].file_id
        largest = call["response"]["result"]["photo"][-1]
        self.assertEqual(sent["result"]["photo"][-1]["file_id"], largest["file_id"])
        self.assertEqual((largest["width"], largest["height"]), (512, 600))
        self.assertEqual(len(self.botapi.calls("sendPhoto")), 1)

    def test_album_from_storage(self):
        keys = [self.put("generations/7/32/1.jpg", self.grace),
                self.put("generations/7/32/2.jpg", self.rocket)]
        row = self.enqueue("sendMediaGroup", {
            "chat_id": self.chat,
            "media": [{"type": "photo", "media": "attach://p0", "caption": "Две"},
                      {"type": "photo", "media": "attach://p1"}],
            "_upload": {"p0": source(keys[0], "picture_1.jpg"),
                        "p1": source(keys[1], "picture_2.jpg")}})
        call = self.botapi.wait_calls(1, "sendMediaGroup")[0]
        self.assert_uploaded(call["params"], "p0", self.grace, "picture_1.jpg")
        self.assert_uploaded(call["params"], "p1", self.rocket, "picture_2.jpg")
        self.assertEqual([m["media"] for m in call["params"]["media"]],
                         ["attach://p0", "attach://p1"])
        sent = self.wait_row(row, "sent")
        got = [m["photo"][-1] for m in sent["result"]]
        self.assertEqual([p["file_id"] for p in got],
                         [m["photo"][-1]["file_id"] for m in call["response"]["result"]])
        self.assertEqual([(p["width"], p["height"]) for p in got], [(512, 600), (640, 427)])
        self.assertEqual(len({m["media_group_id"] for m in sent["result"]}), 1)

    def test_document_from_storage(self):
        data = os.urandom(300_000)
        key = self.put("generations/7/33/all.zip", data, "application/zip")
        row = self.enqueue("sendDocument", {"chat_id": self.chat, "_upload": {
            "document": source(key, "pictures.zip", "application/zip")}})
        call = self.botapi.wait_calls(1, "sendDocument")[0]
        self.assert_uploaded(call["params"], "document", data, "pictures.zip", "application/zip")
        doc = self.wait_row(row, "sent")["result"]["document"]
        self.assertEqual((doc["file_name"], doc["mime_type"], doc["file_size"]),
                         ("pictures.zip", "application/zip", len(data)))

    def test_url_is_sent_as_json_without_private_keys(self):
        key = self.put("generations/7/34/1.jpg", self.grace)
        url = "https://fal.example.test/files/abc/1.jpg"
        row = self.enqueue("sendPhoto", {"chat_id": self.chat, "photo": url,
                                         "_fallback_upload": {"photo": source(key, "p.jpg")}})
        call = self.botapi.wait_calls(1, "sendPhoto")[0]
        self.assertEqual(call["params"], {"chat_id": self.chat, "photo": url})
        self.assertEqual(self.wait_row(row, "sent")["payload"]["photo"], url)  # not rewritten
        self.assertEqual(len(self.botapi.calls("sendPhoto")), 1)

    def test_refused_url_falls_back_to_the_upload_once(self):
        self.botapi.refuse_urls()
        key = self.put("generations/7/35/1.jpg", self.rocket)
        url = "https://fal.example.test/files/def/1.jpg"
        row = self.enqueue("sendPhoto", {"chat_id": self.chat, "photo": url, "caption": "c",
                                         "_fallback_upload": {"photo": source(key, "p.jpg")}})
        sent = self.wait_row(row, "sent")
        calls = self.botapi.calls("sendPhoto")
        self.assertEqual([c["http_status"] for c in calls], [400, 200])
        self.assertEqual(calls[0]["response"]["description"], URL_REFUSED)
        self.assertEqual(calls[0]["params"], {"chat_id": self.chat, "photo": url, "caption": "c"})
        self.assert_uploaded(calls[1]["params"], "photo", self.rocket, "p.jpg")
        self.assertEqual(calls[1]["params"]["caption"], "c")
        # the row now uploads (what a crash would resume from) and was delivered once
        self.assertEqual(sent["payload"], {"chat_id": self.chat, "caption": "c",
                                           "_upload": {"photo": source(key, "p.jpg")}})
        self.assertEqual(sent["result"]["photo"][-1]["file_id"],
                         calls[1]["response"]["result"]["photo"][-1]["file_id"])
        self.assertEqual(len(self.botapi.messages(self.chat)), 1)

    def test_refused_url_in_an_album_uploads_the_items_the_fallback_names(self):
        self.botapi.refuse_urls()
        key = self.put("generations/7/36/2.jpg", self.grace)
        file_id = "AgACAgIAAxkBAAIBsentbefore"    # a picture Telegram already has
        row = self.enqueue("sendMediaGroup", {
            "chat_id": self.chat,
            "media": [{"type": "photo", "media": file_id},
                      {"type": "photo", "media": "https://fal.example.test/files/2.jpg"}],
            "_fallback_upload": {"p1": source(key, "picture_2.jpg")}})
        sent = self.wait_row(row, "sent")
        calls = self.botapi.calls("sendMediaGroup")
        self.assertEqual([c["http_status"] for c in calls], [400, 200])
        self.assertIn("Wrong file identifier/HTTP URL specified",
                      calls[0]["response"]["description"])
        self.assertEqual([m["media"] for m in calls[1]["params"]["media"]],
                         [file_id, "attach://p1"])
        self.assert_uploaded(calls[1]["params"], "p1", self.grace, "picture_2.jpg")
        self.assertEqual([m["photo"][-1]["file_id"] for m in sent["result"]][0], file_id)

    def test_a_refused_fallback_upload_fails_the_row(self):
        """After the rewrite the row uploads: Telegram's 400 to that fails it, like any 400."""
        self.botapi.refuse_urls()
        key = self.put("generations/7/37/1.jpg", b"\xff\xd8 not really a picture")
        row = self.enqueue("sendPhoto", {"chat_id": self.chat, "photo": "https://x.test/1.jpg",
                                         "_fallback_upload": {"photo": source(key, "p.jpg")}})
        failed = self.wait_row(row, "failed")
        self.assertEqual([c["http_status"] for c in self.botapi.calls("sendPhoto")], [400, 400])
        self.assertEqual((failed["error_code"], failed["last_error"]),
                         (400, "Bad Request: IMAGE_PROCESS_FAILED"))

    def test_missing_object_fails_the_row_without_a_call(self):
        row = self.enqueue("sendPhoto", {"chat_id": self.chat, "_upload": {
            "photo": source("generations/7/38/gone.jpg", "p.jpg")}})
        after = self.enqueue("sendMessage", {"chat_id": self.chat, "text": "next"})
        failed = self.wait_row(row, "failed")
        self.assertEqual(failed["attempts"], 1)
        self.assertIn("generations/7/38/gone.jpg", failed["last_error"])
        self.assertIn("no such object", failed["last_error"])
        # the chat's queue goes on, and nothing was sent for the failed row
        self.wait_row(after, "sent")
        self.assertEqual(self.botapi.calls("sendPhoto"), [])
        self.assertEqual(self.svc.metric("avatarbot_outbox_failed_total", 'code="storage"'), 1)

    def test_objects_over_telegrams_limits_are_refused(self):
        big_photo = self.grace[:2] + os.urandom(PHOTO_MAX - 1)          # 10 MB + 1 byte
        photo_key = self.put("generations/7/39/big.jpg", big_photo)
        huge = os.urandom(FILE_MAX + 1)
        huge_key = self.put("generations/7/39/huge.zip", huge, "application/zip")
        photo_row = self.enqueue("sendPhoto", {"chat_id": self.chat, "_upload": {
            "photo": source(photo_key, "big.jpg")}})
        doc_row = self.enqueue("sendDocument", {"chat_id": self.chat, "_upload": {
            "document": source(huge_key, "huge.zip", "application/zip")}})
        # the same 10 MB + 1 as a document is within the 50 MB limit
        ok_row = self.enqueue("sendDocument", {"chat_id": self.chat, "_upload": {
            "document": source(photo_key, "big.jpg")}})
        for row, limit in ((photo_row, PHOTO_MAX), (doc_row, FILE_MAX)):
            failed = self.wait_row(row, "failed", timeout=30)
            self.assertIn("larger than %d bytes" % limit, failed["last_error"])
            self.assertEqual(failed["attempts"], 1)
        call = self.botapi.wait_calls(1, "sendDocument", timeout=30)[0]
        self.assert_uploaded(call["params"], "document", big_photo, "big.jpg")
        self.wait_row(ok_row, "sent")
        self.assertEqual(self.botapi.calls("sendPhoto"), [])
        self.assertEqual(len(self.botapi.calls("sendDocument")), 1)
        self.assertTrue(self.svc.alive())

    def test_storage_away_is_retried_with_back_off(self):
        key = self.put("generations/7/40/1.jpg", self.grace)
        self.s3.fault("503", count=2, match="GET")
        row = self.enqueue("sendPhoto", {"chat_id": self.chat, "_upload": {
            "photo": source(key, "p.jpg")}})
        call = self.botapi.wait_calls(1, "sendPhoto", timeout=30)[0]
        self.assert_uploaded(call["params"], "photo", self.grace, "p.jpg")
        sent = self.wait_row(row, "sent")
        self.assertEqual(sent["attempts"], 3)     # two storage failures, then the call
        self.assertEqual(len(self.botapi.calls("sendPhoto")), 1)


if __name__ == "__main__":
    h.main()
