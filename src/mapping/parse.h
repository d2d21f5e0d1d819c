/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/parse.h: the Pratt parser of Data Prep expressions, and the list of positioned
 * diagnostics the parser and the compiler (compile.c) pile up. The parser recovers at the next
 * ',', ')', ']' or the end, so one pass reports every syntax error. Internal to mapping/; one
 * parse per thread at a time. */
#ifndef SL_MAPPING_PARSE_H
#define SL_MAPPING_PARSE_H

#include "core/arena.h"
#include "mapping/ast.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct sl_diag sl_diag;
struct sl_diag {
    int line; /* 1-based */
    int col;  /* 1-based, in code points */
    char msg[160];
    sl_diag *next;
};

/* Diagnostics kept with their text; later ones are only counted (a 4096-byte text of commas
 * could otherwise keep thousands). */
#define SL_DIAGS_KEPT 100

/* Diagnostics in order of discovery; every entry lives in `arena`. */
typedef struct sl_diags {
    sl_arena *arena;
    sl_diag *head;
    sl_diag *tail;
    size_t n;   /* all of them, kept or not */
    bool fatal; /* a limit stopped the parse: later diagnostics would only be noise */
} sl_diags;

void sl__diag_add(sl_diags *d, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Parse `text` (`len` bytes, borrowed) into a tree whose nodes, strings and literal values live
 * in `arena`. Every error goes to `diags`; the tree is always returned (ERROR nodes stand for
 * the parts that did not parse), so the compiler can still check the rest. */
sl_ast *sl__parse(const char *text, size_t len, sl_arena *arena, sl_diags *diags);

#endif
