/* `avatarbot migrate`: applies pending migrations and exits (the Kubernetes migration Job). */
#include <stdio.h>

#include "cmd/commands.h"
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"

int ab_cmd_migrate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    ab_config cfg;
    int rc = ab_cmd_load_config(&cfg, AB_CMD_MIGRATE);
    if (rc)
        return rc;
    ab_db *db = NULL;
    ab_err err = ab_db_connect(cfg.database_url, &db);
    if (err == AB_OK) {
        int applied = 0;
        err = ab_migrate_run(db, &applied);
        if (err == AB_OK)
            AB_INFO("migrations complete", "{s:i,s:i}", "applied", applied, "schema_version",
                    ab_migrate_expected_version());
        ab_db_close(db);
    }
    if (err != AB_OK)
        AB_ERROR("migrate failed", "{s:s}", "error", ab_err_name(err));
    ab_config_free(&cfg);
    return err == AB_OK ? 0 : 1;
}
