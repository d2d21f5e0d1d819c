/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/fn_harness.h: calls rows of the Data Prep function catalogue (mapping/func.h) the
 * way the evaluator calls them, for the test_funcs_*.c unit tests. fn_harness_json.h,
 * fn_harness_text.h and fn_harness_check.h build three styles of expectation on it.
 * Single-threaded: the state below belongs to one test at a time, set up by fn_setup and released
 * by fn_teardown. */
#ifndef SL_TESTS_FN_HARNESS_H
#define SL_TESTS_FN_HARNESS_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mapping/func.h"

extern sl_arena *fn_arena;   /* the test's arena; values built by the harness live in it */
extern sl_fn_ctx fn_cx;      /* the context calls get: fn_arena, no lambdas */
extern sl_err fn_err;        /* the last call's error */
extern const sl_val *fn_out; /* the last result of call_v (fn_harness_json.h) */

/* cmocka setup and teardown: a fresh arena and a zeroed context around each test. */
int fn_setup(void **state);
int fn_teardown(void **state);

/* Call `name` as the evaluator will: the row's arity holds, and unless the row takes nulls a
 * null argument makes the result null without a call. Returns the row's code; on SL_OK the
 * result (never NULL) is in *out, otherwise the error is in fn_err. */
int fn_invoke(const char *name, const sl_val *const *args, size_t n, const sl_val **out);

#define NUL sl_val_null()
#endif
