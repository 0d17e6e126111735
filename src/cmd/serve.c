/* `avatarbot serve`: migrations (unless disabled), the HTTP server and the worker threads,
 * until SIGTERM or SIGINT. Shutdown order keeps every acknowledged update safe: readiness goes
 * 503 first, then the HTTP server stops taking requests (finishing those in flight), then the
 * workers finish the step or call they hold. Whatever is left stays in the database for the
 * other replicas. */
#include "avatarbot/version.h"
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "fal/trainers.h"
#include "fal/webhook_verify.h"
#include "fsm/fsm.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/url.h"
#include "db/db.h"
#include "db/inbox_batch.h"
#include "db/migrate.h"
#include "http/server.h"
#include "storage/storage.h"
#include "vision/loader.h"
#include "workers/ratelimit.h"
#include "workers/workers.h"

/* Opens object storage once, so a bad bucket URL or missing keys stop the start with a clear
 * message instead of failing every photo later. */
static int check_storage(const ab_config *cfg)
{
    ab_storage *s = NULL;
    char why[256];
    if (ab_storage_open_configured(cfg, &s, why, sizeof why) != AB_OK) {
        fprintf(stderr, "config: STORAGE_URL: %s\n", why);
        return 0;
    }
    AB_INFO("object storage", "{s:s}", "backend", ab_storage_backend_name(s));
    int ok = 1;
    /* Live training hands FAL a presigned URL of the dataset. When FAL is the real one (not a
     * stand-in or proxy inside our network), that URL must open from the internet. */
    if (strcmp(cfg->fal_mode, "live") == 0 && !ab_url_host_is_internal(cfg->fal_queue_base)) {
        char *url = NULL;
        const char *problem = ab_storage_presign_get(s, "datasets/check.zip", 3600, &url) == AB_OK
                                  ? ab_url_public_problem(url)
                                  : "it could not be made";
        if (problem) {
            size_t shown = url ? strcspn(url, "?") : 0; /* never the signature */
            fprintf(stderr,
                    "config: S3_PUBLIC_ENDPOINT: FAL downloads each training dataset from a "
                    "presigned URL, and this one (%.*s) cannot be opened from the internet: %s. "
                    "Set S3_PUBLIC_ENDPOINT to the bucket's public https endpoint (with s3:// "
                    "storage)\n",
                    (int)shown, url ? url : "", problem);
            ok = 0;
        }
        free(url);
    }
    ab_storage_close(s);
    return ok;
}

static ab_err migrate_at_start(const ab_config *cfg)
{
    ab_db *db = NULL;
    ab_err err = ab_db_connect(cfg->database_url, &db);
    if (err != AB_OK)
        return err;
    err = ab_migrate_run(db, NULL);
    ab_db_close(db);
    return err;
}

/* This process among the replicas: the pod's host name, the pid, and a random part (a
 * restarted pod may get the same pid). */
static void replica_id(char *out, size_t n)
{
    char host[64] = "";
    unsigned char rnd[4] = {0};
    gethostname(host, sizeof host - 1);
    RAND_bytes(rnd, sizeof rnd);
    snprintf(out, n, "%s-%ld-%02x%02x%02x%02x", host[0] ? host : "avatarbot", (long)getpid(),
             rnd[0], rnd[1], rnd[2], rnd[3]);
}

