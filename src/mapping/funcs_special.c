/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_special.c: the "Special operations" of the Data Prep catalogue: uuid/guid
 * (random version-4 UUIDs from OpenSSL's CSPRNG) and fpid_to_ecid, which sluice lists but
 * refuses because Adobe has not published its algorithm. */
#include "mapping/func.h"

#include <openssl/rand.h>

/* A random (version 4, RFC 9562 variant) UUID in lower-case 8-4-4-4-12 form. */
static int fn_uuid(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                   sl_err *err)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    (void)args;
    (void)nargs;
    if (RAND_bytes(b, (int)sizeof(b)) != 1) {
        return sl_fn_fail(err, "uuid", "the random number generator failed");
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10xx */
    char *s = sl_arena_alloc(cx->arena, 37);
    size_t n = 0;
    for (size_t i = 0; i < sizeof(b); i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            s[n++] = '-';
        }
        s[n++] = hex[b[i] >> 4];
        s[n++] = hex[b[i] & 0x0f];
    }
    s[n] = '\0';
    *out = sl_val_str_owned(cx->arena, s, n);
    return SL_OK;
}

/* Never reached through a mapping: the row is SL_FN_UNSUPPORTED, so compilation refuses it. */
static int fn_fpid_to_ecid(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                           const sl_val **out, sl_err *err)
{
    (void)cx;
    (void)args;
    (void)nargs;
    (void)out;
    return sl_fn_fail(err, "fpid_to_ecid",
                      "not supported: Adobe has not published how an FPID maps to an ECID");
}

#define SL_UUID_DESC                                                                               \
    "Generates a pseudo-random ID: a version-4 UUID (122 random bits from OpenSSL's RAND_bytes) "  \
    "in lower-case 8-4-4-4-12 hexadecimal form. Every call returns a new value."

const sl_func sl_funcs_special[] = {
    {
        .name = "uuid",
        .category = "Special operations",
        .min_args = 0,
        .max_args = 0,
        .impl = fn_uuid,
        .flags = SL_FN_VOLATILE,
        .syntax = "String uuid()",
        .params = "",
        .return_type = "String",
        .example = "uuid()",
        .result = "7c0267d2-bb74-4e1a-9275-3bf4fccda5f4",
        .description = SL_UUID_DESC " guid() is the same function.",
    },
    {
        .name = "guid",
        .category = "Special operations",
        .min_args = 0,
        .max_args = 0,
        .impl = fn_uuid,
        .flags = SL_FN_VOLATILE,
        .syntax = "String guid()",
        .params = "",
        .return_type = "String",
        .example = "guid()",
        .result = "c7016dc7-3163-43f7-afc7-2e1c9c206333",
        .description = SL_UUID_DESC " uuid() is the same function.",
    },
    {
        .name = "fpid_to_ecid",
        .category = "Special operations",
        .min_args = 1,
        .max_args = 1,
        .impl = fn_fpid_to_ecid,
        .flags = SL_FN_UNSUPPORTED,
        .syntax = "String fpid_to_ecid(String)",
        .params = "STRING: the first-party device ID (FPID) to convert",
        .return_type = "String",
        .example = "fpid_to_ecid(\"4ed70bee-b654-420a-a3fd-b58b6b65e991\")",
        .result = "\"28880788470263023831040523038280731744\"",
        .description = "Adobe has not published how an FPID becomes an ECID, so sluice does not "
                       "support fpid_to_ecid: a mapping that calls it is refused when it is "
                       "compiled rather than computed with a guess. In AEP it converts a "
                       "first-party device ID into a 38-digit Experience Cloud ID (ECID); the "
                       "result shown is AEP's documented output.",
    },
    {0},
};
