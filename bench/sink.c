/* sink.c — a minimal, fast stand-in for the Telegram Bot API, for benchmarks only.
 *
 *   sink --port P [--port-file FILE]
 *
 * One thread, epoll, non-blocking sockets, HTTP/1.1 keep-alive (pipelining tolerated).
 *   POST /bot<token>/sendMessage  → {"ok":true,"result":{"message_id":N,"date":T,
 *                                     "chat":{"id":CHAT,"type":"private"},"text":"…"}}
 *   POST /bot<token>/<other>      → {"ok":true,"result":true}
 *   GET  /count                   → {"total":…,"sendMessage":…,"other":…,
 *                                     "first_ns":…,"last_ns":…}
 *                                   (CLOCK_MONOTONIC ns of the first and latest Bot API call;
 *                                   the load generator uses the same clock on this machine)
 *   GET  /sample                  → the first sendMessage body it received (for pgbench)
 *   POST /reset                   → zero the counters and forget the sample
 * Anything else gets 404. Request bodies must carry Content-Length (libcurl sends it for
 * POSTFIELDS); chunked bodies get 411. It exits on SIGINT/SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchio.h"

#define MAX_REQ (1u << 20) /* a request larger than this is refused and the connection closed */

typedef struct {
    int fd;
    char *in;
    size_t in_len, in_cap;
    char *out;
    size_t out_len, out_off, out_cap;
    int close_after;
    int want_out; /* EPOLLOUT currently requested */
} conn;

static volatile sig_atomic_t stop;
static uint64_t n_send, n_other, next_message_id = 1;
static int64_t first_ns, last_ns;
static char *sample;
static size_t sample_len;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void out_append(conn *c, const char *s, size_t n)
{
    buf_append(&c->out, &c->out_len, &c->out_cap, s, n);
}

static void reply(conn *c, int status, const char *reason, const char *body, size_t body_len)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s\r\n",
                     status, reason, body_len, c->close_after ? "Connection: close\r\n" : "");
    out_append(c, head, (size_t)n);
    out_append(c, body, body_len);
}

/* Finds `"key":` in a flat scan of the JSON body and returns a pointer just past the colon
 * and any blanks. Good enough for the service's own compact payloads. */
static const char *json_field(const char *body, size_t len, const char *key)
{
    char pat[64];
    int n = snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *end = body + len;
    for (const char *p = memmem(body, len, pat, (size_t)n); p;
         p = memmem(p + 1, (size_t)(end - p - 1), pat, (size_t)n)) {
        const char *q = p + n;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        if (q < end && *q == ':') {
            q++;
            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
            return q;
        }
    }
    return NULL;
}

static void handle_bot_call(conn *c, const char *method, size_t mlen, const char *body,
                            size_t blen)
{
    int64_t now = mono_ns();
    if (!first_ns)
        first_ns = now;
    last_ns = now;
    if (mlen == 11 && memcmp(method, "sendMessage", 11) == 0) {
        n_send++;
        if (!sample && blen > 0) {
            sample = xrealloc(NULL, blen);
            memcpy(sample, body, blen);
            sample_len = blen;
        }
        /* chat id: the number (or quoted number) after "chat_id" */
        long long chat = 0;
        const char *p = json_field(body, blen, "chat_id");
        if (p) {
            if (*p == '"')
                p++;
            chat = strtoll(p, NULL, 10);
        }
        /* text: the raw, already-escaped JSON string, echoed verbatim (still valid JSON) */
        const char *t = json_field(body, blen, "text");
        const char *tend = t;
        if (t && *t == '"') {
            t++;
            for (tend = t; tend < body + blen && *tend != '"'; tend++)
                if (*tend == '\\' && tend + 1 < body + blen)
                    tend++;
        } else {
            t = tend = "";
        }
        size_t tlen = (size_t)(tend - t);
        size_t cap = tlen + 256;
        char *res = xrealloc(NULL, cap);
        int n = snprintf(res, cap,
                         "{\"ok\":true,\"result\":{\"message_id\":%llu,\"from\":{\"id\":123456,"
                         "\"is_bot\":true,\"first_name\":\"Bench\",\"username\":\"bench_bot\"},"
                         "\"chat\":{\"id\":%lld,\"type\":\"private\"},\"date\":%lld,\"text\":\"",
                         (unsigned long long)next_message_id++, chat, (long long)time(NULL));
        memcpy(res + n, t, tlen);
        memcpy(res + n + tlen, "\"}}", 3);
        reply(c, 200, "OK", res, (size_t)n + tlen + 3);
        free(res);
    } else {
        n_other++;
        static const char ok[] = "{\"ok\":true,\"result\":true}";
        reply(c, 200, "OK", ok, sizeof ok - 1);
    }
}

