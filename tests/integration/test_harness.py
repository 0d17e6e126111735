#!/usr/bin/env python3
"""Self-test of tests/support/harness.py: the PostgreSQL cluster and psql helpers, and
Service's process handling, run against a fake `avatarbot` (no real binary needed).

    python3 tests/integration/test_harness.py
"""

import json
import os
import stat
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402

# A stand-in for `avatarbot serve`: serves /readyz and /telegram/webhook, logs JSON lines,
# and exits 0 on SIGTERM. With FAKE_LEAK=1 it logs the token (to test the log check).
FAKE_SERVICE = textwrap.dedent("""\
    #!%s
    import json, os, signal, sys
    from http.server import BaseHTTPRequestHandler, HTTPServer

    def log(**kw):
        print(json.dumps(kw), flush=True)

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass
        def reply(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def do_GET(self):
            if self.path == "/readyz":
                return self.reply(200, {"ready": True})
            self.reply(404, {})
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("X-Telegram-Bot-Api-Secret-Token") != os.environ["TELEGRAM_WEBHOOK_SECRET"]:
                return self.reply(401, {"ok": False})
            update = json.loads(body)
            log(msg="update", update_id=update["update_id"], raw_ascii=body.isascii())
            self.reply(200, {"ok": True})

    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    log(msg="starting", args=sys.argv[1:], api=os.environ["TELEGRAM_API_BASE"],
        db=bool(os.environ.get("DATABASE_URL")), workers=os.environ["WORKER_THREADS"])
    if os.environ.get("FAKE_LEAK"):
        log(msg="oops", url="/bot" + os.environ["TELEGRAM_BOT_TOKEN"] + "/getMe")
    HTTPServer(("127.0.0.1", int(os.environ["HTTP_PORT"])), H).serve_forever()
    """) % sys.executable


class HarnessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db_url = h.pg_cluster().new_database("ab_test_harness")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.fake = Path(cls.tmp.name) / "avatarbot"
        cls.fake.write_text(FAKE_SERVICE)
        cls.fake.chmod(cls.fake.stat().st_mode | stat.S_IXUSR)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_psql_params_and_types(self):
        h.psql(self.db_url, "CREATE TABLE t (id bigint PRIMARY KEY, name text, data jsonb)")
        h.psql(self.db_url, "INSERT INTO t VALUES ($1, $2, $3), ($4, $5, $6)",
               2 ** 40, "it's \"quoted\"\nand multi-line, with $1 inside", {"a": [1, 2]},
               7, None, None)
        rows = h.psql(self.db_url, "SELECT id, name, data->>'a' FROM t ORDER BY id")
        self.assertEqual(rows, [["7", None, None],
                                [str(2 ** 40), "it's \"quoted\"\nand multi-line, with $1 inside",
                                 "[1, 2]"]])
        self.assertEqual(h.psql_value(self.db_url, "SELECT count(*) FROM t WHERE id > $1", 10), "1")
        self.assertIsNone(h.psql_value(self.db_url, "SELECT 1 WHERE false"))
        objs = h.psql_json(self.db_url, "SELECT id, data FROM t ORDER BY id")
        self.assertEqual(objs, [{"id": 7, "data": None}, {"id": 2 ** 40, "data": {"a": [1, 2]}}])
        self.assertEqual(h.psql(self.db_url, "SELECT ''"), [[""]])
        with self.assertRaises(h.PsqlError):
            h.psql(self.db_url, "SELECT * FROM no_such_table")

    def test_new_database_is_fresh(self):
        url = h.pg_cluster().new_database("ab_test_harness_fresh")
        h.psql(url, "CREATE TABLE x (a int)")
        url2 = h.pg_cluster().new_database("ab_test_harness_fresh")
        self.assertEqual(url, url2)
        self.assertEqual(h.psql_value(url2, "SELECT count(*) FROM pg_tables WHERE tablename = 'x'"),
                         "0")

    def test_wait_until(self):
        box = []
        self.assertEqual(h.wait_until(lambda: box.append(1) or len(box) >= 3, timeout=2), True)
        with self.assertRaises(AssertionError):
            h.wait_until(lambda: False, timeout=0.2, message="never")

    def test_service_lifecycle_with_fake_binary(self):
        with h.BotApi(log_name="test_harness") as api:
            svc = h.Service(self.db_url, api, name="fake", binary=self.fake,
                            extra_env={"WORKER_THREADS": 3})
            try:
                svc.wait_ready(timeout=10)
                status, body = svc.post_update(h.message_update(2 ** 33, h.user_id(1), "/start"))
                self.assertEqual((status, json.loads(body)), (200, {"ok": True}))
                self.assertEqual(svc.post_update({"update_id": 1}, secret="wrong")[0], 401)
                self.assertEqual(svc.post_update(b'{"update_id":2}', secret=False)[0], 401)
                self.assertEqual(svc.stop(), 0)
                logs = svc.log_json()
                self.assertEqual(logs[0], {"msg": "starting", "args": ["serve"],
                                           "api": api.base_url, "db": True, "workers": "3"})
                self.assertEqual(logs[1], {"msg": "update", "update_id": 2 ** 33,
                                           "raw_ascii": True})
                svc.assert_no_secrets_in_log()
                # Restart on the same port, then a crash.
                svc.start().wait_ready(timeout=10)
                svc.kill()
                self.assertFalse(svc.alive())
            finally:
                svc.close()
            leaky = h.Service(self.db_url, api, name="leaky", binary=self.fake,
                              extra_env={"FAKE_LEAK": "1"})
            try:
                leaky.wait_ready(timeout=10)
                with self.assertRaises(AssertionError) as ctx:
                    leaky.assert_no_secrets_in_log()
                self.assertNotIn(h.TOKEN, str(ctx.exception))
            finally:
                leaky.close()

    def test_missing_binary_is_reported(self):
        with self.assertRaises(FileNotFoundError):
            h.Service(self.db_url, "http://127.0.0.1:9", binary=os.devnull + ".none")


if __name__ == "__main__":
    unittest.main(verbosity=2)
