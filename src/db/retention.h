/* Retention (issue 20): what the janitor deletes once it is old enough. Uploaded photos and
 * training datasets go PHOTO_RETENTION_DAYS after the avatar's last successful training (the
 * model stays usable; training again asks for photos again); delivered messages, finished jobs,
 * photo batches and FAL's webhook bodies go after RECORDS_RETENTION_DAYS. Ages are measured
 * from now() + offset_days, so a test (or a drill) moves the clock with a setting, not a wait. */
#ifndef AB_DB_RETENTION_H
#define AB_DB_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

typedef struct {
    int64_t photos, datasets; /* rows whose stored objects are queued for deletion */
    int64_t messages, jobs, batches, webhook_bodies;
} ab_retention_counts;

/**
 * One pass, in the caller's transaction: the photo rows and dataset references go, and a
 * storage.delete_key job is queued for each of their objects; the old records are deleted.
 */
ab_err ab_db_retention_run(ab_db *db, int photo_days, int record_days, int offset_days,
                           ab_retention_counts *out);

#endif
