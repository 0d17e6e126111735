"""Shared parts of the fault suite (tests/faults/test_*.py): a Telegram-like deliverer of
updates, the counts every scenario reports, and its one-line figure.

How the figures are counted (bench/RESULTS.md quotes this):
  acknowledged  an update the webhook answered 200 at least once. Telegram re-sends an update
                until it gets a 2xx, so the Deliverer does too: a 503, a 5xx or a refused or
                dropped connection is retried (after a short pause, on any live replica).
  lost          acknowledged updates whose inbox row is not 'done' once the service is idle
                (missing, still pending, or set aside as 'failed').
  doubled       FSM steps beyond one per handled update. chat_state.version is bumped by every
                committed step and by nothing else, so a chat's doubled steps are its version
                minus its 'done' inbox rows (every update the suite sends is one the FSM acts
                on); plus outbox rows that repeat another row of the same update (same
                source_update_id, method and payload), which a step run twice would write.
                The other way round, 'done' rows beyond the version are steps missing (an
                update marked done without its step), asserted 0 as well.
  stuck jobs    jobs still 'pending' or 'running' once the service is idle (a dead job is
                counted apart: it ended, visibly).
  duplicate messages
                what a user would see twice: per chat and text, the successful sendMessage and
                editMessageText calls the Bot API stand-in recorded beyond the outbox rows
                ('sent') that carry that text. A sender that dies after Telegram accepted a
                call and before the row was marked sent sends it again (README: "Which
                duplicates remain possible"), so this is reported, not asserted.
"""

import collections
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402


def seeded_random(name):
    """A Random seeded from AB_FAULT_SEED, else the clock; the seed is printed so a run can
    be repeated."""
    seed = int(os.environ.get("AB_FAULT_SEED") or time.time_ns() % 1_000_000)
    print("%s: seed %d (AB_FAULT_SEED=%d repeats it)" % (name, seed, seed), flush=True)
    return random.Random(seed)


class Deliverer:
    """Delivers updates as Telegram does: per chat one at a time, each re-sent until a replica
    answers 200. Thread-safe; one thread per chat calls deliver()."""

    def __init__(self, test, replicas, pause=0.2, give_up=120.0):
        self.test = test
        self.replicas = list(replicas)
        self.pause = pause
        self.give_up = give_up
        self.lock = threading.Lock()
        self.acked = []                      # update_ids answered 200, in ack order
        self.statuses = collections.Counter()  # every answer: 200, 503, ..., "conn"
        self.log = []                        # (monotonic time, status) of every attempt
        self.rand = random.Random(0)

    def next_update_id(self):
        with self.lock:
            return self.test.next_update_id()

    def live(self):
        return [r for r in self.replicas if r.alive()]

    def deliver(self, make_update):
        """make_update(update_id) -> update dict; returns its update_id once acknowledged."""
        update_id = self.next_update_id()
        upd = make_update(update_id)
        deadline = time.monotonic() + h.scaled(self.give_up)
        while True:
            live = self.live()
            with self.lock:
                svc = self.rand.choice(live) if live else None
            status = "conn"
            if svc is not None:
                try:
                    status, _ = svc.post_update(upd, timeout=10)
                except OSError:
                    status = "conn"
            with self.lock:
                self.statuses[status] += 1
                self.log.append((time.monotonic(), status))
                if status == 200:
                    self.acked.append(update_id)
            if status == 200:
                return update_id
            if time.monotonic() > deadline:
                raise AssertionError("update %d not acknowledged in %.0fs (last answer %s)"
                                     % (update_id, h.scaled(self.give_up), status))
            time.sleep(self.pause)


