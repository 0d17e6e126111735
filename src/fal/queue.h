/* The client of FAL AI's queue API (https://queue.fal.run): submit a request, poll its status
 * (with the runner's logs, from which training progress is read), fetch its result, cancel it.
 *
 * Every call takes the FAL key and sends it only as "Authorization: Key <key>"; it never goes
 * into a URL, a log line or err->detail. The status, result and cancel URLs come from FAL's
 * submit answer (FAL's docs: "Do not build these URLs yourself"); ab_fal_submit only accepts
 * http(s) URLs on the same origin (scheme, host, port) as the base it submitted to, so a forged
 * or odd answer can neither point us at file:// nor make us send the key to another host.
 *
 * Errors (all functions):
 *   AB_ERR_HTTP / AB_ERR_TIMEOUT  transport failure, HTTP 5xx, 429 or 408: retry with back-off
 *                                 (an over-large answer is AB_ERR_HTTP as well);
 *   AB_ERR_REMOTE                 any other 4xx (bad key 401/403, unknown app 404, validation 422,
 *                                 no credit 402/403...) or an unexpected 1xx/3xx: not retried;
 *                                 err->detail says why;
 *   AB_ERR_INVALID                bad arguments, or a 2xx whose body is not the expected shape;
 *   AB_ERR_NOMEM                  allocation failure.
 * err may be NULL; when given it is always filled (http_status 0 and detail "" on success). */
#ifndef AB_FAL_QUEUE_H
#define AB_FAL_QUEUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/http_client.h"

/** What FAL's submit answer tells us: where to poll, fetch and cancel. */
typedef struct {
    char request_id[128];
    char status_url[1024], response_url[1024], cancel_url[1024];
} ab_fal_submission;

typedef struct {
    long http_status; /* 0 when no response arrived */
    /* FAL's error detail ("detail": a string, or "loc: msg" of the first item of a validation
     * list; an infrastructure error's error_type appended in brackets), or the transport error.
     * Valid UTF-8, no control characters; never contains the key. */
    char detail[512];
    /* ab_fal_submit only: the outcome leaves open whether FAL queued the request (a timeout or
     * a connection lost after the request went out, a 5xx other than 503, 408, an unreadable
     * 2xx). Such a submit must be reconciled, never simply sent again. False for a definite
     * answer (4xx, 429, 503) and for a request that never left. */
    bool maybe_accepted;
} ab_fal_error;

/**
 * Submits input to the queue: POST {base}/{app_id}[?fal_webhook=<url-encoded webhook_url>].
 * @param c            the calling thread's HTTP client (borrowed)
 * @param base         queue base URL, e.g. "https://queue.fal.run" (a trailing '/' is ignored)
 * @param key          the FAL key (borrowed; must not contain CR or LF)
 * @param app_id       model id with optional path, e.g. "fal-ai/flux-lora-fast-training"
 * @param webhook_url  http(s) URL FAL POSTs the result to when done, or NULL for none
 * @param input        the model input, a JSON object (borrowed)
 * @param timeout_s    the whole call's limit in seconds (0: 30)
 * @param out          filled on AB_OK, zeroed otherwise
 * @return AB_OK, or an error as described at the top of this file. AB_ERR_INVALID also when the
 *         answer's URLs are not http(s), too long, or not on the origin of base.
 */
ab_err ab_fal_submit(ab_http_client *c, const char *base, const char *key, const char *app_id,
                     const char *webhook_url, const json_t *input, int timeout_s,
                     ab_fal_submission *out, ab_fal_error *err);

/**
 * The queue URLs of a request known only by its id (adopted from a webhook or FAL's request
 * listing): {base}/{owner}/{name}/requests/{id}[/status|/cancel], the app's subpath left out as
 * in FAL's own answers. AB_ERR_INVALID when base, app_id or request_id (printable ASCII
 * without '/', '?', '#', '%' or spaces) is not usable or a URL would not fit.
 */
ab_err ab_fal_request_urls(const char *base, const char *app_id, const char *request_id,
                           ab_fal_submission *out);

/** One request of FAL's request listing (platform API). */
typedef struct {
    char request_id[128];
    char sent_at[40]; /* ISO 8601 as FAL gives it, "" when absent */
    bool ended;       /* ended_at is set */
    json_t *input;    /* json_input (new reference), NULL when absent */
} ab_fal_listed;

/**
 * Lists the requests of endpoint app_id since start (ISO 8601) with their inputs, from FAL's
 * platform API: GET {api_base}/models/requests/by-endpoint?endpoint_id=..&start=..
 * &expand=payloads&limit=100, following next_cursor while has_more, at most max_pages pages.
 * @param items  caller frees with ab_fal_listed_free (NULL, 0 on error)
 * @return AB_OK or an error as at the top of this file (AB_ERR_INVALID: not the expected shape).
 */
