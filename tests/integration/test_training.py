"""Training on FAL end to end: the start, the dataset ZIP handed to FAL,
the exact submit input of each trainer, signed webhooks (and forged, expired, tampered,
duplicate and lost ones), progress edits, cancel, errors, FAL down at submit, a refused
submit, and simulate mode (the confirm screen and one training per user are the transcript
tests/transcripts/training_confirm.txt). FAL is the in-repo queue stand-in
(tests/support/fal_standin.py), which signs its webhooks with its own ED25519 key served as a
JWKS; the service runs with FAL_MODE=live against it."""
import json
import re
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from falqueue import FalQueue  # noqa: E402
from chat import Chat  # noqa: E402


def base36(n):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        out = digits[n % 36] + out
        n //= 36
        if not n:
            return out


class TrainingCase(h.IntegrationTestCase):
    """The FAL stand-in and the helpers every training test uses (no tests of its own)."""

    def setUp(self):
        super().setUp()
        self.fal = FalQueue(log_name=self.test_label,
                            config={"duration": 3, "queue_seconds": 0.5, "check_dataset": True,
                                    "webhook_retry_interval": 0.5})
        self.addCleanup(self.fal.stop)

    # ---- helpers ---------------------------------------------------------------------
    def start(self, mode="live", name="a", port=None, **env):
        port = port or h.free_port()
        base = {"HTTP_PORT": port, "PUBLIC_BASE_URL": "http://127.0.0.1:%d" % port,
                "FAL_QUEUE_BASE": self.fal.base_url, "FAL_JWKS_URL": self.fal.jwks_url,
                "FAL_POLL_SECONDS": 1, "FAL_PROGRESS_EDIT_SECONDS": 0, "FAL_MODE": mode,
                "JOB_THREADS": 2}
        if mode == "live":
            base["FAL_KEY"] = self.fal.key
        base.update(env)
        svc = h.Service(self.db_url, self.botapi, extra_env=base, log_name=self.test_label,
                        port=port, name=name)
        self.services.append(svc)
        self.addCleanup(self._finish_service, svc)
        svc.wait_ready(30)
        self.addCleanup(lambda: self.assertNotIn(self.fal.key, svc.log_text(),
                                                 "the FAL key leaked into the log"))
        return svc

    def ready_avatar(self, chat, name="Anna", kind="Portrait", photos=10, depicts="person"):
        """An avatar created through the conversation, with `photos` valid photos stored in
        object storage (the photo pipeline has its own tests). A style avatar depicts what the
        button labelled with `depicts` says."""
        chat.say("/start")
        chat.start_creating()
        chat.press(kind)
        chat.press("Continue")
        if kind != "Portrait":
            chat.press(depicts)
        chat.press("Female")
        chat.say(name)
        avatar_id = int(h.psql_value(self.db_url, "SELECT id FROM avatars WHERE user_id = $1 "
                                                  "AND name = $2", chat.uid, name))
        storage = Path(chat.svc.env["STORAGE_URL"][len("file://"):])
        for i in range(photos):
            key = "avatars/%d/%d/p%d.jpg" % (chat.uid, avatar_id, i)
            path = storage / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"\xff\xd8\xff\xe0" + bytes([i]) * (1000 + i) + b"\xff\xd9")
            h.psql(self.db_url, "INSERT INTO avatar_photos (avatar_id, user_id, storage_key, "
                                "file_hash, validation_status, mime_type) VALUES ($1, $2, $3, $4,"
                                " 'valid', 'image/jpeg')", avatar_id, chat.uid, key, "h%d" % i)
        if photos >= 10:
            h.psql(self.db_url, "UPDATE avatars SET status = 'ready' WHERE id = $1", avatar_id)
        return avatar_id

    def open_details(self, chat, avatar_id):
        chat.press(data="av:show:%d" % avatar_id)

    def avatar(self, avatar_id):
        return h.psql_json(self.db_url, "SELECT status, training_progress, trainer, lora_url, "
                                        "finetune_id, fal_request_id, fal_mode, trigger_phrase "
                                        "FROM avatars WHERE id = $1", avatar_id)[0]

    def wait_avatar(self, avatar_id, status, timeout=30):
        h.wait_until(lambda: self.avatar(avatar_id)["status"] == status, timeout=timeout,
                     message="avatar %d to be %s (is %s)" % (avatar_id, status,
                                                             self.avatar(avatar_id)["status"]))
        return self.avatar(avatar_id)

    def sent(self, uid, needle, since=0):
        return [c for c in self.botapi.calls(since=since)
                if c["method"] in ("sendMessage", "editMessageText")
                and c["params"].get("chat_id") == uid and c["http_status"] == 200
                and needle in c["params"].get("text", "")]

    def wait_sent(self, uid, needle, n=1, timeout=20):
        return h.wait_until(lambda: len(self.sent(uid, needle)) >= n and self.sent(uid, needle),
                            timeout=timeout, message="the bot to say %r" % needle)

    def start_training(self, chat, avatar_id):
        self.open_details(chat, avatar_id)
        chat.press("Start training")
        self.assertIn("Photos: 10", chat.text())
        chat.press("✅ Start")
        self.assertTrue(any("Preparing the photos" in c["params"]["text"] for c in chat.all),
                        [c["params"]["text"] for c in chat.all])
        return chat

    def submitted(self, n=1):
        h.wait_until(lambda: len(self.fal.requests()) >= n, timeout=20,
                     message="a submit at FAL")
        return self.fal.requests()[n - 1]

    def metrics(self, svc):
        body = svc.get("/metrics")[1]
        return body.decode() if isinstance(body, bytes) else body


