/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/expr.h: Data Prep expressions (the EXPRESSION source of a mapping, and the
 * /languages/el endpoints). Compile once, evaluate many times: a compiled expression is
 * immutable and may be evaluated by any number of threads at once, each with its own context
 * and arena. The language is described in tests/mapping/README.md. No I/O. */
#ifndef SL_EXPR_H
#define SL_EXPR_H

#include "core/err.h"
#include "mapping/func.h"
#include "mapping/value.h"

#include <stddef.h>

typedef struct sl_expr sl_expr; /* opaque, immutable once compiled */

/* Compile `text` (`len` bytes, borrowed; at most SL_MAX_EXPR_LEN). Returns an owned expression
 * (release with sl_expr_destroy) in `*out`, or SL_EINVAL with `*out` NULL and `err` holding the
 * first error: err->loc.line/col (1-based; columns count Unicode code points) and a message
 * "L:C: what was wrong" (followed by "(and N more errors)" when there are more; see
 * sl_expr_diagnose for the list). Syntax errors, unknown functions and methods, wrong numbers
 * of arguments, functions the catalogue marks unsupported, misplaced lambdas and the length and
 * nesting limits are all compile errors. */
int sl_expr_compile(const char *text, size_t len, sl_expr **out, sl_err *err);

/* Evaluate `e` over `input` (borrowed; the event as a value, usually an object; NULL is null).
 * The caller fills cx->arena and cx->now_ms; cx->call_lambda and cx->evaluator are set for the
 * duration of the call. `*out` receives the result, which lives in cx->arena (or is a constant
 * of `e`, or a singleton); never NULL on success. A runtime error (a wrong type, an overflow, a
 * function's own error, the step or memory limit) returns SL_EINVAL with a message and the
 * position of the failing node in err->loc; the caller turns it into a warning. */
int sl_expr_eval(const sl_expr *e, const sl_val *input, sl_fn_ctx *cx, const sl_val **out,
                 sl_err *err);

/* The source text `e` was compiled from (NUL-terminated, owned by `e`). */
const char *sl_expr_text(const sl_expr *e);

void sl_expr_destroy(sl_expr *e); /* NULL is a no-op */

/* One compile error with its position. */
typedef struct sl_expr_diag {
    int line; /* 1-based */
    int col;  /* 1-based, in Unicode code points */
    char msg[160];
} sl_expr_diag;

/* Every compile error of `text`, in the order found: the parser recovers at the next ',', ')'
 * or ']' (or the end) and the checks that need the catalogue run over whatever parsed. Writes
 * the first `cap` errors (at most the first 100) to `out` (which may be NULL when `cap` is 0)
 * and returns how many there are: 0 exactly when sl_expr_compile would succeed. */
size_t sl_expr_diagnose(const char *text, size_t len, sl_expr_diag *out, size_t cap);

#endif
