/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_url.c: the URL functions of the Data Prep catalogue.
 *
 * URLs are parsed by RFC 3986 (scheme ":" ["//" authority] path ["?" query] ["#" fragment]),
 * as strictly as Java's java.net.URI: a string that is not an absolute URL (no scheme, a
 * space, a stray '%', '<', '|', ...) is invalid and the getters return null for it. Bytes of
 * non-ASCII characters are allowed wherever RFC 3986 allows a letter, as Java allows them. */
#include "core/str.h"
#include "mapping/func.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct url {
    sl_str scheme;
    bool has_authority;
    sl_str host; /* empty when there is none ("file:///x") */
    sl_str port; /* the digits after ':', possibly none */
    sl_str path;
    bool has_query;
    sl_str query;
    bool has_fragment;
    sl_str fragment;
} url;

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
    if (is_digit(c)) {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Whether s[0..n) is made of unreserved characters, percent-escapes, sub-delimiters,
 * non-ASCII bytes and the characters in `extra`. */
static bool valid_part(const char *s, size_t n, const char *extra)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || is_alpha(c) || is_digit(c) || strchr("-._~!$&'()*+,;=", c) != NULL) {
            continue;
        }
        if (c == '%') {
            if (i + 2 >= n || hex_value((unsigned char)s[i + 1]) < 0 ||
                hex_value((unsigned char)s[i + 2]) < 0) {
                return false;
            }
            i += 2;
            continue;
        }
        if (c == '\0' || strchr(extra, c) == NULL) {
            return false;
        }
    }
    return true;
}

/* host [":" port] of an authority, after any userinfo. */
static bool parse_hostport(const char *s, size_t n, url *u)
{
    size_t hend = 0;
    if (n > 0 && s[0] == '[') {
        /* An IP literal: IPv6 (hex digits, ':' and '.') or a "v..." future form. */
        const char *close = memchr(s, ']', n);
        if (close == NULL) {
            return false;
        }
        hend = (size_t)(close - s) + 1;
        if (hend == 2 || !valid_part(s + 1, hend - 2, ":")) {
            return false;
        }
    } else {
        const char *colon = memchr(s, ':', n);
        hend = colon != NULL ? (size_t)(colon - s) : n;
        if (!valid_part(s, hend, "")) {
            return false;
        }
    }
    u->host.ptr = s;
    u->host.len = hend;
    if (hend < n) {
        if (s[hend] != ':') {
            return false;
        }
        u->port.ptr = s + hend + 1;
        u->port.len = n - hend - 1;
        long v = 0;
        for (size_t i = 0; i < u->port.len; i++) {
            if (!is_digit((unsigned char)u->port.ptr[i])) {
                return false;
            }
            v = v * 10 + (u->port.ptr[i] - '0');
            if (v > 65535) {
                return false;
            }
        }
    }
    return true;
}

static bool parse_authority(const char *s, size_t n, url *u)
{
    const char *at = memchr(s, '@', n);
    if (at != NULL) {
        size_t ulen = (size_t)(at - s);
        if (!valid_part(s, ulen, ":") || memchr(at + 1, '@', n - ulen - 1) != NULL) {
            return false;
        }
        s = at + 1;
        n -= ulen + 1;
    }
    return parse_hostport(s, n, u);
}

