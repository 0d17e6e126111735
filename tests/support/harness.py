"""Integration-test harness for avatarbot (standard library only).

The integration tests (tests/integration/test_*.py, plain unittest files run as
`python3 tests/integration/test_x.py`) put tests/support on sys.path and import this:

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
    import harness as h

It provides
  * PgCluster   a private PostgreSQL cluster (scripts/pgcluster.sh) shared by all test
                processes, and fresh databases in it;
  * BotApi      the Telegram Bot API stand-in (botapi_standin.py) as a subprocess, with
                its control API (recorded calls, faults, blocked chats, files);
  * Service     the real `avatarbot serve` binary wired to both, its log captured;
  * Update builders that produce Update JSON the way Telegram sends it;
  * psql helpers, wait_until, and IntegrationTestCase tying it all together.

Environment:
  AB_BINARY            the binary (default <repo>/build/avatarbot)
  AB_TEST_PGDIR        the cluster directory (default <repo>/build/test-pg)
  AB_TEST_LOGDIR       where logs go (default <repo>/build/test-logs)
  AB_TIMEOUT_SCALE     multiply every default timeout (e.g. 5 under sanitizers/valgrind)
  AB_SERVICE_WRAPPER   command prefix for the service, e.g. "valgrind --error-exitcode=99"
"""

import atexit
import csv
import fcntl
import hashlib
import http.client
import io
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = REPO_ROOT / "build"
PGCLUSTER_SCRIPT = REPO_ROOT / "scripts" / "pgcluster.sh"
STANDIN_SCRIPT = Path(__file__).resolve().parent / "botapi_standin.py"

TOKEN = "123456:TEST-token-abc"          # the bot token the service and stand-in share
BOT_ID = 123456                          # Telegram's bot id is the token's first part
BOT_USERNAME = "avatar_test_bot"
WEBHOOK_SECRET = "test-secret_123"
PUBLIC_BASE_URL = "https://bot.example.test"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# User ids beyond 2^32, as Telegram hands out nowadays.
USER_ID_BASE = 7_000_000_000


def log_dir():
    d = Path(os.environ.get("AB_TEST_LOGDIR") or BUILD_DIR / "test-logs")
    d.mkdir(parents=True, exist_ok=True)
    return d


def scaled(seconds):
    """A timeout multiplied by AB_TIMEOUT_SCALE (slow builds: sanitizers, valgrind)."""
    try:
        factor = float(os.environ.get("AB_TIMEOUT_SCALE") or 1)
    except ValueError:
        factor = 1.0
    return seconds * max(factor, 1.0)


def current_test_name():
    """Name of the running test program: AB_TEST_NAME, else the script's file stem."""
    name = os.environ.get("AB_TEST_NAME")
    if not name:
        name = Path(sys.argv[0]).stem if sys.argv and sys.argv[0] else "test"
    return safe_name(name) or "test"


def safe_name(text, limit=None):
    s = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")
    if limit and len(s) > limit:
        digest = hashlib.sha1(s.encode()).hexdigest()[:8]
        s = s[:limit - 9] + "_" + digest
    return s


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago.

    Chosen below the kernel's ephemeral range: a port the kernel hands out (bind to 0) is
    the kind every outgoing connection also takes, so between choosing it and a server
    binding it, a client of a test running beside this one could take it (test_make_run
    failed so, "Address already in use", with another suite running). Random, so that two
    tests choosing at once rarely meet; the bind checks it is free now."""
    low = _ephemeral_low()
    for _ in range(200):
        port = random.randrange(max(1024, low - 12000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.05, message=None):
    """Poll predicate() until it returns something truthy; return that value.

    Raises AssertionError after `timeout` seconds (scaled by AB_TIMEOUT_SCALE). Exceptions
    from the predicate propagate. `message` may be a string or a callable giving one.
    """
    deadline = time.monotonic() + scaled(timeout)
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (scaled(timeout), text or getattr(predicate, "__name__", "a condition")))
        time.sleep(interval)


def http_request(method, url, body=None, headers=None, timeout=10.0):
    """One HTTP request without proxies: (status, headers dict, body bytes)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


# Processes started by this module, killed at exit if a test forgot (or crashed).
_children = []
_children_lock = threading.Lock()


def _track(proc):
    with _children_lock:
        _children.append(proc)


@atexit.register
def _kill_leftovers():
    with _children_lock:
        for proc in _children:
            if proc.poll() is None:
                try:
                    proc.kill()
                    proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass


# --------------------------------------------------------------------------------------
# PostgreSQL

class PsqlError(RuntimeError):
    pass


_NULL = "\x02N"     # how psql prints NULL to us (tests never store this text)


