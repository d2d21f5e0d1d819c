/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_string.c: the string functions of the Data Prep catalogue.
 *
 * Strings are UTF-8. Every position, count and length here counts characters (Unicode code
 * points), 0-based, as dataprep.md decides; bytes that are not well-formed UTF-8 count as one
 * character each. Case mapping is ICU's, in the root locale. */
#include "core/str.h"
#include "mapping/func.h"
#include "mapping/funcs_int.h"

#include <unicode/ucasemap.h>
#include <unicode/uchar.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* No string function builds a result larger than this: a replacestr or lpad with a huge
 * count must fail as a warning, not exhaust memory. */
#define SL_STR_MAX_RESULT ((size_t)16 * 1024 * 1024)

/* ---- UTF-8 ---- */

/* The byte offset of character `nchars` (or `len` when the string is shorter). */
static size_t utf8_offset(const char *s, size_t len, int64_t nchars)
{
    size_t i = 0;
    while (nchars > 0 && i < len) {
        (void)sl__fn_utf8_next(s, len, &i);
        nchars--;
    }
    return i;
}

static int64_t utf8_count(const char *s, size_t len)
{
    size_t i = 0;
    int64_t n = 0;
    while (i < len) {
        (void)sl__fn_utf8_next(s, len, &i);
        n++;
    }
    return n;
}

/* The first occurrence of `needle` in s[from..len), or -1. */
static int64_t bytes_find(const char *s, size_t len, size_t from, const char *needle, size_t nlen)
{
    if (nlen == 0) {
        return from <= len ? (int64_t)from : -1;
    }
    for (size_t i = from; i + nlen <= len; i++) {
        if (s[i] == needle[0] && memcmp(s + i, needle, nlen) == 0) {
            return (int64_t)i;
        }
    }
    return -1;
}

/* ---- arguments ---- */

/* The string view of argument `v` for parameter `param`: scalars convert (numbers, booleans,
 * date-times); arrays, objects and lambdas are refused. */
static bool str_arg(sl_fn_ctx *cx, const sl_val *v, const char *fn, const char *param,
                    const sl_val **out, sl_err *err)
{
    if (v->type == SL_VAL_ARRAY || v->type == SL_VAL_OBJECT || v->type == SL_VAL_LAMBDA) {
        (void)sl_fn_fail(err, fn, "%s must be a string, not %s", param, sl_val_type_name(v->type));
        return false;
    }
    *out = sl_fn_str(cx, v);
    return true;
}

static int too_big(sl_err *err, const char *fn)
{
    return sl_fn_fail(err, fn, "the result would be longer than %zu bytes", SL_STR_MAX_RESULT);
}

/* ---- concat ---- */

static int fn_concat(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                     sl_err *err)
{
    sl_str *parts = sl_arena_alloc(cx->arena, nargs * sizeof(sl_str));
    size_t total = 0;
    for (size_t i = 0; i < nargs; i++) {
        const sl_val *part = NULL;
        if (!str_arg(cx, args[i], "concat", "STRING", &part, err)) {
            return err->code;
        }
        parts[i].ptr = part->u.s.ptr;
        parts[i].len = part->u.s.len;
        total += part->u.s.len;
        if (total > SL_STR_MAX_RESULT) {
            return too_big(err, "concat");
        }
    }
    char *buf = sl_arena_alloc(cx->arena, total + 1);
    size_t n = 0;
    for (size_t i = 0; i < nargs; i++) {
        memcpy(buf + n, parts[i].ptr, parts[i].len);
        n += parts[i].len;
    }
    buf[n] = '\0';
    *out = sl_val_str_owned(cx->arena, buf, n);
    return SL_OK;
}

/* ---- explode: split on a regular expression ---- */

static void push_str(sl_fn_ctx *cx, sl_val *arr, const char *p, size_t len)
{
    sl_val_array_push(cx->arena, arr, sl_val_str(cx->arena, p, len));
}

/* Java's String.split(regex, -1): every part is kept, trailing empty ones too; a zero-width
 * match at the very start yields no leading empty part; after an empty match the search
 * resumes one character further on. */
