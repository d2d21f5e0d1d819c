/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/eval.h: the evaluator of compiled expressions (a resolved tree from compile.c). It
 * walks the shared, immutable tree; all state of one evaluation is on the stack and in the
 * context's arena, so any number of threads may evaluate the same tree at once. Internal to
 * mapping/ (expr.c is the public face) and its tests, which use smaller limits. */
#ifndef SL_MAPPING_EVAL_H
#define SL_MAPPING_EVAL_H

#include "mapping/ast.h"
#include "mapping/func.h"

#include <stddef.h>

typedef struct sl_eval_limits {
    size_t max_steps; /* nodes evaluated, lambda calls included (SL_MAX_EVAL_STEPS) */
    size_t max_bytes; /* bytes allocated in cx->arena by this evaluation (SL_MAX_EVAL_BYTES) */
} sl_eval_limits;

/* Evaluate `root` over `input` (borrowed; any value, usually an object). The result lives in
 * cx->arena (or is a literal of the tree, or a singleton). cx->call_lambda and cx->evaluator
 * are set for the duration of the call and restored after. A runtime error returns SL_EINVAL
 * with a message and err->loc.line/col of the node that failed. */
int sl__eval(const sl_ast *root, const sl_val *input, sl_fn_ctx *cx, const sl_eval_limits *lim,
             const sl_val **out, sl_err *err);

/* The language's truth value of `v` (null, false, 0, "" and the false words of aep-api.md §3.5
 * are false; empty arrays and objects too; everything else is true). */
bool sl__eval_truth(const sl_val *v);

#endif
