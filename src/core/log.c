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

/* Offset of the first " key=" in `s`, or its length when there is none. */
static size_t message_end(const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        if (*p != ' ') {
            continue;
        }
        const char *k = p + 1;
        while (*k == '_' || *k == '.' || islower((unsigned char)*k) || isdigit((unsigned char)*k)) {
            k++;
        }
        if (k > p + 1 && *k == '=') {
            return (size_t)(p - s);
        }
    }
    return strlen(s);
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

/* In JSON mode the " key=value" pairs become members; values stay strings. */
static void append_pairs_json(sl_buf *b, const char *s)
{
    while (*s == ' ') {
        s++;
    }
    while (*s != '\0') {
        const char *eq = strchr(s, '=');
        if (eq == NULL) {
            break;
        }
        sl_buf_append(b, ",", 1);
        append_quoted(b, s, (size_t)(eq - s));
        sl_buf_append(b, ":", 1);
        const char *v = eq + 1;
        const char *end;
        if (*v == '"') {
            end = v + 1;
            while (*end != '\0' && *end != '"') {
                end += (*end == '\\' && end[1] != '\0') ? 2 : 1;
            }
            append_quoted(b, v + 1, (size_t)(end - v - 1));
            end = *end == '"' ? end + 1 : end;
        } else {
            end = strchr(v, ' ');
            end = end != NULL ? end : v + strlen(v);
            append_quoted(b, v, (size_t)(end - v));
        }
        s = end;
        while (*s == ' ') {
            s++;
        }
    }
}

void sl_log_write(sl_log_level level, const char *module, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);

    char ts[40];
    sl_iso8601_ms(sl_now_ms(), ts, sizeof(ts));
    size_t mlen = message_end(text);
    sl_buf b = {0};
    if (log_json) {
        sl_buf_appendf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"module\":", ts, level_names[level]);
        append_quoted(&b, module, strlen(module));
        sl_buf_append(&b, ",\"msg\":", 7);
        append_quoted(&b, text, mlen);
        append_pairs_json(&b, text + mlen);
        sl_buf_append(&b, "}\n", 2);
    } else {
        sl_buf_appendf(&b, "ts=%s level=%s module=%s msg=", ts, level_names[level], module);
        append_quoted(&b, text, mlen);
        sl_buf_appendf(&b, "%s\n", text + mlen);
    }
    ssize_t n = write(STDERR_FILENO, b.ptr, b.len);
    (void)n;
    sl_buf_fini(&b);
}

void sl_thread_name(const char *name)
{
    (void)prctl(PR_SET_NAME, name, 0, 0, 0);
}
