#!/usr/bin/env python3
"""Chat with avatarbot in a terminal, without Telegram.

`make run` starts this. It plays both sides of Telegram: the Bot API (the in-repo stand-in the
tests use, so what works here is what the tests check) and the user, who types messages,
presses buttons by number and sends photos from files. The service under test is the real
`avatarbot serve`, on its own PostgreSQL cluster.

The stand-in also serves the web chat (tools/webchat/): a page at --web-port that looks and
behaves like Telegram, for several users at once. The terminal is one more user of the same
API (tests/support/botapi_webchat.py): it shows its own user's chat only.

    tools/chat.py --binary build/avatarbot --database-url postgresql://... [--web-port 8081]

Typing:
    any text, /start, /help, /cancel ...   a message to the bot
    3                                      press button 3 of the latest keyboard
    :photo PATH [PATH ...]                 send photos (several = one album, up to 10)
    :doc PATH                              send an image as a file (uncompressed)
    :lang en|ru                            your Telegram language
    :log                                   the last lines of the service log
    :quit                                  stop everything (Ctrl-D too)
"""
import argparse
import base64
import json
import os
import shutil
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
import harness as h  # noqa: E402

USER_ID = 1_000_001
WIDTH = min(shutil.get_terminal_size((100, 20)).columns, 100)


