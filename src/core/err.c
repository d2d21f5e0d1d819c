/* SPDX-License-Identifier: Apache-2.0 */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sl_err_clear(sl_err *err)
{
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
    }
}

static void vset(sl_err *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void vset(sl_err *err, int code, const char *fmt, va_list ap)
{
    err->code = code;
    (void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int sl_err_set(sl_err *err, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vset(err, code, fmt, ap);
        va_end(ap);
    }
    return code;
}

int sl_err_set_at(sl_err *err, int code, const char *file, int line, int col, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->loc.file = file;
        err->loc.line = line;
        err->loc.col = col;
        va_start(ap, fmt);
        vset(err, code, fmt, ap);
        va_end(ap);
    }
    return code;
}

int sl_err_status(int code)
{
    switch (code) {
#define X(name, value, status, text)                                                               \
    case (value):                                                                                  \
        return (status);
#include "core/err.def"
#undef X
    default:
        return 500;
    }
}

const char *sl_err_text(int code)
{
    switch (code) {
#define X(name, value, status, text)                                                               \
    case (value):                                                                                  \
        return (text);
#include "core/err.def"
#undef X
    default:
        return "unknown error";
    }
}
