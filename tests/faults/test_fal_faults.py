"""Fault: FAL down, slow, duplicating, reordering and never sending webhooks.

Five users start a training each (live mode against the FAL queue stand-in) while FAL answers
the first two submits 503, the third only after 3 s, and the first status polls 503 or only
after 3 s. Once the runs are
submitted, each gets its own webhook fault: never sent (polling must finish it), sent three
times, sent only after a later request's webhook, sent 4 s late, and one run fails at FAL.
Every training must end in the state FAL gave its request (completed with FAL's result, or
error), with one FAL request per training, one "ready" or "failed" message per user, and no
job or update left behind.

Then the same for pictures: five users ask for two pictures each while FAL answers the first two
submits 503 and one after 3 s, and each generation gets one of the webhook faults. Every
generation must end as FAL's request did, with one FAL request each, its pictures delivered
exactly once (one album per delivered generation) or one plain "couldn't make" message."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faultlib as f  # noqa: E402
from faultlib import h  # noqa: E402
from falqueue import FalQueue  # noqa: E402

WEBHOOK_FAULTS = [("webhook_drop", {}), ("webhook_duplicate", {"times": 3}),
                  ("webhook_reorder", {"seconds": 8}), ("webhook_delay", {"seconds": 4}),
                  ("fail", {"status": 422, "detail": "Could not train on these photos"})]


class FalFaults(h.IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.fal = FalQueue(log_name=self.test_label,
                            config={"duration": 6, "queue_seconds": 0.5, "check_dataset": True,
                                    "webhook_retry_interval": 0.5})
        self.addCleanup(self.fal.stop)

    def start(self):
        port = h.free_port()
        env = {"HTTP_PORT": port, "PUBLIC_BASE_URL": "http://127.0.0.1:%d" % port,
               "FAL_QUEUE_BASE": self.fal.base_url, "FAL_JWKS_URL": self.fal.jwks_url,
               "FAL_KEY": self.fal.key, "FAL_MODE": "live", "FAL_POLL_SECONDS": 2,
               "FAL_PROGRESS_EDIT_SECONDS": 1, "JOB_THREADS": 2, "JOBS_PER_USER": 2,
               "TELEGRAM_RATE_PER_CHAT": 1000, "TELEGRAM_RATE_GLOBAL": 1000,
               "LOG_LEVEL": "info"}
        svc = h.Service(self.db_url, self.botapi, extra_env=env, log_name=self.test_label,
                        port=port)
        self.services.append(svc)
        self.addCleanup(self._finish_service, svc)
        return svc.wait_ready(30)

    def press(self, uid, data):
        msgs = [m for m in self.botapi.messages(uid) if m.get("from", {}).get("is_bot")]
        mid = msgs[-1]["message_id"] if msgs else 1
        self.deliver.deliver(lambda u: h.callback_update(u, uid, data, mid, lang="en"))

    def ready_avatar(self, svc, uid):
        """An avatar made through the conversation, its ten photos put in storage directly
        (test_training.py does the same; the photo pipeline has its own fault scenario)."""
        self.deliver.deliver(lambda u: h.message_update(u, uid, "/start", lang="en"))
        for data in ("av:new", "priv:ok", "tt:portrait", "tt:ok", "g:female"):
            self.press(uid, data)
        self.deliver.deliver(lambda u: h.message_update(u, uid, "Fal %d" % (uid % 100),
                                                        lang="en"))
        avatar_id = int(h.wait_until(lambda: h.psql_value(
            self.db_url, "SELECT id FROM avatars WHERE user_id = $1", uid)))
        f.seed_ready_avatar(self.db_url, svc.env["STORAGE_URL"], uid, avatar_id)
        return avatar_id

    def said(self, uid, needle):
        return [c for c in self.botapi.calls() if c["method"] in ("sendMessage", "editMessageText")
                and c["params"].get("chat_id") == uid and c["http_status"] == 200
                and needle in c["params"].get("text", "")]

    def test_every_training_ends_in_the_state_fal_gave_it(self):
        svc = self.start()
        self.deliver = f.Deliverer(self, [svc])
        users = [h.user_id(5000 + i) for i in range(len(WEBHOOK_FAULTS))]
        avatars = {uid: self.ready_avatar(svc, uid) for uid in users}
        self.fal.fault("503", count=2, endpoint="submit")     # FAL down
        self.fal.fault("stall", count=1, endpoint="submit", seconds=3)  # then slow
        self.fal.fault("503", count=3, endpoint="status")
        self.fal.fault("stall", count=2, endpoint="status", seconds=3)  # FAL slow
        for uid in users:
            for data in ("av:show:%d", "tr:start:%d", "tr:go:%d"):
                self.press(uid, data % avatars[uid])

        # each run gets its webhook fault as soon as FAL has it (it runs 6 s)
        by_avatar = {}
        faults = dict(zip((avatars[u] for u in users), WEBHOOK_FAULTS))

        def arm_submitted():
            for aid, rid in h.psql(self.db_url, "SELECT avatar_id, request_id FROM fal_requests"
                                                " WHERE request_id NOT LIKE 'pending:%'"):
                if int(aid) not in by_avatar:
                    by_avatar[int(aid)] = rid
                    kind, params = faults[int(aid)]
                    self.fal.fault(kind, request_id=rid, **params)
            return len(by_avatar) == len(users)
        h.wait_until(arm_submitted, timeout=60, interval=0.1, message="every training at FAL")

        def ended():
            return f.count(self.db_url, "SELECT count(*) FROM avatars WHERE status IN "
                                        "('completed', 'error')") == len(users)
        f.wait_idle(self.db_url, timeout=90, extra=ended)
        # polling may end a run before its late, reordered or repeated webhooks arrive: they
        # must all have been answered before anything is counted (3 copies + 3 single ones)
        self.fal.wait_webhooks(6, ok=True, timeout=30)
        f.wait_idle(self.db_url, timeout=30)
        fig = f.pipeline_figures(self.db_url, self.deliver.acked)
        dups = f.duplicate_messages(self.botapi, self.db_url)
        wrong, messages, requests = [], [], {}
        for r in self.fal.requests():
            requests.setdefault(r["app_id"], []).append(r)
        for uid, (kind, _) in zip(users, WEBHOOK_FAULTS):
            aid = avatars[uid]
            rid = by_avatar[aid]
            rec = self.fal.request(rid)
            row = h.psql_json(self.db_url, "SELECT status, lora_url FROM avatars WHERE id = $1",
                              aid)[0]
            if rec["outcome"] == "ok":
                right = (row["status"] == "completed"
                         and row["lora_url"] == rec["output"]["diffusers_lora_file"]["url"])
                messages.append(len(self.said(uid, "is ready")))
            else:
                right = row["status"] == "error"
                messages.append(len(self.said(uid, "failed")))
            if not right:
                wrong.append((kind, rec["outcome"], row))
        sent = sum(1 for d in self.fal.webhook_deliveries() if d["sent"])
        f.figure("fal-faults",
                 "%d trainings; FAL 503 on 2 submits and 3 polls, 3 s stalls on 1 submit and 2 "
                 "polls; "
                 "webhooks dropped, sent 3x, reordered, 4 s late, one run failing: states right "
                 "%d/%d, FAL requests %d (one per training), ready/failed messages per user %s, "
                 "webhook deliveries %d; lost %d, doubled %d, stuck jobs %d, dead %d, duplicate "
                 "messages %d"
                 % (len(users), len(users) - len(wrong), len(users),
                    sum(len(v) for v in requests.values()), messages, sent, fig["lost"],
                    fig["doubled"], fig["stuck"], fig["dead"], dups))
        self.assertEqual(wrong, [])
        # the run whose webhook never came was ended by polling FAL's status
        dropped = by_avatar[avatars[users[0]]]
        self.assertEqual(h.psql_value(self.db_url, "SELECT jsonb_array_length(events) FROM "
                                                   "fal_requests WHERE request_id = $1", dropped),
                         "0")
        self.assertTrue(self.fal.calls(endpoint="result"))
        self.assertEqual(sum(len(v) for v in requests.values()), len(users))
        self.assertEqual(messages, [1] * len(users))
        self.assertEqual([self.fal.request(by_avatar[avatars[u]])["outcome"] for u in users],
                         ["ok"] * 4 + ["error"])
        self.assertEqual(len(self.fal.calls(endpoint="submit")), len(users) + 2)
        self.assertEqual(fig["lost"], 0)
        self.assertEqual(fig["doubled"], 0)
        self.assertEqual(fig["stuck"], 0)
        self.assertEqual(fig["dead"], 0)

    def test_every_generation_is_delivered_once(self):
        svc = self.start()
        self.deliver = f.Deliverer(self, [svc])
        self.fal.set_config(generation_duration=4)
        users = [h.user_id(5100 + i) for i in range(len(WEBHOOK_FAULTS))]
        avatars = {}
        for uid in users:
            h.psql(self.db_url, "INSERT INTO users (id) VALUES ($1)", uid)
            avatars[uid] = int(h.psql_value(
                self.db_url, "INSERT INTO avatars (user_id, name, gender, training_type, status,"
                             " lora_url, trigger_phrase) VALUES ($1, 'G', 'male', 'portrait',"
                             " 'completed', 'https://fal.example/l.safetensors', 'abv1')"
                             " RETURNING id", uid))
        self.fal.fault("503", count=2, endpoint="submit")
        self.fal.fault("stall", count=1, endpoint="submit", seconds=3)
        self.fal.fault("503", count=3, endpoint="status")
        for uid in users:
            for data in ("gen:new:%d" % avatars[uid], "gen:p:0", "gen:ar:0", "gen:n:2"):
                self.press(uid, data)
        runs, faults = {}, dict(zip(users, WEBHOOK_FAULTS))

        def arm_submitted():
            for uid, rid in h.psql(self.db_url, "SELECT user_id, request_id FROM fal_requests"
                                                " WHERE kind = 'generation'"
                                                " AND request_id NOT LIKE 'pending:%'"):
                if int(uid) not in runs:
                    runs[int(uid)] = rid
                    kind, params = faults[int(uid)]
                    self.fal.fault(kind, request_id=rid, **params)
            return len(runs) == len(users)
        h.wait_until(arm_submitted, timeout=60, interval=0.1, message="every generation at FAL")

        def ended():
            return f.count(self.db_url, "SELECT count(*) FROM generations WHERE status <>"
                                        " 'running'") == len(users)
        f.wait_idle(self.db_url, timeout=90, extra=ended)
        self.fal.wait_webhooks(6, ok=True, timeout=30)
        f.wait_idle(self.db_url, timeout=30)
        fig = f.pipeline_figures(self.db_url, self.deliver.acked)
        dups = f.duplicate_messages(self.botapi, self.db_url)
        wrong, albums, failed = [], [], []
        for uid in users:
            rec = self.fal.request(runs[uid])
            g = h.psql_json(self.db_url, "SELECT status, images FROM generations"
                                         " WHERE user_id = $1", uid)[0]
            want = "delivered" if rec["outcome"] == "ok" else "failed"
            if g["status"] != want or (want == "delivered" and [i["url"] for i in g["images"]]
                                       != [i["url"] for i in rec["output"]["images"]]):
                wrong.append((faults[uid][0], rec["outcome"], g["status"]))
            albums.append(len([c for c in self.botapi.calls("sendMediaGroup")
                               if str(c["params"].get("chat_id")) == str(uid)
                               and c["http_status"] == 200]))
            failed.append(len(self.said(uid, "couldn't make the pictures")))
        requests = len([r for r in self.fal.requests() if r["app_id"] == "fal-ai/flux-lora"])
        f.figure("fal-faults-generation",
                 "%d generations; FAL 503 on 2 submits and 3 polls, a 3 s stall on 1 submit; "
                 "webhooks dropped, sent 3x, reordered, 4 s late, one failing: states right "
                 "%d/%d, FAL requests %d (one per generation), albums per user %s, failure "
                 "messages per user %s; lost %d, doubled %d, stuck jobs %d, dead %d, duplicate "
                 "messages %d"
                 % (len(users), len(users) - len(wrong), len(users), requests, albums, failed,
                    fig["lost"], fig["doubled"], fig["stuck"], fig["dead"], dups))
        self.assertEqual(wrong, [])
        self.assertEqual(requests, len(users))
        self.assertEqual(albums, [1, 1, 1, 1, 0])
        self.assertEqual(failed, [0, 0, 0, 0, 1])
        self.assertEqual((fig["lost"], fig["doubled"], fig["stuck"], fig["dead"], dups),
                         (0, 0, 0, 0, 0))


if __name__ == "__main__":
    h.main()
