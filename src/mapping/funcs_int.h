/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_int.h: helpers the funcs_*.c category files share (funcs_util.c): argument
 * descriptions and checks, UTF-8 decoding and bounded PCRE2 patterns. Pure; safe from any
 * thread. Not for use outside mapping/ and its tests. */
#ifndef SL_MAPPING_FUNCS_INT_H
#define SL_MAPPING_FUNCS_INT_H
#include "core/err.h"
#include "mapping/func.h"
#include "mapping/value.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stddef.h>
#include <stdint.h>

/* What a wrong argument was, for messages: `string "abc"`, `integer 5`, `array`. Returns
 * `buf` (or a static type name); strings are cut at 40 bytes, never inside a UTF-8 sequence. */
const char *sl__fn_describe(const sl_val *v, char *buf, size_t cap);

/* The text of a scalar argument into *out: strings as they are; numbers, booleans and
 * date-times as their text (in cx->arena). Arrays, objects, lambdas and null are an error of
 * function `fn` naming `param`: returns SL_EINVAL with `err` set. */
int sl__fn_text_arg(sl_fn_ctx *cx, const sl_val *v, const char *fn, const char *param,
                    const sl_val **out, sl_err *err);

/* The code point at s[*i], advancing *i past it; an ill-formed byte reads as U+FFFD (what
 * Java's decoder would have made of it) and advances by one. Requires *i < len. */
int32_t sl__fn_utf8_next(const char *s, size_t len, size_t *i);

/* A compiled pattern with its match data and a match context bounded in steps, depth and
 * heap, so a catastrophic pattern ends in an error instead of a stall. */
typedef struct sl_fn_regex {
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mc;
} sl_fn_regex;

/* Compile string value `pattern` (UTF mode) into *r; `extra` adds PCRE2 options such as
 * anchoring. On a bad pattern returns SL_EINVAL with `err` naming function `fn`; *r must still
 * be closed. */
int sl__fn_regex_open(sl_fn_regex *r, const sl_val *pattern, uint32_t extra, const char *fn,
                      sl_err *err);
void sl__fn_regex_close(sl_fn_regex *r); /* safe on a zeroed or failed *r */
#endif
