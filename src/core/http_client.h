/* The one HTTP client wrapper (libcurl easy handle, kept per thread for keep-alive) used for
 * the Bot API and, later, FAL and object storage. Responses are capped in size. */
#ifndef AB_CORE_HTTP_CLIENT_H
#define AB_CORE_HTTP_CLIENT_H

#include <stddef.h>

#include "core/error.h"

typedef struct ab_http_client ab_http_client;

typedef struct {
    const char *method;        /* "GET", "POST", "PUT", "DELETE" */
    const char *url;           /* may hold secrets (the bot token): never logged here */
    const char *const *headers; /* NULL-terminated "Name: value" list, or NULL */
    const char *body;          /* may be NULL */
    size_t body_len;
    int timeout_s;             /* whole request; 0 = 30 s */
    size_t max_response;       /* 0 = 8 MiB */
} ab_http_request;

typedef struct {
    long status;   /* HTTP status, 0 when no response arrived */
    char *body;    /* NUL-terminated; caller frees with ab_http_response_free */
    size_t body_len;
    char error[128]; /* transport error text (no URL in it) */
} ab_http_response;

/** One client per thread; curl global init happens once in main. */
ab_http_client *ab_http_client_new(void);
void ab_http_client_free(ab_http_client *c);
/**
 * Performs the request. AB_OK when any HTTP response arrived (check resp->status);
 * AB_ERR_TIMEOUT on timeout; AB_ERR_HTTP on connection or protocol failure or an over-large
 * response. resp is always initialised and must be freed.
 */
ab_err ab_http_perform(ab_http_client *c, const ab_http_request *req, ab_http_response *resp);
void ab_http_response_free(ab_http_response *resp);

#endif