/* Parse `s` as an absolute URL; false when it is not one. */
static bool url_parse(const char *s, size_t len, url *u)
{
    memset(u, 0, sizeof(*u));
    size_t i = 0;
    if (len == 0 || !is_alpha((unsigned char)s[0])) {
        return false;
    }
    while (i < len && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) ||
                       s[i] == '+' || s[i] == '-' || s[i] == '.')) {
        i++;
    }
    if (i == len || s[i] != ':' || i + 1 == len) {
        return false;
    }
    u->scheme.ptr = s;
    u->scheme.len = i;
    const char *rest = s + i + 1;
    size_t n = len - i - 1;
    const char *hash = memchr(rest, '#', n);
    if (hash != NULL) {
        u->has_fragment = true;
        u->fragment.ptr = hash + 1;
        u->fragment.len = n - (size_t)(hash - rest) - 1;
        n = (size_t)(hash - rest);
    }
    const char *qmark = memchr(rest, '?', n);
    if (qmark != NULL) {
        u->has_query = true;
        u->query.ptr = qmark + 1;
        u->query.len = n - (size_t)(qmark - rest) - 1;
        n = (size_t)(qmark - rest);
    }
    if (n >= 2 && rest[0] == '/' && rest[1] == '/') {
        const char *auth = rest + 2;
        const char *slash = memchr(auth, '/', n - 2);
        size_t alen = slash != NULL ? (size_t)(slash - auth) : n - 2;
        u->has_authority = true;
        if (!parse_authority(auth, alen, u)) {
            return false;
        }
        rest = auth + alen;
        n -= alen + 2;
    }
    u->path.ptr = rest;
    u->path.len = n;
    return valid_part(u->path.ptr, u->path.len, ":@/") &&
           (!u->has_query || valid_part(u->query.ptr, u->query.len, ":@/?")) &&
           (!u->has_fragment || valid_part(u->fragment.ptr, u->fragment.len, ":@/?"));
}

/* The URL argument: a string (or a scalar's text); arrays, objects and lambdas are refused. */
static bool url_arg(sl_fn_ctx *cx, const sl_val *v, const char *fn, const sl_val **out, sl_err *err)
{
    if (v->type == SL_VAL_ARRAY || v->type == SL_VAL_OBJECT || v->type == SL_VAL_LAMBDA) {
        (void)sl_fn_fail(err, fn, "URL must be a string, not %s", sl_val_type_name(v->type));
        return false;
    }
    *out = sl_fn_str(cx, v);
    return true;
}

/* ---- percent-decoding ---- */

/* The code point length at s[i] when it is well-formed UTF-8, else 0. */
static size_t utf8_len_at(const unsigned char *s, size_t len, size_t i)
{
    unsigned char b = s[i];
    size_t n;
    uint32_t cp;
    uint32_t min;
    if (b < 0x80) {
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
        cp = b & 0x1Fu;
        min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        cp = b & 0x0Fu;
        min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        cp = b & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len - i < n) {
        return 0;
    }
    for (size_t k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i + k] & 0x3Fu);
    }
    return cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? 0 : n;
}

/* Decode %XX escapes (and '+' as a space) of s[0..n) into a string value. Bytes that do not
 * form UTF-8 become U+FFFD, as Java's URLDecoder makes them. Returns NULL at a malformed
 * escape, with its byte offset in *bad. */
static const sl_val *url_decode(sl_fn_ctx *cx, const char *s, size_t n, size_t *bad)
{
    unsigned char *raw = sl_arena_alloc(cx->arena, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 2 < n ? hex_value((unsigned char)s[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value((unsigned char)s[i + 2]) : -1;
            if (lo < 0) {
                *bad = i;
                return NULL;
            }
            raw[k++] = (unsigned char)(hi * 16 + lo);
            i += 2;
        } else {
            raw[k++] = s[i] == '+' ? (unsigned char)' ' : (unsigned char)s[i];
        }
    }
    /* Each ill-formed byte (1 byte) becomes U+FFFD (3 bytes). */
    char *buf = sl_arena_alloc(cx->arena, k * 3 + 1);
    size_t m = 0;
    for (size_t i = 0; i < k;) {
        size_t cl = utf8_len_at(raw, k, i);
        if (cl == 0) {
            buf[m++] = (char)0xEF;
            buf[m++] = (char)0xBF;
            buf[m++] = (char)0xBD;
            i++;
        } else {
            memcpy(buf + m, raw + i, cl);
            m += cl;
            i += cl;
        }
    }
    buf[m] = '\0';
    return sl_val_str_owned(cx->arena, buf, m);
}

/* ---- the getters ---- */

static int fn_get_url_protocol(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                               const sl_val **out, sl_err *err)
{
    (void)nargs;
    const sl_val *in = NULL;
    url u;
    if (!url_arg(cx, args[0], "get_url_protocol", &in, err)) {
        return err->code;
    }
    *out = url_parse(in->u.s.ptr, in->u.s.len, &u)
               ? sl_val_str(cx->arena, u.scheme.ptr, u.scheme.len)
               : sl_val_null();
    return SL_OK;
}

static int fn_get_url_host(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                           const sl_val **out, sl_err *err)
{
    (void)nargs;
    const sl_val *in = NULL;
    url u;
    if (!url_arg(cx, args[0], "get_url_host", &in, err)) {
        return err->code;
    }
    *out = url_parse(in->u.s.ptr, in->u.s.len, &u) && u.host.len > 0
               ? sl_val_str(cx->arena, u.host.ptr, u.host.len)
               : sl_val_null();
    return SL_OK;
}

/* The port a scheme uses when a URL names none. */
static int default_port(sl_str scheme)
{
    static const struct {
        const char *scheme;
        int port;
    } ports[] = {
        {"ftp", 21},     {"sftp", 22},    {"ssh", 22},          {"scp", 22},        {"telnet", 23},
        {"smtp", 25},    {"gopher", 70},  {"http", 80},         {"ws", 80},         {"pop3", 110},
        {"nntp", 119},   {"imap", 143},   {"ldap", 389},        {"https", 443},     {"wss", 443},
        {"smtps", 465},  {"rtsp", 554},   {"ldaps", 636},       {"ftps", 990},      {"imaps", 993},
        {"pop3s", 995},  {"mqtt", 1883},  {"nats", 4222},       {"redis", 6379},    {"amqp", 5672},
        {"amqps", 5671}, {"mysql", 3306}, {"postgresql", 5432}, {"postgres", 5432},
    };
    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        if (strlen(ports[i].scheme) == scheme.len &&
            strncasecmp(ports[i].scheme, scheme.ptr, scheme.len) == 0) {
            return ports[i].port;
        }
    }
    return -1;
}