def _psql_binary():
    found = shutil.which("psql")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if candidates:
        return str(candidates[-1])
    raise FileNotFoundError("psql not found (install Debian's postgresql-client)")


def _sql_params(sql, params):
    """Turn $1..$n into psql variables (:'p1', quoted by psql itself) and -v arguments."""
    args = []
    values = {}
    for i, v in enumerate(params, 1):
        if v is None:
            values[i] = "NULL"
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, (dict, list)):
            v = json.dumps(v)
        elif isinstance(v, bytes):
            v = "\\x" + v.hex()
        else:
            v = str(v)
        if "\0" in v:
            raise ValueError("parameter $%d contains a NUL character" % i)
        args += ["-v", "p%d=%s" % (i, v)]
        values[i] = ":'p%d'" % i

    def repl(m):
        n = int(m.group(1))
        if n not in values:
            raise ValueError("SQL uses $%d but only %d parameters were given" % (n, len(params)))
        return values[n]

    return re.sub(r"\$(\d+)", repl, sql), args


def psql(db_url, sql, *params, timeout=60.0):
    """Run SQL with the psql client; return the rows as lists of strings (None for NULL).

    Parameters are written $1, $2, ... in the SQL and passed safely (psql quotes them as
    literals; PostgreSQL casts them like any untyped literal, e.g. '42' to bigint).
    None becomes NULL; dicts and lists become JSON text. Several statements may be given;
    the rows of all of them are returned in order. Raises PsqlError on any SQL error.
    """
    text, args = _sql_params(sql, params)
    cmd = [_psql_binary(), "-X", "-q", "-t", "--csv", "-v", "ON_ERROR_STOP=1",
           "-P", "null=" + _NULL, "-d", db_url] + args
    env = dict(os.environ, PGCONNECT_TIMEOUT="10", PGAPPNAME="avatarbot-tests")
    proc = subprocess.run(cmd, input=text + "\n", capture_output=True, text=True,
                          timeout=scaled(timeout), env=env)
    if proc.returncode != 0:
        raise PsqlError("psql failed (%d): %s\nSQL: %s" % (proc.returncode, proc.stderr.strip(),
                                                          sql.strip()))
    rows = []
    for row in csv.reader(io.StringIO(proc.stdout)):
        # An empty line is one row with one empty-string column.
        rows.append([None if c == _NULL else c for c in row] if row else [""])
    return rows


def psql_value(db_url, sql, *params, timeout=60.0):
    """The first column of the first row (a string), or None when there is no row."""
    rows = psql(db_url, sql, *params, timeout=timeout)
    return rows[0][0] if rows and rows[0] else None


def psql_json(db_url, query, *params, timeout=60.0):
    """Rows of a single SELECT as a list of dicts with JSON types (ints, bools, objects...)."""
    wrapped = ("SELECT coalesce(json_agg(row_to_json(q)), '[]'::json) FROM (%s) AS q"
               % query.strip().rstrip(";"))
    value = psql_value(db_url, wrapped, *params, timeout=timeout)
    return json.loads(value) if value else []


def with_database(db_url, dbname):
    """The same URL pointing at another database."""
    parts = urllib.parse.urlsplit(db_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + dbname))


