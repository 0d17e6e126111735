/* avatarbot: the entry point, dispatching to the subcommands. */
#include "avatarbot/version.h"
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "core/config.h"
#include "core/log.h"

static void usage(FILE *out)
{
    fprintf(out,
            "avatarbot %s — Telegram bot backend for personal AI avatars\n\n"
            "usage: avatarbot <command> [options]\n\n"
            "commands:\n"
            "  serve         run the HTTP server and workers\n"
            "  migrate       apply pending database migrations and exit\n"
            "  set-webhook   register the webhook with Telegram (see set-webhook --help)\n"
            "  fsm-graph     print the conversation state machine as a Mermaid diagram\n"
            "  healthcheck   exit 0 when this machine's service answers /healthz\n"
            "  admin         the operator's commands: jobs, inbox, user, stats, webhook-info\n"
            "  version       print the version\n\n",
            AB_VERSION);
    ab_config_print_help(out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    ab_log_set_identity("avatarbot", AB_VERSION);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("avatarbot %s\n", AB_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "fsm-graph") == 0)
        return ab_cmd_fsm_graph(argc - 1, argv + 1);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc;
    if (strcmp(cmd, "serve") == 0)
        rc = ab_cmd_serve(argc - 1, argv + 1);
    else if (strcmp(cmd, "migrate") == 0)
        rc = ab_cmd_migrate(argc - 1, argv + 1);
    else if (strcmp(cmd, "healthcheck") == 0)
        rc = ab_cmd_healthcheck(argc - 1, argv + 1);
    else if (strcmp(cmd, "set-webhook") == 0)
        rc = ab_cmd_set_webhook(argc - 1, argv + 1);
    else if (strcmp(cmd, "admin") == 0)
        rc = ab_cmd_admin(argc - 1, argv + 1);
    else {
        fprintf(stderr, "avatarbot: unknown command '%s'\n\n", cmd);
        usage(stderr);
        rc = 2;
    }
    curl_global_cleanup();
    return rc;
}