static int fn_get_url_port(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                           const sl_val **out, sl_err *err)
{
    (void)nargs;
    const sl_val *in = NULL;
    url u;
    if (!url_arg(cx, args[0], "get_url_port", &in, err)) {
        return err->code;
    }
    *out = sl_val_null();
    if (!url_parse(in->u.s.ptr, in->u.s.len, &u) || u.host.len == 0) {
        return SL_OK;
    }
    int port = -1;
    if (u.port.len > 0) {
        port = 0;
        for (size_t i = 0; i < u.port.len; i++) {
            port = port * 10 + (u.port.ptr[i] - '0');
        }
    } else {
        port = default_port(u.scheme);
    }
    if (port >= 0) {
        *out = sl_val_int(cx->arena, port);
    }
    return SL_OK;
}

static int fn_get_url_path(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                           const sl_val **out, sl_err *err)
{
    const sl_val *in = NULL;
    bool full = true;
    url u;
    if (!url_arg(cx, args[0], "get_url_path", &in, err)) {
        return err->code;
    }
    if (nargs > 1 && !sl_val_as_bool(args[1], &full)) {
        const sl_val *shown = args[1]->type == SL_VAL_STRING ? args[1] : NULL;
        return sl_fn_fail(err, "get_url_path", "FULL_PATH must be a boolean, not %s%.40s%s",
                          shown != NULL ? "\"" : sl_val_type_name(args[1]->type),
                          shown != NULL ? shown->u.s.ptr : "", shown != NULL ? "\"" : "");
    }
    if (!url_parse(in->u.s.ptr, in->u.s.len, &u)) {
        *out = sl_val_null();
        return SL_OK;
    }
    sl_str p = u.path;
    if (!full) {
        /* Only the last segment: what follows the last '/'. */
        for (size_t i = p.len; i > 0; i--) {
            if (p.ptr[i - 1] == '/') {
                p.ptr += i;
                p.len -= i;
                break;
            }
        }
    }
    *out = sl_val_str(cx->arena, p.ptr, p.len);
    return SL_OK;
}

/* Add "name=value" (decoded) to `map`; a later duplicate name replaces the value. */
static void add_pair(sl_fn_ctx *cx, sl_val *map, const char *p, size_t n)
{
    const char *eq = memchr(p, '=', n);
    size_t klen = eq != NULL ? (size_t)(eq - p) : n;
    size_t bad = 0;
    const sl_val *key = url_decode(cx, p, klen, &bad);
    const sl_val *val = eq != NULL ? url_decode(cx, eq + 1, n - klen - 1, &bad)
                                   : sl_val_str_owned(cx->arena, "", 0);
    /* The URL was validated, so every escape is well formed. */
    if (key != NULL && val != NULL) {
        sl_val_object_set(cx->arena, map, key->u.s.ptr, key->u.s.len, val);
    }
}

