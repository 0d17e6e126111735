/* The migration runner. The session-level advisory lock makes a second replica wait until the
 * first has finished, after which it finds nothing left to do. */
#include "db/migrate.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"

/* "avatarbt" in ASCII: far above any Telegram chat id, which stay below 2^52. */
#define MIGRATE_LOCK_KEY "7022353584012370036"

static const ab_db_stmt LOCK = {"migrate_lock", "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0};
static const ab_db_stmt UNLOCK = {"migrate_unlock",
                                  "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0};
static const ab_db_stmt IS_APPLIED = {"migrate_is_applied",
                                      "SELECT 1 FROM schema_migrations WHERE version = $1::int", 1};
static const ab_db_stmt RECORD = {
    "migrate_record", "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)", 2};
static const ab_db_stmt CURRENT = {"migrate_current",
                                   "SELECT coalesce(max(version), 0) FROM schema_migrations", 0};

int ab_migrate_expected_version(void)
{
    return ab_migrations_count ? ab_migrations[ab_migrations_count - 1].version : 0;
}

typedef struct {
    const ab_migration *m;
    int applied;
} apply_ctx;

static ab_err apply_one(ab_db *db, void *arg)
{
    apply_ctx *ctx = arg;
    char v[24];
    const char *params[] = {ab_db_i64(v, ctx->m->version), ctx->m->name};
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, &IS_APPLIED, params, &res);
    if (err != AB_OK)
        return err;
    int done = PQntuples(res) > 0;
    PQclear(res);
    if (done)
        return AB_OK;
    err = ab_db_command(db, ctx->m->sql);
    if (err != AB_OK) {
        AB_ERROR("migration failed", "{s:i,s:s,s:s}", "version", ctx->m->version, "name",
                 ctx->m->name, "error", ab_db_last_message(db));
        return err;
    }
    err = ab_db_exec(db, &RECORD, params, NULL);
    if (err == AB_OK)
        ctx->applied = 1;
    return err;
}

ab_err ab_migrate_run(ab_db *db, int *applied)
{
    if (applied)
        *applied = 0;
    ab_err err = ab_db_exec(db, &LOCK, NULL, NULL);
    if (err != AB_OK)
        return err;
    err = ab_db_command(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                            " version integer PRIMARY KEY,"
                            " name text NOT NULL,"
                            " applied_at timestamptz NOT NULL DEFAULT now())");
    for (size_t i = 0; err == AB_OK && i < ab_migrations_count; i++) {
        apply_ctx ctx = {&ab_migrations[i], 0};
        err = ab_db_tx(db, apply_one, &ctx);
        if (err == AB_OK && ctx.applied) {
            AB_INFO("migration applied", "{s:i,s:s}", "version", ctx.m->version, "name",
                    ctx.m->name);
            if (applied)
                (*applied)++;
        }
    }
    ab_db_exec(db, &UNLOCK, NULL, NULL);
    return err;
}

ab_err ab_migrate_current_version(ab_db *db, int *version)
{
    PGresult *res = NULL;
    *version = 0;
    ab_err err = ab_db_exec(db, &CURRENT, NULL, &res);
    if (err != AB_OK)
        /* undefined_table: an empty database, nothing applied yet */
        return strcmp(ab_db_last_sqlstate(db), "42P01") == 0 ? AB_OK : err;
    *version = (int)ab_db_get_i64(res, 0, 0);
    PQclear(res);
    return AB_OK;
}
