/* loadgen.c — closed-loop HTTP/1.1 load generator for avatarbot's benchmark.
 *
 * Sends exactly N POST requests over C keep-alive connections (one request in flight per
 * connection, like Telegram's own delivery and like wrk), times each one on the client from
 * the moment its first byte is written to the moment its whole response is read, and keeps
 * every sample, so the percentiles are exact (nearest rank over all N), not bucketed.
 *
 *   loadgen --port P[,P2...] --mode webhook|sink --n N --conc C [options]
 *     --port P[,P2...]    target port(s) on --host; with several, connection i goes to port
 *                         i % count (half each for two, as a load balancer spreading
 *                         keep-alive connections would), and the result counts each one's acks
 *     --host A            IPv4 address (default 127.0.0.1; loopback only is expected)
 *     --chats M           webhook: chats the updates are spread over, round-robin (default 1000)
 *     --secret S          webhook: X-Telegram-Bot-Api-Secret-Token
 *     --first-update U    webhook: update_id of the first request (default 1); ids are U..U+N-1
 *     --chat-base B       webhook: chat ids are B..B+M-1 (default 1000000000, above 2^29)
 *     --token T           sink: bot token in the path /bot<T>/sendMessage
 *     --watch-pid PID[,PID2...]  sample /proc/PID/status every 100 ms: peak VmRSS under load,
 *                         VmHWM and CPU time used by PID during the run; with several (the
 *                         replicas of one service), "process" sums their CPU and takes the
 *                         largest of each RSS figure, "processes" has each one's
 *     --sink-port SP      after the last ack, poll http://host:SP/count until sendMessage
 *     --expect E          reaches E; end-to-end time = sink's last call − our first send
 *     --wait-timeout S    give up waiting for the sink after S seconds (default 120)
 *     --time-limit S      give up posting after S seconds (default 240)
 *     --json FILE         write the results as one JSON object
 *     --samples FILE      write every request's latency, one line each: index, ms since
 *                         the first send (open loop: since due), latency ms (for finding stalls)
 *     --rate R            open loop: request i is due at start + i/R seconds and is sent on
 *                         an idle connection once due; its latency counts from when it was
 *                         due, so time spent waiting for a free connection is included (no
 *                         coordinated omission). Default: closed loop, as fast as answered
 *
 * Update i (0-based) has update_id U+i and chat B + i % M: with M ≥ C, the requests in flight
 * at any moment belong to distinct chats, as they would with many real users. 5xx replies and
 * dropped connections are retried on the same update_id (as Telegram does) up to 5 times; the
 * sample then covers all attempts. Exit status: 0 when every request got a 2xx (and, with
 * --sink-port, the sink saw every expected call), 1 otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
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

#define MAX_ATTEMPTS 5
#define MAX_LIST 8 /* ports, watched pids */

typedef struct {
    int fd;
    int target;    /* index into ports */
    long idx;      /* request in flight, -1 when idle */
    int attempts;  /* of the request in flight */
    int64_t t0;    /* first send of the request in flight */
    char out[2048];
    size_t out_len, out_off;
    char in[8192];
    size_t in_len;
} conn;

/* options */
static const char *host = "127.0.0.1";
static int ports[MAX_LIST], n_ports, sink_port;
static int is_webhook = 1;
static long n_req, n_chats = 1000, conc = 64, expect = -1;
static const char *secret = "", *token = "123456:bench";
static long long first_update = 1, chat_base = 1000000000LL;
static int watch_pids[MAX_LIST], n_watch;
static double wait_timeout = 120, time_limit = 240;
static double rate; /* requests/s; 0: closed loop */
static const char *samples_path;
static int64_t *sent_at; /* --samples: when each request started (due, in the open loop) */
static const char *json_path;

/* results */
static int64_t *lat;   /* ns per request */
static long next_req, done_req, ok_req, bad_status, retries, conn_errors, gave_up;
static long status_counts[6];
static int64_t first_send, last_ack;
static int64_t open_start; /* open loop: when request 0 is due */
static long target_acks[MAX_LIST]; /* 2xx per port */
/* process sampling, per watched pid */
static long rss_max_kb[MAX_LIST], rss_samples[MAX_LIST];
static double rss_sum_kb[MAX_LIST];
static int64_t last_sample;

