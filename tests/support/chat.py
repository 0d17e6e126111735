"""One user talking to the bot through /telegram/webhook: the test client every conversation
test uses (the transcript runner, tests/support/transcript.py, and the Python tests that talk
to the bot). It sends what a Telegram client would send (text, a button press, photos, albums,
documents) and reads back what the bot answered from the Bot API stand-in."""
import time

import harness as h

# The Bot API methods by which the bot shows something in a chat.
MESSAGE_METHODS = ("sendMessage", "editMessageText", "sendPhoto", "sendMediaGroup", "sendDocument")


def keyboard(call):
    """The inline keyboard of a call as rows of (label, callback_data)."""
    markup = call["params"].get("reply_markup") or {}
    return [[(b["text"], b.get("callback_data")) for b in row]
            for row in markup.get("inline_keyboard", [])]


class Chat:
    """One user (uid, language) of one test. `say` and `press` wait for the bot's next screen
    (the last message sent or edited) and keep it in `last`; `act` waits until the service is
    quiet and returns everything it did in this chat (the transcript runner's view)."""

    def __init__(self, test, svc, uid, lang="en"):
        self.test, self.svc, self.uid, self.lang = test, svc, uid, lang
        self.seen = test.botapi.last_seq()
        self.last = None            # the bot's latest screen (a recorded call)
        self.all = []               # every screen call of the latest answer
        self.message_id = None      # the message the next press is on
        self.keyboards = {}         # message_id -> keyboard rows, most recently shown last

    @property
    def db_url(self):
        return self.test.db_url

    # ---- sending ------------------------------------------------------------------------
    def post(self, update):
        """Delivers an update as Telegram would; the webhook must take it."""
        status, body = self.svc.post_update(update)
        self.test.assertEqual(status, 200, "the webhook refused an update: %s" % body)

    def text_update(self, text):
        return h.message_update(self.test.next_update_id(), self.uid, text, lang=self.lang)

    def callback_update(self, data, message_id=None):
        return h.callback_update(self.test.next_update_id(), self.uid, data,
                                 message_id if message_id is not None else self.message_id,
                                 lang=self.lang)

    def photo_update(self, content=None, group=None, file_size=None, as_document=False,
                     mime="image/jpeg"):
        """A photo (or a file sent as a document); its bytes, when given, are put in the
        stand-in for the bot to download."""
        upd_id = self.test.next_update_id()
        file_id = "photo-%d" % upd_id
        if content is not None:
            self.test.botapi.add_file(file_id, "u%d" % upd_id, content=content,
                                      file_path="photos/file_%d.jpg" % upd_id)
        size = file_size or (len(content) if content is not None else 250_000)
        if as_document:
            return h.document_update(upd_id, self.uid, file_id=file_id,
                                     file_unique_id="u%d" % upd_id, mime_type=mime,
                                     file_size=size, media_group_id=group, lang=self.lang)
        return h.photo_update(upd_id, self.uid, file_id=file_id, file_unique_id="u%d" % upd_id,
                              width=1024, height=1024, file_size=size, media_group_id=group,
                              lang=self.lang)

    # ---- what the bot did ---------------------------------------------------------------
    def calls(self, since, callback_ids=()):
        """The bot's successful calls since `since` in this chat: messages sent or edited, and
        the answers to the given callback queries."""
        out = []
        for c in self.test.botapi.calls(since=since):
            if c["http_status"] != 200:
                continue
            p = c["params"]
            # an upload's fields arrive as form text: its chat_id is a string
            if c["method"] in MESSAGE_METHODS and str(p.get("chat_id")) == str(self.uid):
                out.append(c)
            elif (c["method"] == "answerCallbackQuery"
                  and p.get("callback_query_id") in callback_ids):
                out.append(c)
        return out

    def _note(self, calls):
        """Remembers the screens and keyboards the calls left in the chat."""
        screens = [c for c in calls if c["method"] in ("sendMessage", "editMessageText")]
        for c in screens:
            if c["method"] == "sendMessage":
                mid = c["response"]["result"]["message_id"]
            else:
                mid = c["params"].get("message_id")
            self.keyboards.pop(mid, None)
            self.keyboards[mid] = keyboard(c)
        if screens:
            self.all = screens
            self.last = screens[-1]
            if self.last["method"] == "sendMessage":
                self.message_id = self.last["response"]["result"]["message_id"]

    def quiet(self):
        """True when the service has nothing left to do: no update waiting in the inbox, no
        job due or running, nothing to send."""
        return h.psql_value(self.db_url, """
            SELECT (SELECT count(*) FROM inbox WHERE status = 'pending')
                 + (SELECT count(*) FROM jobs WHERE status = 'running'
                                               OR (status = 'pending' AND run_after <= now()))
                 + (SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending'))""") == "0"

    def settle(self, timeout=30.0):
        """Waits until the service is quiet twice in a row (a job's last step may queue a
        message between two looks)."""
        def twice():
            if not self.quiet():
                return False
            time.sleep(0.05)
            return self.quiet()
        h.wait_until(twice, timeout=timeout, message="the service to finish the update")

    def act(self, updates, callback_id=None):
        """Delivers updates (one message, or an album's), waits until the service is quiet,
        returns what the bot did in this chat (and the answer to the callback query
        callback_id, if one was sent)."""
        since = self.test.botapi.last_seq()
        for update in updates:
            self.post(update)
        ids = (callback_id,) if callback_id else ()
        if callback_id:  # a press is always answered, whatever else happens
            h.wait_until(lambda: any(c["method"] == "answerCallbackQuery"
                                     for c in self.calls(since, ids)),
                         message="the answer to the button press")
        self.settle()
        calls = self.calls(since, ids)
        self.seen = self.test.botapi.last_seq()
        self._note(calls)
        return calls

    def button(self, label):
        """(message_id, callback_data) of the visible button `label`: its exact label, else
        the one label containing it, on the most recently shown message that has it."""
        for mid in reversed(list(self.keyboards)):
            labels = [b for row in self.keyboards[mid] for b in row]
            exact = [d for t, d in labels if t == label]
            partial = [d for t, d in labels if label in t]
            if exact or len(partial) == 1:
                return mid, (exact or partial)[0]
            if partial:
                raise AssertionError("button %r is ambiguous: %r"
                                     % (label, [t for t, _ in labels if label in t]))
        shown = [t for kb in self.keyboards.values() for row in kb for t, _ in row]
        raise AssertionError("no button %r in the chat; shown: %r" % (label, shown))

    # ---- the screen-by-screen interface -------------------------------------------------
    def _wait_screen(self):
        """Waits until the bot has answered (the last sendMessage/editMessageText after the
        action) and the update and its messages are through; returns that call."""
        def screens():
            return [c for c in self.calls(self.seen)
                    if c["method"] in ("sendMessage", "editMessageText")]
        got = h.wait_until(screens, message="the bot's answer")
        h.wait_until(lambda: h.psql_value(self.db_url, "SELECT count(*) FROM inbox "
                                                       "WHERE status = 'pending'") == "0")
        h.wait_until(lambda: h.psql_value(self.db_url, "SELECT count(*) FROM outbox WHERE "
                                                       "status IN ('pending','sending')") == "0")
        self._note(screens() or got)
        self.seen = self.test.botapi.last_seq()
        return self.last

    wait_screen = _wait_screen

    def say(self, text):
        self.seen = self.test.botapi.last_seq()
        self.post(self.text_update(text))
        return self._wait_screen()

    def buttons(self, call=None):
        """The buttons of a call (default: the latest screen) as {label: callback_data}."""
        return {t: d for row in keyboard(call or self.last) for t, d in row}

    def press(self, label=None, data=None, expect_screen=True):
        """Presses a button of the latest screen by (part of) its label, or sends a callback
        with the given data; returns the next screen, or with expect_screen=False the
        answerCallbackQuery call."""
        if data is None:
            options = self.buttons()
            matches = [d for t, d in options.items() if label in t]
            self.test.assertTrue(matches, "no button %r in %r" % (label, list(options)))
            data = matches[0]
        self.seen = self.test.botapi.last_seq()
        update = self.callback_update(data)
        self.post(update)
        if not expect_screen:
            cid = update["callback_query"]["id"]
            return h.wait_until(lambda: [c for c in self.calls(self.seen, (cid,))
                                         if c["method"] == "answerCallbackQuery"])[-1]
        return self._wait_screen()

    def start_creating(self, label="Create avatar"):
        """Presses the menu's create button; a user's first time, the privacy notice comes
        first and is agreed to (its own test: tests/transcripts/privacy.txt)."""
        self.press(label)
        if "priv:ok" in self.buttons().values():
            self.press(data="priv:ok")
        return self.last

    def text(self):
        return self.last["params"]["text"]
