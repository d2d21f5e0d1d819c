/* SPDX-License-Identifier: Apache-2.0 */
/* main.c: the sluice binary's entry point: dispatch to a subcommand. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

void sl_cli_usage(void)
{
    printf("sluice %s: self-hosted streaming ingestion for Customer.io reporting webhooks\n\n"
           "usage: sluice <command> [options]\n\n"
           "commands:\n"
           "  serve     run the collect and admin listeners and the pipeline\n"
           "  check     validate the configuration and exit (78 on problems)\n"
           "  keys      create, list or revoke API keys of the admin API\n"
           "  replay    re-process a dataflow's landed events (through the admin API)\n"
           "  privacy   delete everything held about a person (through the admin API)\n"
           "  version   print the version\n"
           "  help      show this help\n\n"
           "Run 'sluice <command> --help' for a command's options.\n"
           "Quick start: sluice serve --data ./data, then point Customer.io's reporting\n"
           "webhook at the webhook URL it prints.\n",
           SL_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        sl_cli_usage();
        return SL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0) {
        return sl_cli_serve(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "check") == 0) {
        return sl_cli_check(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "keys") == 0) {
        return sl_cli_keys(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "privacy") == 0) {
        return sl_cli_privacy(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "replay") == 0) {
        return sl_cli_replay(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("sluice %s\n", SL_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        sl_cli_usage();
        return 0;
    }
    (void)fprintf(stderr, "sluice: unknown command '%s'\n\n", cmd);
    sl_cli_usage();
    return SL_EXIT_USAGE;
}
