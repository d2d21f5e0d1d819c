/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/parse.c: a Pratt parser (JEXL's precedence) over the tokens of lex.c.
 *
 * Error recovery works in "panic mode" (as in Crafting Interpreters' clox): the first error
 * is reported and later ones are suppressed until the parser reaches a synchronisation point
 * (a ',', ')' or ']' it consumes as part of a list or a group). Every loop consumes at least
 * one token per turn or ends, so recovery always terminates. The parser recurses; the depth
 * is bounded by SL_MAX_EXPR_DEPTH, and so is the height of the tree it builds, which in turn
 * bounds the evaluator's recursion. */
#include "mapping/parse.h"

#include "core/limits.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct parser {
    sl_lexer lx;
    sl_tok cur;
    sl_arena *arena;
    sl_diags *diags;
    int depth;
    bool panic;
} parser;

static void vformat(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    (void)vsnprintf(buf, cap, fmt, ap);
}

/* An arena array of `n` node pointers (all object pointers have one size under POSIX). */
static void *ptr_array(sl_arena *a, size_t n)
{
    return sl_arena_alloc(a, (n != 0 ? n : 1) * sizeof(void *));
}

void sl__diag_add(sl_diags *d, int line, int col, const char *fmt, ...)
{
    if (d->n >= SL_DIAGS_KEPT) {
        d->n++;
        return;
    }
    sl_diag *g = sl_arena_calloc(d->arena, 1, sizeof(*g));
    g->line = line;
    g->col = col;
    va_list ap;
    va_start(ap, fmt);
    vformat(g->msg, sizeof(g->msg), fmt, ap);
    va_end(ap);
    if (d->tail != NULL) {
        d->tail->next = g;
    } else {
        d->head = g;
    }
    d->tail = g;
    d->n++;
}

static void error_at(parser *p, const sl_tok *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void error_at(parser *p, const sl_tok *t, const char *fmt, ...)
{
    if (p->panic || p->diags->fatal) {
        return;
    }
    p->panic = true;
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vformat(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sl__diag_add(p->diags, t->line, t->col, "%s", msg);
}

/* A limit was hit: report it and stop (the rest of the input is treated as absent). */
static void fatal_at(parser *p, int line, int col, const char *msg)
{
    if (!p->diags->fatal) {
        sl__diag_add(p->diags, line, col, "%s", msg);
        p->diags->fatal = true;
    }
    p->lx.pos = p->lx.len;
    p->cur.type = SL_TOK_EOF;
}

static void advance(parser *p)
{
    if (p->diags->fatal) {
        p->cur.type = SL_TOK_EOF;
        return;
    }
    for (;;) {
        sl__lex_next(&p->lx, &p->cur);
        if (p->cur.type != SL_TOK_ERROR) {
            return;
        }
        /* The parser goes on as if the bad text were not there, in panic mode so that the
         * gap causes no second message (nor does a run of bad bytes). */
        error_at(p, &p->cur, "%s", p->cur.msg);
    }
}

static bool at(const parser *p, sl_tok_type t)
{
    return p->cur.type == t;
}

static bool at_stop(const parser *p)
{
    return at(p, SL_TOK_COMMA) || at(p, SL_TOK_RPAREN) || at(p, SL_TOK_RBRACKET) ||
           at(p, SL_TOK_EOF);
}

/* Skip to the next ',', ')' or ']' that is not inside brackets skipped along the way, or the
 * end. Does not consume the stop token. */
static void synchronize(parser *p)
{
    int balance = 0;
    while (!at(p, SL_TOK_EOF)) {
        if (balance == 0 && at_stop(p)) {
            return;
        }
        if (at(p, SL_TOK_LPAREN) || at(p, SL_TOK_LBRACKET)) {
            balance++;
        } else if (at(p, SL_TOK_RPAREN) || at(p, SL_TOK_RBRACKET)) {
            balance--;
        }
        advance(p);
    }
}

/* Consume the list punctuation `t`: a synchronisation point that ends panic mode. */
static void consume_sync(parser *p)
{
    advance(p);
    p->panic = false;
}

/* A token's one-token lookahead, without moving the parser. */
static sl_tok peek_next(const parser *p)
{
    sl_lexer copy = p->lx;
    sl_tok t;
    do {
        sl__lex_next(&copy, &t);
    } while (t.type == SL_TOK_ERROR);
    return t;
}

static sl_ast *new_node(parser *p, sl_ast_kind kind, const sl_tok *at_tok)
{
    sl_ast *n = sl_arena_calloc(p->arena, 1, sizeof(*n));
    n->kind = kind;
    n->line = at_tok->line;
    n->col = at_tok->col;
    n->off = at_tok->off;
    n->height = 1;
    return n;
}

/* Set `n`'s children (copied into the arena) and its height, enforcing the depth limit. */
static sl_ast *with_kids(parser *p, sl_ast *n, sl_ast *const *kids, size_t nkids)
{
    n->kids = ptr_array(p->arena, nkids);
    n->nkids = nkids;
    for (size_t i = 0; i < nkids; i++) {
        n->kids[i] = kids[i];
        if (kids[i]->height + 1 > n->height) {
            n->height = kids[i]->height + 1;
        }
    }
    if (n->height > SL_MAX_EXPR_DEPTH) {
        char msg[96];
        (void)snprintf(msg, sizeof(msg), "expression nested deeper than %d levels",
                       SL_MAX_EXPR_DEPTH);
        fatal_at(p, n->line, n->col, msg);
    }
    return n;
}

static sl_ast *error_node(parser *p, const sl_tok *t)
{
    return new_node(p, SL_AST_ERROR, t);
}

static sl_ast *parse_expr(parser *p, int min_bp);

/* A growable list of nodes in the arena. */
typedef struct node_list {
    sl_ast **items;
    size_t len;
    size_t cap;
} node_list;

static void list_push(parser *p, node_list *l, sl_ast *n)
{
    if (l->len == l->cap) {
        size_t cap = l->cap != 0 ? l->cap * 2 : 4;
        sl_ast **items = ptr_array(p->arena, cap);
        if (l->len != 0) {
            memcpy(items, l->items, l->len * sizeof(void *));
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = n;
}

/* Items up to `close` (the opening token already consumed), separated by commas. */
static void parse_list(parser *p, sl_tok_type close, const sl_tok *open, const char *what,
                       node_list *out)
{
    char d[48];
    if (at(p, close)) {
        consume_sync(p);
        return;
    }
    for (;;) {
        list_push(p, out, parse_expr(p, 0));
        if (at(p, SL_TOK_COMMA)) {
            consume_sync(p);
            continue;
        }
        if (at(p, close)) {
            consume_sync(p);
            return;
        }
        if (at(p, SL_TOK_EOF)) {
            error_at(p, &p->cur, "expected '%c' to close %s at %d:%d",
                     close == SL_TOK_RPAREN ? ')' : ']', what, open->line, open->col);
            return;
        }
        error_at(p, &p->cur, "expected ',' or '%c' in %s, found %s",
                 close == SL_TOK_RPAREN ? ')' : ']', what, sl__tok_describe(&p->cur, d, sizeof(d)));
        synchronize(p);
        if (!at(p, SL_TOK_COMMA) && !at(p, close)) {
            return; /* the end, or a stray closing bracket for the caller to report */
        }
    }
}

static sl_ast *literal(parser *p, const sl_tok *t, const sl_val *v)
{
    sl_ast *n = new_node(p, SL_AST_LITERAL, t);
    n->value = v;
    return n;
}

static sl_ast *parse_call(parser *p, const sl_tok *name)
{
    sl_ast *n = new_node(p, SL_AST_CALL, name);
    n->name = sl_arena_strndup(p->arena, name->ptr, name->len);
    n->name_len = name->len;
    sl_tok open = p->cur;
    advance(p); /* ( */
    char what[64];
    (void)snprintf(what, sizeof(what), "the arguments of %.40s(", n->name);
    node_list args = {0};
    parse_list(p, SL_TOK_RPAREN, &open, what, &args);
    return with_kids(p, n, args.items, args.len);
}

/* Does the parser stand on the start of a lambda: `x ->`, `() ->` or `(a, b) ->`? */
static bool lambda_ahead(const parser *p)
{
    if (at(p, SL_TOK_IDENT)) {
        return peek_next(p).type == SL_TOK_ARROW;
    }
    if (!at(p, SL_TOK_LPAREN)) {
        return false;
    }
    sl_lexer copy = p->lx;
    sl_tok t;
    sl__lex_next(&copy, &t);
    if (t.type == SL_TOK_RPAREN) {
        sl__lex_next(&copy, &t);
        return t.type == SL_TOK_ARROW;
    }
    for (;;) {
        if (t.type != SL_TOK_IDENT) {
            return false;
        }
        sl__lex_next(&copy, &t);
        if (t.type == SL_TOK_RPAREN) {
            sl__lex_next(&copy, &t);
            return t.type == SL_TOK_ARROW;
        }
        if (t.type != SL_TOK_COMMA) {
            return false;
        }
        sl__lex_next(&copy, &t);
    }
}

static void add_param(parser *p, sl_ast *lam, const sl_tok *t, size_t *cap)
{
    for (size_t i = 0; i < lam->nparams; i++) {
        if (strlen(lam->params[i]) == t->len && memcmp(lam->params[i], t->ptr, t->len) == 0) {
            error_at(p, t, "duplicate lambda parameter '%.*s'", (int)t->len, t->ptr);
            return;
        }
    }
    if (lam->nparams == *cap) {
        *cap = *cap != 0 ? *cap * 2 : 4;
        const char **params = ptr_array(p->arena, *cap);
        if (lam->nparams != 0) {
            memcpy(params, lam->params, lam->nparams * sizeof(void *));
        }
        lam->params = params;
    }
    lam->params[lam->nparams++] = sl_arena_strndup(p->arena, t->ptr, t->len);
}

static sl_ast *parse_lambda(parser *p)
{
    sl_ast *n = new_node(p, SL_AST_LAMBDA, &p->cur);
    size_t cap = 0;
    if (at(p, SL_TOK_IDENT)) {
        add_param(p, n, &p->cur, &cap);
        advance(p);
    } else {
        advance(p); /* ( */
        while (at(p, SL_TOK_IDENT)) {
            add_param(p, n, &p->cur, &cap);
            advance(p);
            if (at(p, SL_TOK_COMMA)) {
                advance(p);
            }
        }
        advance(p); /* ) */
    }
    advance(p); /* -> */
    sl_ast *body = parse_expr(p, 1);
    return with_kids(p, n, &body, 1);
}

/* ${a.b\.c}: a field (or, after `base.`, a member of `base`), then members; `\` escapes '.',
 * '}' and '\'. */
static sl_ast *parse_field_token(parser *p, const sl_tok *t, sl_ast *base)
{
    char *buf = sl_arena_alloc(p->arena, t->slen + 1);
    sl_ast *n = base;
    size_t i = 0;
    do {
        size_t len = 0;
        while (i < t->slen && t->str[i] != '.') {
            char c = t->str[i];
            if (c == '\\' && i + 1 < t->slen &&
                (t->str[i + 1] == '.' || t->str[i + 1] == '}' || t->str[i + 1] == '\\')) {
                c = t->str[++i];
            }
            buf[len++] = c;
            i++;
        }
        if (len == 0) {
            error_at(p, t, "empty name in %.*s", t->len > 40 ? 40 : (int)t->len, t->ptr);
            return error_node(p, t);
        }
        sl_ast *m = new_node(p, n == NULL ? SL_AST_FIELD : SL_AST_MEMBER, t);
        m->name = sl_arena_strndup(p->arena, buf, len);
        m->name_len = len;
        n = n == NULL ? m : with_kids(p, m, &n, 1);
        i++; /* the '.' */
    } while (i <= t->slen);
    return n;
}

static sl_ast *parse_word(parser *p)
{
    sl_tok t = p->cur;
    char d[48];
    if (t.type == SL_TOK_IDENT) {
        if (lambda_ahead(p)) {
            return parse_lambda(p);
        }
        advance(p);
        if (at(p, SL_TOK_LPAREN)) {
            return parse_call(p, &t);
        }
        sl_ast *n = new_node(p, SL_AST_FIELD, &t);
        n->name = sl_arena_strndup(p->arena, t.ptr, t.len);
        n->name_len = t.len;
        n->plain = true;
        return n;
    }
    /* empty, size: built-in functions of JEXL, reserved as names */
    advance(p);
    if ((t.type == SL_TOK_EMPTY || t.type == SL_TOK_SIZE) && at(p, SL_TOK_LPAREN)) {
        return parse_call(p, &t);
    }
    error_at(p, &t, "%s is a reserved word; write ${%.*s} for a field of that name",
             sl__tok_describe(&t, d, sizeof(d)), (int)t.len, t.ptr);
    return error_node(p, &t);
}

static sl_ast *parse_group_or_lambda(parser *p)
{
    if (lambda_ahead(p)) {
        return parse_lambda(p);
    }
    sl_tok open = p->cur;
    advance(p);
    sl_ast *n = parse_expr(p, 0);
    if (at(p, SL_TOK_RPAREN)) {
        consume_sync(p);
    } else {
        char d[48];
        error_at(p, &p->cur, "expected ')' to close '(' at %d:%d, found %s", open.line, open.col,
                 sl__tok_describe(&p->cur, d, sizeof(d)));
    }
    return n;
}

static sl_ast *parse_array(parser *p)
{
    sl_tok open = p->cur;
    sl_ast *n = new_node(p, SL_AST_ARRAY, &open);
    advance(p);
    node_list items = {0};
    parse_list(p, SL_TOK_RBRACKET, &open, "the array", &items);
    return with_kids(p, n, items.items, items.len);
}

static sl_ast *parse_unary(parser *p)
{
    sl_tok t = p->cur;
    advance(p);
    if (t.type == SL_TOK_MINUS && at(p, SL_TOK_INT) && p->cur.u == (uint64_t)INT64_MAX + 1) {
        /* -9223372036854775808: the one literal whose magnitude alone does not fit */
        sl_ast *n = literal(p, &t, sl_val_int(p->arena, INT64_MIN));
        advance(p);
        return n;
    }
    sl_ast *n = new_node(p, SL_AST_UNARY, &t);
    n->op = t.type;
    sl_ast *operand = parse_expr(p, 11);
    return with_kids(p, n, &operand, 1);
}

static sl_ast *parse_literal(parser *p)
{
    sl_tok t = p->cur;
    advance(p);
    switch (t.type) {
    case SL_TOK_INT:
        if (t.u > (uint64_t)INT64_MAX) {
            error_at(p, &t, "integer literal out of range");
            return error_node(p, &t);
        }
        return literal(p, &t, sl_val_int(p->arena, (int64_t)t.u));
    case SL_TOK_DEC:
        return literal(p, &t, sl_val_double(p->arena, t.d));
    case SL_TOK_STR:
        return literal(p, &t, sl_val_str_owned(p->arena, t.str, t.slen));
    case SL_TOK_TRUE:
        return literal(p, &t, sl_val_true());
    case SL_TOK_FALSE:
        return literal(p, &t, sl_val_false());
    default:
        return literal(p, &t, sl_val_null());
    }
}

static sl_ast *parse_prefix(parser *p)
{
    char d[48];
    switch (p->cur.type) {
    case SL_TOK_INT:
    case SL_TOK_DEC:
    case SL_TOK_STR:
    case SL_TOK_TRUE:
    case SL_TOK_FALSE:
    case SL_TOK_NULL:
        return parse_literal(p);
    case SL_TOK_IDENT:
    case SL_TOK_EMPTY:
    case SL_TOK_SIZE:
    case SL_TOK_RESERVED:
        return parse_word(p);
    case SL_TOK_FIELD: {
        sl_tok t = p->cur;
        advance(p);
        return parse_field_token(p, &t, NULL);
    }
    case SL_TOK_LPAREN:
        return parse_group_or_lambda(p);
    case SL_TOK_LBRACKET:
        return parse_array(p);
    case SL_TOK_MINUS:
    case SL_TOK_NOT:
    case SL_TOK_TILDE:
        return parse_unary(p);
    default: {
        sl_tok t = p->cur;
        error_at(p, &t, "expected an expression, found %s", sl__tok_describe(&t, d, sizeof(d)));
        if (!at_stop(p)) {
            advance(p);
            synchronize(p);
        }
        return error_node(p, &t);
    }
    }
}

static sl_ast *parse_member(parser *p, sl_ast *left)
{
    sl_tok dot = p->cur;
    advance(p);
    sl_tok t = p->cur;
    if (t.type == SL_TOK_FIELD) {
        advance(p);
        return parse_field_token(p, &t, left);
    }
    if (!t.word) {
        char d[48];
        error_at(p, &t, "expected a field or method name after '.', found %s",
                 sl__tok_describe(&t, d, sizeof(d)));
        return error_node(p, &dot);
    }
    advance(p);
    sl_ast *n = new_node(p, at(p, SL_TOK_LPAREN) ? SL_AST_METHOD : SL_AST_MEMBER, &t);
    n->name = sl_arena_strndup(p->arena, t.ptr, t.len);
    n->name_len = t.len;
    if (n->kind == SL_AST_MEMBER) {
        return with_kids(p, n, &left, 1);
    }
    sl_tok open = p->cur;
    advance(p);
    char what[64];
    (void)snprintf(what, sizeof(what), "the arguments of .%.40s(", n->name);
    node_list args = {0};
    list_push(p, &args, left);
    parse_list(p, SL_TOK_RPAREN, &open, what, &args);
    return with_kids(p, n, args.items, args.len);
}

static sl_ast *parse_index(parser *p, sl_ast *left)
{
    sl_tok open = p->cur;
    advance(p);
    if (at(p, SL_TOK_STAR) && peek_next(p).type == SL_TOK_RBRACKET) {
        error_at(p, &open,
                 "[*] is not allowed in an expression (only in ATTRIBUTE sources and "
                 "destinations)");
        advance(p);
        consume_sync(p);
        return left;
    }
    sl_ast *n = new_node(p, SL_AST_INDEX, &open);
    sl_ast *kids[2] = {left, parse_expr(p, 0)};
    if (at(p, SL_TOK_RBRACKET)) {
        consume_sync(p);
    } else {
        char d[48];
        error_at(p, &p->cur, "expected ']' to close '[' at %d:%d, found %s", open.line, open.col,
                 sl__tok_describe(&p->cur, d, sizeof(d)));
    }
    return with_kids(p, n, kids, 2);
}

/* Left binding power of an infix operator; 0 when `t` is none. */
static int infix_bp(sl_tok_type t)
{
    switch (t) {
    case SL_TOK_QUESTION:
    case SL_TOK_ELVIS:
    case SL_TOK_COALESCE:
        return 1;
    case SL_TOK_OR:
        return 2;
    case SL_TOK_AND:
        return 3;
    case SL_TOK_PIPE:
        return 4;
    case SL_TOK_CARET:
        return 5;
    case SL_TOK_AMP:
        return 6;
    case SL_TOK_EQ:
    case SL_TOK_NE:
        return 7;
    case SL_TOK_LT:
    case SL_TOK_LE:
    case SL_TOK_GT:
    case SL_TOK_GE:
        return 8;
    case SL_TOK_PLUS:
    case SL_TOK_MINUS:
        return 9;
    case SL_TOK_STAR:
    case SL_TOK_SLASH:
    case SL_TOK_PERCENT:
        return 10;
    default:
        return 0;
    }
}

static sl_ast *parse_infix(parser *p, sl_ast *left, int bp)
{
    sl_tok op = p->cur;
    advance(p);
    if (op.type == SL_TOK_QUESTION) {
        sl_ast *n = new_node(p, SL_AST_COND, &op);
        sl_ast *kids[3] = {left, parse_expr(p, 1), NULL};
        if (at(p, SL_TOK_COLON)) {
            advance(p);
        } else {
            char d[48];
            error_at(p, &p->cur, "expected ':' of the '?' at %d:%d, found %s", op.line, op.col,
                     sl__tok_describe(&p->cur, d, sizeof(d)));
        }
        kids[2] = parse_expr(p, 1);
        return with_kids(p, n, kids, 3);
    }
    sl_ast *n = new_node(p, SL_AST_BINARY, &op);
    n->op = op.type;
    /* ?: and ?? associate to the right, the others to the left. */
    int rbp = bp == 1 ? 1 : bp + 1;
    sl_ast *kids[2] = {left, parse_expr(p, rbp)};
    return with_kids(p, n, kids, 2);
}

static sl_ast *parse_expr(parser *p, int min_bp)
{
    if (++p->depth > SL_MAX_EXPR_DEPTH) {
        char msg[96];
        (void)snprintf(msg, sizeof(msg), "expression nested deeper than %d levels",
                       SL_MAX_EXPR_DEPTH);
        fatal_at(p, p->cur.line, p->cur.col, msg);
        p->depth--;
        return error_node(p, &p->cur);
    }
    sl_ast *left = parse_prefix(p);
    for (;;) {
        if (at(p, SL_TOK_DOT)) {
            left = parse_member(p, left);
            continue;
        }
        if (at(p, SL_TOK_LBRACKET)) {
            left = parse_index(p, left);
            continue;
        }
        int bp = infix_bp(p->cur.type);
        if (bp == 0 || bp < min_bp) {
            break;
        }
        left = parse_infix(p, left, bp);
    }
    p->depth--;
    return left;
}

sl_ast *sl__parse(const char *text, size_t len, sl_arena *arena, sl_diags *diags)
{
    parser p;
    memset(&p, 0, sizeof(p));
    p.arena = arena;
    p.diags = diags;
    sl__lex_init(&p.lx, text, len, arena);
    advance(&p);
    sl_ast *root = parse_expr(&p, 0);
    while (!at(&p, SL_TOK_EOF)) {
        char d[48];
        error_at(&p, &p.cur, "unexpected %s after the expression",
                 sl__tok_describe(&p.cur, d, sizeof(d)));
        if (at_stop(&p)) {
            consume_sync(&p);
        } else {
            synchronize(&p);
            continue;
        }
        if (!at(&p, SL_TOK_EOF)) {
            (void)parse_expr(&p, 0); /* only for the errors it may hold */
        }
    }
    return root;
}
