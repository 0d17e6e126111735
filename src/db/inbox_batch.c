/* Writer threads rather than a leader among the callers: the callers are libmicrohttpd's
 * event-loop threads, which must not block. A writer takes everything queued (up to MAX_BATCH)
 * in one go, so idle a request is written at once, and loaded batches grow by themselves while
 * the previous commits are flushing. Arrays go to PostgreSQL as array literals so the payload
 * bytes are stored exactly as Telegram sent them. */
#include "db/inbox_batch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define MAX_BATCH 128

typedef struct item {
    struct item *next;
    int64_t update_id, lane;
    char kind[32];
    const char *payload;
    ab_inbox_stored_fn stored;
    void *arg;
    ab_err err;
    bool inserted;
} item;

struct ab_inbox_batcher {
    pthread_mutex_t lock;
    pthread_cond_t queued;
    item *head, *tail;
    bool stopping, stopped;
    int writers;
    pthread_t *threads;
    ab_db_pool *pool;
};

/* A growable text buffer for the array literals. */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *grown = realloc(t->s, cap);
        if (!grown) {
            t->failed = 1;
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

/* One quoted element of an array literal: backslash and double quote escaped. */
static void put_quoted(text *t, const char *s)
{
    put(t, "\"", 1);
    const char *run = s;
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            put(t, run, (size_t)(p - run));
            put(t, "\\", 1);
            run = p;
        }
    }
    put(t, run, strlen(run));
    put(t, "\"", 1);
}

static const ab_db_stmt INSERT_MANY = {
    "inbox_insert_many",
    "INSERT INTO inbox (update_id, chat_id, kind, payload)"
    " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::json[])"
    " ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
    4};

/* Writes the batch; sets each item's err and inserted. Lock not held. */
static void write_batch(ab_inbox_batcher *b, item *batch)
{
    text ids = {0}, lanes = {0}, kinds = {0}, payloads = {0};
    char num[32];
    put(&ids, "{", 1);
    put(&lanes, "{", 1);
    put(&kinds, "{", 1);
    put(&payloads, "{", 1);
    for (item *it = batch; it; it = it->next) {
        const char *sep = it == batch ? "" : ",";
        put(&ids, sep, strlen(sep));
        put(&lanes, sep, strlen(sep));
        put(&kinds, sep, strlen(sep));
        put(&payloads, sep, strlen(sep));
        int n = snprintf(num, sizeof num, "%lld", (long long)it->update_id);
        put(&ids, num, (size_t)n);
        n = snprintf(num, sizeof num, "%lld", (long long)it->lane);
        put(&lanes, num, (size_t)n);
        put_quoted(&kinds, it->kind);
        put_quoted(&payloads, it->payload);
    }
    put(&ids, "}", 1);
    put(&lanes, "}", 1);
    put(&kinds, "}", 1);
    put(&payloads, "}", 1);

    ab_err err = AB_ERR_NOMEM;
    PGresult *res = NULL;
    if (!ids.failed && !lanes.failed && !kinds.failed && !payloads.failed) {
        ab_db *db = ab_db_pool_get(b->pool, 5000);
        if (!db) {
            err = AB_ERR_DB_DOWN;
        } else {
            const char *params[] = {ids.s, lanes.s, kinds.s, payloads.s};
            err = ab_db_exec(db, &INSERT_MANY, params, &res);
            ab_db_pool_put(b->pool, db);
        }
    }
    for (item *it = batch; it; it = it->next) {
        it->err = err;
        it->inserted = false;
        if (err != AB_OK)
            continue;
        for (int r = 0; r < PQntuples(res); r++) {
            if (ab_db_get_i64(res, r, 0) == it->update_id) {
                it->inserted = true;
                break;
            }
        }
        /* the same update twice in one batch: only the first counts as new */
        for (item *prev = batch; prev != it; prev = prev->next)
            if (prev->update_id == it->update_id)
                it->inserted = false;
    }
    PQclear(res);
    free(ids.s);
    free(lanes.s);
    free(kinds.s);
    free(payloads.s);
}

/* Takes up to MAX_BATCH items off the queue. Lock held. */
static item *take_batch(ab_inbox_batcher *b)
{
    item *batch = b->head, *last = b->head;
    int n = 1;
    while (last->next && n < MAX_BATCH) {
        last = last->next;
        n++;
    }
    b->head = last->next;
    if (!b->head)
        b->tail = NULL;
    last->next = NULL;
    return batch;
}

static void *writer_main(void *arg)
{
    ab_inbox_batcher *b = arg;
    pthread_mutex_lock(&b->lock);
    for (;;) {
        while (!b->head && !b->stopping)
            pthread_cond_wait(&b->queued, &b->lock);
        if (!b->head)
            break; /* stopping, and nothing left to store */
        item *batch = take_batch(b);
        if (b->head)
            pthread_cond_signal(&b->queued); /* more than one batch's worth: another writer */
        pthread_mutex_unlock(&b->lock);
        write_batch(b, batch);
        for (item *it = batch, *next; it; it = next) {
            next = it->next;
            it->stored(it->arg, it->err, it->inserted);
            free(it);
        }
        pthread_mutex_lock(&b->lock);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

ab_inbox_batcher *ab_inbox_batcher_new(ab_db_pool *pool, int writers)
{
    ab_inbox_batcher *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->pool = pool;
    writers = writers < 1 ? 1 : writers;
    b->threads = calloc((size_t)writers, sizeof *b->threads);
    if (!b->threads) {
        free(b);
        return NULL;
    }
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->queued, NULL);
    for (; b->writers < writers; b->writers++) {
        if (pthread_create(&b->threads[b->writers], NULL, writer_main, b) != 0) {
            ab_inbox_batcher_free(b);
            return NULL;
        }
    }
    return b;
}

void ab_inbox_batcher_stop(ab_inbox_batcher *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->lock);
    bool joined = b->stopped;
    b->stopping = b->stopped = true;
    pthread_cond_broadcast(&b->queued);
    pthread_mutex_unlock(&b->lock);
    if (joined)
        return;
    for (int i = 0; i < b->writers; i++)
        pthread_join(b->threads[i], NULL);
}

void ab_inbox_batcher_free(ab_inbox_batcher *b)
{
    if (!b)
        return;
    ab_inbox_batcher_stop(b);
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->queued);
    free(b->threads);
    free(b);
}

ab_err ab_inbox_batcher_enqueue(ab_inbox_batcher *b, int64_t update_id, int64_t lane,
                                const char *kind, const char *payload, ab_inbox_stored_fn stored,
                                void *arg)
{
    size_t kind_len = strlen(kind);
    item *it = calloc(1, sizeof *it);
    if (!it)
        return AB_ERR_NOMEM;
    if (kind_len >= sizeof it->kind) {
        free(it);
        return AB_ERR_INVALID;
    }
    it->update_id = update_id;
    it->lane = lane;
    memcpy(it->kind, kind, kind_len + 1);
    it->payload = payload;
    it->stored = stored;
    it->arg = arg;
    pthread_mutex_lock(&b->lock);
    if (b->stopping) {
        pthread_mutex_unlock(&b->lock);
        free(it);
        return AB_ERR_SHUTTING_DOWN;
    }
    if (b->tail)
        b->tail->next = it;
    else
        b->head = it;
    b->tail = it;
    pthread_cond_signal(&b->queued);
    pthread_mutex_unlock(&b->lock);
    return AB_OK;
}
