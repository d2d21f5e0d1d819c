/* SPDX-License-Identifier: Apache-2.0 */
/* core/str.h: byte slices and a growable buffer. Wire bytes are sl_str {ptr, len}, never
 * assumed NUL-terminated. No shared state; callers synchronise their own buffers. */
#ifndef SL_STR_H
#define SL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct sl_str {
    const char *ptr; /* borrowed */
    size_t len;
} sl_str;

#define SL_STR_ARGS(s) (int)(s).len, (s).ptr

static inline sl_str sl_str_c(const char *cstr)
{
    sl_str s = {cstr, cstr != NULL ? strlen(cstr) : 0};
    return s;
}

static inline bool sl_str_eq(sl_str a, sl_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool sl_str_eq_c(sl_str a, const char *b)
{
    return sl_str_eq(a, sl_str_c(b));
}

/* A growable, always NUL-terminated byte buffer. Zero-initialise, then append. */
typedef struct sl_buf {
    char *ptr; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
} sl_buf;

void sl_buf_append(sl_buf *b, const void *data, size_t len);
void sl_buf_appendf(sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sl_buf_reset(sl_buf *b); /* keeps the memory */
void sl_buf_fini(sl_buf *b);  /* frees the memory; the buffer may be reused after */

/* The contents as a C string ("" when empty). Borrowed from `b`. */
const char *sl_buf_cstr(const sl_buf *b);

/* Duplicate `s` as a new NUL-terminated heap string (release with free). */
char *sl_strndup(sl_str s);

/* A URL, or a list of them separated by commas or spaces, for messages: the user:password@ of
 * each (up to its last '@') becomes "***@". Writes at most `cap` bytes with the NUL. */
void sl_url_hide_credentials(const char *url, char *out, size_t cap);

/* True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF). */
bool sl_utf8_valid(const char *s, size_t len);

#endif