class TrainingTest(TrainingCase):

    # ---- the runs ----------------------------------------------------------------------
    def test_portrait_runs_to_completion_with_the_exact_input(self):
        svc = self.start()
        chat = Chat(self, svc, 501)
        aid = self.ready_avatar(chat)
        self.open_details(chat, aid)
        chat.press("Start training")  # its screen: tests/transcripts/training_confirm.txt
        self.assertIn("Photos: 10", chat.text())
        confirm_message = chat.message_id
        chat.press("✅ Start")
        req = self.submitted()
        self.assertEqual(req["app_id"], "fal-ai/flux-lora-portrait-trainer")
        nonce = h.psql_value(self.db_url, "SELECT nonce FROM fal_submits WHERE request_id = $1",
                             req["request_id"])
        self.assertRegex(nonce, r"^[0-9a-f]{32}$")
        self.assertEqual(req["webhook_url"], svc.url + "/fal/webhook?run=" + nonce)
        inp = req["input"]
        url = inp.pop("images_data_url")
        self.assertEqual(inp, {"trigger_phrase": "abv" + base36(aid), "steps": 2500,
                               "learning_rate": 0.00009, "multiresolution_training": True,
                               "subject_crop": True, "create_masks": True})
        self.assertIn("/avatars/501/%d/dataset-" % aid, url)
        self.assertTrue(url.endswith(".zip"), url)
        submit = [c for c in self.fal.calls(endpoint="submit")][0]
        self.assertTrue(submit["auth_ok"])
        ds = self.fal.wait_dataset(req["request_id"])
        self.assertTrue(ds["is_zip"], ds)
        self.assertEqual(ds["entries"], 10, ds)
        a = self.wait_avatar(aid, "completed")
        out = self.fal.request(req["request_id"])["output"]
        self.assertEqual(a["lora_url"], out["diffusers_lora_file"]["url"])
        self.assertEqual(a["trainer"], "fal-ai/flux-lora-portrait-trainer")
        self.assertEqual(a["fal_request_id"], req["request_id"])
        self.assertEqual(a["training_progress"], 100)
        done = self.wait_sent(501, "is ready")
        self.assertEqual(len(done), 1)
        self.assertIn("Open avatar", json.dumps(done[0]["params"]["reply_markup"],
                                                ensure_ascii=False))
        # the confirm message became the progress message, edited as the run went on
        edits = [c for c in self.botapi.calls("editMessageText")
                 if c["params"].get("message_id") == confirm_message and c["http_status"] == 200]
        texts = [c["params"]["text"] for c in edits]
        self.assertTrue(any("%" in t and "⏱️ About" in t for t in texts), texts)
        self.assertTrue(any("100%" in t for t in texts), texts)
        self.assertEqual(len(texts), len(set(texts)), "the same text was sent twice: %s" % texts)
        row = h.psql_json(self.db_url, "SELECT status, dataset_key, jsonb_array_length(events) "
                                       "AS events FROM fal_requests WHERE request_id = $1",
                          req["request_id"])[0]
        self.assertEqual(row["status"], "completed")
        self.assertTrue((Path(svc.env["STORAGE_URL"][7:]) / row["dataset_key"]).exists())
        self.assertGreaterEqual(row["events"], 1)  # the webhook arrived and was recorded
        m = self.metrics(svc)
        self.assertIn('avatarbot_trainings_started_total{training_type="portrait",mode="live"} 1', m)
        # a trained avatar can be deleted; its run stays as the record of what was paid for
        self.open_details(chat, aid)
        chat.press("Delete")
        chat.press("Yes")
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM avatars"), "0")
        self.assertEqual(h.psql_json(self.db_url, "SELECT status, avatar_id, status_batch_id"
                                                  " FROM fal_requests"),
                         [{"status": "completed", "avatar_id": None, "status_batch_id": None}])
        self.assertIn('avatarbot_trainings_finished_total{training_type="portrait",'
                      'result="completed"} 1', m)
        self.assertIn("avatarbot_training_duration_seconds_count", m)

    def test_style_flux_pro_trainer_input_and_finetune_id(self):
        # what the avatar depicts (its screen: tests/transcripts/create_style.txt) is the mode
        svc = self.start()
        chat = Chat(self, svc, 502)
        aid = self.ready_avatar(chat, "Pro", kind="Artistic", depicts="product")
        self.assertEqual(h.psql_value(self.db_url, "SELECT avatar_type FROM avatars WHERE id = $1",
                                      aid), "product")
        self.start_training(chat, aid)
        req = self.submitted()
        self.assertEqual(req["app_id"], "fal-ai/flux-pro-trainer")
        inp = req["input"]
        self.assertTrue(inp.pop("data_url").endswith(".zip"))
        self.assertEqual(inp, {"mode": "product", "iterations": 300, "learning_rate": 0.00001,
                               "priority": "quality", "captioning": True,
                               "trigger_word": "abv" + base36(aid), "finetune_type": "full",
                               "lora_rank": 32, "finetune_comment": "avatarbot: Pro"})
        a = self.wait_avatar(aid, "completed")
        self.assertEqual(a["finetune_id"], self.fal.request(req["request_id"])["output"]
                         ["finetune_id"])
        self.assertIsNone(a["lora_url"])

    def test_style_fast_trainer_when_configured(self):
        svc = self.start(FAL_STYLE_TRAINER="fal-ai/flux-lora-fast-training",
                         FAL_STYLE_INPUT='{"steps": 1200}')
        chat = Chat(self, svc, 503)
        aid = self.ready_avatar(chat, "Fast", kind="Artistic")
        self.start_training(chat, aid)
        req = self.submitted()
        self.assertEqual(req["app_id"], "fal-ai/flux-lora-fast-training")
        inp = req["input"]
        self.assertTrue(inp.pop("images_data_url").endswith(".zip"))
        self.assertEqual(inp, {"trigger_word": "abv" + base36(aid), "steps": 1200,
                               "is_style": True, "create_masks": False})
        a = self.wait_avatar(aid, "completed")
        self.assertEqual(a["trainer"], "fal-ai/flux-lora-fast-training")
        self.assertTrue(a["lora_url"])

    def test_duplicate_webhooks_complete_once(self):
        self.fal.fault("webhook_duplicate", times=3)
        svc = self.start(FAL_POLL_SECONDS=60)  # only the webhooks can end it
        chat = Chat(self, svc, 504)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        req = self.submitted()
        self.wait_avatar(aid, "completed")
        self.fal.wait_webhooks(3, request_id=req["request_id"], timeout=20)
        time.sleep(h.scaled(1.5))
        self.assertEqual(len(self.sent(504, "is ready")), 1)
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM jobs WHERE kind = "
                                                   "'training.finish'"), "1")
        events = int(h.psql_value(self.db_url, "SELECT jsonb_array_length(events) FROM "
                                               "fal_requests WHERE request_id = $1",
                                  req["request_id"]))
        self.assertEqual(events, 1)  # identical deliveries are stored once
        # every delivery is counted: "accepted" while the run was still open (the finish job
        # may not have run yet), "duplicate" after; either way one finish job, one message

        counted = sum(float(v) for v in re.findall(
            r'avatarbot_fal_webhooks_total\{result="(?:accepted|duplicate)"\} (\S+)',
            self.metrics(svc)))
        self.assertGreaterEqual(counted, 3)

    def test_replayed_webhooks_are_stored_once(self):
        # FAL re-delivers a webhook up to ~10 times: the run keeps one event per distinct
        # delivery, however often the same one comes
        svc = self.start()
        chat = Chat(self, svc, 513)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        rid = self.submitted()["request_id"]
        self.wait_avatar(aid, "completed")
        self.wait_sent(513, "is ready")
        self.fal.wait_webhooks(1, request_id=rid, ok=True, timeout=20)

        def events():
            return h.psql_json(self.db_url, "SELECT events FROM fal_requests WHERE "
                                            "request_id = $1", rid)[0]["events"]
        self.assertEqual(len(events()), 1)
        for _ in range(10):
            [attempt] = [a for a in self.fal.redeliver(rid) if a.get("http_status")]
            self.assertEqual(attempt["http_status"], 200, attempt)
        self.assertEqual(len(events()), 1)
        # a delivery with another body is a distinct event
        body = dict(events()[0], status="ERROR", error="late", payload={"detail": "x"})
        self.assertEqual(self.fal.send_webhook(svc.url + "/fal/webhook", body)["http_status"],
                         200)
        self.assertEqual([e["status"] for e in events()], ["OK", "ERROR"])
        self.assertEqual(len(self.sent(513, "is ready")), 1)

    def test_lost_webhook_is_completed_by_polling(self):
        self.fal.fault("webhook_drop", count=5)
        svc = self.start()
        chat = Chat(self, svc, 505)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        req = self.submitted()
        a = self.wait_avatar(aid, "completed")
        self.assertEqual(a["lora_url"],
                         self.fal.request(req["request_id"])["output"]["diffusers_lora_file"]["url"])
        self.assertEqual(h.psql_value(self.db_url, "SELECT jsonb_array_length(events) FROM "
                                                   "fal_requests WHERE request_id = $1",
                                      req["request_id"]), "0")
        self.assertTrue(self.fal.calls(endpoint="result"))
        self.assertEqual(len(self.wait_sent(505, "is ready")), 1)

    def test_forged_expired_tampered_webhooks_are_refused(self):
        self.fal.set_config(duration=120)
        svc = self.start(FAL_POLL_SECONDS=60)
        chat = Chat(self, svc, 506)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        req = self.submitted()
        rid = req["request_id"]
        body = {"request_id": rid, "gateway_request_id": rid, "status": "OK",
                "payload": {"diffusers_lora_file": {"url": "https://evil.example/x"},
                            "config_file": {"url": "https://evil.example/c"}}}
        url = svc.url + "/fal/webhook"
        for kw in ({"key": "forged"}, {"timestamp": int(time.time()) - 600},
                   {"tamper": True}, {"sign": False}):
            res = self.fal.send_webhook(url, body, **kw)
            self.assertEqual(res["http_status"], 401, (kw, res))
        self.assertEqual(self.avatar(aid)["status"], "training")
        self.assertEqual(h.psql_value(self.db_url, "SELECT jsonb_array_length(events) FROM "
                                                   "fal_requests WHERE request_id = $1", rid), "0")
        # the same body, properly signed, is taken
        res = self.fal.send_webhook(url, body)
        self.assertEqual(res["http_status"], 200, res)
        a = self.wait_avatar(aid, "completed")
        self.assertEqual(a["lora_url"], "https://evil.example/x")
        self.assertIn('avatarbot_fal_webhooks_total{result="rejected"} 4', self.metrics(svc))

    def test_slow_fal_keys_do_not_hold_up_telegram_webhooks(self):
        # One HTTP event loop: if the FAL webhook were verified on it, fetching FAL's keys
        # (stalled here for 4 s) would hold every Telegram webhook for as long.
        svc = self.start(HTTP_THREADS=1)
        self.fal.fault("stall", endpoint="jwks", seconds=4)
        body = {"request_id": "r-nobody", "gateway_request_id": "r-nobody", "status": "OK",
                "payload": {}}
        fal_answer = {}
        sender = threading.Thread(target=lambda: fal_answer.update(
            self.fal.send_webhook(svc.url + "/fal/webhook", body)))
        sender.start()
        time.sleep(1.0)  # the service is now fetching the keys (the first webhook needs them)
        self.assertTrue(sender.is_alive(), "the FAL webhook was answered before the keys came")
        started = time.monotonic()
        status, _ = svc.post_update(h.message_update(self.next_update_id(), h.user_id(620),
                                                     "/start", lang="en"))
        self.assertEqual(status, 200)
        self.assertLess(time.monotonic() - started, 2.0, "the webhook waited for FAL's keys")
        sender.join(h.scaled(30))
        self.assertEqual(fal_answer.get("http_status"), 200, fal_answer)  # verified, then taken
        self.assertIn('avatarbot_fal_webhooks_total{result="unknown"} 1', self.metrics(svc))

    def test_cancel_from_the_progress_message(self):
        self.fal.set_config(duration=120)
        svc = self.start()
        chat = Chat(self, svc, 507)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        req = self.submitted()
        self.fal.wait_request(req["request_id"], status="IN_PROGRESS", timeout=10)
        chat.press("⏸️ Cancel", expect_screen=False)
        self.wait_avatar(aid, "cancelled")
        self.assertTrue(self.fal.calls(endpoint="cancel"))
        msg = self.wait_sent(507, "cancelled")[-1]
        self.assertIn("photos are kept", msg["params"]["text"])
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM avatar_photos WHERE "
                                                   "avatar_id = $1", aid), "10")
        # train again: the retry button leads to the confirm screen
        chat.message_id = msg["response"]["result"]["message_id"]
        chat.last = msg
        chat.press("Train again")
        self.assertIn("Expected time", chat.text())

    def test_training_error_is_explained_with_a_retry(self):
        self.fal.fault("fail", status=422, detail=[{"loc": ["body", "images_data_url"],
                                                     "msg": "Could not read the archive",
                                                     "type": "value_error"}])
        svc = self.start()
        chat = Chat(self, svc, 508)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        self.submitted()
        self.wait_avatar(aid, "error")
        msg = self.wait_sent(508, "failed")[-1]
        self.assertIn("the training service reported an error", msg["params"]["text"])
        self.assertNotIn("archive", msg["params"]["text"])
        self.assertIn("tr:start:%d" % aid, json.dumps(msg["params"]["reply_markup"]))
        err = h.psql_value(self.db_url, "SELECT error FROM fal_requests WHERE avatar_id = $1",
                           aid)
        self.assertIn("Could not read the archive", err)

    def test_fal_down_at_submit_is_retried(self):
        self.fal.fault("503", count=1)
        svc = self.start()
        chat = Chat(self, svc, 509)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        self.wait_sent(509, "Waiting for the training service")
        self.wait_avatar(aid, "completed", timeout=40)
        self.assertEqual(len([c for c in self.fal.calls(endpoint="submit")]), 2)
        self.assertIn('avatarbot_fal_errors_total{kind="unavailable"}', self.metrics(svc))

    def test_refused_submit_returns_the_avatar_to_ready(self):
        self.fal.fault("http", status=403, detail="User is locked. Reason: Exhausted balance.")
        svc = self.start()
        chat = Chat(self, svc, 510)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        self.wait_avatar(aid, "ready")
        msg = self.wait_sent(510, "Could not start training")[-1]
        self.assertNotIn("balance", msg["params"]["text"])
        time.sleep(h.scaled(1))
        self.assertEqual(len(self.fal.calls(endpoint="submit")), 1)  # not retried
        self.assertIn("Exhausted balance", svc.log_text())  # the operator sees FAL's detail
        self.assertIn('avatarbot_fal_errors_total{kind="refused"} 1', self.metrics(svc))

    def test_simulate_mode_end_to_end(self):
        svc = self.start(mode="simulate", FAL_SIMULATE_SECONDS=3)
        chat = Chat(self, svc, 512)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        a = self.wait_avatar(aid, "completed", timeout=30)
        self.assertEqual(a["fal_mode"], "simulate")
        self.assertTrue(a["lora_url"].endswith("pytorch_lora_weights.safetensors"))
        self.assertEqual(len(self.wait_sent(512, "is ready")), 1)
        self.assertTrue(self.sent(512, "⏱️ About"))
        self.assertEqual(self.fal.calls(), [])  # no FAL call at all
        self.assertIn('"training simulated"', svc.log_text())
        # the dataset is built and stored as in live mode, and the input that would have
        # been sent is recorded
        row = h.psql_json(self.db_url, "SELECT dataset_key, input FROM fal_requests WHERE "
                                       "avatar_id = $1", aid)[0]
        self.assertTrue((Path(svc.env["STORAGE_URL"][7:]) / row["dataset_key"]).exists())
        self.assertEqual(row["input"]["trigger_phrase"], "abv" + base36(aid))
        # through the same submit attempt as a live run
        attempts = h.psql_json(self.db_url, "SELECT s.outcome, s.request_id, f.request_id AS run "
                                            "FROM fal_submits s JOIN fal_requests f ON "
                                            "f.request_id = s.run_id WHERE f.avatar_id = $1", aid)
        self.assertEqual(len(attempts), 1)
        self.assertEqual(attempts[0]["outcome"], "accepted")
        self.assertTrue(attempts[0]["request_id"].startswith("sim-"))
        self.assertEqual(attempts[0]["request_id"], attempts[0]["run"])

    def test_live_mode_needs_a_key_and_a_public_url(self):
        r = h.run_avatarbot(["serve"], db_url=self.db_url, botapi=self.botapi,
                            extra_env={"FAL_MODE": "live", "FAL_KEY": None,
                                       "PUBLIC_BASE_URL": None})
        out = r.stderr
        self.assertEqual(r.returncode, 2, out)
        self.assertIn("FAL_KEY: is required with FAL_MODE=live", out)
        self.assertIn("PUBLIC_BASE_URL: is required with FAL_MODE=live", out)


if __name__ == "__main__":
    h.main()