static int explode_with(sl_fn_ctx *cx, sl_fn_regex *r, const sl_val *in, sl_val *arr, sl_err *err)
{
    const char *s = in->u.s.ptr;
    size_t len = in->u.s.len;
    size_t from = 0;
    size_t piece = 0;
    while (from <= len) {
        int rc = pcre2_match(r->code, (PCRE2_SPTR)s, len, from, 0, r->md, r->mc);
        if (rc == PCRE2_ERROR_NOMATCH) {
            break;
        }
        if (rc < 0) {
            PCRE2_UCHAR msg[120];
            (void)pcre2_get_error_message(rc, msg, sizeof(msg));
            return sl_fn_fail(err, "explode", "matching REGEX failed: %s", (const char *)msg);
        }
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
        size_t ms = ov[0];
        size_t me = ov[1];
        if (!(ms == 0 && me == 0)) {
            push_str(cx, arr, s + piece, ms - piece);
            piece = me;
        }
        if (me == ms) {
            if (me >= len) {
                break;
            }
            size_t next = me;
            (void)sl__fn_utf8_next(s, len, &next);
            from = next;
        } else {
            from = me;
        }
    }
    push_str(cx, arr, s + piece, len - piece);
    return SL_OK;
}

static int fn_explode(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                      sl_err *err)
{
    static const sl_val comma = {.type = SL_VAL_STRING, .u.s = {",", 1}};
    const sl_val *in = NULL;
    const sl_val *pattern = &comma;
    sl_fn_regex r;
    memset(&r, 0, sizeof(r));
    if (!str_arg(cx, args[0], "explode", "STRING", &in, err)) {
        return err->code;
    }
    if (nargs > 1 && !str_arg(cx, args[1], "explode", "REGEX", &pattern, err)) {
        return err->code;
    }
    int rc = sl__fn_regex_open(&r, pattern, 0, "explode", err);
    if (rc != SL_OK) {
        goto out;
    }
    sl_val *arr = sl_val_array_new(cx->arena, 4);
    rc = explode_with(cx, &r, in, arr, err);
    if (rc == SL_OK) {
        *out = arr;
    }
out:
    sl__fn_regex_close(&r);
    return rc;
}

/* ---- instr, replacestr, substr ---- */

static int fn_instr(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                    sl_err *err)
{
    const sl_val *in = NULL;
    const sl_val *sub = NULL;
    int64_t start = 0;
    int64_t occurrence = 1;
    if (!str_arg(cx, args[0], "instr", "INPUT", &in, err) ||
        !str_arg(cx, args[1], "instr", "SUBSTRING", &sub, err)) {
        return err->code;
    }
    if (nargs > 2 && !sl_fn_int(args[2], "instr", "START_POSITION", &start, err)) {
        return err->code;
    }
    if (nargs > 3 && !sl_fn_int(args[3], "instr", "OCCURRENCE", &occurrence, err)) {
        return err->code;
    }
    if (start < 0) {
        return sl_fn_fail(err, "instr", "START_POSITION must be 0 or more, not %lld",
                          (long long)start);
    }
    if (occurrence < 1) {
        return sl_fn_fail(err, "instr", "OCCURRENCE must be 1 or more, not %lld",
                          (long long)occurrence);
    }
    const char *s = in->u.s.ptr;
    size_t len = in->u.s.len;
    int64_t nchars = utf8_count(s, len);
    int64_t found = -1;
    if (start <= nchars) {
        size_t from = utf8_offset(s, len, start);
        /* Occurrences may overlap: the next search starts one character after a match. */
        for (int64_t k = 0; k < occurrence; k++) {
            found = bytes_find(s, len, from, sub->u.s.ptr, sub->u.s.len);
            if (found < 0 || sub->u.s.len == 0) {
                break;
            }
            from = (size_t)found;
            if (from < len) {
                (void)sl__fn_utf8_next(s, len, &from);
            } else {
                from = len + 1;
            }
        }
    }
    *out = sl_val_int(cx->arena, found < 0 ? -1 : utf8_count(s, (size_t)found));
    return SL_OK;
}

