/* The subcommands of the avatarbot binary. Each returns the process exit code:
 * 0 success, 1 runtime failure, 2 bad usage or configuration. */
#ifndef AB_CMD_COMMANDS_H
#define AB_CMD_COMMANDS_H

struct ab_config;

int ab_cmd_serve(int argc, char **argv);
int ab_cmd_migrate(int argc, char **argv);
int ab_cmd_set_webhook(int argc, char **argv);
int ab_cmd_fsm_graph(int argc, char **argv);
int ab_cmd_healthcheck(int argc, char **argv);
int ab_cmd_admin(int argc, char **argv);
/** Loads configuration for a command from the process environment; prints errors. */
int ab_cmd_load_config(struct ab_config *cfg, unsigned command);

#endif
