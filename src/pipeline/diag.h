/* SPDX-License-Identifier: Apache-2.0 */
/* pipeline/diag.h: error diagnostics, one row per failed record or warning of a flow that has
 * errorDiagnosticsEnabled, written in the processor's transaction. */
#ifndef SL_DIAG_H
#define SL_DIAG_H

#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

#include <stdint.h>

typedef struct sl_diag {
    const char *flow_id;
    const char *run_id;
    int64_t seq;       /* landing sequence number */
    const char *level; /* "error" (the record failed) or "warning" (a field was dropped) */
    const char *code;
    const char *message;
    const char *pointer; /* "#/timestamp", or NULL */
    int64_t received_ms;
    sl_str raw; /* the body as received; stored as UTF-8 (invalid bytes become U+FFFD) */
} sl_diag;

int sl_diag_insert(sl_store_tx *tx, const sl_diag *d, int64_t now, sl_err *err);

/* Delete diagnostics created before `before_ms`; `*deleted` gets how many. */
int sl_diag_purge(sl_store *st, int64_t before_ms, int64_t *deleted, sl_err *err);

/* Append `len` bytes of `s` to `out` as well-formed UTF-8 without NULs: each byte that does not
 * start a well-formed sequence, and each NUL, becomes U+FFFD. */
void sl_utf8_sanitize(const char *s, size_t len, sl_buf *out);

#endif
