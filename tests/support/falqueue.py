"""FalQueue: the FAL queue API stand-in (fal_standin.py) in a subprocess, and its control API.

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
    from falqueue import FalQueue, verify_webhook

    with FalQueue(log_name="my_test") as fal:
        fal.set_config(duration=1.0)
        env = {"FAL_API_BASE": fal.base_url, "FAL_KEY": fal.key, "FAL_JWKS_URL": fal.jwks_url}
        ...
        fal.wait_calls(1, endpoint="submit")
        req = fal.requests()[0]
        fal.wait_webhooks(1, request_id=req["request_id"], ok=True)

Calls are dicts {seq, time, method, path, query, headers (Authorization value redacted),
body, endpoint, app_id, request_id, auth_present, auth_ok, http_status (0: connection
dropped), fault, response}; requests, webhook attempts and the configuration are described
in fal_standin.py (ControlApi and DEFAULT_CONFIG). Logs go to <logdir>/<name>-fal.log.

Generations (LORA_GENERATOR, FINETUNE_GENERATOR) end with FAL's text-to-image output; its
image URLs serve real JPEGs, whose size jpeg_size(bytes) reads:

        fal.set_config(generation_duration=0.3, nsfw=[False, True])
        out = fal.wait_request(rid, outcome="ok")["output"]
        status, _, data = h.http_request("GET", out["images"][0]["url"])
        assert jpeg_size(data) == (out["images"][0]["width"], out["images"][0]["height"])
"""

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import harness as h

FAL_STANDIN_SCRIPT = Path(__file__).resolve().parent / "fal_standin.py"
FAL_KEY = "test-fal-key"

PORTRAIT_TRAINER = "fal-ai/flux-lora-portrait-trainer"
PRO_TRAINER = "fal-ai/flux-pro-trainer"
FAST_TRAINER = "fal-ai/flux-lora-fast-training"
LORA_GENERATOR = "fal-ai/flux-lora"                        # pictures from a trained LoRA
FINETUNE_GENERATOR = "fal-ai/flux-pro/v1.1-ultra-finetuned"  # ... from a PRO_TRAINER finetune


def jpeg_size(data):
    """(width, height) from a JPEG's start-of-frame header; ValueError when data is not a
    JPEG with one. Walks the marker segments as a decoder does."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG (no SOI)")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise ValueError("no marker at %d" % i)
        marker = data[i + 1]
        if marker == 0xFF:                      # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE,
                      0xCF):
            height = int.from_bytes(data[i + 5:i + 7], "big")
            width = int.from_bytes(data[i + 7:i + 9], "big")
            return width, height
        if marker in (0xD9, 0xDA):
            break
        i += 2 + length
    raise ValueError("no start-of-frame header")


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_webhook(jwks, headers, body, now=None, leeway=300):
    """Check a FAL webhook like a receiver must: the ED25519 signature over
    request_id, user_id, timestamp and hex SHA-256 of the raw body (joined by "\\n") made
    by a key of the JWKS, and a timestamp within `leeway` seconds. headers: a mapping
    (any case). Returns (ok, reason)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    hdr = {k.lower(): v for k, v in headers.items()}
    names = ("x-fal-webhook-request-id", "x-fal-webhook-user-id", "x-fal-webhook-timestamp",
             "x-fal-webhook-signature")
    if any(n not in hdr for n in names):
        return False, "missing headers"
    rid, uid, ts, sig = (hdr[n] for n in names)
    try:
        ts_int = int(ts)
        signature = bytes.fromhex(sig)
    except ValueError:
        return False, "malformed timestamp or signature"
    if abs((now if now is not None else time.time()) - ts_int) > leeway:
        return False, "timestamp out of range"
    message = "\n".join([rid, uid, ts, hashlib.sha256(body).hexdigest()]).encode()
    for k in jwks.get("keys", []):
        if k.get("kty") != "OKP" or k.get("crv") != "Ed25519":
            continue
        try:
            Ed25519PublicKey.from_public_bytes(_b64url_decode(k["x"])).verify(signature, message)
            return True, "ok (kid %s)" % k.get("kid")
        except (InvalidSignature, ValueError):
            continue
    return False, "no key of the JWKS verifies the signature"


