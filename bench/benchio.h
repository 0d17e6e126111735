/* benchio.h — what the bench's C tools (sink.c, loadgen.c, mix.c) share: the clock, loopback
 * sockets, non-blocking reads and writes, HTTP/1.1 message framing (Content-Length only: libcurl
 * and the service send it) and exact nearest-rank percentiles. Header-only (static inline), so
 * that each tool stays one `cc` command in run.sh. */
#ifndef BENCHIO_H
#define BENCHIO_H

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BENCHIO_MAX_MESSAGE (64u << 20) /* a larger HTTP message closes the connection */

static inline int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void die(const char *what)
{
    perror(what);
    exit(2);
}

static inline void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p)
        die("realloc");
    return p;
}

/* Appends n bytes to a growing buffer. */
static inline void buf_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n > *cap) {
        *cap = (*len + n) * 2;
        *buf = xrealloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, n);
    *len += n;
}

/* A listening socket on 127.0.0.1:port (0: any free port, written to *bound). */
static inline int listen_loopback(int port, int *bound)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ls < 0)
        die("socket");
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(ls, (struct sockaddr *)&addr, sizeof addr) < 0)
        die("bind");
    if (listen(ls, 1024) < 0)
        die("listen");
    socklen_t alen = sizeof addr;
    getsockname(ls, (struct sockaddr *)&addr, &alen);
    *bound = ntohs(addr.sin_port);
    return ls;
}

/* Writes the port to path atomically (a reader polling for the file never sees half of it). */
static inline void write_port_file(const char *path, int port)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
        die("port file");
}

/* A non-blocking TCP_NODELAY connection to 127.0.0.1:port (connected: loopback answers at
 * once), or -1. */
static inline int connect_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

/* Sends buf[*off..len); 0 when all is sent, 1 when the socket is full, -1 when broken. */
static inline int send_pending(int fd, const char *buf, size_t len, size_t *off)
{
    while (*off < len) {
        ssize_t w = send(fd, buf + *off, len - *off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 1;
            if (errno == EINTR)
                continue;
            return -1;
        }
        *off += (size_t)w;
    }
    return 0;
}

/* Appends whatever the socket has to a growing buffer; 1 when the peer closed or the
 * connection broke (what was read is still there), 0 otherwise. */
static inline int read_available(int fd, char **buf, size_t *len, size_t *cap)
{
    for (;;) {
        if (*cap - *len < 16384) {
            *cap = *cap ? *cap * 2 : 65536;
            *buf = xrealloc(*buf, *cap);
        }
        ssize_t r = recv(fd, *buf + *len, *cap - *len - 1, 0);
        if (r > 0) {
            *len += (size_t)r;
            continue;
        }
        if (r == 0)
            return 1;
        if (errno == EINTR)
            continue;
        return errno != EAGAIN && errno != EWOULDBLOCK;
    }
}

/* The value of header `name` (with its colon, e.g. "content-length:") in the head
 * [head, end), blanks skipped, or NULL. */
static inline const char *http_header(const char *head, const char *end, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = memchr(head, '\n', (size_t)(end - head)); line && line < end;
         line = memchr(line, '\n', (size_t)(end - line))) {
        line++;
        if ((size_t)(end - line) > n && strncasecmp(line, name, n) == 0) {
            const char *v = line + n;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            return v;
        }
    }
    return NULL;
}

typedef struct {
    const char *verb, *path, *body;
    size_t verb_len, path_len, body_len;
    char content_type[256];
    int close;   /* "Connection: close" */
    int chunked; /* a chunked body, not read: the returned length is the head's */
} http_request;

/* The first request in buf: its length (head and body) when complete, 0 when more bytes are
 * needed, -1 when it is malformed or too large. */
static inline long parse_http_request(const char *buf, size_t len, http_request *r)
{
    const char *hend = memmem(buf, len, "\r\n\r\n", 4);
    if (!hend)
        return len > BENCHIO_MAX_MESSAGE ? -1 : 0;
    size_t hlen = (size_t)(hend - buf) + 4;
    const char *sp1 = memchr(buf, ' ', hlen);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(hend - sp1 - 1)) : NULL;
    if (!sp1 || !sp2)
        return -1;
    memset(r, 0, sizeof *r);
    r->verb = buf;
    r->verb_len = (size_t)(sp1 - buf);
    r->path = sp1 + 1;
    r->path_len = (size_t)(sp2 - sp1 - 1);
    const char *v = http_header(buf, hend + 2, "content-length:");
    size_t clen = v ? strtoul(v, NULL, 10) : 0;
    v = http_header(buf, hend + 2, "connection:");
    r->close = v && strncasecmp(v, "close", 5) == 0;
    v = http_header(buf, hend + 2, "content-type:");
    if (v)
        snprintf(r->content_type, sizeof r->content_type, "%.*s", (int)strcspn(v, "\r\n"), v);
    if (http_header(buf, hend + 2, "transfer-encoding:")) {
        r->chunked = 1;
        return (long)hlen;
    }
    if (clen > BENCHIO_MAX_MESSAGE)
        return -1;
    if (len < hlen + clen)
        return 0;
    r->body = buf + hlen;
    r->body_len = clen;
    return (long)(hlen + clen);
}

/* A complete response at the start of buf: its status (> 0), 0 when more bytes are needed, -1
 * when it cannot be read. *close_after: the server closes after it. */
static inline int parse_http_response(const char *buf, size_t len, int *close_after)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t hlen = (size_t)(end - buf) + 4;
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    const char *v = http_header(buf, end + 2, "content-length:");
    const char *c = http_header(buf, end + 2, "connection:");
    *close_after = c && strncasecmp(c, "close", 5) == 0;
    if (!v)
        return -1; /* neither the service nor the sink sends chunked replies */
    if (len < hlen + strtoul(v, NULL, 10))
        return 0;
    return status;
}

static inline int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank percentile q of n sorted nanosecond samples, in ms. */
static inline double pct_ms(const int64_t *sorted, long n, double q)
{
    if (n <= 0)
        return 0;
    long rank = (long)ceil(q * (double)n);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)sorted[rank - 1] / 1e6;
}

#endif