static int fn_replacestr(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                         sl_err *err)
{
    (void)nargs;
    const sl_val *in = NULL;
    const sl_val *find = NULL;
    const sl_val *repl = NULL;
    if (!str_arg(cx, args[0], "replacestr", "INPUT", &in, err) ||
        !str_arg(cx, args[1], "replacestr", "TO_FIND", &find, err) ||
        !str_arg(cx, args[2], "replacestr", "TO_REPLACE", &repl, err)) {
        return err->code;
    }
    if (find->u.s.len == 0) {
        *out = in;
        return SL_OK;
    }
    const char *s = in->u.s.ptr;
    size_t len = in->u.s.len;
    size_t hits = 0;
    for (int64_t at = bytes_find(s, len, 0, find->u.s.ptr, find->u.s.len); at >= 0;
         at = bytes_find(s, len, (size_t)at + find->u.s.len, find->u.s.ptr, find->u.s.len)) {
        hits++;
    }
    if (hits == 0) {
        *out = in;
        return SL_OK;
    }
    /* len - hits*flen + hits*rlen, checked against the limit before it can overflow. */
    size_t keep = len - hits * find->u.s.len;
    if (keep > SL_STR_MAX_RESULT ||
        (repl->u.s.len != 0 && hits > (SL_STR_MAX_RESULT - keep) / repl->u.s.len)) {
        return too_big(err, "replacestr");
    }
    size_t total = keep + hits * repl->u.s.len;
    char *buf = sl_arena_alloc(cx->arena, total + 1);
    size_t n = 0;
    size_t i = 0;
    for (int64_t at = bytes_find(s, len, 0, find->u.s.ptr, find->u.s.len); at >= 0;
         at = bytes_find(s, len, i, find->u.s.ptr, find->u.s.len)) {
        memcpy(buf + n, s + i, (size_t)at - i);
        n += (size_t)at - i;
        memcpy(buf + n, repl->u.s.ptr, repl->u.s.len);
        n += repl->u.s.len;
        i = (size_t)at + find->u.s.len;
    }
    memcpy(buf + n, s + i, len - i);
    n += len - i;
    buf[n] = '\0';
    *out = sl_val_str_owned(cx->arena, buf, n);
    return SL_OK;
}

static int fn_substr(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                     sl_err *err)
{
    (void)nargs;
    const sl_val *in = NULL;
    int64_t start = 0;
    int64_t count = 0;
    if (!str_arg(cx, args[0], "substr", "INPUT", &in, err) ||
        !sl_fn_int(args[1], "substr", "START_INDEX", &start, err) ||
        !sl_fn_int(args[2], "substr", "LENGTH", &count, err)) {
        return err->code;
    }
    if (start < 0) {
        return sl_fn_fail(err, "substr", "START_INDEX must be 0 or more, not %lld",
                          (long long)start);
    }
    if (count < 0) {
        return sl_fn_fail(err, "substr", "LENGTH must be 0 or more, not %lld", (long long)count);
    }
    const char *s = in->u.s.ptr;
    size_t len = in->u.s.len;
    size_t b = utf8_offset(s, len, start);
    size_t e = b + utf8_offset(s + b, len - b, count);
    *out = sl_val_str(cx->arena, s + b, e - b);
    return SL_OK;
}

/* ---- lower, upper ---- */

static int case_map(sl_fn_ctx *cx, const sl_val *v, bool upper, const char *fn, const sl_val **out,
                    sl_err *err)
{
    const sl_val *in = NULL;
    UErrorCode st = U_ZERO_ERROR;
    UCaseMap *csm = NULL;
    int rc = SL_OK;
    if (!str_arg(cx, v, fn, "INPUT", &in, err)) {
        return err->code;
    }
    if (in->u.s.len > SL_STR_MAX_RESULT / 3) {
        return too_big(err, fn);
    }
    csm = ucasemap_open("", 0, &st);
    if (U_FAILURE(st)) {
        rc = sl_fn_fail(err, fn, "case mapping is unavailable: %s", u_errorName(st));
        goto out;
    }
    /* Case mapping can grow a string ("ß" -> "SS"), but never beyond 3x in UTF-8. */
    int32_t cap = (int32_t)in->u.s.len * 3 + 1;
    char *buf = sl_arena_alloc(cx->arena, (size_t)cap);
    int32_t n = upper ? ucasemap_utf8ToUpper(csm, buf, cap, in->u.s.ptr, (int32_t)in->u.s.len, &st)
                      : ucasemap_utf8ToLower(csm, buf, cap, in->u.s.ptr, (int32_t)in->u.s.len, &st);
    if (U_FAILURE(st) || n < 0 || n >= cap) {
        rc = sl_fn_fail(err, fn, "case mapping failed: %s", u_errorName(st));
        goto out;
    }
    buf[n] = '\0';
    *out = sl_val_str_owned(cx->arena, buf, (size_t)n);
out:
    if (csm != NULL) {
        ucasemap_close(csm);
    }
    return rc;
}