class PgCluster:
    """The shared test cluster (scripts/pgcluster.sh) in AB_TEST_PGDIR or build/test-pg.

    Several test processes may use it at once: start() takes an flock on DIR/lock and the
    script itself is idempotent. It runs with PGCLUSTER_FAST=1 (fsync off) unless the
    environment sets PGCLUSTER_FAST. Nothing stops the cluster when tests end (other tests may
    be using it); CI runs `scripts/pgcluster.sh stop DIR` at the end.
    """

    def __init__(self, directory=None):
        self.dir = Path(directory or os.environ.get("AB_TEST_PGDIR") or BUILD_DIR / "test-pg")
        self.url = None

    def start(self, timeout=180.0):
        """Start (or find running) and return the admin URL (database `avatarbot`)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        # A test cluster needs no durability: fast mode unless the caller says otherwise.
        env = dict(os.environ)
        env.setdefault("PGCLUSTER_FAST", "1")
        with open(self.dir / "lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            proc = subprocess.run(["bash", str(PGCLUSTER_SCRIPT), "start", str(self.dir)],
                                  capture_output=True, text=True, timeout=scaled(timeout),
                                  stdin=subprocess.DEVNULL, env=env)
        if proc.returncode != 0:
            raise RuntimeError("pgcluster.sh start failed:\n" + proc.stderr)
        lines = proc.stdout.strip().splitlines()
        if not lines or not lines[-1].startswith("postgresql://"):
            raise RuntimeError("pgcluster.sh printed no URL:\n%s%s" % (proc.stdout, proc.stderr))
        self.url = lines[-1].strip()
        return self.url

    def stop(self):
        subprocess.run(["bash", str(PGCLUSTER_SCRIPT), "stop", str(self.dir)], check=True,
                       stdin=subprocess.DEVNULL, timeout=scaled(120))
        self.url = None

    def database_url(self, name):
        if self.url is None:
            self.start()
        return with_database(self.url, name)

    def new_database(self, name):
        """Create a fresh, empty database (dropping any of that name); return its URL.

        The name is reduced to [a-z0-9_] and at most 63 characters.
        """
        if self.url is None:
            self.start()
        dbname = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or "test"
        if dbname[0].isdigit():
            dbname = "t_" + dbname
        if len(dbname) > 63:
            dbname = dbname[:54] + "_" + hashlib.sha1(dbname.encode()).hexdigest()[:8]
        psql(self.url, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % dbname)
        psql(self.url, 'CREATE DATABASE "%s" OWNER avatarbot TEMPLATE template0 ENCODING \'UTF8\''
             % dbname)
        return with_database(self.url, dbname)


_cluster = None


def pg_cluster():
    """The process-wide PgCluster, started."""
    global _cluster
    if _cluster is None:
        _cluster = PgCluster()
    if _cluster.url is None:
        _cluster.start()
    return _cluster


# --------------------------------------------------------------------------------------
# Telegram Bot API stand-in

class BotApi:
    """botapi_standin.py in a subprocess on a free port, and its control API.

    Calls are dicts {seq, time, method, params, http_status, token_ok, fault, response}
    (see botapi_standin.py). File downloads are recorded as method "downloadFile".
    """

    def __init__(self, token=TOKEN, log_name=None, port=0):
        self.token = token
        self.log_path = log_dir() / ("%s-botapi.log" % (log_name or current_test_name()))
        fd, self._port_file = tempfile.mkstemp(prefix="botapi-port-")
        os.close(fd)
        os.unlink(self._port_file)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(STANDIN_SCRIPT), "--port", str(port),
             "--port-file", self._port_file, "--token", token],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        _track(self.proc)
        try:
            wait_until(lambda: os.path.exists(self._port_file) or self.proc.poll() is not None,
                       timeout=15, message="the Bot API stand-in to listen")
            if self.proc.poll() is not None:
                raise RuntimeError("Bot API stand-in exited (%s):\n%s"
                                   % (self.proc.returncode, self.log_text()))
            with open(self._port_file) as f:
                self.port = int(f.read().strip())
        finally:
            if os.path.exists(self._port_file):
                os.unlink(self._port_file)
        self.base_url = "http://127.0.0.1:%d" % self.port

    # ---- control API ------------------------------------------------------------------
    def _control(self, method, path, body=None, timeout=30.0):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        status, _, raw = http_request(method, self.base_url + "/_control/" + path, data, headers,
                                      timeout=timeout)
        try:
            obj = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            obj = raw
        if status not in (200, 408):
            raise RuntimeError("stand-in control %s %s -> %d %r" % (method, path, status, obj))
        return status, obj

    @staticmethod
    def _query(**kw):
        return urllib.parse.urlencode({k: v for k, v in kw.items() if v is not None})

    def calls(self, method=None, since=0):
        """Recorded calls with seq > since, optionally of one method (case-insensitive)."""
        return self._control("GET", "calls?" + self._query(method=method, since=since))[1]

    def wait_calls(self, n, method=None, timeout=10.0, since=0):
        """Wait until >= n successful (HTTP 200) matching calls exist; return them.

        Raises AssertionError on timeout, listing what was called.
        """
        t = scaled(timeout)
        status, found = self._control(
            "GET", "wait?" + self._query(count=n, method=method, since=since, timeout=t),
            timeout=t + 10)
        if status != 200:
            seen = ["#%d %s %s" % (c["seq"], c["method"], c["http_status"])
                    for c in self.calls(since=since)]
            raise AssertionError("expected %d successful %s call(s) within %.1fs, got %d; calls: %s"
                                 % (n, method or "Bot API", t, len(found), ", ".join(seen) or "none"))
        return found

    def last_seq(self):
        """The seq of the latest recorded call (0 if none): a `since` mark for later."""
        calls = self.calls()
        return calls[-1]["seq"] if calls else 0

    def fault(self, kind, method=None, chat_id=None, count=1, retry_after=None,
              stall_seconds=None, for_seconds=None):
        """Make the next `count` matching calls fail: kind is "429", "500", "502", "403",
        "stall" (answer after stall_seconds) or "drop" (close the connection). With
        for_seconds, every matching call fails for that long instead (count is ignored)."""
        body = {"kind": str(kind), "count": count}
        if method is not None:
            body["method"] = method
        if chat_id is not None:
            body["chat_id"] = chat_id
        if retry_after is not None:
            body["retry_after"] = retry_after
        if stall_seconds is not None:
            body["stall_seconds"] = stall_seconds
        if for_seconds is not None:
            body["for_seconds"] = for_seconds
        self._control("POST", "fault", body)

    def faults(self):
        """The faults still armed."""
        return self._control("GET", "faults")[1]

    def refuse_urls(self, refuse=True):
        """Files given by URL are refused as Telegram does when it cannot fetch them (400
        "wrong file identifier/HTTP URL specified"); uploads and file_ids still work."""
        self._control("POST", "config", {"refuse_urls": refuse})

    def block(self, chat_id, blocked=True):
        """Make the chat answer 403 "bot was blocked by the user" (blocked=False undoes)."""
        self._control("POST", "block", {"chat_id": chat_id, "blocked": blocked})

    def add_file(self, file_id, file_unique_id=None, path=None, content=None, file_path=None,
                 file_size=None):
        """Register a file for getFile and download (from a path on disk or bytes).

        Returns the File object. file_size overrides the reported size (e.g. to test the
        20 MB limit without such a file).
        """
        body = {"file_id": file_id}
        if file_unique_id is not None:
            body["file_unique_id"] = file_unique_id
        if path is not None:
            body["path_on_disk"] = str(path)
        elif content is not None:
            import base64
            body["content_b64"] = base64.b64encode(content).decode()
        else:
            raise ValueError("add_file needs path or content")
        if file_path is not None:
            body["file_path"] = file_path
        if file_size is not None:
            body["file_size"] = file_size
        return self._control("POST", "files", body)[1]["file"]

    def add_user_message(self, chat_id, message_id, text=None, from_id=None):
        """Tell the stand-in the user sent this message (Service.post_update does it for
        every message update), so the bot can delete it as it could on Telegram."""
        body = {"chat_id": chat_id, "message_id": message_id}
        if text is not None:
            body["text"] = text
        if from_id is not None:
            body["from_id"] = from_id
        self._control("POST", "user_message", body)

    def messages(self, chat_id):
        """The chat's current messages as the stand-in holds them (after edits/deletes)."""
        return self._control("GET", "messages?" + self._query(chat_id=chat_id))[1]

    def pay(self, chat_id, update_id, service, **overrides):
        """Plays Telegram's payment of the chat's last invoice against service's webhook (see
        control "pay" in botapi_standin.py): the pre_checkout_query with update_id, and on an
        ok answer the successful_payment message with update_id + 1. overrides: currency,
        total_amount, invoice_payload, user. Returns {answer, answer_seconds, payment, ...}."""
        body = {"chat_id": chat_id, "update_id": update_id,
                "webhook_url": service.url + "/telegram/webhook",
                "secret_token": WEBHOOK_SECRET}
        body.update(overrides)
        return self._control("POST", "pay", body, timeout=60)[1]

    def deliver_to(self, service, secret=WEBHOOK_SECRET):
        """The web chat (botapi_webchat.py) delivers its users' updates and payments to this
        service's webhook, with its secret."""
        self._control("POST", "config", {"deliver_url": service.url + "/telegram/webhook",
                                         "deliver_secret": secret})

    def page(self, name, body=None, timeout=60.0):
        """A call of the web chat's API as the page makes it (GET when body is None):
        (status, decoded JSON)."""
        data = json.dumps(body).encode() if body is not None else None
        status, _, raw = http_request("POST" if data is not None else "GET",
                                      self.base_url + "/_chat/" + name, data,
                                      {"Content-Type": "application/json"}, timeout=timeout)
        return status, json.loads(raw.decode("utf-8"))

    def webhook(self):
        """Webhook settings from setWebhook, including secret_token."""
        return self._control("GET", "webhook")[1]

    def reset(self):
        self._control("POST", "reset", {})

    def api(self, method, params=None, token=None, http_method="POST"):
        """Call the stand-in's Bot API like a client: (http status, decoded JSON or bytes)."""
        url = "%s/bot%s/%s" % (self.base_url, token or self.token, method)
        body = json.dumps(params or {}).encode()
        status, _, raw = http_request(http_method, url, body,
                                      {"Content-Type": "application/json"})
        try:
            return status, json.loads(raw.decode("utf-8"))
        except ValueError:
            return status, raw

    def api_multipart(self, method, fields=None, files=None):
        """Call the stand-in's Bot API with a multipart/form-data body: fields {name: value}
        (objects and arrays as JSON), files {name: (filename, content_type, bytes)}. Returns
        (http status, decoded JSON)."""
        boundary = "ab-test-%s" % hashlib.sha256(os.urandom(16)).hexdigest()[:24]
        out = io.BytesIO()
        for name, value in (fields or {}).items():
            if not isinstance(value, str):
                value = json.dumps(value)
            out.write(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                       % (boundary, name, value)).encode())
        for name, (filename, ctype, data) in (files or {}).items():
            out.write(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                       "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
                       % (boundary, name, filename, ctype)).encode())
            out.write(data + b"\r\n")
        out.write(("--%s--\r\n" % boundary).encode())
        url = "%s/bot%s/%s" % (self.base_url, self.token, method)
        status, _, raw = http_request("POST", url, out.getvalue(), {
            "Content-Type": "multipart/form-data; boundary=%s" % boundary})
        return status, json.loads(raw.decode("utf-8"))

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

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


