/* SPDX-License-Identifier: Apache-2.0 */
/* schema/validate.c: validation of a mapped, coerced record against its schema, as AEP's
 * streaming validation reports it (keyword, message, pointer, schema location). The keywords
 * are compiled once, with the schema, into a tree of rules that mirrors its properties, items
 * and additionalProperties; a record is walked along that tree, so validation never recurses
 * deeper than the schema, which is at most MAX_DEPTH levels. */
#include "schema/schema.h"

#include "core/mem.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The root, then up to 17 levels of fields: the Schema Registry allows 16 below a top-level
 * field (api/schemaregistry.c). Each properties/items/additionalProperties step is a level. */
#define MAX_DEPTH     17
#define VALUE_CHARS   64 /* code points of a value quoted in a message, then "…" */
#define VALUE_BYTES   88 /* and bytes */
#define VALUE_NESTING 4  /* objects and arrays shown inside a quoted value */
#define EQUAL_DEPTH   32 /* nesting compared by enum; deeper values are unequal */
#define PATH_BYTES    1024

/* Limits for one pcre2_match, as the mapping language's: a pattern that backtracks
 * catastrophically ends with PCRE2_ERROR_MATCHLIMIT instead of holding a request thread. */
#define REGEX_MATCH_LIMIT 1000000u
#define REGEX_DEPTH_LIMIT 10000u
#define REGEX_HEAP_KIB    16384u

enum {
    T_NULL = 1u << 0,
    T_BOOLEAN = 1u << 1,
    T_INTEGER = 1u << 2,
    T_NUMBER = 1u << 3,
    T_STRING = 1u << 4,
    T_OBJECT = 1u << 5,
    T_ARRAY = 1u << 6,
};

/* JSON-Schema type names and the names AEP's messages use for them (Java's). */
static const struct {
    const char *name;
    const char *aep;
    unsigned bit;
} type_names[] = {
    {"string", "String", T_STRING},     {"integer", "Integer", T_INTEGER},
    {"number", "Number", T_NUMBER},     {"boolean", "Boolean", T_BOOLEAN},
    {"object", "JSONObject", T_OBJECT}, {"array", "JSONArray", T_ARRAY},
    {"null", "Null", T_NULL},
};

typedef enum fmt_kind {
    FMT_NONE,
    FMT_DATE_TIME,
    FMT_DATE,
    FMT_EMAIL,
    FMT_URI,
    FMT_URI_REFERENCE,
    FMT_UUID,
} fmt_kind;

static const struct {
    const char *name;
    fmt_kind kind;
} format_names[] = {
    {"date-time", FMT_DATE_TIME},
    {"date", FMT_DATE},
    {"email", FMT_EMAIL},
    {"uri", FMT_URI},
    {"uri-reference", FMT_URI_REFERENCE},
    {"uuid", FMT_UUID},
};

/* meta:xdmType integer kinds and their ranges. */
typedef struct xdm_int {
    const char *name;
    int64_t min;
    int64_t max;
} xdm_int;

static const xdm_int xdm_ints[] = {
    {"byte", INT8_MIN, INT8_MAX},
    {"short", INT16_MIN, INT16_MAX},
    {"int", INT32_MIN, INT32_MAX},
    {"long", INT64_MIN, INT64_MAX},
};

typedef struct rule rule;

typedef struct prop {
    const char *name; /* borrowed from the schema document */
    rule *rule;
} prop;

/* The compiled keywords of one sub-schema. json_object members are borrowed from the schema
 * document, which the compiled schema keeps alive. */
struct rule {
    char *loc;                            /* "#/properties/recipients/items" (owned) */
    unsigned types;                       /* T_* bits; 0 allows any type */
    const xdm_int *xint;                  /* meta:xdmType byte/short/int/long, or NULL */
    json_object *enumv;                   /* array, or NULL */
    pcre2_code *re;                       /* owned, or NULL */
    const char *pattern;                  /* its source */
    fmt_kind format;                      /* FMT_NONE when absent or unknown */
    json_object *min, *max, *xmin, *xmax; /* numbers, or NULL */
    int64_t min_len, max_len;             /* -1 when absent */
    int64_t min_items, max_items;         /* -1 when absent */
    json_object *required;                /* array of strings, or NULL */
    prop *props;                          /* sorted by name, for bsearch */
    size_t nprops;
    rule *items; /* owned, or NULL */
    rule *addl;  /* additionalProperties schema (owned), or NULL */
    bool closed; /* additionalProperties: false */
};

struct sl__schema_rules {
    rule *root;
    pcre2_match_context *mc; /* read-only after compile, so threads share it */
};

/* ---- numbers ---- */

typedef struct num {
    bool is_int;
    int64_t i;
    double d;
} num;

static num num_of(json_object *v)
{
    num n = {false, 0, 0.0};
    if (json_object_is_type(v, json_type_int)) {
        int64_t i = json_object_get_int64(v);
        uint64_t u = json_object_get_uint64(v);
        if (i == INT64_MAX && u > (uint64_t)INT64_MAX) {
            n.d = (double)u; /* json-c keeps integers above INT64_MAX as uint64 */
            return n;
        }
        n.is_int = true;
        n.i = i;
        return n;
    }
    n.d = json_object_get_double(v);
    return n;
}

/* Compare an integer with a double exactly, where converting either would round. */
static int cmp_int_double(int64_t i, double d)
{
    if (d >= 9223372036854775808.0) {
        return -1;
    }
    if (d < -9223372036854775808.0) {
        return 1;
    }
    double fl = floor(d);
    int64_t f = (int64_t)fl;
    if (i != f) {
        return i < f ? -1 : 1;
    }
    return d > fl ? -1 : 0;
}

