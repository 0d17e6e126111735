"""A database that stops answering does not freeze the service: connections are made with a
bounded connect (connect_timeout), TCP keepalives and tcp_user_timeout by default, and a URL
that sets them itself wins."""
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402


class DatabaseLinkTest(h.IntegrationTestCase):

    def silent_server(self):
        """A port whose kernel completes TCP handshakes and then nothing ever answers: a
        database host gone silent behind a live address."""
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        self.addCleanup(sock.close)
        return sock.getsockname()[1]

    def test_connect_to_a_silent_database_gives_up_in_seconds(self):
        port = self.silent_server()
        started = time.monotonic()
        r = h.run_avatarbot(["migrate"], db_url="postgresql://ab@127.0.0.1:%d/ab" % port,
                            timeout=60)
        took = time.monotonic() - started
        print("migrate against a silent database gave up after %.1f s" % took)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("timeout", (r.stdout + r.stderr).lower())
        self.assertLess(took, h.scaled(12))

    def test_the_url_overrides_the_default(self):
        port = self.silent_server()
        started = time.monotonic()
        r = h.run_avatarbot(["migrate"], timeout=60, db_url="postgresql://ab@127.0.0.1:%d/ab"
                            "?connect_timeout=2" % port,
                            extra_env={"STORAGE_URL": "file:///nonexistent"})
        took = time.monotonic() - started
        self.assertNotEqual(r.returncode, 0)
        self.assertLess(took, h.scaled(4.5))
        self.assertGreater(took, 1.5)


if __name__ == "__main__":
    h.main()