static int fn_lower(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                    sl_err *err)
{
    (void)nargs;
    return case_map(cx, args[0], false, "lower", out, err);
}

static int fn_lcase(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                    sl_err *err)
{
    (void)nargs;
    return case_map(cx, args[0], false, "lcase", out, err);
}

static int fn_upper(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                    sl_err *err)
{
    (void)nargs;
    return case_map(cx, args[0], true, "upper", out, err);
}

static int fn_ucase(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                    sl_err *err)
{
    (void)nargs;
    return case_map(cx, args[0], true, "ucase", out, err);
}

/* ---- split, join ---- */

/* Whether the character s[i..j) is one of the characters of `seps`. */
static bool is_sep(const char *s, size_t i, size_t j, const sl_val *seps)
{
    size_t k = 0;
    while (k < seps->u.s.len) {
        size_t start = k;
        (void)sl__fn_utf8_next(seps->u.s.ptr, seps->u.s.len, &k);
        if (k - start == j - i && memcmp(seps->u.s.ptr + start, s + i, j - i) == 0) {
            return true;
        }
    }
    return false;
}

/* Apache Commons StringUtils.split(str, separatorChars): splits on any one of the separator
 * characters; runs of separators count as one and no empty part is ever returned. */
static int fn_split(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                    sl_err *err)
{
    (void)nargs;
    const sl_val *in = NULL;
    const sl_val *seps = NULL;
    if (!str_arg(cx, args[0], "split", "INPUT", &in, err) ||
        !str_arg(cx, args[1], "split", "SEPARATOR", &seps, err)) {
        return err->code;
    }
    const char *s = in->u.s.ptr;
    size_t len = in->u.s.len;
    sl_val *arr = sl_val_array_new(cx->arena, 4);
    size_t i = 0;
    size_t piece = 0;
    while (i < len) {
        size_t j = i;
        (void)sl__fn_utf8_next(s, len, &j);
        if (is_sep(s, i, j, seps)) {
            if (i > piece) {
                push_str(cx, arr, s + piece, i - piece);
            }
            piece = j;
        }
        i = j;
    }
    if (len > piece) {
        push_str(cx, arr, s + piece, len - piece);
    }
    *out = arr;
    return SL_OK;
}

static int fn_join(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                   sl_err *err)
{
    (void)nargs;
    const sl_val *sep = NULL;
    if (!str_arg(cx, args[0], "join", "SEPARATOR", &sep, err)) {
        return err->code;
    }
    const sl_val *objs = args[1];
    if (objs->type != SL_VAL_ARRAY) {
        return sl_fn_fail(err, "join", "OBJECTS must be an array, not %s",
                          sl_val_type_name(objs->type));
    }
    size_t n = objs->u.arr.len;
    /* A null element joins as an empty string (StringUtils.join); arrays and objects as their
     * JSON text. */
    sl_str *parts = sl_arena_calloc(cx->arena, n != 0 ? n : 1, sizeof(sl_str));
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const sl_val *item = objs->u.arr.items[i];
        if (item->type == SL_VAL_LAMBDA) {
            return sl_fn_fail(err, "join", "OBJECTS[%zu] is a lambda", i);
        }
        if (!sl_val_is_null(item)) {
            const sl_val *text = sl_fn_str(cx, item);
            parts[i].ptr = text->u.s.ptr;
            parts[i].len = text->u.s.len;
        }
        total += parts[i].len + (i > 0 ? sep->u.s.len : 0);
        if (total > SL_STR_MAX_RESULT) {
            return too_big(err, "join");
        }
    }
    char *buf = sl_arena_alloc(cx->arena, total + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            memcpy(buf + k, sep->u.s.ptr, sep->u.s.len);
            k += sep->u.s.len;
        }
        if (parts[i].len > 0) {
            memcpy(buf + k, parts[i].ptr, parts[i].len);
            k += parts[i].len;
        }
    }
    buf[k] = '\0';
    *out = sl_val_str_owned(cx->arena, buf, k);
    return SL_OK;
}

