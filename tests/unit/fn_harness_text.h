/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/fn_harness_text.h: expectations on catalogue calls written as the exact JSON text
 * of the result (EXPECT("\"ab\"", "concat", str("a"), str("b"))), failing with the test's line. */
#ifndef SL_TESTS_FN_HARNESS_TEXT_H
#define SL_TESTS_FN_HARNESS_TEXT_H
#include <stdbool.h>

#include "fn_harness.h"

/* Doubles print as the language's shortest text rather than json-c's 17 digits. Off unless
 * a test file turns it on. */
extern bool fn_text_short_doubles;

const sl_val *str(const char *s); /* a string, in fn_arena */
const sl_val *num(int64_t i);     /* an integer, in fn_arena */
const sl_val *dec(double d);      /* a double, in fn_arena */
/* An array of the `n` values `items`, in fn_arena. */
const sl_val *arr_of(size_t n, const sl_val **items);

/* fn_invoke with the result in *out. */
int callv(const char *name, const sl_val **out, size_t nargs, const sl_val **args);

/* The JSON text of `v` ("null" for null), in fn_arena. */
const char *json(const sl_val *v);

/* The call succeeds with JSON text `expected`; failures name `line`. */
void expect_at(int line, const char *expected, const char *name, size_t nargs, const sl_val **args);
/* The call fails with SL_EINVAL and a message holding `fragment`; failures name `line`. */
void expect_err_at(int line, const char *fragment, const char *name, size_t nargs,
                   const sl_val **args);

#define ARGS(...)                                                                                  \
    sizeof((const sl_val *[]){__VA_ARGS__}) / sizeof(const sl_val *), (const sl_val *[])           \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }
/* ARR(items...): an array value; arr_of(0, NULL) is the empty one. */
#define ARR(...) arr_of(ARGS(__VA_ARGS__))
/* EXPECT(json, name, args...): the call succeeds with that value. */
#define EXPECT(expected, name, ...) expect_at(__LINE__, expected, name, ARGS(__VA_ARGS__))
/* EXPECT_ERR(fragment, name, args...): the call fails with SL_EINVAL, the message says that. */
#define EXPECT_ERR(fragment, name, ...) expect_err_at(__LINE__, fragment, name, ARGS(__VA_ARGS__))
#endif
