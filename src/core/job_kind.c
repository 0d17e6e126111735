/* Job kind names, from the one list in job_kind.h. */
#include "core/job_kind.h"

#include <string.h>

static const char *const NAMES[] = {
#define AB_JOB_KIND_NAME(id, name) [id] = name,
    AB_JOB_KINDS(AB_JOB_KIND_NAME)
#undef AB_JOB_KIND_NAME
};

const char *ab_job_kind_name(ab_job_kind kind)
{
    return (unsigned)kind < AB_JOB_KIND__COUNT ? NAMES[kind] : NULL;
}

ab_job_kind ab_job_kind_parse(const char *name)
{
    for (int k = 0; name && k < AB_JOB_KIND__COUNT; k++)
        if (strcmp(NAMES[k], name) == 0)
            return (ab_job_kind)k;
    return AB_JOB_KIND__COUNT;
}
