/* Schema migrations compiled into the binary (migrations/NNNN_name.sql), applied in order,
 * each in its own transaction, under an advisory lock so replicas starting together are safe. */
#ifndef AB_DB_MIGRATE_H
#define AB_DB_MIGRATE_H

#include <stddef.h>

#include "core/error.h"
#include "db/db.h"

typedef struct {
    int version;
    const char *name;
    const char *sql;
} ab_migration;

extern const ab_migration ab_migrations[];
extern const size_t ab_migrations_count;

/** Version of the newest migration this binary carries. */
int ab_migrate_expected_version(void);
/** Applies every pending migration; *applied (may be NULL) gets how many ran. */
ab_err ab_migrate_run(ab_db *db, int *applied);
/** Highest applied version (0 for an empty database). */
ab_err ab_migrate_current_version(ab_db *db, int *version);

#endif
