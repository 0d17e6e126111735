#!/usr/bin/env python3
"""Object storage (src/storage) end to end: the real C code, through tests/support/storage_cli,
against the S3 stand-in (which recomputes every request's SigV4 signature with the AWS SDK's
signer) and against a file:// directory. Also the training dataset ZIP (src/fal/dataset.c)
streamed into storage: multipart on S3, aborted on failure, and peak memory that does not grow
with the dataset.

    python3 tests/integration/test_storage.py

Environment:
  AB_STORAGE_TOOL   the storage_cli binary (default <build>/tests/storage_cli)
  AB_BUILD_DIR      the build tree, where the stand-in's npm deps are installed (default: the
                    directory of AB_BINARY, else <repo>/build)
  AB_TIMEOUT_SCALE  multiplies timeouts (sanitizer builds)
Needs node and npm (the stand-in's pinned dependencies are installed on first use).
"""

import hashlib
import http.client
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support" / "s3_standin"))
import harness as h  # noqa: E402
from s3standin import S3Standin, install  # noqa: E402

EXIT_OK, EXIT_NOT_FOUND, EXIT_RETRYABLE, EXIT_REMOTE, EXIT_INVALID = 0, 3, 4, 5, 6

# Keys with everything the URI encoding must get right: space, '+', '=', '&', parentheses,
# '~', '%', and multi-byte UTF-8.
ODD_KEYS = [
    "avatars/7000000001/3/a b+c=d&e(1)~%.jpg",
    "avatars/7000000001/3/фото-é.png",
]


def build_dir():
    if os.environ.get("AB_BUILD_DIR"):
        return Path(os.environ["AB_BUILD_DIR"])
    if os.environ.get("AB_BINARY"):
        return Path(os.environ["AB_BINARY"]).resolve().parent
    return h.BUILD_DIR


def storage_tool():
    tool = os.environ.get("AB_STORAGE_TOOL")
    if tool:
        return tool
    for candidate in (build_dir() / "tests" / "storage_cli", build_dir() / "storage_cli"):
        if candidate.exists():
            return str(candidate)
    raise RuntimeError("storage_cli not found: build it (target storage_cli) or set "
                       "AB_STORAGE_TOOL")


def payload(n, seed=b""):
    """n bytes covering every byte value, different per seed."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest() + bytes(range(256))
        counter += 1
    return bytes(out[:n])


def fake_jpeg(n, seed):
    """n bytes that look like a JPEG (SOI, APP0 JFIF, ..., EOI) and do not compress."""
    head = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
    return head + payload(n - len(head) - 2, b"jpeg%d" % seed) + b"\xff\xd9"


MiB = 1024 * 1024
PART = 8 * MiB  # AB_STORAGE_S3_PART_SIZE


def peak_rss_env():
    """The environment for a peak-memory measurement: under AddressSanitizer, no quarantine (it
    keeps freed memory resident, up to 256 MB, which would be measured as ours)."""
    asan = os.environ.get("ASAN_OPTIONS")
    return {"ASAN_OPTIONS": asan + ":quarantine_size_mb=0"} if asan is not None else {}


def cli_values(out):
    """storage_cli's "name value" lines (put-file, dataset) as a dict of ints."""
    values = {}
    for line in out.decode().splitlines():
        name, _, value = line.partition(" ")
        values[name] = int(value)
    return values


