/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/compile.c: name resolution and the checks that need the catalogue. Done once, so the
 * evaluator never looks a name up: a CALL carries its row, a PARAM its frame slot. */
#include "mapping/compile.h"

#include <stdio.h>
#include <string.h>

/* The lambdas a node is nested in, innermost first. */
typedef struct scope {
    const struct scope *parent;
    const sl_ast *lambda;
} scope;

static void resolve(sl_diags *d, sl_ast *n, const scope *sc, bool lambda_ok);

static bool name_is(const sl_ast *n, const char *s)
{
    return n->name_len == strlen(s) && memcmp(n->name, s, n->name_len) == 0;
}

/* Check `given` arguments against [min, max] (max < 0: no upper bound). */
static bool check_arity(sl_diags *d, const sl_ast *n, const char *what, int min, int max,
                        size_t given)
{
    const char *plural = min == 1 ? "" : "s";
    if (min == max && given != (size_t)min) {
        sl__diag_add(d, n->line, n->col, "%s takes exactly %d argument%s, not %zu", what, min,
                     plural, given);
        return false;
    }
    if (given < (size_t)min) {
        sl__diag_add(d, n->line, n->col, "%s takes at least %d argument%s, not %zu", what, min,
                     plural, given);
        return false;
    }
    if (max >= 0 && given > (size_t)max) {
        sl__diag_add(d, n->line, n->col, "%s takes at most %d argument%s, not %zu", what, max,
                     max == 1 ? "" : "s", given);
        return false;
    }
    return true;
}

static void resolve_kids(sl_diags *d, sl_ast *n, size_t from, const scope *sc, bool lambda_ok)
{
    for (size_t i = from; i < n->nkids; i++) {
        resolve(d, n->kids[i], sc, lambda_ok);
    }
}

static void resolve_call(sl_diags *d, sl_ast *n, const scope *sc)
{
    char what[64];
    const sl_func *row = NULL;
    if (name_is(n, "empty") || name_is(n, "size")) {
        /* JEXL's own functions; the lexer only makes these names from the keywords. */
        n->builtin = name_is(n, "empty") ? SL_BI_EMPTY : SL_BI_SIZE;
        (void)check_arity(d, n, n->name, 1, 1, n->nkids);
        resolve_kids(d, n, 0, sc, false);
        return;
    }
    row = sl_func_find(n->name, n->name_len);
    if (name_is(n, "iif")) {
        n->builtin = SL_BI_IIF; /* the catalogue's row documents it; only the evaluator can
                                   leave the branch not taken unevaluated */
    }
    if (row == NULL && n->builtin == SL_BI_NONE) {
        sl__diag_add(d, n->line, n->col, "unknown function '%.60s'", n->name);
        resolve_kids(d, n, 0, sc, false);
        return;
    }
    if (row != NULL && (row->flags & SL_FN_UNSUPPORTED) != 0) {
        sl__diag_add(d, n->line, n->col, "%.60s is not supported: %.80s", n->name,
                     row->description != NULL ? row->description : "no implementation");
        resolve_kids(d, n, 0, sc, false);
        return;
    }
    n->fn = row;
    (void)snprintf(what, sizeof(what), "%.60s", n->name);
    if (row != NULL) {
        (void)check_arity(d, n, what, row->min_args, row->max_args, n->nkids);
    } else {
        (void)check_arity(d, n, what, 3, 3, n->nkids);
    }
    resolve_kids(d, n, 0, sc, row != NULL && (row->flags & SL_FN_LAMBDA) != 0);
}

static void resolve_method(sl_diags *d, sl_ast *n, const scope *sc)
{
    char what[64];
    (void)snprintf(what, sizeof(what), ".%.60s()", n->name);
    size_t given = n->nkids - 1; /* kids[0] is the receiver */
    if (name_is(n, "get")) {
        n->builtin = SL_BI_GET;
        (void)check_arity(d, n, what, 1, 1, given);
    } else if (name_is(n, "equals") || name_is(n, "equalsIgnoreCase")) {
        /* The catalogue rows take the receiver as their first argument. */
        const sl_func *row = sl_func_find(n->name, n->name_len);
        if (row == NULL || row->min_args < 1) {
            sl__diag_add(d, n->line, n->col, "method '%.60s' has no catalogue row", n->name);
        } else {
            n->fn = row;
            (void)check_arity(d, n, what, row->min_args - 1,
                              row->max_args < 0 ? -1 : row->max_args - 1, given);
        }
    } else {
        sl__diag_add(d, n->line, n->col,
                     "unknown method '%.60s' (the methods are equals, equalsIgnoreCase and get)",
                     n->name);
    }
    resolve_kids(d, n, 0, sc, false);
}

static void resolve_field(sl_ast *n, const scope *sc)
{
    if (!n->plain) {
        return; /* ${x} always names a field of the input */
    }
    int up = 0;
    for (const scope *s = sc; s != NULL; s = s->parent, up++) {
        for (size_t i = 0; i < s->lambda->nparams; i++) {
            if (strcmp(s->lambda->params[i], n->name) == 0) {
                n->kind = SL_AST_PARAM;
                n->up = up;
                n->slot = (int)i;
                return;
            }
        }
    }
}

static void resolve(sl_diags *d, sl_ast *n, const scope *sc, bool lambda_ok)
{
    switch (n->kind) {
    case SL_AST_FIELD:
        resolve_field(n, sc);
        return;
    case SL_AST_CALL:
        resolve_call(d, n, sc);
        return;
    case SL_AST_METHOD:
        resolve_method(d, n, sc);
        return;
    case SL_AST_LAMBDA: {
        if (!lambda_ok) {
            sl__diag_add(d, n->line, n->col,
                         "a lambda is only allowed as an argument of a function that takes one "
                         "(filterArray, transformArray)");
        }
        scope inner = {sc, n};
        resolve_kids(d, n, 0, &inner, false);
        return;
    }
    default:
        resolve_kids(d, n, 0, sc, false);
        return;
    }
}

void sl__compile(sl_ast *root, sl_diags *diags)
{
    if (!diags->fatal) {
        resolve(diags, root, NULL, false);
    }
}
