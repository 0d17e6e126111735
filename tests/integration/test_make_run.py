"""`make run` as a newcomer uses it: scripts/run.sh starts its own PostgreSQL and the service,
prints the web chat's address, and the terminal chat (tools/chat.py, under a real
pseudo-terminal) answers /start; a second run on the same database is answered too (update ids
come from the clock, never one the service has seen and would ignore); and the PostgreSQL it
started is stopped when the chat ends."""
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """scripts/run.sh on a pseudo-terminal: type lines, wait for text on the screen."""

    def __init__(self, test, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve("/bin/bash", ["bash", str(ROOT / "scripts" / "run.sh"),
                                    str(h.BUILD_DIR)], env)
        self.screen = ""
        test.addCleanup(self.kill)

    def read_until(self, text, timeout):
        deadline = time.monotonic() + h.scaled(timeout)
        while text not in self.screen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%r not on the screen after %ss:\n%s"
                                     % (text, timeout, self.screen[-3000:]))
            if select.select([self.fd], [], [], min(left, 0.5))[0]:
                try:
                    self.screen += os.read(self.fd, 65536).decode(errors="replace")
                except OSError:  # the other side is gone
                    break
        if text not in self.screen:
            raise AssertionError("%r never shown:\n%s" % (text, self.screen[-3000:]))
        return self.screen

    def type(self, line):
        os.write(self.fd, (line + "\n").encode())

    def wait_exit(self, timeout):
        deadline = time.monotonic() + h.scaled(timeout)
        while time.monotonic() < deadline:
            if select.select([self.fd], [], [], 0.2)[0]:
                try:
                    self.screen += os.read(self.fd, 65536).decode(errors="replace")
                except OSError:
                    pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pid = None
                return os.waitstatus_to_exitcode(status)
        raise AssertionError("make run did not end:\n" + self.screen[-2000:])

    def kill(self):
        if self.pid:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = None
        os.close(self.fd)


class MakeRunTest(h.IntegrationTestCase):

    def test_two_runs_answer_and_stop_their_database(self):
        pgdir = Path(h.BUILD_DIR) / "test-make-run-pg"
        storage = Path(h.BUILD_DIR) / "test-make-run-storage"
        for d in (pgdir, storage):
            shutil.rmtree(d, ignore_errors=True)
        self.addCleanup(subprocess.run, ["bash", str(h.PGCLUSTER_SCRIPT), "destroy",
                                         str(pgdir)], stdin=subprocess.DEVNULL, check=False)
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "PUBLIC_BASE_URL")}
        web = h.free_port()
        env.update({"RUN_PGDIR": str(pgdir), "HTTP_PORT": str(h.free_port()),
                    "WEBCHAT_PORT": str(web), "STORAGE_URL": "file://%s" % storage,
                    "TERM": "dumb"})
        for run in (1, 2):
            term = Terminal(self, env)
            screen = term.read_until("Type a message", timeout=120)
            # the web chat's address first (tests/integration/test_webchat.py uses the page)
            self.assertLess(screen.index("Open http://127.0.0.1:%d/ in a browser" % web),
                            screen.index("Type a message"))
            term.type("/start")
            screen = term.read_until("Create avatar", timeout=30)
            self.assertIn("bot ›", screen)
            term.type(":quit")
            self.assertEqual(term.wait_exit(timeout=60), 0, term.screen[-2000:])
            status = subprocess.run(["bash", str(h.PGCLUSTER_SCRIPT), "status", str(pgdir)],
                                    stdin=subprocess.DEVNULL, capture_output=True)
            self.assertEqual(status.returncode, 3, "run %d left PostgreSQL running" % run)


if __name__ == "__main__":
    h.main()
