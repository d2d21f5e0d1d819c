/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz/fuzz_webhook_verify.c: X-CIO-Signature verification on arbitrary headers and bodies.
 * Input: keys '\n' timestamp '\n' signature '\n' body, where keys is a ','-separated list of
 * signing keys (rotation). Missing parts are empty; the body may hold anything. */
#include "collect/signature.h"
#include "core/limits.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next '\n'-terminated part of `*rest` (the whole remainder for the last part). */
static sl_str take(sl_str *rest, int last)
{
    sl_str part = *rest;
    const char *nl = last ? NULL : memchr(rest->ptr, '\n', rest->len);
    if (nl == NULL) {
        rest->ptr += rest->len;
        rest->len = 0;
        return part;
    }
    part.len = (size_t)(nl - rest->ptr);
    rest->ptr = nl + 1;
    rest->len -= part.len + 1;
    return part;
}

static size_t split_keys(sl_str keys, sl_str *out)
{
    size_t n = 0;
    while (n < SL_MAX_SIGNING_KEYS) {
        const char *comma = memchr(keys.ptr, ',', keys.len);
        out[n].ptr = keys.ptr;
        out[n].len = comma != NULL ? (size_t)(comma - keys.ptr) : keys.len;
        n++;
        if (comma == NULL) {
            break;
        }
        keys.len -= out[n - 1].len + 1;
        keys.ptr = comma + 1;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char nothing[1] = "";
    sl_str rest = {size != 0 ? (const char *)data : nothing, size};
    sl_str keys_part = take(&rest, 0);
    sl_str ts = take(&rest, 0);
    sl_str sig = take(&rest, 0);
    sl_str body = take(&rest, 1);
    sl_str keys[SL_MAX_SIGNING_KEYS];
    size_t nkeys = split_keys(keys_part, keys);

    int found = sl_cio_verify(keys, nkeys, ts, body, sig);
    if (found < -1 || found >= (int)nkeys) {
        abort();
    }

    /* Properties: what we sign with the first key verifies at the first index holding that
     * key, in either case; one flipped digit never verifies with the same key alone. */
    char good[65];
    sl_cio_sign(keys[0], ts, body, good);
    if (strlen(good) != 64 || sl_cio_verify(keys, nkeys, ts, body, sl_str_c(good)) != 0) {
        abort();
    }
    for (size_t i = 0; i < 64; i++) {
        good[i] = (char)toupper((unsigned char)good[i]);
    }
    if (sl_cio_verify(keys, 1, ts, body, sl_str_c(good)) != 0) {
        abort();
    }
    good[0] = good[0] == '0' ? '1' : '0';
    if (sl_cio_verify(keys, 1, ts, body, sl_str_c(good)) != -1) {
        abort();
    }
    return 0;
}