/* ---- lpad, rpad ---- */

/* Called with nulls (SL_FN_TAKES_NULL): a null INPUT or COUNT is a null result; a null or
 * empty PADDING is one space. */
static int pad(sl_fn_ctx *cx, const sl_val *const *args, bool left, const char *fn,
               const sl_val **out, sl_err *err)
{
    static const sl_val space = {.type = SL_VAL_STRING, .u.s = {" ", 1}};
    const sl_val *in = NULL;
    const sl_val *padding = &space;
    int64_t count = 0;
    if (sl_val_is_null(args[0]) || sl_val_is_null(args[1])) {
        *out = sl_val_null();
        return SL_OK;
    }
    if (!str_arg(cx, args[0], fn, "INPUT", &in, err) ||
        !sl_fn_int(args[1], fn, "COUNT", &count, err)) {
        return err->code;
    }
    if (!sl_val_is_null(args[2]) && !str_arg(cx, args[2], fn, "PADDING", &padding, err)) {
        return err->code;
    }
    if (padding->u.s.len == 0) {
        padding = &space;
    }
    int64_t have = utf8_count(in->u.s.ptr, in->u.s.len);
    if (count <= have) {
        *out = in;
        return SL_OK;
    }
    if (count > (int64_t)SL_STR_MAX_RESULT) {
        return sl_fn_fail(err, fn, "COUNT must be at most %zu, not %lld", SL_STR_MAX_RESULT,
                          (long long)count);
    }
    /* Each padding character takes at most 4 bytes. */
    size_t cap = in->u.s.len + (size_t)(count - have) * 4 + 1;
    if (cap > SL_STR_MAX_RESULT) {
        return too_big(err, fn);
    }
    char *buf = sl_arena_alloc(cx->arena, cap);
    size_t n = 0;
    if (!left) {
        memcpy(buf, in->u.s.ptr, in->u.s.len);
        n = in->u.s.len;
    }
    size_t p = 0;
    for (int64_t k = have; k < count; k++) {
        if (p >= padding->u.s.len) {
            p = 0;
        }
        size_t q = p;
        (void)sl__fn_utf8_next(padding->u.s.ptr, padding->u.s.len, &q);
        memcpy(buf + n, padding->u.s.ptr + p, q - p);
        n += q - p;
        p = q;
    }
    if (left) {
        memcpy(buf + n, in->u.s.ptr, in->u.s.len);
        n += in->u.s.len;
    }
    buf[n] = '\0';
    *out = sl_val_str_owned(cx->arena, buf, n);
    return SL_OK;
}

static int fn_lpad(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                   sl_err *err)
{
    (void)nargs;
    return pad(cx, args, true, "lpad", out, err);
}

static int fn_rpad(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                   sl_err *err)
{
    (void)nargs;
    return pad(cx, args, false, "rpad", out, err);
}

/* ---- left, right ---- */

static int take(sl_fn_ctx *cx, const sl_val *const *args, bool from_left, const char *fn,
                const sl_val **out, sl_err *err)
{
    const sl_val *in = NULL;
    int64_t count = 0;
    if (!str_arg(cx, args[0], fn, "STRING", &in, err) ||
        !sl_fn_int(args[1], fn, "COUNT", &count, err)) {
        return err->code;
    }
    const char *s = in->u.s.ptr;
    size_t len = in->u.s.len;
    if (count <= 0) {
        *out = sl_val_str_owned(cx->arena, "", 0);
        return SL_OK;
    }
    if (from_left) {
        *out = sl_val_str(cx->arena, s, utf8_offset(s, len, count));
        return SL_OK;
    }
    int64_t have = utf8_count(s, len);
    size_t b = count >= have ? 0 : utf8_offset(s, len, have - count);
    *out = sl_val_str(cx->arena, s + b, len - b);
    return SL_OK;
}