class StorageCli:
    """Runs storage_cli with a storage environment; returns (exit code, stdout, stderr)."""

    def __init__(self, env):
        self.env = env

    def run(self, *args, stdin=None, timeout=30, **env_override):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("S3_", "STORAGE_"))}
        env.update(self.env)
        env.update(env_override)
        proc = subprocess.run([storage_tool(), *args], input=stdin, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=h.scaled(timeout))
        return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")

    def ok(self, *args, **kw):
        code, out, err = self.run(*args, **kw)
        if code != EXIT_OK:
            raise AssertionError("storage_cli %s exited %d:\n%s" % (" ".join(args), code, err))
        return out

    def put(self, key, data, content_type=None, **kw):
        args = ["put", key, "-"] + ([content_type] if content_type else [])
        return self.ok(*args, stdin=data, **kw)

    def get(self, key, **kw):
        return self.ok("get", key, **kw)

    def list(self, prefix="", **kw):
        out = self.ok("list", prefix, **kw).decode()
        return [line for line in out.split("\n") if line]

    def put_file(self, key, path, content_type=None, **kw):
        args = ["put-file", key, str(path)] + ([content_type] if content_type else [])
        return cli_values(self.ok(*args, **kw))

    def dataset(self, key, photo_keys, **kw):
        return cli_values(self.ok("dataset", key, *photo_keys, **kw))

    def presign(self, key, expires=None, **kw):
        args = ["presign", key] + ([str(expires)] if expires is not None else [])
        return self.ok(*args, **kw).decode().strip()


def fetch(url, host_header=None):
    """GET with urllib (no credentials): (status, body)."""
    req = urllib.request.Request(url)
    if host_header:
        req.add_header("Host", host_header)
    try:
        with urllib.request.urlopen(req, timeout=h.scaled(10)) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def error_code(body):
    text = body.decode(errors="replace")
    start, end = text.find("<Code>"), text.find("</Code>")
    return text[start + 6:end] if start >= 0 and end > start else None


