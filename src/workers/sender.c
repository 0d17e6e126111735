/* Sender threads: lease the next deliverable outbox row, pace it (global and per chat), call
 * the Bot API, and record the outcome. The rules follow Telegram's documented behaviour:
 *  - 429: wait parameters.retry_after (for that row only; other chats keep flowing);
 *  - 5xx, timeouts, connection errors: retry with exponential back-off, bounded attempts;
 *  - 400 "message is not modified": the screen already shows this, so it is delivered;
 *  - 400 on an edit whose message is gone or too old: send it as a new message instead;
 *  - 403: the user blocked the bot: drop the chat's queue and remember it;
 *  - 400 "could not fetch the URL" on a call that names pictures by URL and carries a
 *    fallback: rewrite it once to upload them from object storage instead;
 *  - other 4xx: our request is wrong; retrying cannot help: fail and log it.
 * A row whose files come from object storage ("_upload", telegram/wire_upload.h) goes as
 * multipart/form-data: a missing or oversized object fails it, storage that is away is retried
 * with the same back-off as the Bot API. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "db/outbox.h"
#include "storage/storage.h"
#include "telegram/client.h"
#include "telegram/wire_upload.h"
#include "workers/outbox_share.h"
#include "workers/ratelimit.h"
#include "workers/sender_upload.h"
#include "workers/workers.h"

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1, 2, 4 … 60 s, with ±20 % jitter so that retries from many rows do not arrive together. */
static double backoff_s(int attempts)
{
    double base = pow(2.0, attempts > 1 ? attempts - 1 : 0);
    if (base > 60)
        base = 60;
    return base * (0.8 + 0.4 * ((double)rand() / RAND_MAX));
}

static int is_paced(const char *method)
{
    /* answering a button press is not a chat message and must never wait behind them */
    return strcmp(method, "answerCallbackQuery") != 0;
}

static int contains(const char *haystack, const char *needle)
{
    return strstr(haystack, needle) != NULL;
}

/* editMessageText that cannot be applied → the same text and keyboard as a new message. */
static int rewrite_as_send(ab_db *db, const ab_outbox_row *row)
{
    json_t *p = json_loads(row->payload, 0, NULL);
    if (!p)
        return 0;
    json_object_del(p, "message_id");
    json_object_del(p, "inline_message_id");
    char *text = ab_json_dump(p);
    json_decref(p);
    int ok = text && ab_db_outbox_rewrite(db, row->id, "sendMessage", text) == AB_OK;
    free(text);
    return ok;
}

/* Telegram could not fetch a picture by its URL → the same call uploading it from storage. The
 * rewritten row has no fallback left, so this happens once. */
static int rewrite_as_upload(ab_db *db, const ab_outbox_row *row, json_t *payload)
{
    char why[160];
    if (!ab_tg_use_fallback_upload(payload, why, sizeof why)) {
        AB_WARN("url refused and no fallback upload usable", "{s:I,s:s}", "outbox_id",
                (json_int_t)row->id, "error", why);
        return 0;
    }
    char *text = ab_json_dump(payload);
    int ok = text && ab_db_outbox_rewrite(db, row->id, row->method, text) == AB_OK;
    free(text);
    return ok;
}

/* Delivered: noted, and written with the rest of the batch's (write_marks). Of a text message
 * the row keeps its id, what an operator looks for: the rest is the row's own text and
 * keyboard again, and would double what each delivery writes (issue 19). A result with files
 * (pictures, an album, a document) is kept whole: their file_ids are read from it. */
static void note_sent(json_t *marks, const ab_outbox_row *row, json_t *result)
{
    json_t *mark = json_pack("{s:I,s:s,s:b}", "id", (json_int_t)row->id, "method", row->method,
                             "paced", is_paced(row->method));
    json_t *message_id = json_is_object(result) && json_object_get(result, "text")
                             ? json_object_get(result, "message_id")
                             : NULL;
    if (mark && message_id)
        json_object_set_new(mark, "result", json_pack("{s:O}", "message_id", message_id));
    else if (mark && result)
        json_object_set(mark, "result", result);
    json_array_append_new(marks, mark);
}