/* VmRSS / VmHWM in kB from /proc/PID/status; -1 when the process is gone. */
static long proc_status_kb(int pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long v = -1;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtol(line + klen + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* utime + stime of PID in seconds (fields 14 and 15 of /proc/PID/stat). */
static double proc_cpu_s(int pid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* comm may contain spaces */
    if (!p)
        return -1;
    unsigned long long ut = 0, st = 0;
    /* after ") ": state(3) ppid … utime is field 14, stime 15 */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void sample_proc(int force)
{
    if (!n_watch)
        return;
    int64_t now = mono_ns();
    if (!force && now - last_sample < 100000000)
        return;
    last_sample = now;
    for (int k = 0; k < n_watch; k++) {
        long rss = proc_status_kb(watch_pids[k], "VmRSS");
        if (rss < 0)
            continue;
        if (rss > rss_max_kb[k])
            rss_max_kb[k] = rss;
        rss_sum_kb[k] += (double)rss;
        rss_samples[k]++;
    }
}

/* "A[,B...]" of positive integers into out (at most MAX_LIST); returns how many, 0 if bad. */
static int parse_int_list(const char *v, int *out)
{
    int n = 0;
    for (const char *p = v; *p;) {
        char *end;
        long x = strtol(p, &end, 10);
        if (end == p || x <= 0 || x > 0x7fffffff || n == MAX_LIST || (*end && *end != ','))
            return 0;
        out[n++] = (int)x;
        p = *end ? end + 1 : end;
    }
    return n;
}

static int connect_to(int p, int nonblock)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        fprintf(stderr, "loadgen: bad --host %s\n", host);
        exit(2);
    }
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (nonblock)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static void build_request(conn *c, long i)
{
    char body[1024];
    int blen;
    char hdr[512];
    int hlen;
    if (is_webhook) {
        long long uid = first_update + i, chat = chat_base + i % n_chats;
        blen = snprintf(body, sizeof body,
                        "{\"update_id\":%lld,\"message\":{\"message_id\":%lld,\"date\":1700000000,"
                        "\"chat\":{\"id\":%lld,\"type\":\"private\",\"first_name\":\"U\"},"
                        "\"from\":{\"id\":%lld,\"is_bot\":false,\"first_name\":\"U\","
                        "\"language_code\":\"ru\"},\"text\":\"/start\",\"entities\":[{\"type\":"
                        "\"bot_command\",\"offset\":0,\"length\":6}]}}",
                        uid, uid, chat, chat);
        hlen = snprintf(hdr, sizeof hdr,
                        "POST /telegram/webhook HTTP/1.1\r\nHost: %s:%d\r\n"
                        "Content-Type: application/json\r\n"
                        "X-Telegram-Bot-Api-Secret-Token: %s\r\nContent-Length: %d\r\n\r\n",
                        host, ports[c->target], secret, blen);
    } else {
        long long chat = chat_base + i % n_chats;
        blen = snprintf(body, sizeof body,
                        "{\"chat_id\":%lld,\"text\":\"Benchmark message \\u2014 choose:\","
                        "\"parse_mode\":\"HTML\",\"reply_markup\":{\"inline_keyboard\":"
                        "[[{\"text\":\"Create\",\"callback_data\":\"menu:create\"}],"
                        "[{\"text\":\"Gallery\",\"callback_data\":\"menu:gallery\"}]]}}",
                        chat);
        hlen = snprintf(hdr, sizeof hdr,
                        "POST /bot%s/sendMessage HTTP/1.1\r\nHost: %s:%d\r\n"
                        "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n",
                        token, host, ports[c->target], blen);
    }
    if ((size_t)(hlen + blen) > sizeof c->out) {
        fprintf(stderr, "loadgen: request too large\n");
        exit(2);
    }
    memcpy(c->out, hdr, (size_t)hlen);
    memcpy(c->out + hlen, body, (size_t)blen);
    c->out_len = (size_t)(hlen + blen);
    c->out_off = 0;
    c->in_len = 0;
}

/* Writes what is left of the request; 0 ok (maybe partial), -1 on a broken connection. */
static int send_some(conn *c)
{
    return send_pending(c->fd, c->out, c->out_len, &c->out_off) < 0 ? -1 : 0;
}

static void epoll_set(int ep, conn *c, int op)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP |
                                       (c->out_off < c->out_len ? EPOLLOUT : 0u),
                             .data.ptr = c};
    if (epoll_ctl(ep, op, c->fd, &ev) < 0)
        die("epoll_ctl");
}