static int num_cmp(num a, num b)
{
    if (a.is_int && b.is_int) {
        return (a.i > b.i) - (a.i < b.i);
    }
    if (a.is_int) {
        return cmp_int_double(a.i, b.d);
    }
    if (b.is_int) {
        return -cmp_int_double(b.i, a.d);
    }
    return (a.d > b.d) - (a.d < b.d);
}

static bool is_number(json_object *v)
{
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* ---- text helpers ---- */

/* Cut a string that snprintf truncated back to whole UTF-8 sequences. */
static void trim_partial_utf8(char *s)
{
    size_t i = strlen(s);
    size_t cont = 0;
    while (i > 0 && cont < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
        cont++;
    }
    if (i == 0) {
        return;
    }
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (lead >= 0xC0 && cont + 1 < need) {
        s[i - 1] = '\0';
    }
}

static void copy_cut(char *dst, size_t cap, const char *src)
{
    if ((size_t)snprintf(dst, cap, "%s", src) >= cap) {
        trim_partial_utf8(dst);
    }
}

/* Code points in `n` bytes of UTF-8 (each byte that does not continue a sequence). */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    }
    return c;
}

/* A value as messages quote it: at most VALUE_CHARS code points and VALUE_BYTES bytes (so a
 * message with two values still fits sl_violation.message), then "…". */
typedef struct vbuf {
    char p[VALUE_BYTES + 4]; /* and "…" or the NUL */
    size_t len;
    size_t chars;
    bool full;
} vbuf;

static void vb_bytes(vbuf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !b->full) {
        size_t k = 1; /* bytes of this character */
        while (i + k < n && k < 4 && ((unsigned char)s[i + k] & 0xC0) == 0x80) {
            k++;
        }
        const char *src = s + i;
        size_t w = k;
        char esc[8];
        if ((unsigned char)s[i] < 0x20) {
            /* Messages end up in log lines and JSON bodies: show controls, never emit them. */
            w = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)(unsigned char)s[i]);
            src = esc;
        }
        if (b->chars == VALUE_CHARS || b->len + w > VALUE_BYTES) {
            b->full = true;
            break;
        }
        memcpy(b->p + b->len, src, w);
        b->len += w;
        b->chars++;
        i += k;
    }
    b->p[b->len] = '\0';
}

static void vb_str(vbuf *b, const char *s)
{
    vb_bytes(b, s, strlen(s));
}