/* Telegram has these messages now, and losing their marks would send them again once the
 * lease runs out: a database that is away (restarting, failing over) is waited for while the
 * lease lasts. One statement for the batch's rows (issue 19). */
static void write_marks(ab_app *app, ab_db *db, json_t *marks, double lease_end)
{
    if (json_array_size(marks) == 0)
        return;
    char *text = ab_json_dump(marks);
    ab_err err;
    while (text && ((err = ab_db_outbox_sent(
                         db, text, ab_ratelimit_chat_interval(app->ratelimit))) == AB_ERR_DB_DOWN ||
                    err == AB_ERR_DB_BUSY)) {
        if (mono_now() + 1 > lease_end || !atomic_load(&app->running))
            break;
        ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), 500);
    }
    free(text);
    size_t i;
    json_t *mark;
    json_array_foreach(marks, i, mark)
    {
        char labels[64];
        snprintf(labels, sizeof labels, "method=\"%s\"",
                 json_string_value(json_object_get(mark, "method")));
        ab_metrics_add(AB_M_OUTBOX_SENT, labels, 1);
    }
    json_array_clear(marks);
}

static void record_outcome(ab_app *app, ab_db *db, const ab_outbox_row *row, ab_err err,
                           const ab_tg_response *resp, json_t *marks)
{
    int max_attempts = app->cfg->outbox_max_attempts;
    char labels[64];
    if (err != AB_OK || resp->error_code >= 500 || (!resp->ok && resp->error_code == 0)) {
        int code = err != AB_OK ? 0 : resp->error_code;
        snprintf(labels, sizeof labels, "code=\"%s\"",
                 err == AB_ERR_TIMEOUT ? "timeout"
                 : err != AB_OK        ? "network"
                                       : "5xx");
        ab_metrics_add(AB_M_TELEGRAM_API_ERRORS, labels, 1);
        if (row->attempts >= max_attempts) {
            ab_db_outbox_fail(db, row->id, code, resp->description);
            ab_metrics_add(AB_M_OUTBOX_FAILED, labels, 1);
            AB_ERROR("bot api call given up", "{s:I,s:s,s:i,s:s}", "outbox_id", (json_int_t)row->id,
                     "method", row->method, "attempts", row->attempts, "error", resp->description);
        } else {
            double delay = backoff_s(row->attempts);
            ab_db_outbox_retry(db, row->id, delay, code, resp->description, false);
            AB_WARN("bot api call failed, will retry", "{s:I,s:s,s:i,s:s,s:f}", "outbox_id",
                    (json_int_t)row->id, "method", row->method, "attempts", row->attempts, "error",
                    resp->description, "retry_in_s", delay);
        }
        return;
    }
    if (resp->ok) {
        note_sent(marks, row, resp->result);
        return;
    }
    snprintf(labels, sizeof labels, "code=\"%d\"", resp->error_code);
    ab_metrics_add(AB_M_TELEGRAM_API_ERRORS, labels, 1);
    const char *desc = resp->description;
    if (resp->error_code == 429) {
        double wait = resp->retry_after > 0 ? resp->retry_after : backoff_s(row->attempts);
        ab_db_outbox_retry(db, row->id, wait, 429, desc, true);
        AB_WARN("bot api rate limit, waiting", "{s:I,s:I,s:f}", "outbox_id", (json_int_t)row->id,
                "chat_id", (json_int_t)row->chat_id, "retry_after_s", wait);
        return;
    }
    if (resp->error_code == 400 && contains(desc, "message is not modified")) {
        note_sent(marks, row, NULL);
        return;
    }
    if (resp->error_code == 400 && strcmp(row->method, "editMessageText") == 0 &&
        (contains(desc, "message to edit not found") ||
         contains(desc, "message can't be edited")) &&
        rewrite_as_send(db, row)) {
        AB_INFO("message to edit is gone, sending a new one", "{s:I}", "outbox_id",
                (json_int_t)row->id);
        return;
    }
    if (resp->error_code == 403) {
        ab_db_outbox_drop_chat(db, row->id, row->chat_id, desc);
        AB_INFO("user blocked the bot; chat queue dropped", "{s:I}", "chat_id",
                (json_int_t)row->chat_id);
        return;
    }
    if (resp->error_code == 401 && row->attempts < max_attempts) {
        /* the token is wrong or revoked: an operator must fix it; keep the message meanwhile */
        AB_ERROR("bot api rejected the token", "{s:I}", "outbox_id", (json_int_t)row->id);
        ab_db_outbox_retry(db, row->id, backoff_s(row->attempts), 401, desc, false);
        return;
    }
    ab_db_outbox_fail(db, row->id, resp->error_code, desc);
    ab_metrics_add(AB_M_OUTBOX_FAILED, labels, 1);
    int expected = resp->error_code == 400 && strcmp(row->method, "answerCallbackQuery") == 0;
    AB_LOG(expected ? AB_LOG_INFO : AB_LOG_ERROR, "bot api refused the call", "{s:I,s:s,s:i,s:s}",
           "outbox_id", (json_int_t)row->id, "method", row->method, "code", resp->error_code,
           "error", desc);
}