static int fn_get_url_query_str(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                                const sl_val **out, sl_err *err)
{
    (void)nargs;
    enum { RETAIN, REMOVE, APPEND } mode;
    const sl_val *in = NULL;
    url u;
    if (!url_arg(cx, args[0], "get_url_query_str", &in, err)) {
        return err->code;
    }
    const sl_val *anchor = args[1];
    const char *a = anchor->type == SL_VAL_STRING ? anchor->u.s.ptr : "";
    if (strcasecmp(a, "retain") == 0 || strcasecmp(a, "keep") == 0) {
        mode = RETAIN;
    } else if (strcasecmp(a, "remove") == 0) {
        mode = REMOVE;
    } else if (strcasecmp(a, "append") == 0) {
        mode = APPEND;
    } else {
        const sl_val *shown = anchor->type == SL_VAL_STRING ? anchor : NULL;
        return sl_fn_fail(err, "get_url_query_str",
                          "ANCHOR must be \"retain\", \"remove\" or \"append\", not %s%.40s%s",
                          shown != NULL ? "\"" : sl_val_type_name(anchor->type),
                          shown != NULL ? shown->u.s.ptr : "", shown != NULL ? "\"" : "");
    }
    if (!url_parse(in->u.s.ptr, in->u.s.len, &u) || !u.has_query) {
        *out = sl_val_null();
        return SL_OK;
    }
    sl_str q = u.query;
    if (mode == RETAIN && u.has_fragment) {
        /* The anchor stays on the query string, so it ends the last value. */
        q.len = (size_t)(u.fragment.ptr + u.fragment.len - q.ptr);
    }
    sl_val *map = sl_val_object_new(cx->arena, 4);
    size_t start = 0;
    for (size_t i = 0; i <= q.len; i++) {
        if (i == q.len || q.ptr[i] == '&') {
            if (i > start) {
                add_pair(cx, map, q.ptr + start, i - start);
            }
            start = i + 1;
        }
    }
    if (mode == APPEND && u.has_fragment) {
        size_t bad = 0;
        const sl_val *frag = url_decode(cx, u.fragment.ptr, u.fragment.len, &bad);
        if (frag != NULL) {
            sl_val_object_set(cx->arena, map, "_anchor_", 8, frag);
        }
    }
    *out = map;
    return SL_OK;
}

/* ---- encoding ---- */

static int fn_get_url_encoded(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                              const sl_val **out, sl_err *err)
{
    (void)nargs;
    static const char hex[] = "0123456789ABCDEF";
    const sl_val *in = NULL;
    if (!url_arg(cx, args[0], "get_url_encoded", &in, err)) {
        return err->code;
    }
    const unsigned char *s = (const unsigned char *)in->u.s.ptr;
    size_t len = in->u.s.len;
    char *buf = sl_arena_alloc(cx->arena, len * 3 + 1);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '.') {
            buf[k++] = (char)c;
        } else {
            buf[k++] = '%';
            buf[k++] = hex[c >> 4];
            buf[k++] = hex[c & 0x0F];
        }
    }
    buf[k] = '\0';
    *out = sl_val_str_owned(cx->arena, buf, k);
    return SL_OK;
}

static int fn_get_url_decoded(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                              const sl_val **out, sl_err *err)
{
    (void)nargs;
    const sl_val *in = NULL;
    size_t bad = 0;
    if (!url_arg(cx, args[0], "get_url_decoded", &in, err)) {
        return err->code;
    }
    const sl_val *res = url_decode(cx, in->u.s.ptr, in->u.s.len, &bad);
    if (res == NULL) {
        return sl_fn_fail(err, "get_url_decoded",
                          "URL has a malformed escape \"%.3s\" at byte %zu: '%%' must be "
                          "followed by two hex digits",
                          in->u.s.ptr + bad, bad);
    }
    *out = res;
    return SL_OK;
}

