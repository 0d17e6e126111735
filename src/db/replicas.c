/* Replica heartbeats (see replicas.h). One statement per beat: the statement's own insert is
 * not visible to its count, so this replica is counted as the one added to the others. */
#include "db/replicas.h"

static const ab_db_stmt HEARTBEAT = {
    "replica_heartbeat",
    "WITH beat AS (INSERT INTO replicas (id) VALUES ($1) ON CONFLICT (id)"
    "              DO UPDATE SET seen_at = now()),"
    " gone AS (DELETE FROM replicas WHERE id <> $1"
    "          AND seen_at < now() - make_interval(secs => 3 * $2::int))"
    " SELECT 1 + count(*) FROM replicas WHERE id <> $1"
    " AND seen_at >= now() - make_interval(secs => $2::int)",
    2};

ab_err ab_db_replica_heartbeat(ab_db *db, const char *id, int window_s, int *alive)
{
    char window[24];
    const char *params[] = {id, ab_db_i64(window, window_s)};
    int64_t n = 1;
    ab_err err = ab_db_exec_i64(db, &HEARTBEAT, params, &n);
    *alive = err == AB_OK && n > 0 ? (int)n : 1;
    return err;
}

static const ab_db_stmt LEAVE = {"replica_leave", "DELETE FROM replicas WHERE id = $1", 1};

ab_err ab_db_replica_leave(ab_db *db, const char *id)
{
    const char *params[] = {id};
    return ab_db_exec(db, &LEAVE, params, NULL);
}
