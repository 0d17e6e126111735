/* Where a URL points (see url.h). */
#include "core/url.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool ipv4_internal(const unsigned char a[4])
{
    return a[0] == 127 || a[0] == 10 || a[0] == 0 || (a[0] == 172 && (a[1] & 0xF0) == 16) ||
           (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 100 && (a[1] & 0xC0) == 64); /* carrier-grade NAT */
}

static bool host_internal(const char *host)
{
    char bare[256];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof bare) {
        memcpy(bare, host + 1, n - 2); /* libcurl keeps an IPv6 literal's brackets */
        bare[n - 2] = '\0';
        host = bare;
    }
    unsigned char a[16];
    if (inet_pton(AF_INET, host, a) == 1)
        return ipv4_internal(a);
    if (inet_pton(AF_INET6, host, a) == 1) {
        static const unsigned char LOOPBACK[16] = {[15] = 1};
        static const unsigned char V4_MAPPED[12] = {[10] = 0xFF, [11] = 0xFF};
        if (memcmp(a, V4_MAPPED, sizeof V4_MAPPED) == 0)
            return ipv4_internal(a + 12);
        return memcmp(a, LOOPBACK, sizeof LOOPBACK) == 0 || (a[0] & 0xFE) == 0xFC /* fc00::/7 */
               || (a[0] == 0xFE && (a[1] & 0xC0) == 0x80);                        /* fe80::/10 */
    }
    static const char *const INTERNAL_SUFFIXES[] = {".local",         ".internal", ".svc",
                                                    ".cluster.local", ".lan",      ".home"};
    if (strcasecmp(host, "localhost") == 0 || ends_with(host, ".localhost") || !strchr(host, '.'))
        return true;
    for (size_t i = 0; i < sizeof INTERNAL_SUFFIXES / sizeof INTERNAL_SUFFIXES[0]; i++)
        if (ends_with(host, INTERNAL_SUFFIXES[i]))
            return true;
    return false;
}

/* The URL's scheme and host, parsed by libcurl; false when it does not parse. */
static bool parts(const char *url, char **scheme, char **host)
{
    *scheme = *host = NULL;
    CURLU *u = curl_url();
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK;
    curl_url_cleanup(u);
    if (!ok) {
        curl_free(*scheme);
        curl_free(*host);
        *scheme = *host = NULL;
    }
    return ok;
}

bool ab_url_host_is_internal(const char *url)
{
    char *scheme, *host;
    if (!url || !parts(url, &scheme, &host))
        return true;
    bool internal = host_internal(host);
    curl_free(scheme);
    curl_free(host);
    return internal;
}

const char *ab_url_public_problem(const char *url)
{
    char *scheme, *host;
    if (!url || !parts(url, &scheme, &host))
        return "it is not a URL";
    const char *problem = strcasecmp(scheme, "https") != 0 ? "it is not https"
                          : host_internal(host) ? "its host is only reachable from inside"
                                                : NULL;
    curl_free(scheme);
    curl_free(host);
    return problem;
}
