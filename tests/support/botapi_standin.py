#!/usr/bin/env python3
"""Stand-in for the Telegram Bot API server, for avatarbot's integration tests.

It speaks the Bot API wire format (https://core.telegram.org/bots/api): requests
`GET|POST /bot<token>/<method>` with parameters in the query string, a JSON body, an
application/x-www-form-urlencoded body or multipart/form-data; method names are
case-insensitive; answers are `{"ok":true,"result":...}` or
`{"ok":false,"error_code":N,"description":"...","parameters":{...}}` with the same HTTP
status. Error texts follow Telegram's own Bot API server (tdlib/telegram-bot-api).
Files registered through the control API are served by getFile and
`GET /file/bot<token>/<file_path>`.

Every call is recorded; tests read the record and steer the stand-in through a JSON
control API under /_control/ (see ControlApi below): list or wait for calls, inject
faults (429, 500, 502, 403, stalls, dropped connections), mark chats as having blocked
the bot, register downloadable files, refuse files given by URL, reset everything.

Files sent with multipart/form-data are recorded per part (file name, size, content type,
SHA-256) and answered like Telegram does: sendPhoto with PhotoSizes derived from the JPEG's or
PNG's own dimensions (an upload that is neither is IMAGE_PROCESS_FAILED), sendDocument with the
file's name and type. Files given by URL are accepted without fetching anything, unless
refused (control "config"), and files given by a file_id are always accepted.

It also serves the web chat (tools/webchat/, `make run`'s "Open ... in a browser"): a page
at / that plays Telegram's app for several users, with its API under /_chat/ (see
botapi_webchat.py). The updates it (and control "pay") delivers are numbered with the calls.

Usage: botapi_standin.py --port 0 --port-file F [--token T] [--bind 127.0.0.1]
Standard library only; logs one line per call to stderr and never prints the token.
"""

import base64
import email.parser
import email.policy
import hashlib
import html
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

if __name__ == "__main__":   # one module whether run as the stand-in or imported by the page's
    sys.modules.setdefault("botapi_standin", sys.modules[__name__])
import botapi_webchat  # noqa: E402
import standin_http  # noqa: E402

DEFAULT_TOKEN = "123456:TEST-token-abc"

MAX_TEXT_LENGTH = 4096           # sendMessage / editMessageText, after entity parsing
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024   # getFile limit of the cloud Bot API
MAX_REQUEST_BODY = 64 * 1024 * 1024

NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message")
BLOCKED = "Forbidden: bot was blocked by the user"

# What nginx in front of api.telegram.org sends on a 502: HTML, not JSON.
NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
             b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
             b"</body>\r\n</html>\r\n")

# Parameters whose value is a JSON-serialized object or array when sent as a string
# (form-encoded or multipart requests); they are decoded before recording and use.
JSON_PARAMS = {"reply_markup", "media", "entities", "caption_entities", "allowed_updates",
               "prices", "suggested_tip_amounts",
               "link_preview_options", "reply_parameters", "commands", "scope", "menu_button"}

# Pseudo-method name under which file downloads are recorded (and can be faulted).
DOWNLOAD_METHOD = "downloadFile"

# What Telegram answers when it cannot fetch a file given by URL; inside an album it names the
# item (1-based), as in "failed to send message #1 with the error message ...".
URL_REFUSED = "wrong file identifier/HTTP URL specified"
URL_REFUSED_IN_ALBUM = "failed to send message #%d with the error message \"Wrong file " \
                       "identifier/HTTP URL specified\""

# Telegram stores a photo in these sizes (the longer side), each no larger than the original.
PHOTO_BOXES = (90, 320, 800, 1280, 2560)


class ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, code, description, parameters=None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self):
        out = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def bad_request(text):
    return ApiError(400, "Bad Request: " + text)


# --------------------------------------------------------------------------------------
# Parameter access (values are typed when they came as JSON, strings otherwise)

def param_str(params, name):
    """The parameter as a string; '' when absent or null."""
    v = params.get(name)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return v
    return json.dumps(v)


def param_int(params, name, default=0):
    s = param_str(params, name).strip()
    if s == "":
        return default
    try:
        return int(s)
    except ValueError:
        try:
            return int(float(s))
        except ValueError:
            return default


def param_bool(params, name):
    v = params.get(name)
    if isinstance(v, bool):
        return v
    return param_str(params, name).strip().lower() in ("true", "1")


def parse_chat_id(params, required=True):
    """chat_id as an int, with the real server's errors for missing and unknown chats."""
    raw = param_str(params, "chat_id").strip()
    if raw == "":
        if required:
            raise bad_request("chat_id is empty")
        return None
    if raw.startswith("@"):
        raise bad_request("chat not found")      # the stand-in knows no public usernames
    try:
        return int(raw)
    except ValueError:
        raise bad_request("chat not found") from None


def chat_key(value):
    """Normalised chat id for comparisons between JSON ints and strings."""
    if value is None:
        return None
    return str(value).strip()


# --------------------------------------------------------------------------------------
# Formatting: parse_mode handling (enough to validate and to get the plain text)

HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
             "a", "code", "pre", "blockquote", "tg-emoji"}
HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")


def byte_offset(text, index):
    return len(text[:index].encode("utf-8"))