class FalQueue:
    """fal_standin.py in a subprocess on a free port, and its control API.

    base_url  where the service sends FAL queue calls (instead of https://queue.fal.run)
    jwks_url  the JWKS with the webhook public keys (instead of FAL's)
    key       the FAL key the stand-in accepts (`Authorization: Key <key>`)
    """

    def __init__(self, key=FAL_KEY, log_name=None, config=None):
        self.key = key
        self.log_path = h.log_dir() / ("%s-fal.log" % (log_name or h.current_test_name()))
        fd, self._port_file = tempfile.mkstemp(prefix="fal-port-")
        os.close(fd)
        os.unlink(self._port_file)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(FAL_STANDIN_SCRIPT), "--port", "0", "--port-file",
             self._port_file, "--key", key],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        h._track(self.proc)
        try:
            h.wait_until(lambda: os.path.exists(self._port_file) or self.proc.poll() is not None,
                         timeout=15, message="the FAL stand-in to listen")
            if self.proc.poll() is not None:
                raise RuntimeError("FAL stand-in exited (%s):\n%s"
                                   % (self.proc.returncode, self.log_text()))
            with open(self._port_file) as f:
                self.port = int(f.read().strip())
        finally:
            if os.path.exists(self._port_file):
                os.unlink(self._port_file)
        self.base_url = "http://127.0.0.1:%d" % self.port
        self.jwks_url = self.base_url + "/.well-known/jwks.json"
        if config:
            self.set_config(**config)

    # ---- control API ------------------------------------------------------------------
    def _control(self, method, path, body=None, timeout=30.0, allowed=(200, 408)):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        status, _, raw = h.http_request(method, self.base_url + "/_control/" + path, data,
                                        headers, timeout=timeout)
        try:
            obj = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            obj = raw
        if status not in allowed:
            raise RuntimeError("FAL stand-in control %s %s -> %d %r" % (method, path, status, obj))
        return status, obj

    @staticmethod
    def _query(**kw):
        return urllib.parse.urlencode({k: v for k, v in kw.items() if v is not None})

    def calls(self, path_prefix=None, endpoint=None, since=0):
        """Recorded calls with seq > since; path_prefix filters on the path (e.g.
        "/fal-ai/flux-pro-trainer"), endpoint on submit|status|result|cancel|jwks|file."""
        return self._control("GET", "calls?" + self._query(path_prefix=path_prefix,
                                                           endpoint=endpoint, since=since))[1]

    def wait_calls(self, n, path_prefix=None, endpoint=None, timeout=10.0, since=0, ok=True):
        """Wait until >= n matching calls (with ok: answered 2xx) exist; return them.
        Raises AssertionError on timeout, listing what was called."""
        t = h.scaled(timeout)
        status, found = self._control(
            "GET", "wait?" + self._query(count=n, path_prefix=path_prefix, endpoint=endpoint,
                                         since=since, timeout=t, ok=1 if ok else 0),
            timeout=t + 10)
        if status != 200:
            seen = ["#%d %s %s %s" % (c["seq"], c["method"], c["path"], c["http_status"])
                    for c in self.calls(since=since)]
            raise AssertionError("expected %d %s FAL call(s) within %.1fs, got %d; calls: %s"
                                 % (n, endpoint or path_prefix or "", t, len(found),
                                    ", ".join(seen) or "none"))
        return found

    def last_seq(self):
        calls = self.calls()
        return calls[-1]["seq"] if calls else 0

    def requests(self):
        """Every request submitted, in order: {request_id, app_id, status, outcome,
        queue_position, progress, step, steps_total, input, webhook_url, dataset_url,
        dataset, logs, output, error, cancel_requested, response_url, status_url,
        cancel_url, webhook_deliveries, ...}."""
        return self._control("GET", "requests")[1]

    def request(self, request_id):
        return self._control("GET", "request?" + self._query(id=request_id))[1]

    def wait_request(self, request_id, status=None, outcome=None, timeout=10.0):
        """Wait until the request has the status (IN_QUEUE|IN_PROGRESS|COMPLETED) and/or
        outcome (ok|error|cancelled); return it."""
        t = h.scaled(timeout)
        code, rec = self._control("GET", "wait_request?" + self._query(
            id=request_id, status=status, outcome=outcome, timeout=t), timeout=t + 10)
        if code != 200:
            raise AssertionError("FAL request %s not %s/%s within %.1fs: %s"
                                 % (request_id, status, outcome, t,
                                    {k: rec.get(k) for k in ("status", "outcome")} if rec else rec))
        return rec

    def wait_dataset(self, request_id, timeout=10.0):
        """The dataset check of a request (config check_dataset), once it is done."""
        def checked():
            return self.request(request_id)["dataset"]
        return h.wait_until(checked, timeout=timeout,
                            message="the dataset check of %s" % request_id)

    def config(self):
        return self._control("GET", "config")[1]

    def set_config(self, **kw):
        """Change the configuration (see fal_standin.DEFAULT_CONFIG): duration,
        queue_seconds, queue_position, log_lines, auto_complete, validation, user_id,
        signing_key, jwks_keys, webhook_retries, webhook_retry_interval, webhook_backoff,
        webhook_timeout, webhook_on_cancel, cancel_in_progress, cancel_delay, check_dataset,
        dataset_required, min_images, lora_file_size, public_base_url, listing_lag;
        generation_duration (seconds for a generation; None: 1 s), nsfw (images flagged in
        has_nsfw_concepts: a count, the first N of each generation, or a list of flags by
        index). Returns it all."""
        return self._control("POST", "config", kw)[1]

    def fault(self, kind, count=1, endpoint=None, app_id=None, request_id=None, **params):
        """Arm a fault for the next `count` matching events.

        Endpoint faults (endpoint: submit (default), status, result, cancel, jwks, file,
          list):
          "500", "502" (nginx HTML), "503", "504", "429" (retry_after), "stall" (seconds;
          then answered normally; process=True: the call takes effect at once and only its
          answer comes late), "drop" (connection reset; process=True: the call takes effect
          and only the answer is lost), "http" (status, detail), "malformed" (the call takes
          effect, the answer is a 200 with its JSON cut in half).
        Webhook faults (next automatic webhooks, or those of request_id):
          "webhook_drop", "webhook_duplicate" (times), "webhook_delay" (seconds),
          "webhook_reorder" (sent after a later webhook; seconds: longest wait),
          "webhook_tamper", "webhook_forge", "webhook_expired" (seconds, default 600),
          "webhook_unsigned".
        Trainings and generations: "fail" (status=422, detail, error_type,
          at="end"|"start"); with request_id it applies to that running request, otherwise
          to the next submits (of app_id, when given).
        """
        body = {"kind": str(kind), "count": count}
        for k, v in (("endpoint", endpoint), ("app_id", app_id), ("request_id", request_id)):
            if v is not None:
                body[k] = v
        body.update({k: v for k, v in params.items() if v is not None})
        self._control("POST", "fault", body)

    def listing(self, endpoint_id, **query):
        """FAL's platform API request listing as the service calls it (GET
        /v1/models/requests/by-endpoint); returns (http status, answer)."""
        return self.api("GET", "/v1/models/requests/by-endpoint",
                        query=dict(query, endpoint_id=endpoint_id))

    def faults(self):
        return self._control("GET", "faults")[1]

    def redeliver(self, request_id, url=None, wait=True):
        """Send the webhook of an ended request again (with retries); with wait, returns
        the attempts."""
        body = {"request_id": request_id, "wait": wait}
        if url is not None:
            body["url"] = url
        return self._control("POST", "redeliver", body, timeout=h.scaled(60))[1]

    def send_webhook(self, url, body, sign=True, key="good", timestamp=None, tamper=False,
                     request_id=None, user_id=None):
        """POST an arbitrary webhook to url once: body is an object (serialized like FAL)
        or a str sent as is; sign with key good (the signing key), k1, k2 or forged (not
        in the JWKS), or not at all; timestamp overrides the unix time; tamper changes the
        body after signing. Returns the attempt (http_status, response, headers, ...)."""
        payload = {"url": url, "body": body, "sign": sign, "key": key, "tamper": tamper}
        for k, v in (("timestamp", timestamp), ("request_id", request_id),
                     ("user_id", user_id)):
            if v is not None:
                payload[k] = v
        return self._control("POST", "send_webhook", payload, timeout=h.scaled(60))[1]

    def complete(self, request_id, outcome="ok", status=None, detail=None, error_type=None):
        """End a request now (ok, or error with an HTTP status and detail); its webhook
        goes out as usual. Returns the request."""
        body = {"request_id": request_id, "outcome": outcome}
        for k, v in (("status", status), ("detail", detail), ("error_type", error_type)):
            if v is not None:
                body[k] = v
        return self._control("POST", "complete", body)[1]

    def webhook_deliveries(self, request_id=None, since=0):
        """Every webhook attempt (also dropped ones, with sent False): {seq, delivery_id,
        kind (auto|redeliver|manual), request_id, url, attempt, copy, sent, faults, headers,
        body_text, signed_with, timestamp, tampered, http_status (None: no answer), error,
        response, elapsed, time}."""
        return self._control("GET", "webhooks?" + self._query(request_id=request_id,
                                                              since=since))[1]

    def wait_webhooks(self, n, request_id=None, timeout=10.0, since=0, ok=False, kind=None):
        """Wait until >= n webhook attempts were sent (ok: answered 2xx by the receiver)."""
        t = h.scaled(timeout)
        status, found = self._control("GET", "wait_webhooks?" + self._query(
            count=n, request_id=request_id, since=since, timeout=t, ok=1 if ok else 0,
            kind=kind), timeout=t + 10)
        if status != 200:
            raise AssertionError("expected %d webhook attempt(s)%s within %.1fs, got: %s"
                                 % (n, " answered 2xx" if ok else "", t,
                                    [(d["request_id"], d["http_status"], d["error"])
                                     for d in self.webhook_deliveries()]))
        return found

    def jwks(self):
        status, _, raw = h.http_request("GET", self.jwks_url)
        return json.loads(raw.decode())

    def public_keys(self):
        """{"k1": x, "k2": x, "forged": x}: base64url raw public keys."""
        return self._control("GET", "keys")[1]

    def reset(self):
        self._control("POST", "reset", {})

    # ---- acting as a client -----------------------------------------------------------
    def api(self, method, path, body=None, key=None, query=None, auth=True, timeout=10.0):
        """Call the stand-in's queue API like a client: (http status, decoded JSON or bytes).
        path: "/fal-ai/flux-pro-trainer" or a full URL from a submit answer."""
        url = path if path.startswith("http") else self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {}
        if auth:
            headers["Authorization"] = "Key %s" % (key if key is not None else self.key)
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, _, raw = h.http_request(method, url, data, headers, timeout=timeout)
        try:
            return status, json.loads(raw.decode("utf-8"))
        except ValueError:
            return status, raw

    def submit(self, app_id, body, webhook_url=None, key=None):
        return self.api("POST", "/" + app_id, body, key=key,
                        query={"fal_webhook": webhook_url} if webhook_url else None)

    # ---- process ------------------------------------------------------------------------
    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def assert_key_not_logged(self):
        if self.key and self.key in self.log_text():
            raise AssertionError("the FAL key appears in %s" % self.log_path)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self._log.closed:
            self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
