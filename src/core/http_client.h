/* The one HTTP client wrapper (libcurl easy handle, kept per thread for keep-alive) used for
 * the Bot API and, later, FAL and object storage. Responses are capped in size. */
#ifndef AB_CORE_HTTP_CLIENT_H
#define AB_CORE_HTTP_CLIENT_H

#include <stddef.h>

#include "core/error.h"

typedef struct ab_http_client ab_http_client;

/* One part of a multipart/form-data body (libcurl's curl_mime builds the body). */
typedef struct {
    const char *name; /* the form field */
    const char *data; /* borrowed until ab_http_perform returns; not copied */
    size_t len;
    const char *filename;     /* a file part's name; NULL for a plain field */
    const char *content_type; /* a file part's type; NULL = application/octet-stream */
} ab_http_part;

typedef struct {
    const char *method;         /* "GET", "POST", "PUT", "DELETE" */
    const char *url;            /* may hold secrets (the bot token): never logged here */
    const char *const *headers; /* NULL-terminated "Name: value" list, or NULL */
    const char *body;           /* may be NULL */
    size_t body_len;
    /* a multipart/form-data POST of these parts instead of body (the Content-Type with its
     * boundary is set here: headers must not name one) */
    const ab_http_part *parts;
    size_t n_parts;
    int timeout_s;       /* whole request; 0 = 30 s */
    size_t max_response; /* 0 = 8 MiB */
    /* AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4), e.g. "aws:amz:us-east-1:s3"; NULL = none.
     * Every entry of headers is signed, and no "Expect:" entry is added (curl 7.88 would sign
     * that empty entry too). S3 also needs an "x-amz-content-sha256: <hex>" header, which curl
     * 7.88 does not add but uses as the payload hash when given. */
    const char *aws_sigv4;
    const char *username;    /* CURLOPT_USERNAME (SigV4: the access key) */
    const char *password;    /* CURLOPT_PASSWORD (SigV4: the secret key); never logged */
    const char *keep_header; /* a response header to return, e.g. "ETag"; NULL = none */
    /* a new connection, not one from the cache: libcurl silently sends a request again when a
     * reused connection closes before any answer, which a request that must go out at most
     * once (a paid submit) cannot allow */
    int fresh_connection;
} ab_http_request;

typedef struct {
    long status; /* HTTP status, 0 when no response arrived */
    char *body;  /* NUL-terminated; caller frees with ab_http_response_free */
    size_t body_len;
    char error[128]; /* transport error text (no URL in it) */
    int too_large;   /* the response passed max_response (the result is then AB_ERR_HTTP) */
    char *header;    /* the value of the request's keep_header (malloc'd), NULL when absent */
    int sent;        /* some of the request went out (0: the server certainly never saw it) */
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
