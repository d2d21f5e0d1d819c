/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz/fuzz_mapping_parse.c: the expression compiler (lexer, Pratt parser with recovery,
 * name resolution) and sl_expr_diagnose on arbitrary bytes. Checks that the two agree, that
 * every error has a position, and that nothing leaks or runs away (SL_MAX_EXPR_LEN,
 * SL_MAX_EXPR_DEPTH bound the work). */
#include "core/limits.h"
#include "mapping/expr.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    sl_expr *e = NULL;
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_expr_compile(text, size, &e, &err);
    if ((rc == SL_OK) != (e != NULL) || (rc != SL_OK && rc != SL_EINVAL)) {
        abort();
    }
    sl_expr_diag d[4];
    size_t n = sl_expr_diagnose(text, size, d, 4);
    if ((rc == SL_OK) != (n == 0)) {
        abort();
    }
    if (rc != SL_OK) {
        /* The first diagnostic is the compile error, positioned inside the text (or just past
         * its end), and every message is a terminated string. */
        if (err.loc.line != d[0].line || err.loc.col != d[0].col || d[0].line < 1 || d[0].col < 1 ||
            (size_t)d[0].col > size + 1 || memchr(err.msg, '\0', 256) == NULL) {
            abort();
        }
        for (size_t i = 0; i < n && i < 4; i++) {
            if (memchr(d[i].msg, '\0', sizeof(d[i].msg)) == NULL || d[i].msg[0] == '\0') {
                abort();
            }
        }
    } else if (size > SL_MAX_EXPR_LEN || strlen(sl_expr_text(e)) > size) {
        abort();
    }
    sl_expr_destroy(e);
    return 0;
}
