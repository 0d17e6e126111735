/* Job runner threads: lease the next due job (SKIP LOCKED, so runners on every replica share
 * the queue), run its handler, and record the outcome: done; retried with exponential back-off
 * (5 s, 10 s, 20 s … capped at 10 min, jittered) on a passing fault; dead after max_attempts or
 * on a fault that retrying cannot fix. A runner that dies mid-job leaves a lease that expires
 * (it is renewed only while the job runs here, see job_leases.c), and the janitor hands the job
 * out again; attempts are counted at the claim, so a job that keeps killing its runners ends
 * dead too, and its kind tells the user. Every outcome is fenced on the claim. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/metrics.h"
#include "telegram/client.h"
#include "workers/jobs.h"
#include "workers/workers.h"

static double backoff_s(int attempts)
{
    double base = 5.0 * pow(2.0, attempts > 1 ? attempts - 1 : 0);
    if (base > 600)
        base = 600;
    return base * (0.8 + 0.4 * ((double)rand() / RAND_MAX));
}

static ab_storage *open_storage(const ab_config *cfg)
{
    ab_storage *s = NULL;
    char why[256];
    if (ab_storage_open_configured(cfg, &s, why, sizeof why) != AB_OK) {
        AB_ERROR("object storage unusable", "{s:s}", "error", why);
        return NULL;
    }
    return s;
}

/* A job whose runner died this often while running it is given up at its next claim: it may
 * be what killed them (a photo that exhausts memory), and it must not take every replica down
 * one lease after another. */
#define MAX_LEASE_EXPIRIES 2

static void run_one(ab_app *app, ab_db *db, ab_storage *storage, ab_tg_client *tg,
                    ab_http_client *http, ab_job *job)
{
    ab_job_ctx ctx = {.app = app, .db = db, .storage = storage, .tg = tg, .http = http, .job = job};
    ab_log_scope_set(&(ab_log_scope){.job_id = job->id,
                                     .user_id = job->user_id,
                                     .avatar_id = job->avatar_id,
                                     .chat_id = job->chat_id});
    ctx.payload = json_loads(job->payload, 0, NULL);
    const ab_job_handler *kind = ab_job_handler_for(job->kind);
    ab_job_outcome outcome;
    if (!kind) {
        snprintf(ctx.error, sizeof ctx.error, "unknown job kind %s", job->kind_name);
        outcome = AB_JOB_FAIL;
    } else if (!ctx.payload) {
        snprintf(ctx.error, sizeof ctx.error, "payload is not JSON");
        outcome = AB_JOB_FAIL;
    } else if (job->lease_expiries >= MAX_LEASE_EXPIRIES || job->attempts > job->max_attempts) {
        snprintf(ctx.error, sizeof ctx.error,
                 "given up unrun: its runner stopped %d times while running it (attempt %d of %d)",
                 job->lease_expiries, job->attempts, job->max_attempts);
        outcome = AB_JOB_FAIL;
    } else {
        ab_job_lease_hold(job);
        outcome = kind->run(&ctx);
        ab_job_lease_release(job);
    }
    if (outcome == AB_JOB_RETRY && job->attempts >= job->max_attempts)
        outcome = AB_JOB_FAIL;
    ab_err err = AB_OK;
    switch (outcome) {
    case AB_JOB_AGAIN:
        err = ab_db_job_again(db, job, ctx.again_s > 0 ? ctx.again_s : 1);
        break;
    case AB_JOB_DONE:
        err = ab_db_job_done(db, job);
        AB_DEBUG("job done", "{s:I,s:s}", "job_id", (json_int_t)job->id, "kind", job->kind_name);
        break;
    case AB_JOB_RETRY: {
        double delay = backoff_s(job->attempts);
        err = ab_db_job_retry(db, job, delay, ctx.error);
        AB_WARN("job failed, will retry", "{s:I,s:s,s:i,s:s,s:f}", "job_id", (json_int_t)job->id,
                "kind", job->kind_name, "attempts", job->attempts, "error", ctx.error, "retry_in_s",
                delay);
        break;
    }
    case AB_JOB_FAIL:
        /* the user hears of it only when the job is still ours to end */
        err = ab_db_job_dead(db, job, ctx.error);
        if (err == AB_OK && kind && kind->give_up && ctx.payload)
            kind->give_up(&ctx);
        AB_ERROR("job given up", "{s:I,s:s,s:i,s:s}", "job_id", (json_int_t)job->id, "kind",
                 job->kind_name, "attempts", job->attempts, "error", ctx.error);
        break;
    }
    json_decref(ctx.payload);
    if (err == AB_ERR_CONFLICT)
        AB_WARN("job lease lost before it ended: its outcome is dropped, another runner has it",
                "{s:I,s:s,s:I}", "job_id", (json_int_t)job->id, "kind", job->kind_name, "claim",
                (json_int_t)job->claim);
    static const char *const RESULT[] = {[AB_JOB_DONE] = "done",
                                         [AB_JOB_RETRY] = "retry",
                                         [AB_JOB_FAIL] = "dead",
                                         [AB_JOB_AGAIN] = "again"};
    char labels[96];
    snprintf(labels, sizeof labels, "kind=\"%.48s\",result=\"%s\"", job->kind_name,
             err == AB_ERR_CONFLICT ? "lease_lost" : RESULT[outcome]);
    ab_metrics_add(AB_M_JOBS_FINISHED, labels, 1);
    ab_log_scope_set(NULL);
}

void *ab_job_runner_main(void *arg)
{
    ab_app *app = arg;
    ab_db *db = NULL;
    ab_storage *storage = NULL;
    const ab_config *cfg = app->cfg;
    ab_tg_client *tg =
        ab_tg_client_new(cfg->telegram_api_base, cfg->telegram_bot_token, cfg->telegram_timeout_s);
    ab_http_client *http = ab_http_client_new();
    ab_worker_yield_to_ingress();
    while (tg && http && atomic_load(&app->running)) {
        if (!db) {
            if (ab_db_connect(app->cfg->database_url, &db) != AB_OK) {
                ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), 1000);
                continue;
            }
            ab_worker_session(db);
        }
        if (!storage && !(storage = open_storage(app->cfg))) {
            ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), 5000);
            continue;
        }
        ab_worker_give_way(app);
        unsigned long seen = ab_signal_seq(&app->jobs_ready);
        ab_job job;
        bool found = false;
        if (ab_db_job_claim(db, cfg->job_lease_s, cfg->jobs_per_user, &job, &found) != AB_OK) {
            ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), 500);
            continue;
        }
        if (!found) {
            ab_signal_wait(&app->jobs_ready, seen, 1000);
            continue;
        }
        run_one(app, db, storage, tg, http, &job);
        ab_job_free(&job);
    }
    ab_storage_close(storage);
    ab_tg_client_free(tg);
    ab_http_client_free(http);
    ab_db_close(db);
    return NULL;
}
