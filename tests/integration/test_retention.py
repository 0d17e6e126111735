"""Retention, run by the janitor: uploaded photos and training datasets go PHOTO_RETENTION_DAYS
after the avatar's last successful training (rows now, stored objects by deletion jobs; the
model stays), delivered messages, finished jobs and FAL webhook bodies after
RECORDS_RETENTION_DAYS; younger ones stay. The clock is moved with
RETENTION_CLOCK_OFFSET_DAYS, not waited for."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402


class RetentionTest(h.IntegrationTestCase):

    def avatar(self, uid, trained_days_ago):
        """A completed avatar of user uid trained that many days ago, with two stored photos
        and its training's stored dataset; returns (avatar id, the stored paths)."""
        h.psql(self.db_url, "INSERT INTO users (id) VALUES ($1)", uid)
        aid = int(h.psql_value(
            self.db_url, "INSERT INTO avatars (user_id, name, gender, training_type, status,"
                         " lora_url, training_completed_at) VALUES ($1, 'A', 'female', 'portrait',"
                         " 'completed', 'https://fal.example/l.safetensors',"
                         " now() - make_interval(days => $2::int)) RETURNING id",
            uid, trained_days_ago))
        keys = ["avatars/%d/%d/p%d.jpg" % (uid, aid, i) for i in range(2)]
        keys.append("avatars/%d/%d/dataset-1.zip" % (uid, aid))
        for key in keys:
            path = self.storage / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
        for i, key in enumerate(keys[:2]):
            h.psql(self.db_url, "INSERT INTO avatar_photos (avatar_id, user_id, storage_key,"
                                " file_hash, validation_status, mime_type) VALUES ($1, $2, $3, $4,"
                                " 'valid', 'image/jpeg')", aid, uid, key, "h%d" % i)
        h.psql(self.db_url, "INSERT INTO fal_requests (request_id, avatar_id, user_id, app_id,"
                            " status, mode, dataset_key, events, completed_at) VALUES ($1, $2, $3,"
                            " 'fal-ai/flux-lora-portrait-trainer', 'completed', 'live', $4,"
                            " '[{\"status\": \"OK\"}]', now() - make_interval(days => $5::int))",
               "req-%d" % uid, aid, uid, keys[2], trained_days_ago)
        return aid, [self.storage / k for k in keys]

    def test_old_photos_datasets_and_records_go_young_ones_stay(self):
        self.assertEqual(h.run_avatarbot(["migrate"], db_url=self.db_url).returncode, 0)
        self.storage = h.log_dir() / "storage" / self.db_url.rsplit("/", 1)[-1]
        old, old_files = self.avatar(931, 40)
        young, young_files = self.avatar(932, 5)
        for days, status in ((20, "sent"), (1, "sent"), (20, "failed")):
            h.psql(self.db_url, "INSERT INTO outbox (chat_id, method, payload, status, created_at)"
                                " VALUES (931, 'sendMessage', '{}', $1,"
                                " now() - make_interval(days => $2::int))", status, days)
        for days in (20, 1):
            h.psql(self.db_url, "INSERT INTO jobs (kind, payload, status, updated_at) VALUES"
                                " ('storage.delete_key', '{\"key\": \"avatars/0/0/x\"}', 'done',"
                                " now() - make_interval(days => $1::int))", days)
        env = {"PHOTO_RETENTION_DAYS": 30, "RECORDS_RETENTION_DAYS": 14,
               "RETENTION_INTERVAL_SECONDS": 1}
        svc = self.start_service(extra_env=env)
        h.wait_until(lambda: not any(p.exists() for p in old_files), timeout=20,
                     message="the old avatar's photos and dataset deleted from storage")
        self.assertTrue(all(p.exists() for p in young_files))
        rows = h.psql_json(self.db_url, "SELECT avatar_id, count(*) AS n FROM avatar_photos"
                                        " GROUP BY avatar_id")
        self.assertEqual(rows, [{"avatar_id": young, "n": 2}])
        a = h.psql_json(self.db_url, "SELECT status, lora_url FROM avatars WHERE id = $1", old)
        self.assertEqual(a[0]["status"], "completed")  # the model stays usable
        self.assertEqual(h.psql_value(self.db_url, "SELECT string_agg(coalesce(dataset_key, '-')"
                                                   " || ':' || jsonb_array_length(events), ','"
                                                   " ORDER BY request_id) FROM fal_requests"),
                         "-:0,%s:1" % young_files[2].relative_to(self.storage))
        self.assertEqual(h.psql_value(self.db_url, "SELECT string_agg(status || ':' ||"
                                                   " extract(day FROM now() - created_at)::int,"
                                                   " ',' ORDER BY id) FROM outbox"),
                         "sent:1")
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM jobs WHERE kind ="
                                                   " 'storage.delete_key' AND updated_at <"
                                                   " now() - interval '10 days'"), "0")
        self.assertEqual(svc.metric("avatarbot_retention_deleted_total", 'kind="photos"'), 2)
        self.assertEqual(svc.metric("avatarbot_retention_deleted_total", 'kind="datasets"'), 1)
        self.assertEqual(svc.metric("avatarbot_retention_deleted_total", 'kind="messages"'), 2)
        svc.stop()
        # thirty days later the young avatar's photos go too
        env["RETENTION_CLOCK_OFFSET_DAYS"] = 30
        self.start_service(name="b", extra_env=env)
        h.wait_until(lambda: not any(p.exists() for p in young_files), timeout=20,
                     message="the younger avatar's photos deleted 30 days later")
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM avatar_photos"), "0")


if __name__ == "__main__":
    h.main()