/* An edit of a photo batch's status message learns the message's id only now: the send that
 * created it went out earlier (a chat's rows are delivered in order). If that send failed for
 * good, the edit becomes a new message. Returns 0 when the row was put back for later. */
static int resolve_batch_message(ab_db *db, ab_outbox_row *row)
{
    int64_t mid = 0;
    if (ab_db_batch_message(db, row->batch_id, &mid) != AB_OK) {
        ab_db_outbox_retry(db, row->id, 1, 0, "batch lookup failed", true);
        return 0;
    }
    json_t *p = json_loads(row->payload, 0, NULL);
    if (!p)
        return 1;
    if (mid) {
        json_object_set_new(p, "message_id", json_integer(mid));
    } else {
        snprintf(row->method, sizeof row->method, "sendMessage");
    }
    char *text = ab_json_dump(p);
    json_decref(p);
    if (text) {
        free(row->payload);
        row->payload = text;
    }
    return 1;
}

/* The files of a row could not be read: storage that is away is tried again like a Bot API
 * fault; a missing object, one too large or a malformed "_upload" cannot get better. */
static void record_storage_problem(ab_app *app, ab_db *db, const ab_outbox_row *row, ab_err err,
                                   const char *why)
{
    if (ab_storage_err_retryable(err) && row->attempts < app->cfg->outbox_max_attempts) {
        double delay = backoff_s(row->attempts);
        ab_db_outbox_retry(db, row->id, delay, 0, why, false);
        AB_WARN("files to upload unreadable, will retry", "{s:I,s:s,s:i,s:s,s:f}", "outbox_id",
                (json_int_t)row->id, "method", row->method, "attempts", row->attempts, "error", why,
                "retry_in_s", delay);
        return;
    }
    ab_db_outbox_fail(db, row->id, 0, why);
    ab_metrics_add(AB_M_OUTBOX_FAILED, "code=\"storage\"", 1);
    AB_ERROR("files to upload unusable, call given up", "{s:I,s:s,s:i,s:s}", "outbox_id",
             (json_int_t)row->id, "method", row->method, "attempts", row->attempts, "error", why);
}

typedef enum { CALL_MADE, CALL_RECORDED, CALL_GIVEN_BACK } call_made;

/* A row with "_upload": its files from storage (opened on first use into *storage), then the
 * call as multipart/form-data. Anything but CALL_MADE has already been recorded. */