def parse_html(text):
    """Plain text of an HTML-formatted message; raises like Telegram on bad markup."""
    out = []
    stack = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "<":
            end = text.find(">", i)
            if end < 0:
                raise bad_request("can't parse entities: Unclosed start tag at byte offset %d"
                                  % byte_offset(text, i))
            inner = text[i + 1:end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise bad_request("can't parse entities: Unexpected end tag at byte offset %d"
                                      % byte_offset(text, i))
                if name != stack[-1]:
                    raise bad_request(
                        "can't parse entities: Unmatched end tag at byte offset %d, expected "
                        "\"</%s>\", found \"</%s>\"" % (byte_offset(text, i), stack[-1], name))
                stack.pop()
            else:
                m = re.match(r"[A-Za-z][A-Za-z0-9-]*", inner)
                name = m.group(0).lower() if m else ""
                if name not in HTML_TAGS:
                    raise bad_request("can't parse entities: Unsupported start tag \"%s\" at byte "
                                      "offset %d" % (name, byte_offset(text, i)))
                stack.append(name)
            i = end + 1
        elif c == "&":
            m = HTML_ENTITY.match(text, i)
            if m:
                ent = m.group(0)
                out.append(html.unescape(ent))
                i = m.end()
            else:
                out.append("&")           # an unknown entity stays as it is, like Telegram
                i += 1
        else:
            out.append(c)
            i += 1
    if stack:
        raise bad_request("can't parse entities: Can't find end tag corresponding to start tag "
                          "\"%s\"" % stack[-1])
    return "".join(out)


MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
MDV2_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler"}


def parse_markdown_v2(text):
    """Plain text of a MarkdownV2 message (simplified parser, strict about escaping)."""
    out = []
    stack = []     # (marker, byte offset)
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.append(text[i + 1])
            i += 2
            at_line_start = False
            continue
        if c == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = text.find(fence, i + len(fence))
            if end < 0:
                raise bad_request("can't parse entities: Can't find end of %s entity at byte "
                                  "offset %d" % ("Pre" if fence == "```" else "Code",
                                                 byte_offset(text, i)))
            body = text[i + len(fence):end]
            if fence == "```" and "\n" in body:
                first, rest = body.split("\n", 1)
                if re.fullmatch(r"[A-Za-z0-9_+-]*", first):
                    body = rest         # language tag
            out.append(re.sub(r"\\([\\`])", r"\1", body))
            i = end + len(fence)
            at_line_start = False
            continue
        if c in "*_~|":
            marker = c
            if text.startswith("__", i):
                marker = "__"
            elif c == "|":
                if not text.startswith("||", i):
                    raise bad_request("can't parse entities: Character '|' is reserved and must "
                                      "be escaped with the preceding '\\'")
                marker = "||"
            if stack and stack[-1][0] == marker:
                stack.pop()
            else:
                stack.append((marker, byte_offset(text, i)))
            i += len(marker)
            at_line_start = False
            continue
        if c == "[":
            stack.append(("[", byte_offset(text, i)))
            i += 1
            continue
        if c == "]":
            if not stack or stack[-1][0] != "[":
                raise bad_request("can't parse entities: Character ']' is reserved and must be "
                                  "escaped with the preceding '\\'")
            stack.pop()
            if text.startswith("(", i + 1):
                end = text.find(")", i + 2)
                if end < 0:
                    raise bad_request("can't parse entities: Can't find end of a URL at byte "
                                      "offset %d" % byte_offset(text, i + 1))
                i = end + 1
            else:
                i += 1
            continue
        if c == ">" and at_line_start:
            i += 1                      # blockquote marker
            continue
        if c in MDV2_RESERVED:
            raise bad_request("can't parse entities: Character '%s' is reserved and must be "
                              "escaped with the preceding '\\'" % c)
        out.append(c)
        at_line_start = c == "\n"
        i += 1
    if stack:
        marker, off = stack[-1]
        name = MDV2_NAMES.get(marker, "TextUrl")
        raise bad_request("can't parse entities: Can't find end of %s entity at byte offset %d"
                          % (name, off))
    return "".join(out)


def parse_markdown_legacy(text):
    """Plain text of a legacy Markdown message."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "*_`":
            fence = "```" if text.startswith("```", i) else c
            end = text.find(fence, i + len(fence))
            if end < 0:
                raise bad_request("can't parse entities: Can't find end of the entity starting at "
                                  "byte offset %d" % byte_offset(text, i))
            out.append(text[i + len(fence):end])
            i = end + len(fence)
        elif c == "[":
            m = re.match(r"\[([^\]]*)\]\(([^)]*)\)", text[i:])
            if m:
                out.append(m.group(1))
                i += m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def plain_text(text, parse_mode):
    mode = (parse_mode or "").strip().lower()
    if mode == "":
        return text
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown_legacy(text)
    raise bad_request("unsupported parse_mode")


# --------------------------------------------------------------------------------------
# Reply markup

INLINE_BUTTON_KINDS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                       "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                       "copy_text", "callback_game", "pay")


def decode_json_param(value, what):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request("can't parse %s JSON object" % what) from None
    return value


def parse_reply_markup(params):
    """Validated reply markup: (inline_markup or None, present: bool).

    Only an inline keyboard is part of the Message the API returns; reply keyboards,
    keyboard removal and force_reply are accepted and not echoed.
    """
    raw = params.get("reply_markup")
    if raw is None or raw == "":
        return None, False
    markup = decode_json_param(raw, "reply keyboard markup")
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return None, True
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup should be an "
                          "Array of Arrays")
    out_rows = []
    for row in rows:
        out_row = []
        for button in row:
            if not isinstance(button, dict):
                raise bad_request("can't parse inline keyboard button: InlineKeyboardButton "
                                  "must be an Object")
            text = button.get("text")
            if not isinstance(text, str):
                raise bad_request("can't parse inline keyboard button: Field \"text\" must be "
                                  "of type String")
            kinds = [k for k in INLINE_BUTTON_KINDS if k in button]
            if not kinds:
                raise bad_request("text buttons are unallowed in the inline keyboard")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str):
                    raise bad_request("can't parse inline keyboard button: Field "
                                      "\"callback_data\" must be of type String")
                if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button:
                url = button["url"]
                if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url):
                    raise bad_request("BUTTON_URL_INVALID")
            if text.strip() == "":
                raise bad_request("BUTTON_TEXT_INVALID")
            clean = {"text": text}
            for k in kinds:
                clean[k] = button[k]
            out_row.append(clean)
        out_rows.append(out_row)
    if not any(out_rows):
        return None, True          # an empty inline keyboard is no keyboard
    return {"inline_keyboard": out_rows}, True


# --------------------------------------------------------------------------------------
# State

class State:
    """Everything the stand-in remembers; guarded by one lock."""

    def __init__(self, token):
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.reset_locked()

    def reset_locked(self):
        self.seq = 0
        self.calls = []
        self.faults = []
        self.blocked = set()
        self.chats = {}            # chat_id -> {"next_id": int, "messages": {id: message}}
        self.files = {}            # file_id -> file record
        self.paths = {}            # file_path -> file_id
        self.file_counter = 0
        self.media_group_counter = 0
        self.webhook = {"url": "", "secret_token": "", "max_connections": 40,
                        "allowed_updates": None, "ip_address": "", "set_at": None}
        self.commands = {}         # (scope type, language_code) -> [BotCommand]
        self.refuse_urls = False   # answer files given by URL as Telegram does when it
                                   # cannot fetch them
        self.precheckouts = {}     # pre_checkout_query id -> its answer (None until answered)
        self.payments = {}         # telegram_payment_charge_id -> {user_id, amount, refunded}
        self.payment_counter = 0
        self.url_files = {}        # file_id -> the URL a file was sent by (the page shows it)
        self.deliver = {"url": "", "secret_token": ""}   # where the page's updates go (control
                                                         # "config"), else the webhook's URL
        self.updates = []          # updates the stand-in delivered, numbered with the calls
        self.last_update_id = 0

    def bot_user(self):
        return {"id": self.bot_id, "is_bot": True, "first_name": "Avatar Test Bot",
                "username": "avatar_test_bot"}

    @staticmethod
    def chat_object(chat_id):
        if chat_id > 0:
            return {"id": chat_id, "first_name": "User", "type": "private"}
        if chat_id < -1000000000000:
            return {"id": chat_id, "title": "Test supergroup", "type": "supergroup"}
        return {"id": chat_id, "title": "Test group", "type": "group"}

    def chat(self, chat_id):
        return self.chats.setdefault(chat_id, {"next_id": 1, "messages": {}})

    def new_message(self, chat_id, **content):
        chat = self.chat(chat_id)
        mid = chat["next_id"]
        chat["next_id"] += 1
        msg = {"message_id": mid, "from": self.bot_user(), "chat": self.chat_object(chat_id),
               "date": int(time.time())}
        msg.update({k: v for k, v in content.items() if v is not None and not k.startswith("_")})
        # Private bookkeeping (not part of the returned Message) lives under "_" keys.
        stored = dict(msg)
        stored.update({k: v for k, v in content.items() if k.startswith("_")})
        chat["messages"][mid] = stored
        return msg

    def register_file(self, file_id, file_unique_id, data=None, disk_path=None, file_path=None,
                      file_size=None):
        self.file_counter += 1
        if file_path is None:
            ext = "jpg"
            if disk_path and "." in os.path.basename(disk_path):
                ext = disk_path.rsplit(".", 1)[1].lower()
            elif data is not None and data.startswith(b"\x89PNG"):
                ext = "png"
            file_path = "photos/file_%d.%s" % (self.file_counter, ext)
        if file_size is None:
            if data is not None:
                file_size = len(data)
            elif disk_path is not None:
                file_size = os.path.getsize(disk_path)
            else:
                file_size = 0
        rec = {"file_id": file_id, "file_unique_id": file_unique_id, "file_size": file_size,
               "file_path": file_path, "_data": data, "_disk_path": disk_path}
        old = self.files.get(file_id)
        if old:
            self.paths.pop(old["file_path"], None)
        self.files[file_id] = rec
        self.paths[file_path] = file_id
        return public_file(rec)

    def take_fault(self, method, chat):
        """The fault for this call, if one is armed for it (consumes one use)."""
        now = time.monotonic()
        self.faults = [f for f in self.faults if f.get("until") is None or f["until"] > now]
        for f in self.faults:
            if f["method"] is not None and f["method"] != method.lower():
                continue
            if f["chat_id"] is not None and f["chat_id"] != chat:
                continue
            if f.get("until") is None:
                f["remaining"] -= 1
                if f["remaining"] <= 0:
                    self.faults.remove(f)
            return dict(f)
        return None

    def record(self, entry):
        """Append a call record (entry gets seq and is returned)."""
        self.seq += 1
        entry["seq"] = self.seq
        self.calls.append(entry)
        self.changed.notify_all()
        return entry

    def record_update(self, update):
        """Note an update about to be delivered, in the calls' order (the page shows both)."""
        self.seq += 1
        entry = {"seq": self.seq, "time": time.time(), "update": update}
        self.updates.append(entry)
        self.changed.notify_all()
        return entry

    def new_update_id(self):
        """An update id never used before, in this run or an earlier one on the same bot:
        the clock's milliseconds, or one more than the last when faster (the service ignores
        an id it has seen in the last INBOX_RETENTION_HOURS)."""
        self.last_update_id = max(self.last_update_id + 1, int(time.time() * 1000))
        return self.last_update_id

    def delivery(self, args=None):
        """(url, secret) where updates go: given in args, set by control "config", or the
        webhook set by setWebhook."""
        args = args or {}
        url = args.get("webhook_url") or self.deliver["url"] or self.webhook["url"]
        if args.get("secret_token") is not None:
            return url, args["secret_token"]
        return url, self.deliver["secret_token"] if self.deliver["url"] \
            else self.webhook["secret_token"]


def public_file(rec):
    return {k: v for k, v in rec.items() if not k.startswith("_")}


def public_message(stored):
    return {k: v for k, v in stored.items() if not k.startswith("_")}


# --------------------------------------------------------------------------------------
# Bot API methods. Each takes (state, params) with the state lock held and returns the
# result, or raises ApiError. Names are canonical; lookup is case-insensitive.

METHODS = {}


def method(name, chat_scoped=False):
    """Register a Bot API method; chat_scoped ones answer 403 for chats that blocked us."""
    def deco(fn):
        METHODS[name.lower()] = (name, fn, chat_scoped)
        return fn
    return deco


@method("getMe")
def m_get_me(st, params):
    me = st.bot_user()
    me.update({"can_join_groups": True, "can_read_all_group_messages": False,
               "supports_inline_queries": False, "can_connect_to_business": False,
               "has_main_web_app": False})
    return me


WEBHOOK_PORTS = (443, 80, 88, 8443)


@method("setWebhook")
def m_set_webhook(st, params):
    url = param_str(params, "url").strip()
    if url == "":
        return m_delete_webhook(st, params)
    parsed = urllib.parse.urlsplit(url if "://" in url else "https://" + url)
    if parsed.scheme.lower() != "https" or not parsed.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    try:
        port = parsed.port or 443
    except ValueError:
        raise bad_request("invalid webhook URL specified") from None
    if port not in WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    secret = param_str(params, "secret_token")
    if len(secret) > 256:
        raise bad_request("secret token is too long")
    if not re.fullmatch(r"[A-Za-z0-9_-]*", secret):
        raise bad_request("secret token contains unallowed characters")
    max_conn = param_int(params, "max_connections", 40)
    if not 1 <= max_conn <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = params.get("allowed_updates")
    if allowed is not None and not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON object")
    same = (st.webhook["url"] == url and st.webhook["secret_token"] == secret
            and st.webhook["max_connections"] == max_conn
            and (allowed is None or st.webhook["allowed_updates"] == allowed))
    st.webhook.update({"url": url, "secret_token": secret, "max_connections": max_conn,
                       "ip_address": param_str(params, "ip_address"), "set_at": time.time()})
    if allowed is not None:
        st.webhook["allowed_updates"] = allowed
    return Described(True, "Webhook is already set" if same else "Webhook was set")


@method("deleteWebhook")
def m_delete_webhook(st, params):
    was_set = st.webhook["url"] != ""
    st.webhook.update({"url": "", "secret_token": "", "ip_address": "", "set_at": None})
    return Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")


@method("getWebhookInfo")
def m_get_webhook_info(st, params):
    wh = st.webhook
    info = {"url": wh["url"], "has_custom_certificate": False, "pending_update_count": 0}
    if wh["url"]:
        info["max_connections"] = wh["max_connections"]
        info["ip_address"] = wh["ip_address"] or "127.0.0.1"
        if wh["allowed_updates"] is not None:
            info["allowed_updates"] = wh["allowed_updates"]
    return info


@method("getUpdates")
def m_get_updates(st, params):
    if st.webhook["url"]:
        raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                            "use deleteWebhook to delete the webhook first")
    return []