# --------------------------------------------------------------------------------------
# The service under test

def default_binary():
    return Path(os.environ.get("AB_BINARY") or BUILD_DIR / "avatarbot")


def service_env(db_url, botapi, port, extra_env=None):
    """The environment `avatarbot serve` gets from Service (extra_env None values unset)."""
    api_base = botapi.base_url if isinstance(botapi, BotApi) else str(botapi)
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": db_url,
        "HTTP_PORT": str(port),
        "HTTP_BIND": "127.0.0.1",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TELEGRAM_API_BASE": api_base,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "LOG_LEVEL": "debug",
        "WORKER_THREADS": "2",
        "FAL_MODE": "simulate",
        # replicas of one test share a database, so they share its object storage too
        "STORAGE_URL": "file://%s" % (log_dir() / "storage" / db_url.rsplit("/", 1)[-1]),
        "FACE_MODEL_PATH": os.environ.get("AB_FACE_MODEL",
                                          str(BUILD_DIR / "models" / "blazeface_short_128.onnx")),
        # libcurl honours proxy variables; the stand-ins are local.
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })
    for k, v in (extra_env or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


def run_avatarbot(args, db_url=None, botapi=None, extra_env=None, timeout=60.0, binary=None):
    """Run a one-shot subcommand (e.g. ["migrate"], ["version"]) with the test env.

    Returns subprocess.CompletedProcess with text stdout/stderr.
    """
    # Port 9 (discard) is never listened on here: a stray Bot API call fails fast.
    env = service_env(db_url or "", botapi or "http://127.0.0.1:9", free_port(), extra_env)
    if db_url is None:
        env.pop("DATABASE_URL", None)
    exe = Path(binary) if binary else default_binary()
    if not exe.exists():
        raise FileNotFoundError("avatarbot binary not found at %s (build it, or set AB_BINARY)"
                                % exe)
    return subprocess.run([str(exe)] + list(args), env=env, capture_output=True, text=True,
                          timeout=scaled(timeout), stdin=subprocess.DEVNULL)


class Service:
    """One `avatarbot serve` process (a replica), started on construction.

    Its stdout+stderr go to <logdir>/<log_name>-<name>.log, log_name defaulting to the
    test program's name (appended across restarts).
    After stop() or kill(), start() runs it again on the same port.
    """

    def __init__(self, db_url, botapi, extra_env=None, name="a", binary=None, args=("serve",),
                 log_name=None, port=None, start=True):
        self.db_url = db_url
        self.botapi = botapi
        self.name = name
        self.binary = Path(binary) if binary else default_binary()
        if start and not self.binary.exists():
            raise FileNotFoundError("avatarbot binary not found at %s (build it, or set "
                                    "AB_BINARY)" % self.binary)
        self.args = list(args)
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.env = service_env(db_url, botapi, self.port, extra_env)
        self.log_path = log_dir() / ("%s-%s.log"
                                     % (log_name or current_test_name(), safe_name(name)))
        self.log_path.write_bytes(b"")
        self.proc = None
        self.returncode = None
        if start:
            self.start()

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("service %s is already running" % self.name)
        if not self.binary.exists():
            raise FileNotFoundError("avatarbot binary not found at %s (build it, or set "
                                    "AB_BINARY)" % self.binary)
        wrapper = shlex.split(os.environ.get("AB_SERVICE_WRAPPER", ""))
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(wrapper + [str(self.binary)] + self.args, env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        _track(self.proc)
        self.returncode = None
        return self

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=30.0):
        """Poll GET /readyz until it answers 200; fail early if the process exits."""
        deadline = time.monotonic() + scaled(timeout)
        last = "no answer"
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError("service %s exited with %s before it was ready; log:\n%s"
                                     % (self.name, self.proc.returncode if self.proc else None,
                                        self.log_tail()))
            try:
                status, body = self.get("/readyz", timeout=2)
                if status == 200:
                    return self
                last = "%d %s" % (status, body[:200])
            except OSError as e:
                last = str(e)
            time.sleep(0.1)
        raise AssertionError("service %s not ready after %.1fs (last: %s); log:\n%s"
                             % (self.name, scaled(timeout), last, self.log_tail()))

    def request(self, method, path, body=None, headers=None, timeout=10.0):
        """(status, body text) of one HTTP request to the service."""
        status, _, raw = http_request(method, self.url + path, body, headers,
                                      timeout=scaled(timeout))
        return status, raw.decode("utf-8", errors="replace")

    def get(self, path, headers=None, timeout=10.0):
        return self.request("GET", path, None, headers, timeout)

    def metric(self, name, labels=""):
        """The value of one series on /metrics (labels as written there, e.g. 'kind="x"'),
        or None when absent."""
        body = self.get("/metrics")[1]
        text = body.decode() if isinstance(body, bytes) else body
        series = name + ("{%s}" % labels if labels else "")
        for line in text.splitlines():
            if line.startswith(series + " "):
                return float(line.split()[-1])
        return None

    def post_update(self, update, secret=None, headers=None, timeout=10.0):
        """POST an update to /telegram/webhook as Telegram does: (status, body text).

        update: a dict (encoded like Telegram: compact, non-ASCII as \\uXXXX) or raw bytes.
        A dict's message is also noted in the Bot API stand-in as sent by the user.
        secret: None sends the configured secret, False sends no header, a str sends it.
        """
        body = update if isinstance(update, (bytes, bytearray)) else encode_update(update)
        if isinstance(update, dict) and isinstance(self.botapi, BotApi):
            # On Telegram the user's message exists in the chat from now on.
            msg = update.get("message")
            if isinstance(msg, dict) and "message_id" in msg and "chat" in msg:
                self.botapi.add_user_message(msg["chat"]["id"], msg["message_id"],
                                             msg.get("text"), msg.get("from", {}).get("id"))
        hdrs = {"Content-Type": "application/json"}
        if secret is None:
            hdrs[SECRET_HEADER] = WEBHOOK_SECRET
        elif secret is not False:
            hdrs[SECRET_HEADER] = secret
        hdrs.update(headers or {})
        return self.request("POST", "/telegram/webhook", bytes(body), hdrs, timeout)

    def stop(self, timeout=20.0, expect_clean=True):
        """SIGTERM and wait; returns the exit code. If it does not exit in time it is
        killed, and with expect_clean an AssertionError says so."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.returncode = self.proc.wait(timeout=scaled(timeout))
        except subprocess.TimeoutExpired:
            self.kill()
            if expect_clean:
                raise AssertionError("service %s ignored SIGTERM for %.1fs; killed"
                                     % (self.name, scaled(timeout))) from None
        return self.returncode

    def kill(self):
        """SIGKILL (a crash at an arbitrary instant) and reap."""
        if self.alive():
            self.proc.kill()
        if self.proc is not None:
            self.returncode = self.proc.wait()
        return self.returncode

    def close(self):
        """Stop without complaining (for cleanups)."""
        try:
            self.stop(expect_clean=False)
        finally:
            self.kill()

    # ---- logs -------------------------------------------------------------------------
    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines=60):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def log_json(self):
        """Log lines that are JSON objects, parsed (other lines are skipped)."""
        out = []
        for line in self.log_text().splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    out.append(obj)
        return out

    def assert_no_secrets_in_log(self, extra=()):
        """The bot token (whole, or its secret part) and the webhook secret never appear
        in the log, nor any string in `extra`."""
        text = self.log_text()
        secrets = [("the bot token", TOKEN), ("the bot token's secret part", TOKEN.split(":", 1)[1]),
                   ("the webhook secret", WEBHOOK_SECRET)]
        secrets += [("a given secret", s) for s in extra]
        for label, s in secrets:
            if s and s in text:
                line = next(l for l in text.splitlines() if s in l)
                raise AssertionError("%s appears in the log of service %s (%s): %s"
                                     % (label, self.name, self.log_path,
                                        line.replace(s, "<SECRET>")[:300]))

    # Another name for the same check.
    assert_token_not_logged = assert_no_secrets_in_log

    SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                       "WARNING: ThreadSanitizer")

    def assert_no_sanitizer_reports(self):
        """Under ASan/UBSan builds, the service's log holds no sanitizer report (memory
        errors, leaks at exit, undefined behaviour)."""
        text = self.log_text()
        for mark in self.SANITIZER_MARKS:
            if mark in text:
                at = text.index(mark)
                raise AssertionError("sanitizer report in the log of service %s (%s):\n%s"
                                     % (self.name, self.log_path, text[at:at + 3000]))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------------------
# Updates as the Bot API sends them

BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Avatar Test Bot",
            "username": BOT_USERNAME}


def user_id(n):
    """A realistic user id above 2^32 (n small: 1, 2, ...)."""
    return USER_ID_BASE + n


def user_object(uid, lang="ru", first_name="Тестер", username=None):
    u = {"id": uid, "is_bot": False, "first_name": first_name}
    if username:
        u["username"] = username
    if lang is not None:
        u["language_code"] = lang
    return u


def chat_object(chat_id, first_name="Тестер", username=None):
    c = {"id": chat_id, "first_name": first_name}
    if username:
        c["username"] = username
    c["type"] = "private"
    return c


def _default_message_id(update_id):
    # User messages in a private chat share one id sequence with the bot's; keep ours far
    # from the stand-in's (which count from 1) so they never collide. The stand-in numbers
    # the bot's next messages after the user's latest, so consecutive user messages are
    # 1,000 apart: with ids one apart, the bot's reply to one took the id of the next, which
    # then replaced it in the stand-in (a status message turned into the user's photo, seen
    # as a flaky test_photos run). Telegram's ids stay below 2^31 here.
    return 1_000_000 + (update_id % 1_000_000) * 1000


def _message_base(update_id, uid, lang, message_id, chat_id, first_name, username, date):
    return {
        "message_id": message_id if message_id is not None else _default_message_id(update_id),
        "from": user_object(uid, lang, first_name, username),
        "chat": chat_object(chat_id if chat_id is not None else uid, first_name, username),
        "date": int(date if date is not None else time.time()),
    }


def utf16_len(text):
    """Length in UTF-16 code units (what entity offsets and lengths count)."""
    return len(text.encode("utf-16-le")) // 2


def message_update(update_id, user_id, text, lang="ru", message_id=None, chat_id=None,
                   first_name="Тестер", username=None, date=None):
    """A private text message; a leading /command gets its bot_command entity."""
    msg = _message_base(update_id, user_id, lang, message_id, chat_id, first_name, username,
                        date)
    msg["text"] = text
    m = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
    if m:
        msg["entities"] = [{"offset": 0, "length": utf16_len(m.group(0)), "type": "bot_command"}]
    return {"update_id": update_id, "message": msg}


def callback_update(update_id, user_id, data, message_id, lang="ru", chat_id=None,
                    message_text="…", reply_markup=None, callback_id=None, first_name="Тестер",
                    username=None, date=None):
    """A button press on the bot's message `message_id` (callback_query)."""
    chat = chat_id if chat_id is not None else user_id
    message = {"message_id": message_id, "from": dict(BOT_USER),
               "chat": chat_object(chat, first_name, username),
               "date": int(date if date is not None else time.time()) - 5,
               "text": message_text}
    if reply_markup is not None:
        message["reply_markup"] = reply_markup
    if callback_id is None:
        callback_id = str((user_id * 4096 + update_id) % (2 ** 63))
    chat_instance = str(-((user_id * 7919 + 12345) % (2 ** 62)))
    return {"update_id": update_id,
            "callback_query": {"id": str(callback_id),
                               "from": user_object(user_id, lang, first_name, username),
                               "message": message, "chat_instance": chat_instance,
                               "data": data}}


