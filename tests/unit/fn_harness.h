/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/fn_harness.h: calls rows of the Data Prep function catalogue (mapping/func.h) the
 * way the evaluator calls them, for the test_funcs_*.c unit tests. Single-threaded: the state
 * below is shared by one test at a time, set up by fn_setup and released by fn_teardown. */
#ifndef SL_TESTS_FN_HARNESS_H
#define SL_TESTS_FN_HARNESS_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mapping/func.h"

extern sl_arena *fn_arena;   /* the test's arena; values built below live in it */
extern sl_fn_ctx fn_cx;      /* the context calls get; its arena is fn_arena */
extern sl_err fn_err;        /* the last call's error */
extern const sl_val *fn_out; /* the last call's result; NULL after an error */

/* An error from a lambda row whose message starts with this prefix passes through as it is,
 * without naming the row (a fake lambda's own error). NULL, the default, allows none. */
extern const char *fn_lambda_error_prefix;

/* cmocka setup and teardown: a fresh arena and a zeroed context around each test. */
int fn_setup(void **state);
int fn_teardown(void **state);

/* Call `name` as the evaluator will: the row's arity holds, and unless the row takes nulls a
 * null argument makes the result null without a call. Returns the row's code; the result is
 * in fn_out, an error in fn_err (and its message names the function). */
int call_v(const char *name, const sl_val *const *args, size_t n);

#define ARGS(...)                                                                                  \
    (const sl_val *const[]){__VA_ARGS__},                                                          \
        sizeof((const sl_val *const[]){__VA_ARGS__}) / sizeof(const sl_val *)
#define CALL(name, ...) call_v(name, ARGS(__VA_ARGS__))

const sl_val *jv(const char *json); /* a value from JSON text, in fn_arena */
const sl_val *sv(const char *s);    /* a string, in fn_arena */
const sl_val *iv(int64_t i);        /* an integer, in fn_arena */

#define NUL sl_val_null()

/* `v` as compact JSON, in fn_arena. */
const char *text_of(const sl_val *v);

/* The last result equals `json` (key order counts). */
void assert_out(const char *json);

/* Every row of `table` is documented and filed under `category`. */
void check_rows(const sl_func *table, const char *category);

/* The call succeeded with `json`. */
#define EXPECT(json, name, ...)                                                                    \
    do {                                                                                           \
        assert_int_equal(CALL(name, __VA_ARGS__), SL_OK);                                          \
        assert_out(json);                                                                          \
    } while (0)

/* The call failed with a message holding `needle`. */
#define EXPECT_ERROR(needle, name, ...)                                                            \
    do {                                                                                           \
        assert_int_equal(CALL(name, __VA_ARGS__), SL_EINVAL);                                      \
        if (strstr(fn_err.msg, needle) == NULL) {                                                  \
            print_error("expected \"%s\" in \"%s\"\n", needle, fn_err.msg);                        \
            fail();                                                                                \
        }                                                                                          \
    } while (0)
#endif
