/* The job kinds this build runs (the list is core/job_kind.h): handler, and what to tell the
 * user when a job of the kind is given up. Adding a kind is adding a row and a handler. */
#include "workers/jobs.h"

static const ab_job_handler HANDLERS[AB_JOB_KIND__COUNT] = {
    [AB_JOB_KIND_STORAGE_DELETE_PREFIX] = {ab_job_storage_delete_prefix, NULL},
    [AB_JOB_KIND_STORAGE_DELETE_KEY] = {ab_job_storage_delete_key, NULL},
    [AB_JOB_KIND_PHOTO_INGEST] = {ab_job_photo_ingest, ab_job_photo_give_up},
    [AB_JOB_KIND_TRAINING_SUBMIT] = {ab_job_training_submit, ab_job_training_give_up},
    [AB_JOB_KIND_TRAINING_POLL] = {ab_job_training_poll, ab_job_training_give_up},
    [AB_JOB_KIND_TRAINING_FINISH] = {ab_job_training_finish, ab_job_training_give_up},
    [AB_JOB_KIND_TRAINING_CANCEL] = {ab_job_training_cancel, ab_job_training_give_up},
    [AB_JOB_KIND_GENERATION_RUN] = {ab_job_generation_run, ab_job_generation_give_up},
    [AB_JOB_KIND_GENERATION_FINISH] = {ab_job_generation_finish, ab_job_generation_give_up},
    [AB_JOB_KIND_USER_ERASE] = {ab_job_user_erase, NULL},
};

const ab_job_handler *ab_job_handler_for(ab_job_kind kind)
{
    return (unsigned)kind < AB_JOB_KIND__COUNT && HANDLERS[kind].run ? &HANDLERS[kind] : NULL;
}