static int fn_left(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                   sl_err *err)
{
    (void)nargs;
    return take(cx, args, true, "left", out, err);
}

static int fn_right(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                    sl_err *err)
{
    (void)nargs;
    return take(cx, args, false, "right", out, err);
}

/* ---- ltrim, rtrim, trim ---- */

/* Whitespace: the ASCII controls and space (what Java's trim() removes) and every Unicode
 * White_Space character (no-break space, ideographic space, ...). */
static bool is_space(int32_t c)
{
    return c <= 0x20 || u_isUWhiteSpace(c);
}

static int strip(sl_fn_ctx *cx, const sl_val *v, bool lead, bool trail, const char *fn,
                 const sl_val **out, sl_err *err)
{
    const sl_val *in = NULL;
    if (!str_arg(cx, v, fn, "STRING", &in, err)) {
        return err->code;
    }
    const char *s = in->u.s.ptr;
    size_t len = in->u.s.len;
    size_t b = 0;
    size_t e = 0;
    size_t i = 0;
    bool seen = false;
    while (i < len) {
        size_t at = i;
        int32_t c = sl__fn_utf8_next(s, len, &i);
        if (!is_space(c)) {
            if (!seen) {
                b = at;
                seen = true;
            }
            e = i;
        }
    }
    if (!seen) {
        b = lead ? len : 0;
        e = trail ? b : len;
    } else {
        b = lead ? b : 0;
        e = trail ? e : len;
    }
    *out = (b == 0 && e == len) ? in : sl_val_str(cx->arena, s + b, e - b);
    return SL_OK;
}

static int fn_ltrim(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                    sl_err *err)
{
    (void)nargs;
    return strip(cx, args[0], true, false, "ltrim", out, err);
}

static int fn_rtrim(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                    sl_err *err)
{
    (void)nargs;
    return strip(cx, args[0], false, true, "rtrim", out, err);
}

static int fn_trim(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                   sl_err *err)
{
    (void)nargs;
    return strip(cx, args[0], true, true, "trim", out, err);
}

/* ---- equals, equalsIgnoreCase ---- */

static int fn_equals(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                     sl_err *err)
{
    (void)nargs;
    const sl_val *a = NULL;
    const sl_val *b = NULL;
    if (!str_arg(cx, args[0], "equals", "STRING1", &a, err) ||
        !str_arg(cx, args[1], "equals", "STRING2", &b, err)) {
        return err->code;
    }
    *out = sl_val_bool(a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0);
    return SL_OK;
}

/* Character by character under simple case folding, as Java's equalsIgnoreCase compares
 * (so "ß" and "SS" differ, "Σ", "σ" and "ς" are equal). */
static int fn_equals_ignore_case(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                                 const sl_val **out, sl_err *err)
{
    (void)nargs;
    const sl_val *a = NULL;
    const sl_val *b = NULL;
    if (!str_arg(cx, args[0], "equalsIgnoreCase", "STRING1", &a, err) ||
        !str_arg(cx, args[1], "equalsIgnoreCase", "STRING2", &b, err)) {
        return err->code;
    }
    size_t i = 0;
    size_t j = 0;
    bool same = true;
    while (same && i < a->u.s.len && j < b->u.s.len) {
        int32_t ca = sl__fn_utf8_next(a->u.s.ptr, a->u.s.len, &i);
        int32_t cb = sl__fn_utf8_next(b->u.s.ptr, b->u.s.len, &j);
        same =
            ca == cb || u_foldCase(ca, U_FOLD_CASE_DEFAULT) == u_foldCase(cb, U_FOLD_CASE_DEFAULT);
    }
    *out = sl_val_bool(same && i == a->u.s.len && j == b->u.s.len);
    return SL_OK;
}