def checked_text(params, field, limit, empty_error, long_error):
    raw = param_str(params, field)
    parse_mode = param_str(params, "parse_mode")
    text = plain_text(raw, parse_mode).strip()
    if text == "" and empty_error:
        raise bad_request(empty_error)
    if len(text) > limit:
        raise bad_request(long_error)
    return raw, parse_mode, text


@method("sendMessage", chat_scoped=True)
def m_send_message(st, params):
    chat_id = parse_chat_id(params)
    raw, parse_mode, text = checked_text(params, "text", MAX_TEXT_LENGTH,
                                         "message text is empty", "message is too long")
    markup, _ = parse_reply_markup(params)
    return st.new_message(chat_id, text=text, reply_markup=markup,
                          _raw=raw, _parse_mode=parse_mode)


def find_message(st, params, what):
    """The stored message addressed by chat_id+message_id (or inline_message_id)."""
    if param_str(params, "inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")   # the stand-in sends no inline messages
    chat_id = parse_chat_id(params)
    mid = param_int(params, "message_id")
    if mid == 0:
        raise bad_request("message identifier is not specified")
    msg = st.chats.get(chat_id, {}).get("messages", {}).get(mid)
    if msg is None:
        raise bad_request("%s not found" % what)
    if msg.get("_user") and what == "message to edit":
        raise bad_request("message can't be edited")     # a bot edits only its own messages
    return msg


