/* SPDX-License-Identifier: Apache-2.0 */
/* cli/keys.c: `sluice keys create|list|revoke`: manage the admin API's keys directly in the
 * store, with or without a running server (a running server sees the change at its next
 * request). The store is found with the same configuration loading as `serve`. */
#include "api/auth.h"
#include "cli/cli.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXIT_FAIL 1

static const char store_help[] =
    "Store options (the same configuration loading as 'sluice serve'):\n"
    "  --data DIR      data directory; the store is sqlite:DIR/sluice.db (default ./data)\n"
    "  --store URL     store URL: sqlite:PATH or postgres://...\n"
    "  --config FILE   YAML configuration file (its data and store keys)\n"
    "SLUICE_DATA, SLUICE_STORE and SLUICE_CONFIG work as for serve.\n";

static void usage(FILE *out)
{
    (void)fprintf(out,
                  "usage: sluice keys <create|list|revoke> [options]\n\n"
                  "Manage the API keys of the admin listener, directly in the store (no server\n"
                  "needed; a running server sees changes at its next request).\n\n"
                  "  create --name NAME   create a key and print it (only the key, on stdout);\n"
                  "                       it is shown once: only its SHA-256 is stored\n"
                  "  list [--json]        list key names and creation times\n"
                  "  revoke NAME          delete a key; requests with it are refused at once\n\n"
                  "Keys are 'sk_' followed by 48 lowercase hex digits (192 random bits).\n"
                  "With at least one key, every admin request except /healthz and /readyz needs\n"
                  "'Authorization: Bearer KEY' or 'x-api-key: KEY'. Without keys the admin API is\n"
                  "open, and serve refuses to start it on a non-loopback address.\n\n%s",
                  store_help);
}

/* The subcommand's own arguments, separated from the configuration flags. */
typedef struct keys_args {
    const char *name; /* --name for create, the positional NAME for revoke */
    int json;         /* list --json */
    int help;
    int cfg_argc;
    char **cfg_argv; /* owned array, borrowed strings */
} keys_args;

/* Take --name/--json/--help and, for revoke, one positional NAME; pass everything else on to
 * the configuration loader, which reports unknown flags. Returns 0 or a usage problem. */
static int split_args(const char *cmd, int argc, char **argv, keys_args *ka)
{
    bool positional = strcmp(cmd, "revoke") == 0;
    bool takes_name = strcmp(cmd, "create") == 0;
    bool takes_json = strcmp(cmd, "list") == 0;
    ka->cfg_argv = sl_xcalloc((size_t)argc + 1, sizeof(char *));
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            ka->help = 1;
        } else if (takes_name && strcmp(a, "--name") == 0) {
            if (i + 1 >= argc) {
                (void)fprintf(stderr, "sluice keys %s: --name needs a value\n", cmd);
                return -1;
            }
            ka->name = argv[++i];
        } else if (takes_name && strncmp(a, "--name=", 7) == 0) {
            ka->name = a + 7;
        } else if (takes_json && strcmp(a, "--json") == 0) {
            ka->json = 1;
        } else if (a[0] != '-' && !positional) {
            (void)fprintf(stderr, "sluice keys %s: unexpected argument '%s'%s\n", cmd, a,
                          takes_name ? " (the name goes with --name NAME)" : "");
            return -1;
        } else if (positional && a[0] != '-') {
            if (ka->name != NULL) {
                (void)fprintf(stderr, "sluice keys %s: one NAME only (got '%s' and '%s')\n", cmd,
                              ka->name, a);
                return -1;
            }
            ka->name = a;
        } else if (strncmp(a, "--", 2) == 0 && strchr(a, '=') == NULL && i + 1 < argc &&
                   strncmp(argv[i + 1], "--", 2) != 0) {
            /* a configuration flag and its value */
            ka->cfg_argv[ka->cfg_argc++] = argv[i];
            ka->cfg_argv[ka->cfg_argc++] = argv[++i];
        } else {
            ka->cfg_argv[ka->cfg_argc++] = argv[i];
        }
    }
    return 0;
}

