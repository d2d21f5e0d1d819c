/* SPDX-License-Identifier: Apache-2.0 */
/* cli/check.c: `sluice check`: validate the configuration without starting anything. */
#include "cli/cli.h"

#include "config/config.h"

#include <stdio.h>

int sl_cli_check(int argc, char **argv)
{
    if (sl_cli_wants_help(argc, argv)) {
        printf("usage: sluice check [--config FILE] [options]\n\n"
               "Validates the configuration (defaults < FILE < SLUICE_* environment < flags)\n"
               "and prints one 'file:line: message' line per problem.\n"
               "Exit status: 0 when valid, 78 when not.\n\nOptions:\n");
        sl_config_print_help(stdout);
        return 0;
    }
    sl_config cfg;
    int problems = sl_cli_load_config(&cfg, argc, argv);
    sl_config_fini(&cfg);
    if (problems > 0) {
        (void)fprintf(stderr, "sluice check: %d problem%s\n", problems, problems == 1 ? "" : "s");
        return SL_EXIT_CONFIG;
    }
    printf("configuration ok\n");
    return 0;
}
