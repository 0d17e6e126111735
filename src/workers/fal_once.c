/* Submit-once helpers for the jobs (see fal_once.h). */
#include "workers/fal_once.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "db/training.h"

bool ab_fal_once_nonce(char out[33])
{
    unsigned char rnd[16];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return false;
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(out + 2 * i, 3, "%02x", rnd[i]);
    return true;
}

typedef struct {
    const char *nonce;
    const ab_fal_submission *sub;
    ab_adopt adopt;
} adopt_ctx;

static ab_err adopt_tx(ab_db *db, void *arg)
{
    adopt_ctx *a = arg;
    ab_err err = ab_db_command(db, "SET LOCAL synchronous_commit = on");
    return err != AB_OK
               ? err
               : ab_db_fal_submit_adopt(db, a->nonce, a->sub->request_id, a->sub->status_url,
                                        a->sub->response_url, a->sub->cancel_url, &a->adopt);
}

ab_err ab_fal_once_adopt(ab_job_ctx *ctx, const char *nonce, const ab_fal_submission *sub,
                         ab_adopt *out)
{
    adopt_ctx a = {nonce, sub, {0}};
    ab_err err = AB_OK;
    for (int i = 0; i < 3; i++) {
        if (i)
            sleep(1);
        if ((err = ab_db_tx(ctx->db, adopt_tx, &a)) == AB_OK)
            break;
    }
    *out = a.adopt;
    return err;
}

void ab_fal_once_cancel_extra(ab_job_ctx *ctx, const char *app_id, const ab_fal_submission *sub)
{
    const ab_config *cfg = ctx->app->cfg;
    ab_fal_submission built;
    const char *url = sub->cancel_url;
    if (!url[0] &&
        ab_fal_request_urls(cfg->fal_queue_base, app_id, sub->request_id, &built) == AB_OK)
        url = built.cancel_url;
    ab_fal_cancel_outcome co = AB_FAL_CANCEL_NOT_FOUND;
    ab_fal_error ferr = {0};
    ab_err err = url[0] ? ab_fal_cancel(ctx->http, cfg->fal_key, url, &co, &ferr) : AB_ERR_INVALID;
    ab_metrics_add(AB_M_FAL_ERRORS, "kind=\"extra\"", 1);
    AB_WARN("extra FAL request cancelled", "{s:s,s:s,s:s,s:s}", "request_id", sub->request_id,
            "app_id", app_id, "result",
            err != AB_OK                    ? ab_err_name(err)
            : co == AB_FAL_CANCEL_TOO_LATE  ? "already_completed"
            : co == AB_FAL_CANCEL_NOT_FOUND ? "not_found"
                                            : "cancellation_requested",
            "detail", ferr.detail);
}

/* ISO 8601 of `ago` seconds before now, for FAL's listing. */
static void iso_ago(double ago, char *out, size_t n)
{
    time_t when = time(NULL) - (time_t)ago;
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Whether input (FAL's json_input of a listed request) is one that an attempt of the run
 * sent: a training's names the run's own dataset archive, which no other run has. */
static bool input_of_run(const json_t *input, json_t **inputs, size_t n)
{
    for (size_t i = 0; input && i < n; i++)
        if (inputs[i] && json_equal((json_t *)input, inputs[i]))
            return true;
    return false;
}

bool ab_fal_once_sweep(ab_job_ctx *ctx, const ab_fal_once_run *run, bool take, char adopted[128])
{
    const ab_config *cfg = ctx->app->cfg;
    char **texts = NULL, start[40];
    size_t nt = 0, nl = 0;
    ab_fal_listed *listed = NULL;
    ab_fal_error ferr = {0};
    adopted[0] = '\0';
    if (!cfg->fal_reconcile_listing ||
        ab_db_fal_submit_inputs(ctx->db, run->run_id, &texts, &nt) != AB_OK)
        return false;
    json_t **inputs = calloc(nt ? nt : 1, sizeof *inputs);
    for (size_t i = 0; inputs && i < nt; i++)
        inputs[i] = json_loads(texts[i], 0, NULL);
    ab_db_strings_free(texts, nt);
    iso_ago(run->opened_s + 600, start, sizeof start); /* a margin for FAL's clock */
    ab_err err = inputs ? ab_fal_list_requests(ctx->http, cfg->fal_platform_api_base, cfg->fal_key,
                                               run->app_id, start, 5, &listed, &nl, &ferr)
                        : AB_ERR_NOMEM;
    if (err != AB_OK)
        AB_WARN("FAL request listing unavailable", "{s:s,s:s}", "error", ab_err_name(err), "detail",
                ferr.detail);
    const ab_fal_listed *best = NULL;
    for (size_t i = 0; take && i < nl; i++)
        if (input_of_run(listed[i].input, inputs, nt) &&
            (!best || strcmp(listed[i].sent_at, best->sent_at) < 0))
            best = &listed[i];
    bool took = false;
    ab_fal_submission sub;
    if (best &&
        ab_fal_request_urls(cfg->fal_queue_base, run->app_id, best->request_id, &sub) == AB_OK) {
        ab_adopt ad;
        if (ab_fal_once_adopt(ctx, run->nonce, &sub, &ad) == AB_OK &&
            ad.result != AB_ADOPT_UNKNOWN) {
            took = ad.result != AB_ADOPT_EXTRA;
            if (took)
                snprintf(adopted, 128, "%s", best->request_id);
            AB_INFO("FAL request adopted from the listing", "{s:s,s:s,s:b}", "request_id",
                    sub.request_id, "run", run->run_id, "adopted", took);
        }
    }
    /* every other request with one of the run's inputs is an extra: stopped while it runs */
    const char *own = took ? adopted : run->run_id;
    for (size_t i = 0; (took || !take) && i < nl; i++) {
        ab_fal_submission extra;
        if (strcmp(listed[i].request_id, own) == 0 || !input_of_run(listed[i].input, inputs, nt) ||
            ab_fal_request_urls(cfg->fal_queue_base, run->app_id, listed[i].request_id, &extra) !=
                AB_OK)
            continue;
        ab_db_fal_submit_extra(ctx->db, own, listed[i].request_id);
        if (!listed[i].ended)
            ab_fal_once_cancel_extra(ctx, run->app_id, &extra);
    }
    for (size_t i = 0; inputs && i < nt; i++)
        json_decref(inputs[i]);
    free(inputs);
    ab_fal_listed_free(listed, nl);
    return took;
}