static void vb_double(vbuf *b, double d)
{
    char t[40];
    if (!isfinite(d)) {
        vb_str(b, isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    /* The shortest form that reads back as the same double, with ".0" kept for integers
     * so 2.0 is not shown as the integer 2. */
    for (int prec = 15; prec <= 17; prec++) {
        (void)snprintf(t, sizeof(t), "%.*g", prec, d);
        if (strtod(t, NULL) == d) {
            break;
        }
    }
    if (strpbrk(t, ".e") == NULL) {
        size_t n = strlen(t);
        (void)snprintf(t + n, sizeof(t) - n, ".0");
    }
    vb_str(b, t);
}

static void vb_value(vbuf *b, json_object *v, bool top, int nesting);

static void vb_array(vbuf *b, json_object *v, int nesting)
{
    size_t n = json_object_array_length(v);
    vb_str(b, "[");
    for (size_t i = 0; i < n && !b->full; i++) {
        if (nesting >= VALUE_NESTING) {
            b->full = true;
            break;
        }
        vb_str(b, i > 0 ? "," : "");
        vb_value(b, json_object_array_get_idx(v, i), false, nesting + 1);
    }
    vb_str(b, "]");
}

static void vb_object(vbuf *b, json_object *v, int nesting)
{
    bool first = true;
    vb_str(b, "{");
    json_object_object_foreach(v, key, child)
    {
        if (b->full || nesting >= VALUE_NESTING) {
            b->full = true;
            break;
        }
        vb_str(b, first ? "\"" : ",\"");
        vb_str(b, key);
        vb_str(b, "\":");
        vb_value(b, child, false, nesting + 1);
        first = false;
    }
    vb_str(b, "}");
}

/* Recurses through vb_array and vb_object at most VALUE_NESTING deep. */
static void vb_value(vbuf *b, json_object *v, bool top, int nesting)
{
    char t[32];
    switch (json_object_get_type(v)) {
    case json_type_null:
        vb_str(b, "null");
        break;
    case json_type_boolean:
        vb_str(b, json_object_get_boolean(v) ? "true" : "false");
        break;
    case json_type_int: {
        num n = num_of(v);
        if (n.is_int) {
            (void)snprintf(t, sizeof(t), "%" PRId64, n.i);
        } else {
            (void)snprintf(t, sizeof(t), "%" PRIu64, json_object_get_uint64(v));
        }
        vb_str(b, t);
        break;
    }
    case json_type_double:
        vb_double(b, json_object_get_double(v));
        break;
    case json_type_string:
        /* A value on its own is shown bare, as AEP does ("[abc] is not ..."). */
        vb_str(b, top ? "" : "\"");
        vb_bytes(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        vb_str(b, top ? "" : "\"");
        break;
    case json_type_array:
        vb_array(b, v, nesting);
        break;
    case json_type_object:
        vb_object(b, v, nesting);
        break;
    }
}

/* `v` as messages quote it (no brackets). Returns b->p. */
static const char *show(vbuf *b, json_object *v)
{
    b->len = 0;
    b->chars = 0;
    b->full = false;
    b->p[0] = '\0';
    vb_value(b, v, true, 0);
    if (b->full) {
        memcpy(b->p + b->len, "\xE2\x80\xA6", 4); /* "…" and the NUL: room is reserved */
        b->len += 3;
    }
    return b->p;
}

static const char *show_text(vbuf *b, const char *s)
{
    b->len = 0;
    b->chars = 0;
    b->full = false;
    b->p[0] = '\0';
    vb_str(b, s);
    if (b->full) {
        memcpy(b->p + b->len, "\xE2\x80\xA6", 4);
        b->len += 3;
    }
    return b->p;
}

/* Append `seg` to `dst` (holding `len` bytes, capacity `cap`) as a JSON-pointer segment:
 * "/" then the segment with "~" as "~0" and "/" as "~1". Returns the new length. */
static size_t pointer_push(char *dst, size_t len, size_t cap, const char *seg)
{
    if (len + 1 < cap) {
        dst[len++] = '/';
    }
    const char *c = seg;
    for (; *c != '\0' && len + 2 < cap; c++) {
        if (*c == '~' || *c == '/') {
            dst[len++] = '~';
            dst[len++] = *c == '~' ? '0' : '1';
        } else {
            dst[len++] = *c;
        }
    }
    dst[len] = '\0';
    if (*c != '\0') {
        trim_partial_utf8(dst); /* cut: never leave half a character */
        len = strlen(dst);
    }
    return len;
}

/* ---- formats ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The value of `n` decimal digits, or -1 when one is not a digit. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i])) {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* yyyy-MM-dd at `s`, which has at least 10 bytes. */
static bool valid_ymd(const char *s)
{
    if (s[4] != '-' || s[7] != '-') {
        return false;
    }
    int y = digits(s, 4);
    int m = digits(s + 5, 2);
    int d = digits(s + 8, 2);
    return y >= 0 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

static bool valid_date(const char *s, size_t n)
{
    return n == 10 && valid_ymd(s);
}

/* yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:MM): what the contract writes and AEP accepts. */
static bool valid_date_time(const char *s, size_t n)
{
    if (n < 20 || !valid_ymd(s) || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
        return false;
    }
    int hh = digits(s + 11, 2);
    int mm = digits(s + 14, 2);
    int ss = digits(s + 17, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59) {
        return false;
    }
    size_t i = 19;
    if (s[i] == '.') {
        size_t k = 0;
        for (i++; i < n && is_digit(s[i]) && k < 10; i++) {
            k++;
        }
        if (k < 1 || k > 9) {
            return false;
        }
    }
    if (i < n && s[i] == 'Z') {
        return i + 1 == n;
    }
    if (i < n && (s[i] == '+' || s[i] == '-') && n - i == 6 && s[i + 3] == ':') {
        int oh = digits(s + i + 1, 2);
        int om = digits(s + i + 4, 2);
        return oh >= 0 && oh <= 23 && om >= 0 && om <= 59;
    }
    return false;
}

/* Pragmatic, not RFC 5322: one "@", a non-empty local part, a domain with a dot that neither
 * starts nor ends it nor doubles, and no spaces or controls. Non-ASCII passes (EAI). */
static bool valid_email(const char *s, size_t n)
{
    size_t at = n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F) {
            return false;
        }
        if (c == '@') {
            if (at != n) {
                return false;
            }
            at = i;
        }
    }
    if (at == n || at == 0 || at + 1 == n) {
        return false;
    }
    const char *d = s + at + 1;
    size_t dn = n - at - 1;
    if (d[0] == '.' || d[dn - 1] == '.' || memchr(d, '.', dn) == NULL) {
        return false;
    }
    for (size_t i = 1; i < dn; i++) {
        if (d[i] == '.' && d[i - 1] == '.') {
            return false;
        }
    }
    return true;
}

/* RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" (not for a reference);
 * the rest may not hold spaces, controls or the characters RFC 3986 never allows, and every
 * "%" starts an escape of two hex digits. Non-ASCII passes (IRIs, as Java's URI allows). */
static bool valid_uri(const char *s, size_t n, bool reference)
{
    size_t i = 0;
    if (!reference) {
        if (n == 0 || !is_alpha(s[0])) {
            return false;
        }
        for (i = 1; i < n &&
                    (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.');
             i++) {
        }
        if (i == n || s[i] != ':') {
            return false;
        }
        i++;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F || strchr("<>\"{}|\\^`", c) != NULL) {
            return false;
        }
        if (c == '%') {
            if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
                return false;
            }
            i += 2;
        }
    }
    return true;
}

static bool valid_uuid(const char *s, size_t n)
{
    if (n != 36) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) {
            return false;
        }
    }
    return true;
}

/* ---- compile ---- */

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A compile error about `keyword` of the sub-schema `r` (field `field`, "" for the root):
 * the message names the field, err->loc.pointer the keyword in the schema document. */
static int compile_error(sl_err *err, const rule *r, const char *field, const char *keyword,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int compile_error(sl_err *err, const rule *r, const char *field, const char *keyword,
                         const char *fmt, ...)
{
    char msg[224];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    int rc = field[0] != '\0' ? sl_err_set(err, SL_EINVAL, "schema field '%s': %s", field, msg)
                              : sl_err_set(err, SL_EINVAL, "schema: %s", msg);
    if (err != NULL) {
        char ptr[PATH_BYTES];
        size_t n = (size_t)snprintf(ptr, sizeof(ptr), "%s", r->loc + 1);
        (void)pointer_push(ptr, n < sizeof(ptr) ? n : sizeof(ptr) - 1, sizeof(ptr), keyword);
        copy_cut(err->loc.pointer, sizeof(err->loc.pointer), ptr);
    }
    return rc;
}

static char *child_loc(const char *loc, const char *kw, const char *name)
{
    char buf[PATH_BYTES];
    size_t n = (size_t)snprintf(buf, sizeof(buf), "%s/%s", loc, kw);
    if (name != NULL && n < sizeof(buf)) {
        (void)pointer_push(buf, n, sizeof(buf), name);
    }
    return sl_xstrdup(buf);
}

static char *child_field(const char *field, const char *sep, const char *name)
{
    size_t n = strlen(field) + strlen(sep) + strlen(name) + 1;
    char *out = sl_xmalloc(n);
    (void)snprintf(out, n, "%s%s%s", field, field[0] != '\0' ? sep : "", name);
    return out;
}

static void rule_free(rule *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->nprops; i++) {
        rule_free(r->props[i].rule);
    }
    free(r->props);
    rule_free(r->items);
    rule_free(r->addl);
    pcre2_code_free(r->re);
    free(r->loc);
    free(r);
}

