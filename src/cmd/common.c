/* Shared start-up of the subcommands: configuration from the environment, logging. */
#include <stdlib.h>

#include "cmd/commands.h"
#include "core/config.h"
#include "core/log.h"

static const char *from_environ(const char *name, void *ctx)
{
    (void)ctx;
    return getenv(name);
}

int ab_cmd_load_config(ab_config *cfg, unsigned command)
{
    int errors = ab_config_load(cfg, command, from_environ, NULL, stderr);
    if (errors) {
        fprintf(stderr, "avatarbot: %d configuration error%s; see `avatarbot --help`\n", errors,
                errors == 1 ? "" : "s");
        ab_config_free(cfg);
        return 2;
    }
    ab_log_set_level(cfg->log_level);
    ab_config_register_secrets(cfg);
    return 0;
}
