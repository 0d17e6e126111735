/* The kinds of background job, one list: the enum producers queue by, the name stored in the
 * jobs table's kind column, and (src/workers/job_table.c) the handler that runs it. Adding a
 * kind is adding a row here and one there; no kind is spelled anywhere else. */
#ifndef AB_CORE_JOB_KIND_H
#define AB_CORE_JOB_KIND_H

#define AB_JOB_KINDS(X)                                                                            \
    X(AB_JOB_KIND_STORAGE_DELETE_PREFIX, "storage.delete_prefix")                                  \
    X(AB_JOB_KIND_STORAGE_DELETE_KEY, "storage.delete_key")                                        \
    X(AB_JOB_KIND_PHOTO_INGEST, "photo.ingest")                                                    \
    X(AB_JOB_KIND_TRAINING_SUBMIT, "training.submit")                                              \
    X(AB_JOB_KIND_TRAINING_POLL, "training.poll")                                                  \
    X(AB_JOB_KIND_TRAINING_FINISH, "training.finish")                                              \
    X(AB_JOB_KIND_TRAINING_CANCEL, "training.cancel")                                              \
    X(AB_JOB_KIND_GENERATION_RUN, "generation.run")                                                \
    X(AB_JOB_KIND_GENERATION_FINISH, "generation.finish")                                          \
    X(AB_JOB_KIND_USER_ERASE, "user.erase")

typedef enum {
#define AB_JOB_KIND_ENUM(id, name) id,
    AB_JOB_KINDS(AB_JOB_KIND_ENUM)
#undef AB_JOB_KIND_ENUM
        AB_JOB_KIND__COUNT /* also "a kind this build does not know" */
} ab_job_kind;

/** The stored name of a kind, e.g. "photo.ingest"; NULL out of range. */
const char *ab_job_kind_name(ab_job_kind kind);
/** The kind a stored name stands for, AB_JOB_KIND__COUNT for an unknown one (a job queued by
 *  another build). */
ab_job_kind ab_job_kind_parse(const char *name);

#endif