class S3StorageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        storage_tool()  # fail early and clearly when the tool is missing
        cls.s3 = S3Standin(build_dir(), log_path=h.log_dir() / "test_storage.s3_standin.log")
        cls.cli = StorageCli(cls.s3.env())

    @classmethod
    def tearDownClass(cls):
        cls.s3.stop()

    def setUp(self):
        self.s3.reset()

    def tearDown(self):
        # whatever happened, the secret key must never reach a log line
        for req in self.s3.requests():
            self.assertNotIn(self.s3.secret_key, json.dumps(req))

    def assert_all_signed(self):
        """Every request so far reached the stand-in signed, and was accepted as such."""
        reqs = self.s3.requests()
        self.assertTrue(reqs)
        for r in reqs:
            self.assertIn(r["auth"], ("header", "presigned"), r)

    def test_put_get_round_trip(self):
        data = payload(70_000, b"photo")
        self.cli.put("avatars/7000000001/1/10.jpg", data, "image/jpeg")
        code, _, err = self.cli.run("put", "avatars/7000000001/1/11.png", "-", "image/png",
                                    stdin=b"", STORAGE_CLI_NO_REDACT="1")  # an empty object
        self.assertEqual(code, EXIT_OK, err)
        self.assertNotIn(self.s3.secret_key, err)
        self.assertEqual(self.cli.get("avatars/7000000001/1/10.jpg"), data)
        self.assertEqual(self.cli.get("avatars/7000000001/1/11.png"), b"")
        stored = {o["key"]: o for o in self.s3.objects()}
        self.assertEqual(stored["avatars/7000000001/1/10.jpg"]["content_type"], "image/jpeg")
        self.assertEqual(stored["avatars/7000000001/1/10.jpg"]["sha256"],
                         hashlib.sha256(data).hexdigest())
        self.assertEqual(stored["avatars/7000000001/1/11.png"]["size"], 0)
        # replacing an object replaces it whole
        self.cli.put("avatars/7000000001/1/10.jpg", b"v2", "image/jpeg")
        self.assertEqual(self.cli.get("avatars/7000000001/1/10.jpg"), b"v2")
        self.assert_all_signed()

    def test_large_object(self):
        # past 1 MiB curl sends "Expect: 100-continue": the signature must still hold
        data = payload(3 * 1024 * 1024 + 17, b"zip")
        self.cli.put("datasets/7000000001/5/dataset.zip", data, "application/zip")
        self.assertEqual(self.cli.get("datasets/7000000001/5/dataset.zip"), data)
        self.assert_all_signed()

    def test_odd_keys_are_encoded_and_signed(self):
        for i, key in enumerate(ODD_KEYS):
            self.cli.put(key, ("object %d" % i).encode())
        for i, key in enumerate(ODD_KEYS):
            self.assertEqual(self.cli.get(key), ("object %d" % i).encode())
        self.assertEqual(sorted(o["key"] for o in self.s3.objects()), sorted(ODD_KEYS))
        self.assertEqual(self.cli.list("avatars/7000000001/3/"),
                         sorted(ODD_KEYS, key=lambda k: k.encode()))
        for i, key in enumerate(ODD_KEYS):
            status, body = fetch(self.cli.presign(key))
            self.assertEqual((status, body), (200, ("object %d" % i).encode()), body)
        self.assert_all_signed()

    def test_list_follows_pagination(self):
        self.s3.set_max_keys(2)
        keys = ["avatars/7000000002/1/%d.jpg" % n for n in range(5)]
        for k in reversed(keys):
            self.cli.put(k, k.encode())
        self.cli.put("avatars/7000000020/1/0.jpg", b"other user")
        self.cli.put("datasets/7000000002/1/d.zip", b"zip")
        self.assertEqual(self.cli.list("avatars/7000000002/"), keys)
        pages = [r for r in self.s3.requests() if r["method"] == "GET" and "list-type=2" in r["query"]]
        self.assertEqual(len(pages), 3)  # 2 + 2 + 1
        self.assertIn("continuation-token=", pages[1]["query"])
        self.assertEqual(len(self.cli.list("")), 7)
        self.assertEqual(self.cli.list("avatars/700000000"), keys)  # prefix ends mid-segment
        self.assertEqual(self.cli.list("nothing/"), [])
        self.assert_all_signed()

    def test_delete_and_delete_prefix(self):
        for k in ["avatars/7000000003/1/a.jpg", "avatars/7000000003/1/b.jpg",
                  "avatars/7000000003/2/c.jpg", "avatars/7000000004/1/d.jpg"]:
            self.cli.put(k, b"x")
        self.cli.ok("delete", "avatars/7000000003/1/a.jpg")
        code, _, err = self.cli.run("get", "avatars/7000000003/1/a.jpg")
        self.assertEqual(code, EXIT_NOT_FOUND, err)
        self.assertIn("error: not_found", err)
        self.cli.ok("delete", "avatars/7000000003/1/a.jpg")  # already gone: still fine
        self.s3.set_max_keys(1)  # delete by prefix must page through the listing too
        self.assertEqual(self.cli.ok("delete-prefix", "avatars/7000000003/").strip(), b"2")
        self.assertEqual([o["key"] for o in self.s3.objects()], ["avatars/7000000004/1/d.jpg"])
        code, _, _ = self.cli.run("delete-prefix", "")
        self.assertEqual(code, EXIT_INVALID)  # never the whole bucket
        self.assert_all_signed()

    def test_presigned_get(self):
        data = payload(5000, b"presign")
        key = "datasets/7000000005/9/train.zip"
        self.cli.put(key, data, "application/zip")
        url = self.cli.presign(key, 86400)
        parts = urllib.parse.urlsplit(url)
        self.assertEqual(parts.netloc, "127.0.0.1:%d" % self.s3.port)
        self.assertEqual(parts.path, "/%s/%s" % (self.s3.bucket, key))
        query = urllib.parse.parse_qs(parts.query)
        self.assertEqual(query["X-Amz-Expires"], ["86400"])
        self.assertEqual(query["X-Amz-SignedHeaders"], ["host"])
        self.assertNotIn(self.s3.secret_key, url)
        status, body = fetch(url)
        self.assertEqual(status, 200)
        self.assertEqual(body, data)
        self.assertEqual(self.s3.requests()[-1]["auth"], "presigned")

        # any change to the URL breaks it
        sig = query["X-Amz-Signature"][0]
        flipped = ("0" if sig[-1] != "0" else "1")
        tampered = [
            url[:-1] + flipped,
            url.replace("/train.zip?", "/train2.zip?"),
            url.replace("X-Amz-Expires=86400", "X-Amz-Expires=86401"),
            url.replace("/datasets/7000000005/", "/datasets/7000000006/"),
            url.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=host%3Brange"),
        ]
        for bad in tampered:
            status, body = fetch(bad)
            self.assertEqual((status, error_code(body)), (403, "SignatureDoesNotMatch"), bad)

        # the default is 24 h; a presigned URL for a missing object is valid but finds nothing
        default_url = self.cli.presign("datasets/7000000005/9/missing.zip")
        self.assertIn("X-Amz-Expires=86400&", default_url)
        status, body = fetch(default_url)
        self.assertEqual((status, error_code(body)), (404, "NoSuchKey"))

    def test_presigned_get_expires(self):
        self.cli.put("avatars/7000000005/1/x.jpg", b"soon gone")
        url = self.cli.presign("avatars/7000000005/1/x.jpg", 1)
        time.sleep(2.2)
        status, body = fetch(url)
        self.assertEqual((status, error_code(body)), (403, "AccessDenied"))
        self.assertIn(b"Request has expired", body)
        code, _, _ = self.cli.run("presign", "avatars/7000000005/1/x.jpg", "604801")
        self.assertEqual(code, EXIT_INVALID)

    def test_wrong_credentials_are_refused(self):
        # the stand-in itself must refuse a badly signed request, or no test here means much
        wrong_secret = "not-the-right-secret-value"
        # no redaction in the tool: the storage code itself must never print a secret
        code, _, err = self.cli.run("put", "avatars/7000000006/1/a.jpg", "-", stdin=b"x",
                                    S3_SECRET_KEY=wrong_secret, STORAGE_CLI_NO_REDACT="1")
        self.assertEqual(code, EXIT_REMOTE, err)
        self.assertIn("SignatureDoesNotMatch", err)
        self.assertIn("error: remote_error", err)
        self.assertNotIn(wrong_secret, err)
        self.assertNotIn(self.s3.secret_key, err)
        self.assertEqual(self.s3.requests()[-1]["code"], "SignatureDoesNotMatch")
        self.assertEqual(self.s3.objects(), [])

        code, _, err = self.cli.run("get", "avatars/7000000006/1/a.jpg",
                                    S3_SECRET_KEY=wrong_secret)
        self.assertEqual(code, EXIT_REMOTE, err)  # not "not found": the request was refused
        code, _, err = self.cli.run("list", "", S3_ACCESS_KEY="AKIAUNKNOWNKEY000000")
        self.assertEqual(code, EXIT_REMOTE, err)
        self.assertIn("InvalidAccessKeyId", err)
        code, _, err = self.cli.run("list", "", S3_REGION="us-west-2")
        self.assertEqual(code, EXIT_REMOTE, err)
        self.assertIn("AuthorizationHeaderMalformed", err)
        # a presigned URL made with the wrong secret is refused too
        url = self.cli.presign("avatars/7000000006/1/a.jpg", S3_SECRET_KEY=wrong_secret)
        status, body = fetch(url)
        self.assertEqual((status, error_code(body)), (403, "SignatureDoesNotMatch"))

    def test_unsigned_requests_are_refused(self):
        self.cli.put("avatars/7000000007/1/a.jpg", b"private")
        status, body = fetch("%s/%s/avatars/7000000007/1/a.jpg" % (self.s3.endpoint,
                                                                    self.s3.bucket))
        self.assertEqual((status, error_code(body)), (403, "AccessDenied"))

    def test_missing_bucket_is_a_configuration_error(self):
        cli = StorageCli(self.s3.env(STORAGE_URL="s3://no-such-bucket"))
        code, _, err = cli.run("get", "avatars/1/2/3.jpg")
        self.assertEqual(code, EXIT_REMOTE, err)  # not "object not found"
        self.assertIn("NoSuchBucket", err)

    def test_server_errors_are_retryable(self):
        for kind in ("500", "503"):
            self.s3.fault(kind, count=1)
            code, _, err = self.cli.run("put", "avatars/7000000008/1/a.jpg", "-", stdin=b"x")
            self.assertEqual(code, EXIT_RETRYABLE, err)
            self.assertIn("error: http_error", err)
            self.assertIn("InternalError" if kind == "500" else "SlowDown", err)
            self.cli.put("avatars/7000000008/1/a.jpg", b"x")  # the next attempt succeeds
        self.s3.fault("503", count=1)
        code, _, err = self.cli.run("list", "avatars/")
        self.assertEqual(code, EXIT_RETRYABLE, err)

    def test_fault_window_fails_every_request_until_it_ends(self):
        # the stand-in's outage window (the fault suite takes S3 down this way)
        self.s3.fault("503", for_seconds=5)
        for _ in range(3):
            code, _, err = self.cli.run("put", "avatars/7000000008/2/a.jpg", "-", stdin=b"x")
            self.assertEqual(code, EXIT_RETRYABLE, err)
        h.wait_until(lambda: self.cli.run("put", "avatars/7000000008/2/a.jpg", "-",
                                          stdin=b"x")[0] == 0, timeout=10)

    def test_connection_drop_is_retryable(self):
        self.s3.fault("down", count=1)
        code, _, err = self.cli.run("get", "avatars/7000000009/1/a.jpg")
        self.assertEqual(code, EXIT_RETRYABLE, err)
        self.assertIn("error: http_error", err)

    def test_stall_times_out(self):
        self.s3.fault("stall", count=1, seconds=30)
        started = time.monotonic()
        code, _, err = self.cli.run("get", "avatars/7000000009/1/a.jpg",
                                    STORAGE_TIMEOUT_SECONDS="1")
        self.assertEqual(code, EXIT_RETRYABLE, err)
        self.assertIn("error: timeout", err)
        self.assertLess(time.monotonic() - started, h.scaled(10))

    def test_virtual_hosted_style(self):
        cli = StorageCli(self.s3.env(path_style=False))
        cli.put("avatars/7000000010/1/v.jpg", b"virtual", "image/jpeg")
        self.assertEqual(cli.get("avatars/7000000010/1/v.jpg"), b"virtual")
        self.assertEqual(cli.list("avatars/7000000010/"), ["avatars/7000000010/1/v.jpg"])
        # the bucket is in the host name, not in the path
        self.assertEqual(self.s3.requests()[0]["path"], "/avatars/7000000010/1/v.jpg")
        url = cli.presign("avatars/7000000010/1/v.jpg")
        parts = urllib.parse.urlsplit(url)
        self.assertEqual(parts.netloc, "%s.localhost:%d" % (self.s3.bucket, self.s3.port))
        # *.localhost may not resolve here: connect to 127.0.0.1 and send the signed Host
        conn = http.client.HTTPConnection("127.0.0.1", self.s3.port, timeout=h.scaled(10))
        conn.request("GET", parts.path + "?" + parts.query, headers={"Host": parts.netloc})
        resp = conn.getresponse()
        self.assertEqual((resp.status, resp.read()), (200, b"virtual"))
        conn.close()
        self.assert_all_signed()

    def test_invalid_keys_never_leave_the_process(self):
        for key in ["../etc/passwd", "/abs/key", "a//b", "a/./b", "tab\tkey"]:
            code, _, err = self.cli.run("put", key, "-", stdin=b"x")
            self.assertEqual(code, EXIT_INVALID, (key, err))
        self.assertEqual(self.s3.requests(), [])


