/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/fn_harness_check.h: catalogue calls that return their result (NULL on an error),
 * checked by kind: check_str(CALL("min", S("a"), S("b")), "a"). */
#ifndef SL_TESTS_FN_HARNESS_CHECK_H
#define SL_TESTS_FN_HARNESS_CHECK_H
#include "fn_harness.h"

/* 2021-10-26T10:10:24Z, the documented now(). */
#define FN_NOW_MS INT64_C(1635243024000)

extern int fn_last_rc;    /* the last call's code */
extern int64_t fn_now_ms; /* now() for the calls; FN_NOW_MS until a test changes it */

/* fn_invoke at fn_now_ms. The result, or NULL on an error (fn_last_rc, always SL_EINVAL then,
 * and fn_err say which). */
const sl_val *call_val(const char *name, const sl_val *const *args, size_t n);

#define ARGS(...)                                                                                  \
    (const sl_val *[])                                                                             \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }
#define CALL(name, ...)                                                                            \
    call_val(name, ARGS(__VA_ARGS__), sizeof(ARGS(__VA_ARGS__)) / sizeof(const sl_val *))
#define CALL0(name) call_val(name, NULL, 0)

#define S(s) sl_val_str_c(fn_arena, s)
#define I(i) sl_val_int(fn_arena, i)
#define D(d) sl_val_double(fn_arena, d)

/* `v`, which must not be an error. */
const sl_val *ok(const sl_val *v);
void check_str(const sl_val *v, const char *want);
void check_iso(const sl_val *v, const char *want); /* a date-time, as ISO-8601 text */
void check_int(const sl_val *v, int64_t want);
void check_null(const sl_val *v);
/* An error whose message names the function `fn` and contains `part`. */
void check_err(const sl_val *v, const char *fn, const char *part);

/* Row `f` is filed under `category` and documented, and each ';'-separated part of its
 * params reads "NAME: description" (how the API splits it). Returns the number of parts. */
int check_documented(const sl_func *f, const char *category);
/* check_documented for each of the `n` rows named in `names`, which must all exist. */
void check_named_rows(const char *const *names, size_t n, const char *category);
#endif
