/* Erasing a user (the operator's `admin erase-user`, the user's own /forget): FAL told that
 * their running requests are no longer needed, their stored photos, datasets and pictures
 * deleted, then every row of theirs. Storage goes before the rows (which say where it is), so
 * a failure there leaves everything in place to try again. */
#ifndef AB_WORKERS_ERASE_USER_H
#define AB_WORKERS_ERASE_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/http_client.h"
#include "db/db.h"
#include "storage/storage.h"

typedef struct {
    int fal_stopped; /* FAL requests that took the cancel */
    int fal_refused; /* ... that did not (logged; they end on their own) */
    size_t objects;  /* stored objects deleted */
    PGresult *rows;  /* {what, rows}: what went from the database (free with PQclear) */
    bool found;      /* there was such a user */
    char error[256]; /* why not, when not AB_OK */
} ab_erase_report;

/**
 * Erases user_id (storage may be NULL when the user has no avatars; it is opened from cfg
 * then if needed). AB_OK with *out filled; else the step that failed is in out->error and
 * nothing after it was done.
 */
ab_err ab_erase_user(ab_db *db, ab_storage *storage, ab_http_client *http, const ab_config *cfg,
                     int64_t user_id, ab_erase_report *out);

#endif