def private_cluster(test, name, fast=True):
    """A PostgreSQL cluster of the scenario's own under the build tree (the suite's shared one
    is busy with other tests), destroyed at the test's end: (cluster, admin URL). fast=False
    keeps fsync and synchronous commits, for scenarios about what a crash loses."""
    build = Path(os.environ.get("AB_BUILD_DIR") or h.BUILD_DIR)
    pg = h.PgCluster(build / name)

    def start():
        old = os.environ.get("PGCLUSTER_FAST")
        os.environ["PGCLUSTER_FAST"] = "1" if fast else "0"
        try:
            return pg.start()
        finally:
            if old is None:
                del os.environ["PGCLUSTER_FAST"]
            else:
                os.environ["PGCLUSTER_FAST"] = old

    def destroy():
        subprocess.run(["bash", str(h.PGCLUSTER_SCRIPT), "destroy", str(pg.dir)],
                       stdin=subprocess.DEVNULL, timeout=h.scaled(120), check=False)
        shutil.rmtree(pg.dir, ignore_errors=True)

    test.addCleanup(destroy)
    pg.start_again = start  # the same settings when a scenario restarts it
    start()
    return pg


def run_chats(scripts):
    """Runs each script (a callable) in its own thread; re-raises the first failure."""
    errors = []

    def wrap(fn):
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(fn,)) for fn in scripts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def seed_ready_avatar(db_url, storage_url, uid, avatar_id):
    """Ten valid photos in file storage and their rows, the avatar ready for training (the
    photo pipeline itself is tested elsewhere; this is the short way to a trainable avatar)."""
    storage = Path(storage_url[len("file://"):])
    for i in range(10):
        key = "avatars/%d/%d/p%d.jpg" % (uid, avatar_id, i)
        (storage / key).parent.mkdir(parents=True, exist_ok=True)
        (storage / key).write_bytes(b"\xff\xd8\xff\xe0" + bytes([i]) * (1000 + i) + b"\xff\xd9")
        h.psql(db_url, "INSERT INTO avatar_photos (avatar_id, user_id, storage_key, file_hash, "
                       "validation_status, mime_type) VALUES ($1, $2, $3, $4, 'valid', "
                       "'image/jpeg')", avatar_id, uid, key, "h%d" % i)
    h.psql(db_url, "UPDATE avatars SET status = 'ready' WHERE id = $1", avatar_id)


def count(db_url, sql, *params):
    return int(h.psql_value(db_url, sql, *params) or 0)


def wait_idle(db_url, timeout=120.0, extra=None):
    """Waits until nothing is left to do: no pending update, no outbox row pending or being
    sent, no job pending or running (and extra(), if given, is true)."""
    def idle():
        busy = count(db_url, "SELECT (SELECT count(*) FROM inbox WHERE status = 'pending')"
                             " + (SELECT count(*) FROM outbox WHERE status IN ('pending',"
                             " 'sending')) + (SELECT count(*) FROM jobs WHERE status IN"
                             " ('pending', 'running'))")
        return busy == 0 and (extra is None or extra())

    def what():
        return "the service to be idle: %s" % h.psql(
            db_url, "SELECT 'inbox', status, count(*) FROM inbox GROUP BY 2 UNION ALL "
                    "SELECT 'outbox', status, count(*) FROM outbox GROUP BY 2 UNION ALL "
                    "SELECT 'jobs ' || kind, status, count(*) FROM jobs GROUP BY 1, 2")
    h.wait_until(idle, timeout=timeout, interval=0.25, message=what)


def pipeline_figures(db_url, acked):
    """lost, doubled, stuck and dead jobs, failed updates (see the module's docstring)."""
    acked = sorted(set(acked))
    done = {int(r[0]) for r in h.psql(db_url, "SELECT update_id FROM inbox WHERE status = "
                                              "'done'")}
    lost = [u for u in acked if u not in done]
    steps_extra = count(db_url, "SELECT coalesce(sum(greatest(c.version - coalesce(d.n, 0), 0)),"
                                " 0) FROM chat_state c LEFT JOIN (SELECT chat_id, count(*) AS n"
                                " FROM inbox WHERE status = 'done' GROUP BY 1) d USING (chat_id)")
    steps_missing = count(db_url, "SELECT coalesce(sum(greatest(d.n - coalesce(c.version, 0),"
                                  " 0)), 0) FROM chat_state c RIGHT JOIN (SELECT chat_id, "
                                  "count(*) AS n FROM inbox WHERE status = 'done' GROUP BY 1) d"
                                  " USING (chat_id)")
    replies_doubled = count(db_url, "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n"
                                    " FROM outbox WHERE source_update_id IS NOT NULL GROUP BY"
                                    " source_update_id, method, payload HAVING count(*) > 1) x")
    return {
        "acked": len(acked),
        "lost": len(lost),
        "lost_ids": lost[:20],
        "doubled": steps_extra + replies_doubled,
        "steps_missing": steps_missing,
        "stuck": count(db_url, "SELECT count(*) FROM jobs WHERE status IN ('pending', "
                               "'running')"),
        "dead": count(db_url, "SELECT count(*) FROM jobs WHERE status = 'dead'"),
        "failed_updates": count(db_url, "SELECT count(*) FROM inbox WHERE status = 'failed'"),
        "outbox_unsent": count(db_url, "SELECT count(*) FROM outbox WHERE status <> 'sent'"),
    }


