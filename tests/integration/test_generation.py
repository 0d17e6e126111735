"""Pictures from a trained avatar, end to end: the screens (a preset or an own description,
the shape, how many), the exact input sent to FAL for each kind of trained model, the
pictures delivered once (a duplicate webhook sends nothing more), a lost webhook completed by
the poll, a FAL error told in plain words, NSFW-flagged pictures withheld, "More like this"
with a new seed, the full-quality files, one running generation per user, the daily limit,
and simulate mode with pictures drawn locally. The avatar's training is set up in the
database (training has its own tests); FAL is the in-repo queue stand-in, the Bot API its own
stand-in, storage the service's file backend."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from chat import Chat  # noqa: E402
from test_training import TrainingCase, base36  # noqa: E402

LORA_APP = "fal-ai/flux-lora"
ULTRA_APP = "fal-ai/flux-pro/v1.1-ultra-finetuned"


class GenerationCase(TrainingCase):

    def trained_avatar(self, chat, name="Anna", kind="Portrait", gender="female",
                       model="lora"):
        """An avatar whose training completed: a LoRA file or a finetune id, its trigger."""
        aid = self.ready_avatar(chat, name=name, kind=kind)
        lora = "https://fal.example/files/lora-%d.safetensors" % aid if model == "lora" else None
        finetune = "ft-%d" % aid if model == "finetune" else None
        h.psql(self.db_url, "UPDATE avatars SET status = 'training' WHERE id = $1", aid)
        h.psql(self.db_url, "UPDATE avatars SET status = 'completed', gender = $2,"
                            " lora_url = $3, finetune_id = $4, trigger_phrase = $5,"
                            " training_progress = 100 WHERE id = $1",
               aid, gender, lora, finetune, "abv" + base36(aid))
        return aid

    def choose(self, chat, aid, preset="Business", aspect="3:4", count="2"):
        """Opens the avatar, asks for pictures with a preset (or, when preset is None, leaves
        the chat on the description screen), a shape and a count."""
        self.open_details(chat, aid)
        chat.press("Create pictures")
        self.assertIn("Pick a style", chat.text())
        if preset is None:
            return chat
        chat.press(preset)
        self.assertIn("Choose the shape", chat.text())
        chat.press(aspect)
        self.assertIn("How many pictures", chat.text())
        return chat.press(count)

    def generation(self, gid=None):
        rows = h.psql_json(self.db_url, "SELECT id, status, preset, prompt, aspect, count, seed,"
                                        " mode, images, file_ids, request_id, error"
                                        " FROM generations ORDER BY id")
        return rows if gid is None else [r for r in rows if r["id"] == gid][0]

    def wait_generation(self, status, n=1, timeout=30):
        """Generation n ended as status, and what it queued for the chat has been sent (so the
        next press is not raced by its messages)."""
        h.wait_until(lambda: len(self.generation()) >= n
                     and self.generation()[n - 1]["status"] == status, timeout=timeout,
                     message="generation %d to be %s: %s" % (n, status, self.generation()))
        h.wait_until(lambda: h.psql_value(self.db_url, "SELECT count(*) FROM outbox WHERE"
                                                       " status IN ('pending', 'sending')") == "0",
                     timeout=timeout, message="the generation's messages sent")
        return self.generation()[n - 1]

    def deliveries(self, uid, since=0):
        return [c for c in self.botapi.calls(since=since)
                if c["method"] in ("sendPhoto", "sendMediaGroup")
                and str(c["params"].get("chat_id")) == str(uid) and c["http_status"] == 200]

    def gen_request(self, n=1, app=None):
        h.wait_until(lambda: len([r for r in self.fal.requests()
                                  if app is None or r["app_id"] == app]) >= n,
                     timeout=20, message="a generation submit at FAL")
        return [r for r in self.fal.requests() if app is None or r["app_id"] == app][n - 1]


class GenerationTest(GenerationCase):

    def test_simulated_pictures_end_to_end(self):
        svc = self.start(mode="simulate", FAL_SIMULATE_GENERATION_SECONDS=1)
        chat = Chat(self, svc, 701)
        aid = self.trained_avatar(chat)
        self.choose(chat, aid, preset="Business", aspect="3:4", count="2")
        # the count screen became the status message, edited in place until the end
        self.assertTrue(self.sent(701, "Creating 2 pictures with “Anna”"))
        self.wait_sent(701, "2 pictures with “Anna” · ✅ done")
        g = self.wait_generation("delivered")
        self.assertEqual((g["preset"], g["aspect"], g["count"], g["mode"]),
                         ("business", "3:4", 2, "simulate"))
        self.assertIn("woman", g["prompt"])  # the preset written for the avatar's gender
        h.wait_until(lambda: self.deliveries(701), message="the pictures")
        self.wait_sent(701, "Here they are")
        delivered = self.deliveries(701)
        self.assertEqual(len(delivered), 1, delivered)
        self.assertEqual(delivered[0]["method"], "sendMediaGroup")
        media = delivered[0]["params"]["media"]
        if isinstance(media, str):
            media = json.loads(media)
        self.assertEqual([m["media"] for m in media], ["attach://p0", "attach://p1"])
        storage = Path(svc.env["STORAGE_URL"][len("file://"):])
        for i, img in enumerate(g["images"]):
            self.assertEqual(img["key"], "avatars/701/%d/pictures/%d-%d.jpg" % (aid, g["id"],
                                                                                 i + 1))
            data = (storage / img["key"]).read_bytes()
            self.assertEqual(data[:2], b"\xff\xd8")
            self.assertEqual((img["width"], img["height"]), (768, 1024))
        h.wait_until(lambda: len(self.generation(g["id"])["file_ids"]) == 2,
                     message="the file_ids recorded")
        # "More like this": the same description with a new seed, shown as a new message
        # (the ready message's button: the chat may not have noted that message as its screen)
        chat.press(data="gen:again:%d" % g["id"], expect_screen=False)
        g2 = self.wait_generation("delivered", n=2)
        self.assertEqual((g2["prompt"], g2["aspect"], g2["count"]),
                         (g["prompt"], g["aspect"], g["count"]))
        self.assertNotEqual(g2["seed"], g["seed"])
        # the full-quality files, as documents
        since = self.botapi.last_seq()
        chat.press(data="gen:files:%d" % g["id"], expect_screen=False)
        h.wait_until(lambda: len([c for c in self.botapi.calls("sendDocument", since=since)
                                  if c["http_status"] == 200]) == 2, message="two documents")
        m = self.metrics(svc)
        self.assertIn('avatarbot_generations_started_total{kind="lora",mode="simulate"} 2', m)
        self.assertIn('avatarbot_generations_finished_total{kind="lora",result="delivered"} 2',
                      m)
        self.assertIn('avatarbot_generation_images_total{result="delivered"} 4', m)

    def test_own_description_limits_and_another_users_generation(self):
        svc = self.start(mode="simulate", GENERATION_PROMPT_MAX=40,
                         FAL_SIMULATE_GENERATION_SECONDS=1)
        chat = Chat(self, svc, 702)
        aid = self.trained_avatar(chat, gender="male")
        self.choose(chat, aid, preset=None)
        chat.say("   ")
        self.assertIn("The description is empty", chat.text())
        chat.say("x" * 41)
        self.assertIn("has 41 characters; the limit is 40", chat.text())
        chat.say("reading a book in a café")
        self.assertIn("“reading a book in a café”", chat.text())
        chat.press("1:1")
        chat.press("1")
        g = self.wait_generation("delivered")
        self.assertEqual((g["preset"], g["prompt"]), (None, "reading a book in a café"))
        # another user cannot repeat it nor ask for its files
        other = Chat(self, svc, 703)
        other.say("/start")
        answer = other.press(data="gen:again:%d" % g["id"], expect_screen=False)
        self.assertIn("no longer available", answer["params"].get("text", ""))
        answer = other.press(data="gen:files:%d" % g["id"], expect_screen=False)
        self.assertIn("no longer available", answer["params"].get("text", ""))
        self.assertEqual(len(self.generation()), 1)

    def test_one_running_generation_per_user_and_the_daily_limit(self):
        svc = self.start(mode="simulate", FAL_SIMULATE_GENERATION_SECONDS=8,
                         GENERATION_DAILY_IMAGES=3)
        chat = Chat(self, svc, 704)
        aid = self.trained_avatar(chat)
        self.choose(chat, aid, count="2")
        self.assertEqual(len(self.generation()), 1)
        # a second one while the first runs: refused, nothing opened
        self.open_details(chat, aid)
        chat.press("Create pictures")
        chat.press("Studio")
        chat.press("1:1")
        self.assertEqual([b for b in chat.buttons() if "Back" not in b], ["1"])  # 1 left today
        answer = chat.press("1", expect_screen=False)
        self.assertIn("still being made", answer["params"].get("text", ""))
        self.assertEqual(len(self.generation()), 1)
        # the first done, one more picture, then the day's limit is reached
        self.wait_generation("delivered", timeout=30)
        self.choose(chat, aid, preset="Studio", aspect="1:1", count="1")
        self.wait_generation("delivered", n=2)
        self.open_details(chat, aid)
        answer = chat.press("Create pictures", expect_screen=False)
        self.assertIn("limit of 3 pictures is used up", answer["params"].get("text", ""))
        self.assertEqual(len(self.generation()), 2)


class GenerationLiveTest(GenerationCase):
    """Against the FAL stand-in, as against FAL."""

    def live(self, **env):
        base = {"FAL_GENERATION_POLL_SECONDS": 1}
        base.update(env)
        return self.start(mode="live", **base)

    def test_lora_avatar_input_and_one_delivery_per_webhook(self):
        svc = self.live(FAL_GENERATION_POLL_SECONDS=30)  # the webhook, not the poll, ends it
        chat = Chat(self, svc, 711)
        aid = self.trained_avatar(chat, gender="male")
        self.choose(chat, aid, preset="Business", aspect="3:4", count="2")
        req = self.gen_request(app=LORA_APP)
        g = self.generation()[0]
        nonce = h.psql_value(self.db_url, "SELECT nonce FROM fal_submits WHERE request_id = $1",
                             req["request_id"])
        self.assertEqual(req["webhook_url"], svc.url + "/fal/webhook?run=" + nonce)
        trigger = "abv" + base36(aid)
        self.assertEqual(req["input"], {
            "prompt": trigger + ", " + g["prompt"],
            "loras": [{"path": "https://fal.example/files/lora-%d.safetensors" % aid,
                       "scale": 1.0}],
            "image_size": "portrait_4_3", "num_images": 2, "seed": g["seed"],
            "num_inference_steps": 28, "guidance_scale": 3.5, "enable_safety_checker": True,
            "output_format": "jpeg"})
        self.assertIn(" man ", " " + g["prompt"] + " ")  # written for the avatar's gender
        g = self.wait_generation("delivered")
        self.assertEqual(g["request_id"], req["request_id"])
        h.wait_until(lambda: self.deliveries(711), message="the pictures")
        out = self.fal.request(req["request_id"])["output"]
        media = self.deliveries(711)[0]["params"]["media"]
        if isinstance(media, str):
            media = json.loads(media)
        # delivered by FAL's URLs; stored copies kept beside the avatar's photos
        self.assertEqual([m["media"] for m in media], [i["url"] for i in out["images"]])
        storage = Path(svc.env["STORAGE_URL"][len("file://"):])
        for img in g["images"]:
            self.assertEqual((storage / img["key"]).read_bytes()[:2], b"\xff\xd8")
        self.wait_sent(711, "Here they are")
        # FAL delivers the webhook again: nothing more is sent
        since = self.botapi.last_seq()
        self.fal.redeliver(req["request_id"])
        chat.settle()
        self.assertEqual(self.deliveries(711, since=since), [])
        self.assertEqual(self.sent(711, "Here they are", since=since), [])

    def test_finetuned_avatar_input(self):
        svc = self.live()
        chat = Chat(self, svc, 712)
        aid = self.trained_avatar(chat, kind="Artistic", model="finetune")
        self.choose(chat, aid, preset="Watercolor", aspect="16:9", count="1")
        req = self.gen_request(app=ULTRA_APP)
        g = self.generation()[0]
        self.assertEqual(req["input"], {
            "prompt": "abv%s, %s" % (base36(aid), g["prompt"]), "finetune_id": "ft-%d" % aid,
            "finetune_strength": 1.0, "aspect_ratio": "16:9", "num_images": 1,
            "seed": g["seed"], "safety_tolerance": "2", "enable_safety_checker": True,
            "output_format": "jpeg", "raw": False})
        self.wait_generation("delivered")
        h.wait_until(lambda: self.deliveries(712), message="the picture")
        call = self.deliveries(712)[0]
        self.assertEqual(call["method"], "sendPhoto")
        self.assertEqual(call["params"]["photo"],
                         self.fal.request(req["request_id"])["output"]["images"][0]["url"])

    def test_lost_webhook_is_completed_by_the_poll(self):
        svc = self.live()
        self.fal.fault("webhook_drop", count=10)
        chat = Chat(self, svc, 713)
        aid = self.trained_avatar(chat)
        self.choose(chat, aid, count="1")
        req = self.gen_request(app=LORA_APP)
        g = self.wait_generation("delivered")
        self.assertEqual(g["request_id"], req["request_id"])
        h.wait_until(lambda: self.deliveries(713), message="the picture")
        self.assertEqual(len(self.deliveries(713)), 1)

    def test_fal_error_is_told_in_plain_words(self):
        svc = self.live()
        self.fal.fault("fail", app_id=LORA_APP)
        chat = Chat(self, svc, 714)
        aid = self.trained_avatar(chat)
        self.choose(chat, aid, count="1")
        g = self.wait_generation("failed")
        self.assertTrue(g["error"])
        said = self.wait_sent(714, "couldn't make the pictures")
        self.assertIn("the picture service reported an error", said[0]["params"]["text"])
        self.assertNotIn("flux", json.dumps(said, ensure_ascii=False).lower())
        self.assertEqual(self.deliveries(714), [])
        self.assertEqual(len(self.fal.requests()), 1)  # one paid request for one press

    def test_flagged_pictures_are_withheld(self):
        svc = self.live()
        self.fal.set_config(nsfw=1)  # the first picture of each request is flagged
        chat = Chat(self, svc, 715)
        aid = self.trained_avatar(chat)
        self.choose(chat, aid, count="2")
        g = self.wait_generation("delivered")
        self.assertEqual([i["nsfw"] for i in g["images"]], [True, False])
        self.assertIsNone(g["images"][0]["key"])  # a flagged picture is not even stored
        h.wait_until(lambda: self.deliveries(715), message="the picture")
        call = self.deliveries(715)[0]
        self.assertEqual(call["method"], "sendPhoto")  # the one picture left, alone
        self.assertEqual(call["params"]["photo"], g["images"][1]["url"])
        said = self.wait_sent(715, "1 picture is not shown")
        self.assertIn("safety check", said[0]["params"]["text"])
        # all of them flagged: nothing shown, said calmly, no files offered
        self.choose(chat, aid, count="1")
        self.wait_generation("delivered", n=2)
        said = self.wait_sent(715, "flagged these pictures")
        self.assertNotIn("Full-quality", json.dumps(said[0]["params"]["reply_markup"]))
        self.assertEqual(len(self.deliveries(715)), 1)
        m = self.metrics(svc)
        self.assertIn('avatarbot_generation_images_total{result="withheld"} 2', m)
        self.assertIn('avatarbot_generations_finished_total{kind="lora",result="withheld"} 1', m)

    def test_a_refused_url_is_uploaded_from_the_stored_copy(self):
        svc = self.live()
        self.botapi.refuse_urls()
        chat = Chat(self, svc, 716)
        aid = self.trained_avatar(chat)
        self.choose(chat, aid, count="2")
        g = self.wait_generation("delivered")
        h.wait_until(lambda: self.deliveries(716), message="the pictures, uploaded")
        albums = [c for c in self.botapi.calls("sendMediaGroup")
                  if str(c["params"].get("chat_id")) == "716"]
        self.assertEqual([c["http_status"] for c in albums], [400, 200])  # URL refused, upload
        storage = Path(svc.env["STORAGE_URL"][len("file://"):])
        import hashlib
        sent = [albums[1]["params"][name]["_upload"]["sha256"] for name in ("p0", "p1")]
        stored = [hashlib.sha256((storage / i["key"]).read_bytes()).hexdigest()
                  for i in g["images"]]
        self.assertEqual(sent, stored)
        h.wait_until(lambda: len(self.generation(g["id"])["file_ids"]) == 2,
                     message="the file_ids recorded")

    def test_deleting_the_avatar_ends_its_running_generation(self):
        svc = self.live()
        self.fal.set_config(generation_duration=30)
        chat = Chat(self, svc, 717)
        aid = self.trained_avatar(chat)
        other = self.trained_avatar(chat, name="Bea")
        self.choose(chat, aid, count="1")
        self.gen_request(app=LORA_APP)
        # by their data: the status message's edits may land between the screens
        self.open_details(chat, aid)
        chat.press(data="av:del:%d" % aid)
        chat.press(data="av:delok:%d" % aid)
        self.assertEqual(self.generation(), [])  # its records go with it
        self.assertEqual(h.psql_value(self.db_url, "SELECT status FROM fal_requests"
                                                   " WHERE kind = 'generation'"), "cancelled")
        self.choose(chat, other, count="1")  # the user is not left "busy"
        self.assertEqual(self.generation()[0]["status"], "running")

    def test_retrain_keeps_the_old_model_until_the_new_one_completes(self):
        svc = self.live(FAL_POLL_SECONDS=30)  # few progress edits: the webhook ends it
        self.fal.set_config(duration=12)
        chat = Chat(self, svc, 718)
        aid = self.trained_avatar(chat)
        old = self.avatar(aid)["lora_url"]
        self.open_details(chat, aid)
        self.assertIn("📸 Training photos (10)", json.dumps(chat.last["params"]["reply_markup"],
                                                            ensure_ascii=False))
        chat.press("Retrain")
        chat.press("✅ Start")
        training = self.submitted()
        self.assertEqual(self.avatar(aid)["status"], "training")
        # pictures meanwhile come from the model it has
        self.choose(chat, aid, count="1")
        self.assertEqual(self.gen_request(app=LORA_APP)["input"]["loras"][0]["path"], old)
        self.wait_generation("delivered")
        a = self.wait_avatar(aid, "completed")
        new = self.fal.request(training["request_id"])["output"]["diffusers_lora_file"]["url"]
        self.assertEqual(a["lora_url"], new)
        self.assertNotEqual(new, old)
        self.choose(chat, aid, count="1")
        self.assertEqual(self.gen_request(n=2, app=LORA_APP)["input"]["loras"][0]["path"], new)
        # a retrain that fails leaves the model it had, and the avatar completed
        self.wait_generation("delivered", n=2)
        self.fal.fault("fail", app_id=training["app_id"])
        self.open_details(chat, aid)
        chat.press("Retrain")
        chat.press("✅ Start")
        self.wait_sent(718, "failed")
        a = self.wait_avatar(aid, "completed")
        self.assertEqual((a["lora_url"], a["training_progress"]), (new, 100))

    def test_style_lora_avatar_input(self):
        """A Style avatar trained by flux-lora-fast-training leaves a LoRA file too: its
        pictures come from fal-ai/flux-lora, with its own trigger."""
        svc = self.live()
        chat = Chat(self, svc, 719)
        aid = self.trained_avatar(chat, name="Sketch", kind="Artistic", gender="other")
        self.choose(chat, aid, preset="Oil painting", aspect="9:16", count="4")
        req = self.gen_request(app=LORA_APP)
        g = self.generation()[0]
        self.assertIn(" person ", " " + g["prompt"] + " ")  # neither a man nor a woman
        self.assertEqual((req["input"]["prompt"], req["input"]["image_size"],
                          req["input"]["num_images"], req["input"]["loras"][0]["path"]),
                         ("abv%s, %s" % (base36(aid), g["prompt"]), "portrait_16_9", 4,
                          "https://fal.example/files/lora-%d.safetensors" % aid))
        self.wait_generation("delivered")

    def test_fal_5xx_at_submit_is_retried_and_4xx_is_not(self):
        svc = self.live()
        self.fal.fault("503", endpoint="submit")  # certainly not taken (a 500 may have been)
        chat = Chat(self, svc, 720)
        aid = self.trained_avatar(chat)
        self.choose(chat, aid, count="1")
        g = self.wait_generation("delivered")
        attempts = h.psql_json(self.db_url, "SELECT attempt, outcome FROM fal_submits"
                                            " WHERE run_id = $1 ORDER BY attempt", g["request_id"])
        self.assertEqual([a["outcome"] for a in attempts], ["refused", "accepted"])
        self.assertEqual(len(self.fal.requests()), 1)
        # FAL refuses the input itself (422): told at once, not sent again
        self.fal.fault("http", endpoint="submit", status=422, detail="prompt: too long")
        self.choose(chat, aid, count="1")
        g = self.wait_generation("failed", n=2)
        self.wait_sent(720, "the picture service refused the request")
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM fal_submits"
                                                   " WHERE run_id = $1", g["request_id"]), "1")

    def test_trained_in_the_chat_then_pictures_from_the_completion_message(self):
        """The whole product in simulate mode, as `make run` shows it: a training, then
        pictures from the button of the message that says the avatar is ready."""
        svc = self.start(mode="simulate", FAL_SIMULATE_SECONDS=2,
                         FAL_SIMULATE_GENERATION_SECONDS=1)
        chat = Chat(self, svc, 721)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        self.wait_avatar(aid, "completed")
        ready = self.wait_sent(721, "is ready")[0]
        chat.keyboards[ready["response"]["result"]["message_id"]] = [
            [(b["text"], b["callback_data"]) for b in row]
            for row in ready["params"]["reply_markup"]["inline_keyboard"]]
        chat.last = ready
        chat.press("Create pictures")
        chat.press("Paris")
        chat.press("1:1")
        chat.press("3")
        g = self.wait_generation("delivered")
        h.wait_until(lambda: self.deliveries(721), message="the album")
        self.assertEqual(len(json.loads(self.deliveries(721)[0]["params"]["media"])
                             if isinstance(self.deliveries(721)[0]["params"]["media"], str)
                             else self.deliveries(721)[0]["params"]["media"]), 3)
        self.assertEqual(g["count"], 3)
        seconds = float(svc.metric("avatarbot_generation_duration_seconds_sum"))
        print("simulate: press to pictures handed to the senders in %.2f s (1 s simulated)"
              % seconds, file=sys.stderr)

    def test_a_lost_submit_answer_makes_one_paid_request(self):
        """FAL takes the submit but its answer is lost (the connection drops after the call took
        effect): the generation is not sent again; it adopts the request its webhook names (by
        the attempt's nonce) and delivers it."""
        svc = self.live()
        self.fal.fault("drop", endpoint="submit", process=True)
        chat = Chat(self, svc, 722)
        aid = self.trained_avatar(chat)
        self.choose(chat, aid, count="1")
        g = self.wait_generation("delivered")
        self.assertEqual(len(self.fal.requests()), 1)  # one paid request for the press
        self.assertEqual(g["request_id"], self.fal.requests()[0]["request_id"])
        attempts = h.psql_json(self.db_url, "SELECT outcome FROM fal_submits WHERE run_id = $1",
                               g["request_id"])
        self.assertEqual(attempts, [{"outcome": "accepted"}])
        h.wait_until(lambda: self.deliveries(722), message="the picture")
        self.assertEqual(len(self.deliveries(722)), 1)


if __name__ == "__main__":
    h.main()