def photo_sizes(file_id, file_unique_id, width, height, file_size):
    """PhotoSize array like Telegram's: thumbnails first, the original (given ids) last."""
    sizes = []
    for i, side in enumerate((90, 320, 800)):
        if side >= max(width, height):
            break
        scale = side / max(width, height)
        sizes.append({"file_id": "%s_%d" % (file_id, i),
                      "file_unique_id": "%s%d" % (file_unique_id, i),
                      "file_size": max(1, int(file_size * scale * scale)),
                      "width": max(1, round(width * scale)),
                      "height": max(1, round(height * scale))})
    sizes.append({"file_id": file_id, "file_unique_id": file_unique_id, "file_size": file_size,
                  "width": width, "height": height})
    return sizes


def photo_update(update_id, user_id, file_id=None, file_unique_id=None, width=1280,
                 height=1280, file_size=250_000, media_group_id=None, caption=None, lang="ru",
                 message_id=None, chat_id=None, first_name="Тестер", username=None, date=None):
    """A photo message (optionally part of an album via media_group_id)."""
    if file_id is None:
        file_id = "AgACAgIAAxkBAAI%012d" % update_id
    if file_unique_id is None:
        file_unique_id = "AQAD%08d" % (update_id % 10 ** 8)
    msg = _message_base(update_id, user_id, lang, message_id, chat_id, first_name, username,
                        date)
    if media_group_id is not None:
        msg["media_group_id"] = str(media_group_id)
    msg["photo"] = photo_sizes(file_id, file_unique_id, width, height, file_size)
    if caption is not None:
        msg["caption"] = caption
    return {"update_id": update_id, "message": msg}


