/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/ast.h: the syntax tree of a Data Prep expression. parse.c builds it with a position on
 * every node; compile.c resolves it in place (function rows, lambda parameters, built-ins), and
 * the resolved tree is the compiled form eval.c walks: immutable from then on and shared by any
 * number of threads. Every node lives in the owning sl_expr's arena. Internal to mapping/. */
#ifndef SL_MAPPING_AST_H
#define SL_MAPPING_AST_H

#include "mapping/func.h"
#include "mapping/lex.h"
#include "mapping/value.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum sl_ast_kind {
    SL_AST_ERROR = 0, /* stands for a part that did not parse (diagnostics only) */
    SL_AST_LITERAL,   /* `value` */
    SL_AST_FIELD,     /* `name`: a member of the input object */
    SL_AST_PARAM,     /* a lambda parameter: `up` frames out, slot `slot` (set by compile.c) */
    SL_AST_MEMBER,    /* kids[0].name */
    SL_AST_INDEX,     /* kids[0][kids[1]] */
    SL_AST_CALL,      /* name(kids...) */
    SL_AST_METHOD,    /* kids[0].name(kids[1]...) */
    SL_AST_ARRAY,     /* [kids...] */
    SL_AST_LAMBDA,    /* (params) -> kids[0] */
    SL_AST_UNARY,     /* op kids[0]: SL_TOK_MINUS, SL_TOK_NOT, SL_TOK_TILDE */
    SL_AST_BINARY,    /* kids[0] op kids[1], including && || ?: ?? */
    SL_AST_COND,      /* kids[0] ? kids[1] : kids[2] */
} sl_ast_kind;

/* What compile.c found a CALL or METHOD to be. */
typedef enum sl_builtin {
    SL_BI_NONE = 0, /* a catalogue row: `fn` */
    SL_BI_IIF,      /* iif(c, a, b): evaluates only the chosen branch */
    SL_BI_EMPTY,    /* empty(x) */
    SL_BI_SIZE,     /* size(x) */
    SL_BI_GET,      /* x.get(key): no catalogue row has this name */
} sl_builtin;

typedef struct sl_ast sl_ast;

struct sl_ast {
    sl_ast_kind kind;
    sl_tok_type op;   /* UNARY, BINARY */
    int line;         /* 1-based */
    int col;          /* 1-based, in code points */
    size_t off;       /* byte offset into the expression text */
    int height;       /* 1 for a leaf; bounded by SL_MAX_EXPR_DEPTH */
    bool plain;       /* FIELD: written as a bare name (a lambda parameter may shadow it) */
    const char *name; /* FIELD, MEMBER, CALL, METHOD: NUL-terminated */
    size_t name_len;
    const sl_val *value; /* LITERAL */
    sl_ast **kids;
    size_t nkids;
    const char **params; /* LAMBDA */
    size_t nparams;
    /* Set by compile.c. */
    const sl_func *fn;  /* CALL, METHOD: the catalogue row (NULL for built-ins without one) */
    sl_builtin builtin; /* CALL, METHOD */
    int up;             /* PARAM: how many lambdas out the parameter is declared */
    int slot;           /* PARAM: its position in that lambda's parameter list */
};

#endif
