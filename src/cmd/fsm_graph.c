/* `avatarbot fsm-graph`: prints the transition table as a Mermaid state diagram. */
#include <stdio.h>

#include "cmd/commands.h"
#include "fsm/fsm.h"

int ab_cmd_fsm_graph(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    ab_fsm_print_mermaid(stdout);
    return 0;
}
