/* Storage clean-up jobs: removing what a deleted avatar left in object storage. Deleting is
 * idempotent, so a retried job simply finishes the work. */
#include <stdio.h>

#include "core/json.h"
#include "core/log.h"
#include "storage/keys.h"
#include "workers/jobs.h"

ab_job_outcome ab_job_storage_delete_prefix(ab_job_ctx *ctx)
{
    const char *prefix = ab_json_nonempty(ctx->payload, "prefix");
    /* only ever an avatar's own folder: never the bucket, never someone's whole tree */
    if (!ab_key_is_avatar_prefix(prefix)) {
        snprintf(ctx->error, sizeof ctx->error, "refusing to delete prefix %s",
                 prefix ? prefix : "(none)");
        return AB_JOB_FAIL;
    }
    size_t deleted = 0;
    ab_err err = ab_storage_delete_prefix(ctx->storage, prefix, &deleted);
    if (err != AB_OK) {
        snprintf(ctx->error, sizeof ctx->error, "delete %s: %s", prefix, ab_err_name(err));
        return ab_storage_err_retryable(err) ? AB_JOB_RETRY : AB_JOB_FAIL;
    }
    AB_INFO("stored objects deleted", "{s:s,s:I}", "prefix", prefix, "count", (json_int_t)deleted);
    return AB_JOB_DONE;
}

ab_job_outcome ab_job_storage_delete_key(ab_job_ctx *ctx)
{
    const char *key = ab_json_nonempty(ctx->payload, "key");
    if (!ab_key_is_avatar_object(key)) {
        snprintf(ctx->error, sizeof ctx->error, "refusing to delete key %s", key ? key : "(none)");
        return AB_JOB_FAIL;
    }
    ab_err err = ab_storage_delete(ctx->storage, key);
    if (err != AB_OK) {
        snprintf(ctx->error, sizeof ctx->error, "delete %s: %s", key, ab_err_name(err));
        return ab_storage_err_retryable(err) ? AB_JOB_RETRY : AB_JOB_FAIL;
    }
    return AB_JOB_DONE;
}
