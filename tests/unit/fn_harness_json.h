/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/fn_harness_json.h: expectations on catalogue calls written as JSON values
 * (EXPECT("{\"a\":1}", "name", args...)), compared after parsing, so spacing does not count. */
#ifndef SL_TESTS_FN_HARNESS_JSON_H
#define SL_TESTS_FN_HARNESS_JSON_H
#include "fn_harness.h"

/* An error from a lambda row whose message starts with this prefix passes through as it is,
 * without naming the row (a fake lambda's own error). NULL, the default, allows none. */
extern const char *fn_lambda_error_prefix;

/* fn_invoke with the result in fn_out, and on an error, checks that it is SL_EINVAL and
 * that the message names the function ("name: ..."). */
int call_v(const char *name, const sl_val *const *args, size_t n);

#define ARGS(...)                                                                                  \
    (const sl_val *const[]){__VA_ARGS__},                                                          \
        sizeof((const sl_val *const[]){__VA_ARGS__}) / sizeof(const sl_val *)
#define CALL(name, ...) call_v(name, ARGS(__VA_ARGS__))

const sl_val *jv(const char *json); /* a value from JSON text, in fn_arena */
const sl_val *sv(const char *s);    /* a string, in fn_arena */
const sl_val *iv(int64_t i);        /* an integer, in fn_arena */

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