static int compile_rule(json_object *node, char *loc, const char *field, int depth, rule **out,
                        sl_err *err);

static int compile_types(json_object *node, rule *r, const char *field, sl_err *err)
{
    json_object *t = member(node, "type");
    if (t == NULL) {
        return SL_OK;
    }
    size_t n = json_object_is_type(t, json_type_array) ? json_object_array_length(t) : 1;
    for (size_t i = 0; i < n; i++) {
        json_object *e =
            json_object_is_type(t, json_type_array) ? json_object_array_get_idx(t, i) : t;
        unsigned bit = 0;
        for (size_t k = 0; k < sizeof(type_names) / sizeof(type_names[0]) && e != NULL; k++) {
            if (json_object_is_type(e, json_type_string) &&
                strcmp(json_object_get_string(e), type_names[k].name) == 0) {
                bit = type_names[k].bit;
            }
        }
        if (bit == 0) {
            return compile_error(err, r, field, "type",
                                 "'type' must be string, integer, number, boolean, object, "
                                 "array or null (or a list of them)");
        }
        r->types |= bit;
    }
    return SL_OK;
}

static int compile_pattern(json_object *node, rule *r, const char *field, sl_err *err)
{
    json_object *p = member(node, "pattern");
    if (p == NULL) {
        return SL_OK;
    }
    if (!json_object_is_type(p, json_type_string)) {
        return compile_error(err, r, field, "pattern",
                             "'pattern' must be a string (a regular expression)");
    }
    int ec = 0;
    PCRE2_SIZE at = 0;
    r->pattern = json_object_get_string(p);
    r->re = pcre2_compile((PCRE2_SPTR)r->pattern, (size_t)json_object_get_string_len(p),
                          PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &ec, &at,
                          NULL);
    if (r->re == NULL) {
        PCRE2_UCHAR msg[120];
        vbuf b;
        (void)pcre2_get_error_message(ec, msg, sizeof(msg));
        return compile_error(err, r, field, "pattern",
                             "pattern \"%s\" is not a valid regular expression: %s at offset %zu",
                             show_text(&b, r->pattern), (const char *)msg, (size_t)at);
    }
    return SL_OK;
}

/* A number keyword; draft-4's boolean exclusiveMinimum/Maximum are kept in *flag. */
static int compile_bound(json_object *node, rule *r, const char *field, const char *kw,
                         json_object **out, bool *flag, sl_err *err)
{
    json_object *v = member(node, kw);
    if (v == NULL) {
        return SL_OK;
    }
    if (flag != NULL && json_object_is_type(v, json_type_boolean)) {
        *flag = json_object_get_boolean(v) != 0;
        return SL_OK;
    }
    if (!is_number(v) ||
        (json_object_is_type(v, json_type_double) && !isfinite(json_object_get_double(v)))) {
        return compile_error(err, r, field, kw, "'%s' must be a number", kw);
    }
    *out = v;
    return SL_OK;
}

static int compile_count(json_object *node, rule *r, const char *field, const char *kw,
                         int64_t *out, sl_err *err)
{
    json_object *v = member(node, kw);
    *out = -1;
    if (v == NULL) {
        return SL_OK;
    }
    num n = num_of(v);
    if (json_object_is_type(v, json_type_double) && isfinite(n.d) && n.d == floor(n.d) &&
        n.d >= 0 && n.d < 9.2e18) {
        n.is_int = true;
        n.i = (int64_t)n.d;
    }
    if (!is_number(v) || !n.is_int || n.i < 0) {
        return compile_error(err, r, field, kw, "'%s' must be an integer of at least 0", kw);
    }
    *out = n.i;
    return SL_OK;
}