class S3MultipartTest(unittest.TestCase):
    """ab_storage_put_file and the dataset ZIP on S3: multipart uploads, as S3 checks them."""

    @classmethod
    def setUpClass(cls):
        storage_tool()
        cls.s3 = S3Standin(build_dir(), log_path=h.log_dir() / "test_storage.multipart.log")
        cls.cli = StorageCli(cls.s3.env())
        cls.tmp = tempfile.TemporaryDirectory(prefix="ab-multipart-")

    @classmethod
    def tearDownClass(cls):
        cls.s3.stop()
        cls.tmp.cleanup()

    def setUp(self):
        self.s3.reset()

    def write(self, name, data):
        path = Path(self.tmp.name) / name
        path.write_bytes(data)
        return path

    def multipart_requests(self, key):
        """(create, parts as [partNumber], complete, abort) requests for key, in order."""
        path = "/%s/%s" % (self.s3.bucket, key)
        kinds = []
        for r in self.s3.requests():
            # every one of them signed and accepted, but those failed on purpose (no auth)
            self.assertIn(r["auth"], ("header", None), r)
            self.assertNotIn(r["code"], ("SignatureDoesNotMatch", "XAmzContentSHA256Mismatch"), r)
            if r["path"] != path:
                continue
            q = urllib.parse.parse_qs(r["query"], keep_blank_values=True)
            if r["method"] == "POST" and "uploads" in q:
                kinds.append(("create", r["status"]))
            elif r["method"] == "PUT" and "partNumber" in q:
                kinds.append(("part %s" % q["partNumber"][0], r["status"]))
            elif r["method"] == "POST" and "uploadId" in q:
                kinds.append(("complete", r["status"]))
            elif r["method"] == "DELETE" and "uploadId" in q:
                kinds.append(("abort", r["status"]))
            else:
                kinds.append((r["method"], r["status"]))
        return kinds

    def test_large_file_goes_in_parts(self):
        data = payload(2 * PART + 123_457, b"multipart")
        key = "avatars/7000000100/1/dataset-1.zip"
        self.cli.put_file(key, self.write("big.bin", data), "application/zip")
        self.assertEqual(self.multipart_requests(key),
                         [("create", 200), ("part 1", 200), ("part 2", 200), ("part 3", 200),
                          ("complete", 200)])
        (obj,) = self.s3.objects()
        self.assertEqual((obj["key"], obj["size"], obj["content_type"], obj["sha256"]),
                         (key, len(data), "application/zip", hashlib.sha256(data).hexdigest()))
        self.assertEqual(self.s3.uploads(), [])
        status, body = fetch(self.cli.presign(key))
        self.assertEqual((status, body == data), (200, True))

    def test_file_of_one_part_is_one_put(self):
        data = payload(PART, b"one part")
        key = "avatars/7000000100/1/dataset-2.zip"
        self.cli.put_file(key, self.write("one.bin", data))
        self.assertEqual(self.multipart_requests(key), [("PUT", 200)])
        self.assertEqual(self.s3.objects()[0]["sha256"], hashlib.sha256(data).hexdigest())

    def test_failure_mid_upload_aborts_it(self):
        key = "avatars/7000000100/1/dataset-3.zip"
        old = b"the previous dataset"
        self.cli.put(key, old)
        path = self.write("fail.bin", payload(3 * PART + 1, b"fail"))
        line = "%s/%s?" % (self.s3.bucket, key)
        cases = [
            ("500", "PUT /" + line + "partNumber=2", "part 2", 500),
            ("down", "PUT /" + line + "partNumber=3", "part 3", 0),
            ("503", "POST /" + line + "uploadId=", "complete", 503),
            # a 200 whose body is an <Error>: S3 may answer CompleteMultipartUpload so
            ("error200", "POST /" + line + "uploadId=", "complete", 200),
        ]
        for kind, match, failed, status in cases:
            with self.subTest(kind=kind, failed=failed):
                self.s3.reset()
                self.cli.put(key, old)
                self.s3.fault(kind, match=match)
                code, _, err = self.cli.run("put-file", key, str(path))
                self.assertEqual(code, EXIT_RETRYABLE, err)
                kinds = self.multipart_requests(key)
                self.assertIn((failed, status), kinds)
                self.assertEqual(kinds[-1], ("abort", 204), kinds)  # aborted, and last
                self.assertEqual(self.s3.uploads(), [])  # no orphaned upload
                self.assertEqual(self.cli.get(key), old)  # the old object stays whole
        # the next attempt succeeds
        self.s3.reset()
        self.cli.put_file(key, path)
        self.assertEqual(self.s3.objects()[0]["size"], 3 * PART + 1)

    def test_parts_under_5_mib_are_refused_and_aborted(self):
        # the stand-in checks part sizes as S3 does: only the last part may be under 5 MiB
        key = "avatars/7000000100/1/dataset-4.zip"
        code, _, err = self.cli.run("put-file", key, str(self.write("small.bin",
                                                                    payload(3 * MiB, b"s"))),
                                    STORAGE_PART_SIZE=str(MiB))
        self.assertEqual(code, EXIT_REMOTE, err)
        self.assertIn("EntityTooSmall", err)
        kinds = self.multipart_requests(key)
        self.assertEqual(kinds[-2:], [("complete", 400), ("abort", 204)])
        self.assertEqual((self.s3.objects(), self.s3.uploads()), ([], []))

    def put_photos(self, count, size):
        """count fake JPEGs of about size bytes, stored; returns {key: bytes}."""
        photos = {}
        for i in range(count):
            key = "avatars/7000000101/1/%d.jpg" % (i + 1)
            photos[key] = fake_jpeg(size + 1000 * i, i)
            self.cli.put(key, photos[key], "image/jpeg")
        return photos

    def test_dataset_is_stored_in_parts_and_opens(self):
        photos = self.put_photos(12, MiB)
        key = "avatars/7000000101/1/dataset-7.zip"
        out = self.cli.dataset(key, list(photos))
        kinds = self.multipart_requests(key)
        self.assertEqual(kinds[0], ("create", 200))
        self.assertEqual(kinds[1:], [("part 1", 200), ("part 2", 200), ("complete", 200)])
        (obj,) = [o for o in self.s3.objects() if o["key"] == key]
        self.assertEqual((obj["size"], obj["content_type"]), (out["zip_bytes"], "application/zip"))
        status, body = fetch(self.cli.presign(key))  # as FAL downloads it
        self.assertEqual(status, 200)
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            self.assertIsNone(z.testzip())
            infos = z.infolist()
            self.assertEqual([i.filename for i in infos],
                             ["photo_%02d.jpg" % (n + 1) for n in range(12)])
            for info, (pkey, data) in zip(infos, photos.items()):
                self.assertEqual(info.compress_type, zipfile.ZIP_STORED)
                self.assertEqual(z.read(info), data, pkey)  # byte-identical
        self.assertEqual(self.s3.uploads(), [])

    def test_dataset_failure_aborts(self):
        photos = self.put_photos(12, MiB)
        key = "avatars/7000000101/1/dataset-8.zip"
        self.s3.fault("503", match="PUT /%s/%s?partNumber=2" % (self.s3.bucket, key))
        code, _, err = self.cli.run("dataset", key, *photos)
        self.assertEqual(code, EXIT_RETRYABLE, err)
        self.assertEqual(self.multipart_requests(key)[-1], ("abort", 204))
        self.assertNotIn(key, [o["key"] for o in self.s3.objects()])
        self.assertEqual(self.s3.uploads(), [])

    def test_dataset_memory_does_not_grow(self):
        # one stored photo of 2 MB named 8 and then 40 times: datasets of 16 and 80 MB
        photo_key = "avatars/7000000102/1/1.jpg"
        self.cli.put(photo_key, fake_jpeg(2 * MiB, 1), "image/jpeg")
        peak = {}
        for n in (8, 40):
            key = "avatars/7000000102/1/dataset-%d.zip" % n
            out = self.cli.dataset(key, [photo_key] * n, timeout=120, **peak_rss_env())
            self.assertGreater(out["zip_bytes"], n * 2 * MiB)
            self.assertEqual(self.multipart_requests(key)[-1], ("complete", 200))
            peak[n] = out["peak_rss_kb"] * 1024
        print("dataset peak RSS: 16 MB -> %.1f MB, 80 MB -> %.1f MB"
              % (peak[8] / MiB, peak[40] / MiB), file=sys.stderr)
        # 64 MB more of photos; held whole, the ZIP would add as much
        self.assertLess(peak[40] - peak[8], 8 * MiB, peak)


