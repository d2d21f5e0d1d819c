/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_regex.c: the regular-expression functions of the Data Prep catalogue.
 *
 * Patterns are PCRE2 in UTF mode, close to the Java syntax AEP documents (groups, classes,
 * lookaround, possessive and lazy quantifiers, named groups). Each match runs under match,
 * depth and heap limits, so a catastrophic pattern ends in a warning instead of a stall. */
#include "mapping/func.h"
#include "mapping/funcs_int.h"

#include <stdbool.h>
#include <string.h>

/* Match `in` once. Sets *matched; fails only when the match itself fails (a limit). */
static int regex_match(sl_fn_regex *r, const sl_val *in, const char *fn, bool *matched, sl_err *err)
{
    int rc = pcre2_match(r->code, (PCRE2_SPTR)in->u.s.ptr, in->u.s.len, 0, 0, r->md, r->mc);
    if (rc == PCRE2_ERROR_NOMATCH) {
        *matched = false;
        return SL_OK;
    }
    if (rc < 0) {
        PCRE2_UCHAR msg[120];
        (void)pcre2_get_error_message(rc, msg, sizeof(msg));
        return sl_fn_fail(err, fn, "matching REGEX failed: %s", (const char *)msg);
    }
    *matched = true;
    return SL_OK;
}

/* The string views of STRING and REGEX; arrays, objects and lambdas are refused. */
static bool args_of(sl_fn_ctx *cx, const sl_val *const *args, const char *fn, const sl_val **in,
                    const sl_val **pattern, sl_err *err)
{
    static const char *const names[] = {"STRING", "REGEX"};
    for (int i = 0; i < 2; i++) {
        sl_val_type t = args[i]->type;
        if (t == SL_VAL_ARRAY || t == SL_VAL_OBJECT || t == SL_VAL_LAMBDA) {
            (void)sl_fn_fail(err, fn, "%s must be a string, not %s", names[i], sl_val_type_name(t));
            return false;
        }
    }
    *in = sl_fn_str(cx, args[0]);
    *pattern = sl_fn_str(cx, args[1]);
    return true;
}

static int fn_extract_regex(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                            const sl_val **out, sl_err *err)
{
    (void)nargs;
    const sl_val *in = NULL;
    const sl_val *pattern = NULL;
    sl_fn_regex r;
    bool matched = false;
    memset(&r, 0, sizeof(r));
    if (!args_of(cx, args, "extract_regex", &in, &pattern, err)) {
        return err->code;
    }
    int rc = sl__fn_regex_open(&r, pattern, 0, "extract_regex", err);
    if (rc == SL_OK) {
        rc = regex_match(&r, in, "extract_regex", &matched, err);
    }
    if (rc != SL_OK) {
        goto out;
    }
    if (!matched) {
        *out = sl_val_null();
        goto out;
    }
    uint32_t groups = 0;
    (void)pcre2_pattern_info(r.code, PCRE2_INFO_CAPTURECOUNT, &groups);
    uint32_t set = pcre2_get_ovector_count(r.md);
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r.md);
    sl_val *arr = sl_val_array_new(cx->arena, groups + 1);
    for (size_t g = 0; g <= groups; g++) {
        /* A group that took no part in the match is null (Java's Matcher.group). */
        const PCRE2_SIZE *pair = ov + 2 * g;
        if (g < set && pair[0] != PCRE2_UNSET) {
            sl_val_array_push(cx->arena, arr,
                              sl_val_str(cx->arena, in->u.s.ptr + pair[0], pair[1] - pair[0]));
        } else {
            sl_val_array_push(cx->arena, arr, sl_val_null());
        }
    }
    *out = arr;
out:
    sl__fn_regex_close(&r);
    return rc;
}

static int fn_matches_regex(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                            const sl_val **out, sl_err *err)
{
    (void)nargs;
    const sl_val *in = NULL;
    const sl_val *pattern = NULL;
    sl_fn_regex r;
    bool matched = false;
    memset(&r, 0, sizeof(r));
    if (!args_of(cx, args, "matches_regex", &in, &pattern, err)) {
        return err->code;
    }
    /* The whole string must match, as Java's String.matches. */
    int rc =
        sl__fn_regex_open(&r, pattern, PCRE2_ANCHORED | PCRE2_ENDANCHORED, "matches_regex", err);
    if (rc == SL_OK) {
        rc = regex_match(&r, in, "matches_regex", &matched, err);
    }
    if (rc == SL_OK) {
        *out = sl_val_bool(matched);
    }
    sl__fn_regex_close(&r);
    return rc;
}

const sl_func sl_funcs_regex[] = {
    {"extract_regex", "Regular expression", 2, 2, fn_extract_regex, 0,
     "String[] extract_regex(String, String)",
     "STRING: the string to extract the groups from; REGEX: the regular expression whose "
     "groups are extracted",
     "String[]", "extract_regex(\"E259,E259B_009,1_1\", \"([^,]+),[^,]*,([^,]+)\")",
     "[\"E259,E259B_009,1_1\", \"E259\", \"1_1\"]",
     "Finds the first match of REGEX in STRING and returns an array: the whole match, then "
     "each capture group in order (null for a group that did not take part). Returns null "
     "when REGEX does not match. An invalid REGEX, or one that needs too many steps, is an "
     "error."},
    {"matches_regex", "Regular expression", 2, 2, fn_matches_regex, 0,
     "Boolean matches_regex(String, String)",
     "STRING: the string to test; REGEX: the regular expression it must match", "Boolean",
     "matches_regex(\"E259,E259B_009,1_1\", \"([^,]+),[^,]*,([^,]+)\")", "true",
     "Returns true when REGEX matches the whole of STRING (as Java's String.matches), false "
     "otherwise. An invalid REGEX, or one that needs too many steps, is an error."},
    {0},
};