static int compile_scalars(json_object *node, rule *r, const char *field, sl_err *err)
{
    int rc = compile_types(node, r, field, err);
    if (rc == SL_OK) {
        rc = compile_pattern(node, r, field, err);
    }
    if (rc != SL_OK) {
        return rc;
    }
    json_object *v = member(node, "enum");
    if (v != NULL && !json_object_is_type(v, json_type_array)) {
        return compile_error(err, r, field, "enum", "'enum' must be an array of values");
    }
    r->enumv = v;
    const char *fmt = NULL;
    if ((v = member(node, "format")) != NULL) {
        if (!json_object_is_type(v, json_type_string)) {
            return compile_error(err, r, field, "format", "'format' must be a string");
        }
        fmt = json_object_get_string(v);
    }
    if ((v = member(node, "meta:xdmType")) != NULL && json_object_is_type(v, json_type_string)) {
        const char *xdm = json_object_get_string(v);
        for (size_t i = 0; i < sizeof(xdm_ints) / sizeof(xdm_ints[0]); i++) {
            if (strcmp(xdm, xdm_ints[i].name) == 0) {
                r->xint = &xdm_ints[i];
            }
        }
        /* Coercion reads xdmType date-time as the format (schema.c); so does validation. */
        if (fmt == NULL && (strcmp(xdm, "date-time") == 0 || strcmp(xdm, "date") == 0)) {
            fmt = xdm;
        }
    }
    if (r->xint != NULL && r->types == 0) {
        r->types = T_INTEGER;
    }
    for (size_t i = 0; fmt != NULL && i < sizeof(format_names) / sizeof(format_names[0]); i++) {
        if (strcmp(fmt, format_names[i].name) == 0) {
            r->format = format_names[i].kind;
        }
    }
    bool xmin_flag = false;
    bool xmax_flag = false;
    if ((rc = compile_bound(node, r, field, "minimum", &r->min, NULL, err)) != SL_OK ||
        (rc = compile_bound(node, r, field, "maximum", &r->max, NULL, err)) != SL_OK ||
        (rc = compile_bound(node, r, field, "exclusiveMinimum", &r->xmin, &xmin_flag, err)) !=
            SL_OK ||
        (rc = compile_bound(node, r, field, "exclusiveMaximum", &r->xmax, &xmax_flag, err)) !=
            SL_OK ||
        (rc = compile_count(node, r, field, "minLength", &r->min_len, err)) != SL_OK ||
        (rc = compile_count(node, r, field, "maxLength", &r->max_len, err)) != SL_OK ||
        (rc = compile_count(node, r, field, "minItems", &r->min_items, err)) != SL_OK ||
        (rc = compile_count(node, r, field, "maxItems", &r->max_items, err)) != SL_OK) {
        return rc;
    }
    /* Draft 4: "exclusiveMinimum": true makes "minimum" exclusive. */
    if (xmin_flag && r->min != NULL && r->xmin == NULL) {
        r->xmin = r->min;
        r->min = NULL;
    }
    if (xmax_flag && r->max != NULL && r->xmax == NULL) {
        r->xmax = r->max;
        r->max = NULL;
    }
    return SL_OK;
}

static int prop_cmp(const void *a, const void *b)
{
    return strcmp(((const prop *)a)->name, ((const prop *)b)->name);
}

static int compile_properties(json_object *node, rule *r, const char *field, int depth, sl_err *err)
{
    json_object *props = member(node, "properties");
    if (props == NULL) {
        return SL_OK;
    }
    if (!json_object_is_type(props, json_type_object)) {
        return compile_error(err, r, field, "properties", "'properties' must be an object");
    }
    r->props = sl_xcalloc((size_t)json_object_object_length(props) + 1, sizeof(prop));
    json_object_object_foreach(props, name, sub)
    {
        char *f = child_field(field, ".", name);
        prop *p = &r->props[r->nprops];
        int rc =
            compile_rule(sub, child_loc(r->loc, "properties", name), f, depth + 1, &p->rule, err);
        free(f);
        if (rc != SL_OK) {
            return rc;
        }
        p->name = name;
        r->nprops++;
    }
    qsort(r->props, r->nprops, sizeof(prop), prop_cmp);
    return SL_OK;
}

static int compile_children(json_object *node, rule *r, const char *field, int depth, sl_err *err)
{
    int rc = compile_properties(node, r, field, depth, err);
    if (rc != SL_OK) {
        return rc;
    }
    json_object *v = member(node, "required");
    if (v != NULL) {
        bool ok = json_object_is_type(v, json_type_array);
        for (size_t i = 0; ok && i < json_object_array_length(v); i++) {
            ok = json_object_is_type(json_object_array_get_idx(v, i), json_type_string);
        }
        if (!ok) {
            return compile_error(err, r, field, "required",
                                 "'required' must be an array of field names");
        }
        r->required = v;
    }
    if ((v = member(node, "items")) != NULL && json_object_is_type(v, json_type_object)) {
        char *f = child_field(field, "", "[]");
        rc = compile_rule(v, child_loc(r->loc, "items", NULL), f, depth + 1, &r->items, err);
        free(f);
        if (rc != SL_OK) {
            return rc;
        }
    } else if (v != NULL && !json_object_is_type(v, json_type_array) &&
               !json_object_is_type(v, json_type_boolean)) {
        return compile_error(err, r, field, "items", "'items' must be a schema object");
    }
    if ((v = member(node, "additionalProperties")) != NULL) {
        if (json_object_is_type(v, json_type_boolean)) {
            r->closed = !json_object_get_boolean(v);
        } else if (json_object_is_type(v, json_type_object)) {
            char *f = child_field(field, ".", "*");
            rc = compile_rule(v, child_loc(r->loc, "additionalProperties", NULL), f, depth + 1,
                              &r->addl, err);
            free(f);
        } else {
            rc = compile_error(err, r, field, "additionalProperties",
                               "'additionalProperties' must be a boolean or a schema object");
        }
    }
    return rc;
}

/* Compile `node` into *out. Takes ownership of `loc` (a heap string). Recurses once per
 * level of the schema, at most MAX_DEPTH. */
static int compile_rule(json_object *node, char *loc, const char *field, int depth, rule **out,
                        sl_err *err)
{
    rule *r = sl_xcalloc(1, sizeof(*r));
    r->loc = loc;
    r->min_len = r->max_len = r->min_items = r->max_items = -1;
    int rc = SL_OK;
    if (depth > MAX_DEPTH) {
        rc = compile_error(err, r, field, "properties", "the schema nests deeper than %d levels",
                           MAX_DEPTH);
    } else if (!json_object_is_type(node, json_type_object)) {
        rc = sl_err_set(err, SL_EINVAL, "schema field '%s' must be an object describing it", field);
        if (err != NULL) {
            copy_cut(err->loc.pointer, sizeof(err->loc.pointer), loc + 1);
        }
    } else {
        rc = compile_scalars(node, r, field, err);
        if (rc == SL_OK) {
            rc = compile_children(node, r, field, depth, err);
        }
    }
    if (rc != SL_OK) {
        rule_free(r);
        *out = NULL;
        return rc;
    }
    *out = r;
    return SL_OK;
}