static void route(conn *c, const char *verb, size_t vlen, const char *path, size_t plen,
                  const char *body, size_t blen)
{
    int is_get = vlen == 3 && memcmp(verb, "GET", 3) == 0;
    int is_post = vlen == 4 && memcmp(verb, "POST", 4) == 0;
    if (is_post && plen > 4 && memcmp(path, "/bot", 4) == 0) {
        const char *slash = memchr(path + 4, '/', plen - 4);
        if (slash) {
            handle_bot_call(c, slash + 1, (size_t)(path + plen - slash - 1), body, blen);
            return;
        }
    }
    if (is_get && plen == 6 && memcmp(path, "/count", 6) == 0) {
        char res[256];
        int n = snprintf(res, sizeof res,
                         "{\"total\":%llu,\"sendMessage\":%llu,\"other\":%llu,"
                         "\"first_ns\":%lld,\"last_ns\":%lld}",
                         (unsigned long long)(n_send + n_other), (unsigned long long)n_send,
                         (unsigned long long)n_other, (long long)first_ns, (long long)last_ns);
        reply(c, 200, "OK", res, (size_t)n);
        return;
    }
    if (is_get && plen == 7 && memcmp(path, "/sample", 7) == 0) {
        reply(c, sample ? 200 : 404, sample ? "OK" : "Not Found", sample ? sample : "{}",
              sample ? sample_len : 2);
        return;
    }
    if (is_post && plen == 6 && memcmp(path, "/reset", 6) == 0) {
        n_send = n_other = 0;
        first_ns = last_ns = 0;
        free(sample);
        sample = NULL;
        sample_len = 0;
        reply(c, 200, "OK", "{}", 2);
        return;
    }
    static const char nf[] = "{\"ok\":false,\"error_code\":404,\"description\":\"Not Found\"}";
    reply(c, 404, "Not Found", nf, sizeof nf - 1);
}

/* Parses and answers every complete request in the input buffer. Returns -1 to close. */
static int process_input(conn *c)
{
    size_t off = 0;
    for (;;) {
        http_request r;
        long n = parse_http_request(c->in + off, c->in_len - off, &r);
        if (n < 0 || (size_t)n + r.body_len > MAX_REQ)
            return -1;
        if (n == 0)
            break; /* not complete yet */
        if (r.close)
            c->close_after = 1;
        if (r.chunked) {
            c->close_after = 1;
            reply(c, 411, "Length Required", "{}", 2);
            return 0;
        }
        route(c, r.verb, r.verb_len, r.path, r.path_len, r.body, r.body_len);
        off += (size_t)n;
        if (c->close_after)
            break;
    }
    if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    if (c->in_len > MAX_REQ)
        return -1;
    return 0;
}

static void conn_free(int ep, conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    free(c->out);
    free(c);
}

/* Writes what is pending; returns -1 on error, 1 if output remains, 0 when flushed. */
static int flush_out(conn *c)
{
    int r = send_pending(c->fd, c->out, c->out_len, &c->out_off);
    if (r == 0)
        c->out_off = c->out_len = 0;
    return r;
}

int main(int argc, char **argv)
{
    int port = 0;
    const char *port_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc)
            port_file = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--port P] [--port-file FILE]\n", argv[0]);
            return 2;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int one = 1;
    int ls = listen_loopback(port, &port);
    if (port_file) {
        write_port_file(port_file, port);
    } else {
        printf("%d\n", port);
        fflush(stdout);
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    struct epoll_event evs[256];
    while (!stop) {
        int n = epoll_wait(ep, evs, 256, 200);
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (!c) { /* the listening socket */
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn *nc = calloc(1, sizeof *nc);
                    if (!nc)
                        die("calloc");
                    nc->fd = fd;
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            int dead = 0;
            if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                /* on the peer's close, answer what we have, then close */
                dead = read_available(c->fd, &c->in, &c->in_len, &c->in_cap);
                if (process_input(c) < 0)
                    dead = 1;
            }
            if (!dead || c->out_len) {
                int r = flush_out(c);
                if (r < 0)
                    dead = 1;
                else if (r == 0 && c->close_after)
                    dead = 1;
                if (!dead && (r == 1) != c->want_out) {
                    c->want_out = r == 1;
                    struct epoll_event cev = {
                        .events = EPOLLIN | EPOLLRDHUP | (c->want_out ? EPOLLOUT : 0u),
                        .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &cev);
                }
            }
            if (dead)
                conn_free(ep, c);
        }
    }
    return 0;
}
