/* Erasing a user (see erase_user.h). */
#include "workers/erase_user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "db/admin.h"
#include "fal/queue.h"
#include "storage/keys.h"

/* Running requests at FAL are told to stop; one that does not take it ends on its own. */
static void stop_runs(const PGresult *runs, ab_http_client *http, const ab_config *cfg,
                      ab_erase_report *out)
{
    for (int r = 0; http && r < PQntuples(runs); r++) {
        if (strcmp(PQgetvalue(runs, r, 3), "live") != 0)
            continue; /* simulated: nothing at FAL */
        ab_fal_cancel_outcome co;
        ab_fal_error ferr = {0};
        ab_err err = ab_fal_cancel(http, cfg->fal_key, PQgetvalue(runs, r, 2), &co, &ferr);
        if (err == AB_OK) {
            out->fal_stopped++;
            continue;
        }
        out->fal_refused++;
        AB_WARN("erasing a user: FAL did not take the cancel", "{s:s,s:s}", "request_id",
                PQgetvalue(runs, r, 0), "detail", ferr.detail[0] ? ferr.detail : ab_err_name(err));
    }
}

static ab_err delete_objects(const PGresult *avatars, ab_storage *storage, int64_t user_id,
                             ab_erase_report *out)
{
    for (int r = 0; r < PQntuples(avatars); r++) {
        char prefix[AB_KEY_MAX];
        size_t n = 0;
        ab_err err = AB_ERR_INTERNAL;
        if (ab_key_avatar_prefix(prefix, sizeof prefix, user_id,
                                 strtoll(PQgetvalue(avatars, r, 0), NULL, 10)))
            err = ab_storage_delete_prefix(storage, prefix, &n);
        out->objects += n;
        if (err != AB_OK) {
            snprintf(out->error, sizeof out->error, "deleting %s failed: %s", prefix,
                     ab_err_name(err));
            return err;
        }
    }
    return AB_OK;
}

ab_err ab_erase_user(ab_db *db, ab_storage *storage, ab_http_client *http, const ab_config *cfg,
                     int64_t user_id, ab_erase_report *out)
{
    memset(out, 0, sizeof *out);
    PGresult *avatars = NULL, *runs = NULL;
    ab_storage *own = NULL;
    char why[200] = "";
    ab_err err = ab_db_admin_erase_plan(db, user_id, &avatars, &runs);
    if (err != AB_OK) {
        snprintf(out->error, sizeof out->error, "the database failed: %s", ab_db_last_message(db));
        goto done;
    }
    stop_runs(runs, http, cfg, out);
    if (PQntuples(avatars) > 0 && !storage) {
        err = ab_storage_open_configured(cfg, &own, why, sizeof why);
        if (err != AB_OK) {
            snprintf(out->error, sizeof out->error, "storage unavailable: %s", why);
            goto done;
        }
        storage = own;
    }
    err = delete_objects(avatars, storage, user_id, out);
    if (err == AB_OK && (err = ab_db_admin_erase(db, user_id, &out->rows, &out->found)) != AB_OK)
        snprintf(out->error, sizeof out->error, "the database failed: %s", ab_db_last_message(db));
    if (err == AB_OK)
        AB_INFO("user erased", "{s:I,s:i,s:i,s:I}", "user_id", (json_int_t)user_id, "fal_stopped",
                out->fal_stopped, "fal_refused", out->fal_refused, "objects",
                (json_int_t)out->objects);
done:
    PQclear(avatars);
    PQclear(runs);
    ab_storage_close(own);
    return err;
}
