"""The HTTP plumbing the test stand-ins share (botapi_standin.py, fal_standin.py): a threaded
server that shrugs off clients going away, a request handler that reads bodies (plain or
chunked, up to a limit) and writes answers, and the command-line start (a free port written to
a file, SIGTERM ends it). What each stand-in answers is its own business."""

import argparse
import os
import signal
import socket
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    """Every method given in `methods` goes to self.dispatch(); self.st is the server's
    state. Subclasses set max_body and body_too_large (the exception a larger body raises,
    answered in the stand-in's own way)."""
    protocol_version = "HTTP/1.1"       # keep-alive, like the real servers
    sys_version = ""
    timeout = 300
    max_body = 16 * 1024 * 1024

    # The default access log would print request paths (the Bot API's contain the token).
    def log_message(self, format, *args):
        pass

    @property
    def st(self):
        return self.server.state

    def body_too_large(self):
        return ValueError("request body too large")

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > self.max_body:
                    raise self.body_too_large()
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.max_body:
            raise self.body_too_large()
        return self.rfile.read(length) if length > 0 else b""

    def send_bytes(self, status, body, content_type="application/json", extra_headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def drop_connection(self):
        """Closes without an answer; linger 0 makes the close a reset, as when a proxy drops
        the line."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # Client went away (timeouts, dropped connections): not worth a traceback.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
            return
        super().handle_error(request, client_address)


def arguments(description):
    """The options every stand-in takes (--port, --bind, --port-file); add your own."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--port", type=int, default=0, help="port to listen on (0: any free one)")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port-file", help="write the chosen port here once listening")
    return ap


def serve(server, name, args):
    """Announces the port (in --port-file, atomically, and on stderr) and serves until
    SIGTERM or SIGINT; returns the exit status."""
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    sys.stderr.write("%s: listening on http://%s:%d\n" % (name, args.bind, port))
    sys.stderr.flush()

    def on_signal(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0
