/* The replica's shared outbox claim (see outbox_share.h). Rows wait here only between a claim
 * and the senders taking them, well within their lease; a sender that finds them too old for a
 * whole call gives them back (sender.c). */
#include "workers/outbox_share.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct ab_outbox_share {
    pthread_mutex_t lock;
    pthread_cond_t claimed;
    ab_outbox_batch rows; /* rows[next..n) not taken yet */
    int next, claim_rows;
    double lease_end;
    bool claiming;
};

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

ab_outbox_share *ab_outbox_share_new(int claim_rows)
{
    ab_outbox_share *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->claimed, NULL);
    s->claim_rows = claim_rows < 1                     ? 1
                    : claim_rows > AB_OUTBOX_BATCH_MAX ? AB_OUTBOX_BATCH_MAX
                                                       : claim_rows;
    return s;
}

void ab_outbox_share_free(ab_outbox_share *s)
{
    if (!s)
        return;
    for (int i = s->next; i < s->rows.n; i++)
        ab_outbox_row_free(&s->rows.rows[i]); /* their leases bring them back */
    pthread_cond_destroy(&s->claimed);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

ab_err ab_outbox_share_take(ab_outbox_share *s, ab_db *db, int lease_s, int max,
                            ab_outbox_batch *batch, double *lease_end)
{
    ab_err err = AB_OK;
    batch->n = 0;
    pthread_mutex_lock(&s->lock);
    while (s->next == s->rows.n && s->claiming)
        pthread_cond_wait(&s->claimed, &s->lock);
    if (s->next == s->rows.n) {
        s->claiming = true;
        pthread_mutex_unlock(&s->lock);
        ab_outbox_batch fresh;
        double end = mono_s() + lease_s; /* the lease counts from before the claim */
        err = ab_db_outbox_claim(db, lease_s, s->claim_rows, &fresh);
        pthread_mutex_lock(&s->lock);
        s->rows = fresh;
        s->next = 0;
        s->lease_end = end;
        s->claiming = false;
        pthread_cond_broadcast(&s->claimed);
    }
    if (max > AB_OUTBOX_BATCH_MAX)
        max = AB_OUTBOX_BATCH_MAX;
    while (batch->n < max && s->next < s->rows.n)
        batch->rows[batch->n++] = s->rows.rows[s->next++];
    *lease_end = s->lease_end;
    pthread_mutex_unlock(&s->lock);
    return err;
}

void ab_outbox_share_give_back(ab_outbox_share *s, ab_db *db)
{
    pthread_mutex_lock(&s->lock);
    for (; s->next < s->rows.n; s->next++) {
        ab_outbox_row *row = &s->rows.rows[s->next];
        ab_db_outbox_retry(db, row->id, 0, 0, "given back", true);
        ab_outbox_row_free(row);
    }
    pthread_mutex_unlock(&s->lock);
}