static call_made call_with_uploads(ab_app *app, ab_db *db, ab_storage **storage, ab_tg_client *tg,
                                   const ab_outbox_row *row, const json_t *payload,
                                   double lease_end, ab_tg_response *resp, ab_err *err)
{
    char why[300];
    if (!*storage && ab_storage_open_configured(app->cfg, storage, why, sizeof why) != AB_OK) {
        record_storage_problem(app, db, row, AB_ERR_HTTP, why); /* retried: maybe it comes back */
        return CALL_RECORDED;
    }
    ab_upload_files files;
    ab_err read = ab_upload_files_read(*storage, payload, &files, why, sizeof why);
    if (read != AB_OK) {
        record_storage_problem(app, db, row, read, why);
        return CALL_RECORDED;
    }
    /* the reading took time: the call must still end within the lease, or another sender
     * could send it too */
    if (mono_now() + app->cfg->telegram_timeout_s + 1 > lease_end) {
        ab_upload_files_free(&files);
        ab_db_outbox_retry(db, row->id, 0, 0, "given back", true);
        return CALL_GIVEN_BACK;
    }
    *err = ab_tg_call_multipart(tg, row->method, payload, files.files, files.n, resp);
    ab_upload_files_free(&files);
    return CALL_MADE;
}

/* The call of a row: as it is, without its private keys, or uploading files. */
static call_made call_row(ab_app *app, ab_db *db, ab_storage **storage, ab_tg_client *tg,
                          const ab_outbox_row *row, const json_t *payload, double lease_end,
                          ab_tg_response *resp, ab_err *err)
{
    if (!payload) {
        *err = ab_tg_call(tg, row->method, row->payload, resp);
        return CALL_MADE;
    }
    if (json_object_get(payload, "_upload"))
        return call_with_uploads(app, db, storage, tg, row, payload, lease_end, resp, err);
    json_t *public = ab_tg_public_payload(payload);
    char *body = public ? ab_json_dump(public) : NULL;
    json_decref(public);
    if (body) {
        *err = ab_tg_call(tg, row->method, body, resp);
    } else {
        memset(resp, 0, sizeof *resp);
        snprintf(resp->description, sizeof resp->description, "out of memory");
        *err = AB_ERR_NOMEM;
    }
    free(body);
    return CALL_MADE;
}

/* One row: paced, completed when it is an edit of a batch's status message, sent, recorded.
 * Returns false when the row was given back without a call. */
static bool deliver_row(ab_app *app, ab_db *db, ab_storage **storage, ab_tg_client *tg,
                        ab_outbox_row *row, double lease_end, json_t *marks)
{
    if (is_paced(row->method)) {
        double wait = ab_ratelimit_take(app->ratelimit, row->chat_tat, mono_now());
        while (wait > 0 && wait < 0.3 && atomic_load(&app->running)) {
            struct timespec pause = {0, (long)(wait * 1e9)};
            nanosleep(&pause, NULL);
            wait = ab_ratelimit_take(app->ratelimit, row->chat_tat, mono_now());
        }
        if (wait > 0) {
            /* this chat (or the whole bot) must slow down: give the row back for later */
            ab_db_outbox_retry(db, row->id, wait, 0, "paced", true);
            return false;
        }
    }
    if (row->batch_id && strcmp(row->method, "editMessageText") == 0 &&
        !resolve_batch_message(db, row))
        return false;
    /* private keys ("_upload", "_fallback_upload") are what makes a payload need reading */
    json_t *payload = strstr(row->payload, "\"_") ? json_loads(row->payload, 0, NULL) : NULL;
    if (payload && !ab_tg_has_private(payload)) {
        json_decref(payload);
        payload = NULL;
    }
    ab_tg_response resp;
    ab_err err = AB_OK;
    call_made made = call_row(app, db, storage, tg, row, payload, lease_end, &resp, &err);
    if (made != CALL_MADE) {
        json_decref(payload);
        return made == CALL_RECORDED;
    }
    if (err == AB_OK && resp.ok && row->batch_id && strcmp(row->method, "sendMessage") == 0) {
        int64_t mid = 0;
        if (ab_json_i64(resp.result, "message_id", &mid))
            ab_db_batch_set_message(db, row->batch_id, mid);
    }
    if (err == AB_OK && !resp.ok && resp.error_code == 400 && payload &&
        json_object_get(payload, "_fallback_upload") && ab_tg_url_refused(resp.description) &&
        rewrite_as_upload(db, row, payload)) {
        ab_metrics_add(AB_M_TELEGRAM_API_ERRORS, "code=\"400\"", 1);
        AB_INFO("telegram could not fetch a file by its URL, uploading it instead", "{s:I,s:s,s:s}",
                "outbox_id", (json_int_t)row->id, "method", row->method, "error", resp.description);
    } else {
        record_outcome(app, db, row, err, &resp, marks);
    }
    ab_tg_response_free(&resp);
    json_decref(payload);
    return true;
}

