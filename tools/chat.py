#!/usr/bin/env python3
"""Chat with avatarbot in a terminal, without Telegram.

`make run` starts this. It plays both sides of Telegram: the Bot API (the in-repo stand-in the
tests use, so what works here is what the tests check) and the user, who types messages,
presses buttons by number and sends photos from files. The service under test is the real
`avatarbot serve`, on its own PostgreSQL cluster.

    tools/chat.py --binary build/avatarbot --database-url postgresql://...

Typing:
    any text, /start, /help, /cancel ...   a message to the bot
    3                                      press button 3 of the latest keyboard
    :photo PATH [PATH ...]                 send photos (several = one album)
    :doc PATH                              send an image as a file (uncompressed)
    :lang en|ru                            your Telegram language
    :log                                   the last lines of the service log
    :quit                                  stop everything (Ctrl-D too)
"""
import json
import argparse
import os
import shutil
import signal
import struct
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


def image_size(data):
    """(width, height) of a JPEG or PNG from its header, or (0, 0)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return width, height
            i += 2 + length
    return 0, 0


class Screen:
    """Prints what the bot does in the user's chat: messages with numbered buttons, edits of
    earlier messages (marked as such), button-press notices and photos."""

    def __init__(self, botapi):
        self.botapi = botapi
        self.seen = 0
        self.buttons = []          # callback_data of the latest keyboard, by number
        self.keyboard_message = None
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def render(self, call):
        method, p = call["method"], call["params"]
        result = (call.get("response") or {}).get("result")
        if p.get("chat_id") not in (USER_ID, str(USER_ID)) and method != "answerCallbackQuery":
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
        while not self.stop.is_set():
            try:
                calls = self.botapi.calls(since=self.seen)
            except OSError:
                time.sleep(0.5)
                continue
            with self.lock:
                for c in calls:
                    self.seen = max(self.seen, c["seq"])
                    if c.get("http_status") == 200:
                        self.render(c)
            if calls:
                sys.stdout.flush()
            time.sleep(0.15)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=str(ROOT / "build" / "avatarbot"))
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--port", type=int, default=int(os.environ.get("HTTP_PORT", "8080")))
    ap.add_argument("--lang", default="en")
    args = ap.parse_args()

    os.environ.setdefault("AB_TEST_LOGDIR", str(Path(args.binary).resolve().parent / "run-logs"))
    botapi = h.BotApi(log_name="run")
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

    print("avatarbot is listening on http://127.0.0.1:%d (log: %s)" % (args.port, service.log_path))
    print("Bot API stand-in on %s; you are user %d." % (botapi.base_url, USER_ID))
    if not sys.stdin.isatty():
        print("No terminal: serving until stopped (post updates with curl to "
              "/telegram/webhook, header %s: %s)." % (h.SECRET_HEADER, h.WEBHOOK_SECRET))
        signal.signal(signal.SIGINT, shutdown)
        while service.alive():
            time.sleep(1)
        shutdown()

    print("Type a message (try /start), a button's number, :photo PATH…, :help, :quit.\n")
    screen = Screen(botapi)
    threading.Thread(target=screen.poll, daemon=True).start()
    # Telegram's update ids only grow, and the service ignores one it has seen in the last
    # INBOX_RETENTION_HOURS: a second `make run` goes on from the last id this database holds.
    last = h.psql_value(args.database_url, "SELECT coalesce(max(update_id), 0) FROM inbox")
    ids = h.UpdateIds(start=int(last or 0) + 1)
    lang = args.lang
    message_id = 10_000
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
                continue
            if line.startswith(":lang"):
                lang = (line.split() + ["en"])[1]
                print("      (your language is now %s)" % lang)
                continue
            if line == ":log":
                print(service.log_tail(15))
                continue
            if line.isdigit():
                n = int(line)
                with screen.lock:
                    data = screen.buttons[n - 1] if 0 < n <= len(screen.buttons) else None
                    mid = screen.keyboard_message
                if not data:
                    print("      (no button %d on the latest keyboard)" % n)
                    continue
                upd = h.callback_update(ids(), USER_ID, data, mid, lang=lang,
                                        first_name="You")
            elif line.startswith(":photo") or line.startswith(":doc"):
                paths = line.split()[1:]
                if not paths:
                    print("      usage: :photo PATH [PATH ...]")
                    continue
                group = str(int(time.time() * 1000)) if len(paths) > 1 else None
                for path in paths:
                    try:
                        data = Path(path).expanduser().read_bytes()
                    except OSError as e:
                        print("      (cannot read %s: %s)" % (path, e))
                        continue
                    uid = ids()
                    file_id = "local-%d" % uid
                    botapi.add_file(file_id, "u%d" % uid, content=data,
                                    file_path="photos/%s" % Path(path).name)
                    w, hgt = image_size(data)
                    if line.startswith(":doc"):
                        mime = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
                        upd = h.document_update(uid, USER_ID, file_id=file_id,
                                                file_unique_id="u%d" % uid, mime_type=mime,
                                                file_name=Path(path).name, file_size=len(data),
                                                media_group_id=group, lang=lang, first_name="You")
                    else:
                        upd = h.photo_update(uid, USER_ID, file_id=file_id,
                                             file_unique_id="u%d" % uid, width=w or 1280,
                                             height=hgt or 1280, file_size=len(data),
                                             media_group_id=group, lang=lang, first_name="You")
                    service.post_update(upd)
                continue
            else:
                message_id += 1
                upd = h.message_update(ids(), USER_ID, line, lang=lang, message_id=message_id,
                                       first_name="You")
            status, body = service.post_update(upd)
            if status != 200:
                print("      (the webhook answered %d: %s)" % (status, body[:200]))
    except KeyboardInterrupt:
        pass
    screen.stop.set()
    shutdown()


if __name__ == "__main__":
    main()
