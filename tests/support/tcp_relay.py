"""A plain TCP relay: connections to (host, port) are piped to (to_host, to_port), both ways.
Used by tests that put something between the service and PostgreSQL (test_db_link.py: a link
through a network namespace that can be cut silently). As a script it prints "listening" once
its socket is bound:

    python3 tests/support/tcp_relay.py HOST PORT TO_HOST TO_PORT
"""
import socket
import sys
import threading


def pump(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):  # the other direction's pump sees the end and stops too
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def listen(host, port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(64)
    return srv


def serve(srv, to_host, to_port):
    """Relays every connection srv accepts, until srv is closed."""
    while True:
        try:
            c, _ = srv.accept()
            u = socket.create_connection((to_host, to_port))
        except OSError:
            return
        threading.Thread(target=pump, args=(c, u), daemon=True).start()
        threading.Thread(target=pump, args=(u, c), daemon=True).start()


if __name__ == "__main__":
    server = listen(sys.argv[1], int(sys.argv[2]))
    print("listening", flush=True)
    serve(server, sys.argv[3], int(sys.argv[4]))
