/* SPDX-License-Identifier: Apache-2.0 */
/* cli/client.h: the admin API as the CLI's subcommands that work through it (replay, privacy)
 * call it: one request with libcurl to --admin (SLUICE_ADMIN, default 127.0.0.1:8080) with the
 * API key of --api-key or SLUICE_API_KEY. */
#ifndef SL_CLI_CLIENT_H
#define SL_CLI_CLIENT_H

#include "core/err.h"
#include "core/str.h"

typedef struct sl_cli_client {
    char base[512]; /* "http://127.0.0.1:8080" */
    const char *api_key;
} sl_cli_client;

/* Set up from `admin` (HOST:PORT or a URL; NULL: SLUICE_ADMIN or 127.0.0.1:8080) and `key`
 * (NULL: SLUICE_API_KEY or none). */
void sl_cli_client_init(sl_cli_client *c, const char *admin, const char *key);

/* One request; `body` may be NULL. The answer's status goes to `*status` and its body to
 * `resp`. Returns SL_OK when an answer came (whatever its status), else SL_EIO with curl's
 * message. */
int sl_cli_client_request(const sl_cli_client *c, const char *method, const char *path,
                          const char *body, long *status, sl_buf *resp, sl_err *err);

/* argv[*i] as option `name`: "--name=v" or "--name v" (then *i moves past v); NULL when it is
 * not that option. */
const char *sl_cli_opt(int argc, char **argv, int *i, const char *name);

/* Percent-encode `in` for a URL path segment or query value into `out` (`cap` bytes). */
void sl_cli_urlencode(const char *in, char *out, size_t cap);

/* Print a problem+json answer's detail (or the raw body) to stderr after `what`. */
void sl_cli_client_print_problem(const char *what, long status, const sl_buf *resp);

#endif
