/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_hashing.c: the hashing functions of the Data Prep catalogue.
 *
 * The input is first encoded in the requested character set, as Java's String.getBytes does
 * (UTF-16 with a big-endian byte-order mark; a character that ISO-8859-1 or US-ASCII cannot
 * hold becomes '?'), then hashed with OpenSSL. Digests are lowercase hex. */
#include "mapping/func.h"
#include "mapping/funcs_int.h"

#include <openssl/evp.h>
#include <pthread.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

typedef enum charset { CS_UTF8, CS_UTF16, CS_LATIN1, CS_ASCII } charset;

/* The bytes of `in` in charset `cs`, in cx->arena. UTF-8 input that is well formed is
 * returned as it is. */
static const unsigned char *encode(sl_fn_ctx *cx, const sl_val *in, charset cs, size_t *n)
{
    const char *s = in->u.s.ptr;
    size_t len = in->u.s.len;
    size_t i = 0;
    size_t k = 0;
    if (cs == CS_UTF8) {
        /* Re-encode only when an ill-formed byte must become U+FFFD (EF BF BD). */
        unsigned char *buf = sl_arena_alloc(cx->arena, len * 3 + 1);
        while (i < len) {
            size_t at = i;
            int32_t c = sl__fn_utf8_next(s, len, &i);
            if (c == 0xFFFD && i - at == 1) {
                buf[k++] = 0xEF;
                buf[k++] = 0xBF;
                buf[k++] = 0xBD;
            } else {
                memcpy(buf + k, s + at, i - at);
                k += i - at;
            }
        }
        *n = k;
        return buf;
    }
    /* UTF-16 needs 2 bytes for the mark plus at most 4 bytes per input byte. */
    unsigned char *buf = sl_arena_alloc(cx->arena, len * 4 + 2);
    if (cs == CS_UTF16 && len > 0) {
        buf[k++] = 0xFE;
        buf[k++] = 0xFF;
    }
    while (i < len) {
        int32_t c = sl__fn_utf8_next(s, len, &i);
        if (cs == CS_UTF16) {
            if (c >= 0x10000) {
                int32_t v = c - 0x10000;
                int32_t hi = 0xD800 + (v >> 10);
                int32_t lo = 0xDC00 + (v & 0x3FF);
                buf[k++] = (unsigned char)(hi >> 8);
                buf[k++] = (unsigned char)(hi & 0xFF);
                buf[k++] = (unsigned char)(lo >> 8);
                buf[k++] = (unsigned char)(lo & 0xFF);
            } else {
                buf[k++] = (unsigned char)(c >> 8);
                buf[k++] = (unsigned char)(c & 0xFF);
            }
        } else {
            int32_t max = cs == CS_LATIN1 ? 0xFF : 0x7F;
            buf[k++] = c <= max ? (unsigned char)c : (unsigned char)'?';
        }
    }
    *n = k;
    return buf;
}

/* INPUT and the optional CHARSET as bytes to hash. */
static bool input_bytes(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const char *fn,
                        const unsigned char **bytes, size_t *n, sl_err *err)
{
    static const struct {
        const char *name;
        charset cs;
    } names[] = {
        {"UTF-8", CS_UTF8},
        {"UTF-16", CS_UTF16},
        {"ISO-8859-1", CS_LATIN1},
        {"US-ASCII", CS_ASCII},
    };
    sl_val_type t = args[0]->type;
    if (t == SL_VAL_ARRAY || t == SL_VAL_OBJECT || t == SL_VAL_LAMBDA) {
        (void)sl_fn_fail(err, fn, "INPUT must be a string, not %s", sl_val_type_name(t));
        return false;
    }
    charset cs = CS_UTF8;
    if (nargs > 1) {
        const sl_val *name = args[1];
        bool known = false;
        for (size_t i = 0; name->type == SL_VAL_STRING && i < sizeof(names) / sizeof(names[0]);
             i++) {
            if (strcasecmp(name->u.s.ptr, names[i].name) == 0) {
                cs = names[i].cs;
                known = true;
            }
        }
        if (!known) {
            const sl_val *shown = sl_fn_str(cx, name);
            (void)sl_fn_fail(err, fn,
                             "CHARSET must be UTF-8, UTF-16, ISO-8859-1 or US-ASCII, not \"%.40s\"",
                             shown != NULL ? shown->u.s.ptr : "");
            return false;
        }
    }
    *bytes = encode(cx, sl_fn_str(cx, args[0]), cs, n);
    return true;
}

static const char hex_digits[] = "0123456789abcdef";

static const sl_val *hex(sl_fn_ctx *cx, const unsigned char *b, size_t n)
{
    char *buf = sl_arena_alloc(cx->arena, n * 2 + 1);
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = hex_digits[b[i] >> 4];
        buf[2 * i + 1] = hex_digits[b[i] & 0x0F];
    }
    buf[n * 2] = '\0';
    return sl_val_str_owned(cx->arena, buf, n * 2);
}

