/* SPDX-License-Identifier: Apache-2.0 */
/* core/ids.h: random identifiers in the shapes of the contract (UUIDs for flows and
 * connections, 64 hex for inlets, 24 hex for datasets, 32 hex for mapping sets and schemas).
 * Drawn from the OpenSSL CSPRNG; thread-safe. */
#ifndef SL_IDS_H
#define SL_IDS_H

#include <stddef.h>

#define SL_UUID_LEN 36

/* Write a random version-4 UUID and a NUL into `out` (at least 37 bytes). */
void sl_id_uuid(char *out);

/* Write a name-based UUID (SHA-256 of `name`, version 8 per RFC 9562) and a NUL into `out`:
 * the same name always gives the same id (run ids from flow and window). */
void sl_id_uuid_named(const char *name, char *out);

/* Write `nhex` random lowercase hex digits and a NUL into `out` (at least nhex + 1 bytes). */
void sl_id_hex(char *out, size_t nhex);

/* Lowercase hex of `len` bytes into `out` (2 * len + 1 bytes). */
void sl_hex_encode(const unsigned char *in, size_t len, char *out);

#endif