/* Delivers a row; its lines name the chat and the update whose step queued it. */
static bool deliver(ab_app *app, ab_db *db, ab_storage **storage, ab_tg_client *tg,
                    ab_outbox_row *row, double lease_end, json_t *marks)
{
    ab_log_scope_set(&(ab_log_scope){.update_id = row->update_id, .chat_id = row->chat_id});
    bool done = deliver_row(app, db, storage, tg, row, lease_end, marks);
    ab_log_scope_set(NULL);
    return done;
}

/* Rows a sender takes at once from the replica's shared claim (outbox_share.h), whose one
 * flush covers them all (see db/outbox.c), and marks sent together. */
#define TAKE_ROWS 8

void *ab_sender_main(void *arg)
{
    ab_app *app = arg;
    const ab_config *cfg = app->cfg;
    ab_worker_yield_to_ingress();
    ab_tg_client *tg =
        ab_tg_client_new(cfg->telegram_api_base, cfg->telegram_bot_token, cfg->telegram_timeout_s);
    ab_db *db = NULL;
    ab_storage *storage = NULL;                /* opened when a row first uploads files */
    int lease_s = cfg->telegram_timeout_s + 5; /* a lease outlives the call it covers */
    int64_t last_sent = 0; /* a row whose outcome was recorded since the last flush */
    ab_outbox_batch batch;
    json_t *marks = json_array(); /* the batch's rows delivered, marked together */
    while (tg && marks && atomic_load(&app->running)) {
        if (!db) {
            if (ab_db_connect(cfg->database_url, &db) != AB_OK) {
                ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), 1000);
                continue;
            }
            ab_worker_session(db);
        }
        ab_worker_give_way(app);
        unsigned long seen = ab_signal_seq(&app->outbox_ready);
        double lease_end = 0;
        if (ab_outbox_share_take(app->outbox_share, db, lease_s, TAKE_ROWS, &batch, &lease_end) !=
                AB_OK &&
            batch.n == 0) {
            ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), 500);
            continue;
        }
        if (batch.n == 0) {
            /* idle: put the marks of what was just sent on disk, so that a database crash now
             * does not send it all again (under load the next claim's wait does this) */
            if (last_sent && ab_db_outbox_flush(db, last_sent) == AB_OK)
                last_sent = 0;
            ab_signal_wait(&app->outbox_ready, seen, 1000);
            continue;
        }
        for (int i = 0; i < batch.n; i++) {
            ab_outbox_row *row = &batch.rows[i];
            /* too late for a whole call within the lease: back to the queue, uncounted (a
             * lease that lapses mid-call means a resend) */
            if (mono_now() + cfg->telegram_timeout_s + 1 > lease_end ||
                !atomic_load(&app->running)) {
                ab_db_outbox_retry(db, row->id, 0, 0, "given back", true);
                continue;
            }
            if (deliver(app, db, &storage, tg, row, lease_end, marks))
                last_sent = row->id;
        }
        write_marks(app, db, marks, lease_end);
        ab_outbox_batch_free(&batch);
    }
    if (db)
        ab_outbox_share_give_back(app->outbox_share, db); /* rows no sender will take now */
    json_decref(marks);
    ab_db_close(db);
    ab_storage_close(storage);
    ab_tg_client_free(tg);
    return NULL;
}
