"""`avatarbot admin`: the operator's commands against the real database — what they list, what
they change (rows), their exit codes (0 done, 1 nothing matched, 2 bad usage) and --json."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402


class AdminTest(h.IntegrationTestCase):

    def admin(self, *args):
        return h.run_avatarbot(["admin", *args], db_url=self.db_url, timeout=30)

    def admin_json(self, *args):
        r = self.admin(*args, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_jobs_listed_requeued_and_cancelled(self):
        self.assertEqual(h.run_avatarbot(["migrate"], db_url=self.db_url).returncode, 0)
        rows = h.psql(self.db_url, """
            INSERT INTO jobs (kind, user_id, status, attempts, last_error, lease_until) VALUES
              ('photo.ingest', 7, 'dead', 8, 'download failed: 404', NULL),
              ('training.poll', 7, 'running', 1, NULL, now() - interval '1 minute'),
              ('photo.ingest', 8, 'pending', 2, 'storage unavailable', NULL),
              ('photo.ingest', 9, 'pending', 0, NULL, NULL),
              ('photo.ingest', 9, 'dead', 8, 'checks failed', NULL)
            RETURNING id""")
        dead, stuck, failing, fine, dead2 = (int(r[0]) for r in rows)
        listed = {j["id"]: j for j in self.admin_json("jobs")}
        self.assertEqual(set(listed), {dead, stuck, failing, dead2})
        self.assertEqual(listed[dead]["state"], "dead")
        self.assertEqual(listed[stuck]["state"], "stuck")
        self.assertEqual(listed[failing]["state"], "failing")
        self.assertEqual(listed[dead]["last_error"], "download failed: 404")
        text = self.admin("jobs").stdout
        self.assertIn("download failed: 404", text)

        r = self.admin("jobs", "requeue", str(dead))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(h.psql(self.db_url, "SELECT status, attempts FROM jobs WHERE id = $1",
                                dead), [["pending", "0"]])
        # a running job is not requeued; an unknown id matches nothing: exit 1
        self.assertEqual(self.admin("jobs", "requeue", str(stuck)).returncode, 1)
        self.assertEqual(self.admin("jobs", "requeue", "999999").returncode, 1)
        r = self.admin("jobs", "requeue", "--dead")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(h.psql_value(self.db_url, "SELECT status FROM jobs WHERE id = $1",
                                      dead2), "pending")
        r = self.admin("jobs", "cancel", str(fine))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(h.psql(self.db_url, "SELECT status, last_error FROM jobs WHERE id = $1",
                                fine), [["dead", "cancelled by an operator"]])
        # bad usage
        for args in (["jobs", "cancel"], ["jobs", "cancel", "abc"], ["jobs", "frobnicate"],
                     ["nothing"], ["stats", "yesterday"]):
            self.assertEqual(self.admin(*args).returncode, 2, args)
        self.assertEqual(self.admin("jobs", "--help").returncode, 0)

    def test_failed_update_requeued_is_answered_and_user_shown(self):
        svc = self.start_service()
        uid = h.user_id(41)
        upd = h.message_update(self.next_update_id(), uid, "/start", lang="en", username="anna_k")
        self.assertEqual(svc.post_update(upd)[0], 200)
        self.botapi.wait_calls(1, "sendMessage", timeout=15)
        # set the update aside as if every attempt had failed, then requeue it
        h.psql(self.db_url, "UPDATE inbox SET status = 'failed', attempts = 3, last_error = "
                            "'step failed' WHERE update_id = $1", upd["update_id"])
        failed = self.admin_json("inbox")
        self.assertEqual([u["update_id"] for u in failed], [upd["update_id"]])
        self.assertEqual(failed[0]["last_error"], "step failed")
        r = self.admin("inbox", "requeue", str(upd["update_id"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.botapi.wait_calls(2, "sendMessage", timeout=15)  # handled again: answered again
        self.assertEqual(h.psql_value(self.db_url, "SELECT status FROM inbox WHERE update_id = $1",
                                      upd["update_id"]), "done")
        self.assertEqual(self.admin("inbox", "requeue", str(upd["update_id"])).returncode, 1)

        h.psql(self.db_url, "INSERT INTO avatars (user_id, name, gender, training_type) "
                            "VALUES ($1, 'Anna', 'female', 'portrait')", uid)
        shown = self.admin_json("user", "@Anna_K")
        self.assertEqual(shown["user"][0]["id"], uid)
        self.assertEqual(shown["user"][0]["username"], "anna_k")
        self.assertEqual([a["name"] for a in shown["avatars"]], ["Anna"])
        self.assertEqual(shown["avatars"][0]["photos"], 0)
        self.assertEqual(self.admin_json("user", str(uid))["user"][0]["id"], uid)
        self.assertEqual(self.admin("user", "@nobody").returncode, 1)

        stats = self.admin_json("stats")
        self.assertGreaterEqual(stats["users"], 1)
        self.assertGreaterEqual(stats["users new"], 1)
        self.assertGreaterEqual(stats["updates handled"], 1)
        self.assertEqual(self.admin_json("stats", "2001-01-01")["users new"], 0)

    def test_webhook_info_in_plain_words(self):
        def admin_bot(*args):
            return h.run_avatarbot(["admin", "webhook-info", *args], botapi=self.botapi,
                                   timeout=30)
        r = admin_bot()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("none: Telegram delivers no updates (run set-webhook)", r.stdout)
        r = h.run_avatarbot(["set-webhook"], botapi=self.botapi, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = admin_bot()
        self.assertEqual(r.returncode, 0, r.stderr)
        url = self.botapi.calls("setWebhook")[-1]["params"]["url"]
        self.assertIn(url, r.stdout)
        self.assertRegex(r.stdout, r"updates waiting at Telegram +0\n")
        self.assertRegex(r.stdout, r"last delivery error +none\n")
        info = json.loads(admin_bot("--json").stdout)
        self.assertEqual(info["url"], url)
        self.assertEqual(info["pending_update_count"], 0)
        self.assertEqual(len(self.botapi.calls("getWebhookInfo")), 3)

    def test_erase_user_deletes_rows_objects_and_stops_fal(self):
        from falqueue import FalQueue
        self.assertEqual(h.run_avatarbot(["migrate"], db_url=self.db_url).returncode, 0)
        fal = FalQueue(log_name=self.test_label, config={"generation_duration": 60})
        self.addCleanup(fal.stop)
        status, sub = fal.submit("fal-ai/flux-lora", {"prompt": "x", "loras": []})
        self.assertEqual(status, 200, sub)
        storage = h.log_dir() / "storage" / self.db_url.rsplit("/", 1)[-1]
        for uid in (901, 902):
            h.psql(self.db_url, "INSERT INTO users (id, username) VALUES ($1, $2)", uid,
                   "u%d" % uid)
            h.psql(self.db_url, "INSERT INTO chat_state (chat_id, user_id, state) VALUES"
                                " ($1, $1, 'avatar_menu')", uid)
            aid = int(h.psql_value(self.db_url, "INSERT INTO avatars (user_id, name, gender,"
                                                " training_type, status, lora_url) VALUES ($1,"
                                                " 'A', 'female', 'portrait', 'completed', 'x')"
                                                " RETURNING id", uid))
            for key in ("avatars/%d/%d/p1.jpg" % (uid, aid),
                        "avatars/%d/%d/pictures/1-1.jpg" % (uid, aid)):
                (storage / key).parent.mkdir(parents=True, exist_ok=True)
                (storage / key).write_bytes(b"\xff\xd8\xff\xd9")
            h.psql(self.db_url, "INSERT INTO avatar_photos (avatar_id, user_id, storage_key,"
                                " file_hash, validation_status, mime_type) VALUES ($1, $2, $3,"
                                " 'h', 'valid', 'image/jpeg')", aid, uid,
                   "avatars/%d/%d/p1.jpg" % (uid, aid))
            h.psql(self.db_url, "INSERT INTO generations (user_id, avatar_id, chat_id, prompt,"
                                " aspect, count, seed, mode) VALUES ($1, $2, $1, 'x', '1:1', 1, 1,"
                                " 'live')", uid, aid)
        h.psql(self.db_url, "INSERT INTO fal_requests (request_id, kind, user_id, app_id, status,"
                            " mode, cancel_url) VALUES ($1, 'generation', 901, 'fal-ai/flux-lora',"
                            " 'in_progress', 'live', $2)", sub["request_id"], sub["cancel_url"])
        r = h.run_avatarbot(["admin", "erase-user", "901", "--json"], db_url=self.db_url,
                            extra_env={"FAL_KEY": fal.key}, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual((out["fal_requests_stopped"], out["objects_deleted"]), (1, 2))
        rows = {row["what"]: row["rows"] for row in out["rows"]}
        self.assertEqual((rows["user"], rows["avatars"], rows["photos"], rows["generations"],
                          rows["FAL requests"], rows["conversation"]), (1, 1, 1, 1, 1, 1))
        self.assertEqual(len(fal.calls(endpoint="cancel")), 1)
        for table, col in (("users", "id"), ("avatars", "user_id"), ("avatar_photos", "user_id"),
                           ("generations", "user_id"), ("chat_state", "chat_id"),
                           ("fal_requests", "user_id")):
            self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM %s WHERE %s = 901"
                                          % (table, col)), "0", table)
            if table != "fal_requests":  # the other user's rows stay
                self.assertNotEqual(h.psql_value(self.db_url, "SELECT count(*) FROM %s WHERE"
                                                 " %s = 902" % (table, col)), "0", table)
        self.assertFalse(list((storage / "avatars" / "901").rglob("*.jpg")))
        self.assertEqual(len(list((storage / "avatars" / "902").rglob("*.jpg"))), 2)
        # again: nothing left of that user
        self.assertEqual(self.admin("erase-user", "901").returncode, 1)
        self.assertEqual(self.admin("erase-user", "abc").returncode, 2)


if __name__ == "__main__":
    h.main()
