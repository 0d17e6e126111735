/* The replicas table: who is alive, so that per-bot limits can be shared between replicas. */
#ifndef AB_DB_REPLICAS_H
#define AB_DB_REPLICAS_H

#include "db/db.h"

/** Marks replica id alive, forgets replicas unseen for 3 × window_s, and sets *alive to the
 *  replicas seen within window_s (this one included). */
ab_err ab_db_replica_heartbeat(ab_db *db, const char *id, int window_s, int *alive);
/** A replica that stops says so, so the others take its share at once. */
ab_err ab_db_replica_leave(ab_db *db, const char *id);

#endif
