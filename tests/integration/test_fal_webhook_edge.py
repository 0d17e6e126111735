"""The HTTP edge of POST /fal/webhook: FAL's signature headers are checked on the headers
alone, before any body is read or FAL's keys are fetched (missing, malformed or expired ones
get 401 at once), and with FAL_USER_ID set a webhook of another FAL account is refused the
same way, however well it is signed. FAL is the in-repo queue stand-in."""
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from chat import Chat  # noqa: E402
from test_training import TrainingCase  # noqa: E402

SIG = "ab" * 64


class FalWebhookEdgeTest(TrainingCase):

    def head_only(self, svc, headers, content_length=200000):
        """POSTs the headers and announces a body that never comes: (answer, seconds)."""
        sock = socket.create_connection(("127.0.0.1", svc.port), timeout=h.scaled(10))
        lines = ["POST /fal/webhook HTTP/1.1", "Host: x", "Content-Type: application/json",
                 "Content-Length: %d" % content_length]
        lines += ["%s: %s" % kv for kv in headers.items()]
        started = time.monotonic()
        answer = b""
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
        finally:
            sock.close()
        return answer, time.monotonic() - started

    def test_bad_signature_headers_are_refused_before_the_body(self):
        svc = self.start()
        now = int(time.time())
        good = {"X-Fal-Webhook-Request-Id": "r-1", "X-Fal-Webhook-User-Id": "u-1",
                "X-Fal-Webhook-Timestamp": str(now), "X-Fal-Webhook-Signature": SIG}
        cases = {"none": {},
                 "no signature": {k: v for k, v in good.items()
                                  if k != "X-Fal-Webhook-Signature"},
                 "signature not hex": dict(good, **{"X-Fal-Webhook-Signature": "zz" * 64}),
                 "signature short": dict(good, **{"X-Fal-Webhook-Signature": "ab" * 63}),
                 "timestamp not a number": dict(good, **{"X-Fal-Webhook-Timestamp": "12a"}),
                 "expired": dict(good, **{"X-Fal-Webhook-Timestamp": str(now - 600)}),
                 "from the future": dict(good, **{"X-Fal-Webhook-Timestamp": str(now + 600)})}
        for name, headers in cases.items():
            answer, seconds = self.head_only(svc, headers)
            self.assertTrue(answer.startswith(b"HTTP/1.1 401"), (name, answer[:200]))
            self.assertLess(seconds, h.scaled(3), name)
        # well-formed headers are let through to the body (which never comes here)
        answer, seconds = self.head_only(svc, good, content_length=10)
        self.assertFalse(answer.startswith(b"HTTP/1.1 401"), answer[:200])
        # none of them made the service fetch FAL's keys
        self.assertEqual(self.fal.calls(endpoint="jwks"), [])
        self.assertIn('avatarbot_fal_webhooks_total{result="rejected"} %d' % len(cases),
                      self.metrics(svc))

    def test_webhooks_of_another_fal_account_are_refused(self):
        self.fal.set_config(duration=120)
        account = self.fal.config()["user_id"]
        svc = self.start(FAL_USER_ID=account, FAL_POLL_SECONDS=60)
        chat = Chat(self, svc, 901)
        aid = self.ready_avatar(chat)
        self.start_training(chat, aid)
        rid = self.submitted()["request_id"]
        body = {"request_id": rid, "gateway_request_id": rid, "status": "OK",
                "payload": {"diffusers_lora_file": {"url": "https://x.example/l"},
                            "config_file": {"url": "https://x.example/c"}}}
        url = svc.url + "/fal/webhook"
        res = self.fal.send_webhook(url, body, user_id="someone-else")  # signed by FAL's key
        self.assertEqual(res["http_status"], 401, res)
        self.assertIn("another FAL account", str(res["response"]))
        self.assertEqual(self.avatar(aid)["status"], "training")
        self.assertEqual(h.psql_value(self.db_url, "SELECT jsonb_array_length(events) FROM "
                                                   "fal_requests WHERE request_id = $1", rid), "0")
        res = self.fal.send_webhook(url, body)  # the configured account
        self.assertEqual(res["http_status"], 200, res)
        self.assertEqual(self.wait_avatar(aid, "completed")["lora_url"], "https://x.example/l")


if __name__ == "__main__":
    h.main()