static int digest(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const EVP_MD *md,
                  const char *fn, const sl_val **out, sl_err *err)
{
    const unsigned char *bytes = NULL;
    size_t n = 0;
    unsigned char sum[EVP_MAX_MD_SIZE];
    unsigned int sum_len = 0;
    if (!input_bytes(cx, args, nargs, fn, &bytes, &n, err)) {
        return err->code;
    }
    if (EVP_Digest(bytes, n, sum, &sum_len, md, NULL) != 1) {
        return sl_fn_fail(err, fn, "the digest could not be computed");
    }
    *out = hex(cx, sum, sum_len);
    return SL_OK;
}

static int fn_sha1(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                   sl_err *err)
{
    return digest(cx, args, nargs, EVP_sha1(), "sha1", out, err);
}

static int fn_sha256(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                     sl_err *err)
{
    return digest(cx, args, nargs, EVP_sha256(), "sha256", out, err);
}

static int fn_sha512(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                     sl_err *err)
{
    return digest(cx, args, nargs, EVP_sha512(), "sha512", out, err);
}

static int fn_md5(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                  sl_err *err)
{
    return digest(cx, args, nargs, EVP_md5(), "md5", out, err);
}

/* CRC-32 (ISO-HDLC, the one of zlib and java.util.zip.CRC32): reflected polynomial
 * 0xEDB88320, table built once. */
static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[i] = c;
    }
}

static int fn_crc32(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                    sl_err *err)
{
    const unsigned char *bytes = NULL;
    size_t n = 0;
    if (!input_bytes(cx, args, nargs, "crc32", &bytes, &n, err)) {
        return err->code;
    }
    (void)pthread_once(&crc_once, crc_init);
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c = crc_table[(c ^ bytes[i]) & 0xFFu] ^ (c >> 8);
    }
    c ^= 0xFFFFFFFFu;
    /* AEP prints the four bytes least significant first: "my text" has CRC-32 0x802ef98d
     * and its documented crc32 is "8df92e80". */
    unsigned char le[4] = {(unsigned char)(c & 0xFF), (unsigned char)((c >> 8) & 0xFF),
                           (unsigned char)((c >> 16) & 0xFF), (unsigned char)(c >> 24)};
    *out = hex(cx, le, sizeof(le));
    return SL_OK;
}

#define HASH_PARAMS                                                                                \
    "INPUT: the text to hash; CHARSET: optional, the character set the text is encoded in "        \
    "before hashing, one of UTF-8 (default), UTF-16, ISO-8859-1 and US-ASCII"

#define HASH_NOTES                                                                                 \
    " CHARSET names are case-insensitive; UTF-16 is big-endian with a byte-order mark, and a "     \
    "character that ISO-8859-1 or US-ASCII cannot hold is hashed as '?', as Java encodes. "        \
    "Numbers and booleans are hashed as their text."

const sl_func sl_funcs_hashing[] = {
    {"sha1", "Hashing", 1, 2, fn_sha1, 0, "String sha1(String, String)", HASH_PARAMS, "String",
     "sha1(\"my text\", \"UTF-8\")", "c3599c11e47719df18a2448690840c5dfcce3c80",
     "Hashes INPUT with SHA-1 and returns the digest as 40 lowercase hex digits." HASH_NOTES},
    {"sha256", "Hashing", 1, 2, fn_sha256, 0, "String sha256(String, String)", HASH_PARAMS,
     "String", "sha256(\"my text\", \"UTF-8\")",
     "7330d2b39ca35eaf4cb95fc846c21ee6a39af698154a83a586ee270a0d372104",
     "Hashes INPUT with SHA-256 and returns the digest as 64 lowercase hex digits." HASH_NOTES},
    {"sha512", "Hashing", 1, 2, fn_sha512, 0, "String sha512(String, String)", HASH_PARAMS,
     "String", "sha512(\"my text\", \"UTF-8\")",
     "a3d7e45a0d9be5fd4e4b9a3b8c9c2163c21ef708bf11b4232bb21d2a8704ada2cdcd7b367dd0788a89a5c908cfe3"
     "77aceb1072a7b386b7d4fd2ff68a8fd24d16",
     "Hashes INPUT with SHA-512 and returns the digest as 128 lowercase hex digits." HASH_NOTES},
    {"md5", "Hashing", 1, 2, fn_md5, 0, "String md5(String, String)", HASH_PARAMS, "String",
     "md5(\"my text\", \"UTF-8\")", "d3b96ce8c9fb4e9bd0198d03ba6852c7",
     "Hashes INPUT with MD5 and returns the digest as 32 lowercase hex digits." HASH_NOTES},
    {"crc32", "Hashing", 1, 2, fn_crc32, 0, "String crc32(String, String)", HASH_PARAMS, "String",
     "crc32(\"my text\", \"UTF-8\")", "8df92e80",
     "Computes the CRC-32 of INPUT (the zlib polynomial) and returns its four bytes as 8 "
     "lowercase hex digits, least significant byte first, as AEP does: the documented "
     "8df92e80 is the standard CRC-32 802ef98d of \"my text\" byte-reversed." HASH_NOTES},
    {0},
};