def document_update(update_id, user_id, file_id=None, file_unique_id=None,
                    mime_type="image/jpeg", file_name="IMG_0001.jpg", file_size=1_500_000,
                    media_group_id=None, caption=None, lang="ru", message_id=None, chat_id=None,
                    first_name="Тестер", username=None, date=None):
    """A file sent as a document (e.g. an uncompressed photo)."""
    if file_id is None:
        file_id = "BQACAgIAAxkBAAI%012d" % update_id
    if file_unique_id is None:
        file_unique_id = "AgAD%08d" % (update_id % 10 ** 8)
    msg = _message_base(update_id, user_id, lang, message_id, chat_id, first_name, username,
                        date)
    if media_group_id is not None:
        msg["media_group_id"] = str(media_group_id)
    msg["document"] = {"file_name": file_name, "mime_type": mime_type, "file_id": file_id,
                       "file_unique_id": file_unique_id, "file_size": file_size}
    if caption is not None:
        msg["caption"] = caption
    return {"update_id": update_id, "message": msg}


def my_chat_member_update(update_id, user_id, new_status="kicked", old_status="member",
                          lang="ru", first_name="Тестер", date=None):
    """The user blocked (kicked) or unblocked (member) the bot."""
    now = int(date if date is not None else time.time())
    return {"update_id": update_id,
            "my_chat_member": {
                "chat": chat_object(user_id, first_name),
                "from": user_object(user_id, lang, first_name),
                "date": now,
                "old_chat_member": {"user": dict(BOT_USER), "status": old_status},
                "new_chat_member": {"user": dict(BOT_USER), "status": new_status,
                                    **({"until_date": 0} if new_status == "kicked" else {})}}}


