/* SPDX-License-Identifier: Apache-2.0 */
/* collect/signature.h: Customer.io reporting-webhook signatures. X-CIO-Signature is the hex
 * HMAC-SHA256, keyed with the signing key's literal bytes, of "v0:" + X-CIO-Timestamp + ":" +
 * the raw body. Pure functions; safe from any thread. */
#ifndef SL_SIGNATURE_H
#define SL_SIGNATURE_H

#include "core/str.h"

#include <stddef.h>

/* Compute the lowercase hex signature of (`timestamp`, `body`) with `key` into `out`
 * (65 bytes). */
void sl_cio_sign(sl_str key, sl_str timestamp, sl_str body, char out[65]);

/* Check `signature` (64 hex digits, either case) against each of `keys[0..nkeys)` in constant
 * time per key. Returns the index of the first key that matches, or -1 when the signature is
 * malformed or matches none. Every key is tried, so timing does not tell which one matched. */
int sl_cio_verify(const sl_str *keys, size_t nkeys, sl_str timestamp, sl_str body,
                  sl_str signature);

#endif
