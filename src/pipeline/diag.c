/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/diag.h"

#include <string.h>

/* Length of the well-formed UTF-8 sequence at `p` (n bytes left), or 0. */
static size_t seq_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c >= 0x01 && c < 0x80) {
        return 1;
    }
    size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    if (len == 0 || len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] > 0x8F)) {
        return 0; /* overlong, surrogate, or past U+10FFFF */
    }
    return len;
}

void sl_utf8_sanitize(const char *s, size_t len, sl_buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        size_t n = 0;
        while (i < len && (n = seq_len(p + i, len - i)) != 0) {
            i += n;
        }
        sl_buf_append(out, s + start, i - start);
        if (i < len) {
            sl_buf_append(out, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
}

int sl_diag_insert(sl_store_tx *tx, const sl_diag *d, int64_t now, sl_err *err)
{
    sl_buf raw = {0};
    sl_utf8_sanitize(d->raw.ptr != NULL ? d->raw.ptr : "", d->raw.len, &raw);
    sl_sqlv args[] = {
        SL_SQL_S(d->flow_id), SL_SQL_S(d->run_id),
        SL_SQL_I(d->seq),     SL_SQL_S(d->level),
        SL_SQL_S(d->code),    SL_SQL_S(d->message),
        SL_SQL_S(d->pointer), SL_SQL_I(d->received_ms),
        SL_SQL_I(now),        SL_SQL_SN(raw.ptr != NULL ? raw.ptr : "", raw.len),
    };
    int rc = sl_store_tx_exec(tx,
                              "INSERT INTO diagnostics(flow_id, run_id, seq, level, code, message, "
                              "pointer, received_ms, created_ms, raw) "
                              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                              args, 10, NULL, err);
    sl_buf_fini(&raw);
    return rc;
}

int sl_diag_purge(sl_store *st, int64_t before_ms, int64_t *deleted, sl_err *err)
{
    sl_sqlv args[] = {SL_SQL_I(before_ms)};
    return sl_store_exec(st, "DELETE FROM diagnostics WHERE created_ms < $1", args, 1, deleted,
                         err);
}