def post_at_once(service, updates):
    """Posts the updates to service's webhook all at once, one thread each (as Telegram's
    deliveries to several chats can arrive); returns their HTTP statuses."""
    statuses = []
    threads = [threading.Thread(target=lambda u=u: statuses.append(service.post_update(u)[0]))
               for u in updates]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def encode_update(update, update_id_last=False):
    """Bytes of an update as the Bot API sends it: compact JSON, every non-ASCII character
    escaped as \\uXXXX (emoji as surrogate pairs). update_id_last moves update_id to the end
    (real updates may have it anywhere)."""
    if update_id_last and "update_id" in update:
        uid = update["update_id"]
        update = {k: v for k, v in update.items() if k != "update_id"}
        update["update_id"] = uid
    return json.dumps(update, ensure_ascii=True, separators=(",", ":")).encode("ascii")


class UpdateIds:
    """Increasing update_ids for one test, starting at a realistic large value."""

    def __init__(self, start=None):
        self.next = start if start is not None else 500_000_000 + (os.getpid() % 1000) * 10_000

    def __call__(self):
        self.next += 1
        return self.next


# --------------------------------------------------------------------------------------
# unittest glue

class IntegrationTestCase(unittest.TestCase):
    """Base class: each test gets a fresh database (self.db_url), a Bot API stand-in
    (self.botapi) and update ids (self.next_update_id()); start_service() starts replicas
    that are stopped after the test, and whose logs are checked for secrets."""

    check_secrets_in_logs = True

    def setUp(self):
        method = self.id().rsplit(".", 1)[-1]
        self.test_label = safe_name("%s.%s" % (current_test_name(), method), limit=120)
        self.db_url = pg_cluster().new_database("ab_%s_%s" % (current_test_name(), method))
        self.botapi = BotApi(log_name=self.test_label)
        self.addCleanup(self.botapi.stop)
        self.next_update_id = UpdateIds()
        self.services = []

    def start_service(self, name="a", extra_env=None, wait=True, timeout=30.0):
        svc = Service(self.db_url, self.botapi, extra_env=extra_env, name=name,
                      log_name=self.test_label)
        self.services.append(svc)
        self.addCleanup(self._finish_service, svc)
        if wait:
            svc.wait_ready(timeout)
        return svc

    def _finish_service(self, svc):
        svc.close()
        if self.check_secrets_in_logs:
            svc.assert_no_secrets_in_log()
        svc.assert_no_sanitizer_reports()


def main():
    """Run the calling test file's tests (unittest.main; exit status 1 on failure)."""
    unittest.main(module="__main__", verbosity=2)
