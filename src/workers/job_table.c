/* The job kinds this build runs. Adding a kind is adding a row and a handler. */
#include <string.h>

#include "workers/jobs.h"

static const struct {
    const char *kind;
    ab_job_fn fn;
} KINDS[] = {
    {"storage.delete_prefix", ab_job_storage_delete_prefix},
    {"photo.ingest", ab_job_photo_ingest},
    {"storage.delete_key", ab_job_storage_delete_key},
    {"training.submit", ab_job_training_submit},
    {"training.poll", ab_job_training_poll},
    {"training.finish", ab_job_training_finish},
    {"training.cancel", ab_job_training_cancel},
};

ab_job_fn ab_job_handler(const char *kind)
{
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(KINDS[i].kind, kind) == 0)
            return KINDS[i].fn;
    return NULL;
}
