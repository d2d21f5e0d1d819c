/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/lex.h: the tokens of the Data Prep expression language. The parser (parse.c) pulls
 * one token at a time; the lexer keeps line and column (both 1-based, columns counted in Unicode
 * code points) for every token. Internal to mapping/; one lexer per thread. */
#ifndef SL_MAPPING_LEX_H
#define SL_MAPPING_LEX_H

#include "core/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sl_tok_type {
    SL_TOK_EOF = 0,
    SL_TOK_ERROR,    /* a lexical error; `msg` says which */
    SL_TOK_INT,      /* `u` holds the magnitude (may exceed INT64_MAX: the parser decides) */
    SL_TOK_DEC,      /* `d` */
    SL_TOK_STR,      /* `str`/`slen`: the decoded text, in the lexer's arena */
    SL_TOK_IDENT,    /* a name that is neither a keyword nor reserved */
    SL_TOK_FIELD,    /* ${...}: `str`/`slen` hold the raw text between the braces */
    SL_TOK_TRUE,     /* true */
    SL_TOK_FALSE,    /* false */
    SL_TOK_NULL,     /* null */
    SL_TOK_EMPTY,    /* empty */
    SL_TOK_SIZE,     /* size */
    SL_TOK_RESERVED, /* new var for while break continue else if return do function _errors */
    SL_TOK_LPAREN,
    SL_TOK_RPAREN,
    SL_TOK_LBRACKET,
    SL_TOK_RBRACKET,
    SL_TOK_COMMA,
    SL_TOK_DOT,
    SL_TOK_QUESTION, /* ? */
    SL_TOK_COLON,    /* : */
    SL_TOK_ELVIS,    /* ?: */
    SL_TOK_COALESCE, /* ?? */
    SL_TOK_ARROW,    /* -> */
    SL_TOK_PLUS,
    SL_TOK_MINUS,
    SL_TOK_STAR,
    SL_TOK_SLASH,   /* / div */
    SL_TOK_PERCENT, /* % mod */
    SL_TOK_NOT,     /* ! not */
    SL_TOK_TILDE,
    SL_TOK_AMP,
    SL_TOK_PIPE,
    SL_TOK_CARET,
    SL_TOK_AND, /* && and */
    SL_TOK_OR,  /* || or */
    SL_TOK_EQ,  /* == eq */
    SL_TOK_NE,  /* != ne */
    SL_TOK_LT,  /* < lt */
    SL_TOK_LE,  /* <= le */
    SL_TOK_GT,  /* > gt */
    SL_TOK_GE,  /* >= ge */
} sl_tok_type;

typedef struct sl_tok {
    sl_tok_type type;
    const char *ptr; /* the token's text in the source */
    size_t len;
    size_t off; /* byte offset of the token */
    int line;
    int col;
    bool word; /* spelled as a word (identifier, keyword or reserved word): usable as a member */
    uint64_t u;
    double d;
    const char *str;
    size_t slen;
    char msg[96]; /* SL_TOK_ERROR */
} sl_tok;

typedef struct sl_lexer {
    const char *src;
    size_t len;
    size_t pos;
    int line;
    int col;
    sl_arena *arena; /* decoded strings live here */
} sl_lexer;

/* Start lexing `src` (`len` bytes, borrowed for the lexer's lifetime). */
void sl__lex_init(sl_lexer *lx, const char *src, size_t len, sl_arena *arena);

/* The next token. After SL_TOK_EOF every call returns SL_TOK_EOF again. An error token has
 * consumed at least one byte, so a caller that skips it always makes progress. */
void sl__lex_next(sl_lexer *lx, sl_tok *out);

/* A short printable form of `t` for messages ("')'", "'foo'", "end of input"). */
const char *sl__tok_describe(const sl_tok *t, char *buf, size_t cap);

/* Decode one UTF-8 sequence at `s` (`len` bytes available) into `*cp`. Returns its length, or
 * 0 when the bytes are not well-formed UTF-8 (overlongs, surrogates, > U+10FFFF). */
size_t sl__utf8_decode(const char *s, size_t len, uint32_t *cp);

#endif