def finish_edit(msg, changes):
    for k, v in changes.items():
        if v is None:
            msg.pop(k, None)
        else:
            msg[k] = v
    msg["edit_date"] = int(time.time())
    return public_message(msg)


def same_formatted(msg, raw, parse_mode, text, field):
    """Whether new (raw, parse_mode, plain text) equals the message's current content."""
    if msg.get(field) != text:
        return False
    if not parse_mode and not msg.get("_parse_mode"):
        return True
    return raw == msg.get("_raw") and parse_mode.lower() == (msg.get("_parse_mode") or "").lower()


@method("editMessageText", chat_scoped=True)
def m_edit_message_text(st, params):
    msg = find_message(st, params, "message to edit")
    raw, parse_mode, text = checked_text(params, "text", MAX_TEXT_LENGTH,
                                         "message text is empty", "message is too long")
    markup, _ = parse_reply_markup(params)
    if "text" not in msg:
        raise bad_request("there is no text in the message to edit")
    if same_formatted(msg, raw, parse_mode, text, "text") and msg.get("reply_markup") == markup:
        raise bad_request(NOT_MODIFIED[len("Bad Request: "):])
    return finish_edit(msg, {"text": text, "reply_markup": markup, "_raw": raw,
                             "_parse_mode": parse_mode})


@method("editMessageCaption", chat_scoped=True)
def m_edit_message_caption(st, params):
    msg = find_message(st, params, "message to edit")
    raw, parse_mode, caption = checked_text(params, "caption", MAX_CAPTION_LENGTH, None,
                                            "message caption is too long")
    markup, _ = parse_reply_markup(params)
    if "text" in msg:
        raise bad_request("there is no caption in the message to edit")
    if (same_formatted(msg, raw, parse_mode, caption or None, "caption")
            and msg.get("reply_markup") == markup):
        raise bad_request(NOT_MODIFIED[len("Bad Request: "):])
    return finish_edit(msg, {"caption": caption or None, "reply_markup": markup, "_raw": raw,
                             "_parse_mode": parse_mode})


@method("editMessageReplyMarkup", chat_scoped=True)
def m_edit_message_reply_markup(st, params):
    msg = find_message(st, params, "message to edit")
    markup, _ = parse_reply_markup(params)
    if msg.get("reply_markup") == markup:
        raise bad_request(NOT_MODIFIED[len("Bad Request: "):])
    return finish_edit(msg, {"reply_markup": markup})


@method("deleteMessage")
def m_delete_message(st, params):
    chat_id = parse_chat_id(params)
    mid = param_int(params, "message_id")
    if mid == 0:
        raise bad_request("message identifier is not specified")
    messages = st.chats.get(chat_id, {}).get("messages", {})
    if mid not in messages:
        raise bad_request("message to delete not found")
    del messages[mid]
    return True


@method("answerCallbackQuery")
def m_answer_callback_query(st, params):
    if param_str(params, "callback_query_id").strip() == "":
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(param_str(params, "text")) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    return True


@method("sendChatAction", chat_scoped=True)
def m_send_chat_action(st, params):
    parse_chat_id(params)
    if param_str(params, "action") == "":
        raise bad_request("wrong parameter action in request")
    return True


@method("getChat")
def m_get_chat(st, params):
    chat = st.chat_object(parse_chat_id(params))
    chat["accent_color_id"] = 0
    chat["max_reaction_count"] = 11
    return chat


def _true(st, params):
    return True


# ---- payments (https://core.telegram.org/bots/api#payments, #telegram-stars) ---------

@method("sendInvoice", chat_scoped=True)
def m_send_invoice(st, params):
    """Checked as Telegram checks it; a payment in Telegram Stars ("XTR") needs an empty
    provider_token and exactly one price. The invoice is kept on the message so that the
    control call "pay" can play the payment of it."""
    chat_id = parse_chat_id(params)
    title = param_str(params, "title")
    description = param_str(params, "description")
    payload = param_str(params, "payload")
    currency = param_str(params, "currency")
    if not 1 <= len(title) <= 32:
        raise bad_request("INVOICE_TITLE_EMPTY" if not title else "INVOICE_TITLE_INVALID")
    if not 1 <= len(description) <= 255:
        raise bad_request("INVOICE_DESCRIPTION_EMPTY" if not description
                          else "INVOICE_DESCRIPTION_INVALID")
    if not 1 <= len(payload.encode("utf-8")) <= 128:
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise bad_request("CURRENCY_INVALID")
    prices = params.get("prices")
    if not isinstance(prices, list) or not prices:
        raise bad_request("can't parse prices JSON object")
    for p in prices:
        if (not isinstance(p, dict) or not isinstance(p.get("label"), str) or not p["label"]
                or not isinstance(p.get("amount"), int) or isinstance(p["amount"], bool)):
            raise bad_request("can't parse prices JSON object")
    if currency == "XTR":
        if param_str(params, "provider_token") != "":
            raise bad_request("provider_token must be empty for payments in Telegram Stars")
        if len(prices) != 1:
            raise bad_request("exactly one price must be specified for payments in Telegram "
                              "Stars")
    total = sum(p["amount"] for p in prices)
    if total <= 0:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    markup, _ = parse_reply_markup(params)
    invoice = {"title": title, "description": description, "start_parameter": "",
               "currency": currency, "total_amount": total}
    return st.new_message(chat_id, invoice=invoice, reply_markup=markup, _payload=payload)


@method("answerPreCheckoutQuery")
def m_answer_pre_checkout_query(st, params):
    qid = param_str(params, "pre_checkout_query_id")
    if qid not in st.precheckouts:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    ok = param_bool(params, "ok")
    if not ok and not param_str(params, "error_message"):
        raise bad_request("error_message must be non-empty when ok is false")
    if st.precheckouts[qid] is not None:
        raise bad_request("QUERY_ID_INVALID")   # answered already
    st.precheckouts[qid] = {"ok": ok, "error_message": param_str(params, "error_message")}
    st.changed.notify_all()
    return True


@method("refundStarPayment")
def m_refund_star_payment(st, params):
    user_id = param_int(params, "user_id")
    charge = param_str(params, "telegram_payment_charge_id")
    paid = st.payments.get(charge)
    if paid is None or paid["user_id"] != user_id:
        raise bad_request("CHARGE_ID_INVALID")
    if paid["refunded"]:
        raise bad_request("CHARGE_ALREADY_REFUNDED")
    paid["refunded"] = True
    return True


for _name in ("setMyDescription", "setMyShortDescription", "setMyName", "setChatMenuButton",
              "close", "logOut"):
    method(_name)(_true)


