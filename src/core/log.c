/* SPDX-License-Identifier: Apache-2.0 */
#include "core/log.h"

#include "core/clock.h"
#include "core/str.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int sl_log_threshold = SL_LOG_LEVEL_INFO;
static bool log_json = false;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

bool sl_log_level_parse(const char *name, sl_log_level *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (sl_log_level)i;
            return true;
        }
    }
    return false;
}

bool sl_log_format_set(const char *name)
{
    if (strcmp(name, "text") == 0) {
        log_json = false;
        return true;
    }
    if (strcmp(name, "json") == 0) {
        log_json = true;
        return true;
    }
    return false;
}

/* Does " key=" start at `p` (a space)? Keys are lower-case words with '_' and '.'. */
static bool pair_at(const char *p)
{
    if (*p != ' ') {
        return false;
    }
    const char *k = p + 1;
    while (*k == '_' || *k == '.' || islower((unsigned char)*k) || isdigit((unsigned char)*k)) {
        k++;
    }
    return k > p + 1 && *k == '=';
}

/* Offset of the first " key=" in `s`, or its length when there is none. */
static size_t message_end(const char *s)
{
    const char *p = s;
    while (*p != '\0' && !pair_at(p)) {
        p++;
    }
    return (size_t)(p - s);
}

static void append_quoted(sl_buf *b, const char *s, size_t len)
{
    sl_buf_append(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            sl_buf_append(b, "\\", 1);
            sl_buf_append(b, &s[i], 1);
        } else if (c < 0x20) {
            sl_buf_appendf(b, "\\u%04x", c);
        } else {
            sl_buf_append(b, &s[i], 1);
        }
    }
    sl_buf_append(b, "\"", 1);
}

/* A logfmt value goes out bare when it can: non-empty, no space, quote, '=', '\\' or control
 * character. */
static void append_value(sl_buf *b, const char *s, size_t len)
{
    bool bare = len > 0;
    for (size_t i = 0; i < len && bare; i++) {
        unsigned char c = (unsigned char)s[i];
        bare = c > 0x20 && c != '"' && c != '=' && c != '\\' && c != 0x7f;
    }
    if (bare) {
        sl_buf_append(b, s, len);
    } else {
        append_quoted(b, s, len);
    }
}

/* The pair at `s` (" key=value", leading spaces allowed): its key and value, and the rest of
 * the string. A value ends where the next pair begins, so one with spaces, quotes or '=' in it
 * (an error message, a path) stays whole. A value the caller wrapped in quotes loses them: it
 * ends at the first quote that is followed by the end or by the next pair. */
static const char *next_pair(const char *s, const char **key, size_t *klen, const char **val,
                             size_t *vlen)
{
    while (*s == ' ') {
        s++;
    }
    const char *eq = strchr(s, '=');
    if (*s == '\0' || eq == NULL) {
        return NULL;
    }
    *key = s;
    *klen = (size_t)(eq - s);
    const char *v = eq + 1;
    if (*v == '"') {
        for (const char *q = v + 1; *q != '\0'; q++) {
            if (*q == '"' && (q[1] == '\0' || pair_at(q + 1))) {
                *val = v + 1;
                *vlen = (size_t)(q - v - 1);
                return q + 1;
            }
        }
    }
    const char *end = v;
    while (*end != '\0' && !pair_at(end)) {
        end++;
    }
    *val = v;
    *vlen = (size_t)(end - v);
    return end;
}

void sl_log_format(sl_buf *b, sl_log_level level, const char *module, const char *text,
                   int64_t ts_ms, bool json)
{
    char ts[40];
    sl_iso8601_ms(ts_ms, ts, sizeof(ts));
    size_t mlen = message_end(text);
    if (json) {
        sl_buf_appendf(b, "{\"ts\":\"%s\",\"level\":\"%s\",\"module\":", ts, level_names[level]);
        append_quoted(b, module, strlen(module));
        sl_buf_append(b, ",\"msg\":", 7);
        append_quoted(b, text, mlen);
    } else {
        sl_buf_appendf(b, "ts=%s level=%s module=%s msg=", ts, level_names[level], module);
        append_quoted(b, text, mlen);
    }
    const char *key;
    const char *val;
    size_t klen;
    size_t vlen;
    for (const char *s = text + mlen; (s = next_pair(s, &key, &klen, &val, &vlen)) != NULL;) {
        if (json) {
            sl_buf_append(b, ",", 1);
            append_quoted(b, key, klen);
            sl_buf_append(b, ":", 1);
            append_quoted(b, val, vlen);
        } else {
            sl_buf_append(b, " ", 1);
            sl_buf_append(b, key, klen);
            sl_buf_append(b, "=", 1);
            append_value(b, val, vlen);
        }
    }
    sl_buf_append(b, json ? "}\n" : "\n", json ? 2 : 1);
}

void sl_log_write(sl_log_level level, const char *module, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    sl_buf b = {0};
    sl_log_format(&b, level, module, text, sl_now_ms(), log_json);
    ssize_t n = write(STDERR_FILENO, b.ptr, b.len);
    (void)n;
    sl_buf_fini(&b);
}

void sl_thread_name(const char *name)
{
    (void)prctl(PR_SET_NAME, name, 0, 0, 0);
}