def duplicate_messages(botapi, db_url):
    """Successful sendMessage/editMessageText calls beyond the sent outbox rows with the same
    chat and text (see the module's docstring)."""
    seen = collections.Counter()
    for c in botapi.calls():
        if c["method"] in ("sendMessage", "editMessageText") and c["http_status"] == 200:
            seen[(int(c["params"].get("chat_id", 0)), c["params"].get("text", ""))] += 1
    rows = h.psql(db_url, "SELECT chat_id, payload->>'text', count(*) FROM outbox WHERE status ="
                          " 'sent' AND method IN ('sendMessage', 'editMessageText') GROUP BY 1, 2")
    expected = {(int(r[0]), r[1] or ""): int(r[2]) for r in rows}
    extra = {key: n - expected.get(key, 0) for key, n in seen.items()
             if n > expected.get(key, 0)}
    for (chat, text), n in sorted(extra.items()):
        print("duplicate message: chat %d, %d more than sent rows: %r" % (chat, n, text[:80]),
              flush=True)
    return sum(extra.values())


def _collapse(seq):
    """The sequence without immediate repeats (a re-sent call lands right after the first)."""
    return [x for i, x in enumerate(seq) if i == 0 or seq[i - 1] != x]


def out_of_order(botapi, db_url, chats):
    """Chats whose messages reached the Bot API in another order than their outbox rows were
    written (a chat's rows are written in its updates' order). Compared: per chat, the texts
    of the sendMessage/editMessageText calls Telegram took (200, or "message is not modified",
    which the sender counts as delivered), against the texts of the chat's sent outbox rows
    by id, each with immediate repeats collapsed (a re-sent call comes right after the first,
    since a chat's later rows wait for the earlier ones)."""
    seen = collections.defaultdict(list)
    for c in botapi.calls():
        if c["method"] not in ("sendMessage", "editMessageText"):
            continue
        desc = (c.get("response") or {}).get("description", "") if isinstance(
            c.get("response"), dict) else ""
        if c["http_status"] == 200 or "message is not modified" in desc:
            seen[int(c["params"].get("chat_id", 0))].append(c["params"].get("text", ""))
    rows = collections.defaultdict(list)
    for chat, text in h.psql(db_url, "SELECT chat_id, payload->>'text' FROM outbox WHERE status"
                                     " = 'sent' AND method IN ('sendMessage', "
                                     "'editMessageText') ORDER BY id"):
        rows[int(chat)].append(text or "")
    return [c for c in chats if _collapse(seen[c]) != _collapse(rows[c])]


def answers(statuses):
    """The webhook's answers as "200 x568, 503 x3, refused x9"."""
    names = {"conn": "refused"}
    return ", ".join("%s x%d" % (names.get(k, k), n)
                     for k, n in sorted(statuses.items(), key=lambda kv: str(kv[0])))


def figure(name, text):
    """Prints the scenario's one-line figure and keeps it in <logdir>/faults-<name>.figure
    (`make faults` prints them all at the end)."""
    line = "%s: %s" % (name, text)
    print("FIGURE " + line, flush=True)
    (h.log_dir() / ("faults-%s.figure" % name)).write_text(line + "\n")
    return line
