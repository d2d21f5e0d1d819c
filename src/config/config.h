/* SPDX-License-Identifier: Apache-2.0 */
/* config/config.h: sluice's settings, from built-in defaults < YAML file < SLUICE_* environment
 * < command-line flags. Every option is a row of config/options.def. Loaded once in main()
 * before any thread starts; read-only afterwards. */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include "core/str.h"

#include <stdio.h>

typedef struct sl_strlist {
    char **items; /* owned */
    size_t len;
} sl_strlist;

typedef struct sl_config {
    char *config_file; /* --config / SLUICE_CONFIG; NULL when none */
#define SL_CFG_STR                                          char *
#define SL_CFG_HOSTPORT                                     char *
#define SL_CFG_URL                                          char *
#define SL_CFG_ENUM                                         char *
#define SL_CFG_INT                                          long long
#define SL_CFG_LIST                                         sl_strlist
#define X(field, type, flag, env, yaml, def, min, max, doc) SL_CFG_##type field;
#include "config/options.def"
#undef X
    /* Which options were set, and where: 0 default, 1 file, 2 env, 3 flag. A source never
     * overrides a later one in that order, whichever order the apply functions run in.
     * Values derived by sl_config_finish keep 0. */
#define X(field, type, flag, env, yaml, def, min, max, doc) unsigned char field##_src;
#include "config/options.def"
#undef X
} sl_config;

/* Fill `c` with the built-in defaults. */
void sl_config_init(sl_config *c);

/* Release everything `c` owns and zero it; `c` may then be initialised again. */
void sl_config_fini(sl_config *c);

/* Apply a YAML document (the text of file `name`, at most SL_MAX_CONFIG_BYTES). Nested
 * mappings give the dotted keys of options.def: `admin: {listen: ...}` sets admin.listen. A
 * LIST takes a sequence of strings or one comma-separated string. Each problem is appended to
 * `problems` as one line "name:line: message\n" (unknown key, duplicate key, wrong type, value
 * out of range, bad YAML), naming the key, what was found and what was expected. A rejected
 * value leaves the option unchanged; reading goes on, up to 100 problems per call. Returns
 * the number of problems. */
int sl_config_apply_yaml(sl_config *c, const char *name, const char *text, size_t len,
                         sl_buf *problems);

/* Read and apply the YAML file `path` (at most SL_MAX_CONFIG_BYTES). Problems as above;
 * an unreadable file is one problem "path: cannot read: reason". */
int sl_config_apply_file(sl_config *c, const char *path, sl_buf *problems);

/* Apply SLUICE_* variables from `envp` (NULL-terminated "K=V" strings). A LIST is
 * comma-separated, entries trimmed, empty entries dropped. An empty value counts as unset.
 * Unknown SLUICE_* names are ignored except SLUICE_CONFIG, which is stored in config_file
 * unless --config already set it (the caller reads the file). Problems as
 * "SLUICE_X: message". */
int sl_config_apply_env(sl_config *c, char *const *envp, sl_buf *problems);

/* Apply `--flag value` / `--flag=value` arguments argv[0..argc) (argv[0] is the first
 * argument, not the program name). An argument starting with "--" is never taken as the
 * previous flag's value. Unknown flags, stray arguments and missing values are problems
 * ("--flag: message"). `--config` is accepted and stored. Returns the number of problems. */
int sl_config_apply_args(sl_config *c, int argc, char **argv, sl_buf *problems);

/* Derive defaults that depend on others (store = "sqlite:{data}/sluice.db", public_url =
 * "http://{collect_listen}"; both keep _src 0), strip one trailing '/' from public_url and
 * admin_public_url, and check cross-field rules (data is not empty, listen addresses parse).
 * Problems as "option: message", the option named as the source that set it. Returns the
 * number of problems. */
int sl_config_finish(sl_config *c, sl_buf *problems);

/* Print the option table (flag, env, YAML key, default, doc) for --help. */
void sl_config_print_help(FILE *out);

/* Split "host:port" or "[v6]:port" into host (without brackets) and port (0..65535; 0 means
 * any free port). `host` may be NULL to only check `s`. Returns 0, or -1 when malformed or
 * when the host does not fit in `host_cap` bytes. */
int sl_config_split_hostport(const char *s, char *host, size_t host_cap, unsigned *port);

#endif
