"""Runs a conversation transcript (tests/transcripts/*.txt) against the real binary, the Bot
API stand-in and a fresh database: what the user sends, and what the bot must answer.

    python3 tests/support/transcript.py tests/transcripts/create_portrait.txt [--show]

--show prints, after each thing the user sends, what the bot actually answered, written as a
transcript (a start for a new one), and checks only the statements. ctest runs each
transcript as transcript_<name>.

The format, one statement a line ('#' starts a comment line):

  lang ru                 the current user's language_code (default en)
  user 2 [ru]             user 2 (h.user_id(2)) talks from here on; {uid} is the current user,
                          {user1}, {user2}... any of them
  env KEY=VALUE           a service setting (applies from the start)
  restart                 stop the service and start it again
  replica b               talk to replica b from here on (started if needed)

  > /start                the user sends this text ("  as JSON  " keeps outer spaces)
  > [Create avatar]       the user presses the button labelled so (or the one label containing
                          it) on the latest message that shows it
  > (callback av:list:0)  a press carrying this data on the latest screen (old or forged buttons)
  > (photo)               a photo the bot cannot download; `size=N` sets its declared size
  > (photo plasma/Books.png)            a photo from the test photo set (AB_TEST_PHOTOS)
  > (album plasma/A.png plasma/B.png)   those photos as one album
  > (document image/gif bytes:GIF89a…)  a file sent as a document (a test photo, or the bytes
                                        written up to the closing parenthesis)

  After each of these comes everything the bot does in that chat, in order, and nothing else:
  < send: TEXT            a new message whose text contains TEXT (/.../ for a regular expression)
  < edit: TEXT            an edit of the message the user pressed a button of (or of one the bot
                          sent in the same answer)
      MORE TEXT           (indented) more text the same message contains
      [A] [B]             (indented) a keyboard row; given any, the keyboard is exactly these rows
  < album: N              an album of N photos sent (sendMediaGroup)
  < photo: CAPTION        one photo sent (sendPhoto), its caption containing CAPTION
  < document: NAME        a file sent (sendDocument), its name containing NAME
  < answer: TEXT          the press is answered with this notice; without an answer line a press
                          must be answered without one
  ...                     any number of edits here (e.g. progress shown as it goes)

  state: NAME             the current user's chat_state
  db: SQL => VALUE        SQL's result is VALUE (columns joined by '|', rows by '; ', no row is
                          '(none)'; /.../ for a pattern); {name} in SQL is passed as a parameter
  let NAME: SQL           {NAME} stands for SQL's value from here on
  sql: SQL                runs SQL (to set something up)
"""
import json
import os
import re
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from chat import Chat  # noqa: E402

PHOTOS = Path(os.environ.get("AB_TEST_PHOTOS") or h.BUILD_DIR / "test-photos")
# unittest leaves this module out of the tracebacks of failed transcripts.
__unittest = True

VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class TranscriptError(Exception):
    pass


class Step:
    def __init__(self, kind, lineno, line, **kw):
        self.kind, self.lineno, self.line = kind, lineno, line
        self.__dict__.update(kw)
        self.expect = []        # for actions: the bot's calls expected, in order


class Expect:
    def __init__(self, kind, lineno, line, text=None):
        self.kind, self.lineno, self.line = kind, lineno, line
        self.checks = [text] if text else []    # texts (or /patterns/) the text must contain
        self.rows = []                           # keyboard rows (lists of labels)
        self.lines = [line]


