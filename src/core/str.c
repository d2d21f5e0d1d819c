/* SPDX-License-Identifier: Apache-2.0 */
#include "core/str.h"

#include "core/mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

static void reserve(sl_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return;
    }
    size_t cap = b->cap != 0 ? b->cap : 64;
    while (cap < need) {
        cap *= 2;
    }
    b->ptr = sl_xrealloc(b->ptr, cap);
    b->cap = cap;
}

void sl_buf_append(sl_buf *b, const void *data, size_t len)
{
    reserve(b, len);
    if (len != 0) {
        memcpy(b->ptr + b->len, data, len);
    }
    b->len += len;
    b->ptr[b->len] = '\0';
}

void sl_buf_appendf(sl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        reserve(b, (size_t)n);
        (void)vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void sl_buf_reset(sl_buf *b)
{
    b->len = 0;
    if (b->ptr != NULL) {
        b->ptr[0] = '\0';
    }
}

void sl_buf_fini(sl_buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
}

const char *sl_buf_cstr(const sl_buf *b)
{
    return b->ptr != NULL ? b->ptr : "";
}

char *sl_strndup(sl_str s)
{
    char *p = sl_xmalloc(s.len + 1);
    if (s.len != 0) {
        memcpy(p, s.ptr, s.len);
    }
    p[s.len] = '\0';
    return p;
}

bool sl_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        uint32_t min;
        if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n >= len - i) { /* truncated sequence */
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

static void append_part(char *out, size_t cap, size_t *n, const char *from, size_t len)
{
    len = len < cap - *n - 1 ? len : cap - *n - 1;
    memcpy(out + *n, from, len);
    *n += len;
}

void sl_url_hide_credentials(const char *url, char *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0) {
        return;
    }
    for (const char *p = url; *p != '\0' && n + 1 < cap;) {
        const char *end = p + strcspn(p, ", ");
        const char *scheme = strstr(p, "://");
        const char *host = scheme != NULL && scheme < end ? scheme + 3 : p;
        const char *at = NULL;
        for (const char *c = host; c < end; c++) {
            at = *c == '@' ? c : at;
        }
        append_part(out, cap, &n, p, (size_t)(host - p));
        if (at != NULL) {
            append_part(out, cap, &n, "***@", 4);
        }
        const char *rest = at != NULL ? at + 1 : host;
        size_t seps = strspn(end, ", ");
        append_part(out, cap, &n, rest, (size_t)(end - rest) + seps);
        p = end + seps;
    }
    out[n] = '\0';
}