ab_err ab_fal_list_requests(ab_http_client *c, const char *api_base, const char *key,
                            const char *app_id, const char *start, int max_pages,
                            ab_fal_listed **items, size_t *n, ab_fal_error *err);
void ab_fal_listed_free(ab_fal_listed *items, size_t n);

typedef enum { AB_FAL_IN_QUEUE, AB_FAL_IN_PROGRESS, AB_FAL_COMPLETED } ab_fal_state;

typedef struct {
    ab_fal_state state;
    int queue_position; /* IN_QUEUE (0 = next), else -1; -1 as well when FAL gave none */
    /* from the step counts in the logs (ab_fal_progress_from_logs): 0..99 while not COMPLETED,
     * -1 when the logs have none; 100 when COMPLETED */
    int percent;
    /* COMPLETED with an "error" (or only an "error_type") field: some apps report failure
     * here; else "". The result call then answers with the error as well. */
    char error[512];
} ab_fal_status_info;

/**
 * Polls a request: GET {status_url}?logs=1 ('&' when status_url already has a query).
 * FAL answers 202 while the request is queued or running and 200 once COMPLETED; both are
 * parsed. Training logs grow with every step and FAL returns all of them each time: when the
 * answer with logs passes the 2 MiB cap the call is repeated once without logs (percent -1).
 * @return AB_OK with *out filled, or an error as at the top of this file (404: FAL does not know
 *         the request, e.g. it expired, is AB_ERR_REMOTE).
 */
ab_err ab_fal_status(ab_http_client *c, const char *key, const char *status_url,
                     ab_fal_status_info *out, ab_fal_error *err);

/**
 * Fetches the result of a completed request: GET {response_url} (answer capped at 1 MiB).
 * FAL replays the model's own answer here: its output JSON on success, or the model's error
 * status and {"detail": ...} body when the request failed (e.g. the training failed).
 * FAL keeps a result for 1 hour after completion (6 minutes when 10 KB or larger): fetch it
 * when the status says COMPLETED or the webhook arrives.
 * @param out  the output JSON object (new reference, caller decrefs) on AB_OK, else NULL
 * @return AB_OK; AB_ERR_CONFLICT when the request is not finished yet (FAL answers 202, or 400
 *         with a detail saying it is still in progress: poll the status, then call again);
 *         AB_ERR_REMOTE for any other 4xx with err->detail (the model rejected or failed the
 *         request, or the result expired: 404); AB_ERR_HTTP for 5xx/429 (retry; a model that
 *         itself failed with a 5xx keeps answering that, so the caller caps these retries and
 *         reports err->detail); AB_ERR_INVALID when a 2xx body is not a JSON object.
 */
ab_err ab_fal_result(ab_http_client *c, const char *key, const char *response_url, json_t **out,
                     ab_fal_error *err);

typedef enum {
    AB_FAL_CANCEL_REQUESTED, /* removed from the queue ("OK") or the runner told to stop (202) */
    AB_FAL_CANCEL_TOO_LATE,  /* ALREADY_COMPLETED (400): fetch the result instead */
    AB_FAL_CANCEL_NOT_FOUND  /* NOT_FOUND (404) */
} ab_fal_cancel_outcome;

/**
 * Cancels a request: PUT {cancel_url}. The outcome is read from the answer's "status"
 * (CANCELLATION_REQUESTED / OK, ALREADY_COMPLETED, NOT_FOUND), else from the HTTP status
 * (2xx requested, 404 not found).
 * @return AB_OK with *out set, or an error as at the top of this file.
 */
ab_err ab_fal_cancel(ab_http_client *c, const char *key, const char *cancel_url,
                     ab_fal_cancel_outcome *out, ab_fal_error *err);

/* Pure parsers, exposed for unit tests. body is NUL-terminated. */

/** Parses a submit answer. AB_ERR_INVALID (and *out zeroed) when not a JSON object, when
 *  request_id or a URL is missing, not a string, empty, too long for its field, has spaces or
 *  control characters, or a URL is not http:// or https://. */
ab_err ab_fal_parse_submission(const char *body, ab_fal_submission *out);
/** Parses a status answer. AB_ERR_INVALID when not a JSON object or "status" is missing or
 *  none of IN_QUEUE, IN_PROGRESS, COMPLETED. */
ab_err ab_fal_parse_status(const char *body, ab_fal_status_info *out);
/**
 * Percent (0..99) from training log lines (a JSON array of {"message": ...} objects or of
 * strings; each message split into lines at '\n' and '\r'): the last line with a step count
 * like "step 150/1000", "Step 150 / 1000", "steps: 150/1000", "step 150 of 1000",
 * "150/1000 [00:30<02:00" (tqdm style) or "[150/1000]". Within one line a "step" count wins
 * over the others. -1 when none (or logs is not an array). Never 100: completion says so.
 */
int ab_fal_progress_from_logs(const json_t *logs);

#endif
