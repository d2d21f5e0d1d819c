/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_util.c: helpers shared by the funcs_*.c category files (funcs_int.h). */
#include "mapping/funcs_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Limits for one pcre2_match: enough for any sane pattern over a collected value. */
#define SL_REGEX_MATCH_LIMIT 1000000u
#define SL_REGEX_DEPTH_LIMIT 10000u
#define SL_REGEX_HEAP_KIB    16384u

const char *sl__fn_describe(const sl_val *v, char *buf, size_t cap)
{
    size_t n;
    switch (v->type) {
    case SL_VAL_STRING:
        n = v->u.s.len > 40 ? 40 : v->u.s.len;
        /* Never cut a UTF-8 sequence in half. */
        while (n < v->u.s.len && n > 0 && ((unsigned char)v->u.s.ptr[n] & 0xC0) == 0x80) {
            n--;
        }
        (void)snprintf(buf, cap, "string \"%.*s%s\"", (int)n, v->u.s.ptr,
                       n < v->u.s.len ? "..." : "");
        return buf;
    case SL_VAL_INT:
        (void)snprintf(buf, cap, "integer %" PRId64, v->u.i);
        return buf;
    case SL_VAL_DOUBLE:
        (void)snprintf(buf, cap, "decimal %g", v->u.d);
        return buf;
    case SL_VAL_BOOL:
        (void)snprintf(buf, cap, "boolean %s", v->u.b ? "true" : "false");
        return buf;
    default:
        return sl_val_type_name(v->type);
    }
}

int sl__fn_text_arg(sl_fn_ctx *cx, const sl_val *v, const char *fn, const char *param,
                    const sl_val **out, sl_err *err)
{
    char b[64];
    const sl_val *s = NULL;
    if (v->type != SL_VAL_ARRAY && v->type != SL_VAL_OBJECT && v->type != SL_VAL_LAMBDA) {
        s = sl_fn_str(cx, v); /* NULL for null */
    }
    if (s == NULL) {
        (void)sl_fn_fail(err, fn, "%s must be a string, not %s", param,
                         sl__fn_describe(v, b, sizeof(b)));
        return SL_EINVAL;
    }
    *out = s;
    return SL_OK;
}

int32_t sl__fn_utf8_next(const char *s, size_t len, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = len - *i;
    unsigned char b = p[0];
    int32_t cp;
    size_t n;
    int32_t min;
    if (b < 0x80) {
        *i += 1;
        return b;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
        cp = b & 0x1F;
        min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        cp = b & 0x0F;
        min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        cp = b & 0x07;
        min = 0x10000;
    } else {
        *i += 1;
        return 0xFFFD;
    }
    if (left < n) {
        *i += 1;
        return 0xFFFD;
    }
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            *i += 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *i += 1;
        return 0xFFFD;
    }
    *i += n;
    return cp;
}

int sl__fn_regex_open(sl_fn_regex *r, const sl_val *pattern, uint32_t extra, const char *fn,
                      sl_err *err)
{
    int ec = 0;
    PCRE2_SIZE at = 0;
    memset(r, 0, sizeof(*r));
    r->code = pcre2_compile((PCRE2_SPTR)pattern->u.s.ptr, pattern->u.s.len,
                            PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C | extra,
                            &ec, &at, NULL);
    if (r->code == NULL) {
        PCRE2_UCHAR msg[120];
        (void)pcre2_get_error_message(ec, msg, sizeof(msg));
        return sl_fn_fail(err, fn,
                          "REGEX \"%.60s\" is not a valid regular expression at offset %zu: %s",
                          pattern->u.s.ptr, (size_t)at, (const char *)msg);
    }
    r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
    r->mc = pcre2_match_context_create(NULL);
    (void)pcre2_set_match_limit(r->mc, SL_REGEX_MATCH_LIMIT);
    (void)pcre2_set_depth_limit(r->mc, SL_REGEX_DEPTH_LIMIT);
    (void)pcre2_set_heap_limit(r->mc, SL_REGEX_HEAP_KIB);
    return SL_OK;
}

void sl__fn_regex_close(sl_fn_regex *r)
{
    pcre2_match_context_free(r->mc); /* all three are NULL-safe */
    pcre2_match_data_free(r->md);
    pcre2_code_free(r->code);
}