/* Starts request i on c (first attempt) or re-sends the current one (retry). */
static int start_request(int ep, conn *c, long i, int retry)
{
    if (!retry) {
        c->idx = i;
        c->attempts = 0;
        c->t0 = rate > 0 ? open_start + (int64_t)((double)i * 1e9 / rate) : mono_ns();
        if (sent_at)
            sent_at[i] = c->t0;
        if (!first_send)
            first_send = c->t0;
    }
    c->attempts++;
    build_request(c, c->idx);
    if (send_some(c) < 0)
        return -1;
    epoll_set(ep, c, EPOLL_CTL_MOD);
    return 0;
}

/* Open loop: starts every request that is due on an idle connection. Returns how long until
 * the next one is due (ns), or -1 when none is left to send. */
static void reconnect_and_retry(int ep, conn *c);
static int64_t start_due(int ep, conn *conns)
{
    long idle = 0;
    while (next_req < n_req) {
        int64_t due = open_start + (int64_t)((double)next_req * 1e9 / rate);
        int64_t now = mono_ns();
        if (due > now)
            return due - now;
        while (idle < conc && conns[idle].idx >= 0)
            idle++;
        if (idle == conc)
            return 0; /* all busy: the next answer frees one */
        if (start_request(ep, &conns[idle], next_req++, 0) < 0)
            reconnect_and_retry(ep, &conns[idle]);
    }
    return -1;
}

static void finish_request(conn *c, int status)
{
    int64_t now = mono_ns();
    lat[c->idx] = now - c->t0;
    last_ack = now;
    done_req++;
    if (status >= 200 && status < 300) {
        ok_req++;
        target_acks[c->target]++;
    } else
        bad_status++;
    if (status >= 100 && status < 600)
        status_counts[status / 100]++;
    else
        status_counts[0]++;
    c->idx = -1;
}

/* Replaces a broken connection and re-sends the request it carried. */
static void reconnect_and_retry(int ep, conn *c)
{
    conn_errors++;
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    for (int tries = 0;; tries++) {
        c->fd = connect_to(ports[c->target], 1);
        if (c->fd >= 0)
            break;
        if (tries > 50) {
            perror("loadgen: reconnect");
            exit(2);
        }
        usleep(100000);
    }
    epoll_set(ep, c, EPOLL_CTL_ADD);
    if (c->idx >= 0) {
        if (c->attempts >= MAX_ATTEMPTS) {
            gave_up++;
            finish_request(c, 0);
        } else {
            retries++;
            if (start_request(ep, c, c->idx, 1) < 0)
                reconnect_and_retry(ep, c);
        }
    }
}

/* GET http://host:p/path over a fresh connection; body into buf. 0 on success. */
static int http_get(int p, const char *path, char *buf, size_t cap)
{
    int fd = connect_to(p, 0);
    if (fd < 0)
        return -1;
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                     path, host);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        close(fd);
        return -1;
    }
    size_t len = 0;
    ssize_t r;
    while (len + 1 < cap && (r = recv(fd, buf + len, cap - len - 1, 0)) > 0)
        len += (size_t)r;
    close(fd);
    buf[len] = '\0';
    char *body = strstr(buf, "\r\n\r\n");
    if (!body)
        return -1;
    memmove(buf, body + 4, strlen(body + 4) + 1);
    return 0;
}

