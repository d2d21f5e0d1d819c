/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int sl_cli_wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return 1;
        }
    }
    return 0;
}

/* The --config value on the command line, else SLUICE_CONFIG, else NULL. */
static const char *config_path(int argc, char **argv)
{
    const char *path = getenv("SLUICE_CONFIG");
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            path = argv[i + 1];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            path = argv[i] + 9;
        }
    }
    return path != NULL && path[0] != '\0' ? path : NULL;
}

int sl_cli_load_config(struct sl_config *cfg, int argc, char **argv)
{
    sl_buf problems = {0};
    int n = 0;
    sl_config_init(cfg);
    const char *path = config_path(argc, argv);
    if (path != NULL) {
        n += sl_config_apply_file(cfg, path, &problems);
    }
    n += sl_config_apply_env(cfg, environ, &problems);
    n += sl_config_apply_args(cfg, argc, argv, &problems);
    if (n == 0) {
        n += sl_config_finish(cfg, &problems);
    }
    if (n > 0) {
        (void)fputs(sl_buf_cstr(&problems), stderr);
    }
    sl_buf_fini(&problems);
    return n;
}