int sl__schema_rules_compile(json_object *doc, sl__schema_rules **out, sl_err *err)
{
    sl__schema_rules *rs = sl_xcalloc(1, sizeof(*rs));
    int rc = compile_rule(doc, sl_xstrdup("#"), "", 0, &rs->root, err);
    if (rc != SL_OK) {
        sl__schema_rules_destroy(rs);
        *out = NULL;
        return rc;
    }
    rs->mc = pcre2_match_context_create(NULL);
    if (rs->mc == NULL) {
        sl__schema_rules_destroy(rs);
        *out = NULL;
        return sl_err_set(err, SL_EIO, "out of memory for a PCRE2 match context");
    }
    (void)pcre2_set_match_limit(rs->mc, REGEX_MATCH_LIMIT);
    (void)pcre2_set_depth_limit(rs->mc, REGEX_DEPTH_LIMIT);
    (void)pcre2_set_heap_limit(rs->mc, REGEX_HEAP_KIB);
    *out = rs;
    return SL_OK;
}

void sl__schema_rules_destroy(sl__schema_rules *rs)
{
    if (rs == NULL) {
        return;
    }
    rule_free(rs->root);
    pcre2_match_context_free(rs->mc);
    free(rs);
}

/* ---- validate ---- */

typedef struct vctx {
    pcre2_match_context *mc;
    pcre2_match_data *md; /* created on the first pattern, freed at the end */
    sl_violation *out;
    size_t max;
    size_t count;
    char path[PATH_BYTES]; /* JSON pointer of the value being checked, "" for the record */
    size_t plen;
} vctx;

static void report(vctx *cx, const rule *r, const char *keyword, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(vctx *cx, const rule *r, const char *keyword, const char *fmt, ...)
{
    size_t i = cx->count++;
    if (i >= cx->max) {
        return; /* counted, not described */
    }
    sl_violation *v = &cx->out[i];
    copy_cut(v->keyword, sizeof(v->keyword), keyword);
    copy_cut(v->schema_location, sizeof(v->schema_location), r->loc);
    v->pointer[0] = '#';
    copy_cut(v->pointer + 1, sizeof(v->pointer) - 1, cx->path);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v->message, sizeof(v->message), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(v->message)) {
        trim_partial_utf8(v->message);
    }
}

static size_t push(vctx *cx, const char *seg)
{
    size_t mark = cx->plen;
    cx->plen = pointer_push(cx->path, cx->plen, sizeof(cx->path), seg);
    return mark;
}

static void pop(vctx *cx, size_t mark)
{
    cx->plen = mark;
    cx->path[mark] = '\0';
}

static const char *aep_type_of(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_boolean:
        return "Boolean";
    case json_type_int:
        return "Long";
    case json_type_double:
        return "Double";
    case json_type_string:
        return "String";
    case json_type_object:
        return "JSONObject";
    case json_type_array:
        return "JSONArray";
    default:
        return "Null";
    }
}

static bool type_ok(unsigned types, json_object *v)
{
    if (types == 0) {
        return true;
    }
    switch (json_object_get_type(v)) {
    case json_type_boolean:
        return (types & T_BOOLEAN) != 0;
    case json_type_int:
        return (types & (T_INTEGER | T_NUMBER)) != 0;
    case json_type_double: {
        double d = json_object_get_double(v);
        return (types & T_NUMBER) != 0 ||
               ((types & T_INTEGER) != 0 && isfinite(d) && d == floor(d));
    }
    case json_type_string:
        return (types & T_STRING) != 0;
    case json_type_object:
        return (types & T_OBJECT) != 0;
    case json_type_array:
        return (types & T_ARRAY) != 0;
    default:
        return (types & T_NULL) != 0;
    }
}

static void report_type(vctx *cx, const rule *r, json_object *v)
{
    char want[96] = "";
    size_t n = 0;
    int k = 0;
    for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
        if ((r->types & type_names[i].bit) != 0 && n < sizeof(want)) {
            int w = snprintf(want + n, sizeof(want) - n, "%s%s", k++ > 0 ? ", " : "",
                             type_names[i].aep);
            n += w > 0 ? (size_t)w : 0;
        }
    }
    vbuf b;
    report(cx, r, "type",
           k > 1 ? "expected type: one of [%s], found: %s [%s]"
                 : "expected type: %s, found: %s [%s]",
           want, aep_type_of(v), show(&b, v));
}

static bool json_equal(json_object *a, json_object *b, int depth);

static bool arrays_equal(json_object *a, json_object *b, int depth)
{
    size_t n = json_object_array_length(a);
    if (n != json_object_array_length(b)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!json_equal(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i),
                        depth + 1)) {
            return false;
        }
    }
    return true;
}

static bool objects_equal(json_object *a, json_object *b, int depth)
{
    if (json_object_object_length(a) != json_object_object_length(b)) {
        return false;
    }
    json_object_object_foreach(a, key, av)
    {
        json_object *bv = NULL;
        if (!json_object_object_get_ex(b, key, &bv) || !json_equal(av, bv, depth + 1)) {
            return false;
        }
    }
    return true;
}

/* JSON equality by value (1 equals 1.0, member order does not count), as enum compares.
 * Recurses at most EQUAL_DEPTH deep. */
