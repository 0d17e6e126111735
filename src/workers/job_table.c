/* The job kinds this build runs: name, handler, and what to tell the user when a job of the
 * kind is given up. Adding a kind is adding a row and a handler. */
#include <string.h>

#include "workers/jobs.h"

static const ab_job_kind KINDS[] = {
    {"storage.delete_prefix", ab_job_storage_delete_prefix, NULL},
    {"photo.ingest", ab_job_photo_ingest, ab_job_photo_give_up},
    {"storage.delete_key", ab_job_storage_delete_key, NULL},
    {"training.submit", ab_job_training_submit, ab_job_training_give_up},
    {"training.poll", ab_job_training_poll, ab_job_training_give_up},
    {"training.finish", ab_job_training_finish, ab_job_training_give_up},
    {"training.cancel", ab_job_training_cancel, ab_job_training_give_up},
};

const ab_job_kind *ab_job_kind_find(const char *kind)
{
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(KINDS[i].kind, kind) == 0)
            return &KINDS[i];
    return NULL;
}
