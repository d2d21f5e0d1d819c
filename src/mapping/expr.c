/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/expr.c: lexer → parser → compiler behind one call, and the evaluator with the
 * limits of core/limits.h. */
#include "mapping/expr.h"

#include "core/limits.h"
#include "core/mem.h"
#include "mapping/compile.h"
#include "mapping/eval.h"
#include "mapping/parse.h"

#include <stdio.h>
#include <string.h>

struct sl_expr {
    sl_arena *arena; /* the tree, its names and its literal values */
    const sl_ast *root;
    const char *text;
};

/* Arena chunks sized so that a typical expression needs one. */
static size_t arena_size(size_t len)
{
    return len <= 512 ? 4096 : len <= SL_MAX_EXPR_LEN ? 8 * len : 4096;
}

/* Parse and compile `text` into `arena`, collecting every error in `d`. */
static sl_ast *build(const char *text, size_t len, sl_arena *arena, sl_diags *d)
{
    memset(d, 0, sizeof(*d));
    d->arena = arena;
    if (len > SL_MAX_EXPR_LEN) {
        sl__diag_add(d, 1, 1, "expression is %zu bytes long; the limit is %d", len,
                     SL_MAX_EXPR_LEN);
        d->fatal = true;
        return NULL;
    }
    sl_ast *root = sl__parse(text, len, arena, d);
    sl__compile(root, d);
    return root;
}

int sl_expr_compile(const char *text, size_t len, sl_expr **out, sl_err *err)
{
    *out = NULL;
    if (text == NULL) {
        text = "";
        len = 0;
    }
    sl_arena *arena = sl_arena_create(arena_size(len));
    /* An over-long text is refused by build() before anything reads it. */
    char *copy = sl_arena_strndup(arena, text, len <= SL_MAX_EXPR_LEN ? len : 0);
    sl_diags d;
    sl_ast *root = build(copy, len, arena, &d);
    if (d.n != 0) {
        const sl_diag *g = d.head;
        char more[48] = "";
        if (d.n > 1) {
            (void)snprintf(more, sizeof(more), " (and %zu more error%s)", d.n - 1,
                           d.n > 2 ? "s" : "");
        }
        if (err != NULL) {
            err->loc.line = g->line;
            err->loc.col = g->col;
        }
        int rc = sl_err_set(err, SL_EINVAL, "%d:%d: %s%s", g->line, g->col, g->msg, more);
        sl_arena_destroy(arena);
        return rc;
    }
    sl_expr *e = sl_xcalloc(1, sizeof(*e));
    e->arena = arena;
    e->root = root;
    e->text = copy;
    *out = e;
    return SL_OK;
}

int sl_expr_eval(const sl_expr *e, const sl_val *input, sl_fn_ctx *cx, const sl_val **out,
                 sl_err *err)
{
    static const sl_eval_limits limits = {(size_t)SL_MAX_EVAL_STEPS, (size_t)SL_MAX_EVAL_BYTES};
    sl_err_clear(err);
    return sl__eval(e->root, input, cx, &limits, out, err);
}

const char *sl_expr_text(const sl_expr *e)
{
    return e->text;
}

void sl_expr_destroy(sl_expr *e)
{
    if (e == NULL) {
        return;
    }
    sl_arena_destroy(e->arena);
    free(e);
}

size_t sl_expr_diagnose(const char *text, size_t len, sl_expr_diag *out, size_t cap)
{
    sl_arena *arena = sl_arena_create(arena_size(len));
    sl_diags d;
    (void)build(text != NULL ? text : "", text != NULL ? len : 0, arena, &d);
    size_t i = 0;
    for (const sl_diag *g = d.head; g != NULL && i < cap; g = g->next, i++) {
        out[i].line = g->line;
        out[i].col = g->col;
        (void)snprintf(out[i].msg, sizeof(out[i].msg), "%s", g->msg);
    }
    size_t n = d.n;
    sl_arena_destroy(arena);
    return n;
}