const sl_func sl_funcs_url[] = {
    {"get_url_protocol", "URL", 1, 1, fn_get_url_protocol, 0, "String get_url_protocol(String)",
     "URL: the URL to take the protocol from", "String",
     "get_url_protocol(\"https://platform.adobe.com/home\")", "https",
     "Returns the protocol (scheme) of the URL as written. Returns null when the input is not "
     "a valid absolute URL."},
    {"get_url_host", "URL", 1, 1, fn_get_url_host, 0, "String get_url_host(String)",
     "URL: the URL to take the host from", "String",
     "get_url_host(\"https://platform.adobe.com/home\")", "platform.adobe.com",
     "Returns the host of the URL (an IPv6 address keeps its brackets). Returns null when "
     "the input is not a valid absolute URL or has no host."},
    {"get_url_port", "URL", 1, 1, fn_get_url_port, 0, "Integer get_url_port(String)",
     "URL: the URL to take the port from", "Integer",
     "get_url_port(\"sftp://example.com//home/joe/employee.csv\")", "22",
     "Returns the port of the URL, or the usual port of its protocol when it names none "
     "(http 80, https 443, ftp 21, sftp and ssh 22, ...). Returns null when the input is not "
     "a valid absolute URL, has no host, or names no port for a protocol without a usual "
     "one."},
    {"get_url_path", "URL", 1, 2, fn_get_url_path, 0, "String get_url_path(String, Boolean)",
     "URL: the URL to take the path from; FULL_PATH: optional, true (default) for the whole "
     "path, false for only its last segment",
     "String", "get_url_path(\"sftp://example.com//home/joe/employee.csv\")",
     "\"//home/joe/employee.csv\"",
     "Returns the path of the URL as written (still percent-encoded), or with FULL_PATH "
     "false only what follows its last '/'. An URL without a path gives an empty string; "
     "an input that is not a valid absolute URL gives null."},
    {"get_url_query_str", "URL", 2, 2, fn_get_url_query_str, 0,
     "Map get_url_query_str(String, String)",
     "URL: the URL to take the query string from; ANCHOR: what to do with the anchor, "
     "\"retain\" (kept on the last value), \"remove\" or \"append\" (returned as _anchor_)",
     "Map", "get_url_query_str(\"foo://example.com:8042/over/there?name=ferret#nose\", \"retain\")",
     "{\"name\": \"ferret#nose\"}",
     "Returns the query string of the URL as a map of names to values, percent-decoded ('+' "
     "is a space); a name without '=' has an empty value and a repeated name keeps its last "
     "value. With ANCHOR \"remove\" the example gives {\"name\": \"ferret\"}, with \"append\" "
     "{\"name\": \"ferret\", \"_anchor_\": \"nose\"}. \"keep\", which a translated page uses, "
     "means \"retain\". Returns null when the input is not a valid absolute URL or has no "
     "query string."},
    {"get_url_encoded", "URL", 1, 1, fn_get_url_encoded, 0, "String get_url_encoded(String)",
     "URL: the URL (or any string) to percent-encode", "String",
     "get_url_encoded(\"https://example.com/partneralliance_asia-pacific_2022\")",
     "https%3A%2F%2Fexample.com%2Fpartneralliance_asia-pacific_2022",
     "Percent-encodes every byte of the UTF-8 text except letters, digits, '-', '_' and '.', "
     "with uppercase hex: space is %20, '*' %2A and '~' %7E, as the documented table of "
     "special characters lists ('|' is %7C: the table's %5C is the code of '\\')."},
    {"get_url_decoded", "URL", 1, 1, fn_get_url_decoded, 0, "String get_url_decoded(String)",
     "URL: the percent-encoded URL (or any string) to decode", "String",
     "get_url_decoded(\"https%3A%2F%2Fexample.com%2Fpartneralliance_asia-pacific_2022\")",
     "https://example.com/partneralliance_asia-pacific_2022",
     "Decodes %XX escapes, and '+' as a space, as Java's URLDecoder does; the inverse of "
     "get_url_encoded. Escaped bytes that do not form UTF-8 become U+FFFD. A '%' not followed "
     "by two hex digits is an error."},
    {0},
};
