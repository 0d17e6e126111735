"""The service's log lines say what they are about (issue 20): every line carries `service` and
`version`; a line written while an update is handled in its step, or while its reply is sent,
carries that update's `update_id` and `chat_id`; a line written by a job carries `job_id`,
`user_id` and `avatar_id`."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402
from chat import Chat  # noqa: E402


class LogFieldsTest(h.IntegrationTestCase):

    def lines(self, svc, msg):
        return [ln for ln in svc.log_json() if ln.get("msg") == msg]

    def test_lines_name_their_update_job_and_service(self):
        svc = self.start_service(extra_env={"LOG_LEVEL": "debug"})
        uid = h.user_id(51)
        chat = Chat(self, svc, uid)
        start = chat.text_update("/start")
        chat.post(start)
        chat.wait_screen()
        handled = [ln for ln in self.lines(svc, "update handled")
                   if ln.get("update_id") == start["update_id"]]
        self.assertEqual(len(handled), 1, self.lines(svc, "update handled"))
        self.assertEqual(handled[0]["chat_id"], uid)

        # a reply that fails once: the sender's line names the update it answers
        self.botapi.fault("500", method="sendMessage", chat_id=uid, count=1)
        helpme = chat.text_update("/help")
        chat.post(helpme)
        chat.wait_screen()
        failed = self.lines(svc, "bot api call failed, will retry")
        self.assertEqual(len(failed), 1, failed)
        self.assertEqual((failed[0]["update_id"], failed[0]["chat_id"]),
                         (helpme["update_id"], uid))

        # a job: a photo the bot cannot download
        chat.say("/start")
        chat.start_creating()
        chat.press("Portrait")
        chat.press("Continue")
        chat.press("Female")
        chat.say("Logs")
        avatar_id = int(h.psql_value(self.db_url, "SELECT id FROM avatars WHERE user_id = $1",
                                     uid))
        chat.post(chat.photo_update())   # no bytes in the stand-in: the download fails
        job_id = int(h.wait_until(lambda: h.psql_value(
            self.db_url, "SELECT id FROM jobs WHERE kind = 'photo.ingest' AND user_id = $1",
            uid), message="the photo's job"))
        job_lines = h.wait_until(lambda: [ln for ln in svc.log_json()
                                          if ln.get("job_id") == job_id
                                          and ln.get("msg") != "job failed, will retry"],
                                 timeout=30, message="a line of the photo's job")
        for ln in job_lines:
            self.assertEqual((ln["user_id"], ln["avatar_id"]), (uid, avatar_id), ln)

        every = svc.log_json()
        self.assertTrue(every)
        for ln in every:
            self.assertEqual(ln.get("service"), "avatarbot", ln)
            self.assertRegex(ln.get("version", ""), r"^\d+\.\d+\.\d+", ln)


if __name__ == "__main__":
    h.main()