def parse(path):
    steps, last_action, last_expect = [], None, None
    for n, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = "%s:%d" % (Path(path).name, n)
        if line[0].isspace():
            body = line.strip()
            if last_expect is None or last_expect.kind not in ("send", "edit"):
                raise TranscriptError("%s: an indented line belongs under '< send' or '< edit'"
                                      % where)
            if body.startswith("["):
                if not re.fullmatch(r"(\[[^\]]*\]\s*)+", body):
                    raise TranscriptError("%s: a keyboard row is [label] [label] ..." % where)
                last_expect.rows.append(re.findall(r"\[([^\]]*)\]", body))
            else:
                last_expect.checks.append(body)
            last_expect.lines.append(line)
            continue
        last_expect = None
        if line.startswith("> "):
            last_action = Step("act", n, line, what=line[2:].strip())
            steps.append(last_action)
        elif line.startswith("<") or line == "...":
            if last_action is None:
                raise TranscriptError("%s: the bot's answer before anything was sent" % where)
            if line == "...":
                last_expect = Expect("any", n, line)
            else:
                m = re.fullmatch(r"< (send|edit|answer|album|photo|document)(?:: ?(.*))?", line)
                if not m:
                    raise TranscriptError("%s: expected '< send|edit|answer|album|photo|"
                                          "document: ...'" % where)
                last_expect = Expect(m.group(1), n, line, m.group(2))
            last_action.expect.append(last_expect)
        else:
            m = re.fullmatch(r"(lang|user|env|restart|replica|state|db|let|sql)\b:? ?(.*)", line)
            if not m:
                raise TranscriptError("%s: cannot read %r" % (where, line))
            kind, rest = m.groups()
            step = Step(kind, n, line, rest=rest.strip())
            if kind == "db":
                if " => " not in rest:
                    raise TranscriptError("%s: db: SQL => VALUE" % where)
                step.sql, step.value = (s.strip() for s in rest.rsplit(" => ", 1))
            elif kind == "let":
                name, _, sql = rest.partition(":")
                if not re.fullmatch(r"[A-Za-z_]\w*", name.strip()) or not sql.strip():
                    raise TranscriptError("%s: let NAME: SQL" % where)
                step.name, step.sql = name.strip(), sql.strip()
            steps.append(step)
            last_action = None
    return steps


# ---- rendering what the bot did as transcript lines -----------------------------------

def render(call):
    p, m = call["params"], call["method"]
    if m == "answerCallbackQuery":
        return ["< answer: %s" % p["text"] if p.get("text") else "< answer"]
    if m == "sendMediaGroup":
        media = p.get("media") or []
        return ["< album: %d" % len(json.loads(media) if isinstance(media, str) else media)]
    if m == "sendDocument":
        doc = p.get("document")
        name = (doc.get("_upload") or {}).get("filename", "") if isinstance(doc, dict) else doc
        return ["< document: %s" % (name or "")]
    kind = {"sendMessage": "send", "editMessageText": "edit", "sendPhoto": "photo"}[m]
    text = [t for t in (p.get("text") or p.get("caption") or "").splitlines() if t.strip()]
    out = ["< %s: %s" % (kind, text[0] if text else "")]
    out += ["    " + t for t in text[1:]]
    markup = p.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        out.append("    " + " ".join("[%s]" % b["text"] for b in row))
    return out


def contains(text, check):
    if len(check) > 1 and check.startswith("/") and check.endswith("/"):
        return re.search(check[1:-1], text, re.S | re.M) is not None
    return check in text