class StandinSelfTest(unittest.TestCase):
    def test_verifier_agrees_with_aws_published_examples(self):
        deps = install(build_dir())
        proc = subprocess.run(["node", str(Path(__file__).resolve().parents[1] / "support" /
                                           "s3_standin" / "server.js"), "--self-test",
                               "--deps", deps],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        out = proc.stdout.decode()
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn("9 passed, 0 failed", out)


class FileStorageTest(unittest.TestCase):
    def setUp(self):
        storage_tool()
        self.tmp = tempfile.TemporaryDirectory(prefix="ab-file-storage-")
        self.addCleanup(self.tmp.cleanup)
        self.root = Path(self.tmp.name) / "objects"
        self.cli = StorageCli({"STORAGE_URL": "file://%s" % self.root})

    def test_round_trips(self):
        data = payload(70_000, b"file")
        self.cli.put("avatars/7000000001/1/10.jpg", data, "image/jpeg")
        self.assertEqual(self.cli.get("avatars/7000000001/1/10.jpg"), data)
        self.assertEqual((self.root / "avatars/7000000001/1/10.jpg").read_bytes(), data)
        for i, key in enumerate(ODD_KEYS):
            self.cli.put(key, ("object %d" % i).encode())
        self.assertEqual(self.cli.list("avatars/7000000001/"),
                         sorted(["avatars/7000000001/1/10.jpg"] + ODD_KEYS,
                                key=lambda k: k.encode()))
        self.cli.ok("delete", "avatars/7000000001/1/10.jpg")
        code, _, _ = self.cli.run("get", "avatars/7000000001/1/10.jpg")
        self.assertEqual(code, EXIT_NOT_FOUND)
        self.cli.ok("delete", "avatars/7000000001/1/10.jpg")
        self.assertEqual(self.cli.ok("delete-prefix", "avatars/").strip(), b"2")
        self.assertEqual(self.cli.list(""), [])
        self.assertFalse((self.root / "avatars").exists())  # emptied directories go too

    def test_presigned_url_is_a_file_url(self):
        for i, key in enumerate(ODD_KEYS):
            self.cli.put(key, ("object %d" % i).encode())
            url = self.cli.presign(key, 86400)
            self.assertTrue(url.startswith("file://%s/" % self.root), url)
            with urllib.request.urlopen(url) as resp:
                self.assertEqual(resp.read(), ("object %d" % i).encode())

    def test_dataset_is_written_piecewise(self):
        photo_key = "avatars/7000000103/1/1.jpg"
        photo = fake_jpeg(2 * MiB, 3)
        self.cli.put(photo_key, photo, "image/jpeg")
        peak = {}
        for n in (8, 40):
            key = "avatars/7000000103/1/dataset-%d.zip" % n
            out = self.cli.dataset(key, [photo_key] * n, timeout=120, **peak_rss_env())
            peak[n] = out["peak_rss_kb"] * 1024
            with zipfile.ZipFile(self.root / key) as z:
                self.assertEqual(len(z.infolist()), n)
                self.assertEqual(z.read("photo_%02d.jpg" % n), photo)
            self.assertEqual((self.root / key).stat().st_size, out["zip_bytes"])
        self.assertEqual(sorted(p.name for p in (self.root / "avatars/7000000103/1").iterdir()),
                         ["1.jpg", "dataset-40.zip", "dataset-8.zip"])  # no temporary file
        print("dataset peak RSS (file://): 16 MB -> %.1f MB, 80 MB -> %.1f MB"
              % (peak[8] / MiB, peak[40] / MiB), file=sys.stderr)
        self.assertLess(peak[40] - peak[8], 8 * MiB, peak)

    def test_invalid_keys(self):
        for key in ["../escape", "/abs", "a//b", ".hidden"]:
            code, _, err = self.cli.run("put", key, "-", stdin=b"x")
            self.assertEqual(code, EXIT_INVALID, (key, err))
        self.assertFalse((Path(self.tmp.name) / "escape").exists())


if __name__ == "__main__":
    unittest.main(verbosity=2)