static bool json_equal(json_object *a, json_object *b, int depth)
{
    if (depth > EQUAL_DEPTH) {
        return false;
    }
    if (is_number(a) && is_number(b)) {
        return num_cmp(num_of(a), num_of(b)) == 0;
    }
    json_type t = json_object_get_type(a);
    if (t != json_object_get_type(b)) {
        return false;
    }
    switch (t) {
    case json_type_null:
        return true;
    case json_type_boolean:
        return json_object_get_boolean(a) == json_object_get_boolean(b);
    case json_type_string:
        return json_object_get_string_len(a) == json_object_get_string_len(b) &&
               memcmp(json_object_get_string(a), json_object_get_string(b),
                      (size_t)json_object_get_string_len(a)) == 0;
    case json_type_array:
        return arrays_equal(a, b, depth);
    case json_type_object:
        return objects_equal(a, b, depth);
    default:
        return false;
    }
}

static void check_enum(vctx *cx, const rule *r, json_object *v)
{
    size_t n = json_object_array_length(r->enumv);
    for (size_t i = 0; i < n; i++) {
        if (json_equal(v, json_object_array_get_idx(r->enumv, i), 0)) {
            return;
        }
    }
    vbuf b;
    vbuf allowed;
    (void)show(&allowed, r->enumv);
    report(cx, r, "enum", "[%s] is not a valid enum value; expected one of %s", show(&b, v),
           allowed.p);
}

static void check_bound(vctx *cx, const rule *r, json_object *v, num n, json_object *bound,
                        const char *kw)
{
    if (bound == NULL) {
        return;
    }
    int c = num_cmp(n, num_of(bound));
    static const struct {
        const char *kw;
        int bad_if; /* the comparison results that break the bound, as a bit mask of c + 1 */
        const char *text;
    } rules[] = {
        {"minimum", 1 << 0, "is less than the minimum"},
        {"exclusiveMinimum", (1 << 0) | (1 << 1), "is not greater than the exclusive minimum"},
        {"maximum", 1 << 2, "is greater than the maximum"},
        {"exclusiveMaximum", (1 << 1) | (1 << 2), "is not less than the exclusive maximum"},
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (strcmp(kw, rules[i].kw) == 0 && (rules[i].bad_if & (1 << (c + 1))) != 0) {
            vbuf a;
            vbuf b;
            report(cx, r, kw, "[%s] %s [%s]", show(&a, v), rules[i].text, show(&b, bound));
        }
    }
}

static void check_number(vctx *cx, const rule *r, json_object *v)
{
    num n = num_of(v);
    if (r->xint != NULL) {
        num lo = {true, r->xint->min, 0.0};
        num hi = {true, r->xint->max, 0.0};
        vbuf b;
        if (num_cmp(n, lo) < 0) {
            report(cx, r, "minimum", "[%s] is less than the minimum [%" PRId64 "] of XDM type %s",
                   show(&b, v), r->xint->min, r->xint->name);
        } else if (num_cmp(n, hi) > 0) {
            report(cx, r, "maximum",
                   "[%s] is greater than the maximum [%" PRId64 "] of XDM type %s", show(&b, v),
                   r->xint->max, r->xint->name);
        }
    }
    check_bound(cx, r, v, n, r->min, "minimum");
    check_bound(cx, r, v, n, r->xmin, "exclusiveMinimum");
    check_bound(cx, r, v, n, r->max, "maximum");
    check_bound(cx, r, v, n, r->xmax, "exclusiveMaximum");
}

static void check_format(vctx *cx, const rule *r, json_object *v, const char *s, size_t n)
{
    vbuf b;
    switch (r->format) {
    case FMT_DATE_TIME:
        if (!valid_date_time(s, n)) {
            report(cx, r, "format",
                   "[%s] is not a valid date-time. Expected [yyyy-MM-dd'T'HH:mm:ss.SSSXXX]",
                   show(&b, v));
        }
        break;
    case FMT_DATE:
        if (!valid_date(s, n)) {
            report(cx, r, "format", "[%s] is not a valid date. Expected [yyyy-MM-dd]", show(&b, v));
        }
        break;
    case FMT_EMAIL:
        if (!valid_email(s, n)) {
            report(cx, r, "format", "[%s] is not a valid email address", show(&b, v));
        }
        break;
    case FMT_URI:
    case FMT_URI_REFERENCE:
        if (!valid_uri(s, n, r->format == FMT_URI_REFERENCE)) {
            report(cx, r, "format", "[%s] is not a valid URI%s", show(&b, v),
                   r->format == FMT_URI_REFERENCE ? " reference" : "");
        }
        break;
    case FMT_UUID:
        if (!valid_uuid(s, n)) {
            report(cx, r, "format", "[%s] is not a valid UUID", show(&b, v));
        }
        break;
    case FMT_NONE:
        break;
    }
}

static void check_pattern(vctx *cx, const rule *r, json_object *v, const char *s, size_t n)
{
    if (cx->md == NULL) {
        /* One pair is enough: only whether it matches counts (rc 0 still means a match). */
        cx->md = pcre2_match_data_create(1, NULL);
    }
    int rc = cx->md != NULL ? pcre2_match(r->re, (PCRE2_SPTR)s, n, 0, 0, cx->md, cx->mc)
                            : PCRE2_ERROR_NOMEMORY;
    if (rc >= 0) {
        return;
    }
    vbuf a;
    vbuf b;
    if (rc == PCRE2_ERROR_NOMATCH) {
        report(cx, r, "pattern", "string [%s] does not match pattern [%s]", show(&a, v),
               show_text(&b, r->pattern));
        return;
    }
    PCRE2_UCHAR msg[120];
    (void)pcre2_get_error_message(rc, msg, sizeof(msg));
    report(cx, r, "pattern", "string [%s] could not be checked against pattern [%s]: %s",
           show(&a, v), show_text(&b, r->pattern), (const char *)msg);
}