def commands_key(params):
    """Which list of commands: the scope's type and the language (two letters, or '' for all)."""
    scope = decode_json_param(params.get("scope"), "scope") if params.get("scope") else {}
    lang = param_str(params, "language_code")
    if lang and not re.fullmatch(r"[a-z]{2}", lang):
        raise bad_request("language code is invalid")
    return (scope.get("type", "default") if isinstance(scope, dict) else "default", lang)


@method("setMyCommands")
def m_set_my_commands(st, params):
    commands = decode_json_param(params.get("commands"), "commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be an array of at most 100 BotCommand")
    for c in commands:
        if not isinstance(c, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command"))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(c.get("description"), str) or not 1 <= len(c["description"]) <= 256:
            raise bad_request("command description must be 1-256 characters")
    st.commands[commands_key(params)] = [{"command": c["command"],
                                          "description": c["description"]} for c in commands]
    return True


@method("deleteMyCommands")
def m_delete_my_commands(st, params):
    st.commands.pop(commands_key(params), None)
    return True


@method("getMyCommands")
def m_get_my_commands(st, params):
    scope, lang = commands_key(params)
    return st.commands.get((scope, lang)) or st.commands.get((scope, ""), [])


def image_dimensions(data):
    """(width, height) of a JPEG (its SOFn segment) or PNG (IHDR), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:                     # fill byte
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            i += 2                             # markers without a length
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > len(data):
                return None
            h = int.from_bytes(data[i + 5:i + 7], "big")
            w = int.from_bytes(data[i + 7:i + 9], "big")
            return (w, h) if w and h else None
        if marker == 0xDA or length < 2:       # image data before any frame header
            return None
        i += 2 + length
    return None


def uploaded_photo_sizes(file_id, file_unique_id, size, dims):
    """PhotoSize array for an uploaded photo of dims: one per box the photo is larger than
    (scaled to fit it), then the photo itself at most 2560 on its longer side; largest last."""
    w, h = dims
    longest = max(w, h)
    boxes = [b for b in PHOTO_BOXES if b < longest][:4] + [min(longest, PHOTO_BOXES[-1])]
    sizes = []
    for i, box in enumerate(boxes):
        last = i == len(boxes) - 1
        scale = box / longest
        sizes.append({"file_id": file_id if last else "%s_s%d" % (file_id, i),
                      "file_unique_id": file_unique_id if last else "%s%d" % (file_unique_id, i),
                      "file_size": size if last else max(1, size * (i + 1) // 16),
                      "width": max(1, round(w * scale)), "height": max(1, round(h * scale))})
    return sizes


def photo_sizes(st, file_id, file_unique_id, size):
    """PhotoSize array for a sent photo: thumbnails plus the full size, largest last."""
    sizes = []
    for i, (w, h) in enumerate(((90, 90), (320, 320), (800, 800), (1280, 1280))):
        last = i == 3
        sizes.append({"file_id": file_id if last else "%s_s%d" % (file_id, i),
                      "file_unique_id": file_unique_id if last else "%s%d" % (file_unique_id, i),
                      "file_size": size if last else max(1, size * (i + 1) // 16),
                      "width": w, "height": h})
    return sizes


def new_file_ids(st, prefix):
    st.file_counter += 1
    n = st.file_counter
    return ("%sAAMCAgADGQEAA%06d" % (prefix, n), "AQAD%06d" % n)


def is_url(value):
    return isinstance(value, str) and re.match(r"https?://", value.strip()) is not None


def input_file(st, value, kind):
    """Resolve an InputFile parameter: (file_id, file_unique_id, size, details), details being
    what the stand-in knows of the file: "dims" of an uploaded photo, "file_name" and
    "mime_type" of an uploaded file or the name at the end of a URL."""
    if isinstance(value, dict) and "_upload" in value:
        up = value["_upload"]
        data = up.pop("_data", b"")
        dims = image_dimensions(data) if kind == "photo" else None
        if kind == "photo" and dims is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        fid, fuid = new_file_ids(st, "Ag" if kind == "photo" else "BQ")
        st.register_file(fid, fuid, data=data)
        return fid, fuid, len(data), {"dims": dims, "file_name": up.get("filename") or "file",
                                      "mime_type": up.get("content_type")}
    s = param_str({"v": value}, "v").strip()
    if s == "":
        raise bad_request("there is no %s in the request" % kind)
    if s.startswith("attach://"):
        raise bad_request("can't find the attached file \"%s\"" % s[len("attach://"):])
    if s in st.files:
        rec = st.files[s]
        return rec["file_id"], rec["file_unique_id"], rec["file_size"], {}
    if is_url(s):
        if st.refuse_urls:
            raise bad_request(URL_REFUSED)
        fid, fuid = new_file_ids(st, "Ag" if kind == "photo" else "BQ")
        st.url_files[fid] = s
        name = urllib.parse.urlsplit(s).path.rsplit("/", 1)[-1] or "file"
        return fid, fuid, 102400, {"file_name": name}
    if re.search(r"\s", s):
        raise bad_request("wrong remote file identifier specified: Wrong character in the string")
    # A file_id the stand-in did not issue (e.g. one a test put in an update): accept it.
    return s, "AQAD" + hashlib.sha1(s.encode()).hexdigest()[:12], 102400, {}


def media_content(st, kind, value, params_for_caption):
    raw, parse_mode, caption = checked_text(params_for_caption, "caption", MAX_CAPTION_LENGTH,
                                            None, "message caption is too long")
    fid, fuid, size, details = input_file(st, value, kind)
    content = {"caption": caption or None, "_raw": raw, "_parse_mode": parse_mode}
    if kind == "photo" and details.get("dims"):
        content["photo"] = uploaded_photo_sizes(fid, fuid, size, details["dims"])
    elif kind == "photo":
        content["photo"] = photo_sizes(st, fid, fuid, size)
    else:
        content[kind] = {"file_id": fid, "file_unique_id": fuid, "file_size": size,
                         "file_name": details.get("file_name") or "file",
                         "mime_type": details.get("mime_type") or "application/octet-stream"}
    return content


@method("sendPhoto", chat_scoped=True)
def m_send_photo(st, params):
    chat_id = parse_chat_id(params)
    content = media_content(st, "photo", params.get("photo"), params)
    markup, _ = parse_reply_markup(params)
    return st.new_message(chat_id, reply_markup=markup, **content)


@method("sendDocument", chat_scoped=True)
def m_send_document(st, params):
    chat_id = parse_chat_id(params)
    content = media_content(st, "document", params.get("document"), params)
    markup, _ = parse_reply_markup(params)
    return st.new_message(chat_id, reply_markup=markup, **content)


@method("sendMediaGroup", chat_scoped=True)
def m_send_media_group(st, params):
    chat_id = parse_chat_id(params)
    media = decode_json_param(params.get("media", ""), "media")
    if not isinstance(media, list):
        raise bad_request("Expected an Array of InputMedia")
    if not 2 <= len(media) <= 10:
        raise bad_request("media must include 2-10 items")
    kinds = set()
    prepared = []
    for item in media:
        if not isinstance(item, dict):
            raise bad_request("can't parse InputMedia: expected an Object")
        kind = item.get("type")
        if kind not in ("photo", "video", "document", "audio"):
            raise bad_request("can't parse InputMedia: unsupported media type \"%s\"" % kind)
        kinds.add(kind)
        value = item.get("media")
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://"):], value)
        prepared.append((kind, value, item))
    if len(kinds) > 1 and ("document" in kinds or "audio" in kinds):
        raise bad_request("Can't use the media of the specified type in the album")
    for i, (_, value, _) in enumerate(prepared):   # before any message of the album exists
        if st.refuse_urls and is_url(value):
            raise bad_request(URL_REFUSED_IN_ALBUM % (i + 1))
    st.media_group_counter += 1
    group_id = str(13000000000000000 + st.media_group_counter)
    out = []
    for kind, value, item in prepared:
        content = media_content(st, kind, value, item)
        out.append(st.new_message(chat_id, media_group_id=group_id, **content))
    return out


@method("getFile")
def m_get_file(st, params):
    file_id = param_str(params, "file_id").strip()
    if file_id == "":
        raise bad_request("file_id not specified")
    rec = st.files.get(file_id)
    if rec is None:
        raise bad_request("invalid file_id")
    if rec["file_size"] > MAX_DOWNLOAD_SIZE:
        raise bad_request("file is too big")
    return public_file(rec)


class Described:
    """A result that also carries the answer's optional "description" field."""

    def __init__(self, result, description):
        self.result = result
        self.description = description


# --------------------------------------------------------------------------------------
# HTTP

def parse_multipart(content_type, body):
    """multipart/form-data fields; file parts become {"_upload": {...}}."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    fields = {}
    if not msg.is_multipart():
        raise bad_request("can't parse multipart/form-data request")
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            fields[name] = {"_upload": {"filename": filename, "size": len(payload),
                                        "sha256": hashlib.sha256(payload).hexdigest(),
                                        "content_type": part.get_content_type(),
                                        "_data": payload}}
        else:
            fields[name] = payload.decode("utf-8", errors="replace")
    return fields


def params_for_record(params):
    """A JSON-safe copy of the parameters (upload bodies left out)."""
    out = {}
    for k, v in params.items():
        if isinstance(v, dict) and "_upload" in v:
            out[k] = {"_upload": {kk: vv for kk, vv in v["_upload"].items()
                                  if not kk.startswith("_")}}
        else:
            out[k] = v
    return out


class Handler(standin_http.Handler):
    server_version = "nginx/1.18.0"
    max_body = MAX_REQUEST_BODY

    def body_too_large(self):
        return ApiError(413, "Request Entity Too Large")

    # ---- plumbing ------------------------------------------------------------------
    def send_json(self, status, obj):
        # Compact, with every non-ASCII character escaped as \uXXXX, as Telegram answers.
        self.send_bytes(status, json.dumps(obj, ensure_ascii=True,
                                           separators=(",", ":")).encode("ascii"))

    def collect_params(self, query, body):
        """Parameters from the query string and the body, like the real server."""
        params = {}
        for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
            params[k] = v
        ctype = self.headers.get("Content-Type", "")
        main_type = ctype.split(";", 1)[0].strip().lower()
        if body:
            if main_type == "application/json":
                try:
                    obj = json.loads(body.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    raise bad_request("can't parse JSON object") from None
                if not isinstance(obj, dict):
                    raise bad_request("can't parse JSON object")
                params.update(obj)
            elif main_type == "multipart/form-data":
                params.update(parse_multipart(ctype, body))
            else:   # application/x-www-form-urlencoded, or no type at all
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    raise bad_request("request must be encoded in UTF-8") from None
                for k, v in urllib.parse.parse_qsl(text, keep_blank_values=True):
                    params[k] = v
        for k in JSON_PARAMS:
            if isinstance(params.get(k), str) and params[k] != "":
                try:
                    params[k] = json.loads(params[k])
                except ValueError:
                    pass          # left as a string; the method reports the error
        return params

    def log_call(self, entry):
        extra = ""
        if entry.get("fault"):
            extra = " fault=" + entry["fault"]
        chat = entry["params"].get("chat_id") if isinstance(entry.get("params"), dict) else None
        if chat is not None:
            extra += " chat_id=%s" % chat
        sys.stderr.write("botapi-standin: #%d %s -> %s%s\n"
                         % (entry["seq"], entry["method"], entry["http_status"] or "dropped", extra))
        sys.stderr.flush()

    # ---- dispatch ------------------------------------------------------------------
    def dispatch(self):
        received = time.time()
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        try:
            body = self.read_body()
        except ApiError as e:
            self.close_connection = True
            return self.send_json(e.code, e.body())
        except (ValueError, OSError):
            self.close_connection = True
            return self.send_json(400, bad_request("invalid request body").body())
        if path.startswith("/_control/"):
            return ControlApi(self).handle(path[len("/_control/"):], url.query, body)
        if botapi_webchat.handles(path):
            return botapi_webchat.WebChat(self, ControlApi(self)).handle(path, url.query, body)
        m = re.fullmatch(r"/file/bot([^/]*)/(.+)", path)
        if m and self.command in ("GET", "HEAD"):
            return self.download(received, m.group(1), urllib.parse.unquote(m.group(2)))
        m = re.fullmatch(r"/bot([^/]*)/([^/]*)", path)
        if m:
            return self.api_call(received, m.group(1), m.group(2), url.query, body)
        self.send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def api_call(self, received, token, name, query, body):
        st = self.st
        token_ok = token == st.token
        known = METHODS.get(name.lower())
        canonical = known[0] if known else name
        try:
            params = self.collect_params(query, body)
            parse_error = None
        except ApiError as e:
            params, parse_error = {}, e
        entry = {"time": received, "method": canonical, "params": params_for_record(params),
                 "http_status": None, "token_ok": token_ok, "fault": None, "response": None}

        if not token_ok:
            return self.finish_call(entry, ApiError(401, "Unauthorized").body(), 401)
        if known is None:
            return self.finish_call(entry, {"ok": False, "error_code": 404,
                                            "description": "Not Found"}, 404)
        chat = chat_key(params.get("chat_id"))
        with st.lock:
            fault = st.take_fault(canonical, chat)
        if fault and self.apply_fault(entry, fault):
            return
        if parse_error is not None:
            return self.finish_call(entry, parse_error.body(), parse_error.code)

        _, fn, chat_scoped = known
        with st.lock:
            try:
                if chat_scoped and chat is not None and chat in st.blocked:
                    raise ApiError(403, BLOCKED)
                result = fn(st, params)
                if isinstance(result, Described):
                    answer = {"ok": True, "result": result.result,
                              "description": result.description}
                else:
                    answer = {"ok": True, "result": result}
                status = 200
            except ApiError as e:
                answer, status = e.body(), e.code
        self.finish_call(entry, answer, status)

    def apply_fault(self, entry, fault):
        """Answer with an injected fault. Returns False when the call should go on."""
        kind = fault["kind"]
        entry["fault"] = kind
        if kind == "stall":
            time.sleep(fault["stall_seconds"])
            return False                       # slow, then answered normally
        if kind == "429":
            ra = fault["retry_after"]
            err = ApiError(429, "Too Many Requests: retry after %d" % ra, {"retry_after": ra})
            self.finish_call(entry, err.body(), 429)
        elif kind == "500":
            self.finish_call(entry, ApiError(500, "Internal Server Error").body(), 500)
        elif kind == "403":
            self.finish_call(entry, ApiError(403, BLOCKED).body(), 403)
        elif kind == "502":
            self.finish_call(entry, None, 502, raw=(NGINX_502, "text/html"))
        elif kind == "drop":
            self.finish_call(entry, None, 0)
        return True

    def finish_call(self, entry, answer, status, raw=None):
        entry["http_status"] = status
        entry["response"] = answer
        with self.st.lock:
            self.st.record(entry)
        self.log_call(entry)
        if status == 0:                          # "drop": close without an answer
            self.drop_connection()
            return
        if raw is not None:
            self.send_bytes(status, raw[0], raw[1])
        else:
            self.send_json(status, answer)

    def download(self, received, token, file_path):
        st = self.st
        token_ok = token == st.token
        entry = {"time": received, "method": DOWNLOAD_METHOD, "params": {"file_path": file_path},
                 "http_status": None, "token_ok": token_ok, "fault": None, "response": None}
        if not token_ok:
            return self.finish_call(entry, ApiError(401, "Unauthorized").body(), 401)
        with st.lock:
            fault = st.take_fault(DOWNLOAD_METHOD, None)
        if fault and self.apply_fault(entry, fault):
            return
        with st.lock:
            fid = st.paths.get(file_path)
            rec = st.files.get(fid) if fid else None
            data = rec["_data"] if rec else None
            disk = rec["_disk_path"] if rec else None
        if rec is not None and data is None and disk is not None:
            try:
                with open(disk, "rb") as f:
                    data = f.read()
            except OSError:
                rec = None
        if rec is None or data is None:
            return self.finish_call(entry, {"ok": False, "error_code": 404,
                                            "description": "Not Found"}, 404)
        entry["http_status"] = 200
        entry["response"] = {"size": len(data)}
        with st.lock:
            st.record(entry)
        self.log_call(entry)
        self.send_bytes(200, data, "application/octet-stream")


class ControlApi:
    """JSON control API for the tests, under /_control/.

    GET  calls?since=SEQ&method=M        -> [call, ...]  (seq > SEQ; method case-insensitive)
    GET  wait?count=N&method=M&timeout=S&since=SEQ
                                          -> [call, ...] of the matching successful (HTTP 200)
                                             calls; 200 once there are >= N, 408 on timeout
    POST reset                            -> forget calls, faults, blocks, messages, files, webhook
    POST fault {"method","chat_id","kind","count","retry_after","stall_seconds","for_seconds"}
           kind: 429 | 500 | 502 | 403 | stall | drop; the next `count` matching calls get it
           (with for_seconds: every matching call for that many seconds, count ignored)
    POST block {"chat_id": X, "blocked": true}   (false unblocks)
    POST files {"file_id","file_unique_id","path_on_disk"|"content_b64",
                "file_path"?, "file_size"?}       -> {"ok":true,"file":File}
    GET  messages?chat_id=X               -> the chat's current messages (as Message objects)
    POST user_message {"chat_id","message_id","text"?,"from_id"?}
                                          -> note a message the user sent (so deleteMessage
                                             finds it; it shares the chat's id sequence)
    GET  webhook                          -> webhook settings incl. secret_token
    GET  faults                           -> armed faults
    POST pay {"chat_id", "update_id", "webhook_url", "secret_token"?, "user"?, "currency"?,
              "total_amount"?, "invoice_payload"?, "message_id"?}
                                          -> plays Telegram's payment of the chat's last invoice
                                             (or of the invoice message_id)
                                             (fields overridable): POSTs a pre_checkout_query
                                             update (update_id) to the bot's webhook, takes its
                                             answer from the webhook's reply or an
                                             answerPreCheckoutQuery call (10 s, as Telegram),
                                             and on ok:true POSTs the message with
                                             successful_payment (update_id + 1). Answers
                                             {answer, answer_seconds, payment}
    POST config {"refuse_urls": bool}     -> files given by URL are refused (400 "wrong file
                                             identifier/HTTP URL specified") until set false
    POST config {"deliver_url", "deliver_secret"}
                                          -> where the web chat's updates and payments go
                                             (the service's /telegram/webhook and its secret)
    """

    def __init__(self, handler):
        self.h = handler
        self.st = handler.st

    def handle(self, name, query, body):
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        try:
            args = json.loads(body.decode("utf-8")) if body.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("body must be a JSON object")
            fn = getattr(self, "c_" + name.strip("/"), None)
            if fn is None:
                return self.h.send_json(404, {"ok": False, "description": "unknown control call"})
            status, out = fn(q, args)
        except (ValueError, KeyError, TypeError) as e:
            status, out = 400, {"ok": False, "description": "bad control request: %s" % e}
        self.h.send_json(status, out)

    @staticmethod
    def matching(calls, method, since):
        m = method.lower() if method else None
        return [c for c in calls if c["seq"] > since and (m is None or c["method"].lower() == m)]

    def c_calls(self, q, args):
        with self.st.lock:
            out = self.matching(self.st.calls, q.get("method"), int(q.get("since", 0)))
            return 200, json.loads(json.dumps(out))

    def c_wait(self, q, args):
        count = int(q.get("count", 1))
        timeout = float(q.get("timeout", 10))
        since = int(q.get("since", 0))
        method = q.get("method")
        deadline = time.monotonic() + timeout

        def ok_calls():
            return [c for c in self.matching(self.st.calls, method, since)
                    if c["http_status"] == 200]

        with self.st.lock:
            while True:
                found = ok_calls()
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    break
                self.st.changed.wait(min(left, 1.0))
            return (200 if len(found) >= count else 408), json.loads(json.dumps(found))

    def c_reset(self, q, args):
        with self.st.lock:
            self.st.reset_locked()
        return 200, {"ok": True}

    def c_fault(self, q, args):
        kind = str(args["kind"])
        if kind not in ("429", "500", "502", "stall", "403", "drop"):
            raise ValueError("unknown fault kind %r" % kind)
        fault = {"method": args["method"].lower() if args.get("method") else None,
                 "chat_id": chat_key(args.get("chat_id")),
                 "kind": kind,
                 "remaining": int(args.get("count", 1)),
                 "retry_after": int(args.get("retry_after", 5)),
                 "stall_seconds": float(args.get("stall_seconds", 5)),
                 "until": None}
        if args.get("for_seconds") is not None:
            # a window: every matching call fails until it ends, whatever the count
            fault["until"] = time.monotonic() + float(args["for_seconds"])
        if fault["remaining"] < 1:
            raise ValueError("count must be >= 1")
        with self.st.lock:
            self.st.faults.append(fault)
        return 200, {"ok": True}

    def c_faults(self, q, args):
        with self.st.lock:
            return 200, [dict(f) for f in self.st.faults]

    def c_block(self, q, args):
        chat = chat_key(args["chat_id"])
        with self.st.lock:
            if args.get("blocked", True):
                self.st.blocked.add(chat)
            else:
                self.st.blocked.discard(chat)
        return 200, {"ok": True}

    def c_files(self, q, args):
        file_id = str(args["file_id"])
        unique = str(args.get("file_unique_id") or "AQAD" + hashlib.sha1(file_id.encode())
                     .hexdigest()[:12])
        data, disk = None, None
        if args.get("content_b64") is not None:
            data = base64.b64decode(args["content_b64"])
        elif args.get("path_on_disk"):
            disk = os.path.abspath(args["path_on_disk"])
            if not os.path.isfile(disk):
                raise ValueError("no such file: %s" % disk)
        else:
            raise ValueError("path_on_disk or content_b64 is required")
        size = args.get("file_size")
        with self.st.lock:
            f = self.st.register_file(file_id, unique, data=data, disk_path=disk,
                                      file_path=args.get("file_path"),
                                      file_size=int(size) if size is not None else None)
        return 200, {"ok": True, "file": f}

    def c_user_message(self, q, args):
        chat_id = int(args["chat_id"])
        mid = int(args["message_id"])
        with self.st.lock:
            chat = self.st.chat(chat_id)
            msg = {"message_id": mid,
                   "from": {"id": int(args.get("from_id", chat_id)), "is_bot": False,
                            "first_name": "User"},
                   "chat": self.st.chat_object(chat_id), "date": int(time.time()), "_user": True}
            if args.get("text") is not None:
                msg["text"] = str(args["text"])
            chat["messages"][mid] = msg
            chat["next_id"] = max(chat["next_id"], mid + 1)
        return 200, {"ok": True}

    def c_messages(self, q, args):
        chat = int(q["chat_id"])
        with self.st.lock:
            msgs = self.st.chats.get(chat, {}).get("messages", {})
            return 200, [public_message(msgs[k]) for k in sorted(msgs)]

    def c_config(self, q, args):
        with self.st.lock:
            if "refuse_urls" in args:
                self.st.refuse_urls = bool(args["refuse_urls"])
            if "deliver_url" in args:
                self.st.deliver = {"url": str(args["deliver_url"]),
                                   "secret_token": str(args.get("deliver_secret") or "")}
            return 200, {"ok": True, "refuse_urls": self.st.refuse_urls,
                         "deliver_url": self.st.deliver["url"]}

    def post_update(self, url, secret, update):
        """Delivers an update as Telegram does (noted first, for the web chat and its log)."""
        with self.st.lock:
            self.st.record_update(update)
        req = urllib.request.Request(url, data=json.dumps(update).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json"})
        if secret:
            req.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def run_reply_method(self, reply):
        """A method named in a webhook's reply runs as if called (Telegram: "Making requests
        when getting updates"); recorded like a call, with "via": "webhook_reply"."""
        params = dict(reply)
        name = str(params.pop("method", ""))
        known = METHODS.get(name.lower())
        entry = {"time": time.time(), "method": known[0] if known else name,
                 "params": params_for_record(params), "http_status": None, "token_ok": True,
                 "fault": None, "response": None, "via": "webhook_reply"}
        with self.st.lock:
            try:
                if known is None:
                    raise ApiError(404, "Not Found")
                answer, status = {"ok": True, "result": known[1](self.st, params)}, 200
            except ApiError as e:
                answer, status = e.body(), e.code
            entry["http_status"], entry["response"] = status, answer
            self.st.record(entry)
        self.h.log_call(entry)

    def c_pay(self, q, args):
        chat_id = int(args["chat_id"])
        update_id = int(args["update_id"])
        with self.st.lock:
            url, secret = self.st.delivery(args)
            msgs = self.st.chats.get(chat_id, {}).get("messages", {})
            invoices = [msgs[k] for k in sorted(msgs) if "invoice" in msgs[k]
                        and k == int(args.get("message_id", k))]
            if not invoices and not all(k in args for k in ("currency", "total_amount",
                                                            "invoice_payload")):
                raise ValueError("the chat has no invoice to pay")
            inv = invoices[-1] if invoices else {"invoice": {}, "_payload": ""}
            self.st.payment_counter += 1
            qid = "%d%06d" % (chat_id, self.st.payment_counter)
            self.st.precheckouts[qid] = None
        user = args.get("user") or {"id": chat_id, "is_bot": False, "first_name": "User",
                                    "language_code": "ru"}
        currency = args.get("currency", inv["invoice"].get("currency"))
        amount = int(args.get("total_amount", inv["invoice"].get("total_amount", 0)))
        payload = args.get("invoice_payload", inv["_payload"])
        query = {"update_id": update_id,
                 "pre_checkout_query": {"id": qid, "from": user, "currency": currency,
                                        "total_amount": amount, "invoice_payload": payload}}
        started = time.monotonic()
        status, body = self.post_update(url, secret, query)
        try:
            reply = json.loads(body.decode("utf-8")) if status == 200 and body else {}
        except ValueError:
            reply = {}
        if isinstance(reply, dict) and reply.get("method"):
            self.run_reply_method(reply)
        deadline = started + 10                  # Telegram waits 10 s for the answer
        with self.st.lock:
            while self.st.precheckouts[qid] is None and time.monotonic() < deadline:
                self.st.changed.wait(max(0.01, min(1.0, deadline - time.monotonic())))
            answer = self.st.precheckouts[qid]
        out = {"pre_checkout_query_id": qid, "webhook_status": status, "answer": answer,
               "answer_seconds": time.monotonic() - started, "payment": None}
        if not answer or not answer["ok"]:
            return 200, out
        with self.st.lock:
            charge = "stxTEST%d%06d" % (chat_id, self.st.payment_counter)
            self.st.payments[charge] = {"user_id": user["id"], "amount": amount,
                                        "refunded": False}
            chat = self.st.chat(chat_id)
            mid = chat["next_id"]
            chat["next_id"] += 1
        paid = {"currency": currency, "total_amount": amount, "invoice_payload": payload,
                "telegram_payment_charge_id": charge, "provider_payment_charge_id": ""}
        message = {"update_id": update_id + 1,
                   "message": {"message_id": mid, "from": user,
                               "chat": {"id": chat_id, "first_name": user.get("first_name", ""),
                                        "type": "private"},
                               "date": int(time.time()), "successful_payment": paid}}
        status, _ = self.post_update(url, secret, message)
        out["payment"] = message
        out["payment_webhook_status"] = status
        return 200, out

    def c_webhook(self, q, args):
        with self.st.lock:
            return 200, dict(self.st.webhook)


class Server(standin_http.Server):
    def __init__(self, addr, state):
        super().__init__(addr, Handler)
        self.state = state


def main(argv=None):
    ap = standin_http.arguments("Telegram Bot API stand-in for tests")
    ap.add_argument("--token", default=os.environ.get("BOTAPI_STANDIN_TOKEN", DEFAULT_TOKEN),
                    help="the only bot token accepted (default: the tests' token)")
    args = ap.parse_args(argv)
    return standin_http.serve(Server((args.bind, args.port), State(args.token)),
                              "botapi-standin", args)


if __name__ == "__main__":
    sys.exit(main())