class Runner:
    def __init__(self, test, path, show=False):
        self.test, self.path, self.show = test, Path(path), show
        self.steps = parse(path)
        self.vars = {}
        self.env = dict(s.rest.split("=", 1) for s in self.steps if s.kind == "env")
        self.replicas = {}
        self.svc = None
        self.chats = {}
        self.chat = None

    def where(self, step):
        return "%s:%d" % (self.path.name, step.lineno)

    def fail(self, step, message):
        raise AssertionError("\n%s: %s\n  %s" % (self.where(step), step.line.strip(), message))

    def sub(self, text):
        return VAR.sub(lambda m: str(self.vars[m.group(1)]) if m.group(1) in self.vars
                       else m.group(0), text)

    def sql(self, step, sql):
        params = []

        def param(m):
            if m.group(1) not in self.vars:
                self.fail(step, "no variable {%s}" % m.group(1))
            params.append(self.vars[m.group(1)])
            return "$%d" % len(params)
        try:
            return h.psql(self.test.db_url, VAR.sub(param, sql), *params)
        except h.PsqlError as e:
            error = str(e)
        self.fail(step, error)

    def replica(self, name):
        if name not in self.replicas:
            self.replicas[name] = self.test.start_service(name, extra_env=self.env)
        self.svc = self.replicas[name]
        for c in self.chats.values():
            c.svc = self.svc

    def user(self, n, lang="en"):
        if n not in self.chats:
            self.chats[n] = Chat(self.test, self.svc, h.user_id(n), lang=lang)
            self.vars["user%d" % n] = h.user_id(n)
        self.chat = self.chats[n]
        self.vars["uid"] = self.chat.uid

    def run(self):
        self.replica("a")
        self.user(1)
        for step in self.steps:
            getattr(self, "do_" + step.kind)(step)

    # ---- statements ------------------------------------------------------------------
    def do_lang(self, step):
        self.chat.lang = step.rest

    def do_user(self, step):
        parts = step.rest.split()
        self.user(int(parts[0]), *parts[1:2])

    def do_env(self, step):
        pass  # read before the service started

    def do_restart(self, step):
        self.svc.stop()
        self.svc.start().wait_ready()

    def do_replica(self, step):
        self.replica(step.rest)

    def do_state(self, step):
        got = h.psql_value(self.test.db_url, "SELECT state FROM chat_state WHERE chat_id = $1",
                           self.chat.uid)
        if got != step.rest:
            self.fail(step, "- state: %s\n  + state: %s" % (step.rest, got))

    def do_db(self, step):
        rows = self.sql(step, step.sql)
        got = "; ".join("|".join("NULL" if v is None else v for v in r) for r in rows) or "(none)"
        want = self.sub(step.value)
        if not (contains(got, want) if want.startswith("/") else got == want):
            self.fail(step, "- %s\n  + %s" % (want, got))

    def do_let(self, step):
        rows = self.sql(step, step.sql)
        if not rows:
            self.fail(step, "no row")
        self.vars[step.name] = rows[0][0]

    def do_sql(self, step):
        self.sql(step, step.rest)

    def do_act(self, step):
        chat, what = self.chat, step.what
        target = chat.message_id   # the screen a press is on
        callback_id = None
        if what.startswith("[") and what.endswith("]"):
            try:
                target, data = chat.button(self.sub(what[1:-1]))
            except AssertionError as e:
                missing = str(e)
            else:
                missing = None
            if missing:
                self.fail(step, missing)
            updates = [chat.callback_update(data, target)]
        elif what.startswith("(") and what.endswith(")"):
            inner, _, data = what[1:-1].partition(" bytes:")  # the bytes run to the ')'
            updates = self.updates(step, inner.split() + (["bytes:" + data] if data else []))
        else:
            text = json.loads(what) if what.startswith('"') else what
            updates = [chat.text_update(self.sub(text))]
        if "callback_query" in updates[0]:
            callback_id = updates[0]["callback_query"]["id"]
        calls = chat.act(updates, callback_id)
        if self.show:
            print("%s\n%s\n" % (step.line, "\n".join(l for c in calls for l in render(c))))
            return
        self.check(step, calls, callback_id, target)

    def updates(self, step, words):
        chat, kind, args = self.chat, words[0], words[1:]
        opts = dict(a.split("=", 1) for a in args if "=" in a and not a.startswith("bytes:"))
        files = [a for a in args if "=" not in a or a.startswith("bytes:")]
        size = int(opts["size"]) if "size" in opts else None

        def content(name):
            if name.startswith("bytes:"):
                return name[len("bytes:"):].encode()
            path = PHOTOS / name
            if not path.exists():
                self.fail(step, "no test photo %s" % path)
            return path.read_bytes()
        if kind == "callback" and len(args) == 1:
            return [chat.callback_update(self.sub(args[0]))]
        if kind == "photo" and len(files) <= 1:
            return [chat.photo_update(content(files[0]) if files else None, file_size=size)]
        if kind == "album" and files:
            group = "album-%d" % step.lineno
            return [chat.photo_update(content(f), group=group) for f in files]
        if kind == "document" and len(files) == 2:
            return [chat.photo_update(content(files[1]), as_document=True, mime=files[0],
                                      file_size=size)]
        self.fail(step, "expected (callback DATA), (photo [FILE]), (album FILE...) or "
                        "(document MIME FILE)")

    # ---- comparing the bot's answer with the transcript --------------------------------
    def check(self, step, calls, callback_id, target):
        answers = [c for c in calls if c["method"] == "answerCallbackQuery"]
        messages = [c for c in calls if c["method"] != "answerCallbackQuery"]
        want_answers = [e for e in step.expect if e.kind == "answer"]
        want = [e for e in step.expect if e.kind != "answer"]
        problem = None
        if callback_id is None and want_answers:
            problem = "only a button press is answered"
        elif callback_id is not None:
            notice = (answers[0]["params"].get("text") or "") if len(answers) == 1 else None
            want_notice = [self.sub(c) for e in want_answers for c in e.checks]
            if notice is None:
                problem = "the press was answered %d times" % len(answers)
            elif len(want_answers) > 1:
                problem = "a press has one answer"
            elif not want_notice and notice:
                problem = "the press was answered with a notice the transcript does not show"
            elif want_notice and not contains(notice, want_notice[0]):
                problem = "line %d: the answer's notice differs" % want_answers[0].lineno
        if problem is None:
            problem = self.match(want, messages, target)
        if problem is None:
            return
        expected = [l for e in step.expect for l in e.lines]
        got = [l for c in calls for l in render(c)]
        self.fail(step, "the bot's answer differs (%s):\n%s\n%s" % (
            problem, "\n".join("  - " + self.sub(l) for l in expected) or "  - (nothing)",
            "\n".join("  + " + l for l in got) or "  + (nothing)"))

    def match(self, want, calls, target):
        """None when the calls match the expectations in order ('...' matching any run of
        calls), else what differs first."""
        sent = {c["response"]["result"]["message_id"] for c in calls
                if c["method"] == "sendMessage"}
        memo = {}

        def go(i, j):
            if (i, j) not in memo:
                if i == len(want):
                    memo[i, j] = j == len(calls)
                elif want[i].kind == "any":
                    memo[i, j] = go(i + 1, j) or (j < len(calls) and go(i, j + 1)
                                                  and calls[j]["method"] == "editMessageText")
                else:
                    memo[i, j] = (j < len(calls) and self.differs(want[i], calls[j], target, sent)
                                  is None and go(i + 1, j + 1))
            return memo[i, j]
        if go(0, 0):
            return None
        for e, c in zip(want, calls):
            if e.kind == "any":
                return "no way to fit the bot's messages around '...' (edits only)"
            why = self.differs(e, c, target, sent)
            if why:
                return "line %d: %s" % (e.lineno, why)
        return "%d message(s) expected, %d sent" % (len(want), len(calls))

    def differs(self, e, call, target, sent):
        kinds = {"sendMessage": "send", "editMessageText": "edit", "sendMediaGroup": "album",
                 "sendPhoto": "photo", "sendDocument": "document"}
        kind, p = kinds[call["method"]], call["params"]
        if kind != e.kind:
            return "a %s, not a %s" % (kind, e.kind)
        if kind in ("album", "document"):  # compared as rendered
            shown = render(call)[0].partition(": ")[2]
            if kind == "album":
                return None if not e.checks or shown == e.checks[0] else "%s photos" % shown
            return None if not e.checks or self.sub(e.checks[0]) in shown else "file %s" % shown
        if kind == "photo":
            p = dict(p, text=p.get("caption") or "")
        if kind == "edit" and p.get("message_id") not in sent | {target}:
            return "edits message %s, not the screen (%s)" % (p.get("message_id"), target)
        text = p.get("text") or ""
        for check in e.checks:
            if not contains(text, self.sub(check)):
                return "the text has no %s" % json.dumps(self.sub(check), ensure_ascii=False)
        if e.rows:
            rows = [[b["text"] for b in row]
                    for row in (p.get("reply_markup") or {}).get("inline_keyboard", [])]
            if rows != [[self.sub(b) for b in r] for r in e.rows]:
                return "other buttons"
        return None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit("usage: transcript.py FILE.txt [--show]")
    path = Path(args[0]).resolve()
    try:
        parse(path)
    except TranscriptError as e:
        sys.exit(str(e))
    os.environ["AB_TEST_NAME"] = "transcript_" + path.stem
    show = "--show" in sys.argv

    def test(self):
        Runner(self, path, show).run()
    case = type("Transcript", (h.IntegrationTestCase,), {"test_" + path.stem: test})
    suite = unittest.TestSuite([case("test_" + path.stem)])
    result = unittest.TextTestRunner(verbosity=2, tb_locals=False).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
