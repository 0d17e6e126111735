"""A database that stops answering does not freeze the service: connections are made with a
bounded connect (connect_timeout), TCP keepalives and tcp_user_timeout by default, and a URL
that sets them itself wins; a link that goes silent while the service runs (packets dropped,
nothing closed) turns webhooks into 503s within seconds, and the service recovers when the
link comes back, losing nothing it acknowledged."""
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402
import tcp_relay  # noqa: E402


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

    # ---- a link that goes silent mid-service ---------------------------------------------
    def silent_link(self, pg_host, pg_port):
        """A database link that can be cut silently: the service reaches PostgreSQL through a
        veth pair into a network namespace of its own (a forwarder there, another here), and
        taking the namespace's end down drops every packet without a word, as a dead switch
        or a stale NAT entry would. Returns (the service's DATABASE_URL host:port, cut, mend).
        Needs root with CAP_NET_ADMIN and `ip` (iproute2): the machine the suite runs on."""
        if os.geteuid() != 0 or not shutil.which("ip"):
            self.skipTest("needs root and iproute2 for a network namespace")
        tag = "ab%d" % (os.getpid() % 100000)
        ns, here, there = tag + "ns", tag + "a", tag + "b"
        net = "10.%d.%d" % (200 + os.getpid() % 50, os.getpid() % 250)

        def ip(*args, netns=False):
            cmd = (["ip", "netns", "exec", ns, "ip"] if netns else ["ip"]) + list(args)
            subprocess.run(cmd, check=True, capture_output=True, timeout=10)
        try:
            ip("netns", "add", ns)
        except subprocess.CalledProcessError as e:
            self.skipTest("no network namespaces here: %s" % e.stderr.decode().strip())
        self.addCleanup(lambda: subprocess.run(["ip", "netns", "del", ns], capture_output=True))
        ip("link", "add", here, "type", "veth", "peer", "name", there)
        self.addCleanup(lambda: subprocess.run(["ip", "link", "del", here], capture_output=True))
        ip("link", "set", there, "netns", ns)
        ip("addr", "add", net + ".1/30", "dev", here)
        ip("link", "set", here, "up")
        ip("addr", "add", net + ".2/30", "dev", there, netns=True)
        ip("link", "set", there, "up", netns=True)
        ip("link", "set", "lo", "up", netns=True)
        # here: net.1:PORT -> PostgreSQL; there: net.2:PORT -> net.1:PORT
        relay_port = h.free_port()
        self._relay(net + ".1", relay_port, pg_host, pg_port)
        fwd = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, tcp_relay.__file__,
                                net + ".2", str(relay_port), net + ".1", str(relay_port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: (fwd.kill(), fwd.wait(), fwd.stdout.close(), fwd.stderr.close()))
        self.assertEqual(fwd.stdout.readline().strip(), b"listening")
        return ("%s.2:%d" % (net, relay_port),
                lambda: ip("link", "set", there, "down", netns=True),
                lambda: ip("link", "set", there, "up", netns=True))

    def _relay(self, host, port, to_host, to_port):
        srv = tcp_relay.listen(host, port)
        self.addCleanup(srv.close)
        threading.Thread(target=tcp_relay.serve, args=(srv, to_host, to_port),
                         daemon=True).start()

    def test_a_link_gone_silent_turns_webhooks_into_503s_then_recovers(self):
        url = urllib.parse.urlsplit(self.db_url)
        link, cut, mend = self.silent_link(url.hostname, url.port)
        proxied = urllib.parse.urlunsplit(url._replace(netloc=url.netloc.replace(
            "%s:%d" % (url.hostname, url.port), link)))
        svc = h.Service(proxied, self.botapi, log_name=self.test_label,
                        extra_env={"INBOX_WRITERS": "1"})
        self.services.append(svc)
        self.addCleanup(self._finish_service, svc)
        svc.wait_ready(30)
        uid = h.user_id(31)
        first = h.message_update(self.next_update_id(), uid, "/start", lang="en")
        self.assertEqual(svc.post_update(first)[0], 200)
        self.botapi.wait_calls(1, "sendMessage", timeout=20)

        cut()
        started = time.monotonic()
        answers = []
        while time.monotonic() - started < h.scaled(60):
            status, _ = svc.post_update(h.message_update(self.next_update_id(), uid, "/help",
                                                         lang="en"), timeout=60)
            answers.append((round(time.monotonic() - started, 1), status))
            if status == 503:
                break
        took = time.monotonic() - started
        print("database link cut silently: first 503 after %.1f s (answers %s)"
              % (took, answers))
        self.assertEqual(answers[-1][1], 503, answers)
        self.assertLess(took, h.scaled(30))
        # not ready while the database is out of reach
        h.wait_until(lambda: svc.get("/readyz", timeout=5)[0] == 503, timeout=h.scaled(40),
                     message="/readyz to say 503")

        mend()
        h.wait_until(lambda: svc.get("/readyz", timeout=5)[0] == 200, timeout=h.scaled(60),
                     message="/readyz to recover")
        again = h.message_update(self.next_update_id(), uid, "/start", lang="en")
        h.wait_until(lambda: svc.post_update(again, timeout=30)[0] == 200,
                     timeout=h.scaled(60), message="webhooks taken again")
        acked = [u for u, s in answers if s == 200]
        # everything acknowledged was handled: its reply went out
        h.wait_until(lambda: h.psql_value(self.db_url, "SELECT count(*) FROM inbox WHERE"
                                                       " status <> 'done'") == "0",
                     timeout=h.scaled(60), message="the inbox drained")
        self.assertEqual(int(h.psql_value(self.db_url, "SELECT count(*) FROM inbox")),
                         2 + len(acked))


if __name__ == "__main__":
    h.main()