static int make_dir(const char *path)
{
    char buf[4096];
    (void)snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0750) != 0 && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    return mkdir(buf, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

/* Load the configuration and open the store. `create_dir`: make the data directory first when
 * the store lives in it (a key may be created before the first serve). NULL on failure, with
 * the reason printed. */
static sl_store *open_store(const char *cmd, int argc, char **argv, bool create_dir)
{
    sl_config cfg;
    sl_store *st = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_cli_load_config(&cfg, argc, argv) != 0) {
        goto out;
    }
    sl_log_level lvl = SL_LOG_LEVEL_WARN; /* keep the output of a command short */
    if (cfg.log_level_src != 0) {
        (void)sl_log_level_parse(cfg.log_level, &lvl);
    }
    sl_log_threshold = (int)lvl;
    (void)sl_log_format_set(cfg.log_format);
    if (create_dir && cfg.store_src == 0 && make_dir(cfg.data) != 0) {
        (void)fprintf(stderr, "sluice keys %s: cannot create the data directory %s: %s\n", cmd,
                      cfg.data, strerror(errno));
        goto out;
    }
    st = sl_store_open(cfg.store, &err);
    if (st == NULL) {
        (void)fprintf(stderr, "sluice keys %s: cannot open the store%s%s: %s\n", cmd,
                      cfg.store_src == 0 ? " in " : "", cfg.store_src == 0 ? cfg.data : "",
                      err.msg);
    }
out:
    sl_config_fini(&cfg);
    return st;
}

static int keys_create(const keys_args *ka)
{
    if (ka->name == NULL) {
        (void)fprintf(stderr, "sluice keys create: --name NAME is required\n");
        return SL_EXIT_USAGE;
    }
    if (!sl_auth_name_valid(ka->name)) {
        (void)fprintf(stderr,
                      "sluice keys create: invalid name '%s': use 1 to %d characters from "
                      "A-Z a-z 0-9 . _ -\n",
                      ka->name, SL_APIKEY_NAME_MAX);
        return SL_EXIT_USAGE;
    }
    sl_store *st = open_store("create", ka->cfg_argc, ka->cfg_argv, true);
    if (st == NULL) {
        return EXIT_FAIL;
    }
    char key[SL_APIKEY_LEN + 1];
    char hash[SL_APIKEY_HASH_LEN + 1];
    sl_auth_key_generate(key);
    sl_auth_key_hash(sl_str_c(key), hash);
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_store_apikey_put(st, ka->name, hash, &err);
    sl_store_close(st);
    if (rc != SL_OK) {
        (void)fprintf(stderr, "sluice keys create: %s\n", err.msg);
        return EXIT_FAIL;
    }
    printf("%s\n", key);
    if (fflush(stdout) != 0) {
        return EXIT_FAIL;
    }
    (void)fprintf(stderr,
                  "created API key '%s'; copy it now: it is not stored and cannot be shown again\n",
                  ka->name);
    return 0;
}

static int keys_list(const keys_args *ka)
{
    sl_store *st = open_store("list", ka->cfg_argc, ka->cfg_argv, false);
    if (st == NULL) {
        return EXIT_FAIL;
    }
    json_object *keys = NULL;
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_store_apikey_list(st, &keys, &err);
    sl_store_close(st);
    if (rc != SL_OK) {
        (void)fprintf(stderr, "sluice keys list: %s\n", err.msg);
        return EXIT_FAIL;
    }
    size_t n = json_object_array_length(keys);
    int width = 4; /* strlen("NAME") */
    for (size_t i = 0; i < n; i++) {
        json_object *k = json_object_array_get_idx(keys, i);
        int len = json_object_get_string_len(json_object_object_get(k, "name"));
        width = len > width ? len : width;
    }
    if (!ka->json) {
        printf("%-*s  %s\n", width, "NAME", "CREATED");
    }
    for (size_t i = 0; i < n; i++) {
        json_object *k = json_object_array_get_idx(keys, i);
        char when[40];
        (void)sl_iso8601_ms(json_object_get_int64(json_object_object_get(k, "created")), when,
                            sizeof(when));
        if (ka->json) {
            json_object_object_add(k, "created", json_object_new_string(when));
        } else {
            printf("%-*s  %s\n", width, json_object_get_string(json_object_object_get(k, "name")),
                   when);
        }
    }
    if (ka->json) {
        printf("%s\n", json_object_to_json_string_ext(keys, JSON_C_TO_STRING_PLAIN |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE));
    }
    json_object_put(keys);
    return fflush(stdout) == 0 ? 0 : EXIT_FAIL;
}

