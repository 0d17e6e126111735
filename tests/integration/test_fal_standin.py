#!/usr/bin/env python3
"""Self-test of the FAL queue API stand-in (tests/support/fal_standin.py and its wrapper
tests/support/falqueue.py).

Runs the stand-in alone, with no avatarbot binary and no database; a tiny HTTP server in
this file plays the service's webhook endpoint (and serves dataset ZIPs):
    python3 tests/integration/test_fal_standin.py
"""

import base64
import collections
import hashlib
import io
import json
import os
import socket
import struct
import sys
import tempfile
import threading
import time
import unittest
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402
from falqueue import (FAST_TRAINER, FINETUNE_GENERATOR, LORA_GENERATOR,  # noqa: E402
                      PORTRAIT_TRAINER, PRO_TRAINER, FalQueue, jpeg_size, verify_webhook)

from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402


class Receiver:
    """The service's side: records POSTs (raw body and headers), answers with scripted
    statuses per path (default 200), serves registered files on GET."""

    def __init__(self):
        rec = self
        self.lock = threading.Lock()
        self.posts = []
        self.scripts = {}                       # path -> deque of statuses
        self.files = {}                         # path -> bytes

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, status, body, ctype="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with rec.lock:
                    script = rec.scripts.get(self.path)
                    status = script.popleft() if script else 200
                    rec.posts.append({"path": self.path, "headers": dict(self.headers.items()),
                                      "body": raw, "time": time.time(), "answered": status})
                self.reply(status, b'{"ok":true}' if status < 300 else b'{"ok":false}')

            def do_GET(self):
                with rec.lock:
                    data = rec.files.get(self.path)
                if data is None:
                    return self.reply(403, b"<Error><Code>AccessDenied</Code></Error>",
                                      "application/xml")
                self.reply(200, data, "application/zip")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()

    def script(self, path, statuses):
        with self.lock:
            self.scripts[path] = collections.deque(statuses)

    def got(self, path):
        with self.lock:
            return [p for p in self.posts if p["path"] == path]

    def wait(self, path, n, timeout=10.0):
        return h.wait_until(lambda: (lambda g: g if len(g) >= n else None)(self.got(path)),
                            timeout=timeout, message="%d webhook(s) at %s" % (n, path))

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def make_zip(n_images, captions=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(n_images):
            z.writestr("photo_%02d.jpg" % i, b"\xff\xd8\xff\xe0" + os.urandom(64) + b"\xff\xd9")
            if captions:
                z.writestr("photo_%02d.txt" % i, "a photo of TOK")
    return buf.getvalue()


def verify_manually(jwks, headers, body):
    """The receiver's check written out: ED25519 over request_id\\nuser_id\\ntimestamp\\n
    hex(sha256(body)) with any JWKS key."""
    hdr = {k.lower(): v for k, v in headers.items()}
    message = "\n".join([hdr["x-fal-webhook-request-id"], hdr["x-fal-webhook-user-id"],
                         hdr["x-fal-webhook-timestamp"],
                         hashlib.sha256(body).hexdigest()]).encode()
    signature = bytes.fromhex(hdr["x-fal-webhook-signature"])
    for k in jwks["keys"]:
        raw = base64.urlsafe_b64decode(k["x"] + "=" * (-len(k["x"]) % 4))
        try:
            Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
            return True
        except InvalidSignature:
            continue
    return False


class FalStandinTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fal = FalQueue(log_name="test_fal_standin")
        cls.rx = Receiver()

    @classmethod
    def tearDownClass(cls):
        cls.rx.stop()
        cls.fal.stop()
        cls.fal.assert_key_not_logged()

    def setUp(self):
        self.fal.reset()
        self.fal.set_config(duration=0.6, queue_seconds=0.15, webhook_retry_interval=0.1)
        self.hook_path = "/fal/webhook/%s" % self._testMethodName
        self.hook = self.rx.url + self.hook_path

    def submit(self, app=PORTRAIT_TRAINER, body=None, webhook=True):
        body = body if body is not None else {"images_data_url": "https://s3.example/ds.zip",
                                              "trigger_phrase": "TOK", "steps": 1000}
        status, ans = self.fal.submit(app, body, webhook_url=self.hook if webhook else None)
        self.assertEqual(status, 200, ans)
        return ans

    # ---- the happy path ------------------------------------------------------------
    def test_submit_status_result_webhook(self):
        self.fal.set_config(duration=1.2, queue_seconds=0.4, queue_position=3)
        ans = self.submit(body={"images_data_url": "https://s3.example/ds.zip", "steps": 1000})
        rid = ans["request_id"]
        uuid.UUID(rid)
        base = "%s/%s/requests/%s" % (self.fal.base_url, PORTRAIT_TRAINER, rid)
        self.assertEqual(ans, {"status": "IN_QUEUE", "request_id": rid, "gateway_request_id": rid,
                               "response_url": base, "status_url": base + "/status",
                               "cancel_url": base + "/cancel", "queue_position": 3})
        call = self.fal.wait_calls(1, endpoint="submit")[0]
        self.assertEqual(call["query"], {"fal_webhook": self.hook})
        self.assertEqual(call["headers"]["Authorization"], "Key <redacted>")
        self.assertTrue(call["auth_ok"])
        self.assertEqual(call["body"]["steps"], 1000)

        status, st = self.fal.api("GET", ans["status_url"])
        self.assertEqual((status, st["status"]), (202, "IN_QUEUE"))
        self.assertIn(st["queue_position"], (0, 1, 2, 3))
        self.assertIsNone(st["logs"])
        self.assertEqual(st["response_url"], base)

        seen_steps = []
        while True:
            status, st = self.fal.api("GET", ans["status_url"], query={"logs": "1"})
            if st["status"] == "COMPLETED":
                break
            self.assertEqual(status, 202)
            if st["status"] == "IN_PROGRESS":
                self.assertNotIn("queue_position", st)
                for log in st["logs"]:
                    self.assertEqual(set(log), {"message", "level", "source", "timestamp"})
                    if log["message"].startswith("Training step "):
                        seen_steps.append(log["message"])
                status, res = self.fal.api("GET", ans["response_url"])
                if status == 400:
                    self.assertEqual(res, {"detail": "Request is still in progress"})
            time.sleep(0.05)
        self.assertEqual(status, 200)
        self.assertIn("Training step 100/1000", " ".join(seen_steps))
        self.assertGreater(st["metrics"]["inference_time"], 0)
        self.assertIn("Training step 1000/1000, loss:", " ".join(l["message"] for l in st["logs"]))
        self.assertNotIn("error", st)
        status, st_nolog = self.fal.api("GET", ans["status_url"])
        self.assertEqual((status, st_nolog["logs"]), (200, None))

        status, out = self.fal.api("GET", ans["response_url"])
        self.assertEqual(status, 200)
        self.assertEqual(set(out), {"diffusers_lora_file", "config_file"})
        lora = out["diffusers_lora_file"]
        self.assertEqual((lora["file_name"], lora["content_type"]),
                         ("pytorch_lora_weights.safetensors", "application/octet-stream"))
        self.assertEqual(out["config_file"]["content_type"], "application/json")
        status, _, data = h.http_request("GET", lora["url"])
        self.assertEqual((status, len(data)), (200, lora["file_size"]))
        header_len = struct.unpack("<Q", data[:8])[0]
        self.assertIn("__metadata__", json.loads(data[8:8 + header_len]))
        status, _, cfg = h.http_request("GET", out["config_file"]["url"])
        self.assertEqual(json.loads(cfg)["steps"], 1000)

        post = self.rx.wait(self.hook_path, 1)[0]
        body = json.loads(post["body"])
        self.assertEqual(body, {"error": None, "gateway_request_id": rid, "payload": out,
                                "request_id": rid, "status": "OK"})
        self.assertTrue(post["body"].startswith(b'{"error": null, "gateway_request_id": '))
        hdr = post["headers"]
        self.assertEqual(hdr["X-Fal-Webhook-Request-Id"], rid)
        self.assertEqual(hdr["X-Fal-Webhook-User-Id"], self.fal.config()["user_id"])
        self.assertLess(abs(int(hdr["X-Fal-Webhook-Timestamp"]) - time.time()), 30)
        self.assertEqual(len(hdr["X-Fal-Webhook-Signature"]), 128)
        jwks = self.fal.jwks()
        self.assertEqual([(k["kty"], k["crv"]) for k in jwks["keys"]], [("OKP", "Ed25519")])
        self.assertEqual(len(base64.urlsafe_b64decode(jwks["keys"][0]["x"] + "=")), 32)
        self.assertTrue(verify_manually(jwks, hdr, post["body"]))
        self.assertEqual(verify_webhook(jwks, hdr, post["body"])[0], True)
        self.assertFalse(verify_manually(jwks, hdr, post["body"] + b" "))

        d = self.fal.wait_webhooks(1, request_id=rid, ok=True)[0]
        self.assertEqual((d["kind"], d["attempt"], d["http_status"], d["signed_with"]),
                         ("auto", 1, 200, "k1"))
        req = self.fal.request(rid)
        self.assertEqual((req["status"], req["outcome"], req["step"], req["steps_total"]),
                         ("COMPLETED", "ok", 1000, 1000))
        self.assertEqual(req["webhook_deliveries"], 1)

    def test_pro_trainer_and_fast_training(self):
        ans = self.submit(PRO_TRAINER, {"data_url": "https://s3.example/ds.zip",
                                        "finetune_comment": "avatar 42", "iterations": 300})
        self.assertIn("/fal-ai/flux-pro-trainer/requests/", ans["status_url"])
        req = self.fal.wait_request(ans["request_id"], outcome="ok")
        uuid.UUID(req["output"]["finetune_id"])
        msgs = [l["message"] for l in req["logs"]]
        self.assertIn("Finetuning progress: step 300/300", msgs)
        post = self.rx.wait(self.hook_path, 1)[0]
        self.assertEqual(json.loads(post["body"])["payload"], req["output"])

        ans = self.submit(FAST_TRAINER, {"images_data_url": "https://s3.example/d.zip",
                                         "is_style": True}, webhook=False)
        req = self.fal.wait_request(ans["request_id"], outcome="ok")
        self.assertIn("Training step 1000/1000", " ".join(l["message"] for l in req["logs"]))
        self.assertEqual(set(req["output"]), {"diffusers_lora_file", "config_file"})
        self.assertIsNone(req["webhook_url"])
        self.assertEqual(self.fal.webhook_deliveries(request_id=ans["request_id"]), [])

    # ---- errors --------------------------------------------------------------------
    def test_auth_failures(self):
        body = {"images_data_url": "https://s3.example/ds.zip"}
        self.assertEqual(self.fal.api("POST", "/" + PORTRAIT_TRAINER, body, auth=False)[0], 401)
        status, ans = self.fal.submit(PORTRAIT_TRAINER, body, key="abc:def")
        self.assertEqual((status, ans), (401, {"detail": "No user found for Key ID and Secret"}))
        status, ans = self.fal.submit(PORTRAIT_TRAINER, body, key="nocolon")
        self.assertEqual(status, 401)
        self.assertIn("Expected '<key_id>:<key_secret>'", ans["detail"])
        calls = self.fal.calls(endpoint="submit")
        self.assertEqual([(c["auth_present"], c["auth_ok"]) for c in calls],
                         [(False, False), (True, False), (True, False)])
        self.assertEqual(self.fal.requests(), [])
        good = self.submit(webhook=False)
        status, _ = self.fal.api("GET", good["status_url"], key="abc:def")
        self.assertEqual(status, 401)
        self.assertEqual(self.fal.api("GET", good["status_url"])[0], 202)
        self.assertNotIn(self.fal.key, json.dumps(self.fal.calls()))

    def test_unknown_app_and_request(self):
        status, ans = self.fal.submit("fal-ai/flux-lora-nonexistent", {"images_data_url": "x"})
        self.assertEqual(status, 404)
        self.assertIn("detail", ans)
        url = "%s/%s/requests/%s" % (self.fal.base_url, PORTRAIT_TRAINER, uuid.uuid4())
        self.assertEqual(self.fal.api("GET", url + "/status")[0], 404)
        self.assertEqual(self.fal.api("GET", url)[0], 404)
        self.assertEqual(self.fal.api("PUT", url + "/cancel"), (404, {"status": "NOT_FOUND"}))
        # The status URL names owner/name only; another app's path does not find it.
        ans = self.submit(webhook=False)
        wrong = ans["status_url"].replace(PORTRAIT_TRAINER, FAST_TRAINER)
        self.assertEqual(self.fal.api("GET", wrong)[0], 404)

    def test_validation_422(self):
        cases = [(PORTRAIT_TRAINER, {"steps": 100}, [["body", "images_data_url"]]),
                 (FAST_TRAINER, {}, [["body", "images_data_url"]]),
                 (PRO_TRAINER, {"finetune_comment": "x"}, [["body", "data_url"]]),
                 (PRO_TRAINER, {}, [["body", "data_url"], ["body", "finetune_comment"]]),
                 (PORTRAIT_TRAINER, {"images_data_url": "u", "steps": "many"},
                  [["body", "steps"]])]
        for app, body, locs in cases:
            status, ans = self.fal.submit(app, body)
            self.assertEqual(status, 422, (app, body))
            self.assertEqual([e["loc"] for e in ans["detail"]], locs)
            for e in ans["detail"]:
                self.assertTrue({"loc", "msg", "type"} <= set(e))
        self.assertEqual(self.fal.calls(endpoint="submit")[0]["response"]["detail"][0]["type"],
                         "missing")
        self.assertEqual(self.fal.requests(), [])

    def test_runner_validation_fails_asynchronously(self):
        self.fal.set_config(validation="runner")
        ans = self.submit(body={"steps": 100})
        req = self.fal.wait_request(ans["request_id"], outcome="error")
        status, res = self.fal.api("GET", ans["response_url"])
        self.assertEqual(status, 422)
        self.assertEqual(res["detail"][0]["loc"], ["body", "images_data_url"])
        status, st = self.fal.api("GET", ans["status_url"])
        self.assertEqual((status, st["status"], st["error"]),
                         (200, "COMPLETED", "Invalid status code: 422"))
        body = json.loads(self.rx.wait(self.hook_path, 1)[0]["body"])
        self.assertEqual((body["status"], body["error"]), ("ERROR", "Invalid status code: 422"))
        self.assertEqual(body["payload"]["detail"], req["error"]["detail"])

    def test_training_failure(self):
        detail = [{"loc": ["body", "images_data_url"], "msg": "No faces found",
                   "type": "value_error"}]
        self.fal.fault("fail", status=422, detail=detail)
        ans = self.submit()
        ok = self.submit()
        self.fal.wait_request(ans["request_id"], outcome="error")
        self.fal.wait_request(ok["request_id"], outcome="ok")
        self.assertEqual(self.fal.api("GET", ans["response_url"]), (422, {"detail": detail}))
        posts = self.rx.wait(self.hook_path, 2)
        by_id = {json.loads(p["body"])["request_id"]: json.loads(p["body"]) for p in posts}
        self.assertEqual(by_id[ans["request_id"]],
                         {"error": "Invalid status code: 422",
                          "gateway_request_id": ans["request_id"], "payload": {"detail": detail},
                          "request_id": ans["request_id"], "status": "ERROR"})
        self.assertEqual(by_id[ok["request_id"]]["status"], "OK")
        # An infrastructure error: detail string + error_type, also as a header.
        self.fal.fault("fail", status=504, detail="Request timed out", error_type="request_timeout")
        ans = self.submit(webhook=False)
        self.fal.wait_request(ans["request_id"], outcome="error")
        status, hdrs, raw = h.http_request("GET", ans["response_url"],
                                           headers={"Authorization": "Key " + self.fal.key})
        self.assertEqual((status, json.loads(raw)),
                         (504, {"detail": "Request timed out", "error_type": "request_timeout"}))
        self.assertEqual(hdrs["x-fal-error-type"], "request_timeout")

    # ---- cancel --------------------------------------------------------------------
    def test_cancel(self):
        self.fal.set_config(duration=5.0, queue_seconds=3.0)
        queued = self.submit()
        self.assertEqual(self.fal.api("PUT", queued["cancel_url"]),
                         (202, {"status": "CANCELLATION_REQUESTED"}))
        req = self.fal.wait_request(queued["request_id"], outcome="cancelled", timeout=2)
        self.assertTrue(req["cancel_requested"])
        self.assertEqual(self.fal.api("PUT", queued["cancel_url"]),
                         (400, {"status": "ALREADY_COMPLETED"}))
        status, st = self.fal.api("GET", queued["status_url"])
        self.assertEqual((status, st["status"], st["error"]),
                         (200, "COMPLETED", "Request cancelled"))
        self.assertEqual(self.fal.api("GET", queued["response_url"])[0], 400)
        post = self.rx.wait(self.hook_path, 1)[0]
        self.assertEqual(json.loads(post["body"])["status"], "ERROR")

        # In progress: stops shortly after (or, with "ignore", runs to the end).
        self.fal.set_config(queue_seconds=0, duration=30, auto_complete=False, cancel_delay=0.2,
                            webhook_on_cancel=False)
        running = self.submit()
        self.fal.wait_request(running["request_id"], status="IN_PROGRESS")
        self.assertEqual(self.fal.api("PUT", running["cancel_url"])[0], 202)
        self.assertEqual(self.fal.request(running["request_id"])["status"], "IN_PROGRESS")
        self.fal.wait_request(running["request_id"], outcome="cancelled", timeout=3)
        self.fal.set_config(cancel_in_progress="ignore", duration=0.5, auto_complete=True)
        stubborn = self.submit()
        self.fal.wait_request(stubborn["request_id"], status="IN_PROGRESS")
        self.assertEqual(self.fal.api("PUT", stubborn["cancel_url"])[0], 202)
        self.fal.wait_request(stubborn["request_id"], outcome="ok")
        time.sleep(0.3)
        self.assertEqual(len(self.rx.got(self.hook_path)), 2)   # no webhook for `running`

    # ---- endpoint faults -----------------------------------------------------------
    def test_submit_faults(self):
        self.fal.fault("503", count=2)
        body = {"images_data_url": "https://s3.example/ds.zip"}
        for _ in range(2):
            status, ans = self.fal.submit(PORTRAIT_TRAINER, body)
            self.assertEqual(status, 503)
            self.assertEqual(ans["error_type"], "runner_scheduling_failure")
        self.assertEqual(self.fal.submit(PORTRAIT_TRAINER, body)[0], 200)

        self.fal.fault("429", retry_after=7)
        status, hdrs, _ = h.http_request("POST", "%s/%s" % (self.fal.base_url, PORTRAIT_TRAINER),
                                         json.dumps(body).encode(),
                                         {"Authorization": "Key " + self.fal.key})
        self.assertEqual((status, hdrs["retry-after"]), (429, "7"))
        self.fal.fault("502")
        status, ans = self.fal.submit(PORTRAIT_TRAINER, body)
        self.assertEqual(status, 502)
        self.assertIn(b"nginx", ans)
        self.fal.fault("http", status=403, detail="User is locked. Reason: Exhausted balance.")
        self.assertEqual(self.fal.submit(PORTRAIT_TRAINER, body),
                         (403, {"detail": "User is locked. Reason: Exhausted balance."}))
        self.assertEqual(len(self.fal.requests()), 1)

        self.fal.fault("drop")
        with self.assertRaises((ConnectionError, OSError)):
            self.fal.submit(PORTRAIT_TRAINER, body)
        self.assertEqual(len(self.fal.requests()), 1)
        self.fal.fault("drop", process=True)       # accepted, but the answer is lost
        with self.assertRaises((ConnectionError, OSError)):
            self.fal.submit(PORTRAIT_TRAINER, body)
        self.assertEqual(len(self.fal.requests()), 2)
        self.fal.fault("stall", seconds=0.6)
        with self.assertRaises((TimeoutError, socket.timeout)):
            self.fal.api("POST", "/" + PORTRAIT_TRAINER, body, timeout=0.2)
        h.wait_until(lambda: len(self.fal.requests()) == 3, timeout=5,
                     message="the stalled submit to be processed")
        faults = [c["fault"] for c in self.fal.calls(endpoint="submit")]
        self.assertEqual(faults, ["503", "503", None, "429", "502", "http", "drop", "drop",
                                  "stall"])
        self.assertEqual(self.fal.calls(endpoint="submit")[6]["http_status"], 0)

    def test_submit_faults_after_acceptance(self):
        body = {"images_data_url": "https://s3.example/ds.zip"}
        # accepted at once, answered only after the client gave up
        self.fal.fault("stall", seconds=1.0, process=True)
        started = time.monotonic()
        with self.assertRaises((TimeoutError, socket.timeout)):
            self.fal.api("POST", "/" + PORTRAIT_TRAINER, body, timeout=0.3)
        self.assertEqual(len(self.fal.requests()), 1)  # already queued when the client gave up
        self.assertLess(time.monotonic() - started, 0.9)
        # accepted, answered 200 with a body cut short
        self.fal.fault("malformed")
        status, ans = self.fal.submit(PORTRAIT_TRAINER, body)
        self.assertEqual(status, 200)
        self.assertIsInstance(ans, bytes)  # not JSON
        with self.assertRaises(ValueError):
            json.loads(ans.decode())
        self.assertIn(b'"request_id"', ans)
        self.assertEqual(len(self.fal.requests()), 2)
        h.wait_until(lambda: len(self.fal.calls(endpoint="submit")) == 2, timeout=5,
                     message="the stalled answer to be sent")
        self.assertEqual(sorted((c["fault"], c["http_status"])
                                for c in self.fal.calls(endpoint="submit")),
                         [("malformed", 200), ("stall", 200)])

    def test_request_listing(self):
        first = self.submit(body={"images_data_url": "https://s3.example/a.zip"})
        other = self.fal.submit(FAST_TRAINER, {"images_data_url": "https://s3.example/b.zip"})[1]
        second = self.submit(body={"images_data_url": "https://s3.example/c.zip"})
        status, ans = self.fal.listing(PORTRAIT_TRAINER, expand="payloads")
        self.assertEqual(status, 200)
        self.assertEqual([i["request_id"] for i in ans["items"]],
                         [second["request_id"], first["request_id"]])  # newest first
        item = ans["items"][1]
        self.assertEqual(item["json_input"], {"images_data_url": "https://s3.example/a.zip"})
        self.assertEqual(item["endpoint_id"], PORTRAIT_TRAINER)
        self.assertIsNone(item["ended_at"])  # still running
        self.assertFalse(ans["has_more"])
        both = self.fal.listing(PORTRAIT_TRAINER + "," + FAST_TRAINER, limit=2)[1]
        self.assertEqual(len(both["items"]), 2)
        self.assertNotIn("json_input", both["items"][0])  # payloads only with expand
        self.assertTrue(both["has_more"])
        rest = self.fal.listing(PORTRAIT_TRAINER + "," + FAST_TRAINER, limit=2,
                                cursor=both["next_cursor"])[1]
        self.assertEqual([i["request_id"] for i in rest["items"]], [first["request_id"]])
        self.assertIn(other["request_id"], [i["request_id"] for i in both["items"]])
        self.fal.wait_request(first["request_id"], status="COMPLETED", timeout=5)
        done = [i for i in self.fal.listing(PORTRAIT_TRAINER)[1]["items"]
                if i["request_id"] == first["request_id"]][0]
        self.assertTrue(done["ended_at"])
        self.assertEqual(done["status_code"], 200)
        # the listing lags behind the queue, as FAL's analytics do
        time.sleep(0.5)
        self.fal.set_config(listing_lag=0.5)
        self.submit()
        self.assertEqual(len(self.fal.listing(PORTRAIT_TRAINER)[1]["items"]), 2)
        time.sleep(0.6)
        self.assertEqual(len(self.fal.listing(PORTRAIT_TRAINER)[1]["items"]), 3)
        self.assertEqual(self.fal.listing(PORTRAIT_TRAINER, start="2999-01-01T00:00:00Z")[1]
                         ["items"], [])
        self.assertEqual(self.fal.api("GET", "/v1/models/requests/by-endpoint",
                                      query={"endpoint_id": PORTRAIT_TRAINER}, key="bad")[0], 401)

    def test_status_and_result_faults(self):
        ans = self.submit(webhook=False)
        self.fal.fault("500", endpoint="status", count=2)
        self.assertEqual(self.fal.api("GET", ans["status_url"])[0], 500)
        self.assertEqual(self.fal.api("GET", ans["status_url"])[0], 500)
        self.assertIn(self.fal.api("GET", ans["status_url"])[0], (200, 202))
        self.fal.wait_request(ans["request_id"], outcome="ok")
        self.fal.fault("504", endpoint="result", request_id=ans["request_id"])
        self.assertEqual(self.fal.api("GET", ans["response_url"])[0], 504)
        self.assertEqual(self.fal.api("GET", ans["response_url"])[0], 200)

    # ---- generation ----------------------------------------------------------------
    # The inputs avatarbot sends (src/fal/generators.c: the table's defaults, then prompt,
    # num_images, seed and the size, LoRA or finetune).
    def lora_input(self, **kw):
        body = {"num_inference_steps": 28, "guidance_scale": 3.5, "enable_safety_checker": True,
                "output_format": "jpeg", "prompt": "TOK, a studio portrait", "num_images": 2,
                "seed": 1234, "image_size": "portrait_4_3",
                "loras": [{"path": self.fal.base_url + "/files/abc/pytorch_lora_weights"
                                                      ".safetensors", "scale": 1.0}]}
        body.update(kw)
        return body

    def ultra_input(self, **kw):
        body = {"finetune_strength": 1.0, "safety_tolerance": "2", "enable_safety_checker": True,
                "output_format": "jpeg", "raw": False, "prompt": "TOK, on a beach",
                "num_images": 1, "seed": 99, "aspect_ratio": "16:9",
                "finetune_id": "3f1b7c52-6c9e-4c1e-9d0e-2b1a2c3d4e5f"}
        body.update(kw)
        return body

    def fetch_image(self, image):
        status, hdrs, data = h.http_request("GET", image["url"])
        self.assertEqual((status, hdrs["content-type"]), (200, image["content_type"]))
        return data

    def test_generation_lora(self):
        self.fal.set_config(queue_seconds=0.3, queue_position=3)
        body = self.lora_input()
        ans = self.submit(LORA_GENERATOR, body)
        rid = ans["request_id"]
        base = "%s/%s/requests/%s" % (self.fal.base_url, LORA_GENERATOR, rid)
        self.assertEqual((ans["status_url"], ans["response_url"], ans["queue_position"]),
                         (base + "/status", base, 3))
        seen = []
        while True:
            status, st = self.fal.api("GET", ans["status_url"], query={"logs": "1"})
            if not seen or seen[-1][0] != st["status"]:
                seen.append((st["status"], status, st.get("queue_position")))
            if st["status"] == "COMPLETED":
                break
            time.sleep(0.03)
        self.assertEqual([s[0] for s in seen], ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"])
        self.assertEqual([s[1] for s in seen], [202, 202, 200])
        self.assertIn(seen[0][2], (1, 2, 3))
        self.assertIn("Generating: step 28/28", [l["message"] for l in st["logs"]])
        req = self.fal.request(rid)
        # a generation takes about a second by default, whatever the trainings' duration
        self.assertGreaterEqual(req["completed_at"] - req["submitted_at"], 0.95)
        self.assertLess(req["completed_at"] - req["submitted_at"], 2.5)

        status, out = self.fal.api("GET", ans["response_url"])
        self.assertEqual(status, 200)
        self.assertEqual(set(out), {"images", "timings", "seed", "has_nsfw_concepts", "prompt"})
        self.assertEqual((out["seed"], out["prompt"], out["has_nsfw_concepts"]),
                         (1234, "TOK, a studio portrait", [False, False]))
        self.assertGreater(out["timings"]["inference"], 0)
        self.assertEqual([{k: v for k, v in i.items() if k != "url"} for i in out["images"]],
                         [{"width": 768, "height": 1024, "content_type": "image/jpeg"}] * 2)
        datas = [self.fetch_image(i) for i in out["images"]]
        for data in datas:
            self.assertEqual(jpeg_size(data), (768, 1024))
            self.assertTrue(data.endswith(b"\xff\xd9"))
        self.assertNotEqual(datas[0], datas[1])
        self.assertLess(len(datas[0]), 64 * 1024)

        post = self.rx.wait(self.hook_path, 1)[0]
        self.assertTrue(verify_webhook(self.fal.jwks(), post["headers"], post["body"])[0])
        self.assertEqual(json.loads(post["body"]),
                         {"error": None, "gateway_request_id": rid, "payload": out,
                          "request_id": rid, "status": "OK"})

        # every image_size name, a custom size; a seed is made up when none is given
        self.fal.set_config(generation_duration=0.2, queue_seconds=0.05)
        sizes = {"square_hd": (1024, 1024), "portrait_16_9": (576, 1024),
                 "landscape_4_3": (1024, 768), "landscape_16_9": (1024, 576),
                 "square": (512, 512)}
        cases = [(n, self.submit(LORA_GENERATOR, self.lora_input(image_size=n, num_images=1),
                                 webhook=False)) for n in sizes]
        custom = self.submit(LORA_GENERATOR, {"prompt": "TOK",
                                              "image_size": {"width": 640, "height": 480}},
                             webhook=False)
        for name, a in cases:
            img = self.fal.wait_request(a["request_id"], outcome="ok")["output"]["images"][0]
            self.assertEqual((img["width"], img["height"]), sizes[name], name)
            self.assertEqual(jpeg_size(self.fetch_image(img)), sizes[name], name)
        out = self.fal.wait_request(custom["request_id"], outcome="ok")["output"]
        self.assertEqual(jpeg_size(self.fetch_image(out["images"][0])), (640, 480))
        self.assertEqual(len(out["images"]), 1)          # num_images defaults to 1
        self.assertIsInstance(out["seed"], int)

    def test_generation_finetuned_subpath_urls(self):
        self.fal.set_config(generation_duration=0.4)
        body = self.ultra_input()
        ans = self.submit(FINETUNE_GENERATOR, body)
        rid = ans["request_id"]
        call = self.fal.wait_calls(1, endpoint="submit")[0]
        self.assertEqual((call["path"], call["app_id"]), ("/" + FINETUNE_GENERATOR,
                                                          FINETUNE_GENERATOR))
        # FAL's request URLs name owner/name only, without the app's subpath
        base = "%s/fal-ai/flux-pro/requests/%s" % (self.fal.base_url, rid)
        self.assertEqual((ans["response_url"], ans["status_url"], ans["cancel_url"]),
                         (base, base + "/status", base + "/cancel"))
        self.assertIn(self.fal.api("GET", ans["status_url"])[0], (200, 202))
        with_subpath = "%s/%s/requests/%s" % (self.fal.base_url, FINETUNE_GENERATOR, rid)
        for method, url in (("GET", with_subpath + "/status"), ("GET", with_subpath),
                            ("PUT", with_subpath + "/cancel")):
            self.assertEqual(self.fal.api(method, url)[0], 404, url)
        req = self.fal.wait_request(rid, outcome="ok")
        self.assertEqual(req["app_id"], FINETUNE_GENERATOR)
        status, out = self.fal.api("GET", ans["response_url"])
        self.assertEqual(status, 200)
        self.assertEqual([(i["width"], i["height"], i["content_type"]) for i in out["images"]],
                         [(2752, 1536, "image/jpeg")])
        self.assertEqual((out["seed"], out["prompt"], out["has_nsfw_concepts"]),
                         (99, "TOK, on a beach", [False]))
        self.assertEqual(jpeg_size(self.fetch_image(out["images"][0])), (2752, 1536))
        post = self.rx.wait(self.hook_path, 1)[0]
        self.assertEqual(post["headers"]["X-Fal-Webhook-Request-Id"], rid)
        self.assertTrue(verify_manually(self.fal.jwks(), post["headers"], post["body"]))
        self.assertEqual(json.loads(post["body"])["payload"], out)

        # about 4 MP in every aspect ratio avatarbot offers
        ratios = {"1:1": (2048, 2048), "3:4": (1792, 2368), "4:3": (2368, 1792),
                  "9:16": (1536, 2752)}
        subs = {r: self.submit(FINETUNE_GENERATOR, self.ultra_input(aspect_ratio=r),
                               webhook=False) for r in ratios}
        for r, a in subs.items():
            img = self.fal.wait_request(a["request_id"], outcome="ok")["output"]["images"][0]
            self.assertEqual(jpeg_size(self.fetch_image(img)), ratios[r], r)

        # cancel under owner/name; the listing names the full endpoint id with the input
        self.fal.set_config(generation_duration=5, queue_seconds=4)
        queued = self.submit(FINETUNE_GENERATOR, self.ultra_input(seed=5), webhook=False)
        self.assertEqual(self.fal.api("PUT", queued["cancel_url"]),
                         (202, {"status": "CANCELLATION_REQUESTED"}))
        self.fal.wait_request(queued["request_id"], outcome="cancelled", timeout=2)
        status, listing = self.fal.listing(FINETUNE_GENERATOR, expand="payloads")
        self.assertEqual(status, 200)
        items = {i["request_id"]: i for i in listing["items"]}
        self.assertEqual(len(items), 6)
        self.assertEqual(items[rid]["json_input"], body)
        self.assertEqual(items[rid]["endpoint_id"], FINETUNE_GENERATOR)
        self.assertEqual(items[rid]["json_output"], out)
        self.assertEqual(items[queued["request_id"]]["json_input"]["seed"], 5)
        self.assertEqual(self.fal.listing(LORA_GENERATOR)[1]["items"], [])

    def test_generation_validation_422(self):
        lora, ultra = self.lora_input, self.ultra_input
        no_id = ultra()
        del no_id["finetune_id"]
        cases = [(FINETUNE_GENERATOR, ultra(aspect_ratio="32:9"), [["body", "aspect_ratio"]]),
                 (FINETUNE_GENERATOR, ultra(aspect_ratio="square_hd"),
                  [["body", "aspect_ratio"]]),
                 (FINETUNE_GENERATOR, ultra(num_images=5), [["body", "num_images"]]),
                 (FINETUNE_GENERATOR, ultra(num_images=0), [["body", "num_images"]]),
                 (FINETUNE_GENERATOR, no_id, [["body", "finetune_id"]]),
                 (FINETUNE_GENERATOR, ultra(finetune_strength=2.5),
                  [["body", "finetune_strength"]]),
                 (FINETUNE_GENERATOR, ultra(safety_tolerance=2), [["body", "safety_tolerance"]]),
                 (FINETUNE_GENERATOR, ultra(raw="no"), [["body", "raw"]]),
                 (LORA_GENERATOR, lora(num_images=5), [["body", "num_images"]]),
                 (LORA_GENERATOR, lora(num_images="2"), [["body", "num_images"]]),
                 (LORA_GENERATOR, lora(image_size="huge"), [["body", "image_size"]]),
                 (LORA_GENERATOR, lora(image_size={"width": 0, "height": 512}),
                  [["body", "image_size", "width"]]),
                 (LORA_GENERATOR, lora(loras=[{"scale": 1.0}]), [["body", "loras", 0, "path"]]),
                 (LORA_GENERATOR, lora(loras=[{"path": "u", "scale": 5}]),
                  [["body", "loras", 0, "scale"]]),
                 (LORA_GENERATOR, lora(output_format="webp"), [["body", "output_format"]]),
                 (LORA_GENERATOR, lora(prompt=None, seed="x"),
                  [["body", "prompt"], ["body", "seed"]]),
                 (LORA_GENERATOR, {"image_size": "square_hd"}, [["body", "prompt"]])]
        for app, body, locs in cases:
            status, ans = self.fal.submit(app, body)
            self.assertEqual(status, 422, (app, body))
            self.assertEqual([e["loc"] for e in ans["detail"]], locs, body)
        status, ans = self.fal.submit(FINETUNE_GENERATOR, ultra(aspect_ratio="32:9"))
        self.assertEqual(ans["detail"][0]["type"], "literal_error")
        self.assertIn("'16:9'", ans["detail"][0]["msg"])
        self.assertEqual(self.fal.requests(), [])
        # fields outside the schema are ignored, as FAL does; PNG when asked for
        ans = self.submit(LORA_GENERATOR, lora(num_images=1, output_format="png",
                                               unknown_knob=[1, 2]), webhook=False)
        img = self.fal.wait_request(ans["request_id"], outcome="ok")["output"]["images"][0]
        self.assertEqual(img["content_type"], "image/png")
        data = self.fetch_image(img)
        self.assertEqual((data[:8], data[12:16], struct.unpack(">II", data[16:24])),
                         (b"\x89PNG\r\n\x1a\n", b"IHDR", (768, 1024)))

    def test_generation_nsfw(self):
        self.fal.set_config(generation_duration=0.3, nsfw=[False, True])
        flagged = self.submit(LORA_GENERATOR, self.lora_input(num_images=3))
        self.fal.set_config(nsfw=1)
        first = self.submit(FINETUNE_GENERATOR, self.ultra_input(num_images=2), webhook=False)
        unchecked = self.submit(LORA_GENERATOR, self.lora_input(enable_safety_checker=False),
                                webhook=False)
        out = self.fal.wait_request(flagged["request_id"], outcome="ok")["output"]
        self.assertEqual(out["has_nsfw_concepts"], [False, True, False])
        datas = [self.fetch_image(i) for i in out["images"]]
        self.assertEqual({jpeg_size(d) for d in datas}, {(768, 1024)})
        self.assertNotEqual(datas[0], datas[1])          # the flagged one is blacked out
        post = self.rx.wait(self.hook_path, 1)[0]
        self.assertEqual(json.loads(post["body"])["payload"]["has_nsfw_concepts"],
                         [False, True, False])
        self.assertEqual(self.fal.wait_request(first["request_id"], outcome="ok")
                         ["output"]["has_nsfw_concepts"], [True, False])
        self.assertEqual(self.fal.wait_request(unchecked["request_id"], outcome="ok")
                         ["output"]["has_nsfw_concepts"], [False, False])
        with self.assertRaises(RuntimeError):
            self.fal.set_config(nsfw="yes")

    def test_generation_failures_and_faults(self):
        self.fal.set_config(generation_duration=0.3)
        detail = [{"loc": ["body", "prompt"], "msg": "content policy", "type": "value_error"}]
        self.fal.fault("fail", app_id=LORA_GENERATOR, detail=detail)
        trainer = self.submit(body={"images_data_url": "https://s3.example/ds.zip"},
                              webhook=False)
        ultra = self.submit(FINETUNE_GENERATOR, self.ultra_input(), webhook=False)
        failed = self.submit(LORA_GENERATOR, self.lora_input())
        self.fal.wait_request(failed["request_id"], outcome="error")
        self.assertEqual(self.fal.api("GET", failed["response_url"]), (422, {"detail": detail}))
        body = json.loads(self.rx.wait(self.hook_path, 1)[0]["body"])
        self.assertEqual((body["status"], body["error"], body["payload"]),
                         ("ERROR", "Invalid status code: 422", {"detail": detail}))
        self.fal.wait_request(ultra["request_id"], outcome="ok")
        self.fal.wait_request(trainer["request_id"], outcome="ok")
        self.fal.fault("fail", app_id=FINETUNE_GENERATOR, status=500)
        ans = self.submit(FINETUNE_GENERATOR, self.ultra_input(), webhook=False)
        req = self.fal.wait_request(ans["request_id"], outcome="error")
        self.assertEqual(req["error"]["detail"][0]["msg"], "Image generation failed")
        self.assertEqual(self.fal.api("GET", ans["response_url"])[0], 500)

        # endpoint and webhook faults reach the generators too
        self.fal.fault("503", app_id=FINETUNE_GENERATOR)
        self.assertEqual(self.fal.submit(LORA_GENERATOR, self.lora_input())[0], 200)
        self.assertEqual(self.fal.submit(FINETUNE_GENERATOR, self.ultra_input())[0], 503)
        ans = self.submit(FINETUNE_GENERATOR, self.ultra_input(), webhook=False)
        self.fal.fault("500", endpoint="status", request_id=ans["request_id"])
        self.assertEqual(self.fal.api("GET", ans["status_url"])[0], 500)
        self.assertIn(self.fal.api("GET", ans["status_url"])[0], (200, 202))
        tampered = self.submit(LORA_GENERATOR, self.lora_input())
        self.fal.fault("webhook_tamper", request_id=tampered["request_id"])
        self.fal.wait_request(tampered["request_id"], status="COMPLETED")
        d = self.fal.wait_webhooks(1, request_id=tampered["request_id"])[0]
        self.assertTrue(d["tampered"])
        self.assertEqual(json.loads(d["body_text"])["payload"]["images"][0]["url"],
                         "https://attacker.example/image.jpg")

    # ---- webhooks ------------------------------------------------------------------
    def test_webhook_retries_on_non_2xx(self):
        self.rx.script(self.hook_path, [500, 503])
        self.fal.set_config(webhook_retries=3, webhook_retry_interval=0.1)
        ans = self.submit()
        attempts = self.fal.wait_webhooks(3, request_id=ans["request_id"])
        self.assertEqual([(a["attempt"], a["http_status"]) for a in attempts],
                         [(1, 500), (2, 503), (3, 200)])
        posts = self.rx.got(self.hook_path)
        self.assertEqual(len({p["body"] for p in posts}), 1)      # the same body each time
        self.assertTrue(all(verify_manually(self.fal.jwks(), p["headers"], p["body"])
                            for p in posts))
        # Nobody listening: attempts with an error and no status, then it gives up.
        self.fal.set_config(webhook_retries=2)
        status, ans = self.fal.submit(PORTRAIT_TRAINER, {"images_data_url": "u"},
                                      webhook_url="http://127.0.0.1:%d/x" % h.free_port())
        attempts = self.fal.wait_webhooks(2, request_id=ans["request_id"])
        self.assertTrue(all(a["http_status"] is None and a["error"] for a in attempts))

    def test_webhook_faults(self):
        jwks = self.fal.jwks()
        cases = {}
        for kind, params in (("webhook_drop", {}), ("webhook_duplicate", {"times": 3}),
                             ("webhook_tamper", {}), ("webhook_forge", {}),
                             ("webhook_expired", {}), ("webhook_unsigned", {}),
                             ("webhook_delay", {"seconds": 0.8})):
            ans = self.submit()
            self.fal.fault(kind, request_id=ans["request_id"], **params)
            cases[kind] = ans["request_id"]
        for rid in cases.values():
            self.fal.wait_request(rid, status="COMPLETED")
        posts = self.rx.wait(self.hook_path, 8)    # 3 duplicates + 5 others, none dropped
        time.sleep(0.2)
        by_id = collections.defaultdict(list)
        for p in self.rx.got(self.hook_path):
            by_id[p["headers"]["X-Fal-Webhook-Request-Id"]].append(p)
        self.assertNotIn(cases["webhook_drop"], by_id)
        dropped = self.fal.webhook_deliveries(request_id=cases["webhook_drop"])
        self.assertEqual([(d["sent"], d["faults"]) for d in dropped], [(False, ["webhook_drop"])])
        dups = by_id[cases["webhook_duplicate"]]
        self.assertEqual(len(dups), 3)
        self.assertEqual(len({p["body"] for p in dups}), 1)
        self.assertTrue(all(verify_manually(jwks, p["headers"], p["body"]) for p in dups))
        tampered = by_id[cases["webhook_tamper"]][0]
        self.assertFalse(verify_manually(jwks, tampered["headers"], tampered["body"]))
        self.assertIn(b"attacker.example", tampered["body"])
        forged = by_id[cases["webhook_forge"]][0]
        self.assertFalse(verify_manually(jwks, forged["headers"], forged["body"]))
        self.assertEqual(verify_webhook(jwks, forged["headers"], forged["body"])[1],
                         "no key of the JWKS verifies the signature")
        forged_key = {"keys": [{"kty": "OKP", "crv": "Ed25519",
                                "x": self.fal.public_keys()["forged"]}]}
        self.assertTrue(verify_manually(forged_key, forged["headers"], forged["body"]))
        expired = by_id[cases["webhook_expired"]][0]
        self.assertTrue(verify_manually(jwks, expired["headers"], expired["body"]))
        age = time.time() - int(expired["headers"]["X-Fal-Webhook-Timestamp"])
        self.assertGreater(age, 590)
        self.assertEqual(verify_webhook(jwks, expired["headers"], expired["body"]),
                         (False, "timestamp out of range"))
        unsigned = by_id[cases["webhook_unsigned"]][0]
        self.assertNotIn("X-Fal-Webhook-Signature", unsigned["headers"])
        delayed = by_id[cases["webhook_delay"]][0]
        done = self.fal.request(cases["webhook_delay"])["completed_at"]
        self.assertGreater(delayed["time"] - done, 0.7)

    def test_webhook_reorder(self):
        self.fal.set_config(duration=0.4, queue_seconds=0.1)
        first = self.submit()
        self.fal.fault("webhook_reorder", request_id=first["request_id"], seconds=5)
        time.sleep(0.3)
        second = self.submit()
        self.rx.wait(self.hook_path, 2)
        order = [json.loads(p["body"])["request_id"] for p in self.rx.got(self.hook_path)]
        self.assertEqual(order, [second["request_id"], first["request_id"]])
        self.assertLess(self.fal.request(first["request_id"])["completed_at"],
                        self.fal.request(second["request_id"])["completed_at"])

    def test_next_webhook_fault_without_request_id(self):
        self.fal.fault("webhook_duplicate", times=2)
        a = self.submit()
        self.fal.wait_request(a["request_id"], outcome="ok")
        b = self.submit()
        self.fal.wait_request(b["request_id"], outcome="ok")
        self.rx.wait(self.hook_path, 3)
        time.sleep(0.2)
        ids = [json.loads(p["body"])["request_id"] for p in self.rx.got(self.hook_path)]
        self.assertEqual(sorted(ids.count(x) for x in (a["request_id"], b["request_id"])), [1, 2])
        self.assertEqual(ids.count(a["request_id"]), 2)

    def test_redeliver_send_webhook_and_complete(self):
        self.fal.set_config(auto_complete=False)
        ans = self.submit()
        rid = ans["request_id"]
        self.fal.wait_request(rid, status="IN_PROGRESS")
        time.sleep(0.7)
        self.assertEqual(self.fal.request(rid)["status"], "IN_PROGRESS")   # held
        self.assertEqual(self.rx.got(self.hook_path), [])
        req = self.fal.complete(rid)
        self.assertEqual((req["status"], req["outcome"]), ("COMPLETED", "ok"))
        first = self.rx.wait(self.hook_path, 1)[0]
        attempts = self.fal.redeliver(rid)
        self.assertEqual([(a["kind"], a["http_status"]) for a in attempts], [("redeliver", 200)])
        posts = self.rx.wait(self.hook_path, 2)
        self.assertEqual(posts[0]["body"], posts[1]["body"])
        self.assertNotEqual(posts[1]["headers"]["X-Fal-Webhook-Signature"], "")
        self.assertTrue(verify_manually(self.fal.jwks(), posts[1]["headers"], posts[1]["body"]))
        self.assertEqual(first["headers"]["X-Fal-Webhook-Request-Id"], rid)

        ans2 = self.submit()
        self.fal.complete(ans2["request_id"], outcome="error", status=422,
                          detail=[{"loc": ["body"], "msg": "bad", "type": "value_error"}])
        self.assertEqual(self.fal.api("GET", ans2["response_url"])[0], 422)

        jwks = self.fal.jwks()
        crafted = {"request_id": rid, "gateway_request_id": rid, "status": "OK", "error": None,
                   "payload": {"diffusers_lora_file": {"url": "https://evil.example/x"}}}
        for kwargs, valid in (({}, True), ({"key": "forged"}, False), ({"tamper": True}, False),
                              ({"timestamp": int(time.time()) - 3600}, True)):
            a = self.fal.send_webhook(self.hook, crafted, **kwargs)
            self.assertEqual((a["kind"], a["http_status"]), ("manual", 200))
            post = self.rx.got(self.hook_path)[-1]
            self.assertEqual(verify_manually(jwks, post["headers"], post["body"]), valid, kwargs)
        a = self.fal.send_webhook(self.hook, "not json at all", sign=False, request_id="r-1")
        post = self.rx.got(self.hook_path)[-1]
        self.assertEqual((post["body"], post["headers"]["X-Fal-Webhook-Request-Id"]),
                         (b"not json at all", "r-1"))
        self.assertNotIn("X-Fal-Webhook-Signature", post["headers"])
        self.assertIsNone(a["signed_with"])

    def test_key_rotation(self):
        self.fal.set_config(signing_key="k2", jwks_keys=["k1", "k2"])
        jwks = self.fal.jwks()
        self.assertEqual(len(jwks["keys"]), 2)
        ans = self.submit()
        post = self.rx.wait(self.hook_path, 1)[0]
        self.assertTrue(verify_manually(jwks, post["headers"], post["body"]))
        only_k1 = {"keys": [k for k in jwks["keys"] if k["kid"].endswith("k1")]}
        self.assertFalse(verify_manually(only_k1, post["headers"], post["body"]))
        self.assertEqual(self.fal.wait_webhooks(1, request_id=ans["request_id"])[0]["signed_with"],
                         "k2")

    # ---- dataset check -------------------------------------------------------------
    def test_dataset_check(self):
        self.fal.set_config(check_dataset=True)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "dataset.zip"
            path.write_bytes(make_zip(12, captions=True))
            ans = self.submit(body={"images_data_url": path.as_uri()})
            ds = self.fal.wait_dataset(ans["request_id"])
            self.assertEqual((ds["ok"], ds["is_zip"], ds["entries"], ds["image_entries"],
                              ds["caption_entries"]), (True, True, 24, 12, 12))
            self.assertEqual(ds["size"], path.stat().st_size)
            self.fal.wait_request(ans["request_id"], outcome="ok")

        # Over HTTP (like a presigned S3 URL), and a URL that answers 403.
        zip_bytes = make_zip(10)
        self.rx.files["/bucket/ds.zip?X-Amz-Signature=abc"] = zip_bytes
        ok = self.submit(FAST_TRAINER, {"images_data_url":
                                        self.rx.url + "/bucket/ds.zip?X-Amz-Signature=abc"})
        bad = self.submit(FAST_TRAINER, {"images_data_url": self.rx.url + "/bucket/expired.zip"})
        ds = self.fal.wait_dataset(ok["request_id"])
        self.assertEqual((ds["http_status"], ds["image_entries"], ds["size"]),
                         (200, 10, len(zip_bytes)))
        ds = self.fal.wait_dataset(bad["request_id"])
        self.assertEqual((ds["ok"], ds["http_status"]), (False, 403))
        req = self.fal.wait_request(bad["request_id"], outcome="error")
        self.assertIn("HTTP 403", req["error"]["detail"][0]["msg"])
        self.fal.wait_request(ok["request_id"], outcome="ok")

        # Not a ZIP, and too few photos.
        self.rx.files["/bucket/notzip"] = b"hello"
        ans = self.submit(body={"images_data_url": self.rx.url + "/bucket/notzip"})
        ds = self.fal.wait_dataset(ans["request_id"])
        self.assertEqual((ds["is_zip"], ds["ok"]), (False, False))
        self.fal.wait_request(ans["request_id"], outcome="error")
        self.fal.set_config(min_images=11)
        ans = self.submit(body={"images_data_url":
                                self.rx.url + "/bucket/ds.zip?X-Amz-Signature=abc"})
        self.assertIn("at least 11", self.fal.wait_dataset(ans["request_id"])["error"])
        self.fal.wait_request(ans["request_id"], outcome="error")

    def test_control_api_errors(self):
        with self.assertRaises(RuntimeError):
            self.fal.set_config(no_such_option=1)
        with self.assertRaises(RuntimeError):
            self.fal.fault("explode")
        with self.assertRaises(AssertionError):
            self.fal.wait_calls(1, endpoint="cancel", timeout=0.3)
        self.assertEqual(self.fal.faults(), [])
        self.fal.fault("500", count=2, endpoint="status")
        self.assertEqual([(f["kind"], f["remaining"]) for f in self.fal.faults()], [("500", 2)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
