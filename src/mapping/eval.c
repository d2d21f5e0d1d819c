/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/eval.c: a tree-walking evaluator over the value model.
 *
 * The semantics follow JEXL (the engine behind AEP Data Prep) where Data Prep documents
 * nothing, and tests/mapping/README.md states each decision: null is 0 in arithmetic and ""
 * in concatenation (but null op null is null), integer division truncates, 64-bit overflow is
 * an error, ordering comparisons with null are false. Recursion is bounded by the tree height
 * (SL_MAX_EXPR_DEPTH); lambdas do not add to it because a lambda's body is part of the tree. */
#include "mapping/eval.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The arguments of the lambda call a PARAM reads from; frames live in the arena so that a
 * lambda value never points at a dead stack frame. */
typedef struct frame {
    const struct frame *parent;
    const sl_val *const *args;
    size_t nargs;
} frame;

typedef struct evaluator {
    sl_fn_ctx *cx;
    sl_arena *a;
    const sl_val *input;
    const sl_eval_limits *lim;
    size_t steps;
    size_t base; /* sl_arena_used() when the evaluation began */
} evaluator;

static int eval(evaluator *ev, const sl_ast *n, const frame *fr, const sl_val **out, sl_err *err);

static int fail(const sl_ast *n, sl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void vformat(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    (void)vsnprintf(buf, cap, fmt, ap);
}

static int fail(const sl_ast *n, sl_err *err, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vformat(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (err != NULL) {
        err->loc.line = n->line;
        err->loc.col = n->col;
    }
    return sl_err_set(err, SL_EINVAL, "%s", msg);
}

static bool is_num(const sl_val *v)
{
    return v->type == SL_VAL_INT || v->type == SL_VAL_DOUBLE;
}

/* A value for a message: its type, and the value itself when it is short. */
static const char *describe(const sl_val *v, char *buf, size_t cap)
{
    switch (v->type) {
    case SL_VAL_STRING:
        (void)snprintf(buf, cap, "string \"%.32s%s\"", v->u.s.ptr, v->u.s.len > 32 ? "..." : "");
        break;
    case SL_VAL_INT:
        (void)snprintf(buf, cap, "integer %" PRId64, v->u.i);
        break;
    case SL_VAL_DOUBLE:
        (void)snprintf(buf, cap, "decimal %g", v->u.d);
        break;
    case SL_VAL_BOOL:
        (void)snprintf(buf, cap, "boolean %s", v->u.b ? "true" : "false");
        break;
    default:
        (void)snprintf(buf, cap, "%s", sl_val_type_name(v->type));
        break;
    }
    return buf;
}

static const char *op_text(sl_tok_type op)
{
    switch (op) {
    case SL_TOK_PLUS:
        return "+";
    case SL_TOK_MINUS:
        return "-";
    case SL_TOK_STAR:
        return "*";
    case SL_TOK_SLASH:
        return "/";
    case SL_TOK_PERCENT:
        return "%";
    case SL_TOK_AMP:
        return "&";
    case SL_TOK_PIPE:
        return "|";
    case SL_TOK_CARET:
        return "^";
    case SL_TOK_TILDE:
        return "~";
    case SL_TOK_LT:
        return "<";
    case SL_TOK_LE:
        return "<=";
    case SL_TOK_GT:
        return ">";
    default:
        return ">=";
    }
}

static int type_error(const sl_ast *n, sl_err *err, const sl_val *l, const sl_val *r)
{
    char a[64];
    char b[64];
    if (r == NULL) {
        return fail(n, err, "cannot apply '%s' to %s", op_text(n->op), describe(l, a, sizeof(a)));
    }
    return fail(n, err, "cannot apply '%s' to %s and %s", op_text(n->op), describe(l, a, sizeof(a)),
                describe(r, b, sizeof(b)));
}

static int check_memory(const evaluator *ev, const sl_ast *n, sl_err *err)
{
    if (sl_arena_used(ev->a) - ev->base > ev->lim->max_bytes) {
        return fail(n, err, "evaluation used more than %zu bytes", ev->lim->max_bytes);
    }
    return SL_OK;
}

bool sl__eval_truth(const sl_val *v)
{
    bool b = false;
    if (sl_val_is_null(v)) {
        return false;
    }
    switch (v->type) {
    case SL_VAL_BOOL:
        return v->u.b;
    case SL_VAL_INT:
        return v->u.i != 0;
    case SL_VAL_DOUBLE:
        return v->u.d != 0.0;
    case SL_VAL_STRING:
        return sl_val_as_bool(v, &b) ? b : v->u.s.len > 0;
    case SL_VAL_ARRAY:
        return v->u.arr.len > 0;
    case SL_VAL_OBJECT:
        return v->u.obj.len > 0;
    default:
        return true;
    }
}

/* ---- numbers ---- */

typedef struct num {
    bool is_int;
    int64_t i;
    double d;
} num;

/* The number `v` stands for in arithmetic: null is 0, a string must hold a number. */
static bool as_num(const sl_val *v, num *out)
{
    out->is_int = true;
    out->i = 0;
    out->d = 0;
    if (sl_val_is_null(v)) {
        return true;
    }
    if (v->type == SL_VAL_INT) {
        out->i = v->u.i;
        return true;
    }
    if (v->type == SL_VAL_DOUBLE) {
        out->is_int = false;
        out->d = v->u.d;
        return true;
    }
    if (v->type != SL_VAL_STRING) {
        return false;
    }
    if (sl_val_as_int(v, &out->i)) {
        return true;
    }
    out->is_int = false;
    return sl_val_as_double(v, &out->d);
}

static double num_d(const num *x)
{
    return x->is_int ? (double)x->i : x->d;
}

static int int_arith(const sl_ast *n, int64_t x, int64_t y, int64_t *r, sl_err *err)
{
    bool ovf = false;
    switch (n->op) {
    case SL_TOK_PLUS:
        ovf = __builtin_add_overflow(x, y, r);
        break;
    case SL_TOK_MINUS:
        ovf = __builtin_sub_overflow(x, y, r);
        break;
    case SL_TOK_STAR:
        ovf = __builtin_mul_overflow(x, y, r);
        break;
    case SL_TOK_SLASH:
        if (y == 0) {
            return fail(n, err, "division by zero");
        }
        ovf = x == INT64_MIN && y == -1;
        *r = ovf ? 0 : x / y; /* truncates toward zero, as Java's long division */
        break;
    default: /* % */
        if (y == 0) {
            return fail(n, err, "division by zero");
        }
        *r = y == -1 ? 0 : x % y; /* the sign follows the dividend */
        break;
    }
    if (ovf) {
        return fail(n, err, "integer overflow in '%s'", op_text(n->op));
    }
    return SL_OK;
}

static int dec_arith(evaluator *ev, const sl_ast *n, double x, double y, const sl_val **out,
                     sl_err *err)
{
    double r = 0;
    switch (n->op) {
    case SL_TOK_PLUS:
        r = x + y;
        break;
    case SL_TOK_MINUS:
        r = x - y;
        break;
    case SL_TOK_STAR:
        r = x * y;
        break;
    case SL_TOK_SLASH:
        if (y == 0.0) {
            return fail(n, err, "division by zero");
        }
        r = x / y;
        break;
    default:
        if (y == 0.0) {
            return fail(n, err, "division by zero");
        }
        r = fmod(x, y);
        break;
    }
    if (!isfinite(r)) {
        return fail(n, err, "decimal overflow in '%s'", op_text(n->op));
    }
    *out = sl_val_double(ev->a, r);
    return SL_OK;
}

static int concat(evaluator *ev, const sl_ast *n, const sl_val *l, const sl_val *r,
                  const sl_val **out, sl_err *err)
{
    const sl_val *ls = sl_val_is_null(l) ? NULL : sl_val_to_string(ev->a, l);
    const sl_val *rs = sl_val_is_null(r) ? NULL : sl_val_to_string(ev->a, r);
    size_t ll = ls != NULL ? ls->u.s.len : 0;
    size_t rl = rs != NULL ? rs->u.s.len : 0;
    if (ll + rl > ev->lim->max_bytes) {
        return fail(n, err, "evaluation used more than %zu bytes", ev->lim->max_bytes);
    }
    char *buf = sl_arena_alloc(ev->a, ll + rl + 1);
    if (ll != 0) {
        memcpy(buf, ls->u.s.ptr, ll);
    }
    if (rl != 0) {
        memcpy(buf + ll, rs->u.s.ptr, rl);
    }
    buf[ll + rl] = '\0';
    *out = sl_val_str_owned(ev->a, buf, ll + rl);
    return check_memory(ev, n, err);
}

/* + - * / % */
static int arith(evaluator *ev, const sl_ast *n, const sl_val *l, const sl_val *r,
                 const sl_val **out, sl_err *err)
{
    if (n->op == SL_TOK_PLUS && (l->type == SL_VAL_STRING || r->type == SL_VAL_STRING)) {
        return concat(ev, n, l, r, out, err);
    }
    if (sl_val_is_null(l) && sl_val_is_null(r)) {
        *out = sl_val_null();
        return SL_OK;
    }
    num x;
    num y;
    if (l->type == SL_VAL_BOOL || r->type == SL_VAL_BOOL || !as_num(l, &x) || !as_num(r, &y)) {
        return type_error(n, err, l, r);
    }
    if (x.is_int && y.is_int) {
        int64_t res = 0;
        int rc = int_arith(n, x.i, y.i, &res, err);
        if (rc == SL_OK) {
            *out = sl_val_int(ev->a, res);
        }
        return rc;
    }
    return dec_arith(ev, n, num_d(&x), num_d(&y), out, err);
}

/* & | ^ on integers (null is 0) or on booleans. */
static int bitwise(evaluator *ev, const sl_ast *n, const sl_val *l, const sl_val *r,
                   const sl_val **out, sl_err *err)
{
    if (l->type == SL_VAL_BOOL && r->type == SL_VAL_BOOL) {
        bool x = l->u.b;
        bool y = r->u.b;
        *out = sl_val_bool(n->op == SL_TOK_AMP ? x && y : n->op == SL_TOK_PIPE ? x || y : x != y);
        return SL_OK;
    }
    if (sl_val_is_null(l) && sl_val_is_null(r)) {
        *out = sl_val_null();
        return SL_OK;
    }
    bool li = sl_val_is_null(l) || l->type == SL_VAL_INT;
    bool ri = sl_val_is_null(r) || r->type == SL_VAL_INT;
    if (!li || !ri) {
        return type_error(n, err, l, r);
    }
    int64_t x = sl_val_is_null(l) ? 0 : l->u.i;
    int64_t y = sl_val_is_null(r) ? 0 : r->u.i;
    *out = sl_val_int(ev->a, n->op == SL_TOK_AMP ? x & y : n->op == SL_TOK_PIPE ? x | y : x ^ y);
    return SL_OK;
}

/* ---- comparisons ---- */

static int num_cmp(const num *x, const num *y)
{
    if (x->is_int && y->is_int) {
        return x->i < y->i ? -1 : x->i > y->i ? 1 : 0;
    }
    double a = num_d(x);
    double b = num_d(y);
    return a < b ? -1 : a > b ? 1 : 0;
}

/* A number and a string holding one compare as numbers. */
static bool numeric_pair(const sl_val *a, const sl_val *b, num *x, num *y)
{
    bool an = is_num(a);
    bool bn = is_num(b);
    if (!(an && bn) && !(an && b->type == SL_VAL_STRING) && !(bn && a->type == SL_VAL_STRING)) {
        return false;
    }
    return as_num(a, x) && as_num(b, y);
}

/* A date-time and an ISO-8601 string compare as instants. */
static bool datetime_pair(const sl_val *a, const sl_val *b, sl_datetime *x, sl_datetime *y)
{
    if (a->type == SL_VAL_DATETIME && b->type == SL_VAL_STRING) {
        *x = a->u.dt;
        return sl_datetime_parse_iso(b->u.s.ptr, b->u.s.len, y);
    }
    if (b->type == SL_VAL_DATETIME && a->type == SL_VAL_STRING) {
        *y = b->u.dt;
        return sl_datetime_parse_iso(a->u.s.ptr, a->u.s.len, x);
    }
    return false;
}

static int dt_cmp(const sl_datetime *x, const sl_datetime *y)
{
    if (x->sec != y->sec) {
        return x->sec < y->sec ? -1 : 1;
    }
    return x->nsec < y->nsec ? -1 : x->nsec > y->nsec ? 1 : 0;
}

static bool loose_equal(const sl_val *a, const sl_val *b)
{
    num x;
    num y;
    sl_datetime dx;
    sl_datetime dy;
    bool bv = false;
    if (sl_val_is_null(a) || sl_val_is_null(b)) {
        return sl_val_is_null(a) && sl_val_is_null(b);
    }
    if (is_num(a) || is_num(b)) {
        return numeric_pair(a, b, &x, &y) && num_cmp(&x, &y) == 0;
    }
    if (a->type == SL_VAL_BOOL && b->type == SL_VAL_STRING) {
        return sl_val_as_bool(b, &bv) && bv == a->u.b;
    }
    if (b->type == SL_VAL_BOOL && a->type == SL_VAL_STRING) {
        return sl_val_as_bool(a, &bv) && bv == b->u.b;
    }
    if (datetime_pair(a, b, &dx, &dy)) {
        return dt_cmp(&dx, &dy) == 0;
    }
    return sl_val_equal(a, b);
}

/* < <= > >=: false when a side is null, an error when the sides cannot be ordered. */
static int order(const sl_ast *n, const sl_val *a, const sl_val *b, const sl_val **out, sl_err *err)
{
    num x;
    num y;
    sl_datetime dx;
    sl_datetime dy;
    int c = 0;
    if (sl_val_is_null(a) || sl_val_is_null(b)) {
        *out = sl_val_false();
        return SL_OK;
    }
    if (numeric_pair(a, b, &x, &y)) {
        c = num_cmp(&x, &y);
    } else if (datetime_pair(a, b, &dx, &dy)) {
        c = dt_cmp(&dx, &dy);
    } else if (is_num(a) || is_num(b) || !sl_val_compare(a, b, &c)) {
        char l[64];
        char r[64];
        return fail(n, err, "cannot compare %s with %s", describe(a, l, sizeof(l)),
                    describe(b, r, sizeof(r)));
    }
    bool res = n->op == SL_TOK_LT   ? c < 0
               : n->op == SL_TOK_LE ? c <= 0
               : n->op == SL_TOK_GT ? c > 0
                                    : c >= 0;
    *out = sl_val_bool(res);
    return SL_OK;
}

/* ---- operators ---- */

static int eval_unary(evaluator *ev, const sl_ast *n, const frame *fr, const sl_val **out,
                      sl_err *err)
{
    const sl_val *v = sl_val_null();
    int rc = eval(ev, n->kids[0], fr, &v, err);
    if (rc != SL_OK) {
        return rc;
    }
    if (n->op == SL_TOK_NOT) {
        *out = sl_val_bool(!sl__eval_truth(v));
        return SL_OK;
    }
    if (sl_val_is_null(v)) {
        *out = sl_val_null();
        return SL_OK;
    }
    num x;
    if (n->op == SL_TOK_TILDE) {
        if (v->type != SL_VAL_INT) {
            return type_error(n, err, v, NULL);
        }
        *out = sl_val_int(ev->a, ~v->u.i);
        return SL_OK;
    }
    if (v->type == SL_VAL_BOOL || !as_num(v, &x)) {
        return type_error(n, err, v, NULL);
    }
    if (x.is_int && x.i == INT64_MIN) {
        return fail(n, err, "integer overflow in '-'");
    }
    *out = x.is_int ? sl_val_int(ev->a, -x.i) : sl_val_double(ev->a, -x.d);
    return SL_OK;
}

/* && || ?: ??, which evaluate their right side only when needed. */
static int eval_short_circuit(evaluator *ev, const sl_ast *n, const frame *fr, const sl_val **out,
                              sl_err *err)
{
    const sl_val *l = sl_val_null();
    int rc = eval(ev, n->kids[0], fr, &l, err);
    if (rc != SL_OK) {
        return rc;
    }
    bool lt = n->op == SL_TOK_COALESCE ? !sl_val_is_null(l) : sl__eval_truth(l);
    if (n->op == SL_TOK_AND ? !lt : lt) {
        *out = n->op == SL_TOK_AND || n->op == SL_TOK_OR ? sl_val_bool(lt) : l;
        return SL_OK;
    }
    const sl_val *r = sl_val_null();
    rc = eval(ev, n->kids[1], fr, &r, err);
    if (rc == SL_OK) {
        *out = n->op == SL_TOK_AND || n->op == SL_TOK_OR ? sl_val_bool(sl__eval_truth(r)) : r;
    }
    return rc;
}

static int eval_binary(evaluator *ev, const sl_ast *n, const frame *fr, const sl_val **out,
                       sl_err *err)
{
    if (n->op == SL_TOK_AND || n->op == SL_TOK_OR || n->op == SL_TOK_ELVIS ||
        n->op == SL_TOK_COALESCE) {
        return eval_short_circuit(ev, n, fr, out, err);
    }
    const sl_val *l = sl_val_null();
    const sl_val *r = sl_val_null();
    int rc = eval(ev, n->kids[0], fr, &l, err);
    if (rc == SL_OK) {
        rc = eval(ev, n->kids[1], fr, &r, err);
    }
    if (rc != SL_OK) {
        return rc;
    }
    switch (n->op) {
    case SL_TOK_EQ:
    case SL_TOK_NE:
        *out = sl_val_bool(loose_equal(l, r) == (n->op == SL_TOK_EQ));
        return SL_OK;
    case SL_TOK_LT:
    case SL_TOK_LE:
    case SL_TOK_GT:
    case SL_TOK_GE:
        return order(n, l, r, out, err);
    case SL_TOK_AMP:
    case SL_TOK_PIPE:
    case SL_TOK_CARET:
        return bitwise(ev, n, l, r, out, err);
    default:
        return arith(ev, n, l, r, out, err);
    }
}

/* ---- paths ---- */

static const sl_val *member(const sl_val *obj, const char *key, size_t klen)
{
    const sl_val *v = sl_val_object_get(obj, key, klen);
    return v != NULL ? v : sl_val_null();
}

/* x[i]: an element of an array, a member of an object; anything that is not there is null. */
static const sl_val *index_of(evaluator *ev, const sl_val *x, const sl_val *i)
{
    if (x->type == SL_VAL_ARRAY) {
        int64_t k = 0;
        bool ok = i->type == SL_VAL_INT || (i->type == SL_VAL_STRING && sl_val_as_int(i, &k));
        if (i->type == SL_VAL_INT) {
            k = i->u.i;
        }
        return ok && k >= 0 && (uint64_t)k < x->u.arr.len ? x->u.arr.items[k] : sl_val_null();
    }
    if (x->type == SL_VAL_OBJECT && !sl_val_is_null(i) && i->type != SL_VAL_ARRAY &&
        i->type != SL_VAL_OBJECT) {
        const sl_val *key = sl_val_to_string(ev->a, i);
        return member(x, key->u.s.ptr, key->u.s.len);
    }
    return sl_val_null();
}

/* ---- calls ---- */

static int call_lambda(sl_fn_ctx *cx, const sl_val *lambda, const sl_val *const *args, size_t nargs,
                       const sl_val **out, sl_err *err)
{
    evaluator *ev = cx->evaluator;
    if (lambda == NULL || lambda->type != SL_VAL_LAMBDA) {
        return sl_err_set(err, SL_EINVAL, "expected a lambda (x -> ...), not %s",
                          sl_val_type_name(lambda != NULL ? lambda->type : SL_VAL_NULL));
    }
    const sl_ast *l = lambda->u.lambda.node;
    frame *f = sl_arena_alloc(ev->a, sizeof(*f));
    f->parent = lambda->u.lambda.env;
    f->args = args;
    f->nargs = nargs;
    return eval(ev, l->kids[0], f, out, err);
}

/* The arguments of a call; a lambda argument becomes a lambda value closed over `fr`. */
static int eval_args(evaluator *ev, const sl_ast *n, size_t from, const frame *fr,
                     const sl_val **args, bool *any_null, sl_err *err)
{
    *any_null = false;
    for (size_t i = from; i < n->nkids; i++) {
        const sl_ast *k = n->kids[i];
        if (k->kind == SL_AST_LAMBDA) {
            sl_val *lam = sl_arena_calloc(ev->a, 1, sizeof(*lam));
            lam->type = SL_VAL_LAMBDA;
            lam->u.lambda.node = k;
            lam->u.lambda.env = fr;
            args[i - from] = lam;
            continue;
        }
        int rc = eval(ev, k, fr, &args[i - from], err);
        if (rc != SL_OK) {
            return rc;
        }
        *any_null = *any_null || sl_val_is_null(args[i - from]);
    }
    return SL_OK;
}

static int call_row(evaluator *ev, const sl_ast *n, const sl_val *const *args, size_t nargs,
                    bool any_null, const sl_val **out, sl_err *err)
{
    const sl_func *fn = n->fn;
    if (any_null && (fn->flags & SL_FN_TAKES_NULL) == 0) {
        *out = sl_val_null(); /* the language's rule: null in, null out */
        return SL_OK;
    }
    if (fn->impl == NULL) {
        return fail(n, err, "%s: the catalogue row has no implementation", fn->name);
    }
    const sl_val *res = sl_val_null();
    int rc = fn->impl(ev->cx, args, nargs, &res, err);
    if (rc != SL_OK) {
        if (err != NULL) {
            if (err->msg[0] == '\0') {
                (void)sl_err_set(err, SL_EINVAL, "%s failed", fn->name);
            }
            err->loc.line = n->line;
            err->loc.col = n->col;
        }
        return SL_EINVAL;
    }
    *out = res != NULL ? res : sl_val_null();
    return check_memory(ev, n, err);
}

static int size_of(const sl_ast *n, const sl_val *v, int64_t *len, sl_err *err)
{
    char d[64];
    *len = 0;
    if (sl_val_is_null(v)) {
        return SL_OK;
    }
    switch (v->type) {
    case SL_VAL_STRING:
        for (size_t i = 0; i < v->u.s.len; i++) {
            *len += ((unsigned char)v->u.s.ptr[i] & 0xC0) != 0x80;
        }
        return SL_OK;
    case SL_VAL_ARRAY:
        *len = (int64_t)v->u.arr.len;
        return SL_OK;
    case SL_VAL_OBJECT:
        *len = (int64_t)v->u.obj.len;
        return SL_OK;
    default:
        return fail(n, err, "size: %s has no size", describe(v, d, sizeof(d)));
    }
}

/* x.get(key), which has no catalogue row: a member of an object, an element of an array. */
static int call_get(evaluator *ev, const sl_ast *n, const sl_val *recv, const sl_val *arg,
                    const sl_val **out, sl_err *err)
{
    char d[64];
    *out = sl_val_null();
    if (sl_val_is_null(recv) || sl_val_is_null(arg)) {
        return SL_OK; /* the language's null rule, as for a catalogue call */
    }
    if (recv->type != SL_VAL_OBJECT && recv->type != SL_VAL_ARRAY) {
        return fail(n, err, "get: %s has no members", describe(recv, d, sizeof(d)));
    }
    *out = index_of(ev, recv, arg);
    return SL_OK;
}

static int eval_builtin(evaluator *ev, const sl_ast *n, const frame *fr, const sl_val **out,
                        sl_err *err)
{
    const sl_val *v = sl_val_null();
    int rc = eval(ev, n->kids[0], fr, &v, err);
    if (rc != SL_OK) {
        return rc;
    }
    if (n->builtin == SL_BI_IIF) {
        return eval(ev, n->kids[sl__eval_truth(v) ? 1 : 2], fr, out, err);
    }
    if (n->builtin == SL_BI_EMPTY) {
        int64_t len = 0;
        bool sized = sl_val_is_null(v) || v->type == SL_VAL_STRING || v->type == SL_VAL_ARRAY ||
                     v->type == SL_VAL_OBJECT;
        *out = sl_val_bool(sized && size_of(n, v, &len, NULL) == SL_OK && len == 0);
        return SL_OK;
    }
    if (n->builtin == SL_BI_SIZE) {
        int64_t len = 0;
        rc = size_of(n, v, &len, err);
        if (rc == SL_OK) {
            *out = sl_val_int(ev->a, len);
        }
        return rc;
    }
    const sl_val *arg = sl_val_null();
    rc = eval(ev, n->kids[1], fr, &arg, err);
    return rc == SL_OK ? call_get(ev, n, v, arg, out, err) : rc;
}

static int eval_call(evaluator *ev, const sl_ast *n, const frame *fr, const sl_val **out,
                     sl_err *err)
{
    if (n->builtin != SL_BI_NONE) {
        return eval_builtin(ev, n, fr, out, err);
    }
    const sl_val *small[9];
    /* A row that asks about the record gets it as a hidden first argument. */
    size_t hidden = (n->fn->flags & SL_FN_RECORD) != 0 ? 1 : 0;
    size_t total = n->nkids + hidden;
    /* Object pointers all have one size (POSIX). */
    const sl_val **args = total <= 9 ? small : sl_arena_alloc(ev->a, total * sizeof(void *));
    bool any_null = false;
    if (hidden != 0) {
        args[0] = ev->input;
    }
    int rc = eval_args(ev, n, 0, fr, args + hidden, &any_null, err);
    if (rc != SL_OK) {
        return rc;
    }
    return call_row(ev, n, args, total, any_null, out, err);
}

static int eval_array(evaluator *ev, const sl_ast *n, const frame *fr, const sl_val **out,
                      sl_err *err)
{
    sl_val *arr = sl_val_array_new(ev->a, n->nkids);
    for (size_t i = 0; i < n->nkids; i++) {
        const sl_val *v = sl_val_null();
        int rc = eval(ev, n->kids[i], fr, &v, err);
        if (rc != SL_OK) {
            return rc;
        }
        sl_val_array_push(ev->a, arr, v);
    }
    *out = arr;
    return check_memory(ev, n, err);
}

static const sl_val *param(const sl_ast *n, const frame *fr)
{
    for (int i = 0; i < n->up && fr != NULL; i++) {
        fr = fr->parent;
    }
    if (fr == NULL || (size_t)n->slot >= fr->nargs || fr->args[n->slot] == NULL) {
        return sl_val_null(); /* a lambda called with fewer arguments than it names */
    }
    return fr->args[n->slot];
}

static int eval_path(evaluator *ev, const sl_ast *n, const frame *fr, const sl_val **out,
                     sl_err *err)
{
    const sl_val *x = sl_val_null();
    int rc = eval(ev, n->kids[0], fr, &x, err);
    if (rc != SL_OK) {
        return rc;
    }
    if (n->kind == SL_AST_MEMBER) {
        *out = member(x, n->name, n->name_len);
        return SL_OK;
    }
    const sl_val *i = sl_val_null();
    rc = eval(ev, n->kids[1], fr, &i, err);
    if (rc == SL_OK) {
        *out = index_of(ev, x, i);
    }
    return rc;
}

static int eval(evaluator *ev, const sl_ast *n, const frame *fr, const sl_val **out, sl_err *err)
{
    if (++ev->steps > ev->lim->max_steps) {
        return fail(n, err, "evaluation took more than %zu steps", ev->lim->max_steps);
    }
    switch (n->kind) {
    case SL_AST_LITERAL:
        *out = n->value;
        return SL_OK;
    case SL_AST_FIELD:
        *out = member(ev->input, n->name, n->name_len);
        return SL_OK;
    case SL_AST_PARAM:
        *out = param(n, fr);
        return SL_OK;
    case SL_AST_MEMBER:
    case SL_AST_INDEX:
        return eval_path(ev, n, fr, out, err);
    case SL_AST_CALL:
        return eval_call(ev, n, fr, out, err);
    case SL_AST_METHOD:
        if (n->fn != NULL) {
            return eval_call(ev, n, fr, out, err); /* the receiver is the first argument */
        }
        return eval_builtin(ev, n, fr, out, err);
    case SL_AST_ARRAY:
        return eval_array(ev, n, fr, out, err);
    case SL_AST_UNARY:
        return eval_unary(ev, n, fr, out, err);
    case SL_AST_BINARY:
        return eval_binary(ev, n, fr, out, err);
    case SL_AST_COND: {
        const sl_val *c = sl_val_null();
        int rc = eval(ev, n->kids[0], fr, &c, err);
        return rc == SL_OK ? eval(ev, n->kids[sl__eval_truth(c) ? 1 : 2], fr, out, err) : rc;
    }
    default:
        /* ERROR and stray LAMBDA nodes never survive compilation. */
        return fail(n, err, "internal error: node %d cannot be evaluated", (int)n->kind);
    }
}

int sl__eval(const sl_ast *root, const sl_val *input, sl_fn_ctx *cx, const sl_eval_limits *lim,
             const sl_val **out, sl_err *err)
{
    evaluator ev = {
        .cx = cx,
        .a = cx->arena,
        .input = input != NULL ? input : sl_val_null(),
        .lim = lim,
        .steps = 0,
        .base = sl_arena_used(cx->arena),
    };
    void *saved_ev = cx->evaluator;
    int (*saved_call)(sl_fn_ctx *, const sl_val *, const sl_val *const *, size_t, const sl_val **,
                      sl_err *) = cx->call_lambda;
    cx->evaluator = &ev;
    cx->call_lambda = call_lambda;
    const sl_val *res = sl_val_null();
    int rc = eval(&ev, root, NULL, &res, err);
    cx->evaluator = saved_ev;
    cx->call_lambda = saved_call;
    *out = rc == SL_OK ? res : NULL;
    return rc;
}
