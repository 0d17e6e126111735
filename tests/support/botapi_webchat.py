"""The web chat's side of the Bot API stand-in (botapi_standin.py): it serves the page of
tools/webchat/ at / and the page's API under /_chat/, which plays Telegram's app for any
number of users. What a user does becomes an update delivered to the bot's webhook with its
secret, exactly as Telegram sends it (built by harness.py's update builders, the tests' own);
what the bot does is read back from the stand-in's record of calls. The terminal chat
(tools/chat.py) uses the same API, so both chats are one client of the stand-in.

    GET  /                                  the page (tools/webchat/index.html)
    GET  /webchat/<file>                    its scripts and styles
    GET  /_chat/events?since=SEQ&timeout=S  -> {"events": [...], "seq": N}: the Bot API calls
                                            and the delivered updates after SEQ, in order,
                                            waiting up to S seconds for the first
    POST /_chat/send   {"user", "text"}     a text message (commands too)
    POST /_chat/press  {"user", "message_id", "data"}    a callback button pressed
    POST /_chat/upload {"user", "as": "photo"|"document", "files": [{"name", "data_b64"}]}
                                            photos (several: one album) or files
    POST /_chat/pay    {"user", "message_id"}   pays an invoice (control "pay" plays it)
    GET  /_chat/file/<file_id>              a file the bot or a user sent (a URL: redirect)

"user" is {"id", "first_name", "language_code"}. The sends answer {"ok", "update_ids",
"webhook_status"}; a webhook that is not set (control "config" deliver_url) is a 409.
"""
import base64
import json
import mimetypes
import os
import time
import urllib.parse
from pathlib import Path

import botapi_standin as api
import harness as h

PAGE_DIR = Path(__file__).resolve().parents[2] / "tools" / "webchat"
MAX_WAIT = 30.0


def handles(path):
    return path == "/" or path.startswith("/webchat/") or path.startswith("/_chat/")


def user_of(args):
    u = args.get("user") or {}
    uid = int(u["id"])
    if uid <= 0:
        raise ValueError("a user's id is positive")
    return uid, str(u.get("first_name") or "User"), u.get("language_code") or None


def image_kind(data):
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    return None


