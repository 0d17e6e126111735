/* The job runner and the table of job kinds. A job handler gets the job and the thread's
 * resources and says how it went; the runner records that (done, retry later, or dead). */
#ifndef AB_WORKERS_JOBS_H
#define AB_WORKERS_JOBS_H

#include <jansson.h>

#include "core/app.h"
#include "core/http_client.h"
#include "db/db.h"
#include "db/jobs.h"
#include "fal/dataset.h"
#include "storage/storage.h"

typedef enum {
    AB_JOB_DONE,  /* finished */
    AB_JOB_RETRY, /* a passing fault (network, 5xx, storage down): again after back-off */
    AB_JOB_FAIL,  /* cannot succeed: give up now */
    AB_JOB_AGAIN, /* a recurring job (a poll) did its round: run again after again_s */
} ab_job_outcome;

typedef struct {
    ab_app *app;
    ab_db *db;               /* the runner's own connection */
    ab_storage *storage;     /* the runner's own storage handle */
    struct ab_tg_client *tg; /* the runner's own Bot API client */
    ab_http_client *http;    /* the runner's own client for other services (FAL) */
    const ab_job *job;
    json_t *payload; /* parsed job payload (borrowed) */
    char error[512]; /* why, when not done */
    double again_s;  /* AB_JOB_AGAIN: the pause before the next round */
} ab_job_ctx;

typedef ab_job_outcome (*ab_job_fn)(ab_job_ctx *ctx);
/** What a kind does for its user when one of its jobs is given up (ctx->error says why):
 *  e.g. a photo that could not be checked is reported as such instead of pending forever. */
typedef void (*ab_job_give_up_fn)(ab_job_ctx *ctx);

typedef struct {
    ab_job_fn run;
    ab_job_give_up_fn give_up; /* NULL: nothing to tell anyone */
} ab_job_handler;

/** The row of a job kind (core/job_kind.h), or NULL for a kind this build does not know. */
const ab_job_handler *ab_job_handler_for(ab_job_kind kind);

/* The leases of the jobs this process runs (job_leases.c): a runner holds its job's lease
 * while it runs, and the janitor renews every held lease. */
void ab_job_lease_hold(const ab_job *job);
void ab_job_lease_release(const ab_job *job);
ab_err ab_job_leases_renew(ab_db *db, int lease_s);

/* Handlers (one file per family). */
ab_job_outcome ab_job_storage_delete_prefix(ab_job_ctx *ctx);
ab_job_outcome ab_job_storage_delete_key(ab_job_ctx *ctx);
ab_job_outcome ab_job_photo_ingest(ab_job_ctx *ctx);
void ab_job_photo_give_up(ab_job_ctx *ctx);
ab_job_outcome ab_job_training_submit(ab_job_ctx *ctx);
ab_job_outcome ab_job_training_poll(ab_job_ctx *ctx);
ab_job_outcome ab_job_training_finish(ab_job_ctx *ctx);
/* Every training kind's: the run is ended or handed on as its state allows (never ended or
 * submitted again while FAL may be training it), and the user told (job_training_give_up.c). */
void ab_job_training_give_up(ab_job_ctx *ctx);
ab_job_outcome ab_job_training_cancel(ab_job_ctx *ctx);
ab_job_outcome ab_job_generation_run(ab_job_ctx *ctx);
ab_job_outcome ab_job_generation_finish(ab_job_ctx *ctx);
/* Every generation kind's: one that never reached FAL ends (the user told); one FAL may have is
 * followed by a new generation.run (job_generation.c). */
void ab_job_generation_give_up(ab_job_ctx *ctx);
ab_job_outcome ab_job_user_erase(ab_job_ctx *ctx);
/** What training.submit stores: the dataset ZIP of the photos (entries' keys are storage keys,
 *  read from s) built in a temporary file, then stored as key (ab_storage_put_file). *zip_len
 *  is the stored size, 0 on failure. Errors: those of ab_dataset_build_zip and the put. */
ab_err ab_training_dataset_store(ab_storage *s, const ab_dataset_entry *entries, size_t n,
                                 const char *key, size_t *zip_len);

/** Thread body of a job runner. */
void *ab_job_runner_main(void *app);

#endif