static void check_string(vctx *cx, const rule *r, json_object *v)
{
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (r->min_len >= 0 || r->max_len >= 0) {
        size_t chars = utf8_chars(s, n);
        vbuf b;
        if (r->min_len >= 0 && chars < (uint64_t)r->min_len) {
            report(cx, r, "minLength", "[%s] is %zu characters long; expected at least %" PRId64,
                   show(&b, v), chars, r->min_len);
        }
        if (r->max_len >= 0 && chars > (uint64_t)r->max_len) {
            report(cx, r, "maxLength", "[%s] is %zu characters long; expected at most %" PRId64,
                   show(&b, v), chars, r->max_len);
        }
    }
    if (r->re != NULL) {
        check_pattern(cx, r, v, s, n);
    }
    check_format(cx, r, v, s, n);
}

static void check_value(vctx *cx, const rule *r, json_object *v);

static void check_array(vctx *cx, const rule *r, json_object *v)
{
    size_t n = json_object_array_length(v);
    vbuf b;
    if (r->min_items >= 0 && n < (uint64_t)r->min_items) {
        report(cx, r, "minItems", "[%s] has %zu items; expected at least %" PRId64, show(&b, v), n,
               r->min_items);
    }
    if (r->max_items >= 0 && n > (uint64_t)r->max_items) {
        report(cx, r, "maxItems", "[%s] has %zu items; expected at most %" PRId64, show(&b, v), n,
               r->max_items);
    }
    if (r->items == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char idx[24];
        (void)snprintf(idx, sizeof(idx), "%zu", i);
        size_t mark = push(cx, idx);
        check_value(cx, r->items, json_object_array_get_idx(v, i));
        pop(cx, mark);
    }
}

static const rule *find_prop(const rule *r, const char *name)
{
    prop key = {name, NULL};
    const prop *p =
        r->nprops > 0 ? bsearch(&key, r->props, r->nprops, sizeof(prop), prop_cmp) : NULL;
    return p != NULL ? p->rule : NULL;
}

/* The object's own checks first (required), then its members in the record's order, so
 * violations come out in document order. */
static void check_object(vctx *cx, const rule *r, json_object *v)
{
    size_t nreq = r->required != NULL ? json_object_array_length(r->required) : 0;
    for (size_t i = 0; i < nreq; i++) {
        const char *name = json_object_get_string(json_object_array_get_idx(r->required, i));
        json_object *m = NULL;
        if (!json_object_object_get_ex(v, name, &m) || m == NULL) {
            vbuf b;
            size_t mark = push(cx, name);
            report(cx, r, "required", "required key [%s] not found", show_text(&b, name));
            pop(cx, mark);
        }
    }
    json_object_object_foreach(v, key, child)
    {
        const rule *c = find_prop(r, key);
        if (c == NULL && !r->closed && r->addl == NULL) {
            continue; /* XDM schemas are open in sluice */
        }
        size_t mark = push(cx, key);
        if (c == NULL && r->closed) {
            vbuf b;
            report(cx, r, "additionalProperties", "extraneous key [%s] is not permitted",
                   show_text(&b, key));
        } else {
            check_value(cx, c != NULL ? c : r->addl, child);
        }
        pop(cx, mark);
    }
}

/* Recurses through check_array and check_object once per level of the rule tree, so at most
 * MAX_DEPTH deep whatever the record's nesting. */
static void check_value(vctx *cx, const rule *r, json_object *v)
{
    if (v == NULL) {
        return; /* null is absent, as AEP treats a nulled field; `required` catches it */
    }
    if (!type_ok(r->types, v)) {
        report_type(cx, r, v);
        return; /* the other keywords would only restate it */
    }
    if (r->enumv != NULL) {
        check_enum(cx, r, v);
    }
    switch (json_object_get_type(v)) {
    case json_type_int:
    case json_type_double:
        check_number(cx, r, v);
        break;
    case json_type_string:
        check_string(cx, r, v);
        break;
    case json_type_array:
        check_array(cx, r, v);
        break;
    case json_type_object:
        check_object(cx, r, v);
        break;
    default:
        break;
    }
}

size_t sl__schema_rules_validate(const sl__schema_rules *rs, json_object *record, sl_violation *out,
                                 size_t max)
{
    vctx cx;
    cx.mc = rs->mc;
    cx.md = NULL;
    cx.out = out;
    cx.max = out != NULL ? max : 0;
    cx.count = 0;
    cx.path[0] = '\0';
    cx.plen = 0;
    if (!json_object_is_type(record, json_type_object)) {
        rule any_object = {.loc = rs->root->loc, .types = T_OBJECT};
        report_type(&cx, &any_object, record);
    } else {
        check_value(&cx, rs->root, record);
    }
    pcre2_match_data_free(cx.md);
    return cx.count;
}

const char *sl_violation_category(const char *keyword)
{
    static const struct {
        const char *keyword;
        const char *category;
    } map[] = {
        {"type", "type"},       {"required", "presence"},      {"enum", "enum"},
        {"pattern", "pattern"}, {"format", "format"},          {"minimum", "range"},
        {"maximum", "range"},   {"exclusiveMinimum", "range"}, {"exclusiveMaximum", "range"},
        {"minLength", "range"}, {"maxLength", "range"},        {"minItems", "range"},
        {"maxItems", "range"},
    };
    for (size_t i = 0; keyword != NULL && i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(keyword, map[i].keyword) == 0) {
            return map[i].category;
        }
    }
    return "unclassified";
}