static int keys_revoke(const keys_args *ka)
{
    if (ka->name == NULL) {
        (void)fprintf(stderr, "sluice keys revoke: which key? usage: sluice keys revoke NAME\n");
        return SL_EXIT_USAGE;
    }
    sl_store *st = open_store("revoke", ka->cfg_argc, ka->cfg_argv, false);
    if (st == NULL) {
        return EXIT_FAIL;
    }
    sl_err err;
    sl_err_clear(&err);
    int64_t left = -1;
    int rc = sl_store_apikey_revoke(st, ka->name, &err);
    if (rc == SL_OK && sl_store_apikey_count(st, &left, &err) != SL_OK) {
        left = -1;
    }
    sl_store_close(st);
    if (rc == SL_ENOTFOUND) {
        (void)fprintf(stderr,
                      "sluice keys revoke: no API key named '%s' (see 'sluice keys list')\n",
                      ka->name);
        return EXIT_FAIL;
    }
    if (rc != SL_OK) {
        (void)fprintf(stderr, "sluice keys revoke: %s\n", err.msg);
        return EXIT_FAIL;
    }
    printf("revoked API key '%s'\n", ka->name);
    if (left == 0) {
        (void)fprintf(stderr, "no API keys left: the admin API is open again, and serve will not "
                              "start it on a non-loopback address\n");
    }
    return fflush(stdout) == 0 ? 0 : EXIT_FAIL;
}

static void sub_usage(const char *cmd)
{
    if (strcmp(cmd, "create") == 0) {
        printf(
            "usage: sluice keys create --name NAME [--data DIR | --store URL | --config FILE]\n\n"
            "Creates an API key for the admin listener and prints only the key on stdout.\n"
            "The key ('sk_' + 48 lowercase hex digits from the OpenSSL CSPRNG) is shown once:\n"
            "the store keeps only its SHA-256. NAME: 1 to %d characters from A-Z a-z 0-9 . _ -,\n"
            "unique. Exit status: 0, 64 for a bad or missing name, 1 when the name is taken.\n\n",
            SL_APIKEY_NAME_MAX);
    } else if (strcmp(cmd, "list") == 0) {
        printf(
            "usage: sluice keys list [--json] [--data DIR | --store URL | --config FILE]\n\n"
            "Prints a header line, then one line per key: its name and creation time\n"
            "(ISO-8601, UTC), oldest first. --json prints a JSON array of {\"name\",\"created\"}\n"
            "instead. Keys themselves cannot be shown: only their hashes are stored.\n\n");
    } else {
        printf("usage: sluice keys revoke NAME [--data DIR | --store URL | --config FILE]\n\n"
               "Deletes the key NAME; a running server refuses it from its next request on.\n"
               "Exit status: 0, or 1 when there is no key of that name.\n\n");
    }
    printf("%s", store_help);
}

int sl_cli_keys(int argc, char **argv)
{
    if (argc < 1) {
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    const char *cmd = argv[0];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "create") != 0 && strcmp(cmd, "list") != 0 && strcmp(cmd, "revoke") != 0) {
        (void)fprintf(stderr, "sluice keys: unknown subcommand '%s'\n\n", cmd);
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    keys_args ka = {0};
    int rc = split_args(cmd, argc - 1, argv + 1, &ka);
    if (rc != 0) {
        rc = SL_EXIT_USAGE;
    } else if (ka.help) {
        sub_usage(cmd);
    } else if (strcmp(cmd, "create") == 0) {
        rc = keys_create(&ka);
    } else if (strcmp(cmd, "list") == 0) {
        rc = keys_list(&ka);
    } else {
        rc = keys_revoke(&ka);
    }
    free(ka.cfg_argv);
    return rc;
}
