"""The S3 stand-in (server.js beside this file) as a subprocess, for Python tests (stdlib only).

    sys.path.insert(0, str(REPO_ROOT / "tests" / "support" / "s3_standin"))
    from s3standin import S3Standin
    s3 = S3Standin(build_dir)            # installs the pinned npm deps once, starts the server
    env = s3.env()                       # STORAGE_URL, S3_ENDPOINT, S3_REGION, keys, path style
    s3.fault("503", count=2)             # the next two S3 requests fail
    s3.fault("down", match="partNumber=2")  # the first request whose line has this fails
    s3.objects()                         # what is stored: bucket, key, size, content_type, sha256
    s3.uploads()                         # multipart uploads neither completed nor aborted
    s3.stop()

Every S3 request the stand-in receives is checked for a valid AWS SigV4 signature (header or
presigned) by the AWS SDK's own signer; see server.js.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVER = HERE / "server.js"
INSTALL = HERE / "install.sh"

ACCESS_KEY = "AKIAAVATARBOTTEST01"
SECRET_KEY = "s3cr3t/Key+For-Tests_0123456789abcdefXYZ"   # '/' and '+' as real secrets have
REGION = "eu-central-1"
BUCKET = "avatarbot-test"


def install(build_dir):
    """Runs install.sh BUILD_DIR (quick when already installed); returns the deps directory."""
    out = subprocess.run(["bash", str(INSTALL), str(build_dir)], check=True,
                         stdout=subprocess.PIPE, timeout=600)
    return out.stdout.decode().strip().splitlines()[-1]


class S3Standin:
    def __init__(self, build_dir, log_path=None, access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                 region=REGION, buckets=(BUCKET,), start_timeout=20.0):
        self.access_key, self.secret_key, self.region = access_key, secret_key, region
        self.bucket = buckets[0]
        self.deps = install(build_dir)
        self._tmp = tempfile.mkdtemp(prefix="s3-standin-")
        port_file = os.path.join(self._tmp, "port")
        self.log_path = Path(log_path) if log_path else Path(self._tmp) / "s3_standin.log"
        self._log = open(self.log_path, "ab")
        cmd = ["node", str(SERVER), "--port", "0", "--port-file", port_file,
               "--access-key", access_key, "--secret-key", secret_key, "--region", region,
               "--deps", self.deps]
        for b in buckets:
            cmd += ["--bucket", b]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=self._log)
        deadline = time.monotonic() + start_timeout
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("S3 stand-in did not start; log:\n" + self.log_text())
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.endpoint = "http://127.0.0.1:%d" % self.port

    def env(self, path_style=True, **override):
        """The storage configuration that points the service (or storage_cli) here."""
        env = {
            "STORAGE_URL": "s3://" + self.bucket,
            "S3_ENDPOINT": self.endpoint if path_style else "http://localhost:%d" % self.port,
            "S3_REGION": self.region,
            "S3_ACCESS_KEY": self.access_key,
            "S3_SECRET_KEY": self.secret_key,
            "S3_FORCE_PATH_STYLE": "true" if path_style else "false",
        }
        env.update(override)
        return env

    def control(self, method, name, payload=None):
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request("%s/_control/%s" % (self.endpoint, name), data=data,
                                     method=method)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def reset(self):
        """Forgets objects, faults, recorded requests and page size."""
        self.control("POST", "reset", {})

    def fault(self, kind, count=1, seconds=None, match=None, for_seconds=None):
        """The next `count` S3 requests fail (with match: the next `count` whose
        "METHOD PATH?QUERY" contains it): "500", "503", "stall" (no answer), "down" (connection
        closed at once) or "error200" (200 with an <Error> body, as CompleteMultipartUpload
        may answer). With for_seconds, every matching request fails for that long instead."""
        payload = {"kind": kind, "count": count}
        if for_seconds is not None:
            payload["for_seconds"] = for_seconds
        if seconds is not None:
            payload["seconds"] = seconds
        if match is not None:
            payload["match"] = match
        self.control("POST", "fault", payload)

    def set_max_keys(self, n):
        """Longest ListObjectsV2 page the stand-in returns (to exercise pagination)."""
        self.control("POST", "config", {"max_keys": n})

    def objects(self):
        return self.control("GET", "objects")["objects"]

    def uploads(self):
        """Multipart uploads neither completed nor aborted: bucket, key, upload_id, parts."""
        return self.control("GET", "uploads")["uploads"]

    def requests(self):
        """Every S3 request: method, path, query, status, code (S3 error code), auth."""
        return self.control("GET", "requests")["requests"]

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()
        shutil.rmtree(self._tmp, ignore_errors=True)