const sl_func sl_funcs_string[] = {
    {"concat", "String", 2, SL_FN_VARIADIC, fn_concat, 0, "String concat(String...)",
     "STRING: the strings to join, two or more, in order", "String",
     "concat(\"Hi, \", \"there\", \"!\")", "\"Hi, there!\"",
     "Concatenates the given strings. Numbers, booleans and date-times join as their text; "
     "arrays and objects are refused. A null argument makes the result null."},
    {"explode", "String", 1, 2, fn_explode, 0, "String[] explode(String, String)",
     "STRING: the string to split; REGEX: optional, the regular expression that separates the "
     "parts (default \",\")",
     "String[]", "explode(\"Hi, there!\", \" \")", "[\"Hi,\", \"there!\"]",
     "Splits the string on a regular expression and returns the parts. The characters "
     "+ ? ^ | . [ ( { ) * $ \\ must be escaped with \\ to be taken literally; a multi-character "
     "delimiter is one delimiter. Empty parts are kept, trailing ones included (use split to "
     "drop them); a string without the delimiter gives a one-element array. The documentation "
     "prints [\"Hi,\", \"there\"] for the example, losing the \"!\" that no delimiter removes: "
     "sluice keeps it."},
    {"instr", "String", 2, 4, fn_instr, 0, "Integer instr(String, String, Integer, Integer)",
     "INPUT: the string searched; SUBSTRING: the string to find; START_POSITION: optional, the "
     "0-based character position where the search starts (default 0); OCCURRENCE: optional, "
     "which occurrence to find from the start position (default 1)",
     "Integer", "instr(\"adobe.com\", \"com\")", "6",
     "Returns the 0-based character position of SUBSTRING in INPUT, or -1 when it is not "
     "found. Occurrences are counted from START_POSITION and may overlap."},
    {"replacestr", "String", 3, 3, fn_replacestr, 0, "String replacestr(String, String, String)",
     "INPUT: the input string; TO_FIND: the string to look for; TO_REPLACE: the string that "
     "replaces each occurrence",
     "String", "replacestr(\"This is a string re test\", \"re\", \"replace\")",
     "\"This is a string replace test\"",
     "Replaces every occurrence of TO_FIND in INPUT with TO_REPLACE, left to right (Java's "
     "String.replace). An empty TO_FIND leaves INPUT unchanged."},
    {"substr", "String", 3, 3, fn_substr, 0, "String substr(String, Integer, Integer)",
     "INPUT: the input string; START_INDEX: the 0-based character position where the substring "
     "starts; LENGTH: the number of characters to take",
     "String", "substr(\"This is a substring test\", 7, 8)", "\" a subst\"",
     "Returns LENGTH characters of INPUT from START_INDEX (0-based), fewer when INPUT ends "
     "first, and an empty string when START_INDEX is past the end. A negative START_INDEX or "
     "LENGTH is an error."},
    {"lower", "String", 1, 1, fn_lower, 0, "String lower(String)",
     "INPUT: the string to convert to lowercase", "String", "lower(\"HeLLo\")", "\"hello\"",
     "Converts a string to lowercase with the Unicode case mappings of the root locale. Same "
     "as lcase."},
    {"lcase", "String", 1, 1, fn_lcase, 0, "String lcase(String)",
     "INPUT: the string to convert to lowercase", "String", "lcase(\"HeLLo\")", "\"hello\"",
     "Converts a string to lowercase with the Unicode case mappings of the root locale. Same "
     "as lower."},
    {"upper", "String", 1, 1, fn_upper, 0, "String upper(String)",
     "INPUT: the string to convert to uppercase", "String", "upper(\"HeLLo\")", "\"HELLO\"",
     "Converts a string to uppercase with the Unicode case mappings of the root locale "
     "(\"straße\" becomes \"STRASSE\"). Same as ucase."},
    {"ucase", "String", 1, 1, fn_ucase, 0, "String ucase(String)",
     "INPUT: the string to convert to uppercase", "String", "ucase(\"HeLLo\")", "\"HELLO\"",
     "Converts a string to uppercase with the Unicode case mappings of the root locale "
     "(\"straße\" becomes \"STRASSE\"). Same as upper."},
    {"split", "String", 2, 2, fn_split, 0, "String[] split(String, String)",
     "INPUT: the string to split; SEPARATOR: the separator characters", "String[]",
     "split(\"Hello world\", \" \")", "[\"Hello\", \"world\"]",
     "Splits INPUT on any one of the characters of SEPARATOR (taken literally, not as a "
     "regular expression). Adjacent separators count as one and empty parts are never "
     "returned; use explode to keep them. An empty SEPARATOR leaves INPUT whole."},
    {"join", "String", 2, 2, fn_join, 0, "String join(String, Object[])",
     "SEPARATOR: the string put between the elements; OBJECTS: the array of elements to join",
     "String", "join(\" \", to_array(true, \"Hello\", \"world\"))", "\"Hello world\"",
     "Joins the elements of an array with the separator. Null elements join as empty strings; "
     "numbers and booleans as their text, arrays and objects as JSON."},
    {"lpad", "String", 3, 3, fn_lpad, SL_FN_TAKES_NULL, "String lpad(String, Integer, String)",
     "INPUT: the string to pad, may be null; COUNT: the length, in characters, of the result; "
     "PADDING: the string to pad with, a single space when null or empty",
     "String", "lpad(\"bat\", 8, \"yz\")", "\"yzyzybat\"",
     "Pads the left side of INPUT with PADDING, repeated and cut to reach COUNT characters. "
     "INPUT is returned unchanged when it already has COUNT characters or more; a null INPUT "
     "gives null."},
    {"rpad", "String", 3, 3, fn_rpad, SL_FN_TAKES_NULL, "String rpad(String, Integer, String)",
     "INPUT: the string to pad, may be null; COUNT: the length, in characters, of the result; "
     "PADDING: the string to pad with, a single space when null or empty",
     "String", "rpad(\"bat\", 8, \"yz\")", "\"batyzyzy\"",
     "Pads the right side of INPUT with PADDING, repeated and cut to reach COUNT characters. "
     "INPUT is returned unchanged when it already has COUNT characters or more; a null INPUT "
     "gives null."},
    {"left", "String", 2, 2, fn_left, 0, "String left(String, Integer)",
     "STRING: the string to take characters from; COUNT: the number of characters to take",
     "String", "left(\"abcde\", 2)", "\"ab\"",
     "Returns the first COUNT characters of STRING: all of it when it is shorter, an empty "
     "string when COUNT is 0 or negative."},
    {"right", "String", 2, 2, fn_right, 0, "String right(String, Integer)",
     "STRING: the string to take characters from; COUNT: the number of characters to take",
     "String", "right(\"abcde\", 2)", "\"de\"",
     "Returns the last COUNT characters of STRING: all of it when it is shorter, an empty "
     "string when COUNT is 0 or negative."},
    {"ltrim", "String", 1, 1, fn_ltrim, 0, "String ltrim(String)",
     "STRING: the string to remove leading whitespace from", "String", "ltrim(\" hello\")",
     "\"hello\"",
     "Removes whitespace from the beginning of the string: ASCII spaces and control "
     "characters and every Unicode whitespace character."},
    {"rtrim", "String", 1, 1, fn_rtrim, 0, "String rtrim(String)",
     "STRING: the string to remove trailing whitespace from", "String", "rtrim(\"hello \")",
     "\"hello\"",
     "Removes whitespace from the end of the string: ASCII spaces and control characters and "
     "every Unicode whitespace character."},
    {"trim", "String", 1, 1, fn_trim, 0, "String trim(String)",
     "STRING: the string to remove surrounding whitespace from", "String", "trim(\" hello \")",
     "\"hello\"",
     "Removes whitespace from both ends of the string: ASCII spaces and control characters "
     "and every Unicode whitespace character."},
    {"equals", "String", 2, 2, fn_equals, 0, "Boolean STRING1.equals(String)",
     "STRING1: the first string; STRING2: the second string", "Boolean",
     "\"string1\".equals(\"STRING1\")", "false",
     "Compares two strings, case-sensitively. Written as a method call on the first string; "
     "numbers and booleans compare by their text. A null on either side gives null."},
    {"equalsIgnoreCase", "String", 2, 2, fn_equals_ignore_case, 0,
     "Boolean STRING1.equalsIgnoreCase(String)",
     "STRING1: the first string; STRING2: the second string", "Boolean",
     "\"string1\".equalsIgnoreCase(\"STRING1\")", "true",
     "Compares two strings ignoring case, character by character (simple Unicode case "
     "folding, as Java does). Written as a method call on the first string; the documented "
     "example lacks a closing quote, fixed here. A null on either side gives null."},
    {0},
};
