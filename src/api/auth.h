/* SPDX-License-Identifier: Apache-2.0 */
/* api/auth.h: API keys of the admin listener. The admin listener calls sl_auth_authorize for
 * every request except /healthz and /readyz, on its request threads; `sluice keys` uses the
 * key, hash and name helpers. Keys live in the store as SHA-256 hashes only. */
#ifndef SL_API_AUTH_H
#define SL_API_AUTH_H

#include "core/err.h"
#include "core/str.h"
#include "http/server.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

#define SL_APIKEY_PREFIX   "sk_"
#define SL_APIKEY_HEX      48                  /* 192 random bits */
#define SL_APIKEY_LEN      (3 + SL_APIKEY_HEX) /* "sk_" + 48 lowercase hex */
#define SL_APIKEY_HASH_LEN 64                  /* lowercase hex SHA-256 */
#define SL_APIKEY_NAME_MAX 64                  /* names: 1..64 of [A-Za-z0-9._-] */
#define SL_APIKEY_MAX_LEN  256                 /* longer presented keys are refused */

/* Write a fresh key ("sk_" + 48 lowercase hex from the OpenSSL CSPRNG) and a NUL into `out`
 * (at least SL_APIKEY_LEN + 1 bytes). */
void sl_auth_key_generate(char *out);

/* Write the lowercase hex SHA-256 of `key` and a NUL into `out` (SL_APIKEY_HASH_LEN + 1 bytes). */
void sl_auth_key_hash(sl_str key, char *out);

/* True when `name` is 1 to 64 characters of A-Z a-z 0-9 . _ - */
bool sl_auth_name_valid(const char *name);

/* Where a request's key came from. */
typedef enum sl_auth_source {
    SL_AUTH_NONE = 0,  /* no key presented */
    SL_AUTH_BEARER,    /* Authorization: Bearer KEY */
    SL_AUTH_X_API_KEY, /* x-api-key: KEY */
} sl_auth_source;

/* The key an admin request presents, from its Authorization and x-api-key header values
 * (either may be NULL). A Bearer Authorization (scheme case-insensitive) wins over x-api-key;
 * an Authorization of another scheme is ignored. Surrounding blanks are trimmed. Sets `key`
 * (borrowed from the header values; possibly empty) unless the answer is SL_AUTH_NONE. */
sl_auth_source sl_auth_presented_key(const char *authorization, const char *x_api_key, sl_str *key);

/* The rule behind the hook, without HTTP: true when the store has no key (the API is open) or
 * when the presented key's hash is in the store. Otherwise false with a reason a user can act
 * on in `why` (`cap` bytes). A store failure also refuses. Keys created or revoked take effect
 * at the next request: nothing is cached. */
bool sl_auth_check(sl_store *st, const char *authorization, const char *x_api_key, char *why,
                   size_t cap);

/* The admin listener's sl_http_config.authorize hook; `ud` is the sl_store. 0, 401, or 503 when
 * the store cannot be asked (then the client should retry; a 401 would make it drop its key). */
unsigned sl_auth_authorize(sl_http_req *req, void *ud, char *why, size_t cap);

/* True when `host` (without brackets or port) is a loopback address: 127.0.0.0/8, ::1,
 * ::ffff:127.x.y.z or "localhost" (any case). */
bool sl_auth_host_is_loopback(const char *host);

#endif