int ab_cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    ab_config cfg;
    int rc = ab_cmd_load_config(&cfg, AB_CMD_SERVE);
    if (rc)
        return rc;
    if (!check_storage(&cfg)) {
        ab_config_free(&cfg);
        return 2;
    }
    const char *vwhy = ab_vision_module_configure(cfg.vision_module_path, cfg.face_model_path);
    if (vwhy) {
        fprintf(stderr, "config: FACE_MODEL_PATH / VISION_MODULE_PATH: %s\n", vwhy);
        ab_config_free(&cfg);
        return 2;
    }

    const ab_trainer *style = ab_trainer_by_app(cfg.fal_style_trainer);
    if (!style || strcmp(style->training_type, "style") != 0) {
        fprintf(stderr, "config: FAL_STYLE_TRAINER: must be fal-ai/flux-pro-trainer or "
                        "fal-ai/flux-lora-fast-training\n");
        ab_config_free(&cfg);
        return 2;
    }

    /* Signals are taken by sigwait() in this thread only. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    ab_app app;
    memset(&app, 0, sizeof app);
    app.cfg = &cfg;
    SHA256((const unsigned char *)cfg.telegram_webhook_secret, strlen(cfg.telegram_webhook_secret),
           app.webhook_secret_sha256);
    ab_signal_init(&app.inbox_ready);
    ab_signal_init(&app.outbox_ready);
    ab_signal_init(&app.jobs_ready);
    ab_signal_init(&app.stop);
    ab_signal_init(&app.notify_request);
    ab_signal_init(&app.webhooks_done);
    ab_fsm_configure(&cfg);
    ab_metrics_set(AB_M_BUILD_INFO, "version=\"" AB_VERSION "\",commit=\"" AB_COMMIT "\"", 1);

    ab_err err = AB_OK;
    if (cfg.migrate_on_start)
        err = migrate_at_start(&cfg);
    if (err == AB_OK)
        err = ab_db_pool_new(cfg.database_url, cfg.db_pool_size, &app.pool);
    replica_id(app.replica_id, sizeof app.replica_id);
    app.ratelimit = ab_ratelimit_new(cfg.telegram_rate_global, cfg.telegram_rate_per_chat);
    if (err == AB_OK && !app.ratelimit)
        err = AB_ERR_NOMEM;
    if (err == AB_OK && !(app.fal_verifier = ab_fal_verifier_new(cfg.fal_jwks_url, 86400)))
        err = AB_ERR_NOMEM;
    /* Webhook batches are written by INBOX_WRITERS pool connections (one thread each), and
     * at least one connection stays free for probes, metrics and FAL's callbacks. One writer
     * is the default: its batches grow while it commits, so the updates of one WAL flush are
     * many; several writers commit small batches that queue for the same flush (bench/, C=64:
     * 4 writers 13k acks/s at p99 11-12 ms, 1 writer 14-21k at p99 6-8.5 ms). */
    int writers = cfg.inbox_writers;
    if (writers >= cfg.db_pool_size)
        writers = cfg.db_pool_size > 1 ? cfg.db_pool_size - 1 : 1;
    if (err == AB_OK && !(app.batcher = ab_inbox_batcher_new(app.pool, writers)))
        err = AB_ERR_NOMEM;
    if (err != AB_OK) {
        AB_ERROR("cannot start: database not usable", "{s:s}", "error", ab_err_name(err));
        ab_ratelimit_free(app.ratelimit);
        ab_fal_verifier_free(app.fal_verifier);
        ab_inbox_batcher_free(app.batcher);
        ab_db_pool_free(app.pool);
        ab_vision_module_shutdown();
        ab_config_free(&cfg);
        return 1;
    }

    ab_workers *workers = NULL;
    ab_http_server *http = NULL;
    err = ab_workers_start(&app, &workers);
    if (err == AB_OK)
        err = ab_http_start(&app, &http);
    if (err == AB_OK) {
        AB_INFO("listening", "{s:s,s:i,s:i,s:i,s:s}", "bind", cfg.http_bind, "port", cfg.http_port,
                "workers", cfg.worker_threads, "senders", cfg.sender_threads, "version",
                AB_VERSION);
        int sig = 0;
        sigwait(&stop_signals, &sig);
        AB_INFO("shutting down", "{s:s}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        rc = 0;
    } else {
        rc = 1;
    }
    atomic_store(&app.draining, 1);
    /* Every webhook request still waiting for its commit is answered while the HTTP server
     * is up (those arriving from now on get 503); only then does the server go. */
    ab_inbox_batcher_stop(app.batcher);
    ab_http_stop(http);
    ab_workers_stop(workers);
    ab_inbox_batcher_free(app.batcher);
    ab_db_pool_free(app.pool);
    ab_ratelimit_free(app.ratelimit);
    ab_fal_verifier_free(app.fal_verifier);
    ab_signal_destroy(&app.inbox_ready);
    ab_signal_destroy(&app.outbox_ready);
    ab_signal_destroy(&app.jobs_ready);
    ab_signal_destroy(&app.stop);
    ab_signal_destroy(&app.notify_request);
    ab_signal_destroy(&app.webhooks_done);
    ab_vision_module_shutdown();
    AB_INFO("stopped", NULL);
    ab_config_free(&cfg);
    return rc;
}
