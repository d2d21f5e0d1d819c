/* SPDX-License-Identifier: Apache-2.0 */
/* core/err.h: error codes and the error record every fallible function fills.
 * Plain data; safe from any thread as long as each thread uses its own sl_err. */
#ifndef SL_ERR_H
#define SL_ERR_H

#include <stddef.h>

enum {
#define X(name, value, status, text) SL_##name = (value),
#include "core/err.def"
#undef X
};

/* Where an error happened: a file position or a JSON pointer. Zeroed when unknown. */
typedef struct sl_loc {
    const char *file; /* borrowed; static or long-lived */
    int line;
    int col;
    char pointer[128]; /* JSON pointer into a document, "" when not applicable */
} sl_loc;

typedef struct sl_err {
    int code;      /* SL_E*; SL_OK when nothing went wrong */
    sl_loc loc;    /* file:line:col, or a JSON pointer; zeroed when unknown */
    char msg[256]; /* formatted; ready for a log line or a problem+json body */
} sl_err;

/* Reset `err` to SL_OK with no message. NULL is a no-op. */
void sl_err_clear(sl_err *err);

/* Set `err` (when not NULL) to `code` with a printf-style message. Returns `code`, so callers
 * can write `return sl_err_set(err, SL_EINVAL, "...")`. Keeps any location already set. */
int sl_err_set(sl_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like sl_err_set, and records a file position. */
int sl_err_set_at(sl_err *err, int code, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The HTTP status for `code` (500 for unknown codes). */
int sl_err_status(int code);

/* A short constant text for `code` ("not found"). */
const char *sl_err_text(int code);

#endif