class Screen:
    """Prints what the bot does in the user's chat: messages with numbered buttons, edits of
    earlier messages (marked as such), button-press notices and photos."""

    def __init__(self, botapi):
        self.botapi = botapi
        self.seen = 0
        self.buttons = []          # callback_data of the latest keyboard, by number
        self.keyboard_message = None
        self.mine = set()           # ids of this user's button presses (their answers show)
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def render(self, call):
        method, p = call["method"], call["params"]
        result = (call.get("response") or {}).get("result")
        if method == "answerCallbackQuery":
            if p.get("callback_query_id") not in self.mine:
                return
        elif p.get("chat_id") not in (USER_ID, str(USER_ID)):
            return
        if method in ("sendMessage", "editMessageText"):
            mid = p.get("message_id") or (result or {}).get("message_id")
            head = "bot ✎ message #%s now reads:" % mid if method == "editMessageText" \
                else "bot › #%s" % mid
            self.show(head, p.get("text", ""), p.get("reply_markup"), mid)
        elif method == "answerCallbackQuery" and p.get("text"):
            print("      ⓘ %s" % p["text"])
        elif method in ("sendPhoto", "sendMediaGroup"):
            media = p.get("media", [])
            if isinstance(media, str):  # an upload's fields arrive as form text
                media = json.loads(media)
            n = len(media) if method == "sendMediaGroup" else 1
            print("bot › [%d photo%s]%s" % (n, "" if n == 1 else "s",
                                            " " + p["caption"] if p.get("caption") else ""))
        elif method == "sendDocument":
            doc = p.get("document")
            name = doc.get("_upload", {}).get("filename") if isinstance(doc, dict) else doc
            print("bot › [file %s]" % (name or "?"))

    def show(self, head, text, markup, message_id):
        print(head)
        for line in text.splitlines() or [""]:
            print(textwrap.fill(line, WIDTH, initial_indent="      ",
                                subsequent_indent="      ") if line else "")
        rows = (markup or {}).get("inline_keyboard") or []
        if rows:
            self.buttons = []
            self.keyboard_message = message_id
            for row in rows:
                cells = []
                for b in row:
                    self.buttons.append(b.get("callback_data"))
                    cells.append("[%d] %s" % (len(self.buttons), b.get("text")))
                print("      " + "   ".join(cells))

    def poll(self):
        """Follows the stand-in's events as the page does (long polls)."""
        while not self.stop.is_set():
            try:
                _, got = self.botapi.page("events?since=%d&timeout=20" % self.seen)
            except (OSError, ValueError):
                time.sleep(0.5)
                continue
            with self.lock:
                for e in got["events"]:
                    self.seen = max(self.seen, e["seq"])
                    if "update" in e:
                        cq = e["update"].get("callback_query")
                        if cq and cq["from"]["id"] == USER_ID:
                            self.mine.add(cq["id"])
                    elif e.get("http_status") == 200:
                        self.render(e)
            if got["events"]:
                sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=str(ROOT / "build" / "avatarbot"))
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--port", type=int, default=int(os.environ.get("HTTP_PORT", "8080")))
    ap.add_argument("--web-port", type=int, default=int(os.environ.get("WEBCHAT_PORT", "0")),
                    help="the web chat's port (0: any free one)")
    ap.add_argument("--lang", default="en")
    args = ap.parse_args()

    os.environ.setdefault("AB_TEST_LOGDIR", str(Path(args.binary).resolve().parent / "run-logs"))
    botapi = h.BotApi(log_name="run", port=args.web_port)
    env = {"LOG_LEVEL": os.environ.get("LOG_LEVEL", "info"), "WORKER_THREADS": "2",
           "TELEGRAM_RATE_GLOBAL": "30", "TELEGRAM_RATE_PER_CHAT": "1"}
    service = h.Service(args.database_url, botapi, extra_env=env, name="serve",
                        binary=args.binary, port=args.port, log_name="run")
    stopping = threading.Event()

    def shutdown(*_):
        stopping.set()
        service.close()
        botapi.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, shutdown)
    try:
        service.wait_ready(60)
    except AssertionError as e:
        print("avatarbot did not start:\n%s" % e, file=sys.stderr)
        shutdown()
    botapi.deliver_to(service)

    print("avatarbot is listening on http://127.0.0.1:%d (log: %s)" % (args.port, service.log_path))
    print("Bot API stand-in on %s; you are user %d." % (botapi.base_url, USER_ID))
    print("Open %s/ in a browser" % botapi.base_url, flush=True)
    if not sys.stdin.isatty():
        print("No terminal: serving the web chat until stopped.", flush=True)
        signal.signal(signal.SIGINT, shutdown)
        while service.alive():
            time.sleep(1)
        shutdown()

    print("Type a message (try /start), a button's number, :photo PATH…, :help, :quit.\n")
    screen = Screen(botapi)
    threading.Thread(target=screen.poll, daemon=True).start()
    user = {"id": USER_ID, "first_name": "You", "language_code": args.lang}

    def send(name, body):
        status, out = botapi.page(name, dict(body, user=user))
        if status != 200 or not out.get("ok"):
            print("      (not delivered: %s)" % (out.get("description") or out))
        return out

    try:
        while True:
            try:
                line = input().strip()
            except EOFError:
                break
            if not line:
                continue
            if line in (":quit", ":q"):
                break
            if line == ":help":
                print(__doc__.split("Typing:")[1])
            elif line.startswith(":lang"):
                user["language_code"] = (line.split() + ["en"])[1]
                print("      (your language is now %s)" % user["language_code"])
            elif line == ":log":
                print(service.log_tail(15))
            elif line.isdigit():
                n = int(line)
                with screen.lock:
                    data = screen.buttons[n - 1] if 0 < n <= len(screen.buttons) else None
                    mid = screen.keyboard_message
                if not data:
                    print("      (no button %d on the latest keyboard)" % n)
                    continue
                send("press", {"message_id": mid, "data": data})
            elif line.startswith(":photo") or line.startswith(":doc"):
                paths = line.split()[1:]
                if not paths:
                    print("      usage: :photo PATH [PATH ...]")
                    continue
                try:
                    files = [{"name": Path(p).name, "data_b64": base64.b64encode(
                        Path(p).expanduser().read_bytes()).decode()} for p in paths[:10]]
                except OSError as e:
                    print("      (cannot read: %s)" % e)
                    continue
                send("upload", {"as": "document" if line.startswith(":doc") else "photo",
                                "files": files})
            else:
                send("send", {"text": line})
    except KeyboardInterrupt:
        pass
    screen.stop.set()
    shutdown()


if __name__ == "__main__":
    main()