class WebChat:
    def __init__(self, handler, control):
        self.h = handler
        self.st = handler.st
        self.control = control

    def handle(self, path, query, body):
        try:
            if path == "/":
                return self.static("index.html")
            if path.startswith("/webchat/"):
                return self.static(path[len("/webchat/"):])
            name = path[len("/_chat/"):]
            if name.startswith("file/"):
                return self.file(urllib.parse.unquote(name[len("file/"):]))
            if name == "events":
                return self.events(dict(urllib.parse.parse_qsl(query)))
            fn = getattr(self, "p_" + name, None)
            if fn is None or self.h.command != "POST":
                return self.h.send_json(404, {"ok": False, "description": "no such page call"})
            args = json.loads(body.decode("utf-8")) if body.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("the body must be a JSON object")
            status, out = fn(args)
        except (ValueError, KeyError, TypeError) as e:
            status, out = 400, {"ok": False, "description": "bad page request: %s" % e}
        self.h.send_json(status, out)

    # ---- the page itself ---------------------------------------------------------------
    def static(self, name):
        files = {p.name: p for p in PAGE_DIR.iterdir() if p.is_file()}
        if name not in files:                     # only the folder's own files, no paths
            return self.h.send_json(404, {"ok": False, "description": "Not Found"})
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith("javascript"):
            ctype += "; charset=utf-8"
        self.h.send_bytes(200, files[name].read_bytes(), ctype,
                          extra_headers=(("Cache-Control", "no-cache"),))

    def file(self, file_id):
        with self.st.lock:
            rec = self.st.files.get(file_id)
            url = self.st.url_files.get(file_id)
            data = rec["_data"] if rec else None
            disk = rec["_disk_path"] if rec else None
        if data is None and disk:
            with open(disk, "rb") as f:
                data = f.read()
        if data is not None:
            ctype = image_kind(data) or mimetypes.guess_type(rec["file_path"])[0] \
                or "application/octet-stream"
            return self.h.send_bytes(200, data, ctype,
                                     extra_headers=(("Cache-Control", "max-age=3600"),))
        if url:
            return self.h.send_bytes(302, b"", "text/plain", extra_headers=(("Location", url),))
        self.h.send_json(404, {"ok": False, "description": "the stand-in has no such file"})

    def events(self, q):
        since = int(q.get("since", 0))
        deadline = time.monotonic() + min(float(q.get("timeout", 25)), MAX_WAIT)
        st = self.st
        with st.lock:
            while True:
                out = [c for c in st.calls if c["seq"] > since]
                out += [u for u in st.updates if u["seq"] > since]
                left = deadline - time.monotonic()
                if out or left <= 0:
                    break
                st.changed.wait(min(left, 1.0))
            out.sort(key=lambda e: e["seq"])
            body = json.loads(json.dumps({"events": out, "seq": st.seq}))
        self.h.send_json(200, body)

    # ---- what a user does ----------------------------------------------------------------
    def deliver(self, updates):
        url, secret = self.st.delivery()
        if not url:
            return 409, {"ok": False, "description": "no bot to deliver to: the stand-in was "
                                                     "not told its webhook (control config)"}
        status = 0
        for update in updates:
            status, body = self.control.post_update(url, secret, update)
            if status != 200:
                return 200, {"ok": False, "webhook_status": status,
                             "description": body.decode("utf-8", "replace")[:300],
                             "update_ids": [u["update_id"] for u in updates]}
        return 200, {"ok": True, "webhook_status": status,
                     "update_ids": [u["update_id"] for u in updates]}

    def user_message(self, uid, update):
        """The user's message takes the chat's next id (one sequence with the bot's, as in a
        private chat) and stays in the chat, so the bot can delete it."""
        msg = update["message"]
        chat = self.st.chat(uid)
        msg["message_id"] = chat["next_id"]
        chat["next_id"] += 1
        chat["messages"][msg["message_id"]] = dict(msg, _user=True)
        return update

    def p_send(self, args):
        uid, name, lang = user_of(args)
        text = str(args["text"])
        if not text.strip():
            raise ValueError("an empty message")
        with self.st.lock:
            upd = self.user_message(uid, h.message_update(self.st.new_update_id(), uid, text,
                                                          lang=lang, first_name=name))
        return self.deliver([upd])

    def p_press(self, args):
        uid, name, lang = user_of(args)
        mid = int(args["message_id"])
        with self.st.lock:
            shown = self.st.chats.get(uid, {}).get("messages", {}).get(mid, {})
            upd = h.callback_update(self.st.new_update_id(), uid, str(args["data"]), mid,
                                    lang=lang, first_name=name,
                                    message_text=shown.get("text", "…"),
                                    reply_markup=shown.get("reply_markup"))
        status, out = self.deliver([upd])
        out["callback_query_id"] = upd["callback_query"]["id"]
        return status, out

    def p_upload(self, args):
        uid, name, lang = user_of(args)
        as_document = args.get("as") == "document"
        files = args["files"]
        if not isinstance(files, list) or not 1 <= len(files) <= 10:
            raise ValueError("1 to 10 files at once (an album holds 10)")
        group = str(time.time_ns() // 1000) if len(files) > 1 else None
        updates = []
        with self.st.lock:
            for f in files:
                data = base64.b64decode(f["data_b64"])
                fname = os.path.basename(str(f.get("name") or "photo.jpg")) or "photo.jpg"
                uid_ = self.st.new_update_id()
                kind = image_kind(data)
                file_id = "%sACAgIAAxkBAAI%d" % ("BQ" if as_document else "Ag", uid_)
                unique = "AQAD%d" % uid_
                self.st.register_file(file_id, unique, data=data, file_path="%s/file_%d%s" % (
                    "documents" if as_document else "photos", uid_,
                    os.path.splitext(fname)[1] or ".jpg"))
                if as_document:
                    upd = h.document_update(uid_, uid, file_id=file_id, file_unique_id=unique,
                                            mime_type=kind or mimetypes.guess_type(fname)[0]
                                            or "application/octet-stream",
                                            file_name=fname, file_size=len(data),
                                            media_group_id=group, lang=lang, first_name=name)
                else:
                    if kind is None:
                        raise ValueError("%s is not a JPEG or PNG photo" % fname)
                    w, hgt = api.image_dimensions(data) or (1280, 1280)
                    upd = h.photo_update(uid_, uid, file_id=file_id, file_unique_id=unique,
                                         width=w, height=hgt, file_size=len(data),
                                         media_group_id=group, lang=lang, first_name=name)
                updates.append(self.user_message(uid, upd))
        return self.deliver(updates)

    def p_pay(self, args):
        uid, name, lang = user_of(args)
        with self.st.lock:
            update_id = self.st.new_update_id()
            self.st.new_update_id()          # the payment's message takes the next one
        user = h.user_object(uid, lang, name)
        url, _ = self.st.delivery()
        if not url:
            return self.deliver([])
        status, out = self.control.c_pay({}, {"chat_id": uid, "update_id": update_id,
                                              "user": user, "message_id": int(args["message_id"])})
        out["ok"] = bool(out.get("answer") and out["answer"]["ok"])
        return status, out