static long long json_num(const char *s, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(s, pat);
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s --port P[,P2...] --mode webhook|sink --n N --conc C [--host A]\n"
            "          [--chats M] [--secret S] [--token T] [--first-update U] [--chat-base B]\n"
            "          [--watch-pid PID[,PID2...]] [--sink-port SP --expect E] [--wait-timeout S]\n"
            "          [--time-limit S] [--json FILE] [--rate R]\n"
            "          [--samples FILE]\n",
            prog);
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage(argv[0]);
        i++;
        if (!strcmp(a, "--port")) {
            if (!(n_ports = parse_int_list(v, ports))) usage(argv[0]);
        }
        else if (!strcmp(a, "--host")) host = v;
        else if (!strcmp(a, "--mode")) {
            if (!strcmp(v, "webhook")) is_webhook = 1;
            else if (!strcmp(v, "sink")) is_webhook = 0;
            else usage(argv[0]);
        }
        else if (!strcmp(a, "--n")) n_req = atol(v);
        else if (!strcmp(a, "--conc")) conc = atol(v);
        else if (!strcmp(a, "--chats")) n_chats = atol(v);
        else if (!strcmp(a, "--secret")) secret = v;
        else if (!strcmp(a, "--token")) token = v;
        else if (!strcmp(a, "--first-update")) first_update = atoll(v);
        else if (!strcmp(a, "--chat-base")) chat_base = atoll(v);
        else if (!strcmp(a, "--watch-pid")) {
            if (!(n_watch = parse_int_list(v, watch_pids))) usage(argv[0]);
        }
        else if (!strcmp(a, "--sink-port")) sink_port = atoi(v);
        else if (!strcmp(a, "--expect")) expect = atol(v);
        else if (!strcmp(a, "--wait-timeout")) wait_timeout = atof(v);
        else if (!strcmp(a, "--time-limit")) time_limit = atof(v);
        else if (!strcmp(a, "--json")) json_path = v;
        else if (!strcmp(a, "--rate")) rate = atof(v);
        else if (!strcmp(a, "--samples")) samples_path = v;
        else usage(argv[0]);
    }
    if (n_ports <= 0 || n_req <= 0 || conc <= 0 || n_chats <= 0)
        usage(argv[0]);
    if (conc > n_req)
        conc = n_req;
    if (expect < 0)
        expect = n_req;
    signal(SIGPIPE, SIG_IGN);
    lat = calloc((size_t)n_req, sizeof *lat);
    if (samples_path && !(sent_at = calloc((size_t)n_req, sizeof *sent_at)))
        die("calloc");
    conn *conns = calloc((size_t)conc, sizeof *conns);
    if (!lat || !conns)
        die("calloc");

    /* All connections are open before the clock starts. */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (long i = 0; i < conc; i++) {
        conns[i].target = (int)(i % n_ports);
        conns[i].fd = connect_to(ports[conns[i].target], 1);
        if (conns[i].fd < 0)
            die("loadgen: connect");
        conns[i].idx = -1;
        epoll_set(ep, &conns[i], EPOLL_CTL_ADD);
    }
    double cpu0[MAX_LIST], cpu_post[MAX_LIST], cpu_end[MAX_LIST];
    long hwm[MAX_LIST];
    for (int k = 0; k < n_watch; k++)
        cpu0[k] = proc_cpu_s(watch_pids[k]);
    sample_proc(1);
    if (rate > 0) {
        open_start = mono_ns();
        start_due(ep, conns);
    } else {
        for (long i = 0; i < conc && next_req < n_req; i++)
            if (start_request(ep, &conns[i], next_req++, 0) < 0)
                reconnect_and_retry(ep, &conns[i]);
    }

    int64_t deadline = mono_ns() + (int64_t)(time_limit * 1e9);
    int timed_out = 0;
    struct epoll_event evs[512];
    while (done_req < n_req) {
        if (mono_ns() > deadline) {
            timed_out = 1;
            break;
        }
        struct timespec wait = {0, 100000000};
        if (rate > 0) {
            int64_t until = start_due(ep, conns);
            if (until >= 0 && until < 100000000)
                wait.tv_nsec = (long)until;
        }
        int n = epoll_pwait2(ep, evs, 512, &wait, NULL);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int k = 0; k < n; k++) {
            conn *c = evs[k].data.ptr;
            if (evs[k].events & EPOLLOUT) {
                if (send_some(c) < 0) {
                    reconnect_and_retry(ep, c);
                    continue;
                }
                epoll_set(ep, c, EPOLL_CTL_MOD);
            }
            if (!(evs[k].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
                continue;
            int broken = 0;
            for (;;) {
                if (c->in_len + 1 >= sizeof c->in) {
                    broken = 1; /* a response this large is not one of ours */
                    break;
                }
                ssize_t r = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len - 1, 0);
                if (r > 0) {
                    c->in_len += (size_t)r;
                    continue;
                }
                if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                    broken = 1;
                break;
            }
            int close_after = 0;
            int status = c->idx >= 0 ? parse_http_response(c->in, c->in_len, &close_after) : -1;
            if (status > 0) {
                if (status >= 500 && c->attempts < MAX_ATTEMPTS) {
                    retries++; /* Telegram re-delivers what did not get a 2xx */
                    if (close_after || broken)
                        reconnect_and_retry(ep, c);
                    else if (start_request(ep, c, c->idx, 1) < 0)
                        reconnect_and_retry(ep, c);
                    continue;
                }
                finish_request(c, status);
                if (close_after || broken) {
                    c->idx = -1;
                    reconnect_and_retry(ep, c);
                    conn_errors--; /* an orderly close is not an error */
                }
                if (rate <= 0 && next_req < n_req && start_request(ep, c, next_req++, 0) < 0)
                    reconnect_and_retry(ep, c);
            } else if (status < 0 || broken) {
                reconnect_and_retry(ep, c);
            }
        }
        sample_proc(0);
    }
    int64_t post_end = mono_ns();
    if (samples_path) { /* before the latencies are sorted */
        FILE *f = fopen(samples_path, "w");
        if (!f)
            die("loadgen: --samples");
        for (long i = 0; i < n_req; i++)
            fprintf(f, "%ld %.3f %.3f\n", i, (double)(sent_at[i] - first_send) / 1e6,
                    (double)lat[i] / 1e6);
        fclose(f);
    }
    for (int k = 0; k < n_watch; k++)
        cpu_post[k] = proc_cpu_s(watch_pids[k]);

    /* Wait for the sink to have every reply; keep sampling the service meanwhile. */
    long long sink_total = -1, sink_last = 0;
    int sink_ok = 1;
    if (sink_port) {
        sink_ok = 0;
        int64_t wdeadline = mono_ns() + (int64_t)(wait_timeout * 1e9);
        char buf[1024];
        while (mono_ns() < wdeadline) {
            if (http_get(sink_port, "/count", buf, sizeof buf) == 0) {
                sink_total = json_num(buf, "sendMessage");
                sink_last = json_num(buf, "last_ns");
                if (sink_total >= expect) {
                    sink_ok = 1;
                    break;
                }
            }
            sample_proc(0);
            usleep(5000);
        }
    }
    sample_proc(1);
    for (int k = 0; k < n_watch; k++) {
        cpu_end[k] = proc_cpu_s(watch_pids[k]);
        hwm[k] = proc_status_kb(watch_pids[k], "VmHWM");
    }

    /* Percentiles over the completed requests. */
    long m = 0;
    for (long i = 0; i < n_req; i++)
        if (lat[i] > 0)
            lat[m++] = lat[i];
    qsort(lat, (size_t)m, sizeof *lat, cmp_i64);
    double sum = 0;
    for (long i = 0; i < m; i++)
        sum += (double)lat[i];
    double post_s = (double)((last_ack ? last_ack : post_end) - first_send) / 1e9;
    double e2e_s = sink_ok && sink_last > 0 ? (double)(sink_last - first_send) / 1e9 : 0;

    char out[8192];
    int len = snprintf(
        out, sizeof out,
        "{\"mode\":\"%s\",\"requests\":%ld,\"concurrency\":%ld,\"chats\":%ld,"
        "\"completed\":%ld,\"ok\":%ld,\"non_2xx\":%ld,\"status_5xx\":%ld,\"status_4xx\":%ld,"
        "\"retries\":%ld,\"connection_errors\":%ld,\"gave_up\":%ld,\"timed_out\":%s,"
        "\"post_seconds\":%.4f,\"acked_per_s\":%.1f,"
        "\"latency_ms\":{\"mean\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
        "\"p999\":%.3f,\"max\":%.3f,\"min\":%.3f}",
        is_webhook ? "webhook" : "sink", n_req, conc, n_chats, done_req, ok_req, bad_status,
        status_counts[5], status_counts[4], retries, conn_errors, gave_up,
        timed_out ? "true" : "false", post_s, post_s > 0 ? (double)ok_req / post_s : 0,
        m ? sum / (double)m / 1e6 : 0, pct_ms(lat, m, .50), pct_ms(lat, m, .90),
        pct_ms(lat, m, .99), pct_ms(lat, m, .999), m ? (double)lat[m - 1] / 1e6 : 0,
        m ? (double)lat[0] / 1e6 : 0);
    if (rate > 0)
        len += snprintf(out + len, sizeof out - (size_t)len, ",\"offered_per_s\":%.1f", rate);
    if (sink_port)
        len += snprintf(out + len, sizeof out - (size_t)len,
                        ",\"sink\":{\"expected\":%ld,\"received\":%lld,\"complete\":%s,"
                        "\"e2e_seconds\":%.4f,\"e2e_per_s\":%.1f}",
                        expect, sink_total, sink_ok ? "true" : "false", e2e_s,
                        e2e_s > 0 ? (double)expect / e2e_s : 0);
    if (n_ports > 1) { /* how the load balancer's share came out */
        len += snprintf(out + len, sizeof out - (size_t)len, ",\"targets\":[");
        for (int k = 0; k < n_ports; k++)
            len += snprintf(out + len, sizeof out - (size_t)len,
                            "%s{\"port\":%d,\"connections\":%ld,\"acked\":%ld}", k ? "," : "",
                            ports[k], conc / n_ports + (k < conc % n_ports), target_acks[k]);
        len += snprintf(out + len, sizeof out - (size_t)len, "]");
    }
    if (n_watch) {
        /* "process": the one watched pid, or the replicas together (CPU summed, the largest
         * of each RSS figure); "processes": each pid's own figures */
        char each[MAX_LIST][512];
        long agg_rss_max = 0, agg_hwm = -1, agg_samples = 0;
        double agg_rss_mean = 0, agg_cpu_post = 0, agg_cpu_total = 0;
        for (int k = 0; k < n_watch; k++) {
            double mean = rss_samples[k] ? rss_sum_kb[k] / (double)rss_samples[k] : 0;
            snprintf(each[k], sizeof each[k],
                     "{\"pid\":%d,\"vmrss_max_kb\":%ld,\"vmrss_mean_kb\":%.0f,"
                     "\"vmhwm_kb\":%ld,\"samples\":%ld,\"cpu_s_posting\":%.2f,"
                     "\"cpu_s_total\":%.2f}",
                     watch_pids[k], rss_max_kb[k], mean, hwm[k], rss_samples[k],
                     cpu_post[k] - cpu0[k], cpu_end[k] - cpu0[k]);
            agg_rss_max = rss_max_kb[k] > agg_rss_max ? rss_max_kb[k] : agg_rss_max;
            agg_hwm = hwm[k] > agg_hwm ? hwm[k] : agg_hwm;
            agg_rss_mean = mean > agg_rss_mean ? mean : agg_rss_mean;
            agg_samples = rss_samples[k] > agg_samples ? rss_samples[k] : agg_samples;
            agg_cpu_post += cpu_post[k] - cpu0[k];
            agg_cpu_total += cpu_end[k] - cpu0[k];
        }
        len += snprintf(out + len, sizeof out - (size_t)len,
                        ",\"process\":{\"pid\":%d,\"vmrss_max_kb\":%ld,\"vmrss_mean_kb\":%.0f,"
                        "\"vmhwm_kb\":%ld,\"samples\":%ld,\"cpu_s_posting\":%.2f,"
                        "\"cpu_s_total\":%.2f},\"processes\":[",
                        watch_pids[0], agg_rss_max, agg_rss_mean, agg_hwm, agg_samples,
                        agg_cpu_post, agg_cpu_total);
        for (int k = 0; k < n_watch; k++)
            len += snprintf(out + len, sizeof out - (size_t)len, "%s%s", k ? "," : "", each[k]);
        len += snprintf(out + len, sizeof out - (size_t)len, "]");
    }
    snprintf(out + len, sizeof out - (size_t)len, "}\n");
    fputs(out, stdout);
    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (!f || fputs(out, f) < 0 || fclose(f) != 0)
            die("loadgen: --json");
    }
    return ok_req == n_req && sink_ok && !timed_out ? 0 : 1;
}
