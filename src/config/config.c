/* SPDX-License-Identifier: Apache-2.0 */
#include "config/config.h"

#include "core/limits.h"
#include "core/mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Where a value came from; stored in the field##_src members. A later source never loses to
 * an earlier one, whatever order main() applies them in. */
enum { SRC_DEFAULT = 0, SRC_FILE = 1, SRC_ENV = 2, SRC_FLAG = 3 };

/* One call stops reporting after this many problems: a file of garbage should not produce a
 * megabyte of messages, and the first hundred are enough to act on. */
#define MAX_PROBLEMS 100

/* Keys longer than this get no did-you-mean (bounds the edit-distance table). */
#define SUGGEST_MAX_LEN 64

/* Deepest YAML nesting read. A valid file nests three levels; the bound exists because
 * libyaml's scanner does work proportional to the flow nesting for every token, so a
 * megabyte of "[[[[" would otherwise take many minutes. */
#define MAX_YAML_DEPTH 64

typedef enum opt_type { T_STR, T_HOSTPORT, T_URL, T_INT, T_LIST, T_ENUM } opt_type;

typedef struct option {
    const char *flag;
    const char *env;
    const char *yaml;
    const char *def;
    long long min;
    long long max;
    const char *doc;
    opt_type type;
    size_t off;     /* offsetof(sl_config, field) */
    size_t src_off; /* offsetof(sl_config, field##_src) */
} option;

static const option options[] = {
#define X(field, type, flag, env, yaml, def, min, max, doc)                                        \
    {flag,                                                                                         \
     env,                                                                                          \
     yaml,                                                                                         \
     def,                                                                                          \
     min,                                                                                          \
     max,                                                                                          \
     doc,                                                                                          \
     T_##type,                                                                                     \
     offsetof(sl_config, field),                                                                   \
     offsetof(sl_config, field##_src)},
#include "config/options.def"
#undef X
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* ---- field access ---------------------------------------------------------------------- */

static char **str_at(sl_config *c, const option *o)
{
    return (char **)(void *)((char *)c + o->off);
}

static long long *int_at(sl_config *c, const option *o)
{
    return (long long *)(void *)((char *)c + o->off);
}

static sl_strlist *list_at(sl_config *c, const option *o)
{
    return (sl_strlist *)(void *)((char *)c + o->off);
}

static unsigned char *src_at(sl_config *c, const option *o)
{
    return (unsigned char *)c + o->src_off;
}

/* ---- lists ----------------------------------------------------------------------------- */

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

/* Append `p[0..len)` trimmed; an entry that is empty after trimming is dropped. */
static void list_add(sl_strlist *l, const char *p, size_t len)
{
    while (len > 0 && is_space(p[0])) {
        p++;
        len--;
    }
    while (len > 0 && is_space(p[len - 1])) {
        len--;
    }
    if (len == 0) {
        return;
    }
    /* Capacity is the next power of two at or above len, so growth is amortised. */
    if ((l->len & (l->len - 1)) == 0) {
        size_t cap = l->len != 0 ? l->len * 2 : 1;
        l->items = sl_xrealloc(l->items, cap * sizeof(l->items[0]));
    }
    sl_str s = {p, len};
    l->items[l->len++] = sl_strndup(s);
}

static void list_split(sl_strlist *l, const char *s)
{
    const char *start = s;
    for (const char *p = s;; p++) {
        if (*p == ',' || *p == '\0') {
            list_add(l, start, (size_t)(p - start));
            start = p + 1;
        }
        if (*p == '\0') {
            break;
        }
    }
}

static void list_free(sl_strlist *l)
{
    for (size_t i = 0; i < l->len; i++) {
        free(l->items[i]);
    }
    free(l->items);
    l->items = NULL;
    l->len = 0;
}

/* ---- value checks ---------------------------------------------------------------------- */

/* The words after "one of:" in an ENUM's doc string. */
static const char *enum_words(const option *o)
{
    const char *p = strstr(o->doc, "one of:");
    return p != NULL ? p + strlen("one of:") : "";
}

static bool enum_has(const option *o, const char *v)
{
    size_t vlen = strlen(v);
    const char *p = enum_words(o);
    while (*p != '\0') {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        size_t n = strcspn(p, " ,");
        if (n != 0 && n == vlen && memcmp(p, v, n) == 0) {
            return true;
        }
        p += n;
    }
    return false;
}

static bool is_alnum(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool host_name_ok(const char *h, size_t len)
{
    if (len == 0) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_alnum(h[i]) && h[i] != '.' && h[i] != '-' && h[i] != '_') {
            return false;
        }
    }
    return true;
}

/* An IPv6 literal, optionally with a %zone. */
static bool host_v6_ok(const char *h, size_t len)
{
    bool colon = false;
    size_t i = 0;
    for (; i < len && h[i] != '%'; i++) {
        if (!is_hex(h[i]) && h[i] != ':' && h[i] != '.') {
            return false;
        }
        colon = colon || h[i] == ':';
    }
    if (i < len && !host_name_ok(h + i + 1, len - i - 1)) {
        return false;
    }
    return colon;
}

int sl_config_split_hostport(const char *s, char *host, size_t host_cap, unsigned *port)
{
    const char *h = s;
    size_t hlen;
    const char *p;
    if (s == NULL) {
        return -1;
    }
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':') {
            return -1;
        }
        h = s + 1;
        hlen = (size_t)(close - h);
        p = close + 2;
        if (!host_v6_ok(h, hlen)) {
            return -1;
        }
    } else {
        const char *colon = strrchr(s, ':');
        if (colon == NULL) {
            return -1;
        }
        hlen = (size_t)(colon - s);
        p = colon + 1;
        if (!host_name_ok(h, hlen)) {
            return -1;
        }
    }
    size_t plen = strlen(p);
    if (plen == 0 || plen > 5 || strspn(p, "0123456789") != plen) {
        return -1;
    }
    unsigned long n = strtoul(p, NULL, 10);
    if (n > 65535 || (host != NULL && hlen >= host_cap)) {
        return -1;
    }
    if (host != NULL) {
        memcpy(host, h, hlen);
        host[hlen] = '\0';
    }
    if (port != NULL) {
        *port = (unsigned)n;
    }
    return 0;
}

static bool is_nats(const option *o)
{
    return o->off == offsetof(sl_config, nats);
}

/* One URL: an allowed scheme, a non-empty authority, no spaces or control characters. */
static bool url_one_ok(const char *u, size_t len, const char *const schemes[2])
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)u[i];
        if (ch <= 0x20 || ch == 0x7f) {
            return false;
        }
    }
    for (int k = 0; k < 2; k++) {
        size_t slen = strlen(schemes[k]);
        if (len > slen && memcmp(u, schemes[k], slen) == 0) {
            const char *auth = u + slen;
            size_t alen = len - slen;
            return alen != 0 && auth[0] != '/' && auth[0] != '?' && auth[0] != '#';
        }
    }
    return false;
}

static bool url_ok(const option *o, const char *v)
{
    static const char *const web[2] = {"http://", "https://"};
    static const char *const nats[2] = {"nats://", "tls://"};
    if (!is_nats(o)) {
        return url_one_ok(v, strlen(v), web);
    }
    /* libnats takes a comma-separated server list; each entry needs its scheme. */
    const char *p = v;
    for (;;) {
        size_t n = strcspn(p, ",");
        if (!url_one_ok(p, n, nats)) {
            return false;
        }
        if (p[n] == '\0') {
            return true;
        }
        p += n + 1;
    }
}

static bool int_parse(const option *o, const char *v, long long *out)
{
    char *end = NULL;
    if (!(v[0] == '-' || v[0] == '+' || (v[0] >= '0' && v[0] <= '9'))) {
        return false;
    }
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0') {
        return false;
    }
    if (o->min < o->max && (n < o->min || n > o->max)) {
        return false;
    }
    *out = n;
    return true;
}

/* True when text `v` is acceptable for `o`; an INT's value goes to `*num`. */
static bool value_ok(const option *o, const char *v, long long *num)
{
    switch (o->type) {
    case T_HOSTPORT:
        return sl_config_split_hostport(v, NULL, 0, NULL) == 0;
    case T_URL:
        return url_ok(o, v);
    case T_INT:
        return int_parse(o, v, num);
    case T_ENUM:
        return enum_has(o, v);
    case T_STR:
    case T_LIST:
        break;
    }
    return true;
}

/* What `o` accepts, for messages: "host:port with a port in 0..65535". */
static void describe_expected(const option *o, char *out, size_t cap)
{
    switch (o->type) {
    case T_STR:
        (void)snprintf(out, cap, "a string");
        break;
    case T_HOSTPORT:
        (void)snprintf(out, cap, "host:port or [ipv6]:port with a port in 0..65535");
        break;
    case T_URL:
        (void)snprintf(out, cap, "a URL starting with %s",
                       is_nats(o) ? "nats:// or tls://" : "http:// or https://");
        break;
    case T_INT:
        (void)snprintf(out, cap, "an integer in %lld..%lld", o->min, o->max);
        break;
    case T_LIST:
        (void)snprintf(out, cap, "a sequence of strings or a comma-separated string");
        break;
    case T_ENUM:
        (void)snprintf(out, cap, "one of:%s", enum_words(o));
        break;
    }
}

/* `v` quoted for a message: at most 60 bytes, control characters shown as '?'. */
static void quote(const char *v, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    size_t max = len > 60 ? 57 : len;
    out[o++] = '\'';
    for (size_t i = 0; i < max && o + 6 < cap; i++) {
        unsigned char ch = (unsigned char)v[i];
        out[o++] = v[i];
        if (ch < 0x20 || ch == 0x7f) {
            out[o - 1] = '?';
        }
    }
    if (max < len && o + 6 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '\'';
    out[o] = '\0';
}

/* "found 'v', expected ..." for a rejected value. */
static void describe_bad_value(const option *o, const char *v, char *out, size_t cap)
{
    char q[80];
    char want[160];
    char shown[80];
    if (o->type == T_URL) {
        sl_url_hide_credentials(v, shown, sizeof(shown));
        v = shown;
    }
    quote(v, strlen(v), q, sizeof(q));
    describe_expected(o, want, sizeof(want));
    (void)snprintf(out, cap, "found %s, expected %s", q, want);
}

/* ---- storing --------------------------------------------------------------------------- */

static void store_list(sl_config *c, const option *o, sl_strlist *l, unsigned char src)
{
    sl_strlist *slot = list_at(c, o);
    list_free(slot);
    *slot = *l;
    l->items = NULL;
    l->len = 0;
    *src_at(c, o) = src;
}

/* Check text `v` for `o` and store it unless a later source already set `o`. Returns false,
 * leaving `o` alone, when `v` is not acceptable. */
static bool set_text(sl_config *c, const option *o, const char *v, unsigned char src)
{
    long long n = 0;
    if (!value_ok(o, v, &n)) {
        return false;
    }
    if (src < *src_at(c, o)) {
        return true;
    }
    if (o->type == T_INT) {
        *int_at(c, o) = n;
    } else if (o->type == T_LIST) {
        sl_strlist l = {NULL, 0};
        list_split(&l, v);
        store_list(c, o, &l, src);
    } else {
        char **slot = str_at(c, o);
        free(*slot);
        *slot = sl_xstrdup(v);
    }
    *src_at(c, o) = src;
    return true;
}

/* ---- problems -------------------------------------------------------------------------- */

typedef struct reporter {
    sl_buf *problems;
    int count;
} reporter;

static bool reporter_full(const reporter *r)
{
    return r->count > MAX_PROBLEMS;
}

/* Append one problem line "prefix: message\n", or once the cap is hit a closing line. */
static void __attribute__((format(printf, 3, 4)))
report(reporter *r, const char *prefix, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (reporter_full(r)) {
        return;
    }
    r->count++;
    if (reporter_full(r)) {
        sl_buf_appendf(r->problems, "%s: too many problems; stopped after %d\n", prefix,
                       MAX_PROBLEMS);
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sl_buf_appendf(r->problems, "%s: %s\n", prefix, msg);
}

/* ---- did you mean ---------------------------------------------------------------------- */

static size_t edit_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t row[SUGGEST_MAX_LEN + 1];
    if (alen > SUGGEST_MAX_LEN || blen > SUGGEST_MAX_LEN) {
        return SIZE_MAX;
    }
    for (size_t j = 0; j <= blen; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= alen; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= blen; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (up + 1 < best) {
                best = up + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            diag = up;
        }
    }
    return row[blen];
}

/* Copy `s` into `out` with '.', '_' and '-' all turned into '-', so "admin_listen",
 * "admin-listen" and "admin.listen" compare equal. */
static size_t fold(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        out[i] = s[i];
        if (s[i] == '.' || s[i] == '_') {
            out[i] = '-';
        }
    }
    out[n] = '\0';
    return n;
}

/* The last dotted part of `s`, folded: "collect.max_body_bytes" gives "max-body-bytes". */
static size_t fold_tail(const char *s, size_t len, char *out, size_t cap)
{
    size_t start = len;
    while (start > 0 && s[start - 1] != '.') {
        start--;
    }
    return fold(s + start, len - start, out, cap);
}

/* A candidate for did-you-mean: its distance to the unknown name so far, and what to show. */
typedef struct candidate {
    size_t dist;
    sl_str name;
} candidate;

static void consider(candidate *best, const char *a, size_t alen, sl_str cand, sl_str show)
{
    char b[SUGGEST_MAX_LEN + 1];
    size_t blen = fold(cand.ptr, cand.len, b, sizeof(b));
    size_t d = edit_distance(a, alen, b, blen);
    if (d < best->dist) {
        best->dist = d;
        best->name = show;
    }
}

/* The YAML key or section (want_flag false) or the flag (true) nearest to `s`, as a slice of
 * a static string; {NULL, 0} when none is close. When nothing is close, a last part equal to
 * the last part of exactly one option's key counts ("admin.max_body_bytes" suggests
 * "collect.max_body_bytes"). */
static sl_str suggest(const char *s, size_t len, bool want_flag)
{
    char a[SUGGEST_MAX_LEN + 1];
    char at[SUGGEST_MAX_LEN + 1];
    char b[SUGGEST_MAX_LEN + 1];
    const option *tail = NULL;
    int tails = 0;
    candidate best = {len <= 4 ? 2 : (len <= 10 ? 3 : 4), {NULL, 0}}; /* first distance too far */
    if (len > SUGGEST_MAX_LEN) {
        return best.name;
    }
    size_t alen = fold(s, len, a, sizeof(a));
    size_t atlen = fold_tail(s, len, at, sizeof(at));
    for (size_t i = 0; i < NOPTIONS; i++) {
        const option *o = &options[i];
        sl_str yaml = sl_str_c(o->yaml);
        sl_str flag = sl_str_c(o->flag);
        const char *dot = strrchr(o->yaml, '.');
        sl_str section = {o->yaml, dot != NULL ? (size_t)(dot - o->yaml) : 0};
        consider(&best, a, alen, yaml, want_flag ? flag : yaml);
        if (want_flag) {
            consider(&best, a, alen, flag, flag);
        } else if (section.len != 0) {
            consider(&best, a, alen, section, section);
        }
        size_t blen = fold_tail(o->yaml, yaml.len, b, sizeof(b));
        if (blen == atlen && memcmp(at, b, blen) == 0) {
            tail = o;
            tails++;
        }
    }
    if (best.name.ptr == NULL && tails == 1) {
        best.name = sl_str_c(want_flag ? tail->flag : tail->yaml);
    }
    return best.name;
}

/* ---- YAML ------------------------------------------------------------------------------ */

typedef struct ywalk {
    sl_config *c;
    const char *name;
    yaml_document_t *doc;
    reporter r;
    size_t seen[NOPTIONS];         /* line where option i was set, 0 when not yet */
    size_t section_seen[NOPTIONS]; /* by the first option inside the section */
} ywalk;

static size_t line_of(const yaml_node_t *n)
{
    return n->start_mark.line + 1;
}

static void __attribute__((format(printf, 3, 4)))
yreport(ywalk *w, size_t line, const char *fmt, ...)
{
    char prefix[300];
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    (void)snprintf(prefix, sizeof(prefix), "%s:%zu", w->name, line);
    report(&w->r, prefix, "%s", msg);
}

static bool is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        return false;
    }
    const char *v = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    return len == 0 || (len == 1 && v[0] == '~') ||
           (len == 4 &&
            (memcmp(v, "null", 4) == 0 || memcmp(v, "Null", 4) == 0 || memcmp(v, "NULL", 4) == 0));
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    case YAML_SCALAR_NODE:
        return is_null(n) ? "no value" : "a scalar";
    case YAML_NO_NODE:
        break;
    }
    return "nothing";
}

/* A LIST given as a YAML sequence: every item must be a scalar. */
static void apply_sequence(ywalk *w, const option *o, yaml_node_t *v)
{
    sl_strlist l = {NULL, 0};
    bool bad = false;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *item = yaml_document_get_node(w->doc, *it);
        if (item == NULL || is_null(item)) {
            continue;
        }
        if (item->type != YAML_SCALAR_NODE) {
            yreport(w, line_of(item),
                    "%s: found %s inside the sequence, expected a sequence of strings", o->yaml,
                    node_kind(item));
            bad = true;
            continue;
        }
        list_add(&l, (const char *)item->data.scalar.value, item->data.scalar.length);
    }
    if (!bad && SRC_FILE >= *src_at(w->c, o)) {
        store_list(w->c, o, &l, SRC_FILE);
    }
    list_free(&l);
}

static void apply_leaf(ywalk *w, const option *o, yaml_node_t *key, yaml_node_t *v)
{
    char want[160];
    char why[300];
    describe_expected(o, want, sizeof(want));
    if (v->type == YAML_SEQUENCE_NODE && o->type == T_LIST) {
        apply_sequence(w, o, v);
        return;
    }
    if (v->type != YAML_SCALAR_NODE || is_null(v)) {
        yreport(w, is_null(v) ? line_of(key) : line_of(v), "%s: found %s, expected %s", o->yaml,
                node_kind(v), want);
        return;
    }
    const char *text = (const char *)v->data.scalar.value;
    if (memchr(text, '\0', v->data.scalar.length) != NULL) {
        yreport(w, line_of(v), "%s: found a value with a NUL character, expected %s", o->yaml,
                want);
        return;
    }
    if (!set_text(w->c, o, text, SRC_FILE)) {
        describe_bad_value(o, text, why, sizeof(why));
        yreport(w, line_of(v), "%s: %s", o->yaml, why);
    }
}

/* The option named `full` exactly, or NULL. */
static const option *find_yaml(const char *full)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        if (strcmp(options[i].yaml, full) == 0) {
            return &options[i];
        }
    }
    return NULL;
}

/* When `full` names a section (a proper dotted prefix of some option's key), the index of the
 * first option inside it; otherwise -1. */
static int find_section(const char *full)
{
    size_t len = strlen(full);
    for (size_t i = 0; i < NOPTIONS; i++) {
        if (strncmp(options[i].yaml, full, len) == 0 && options[i].yaml[len] == '.') {
            return (int)i;
        }
    }
    return -1;
}

/* The keys directly inside section `full`, for messages: "listen, public_url". */
static void section_keys(const char *full, char *out, size_t cap)
{
    size_t len = strlen(full);
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < NOPTIONS && o < cap; i++) {
        if (strncmp(options[i].yaml, full, len) == 0 && options[i].yaml[len] == '.') {
            int n =
                snprintf(out + o, cap - o, "%s%s", o != 0 ? ", " : "", options[i].yaml + len + 1);
            o += n > 0 ? (size_t)n : 0;
        }
    }
}

static void walk_mapping(ywalk *w, yaml_node_t *map, const char *prefix);

/* `full` may hold NUL bytes from an escaped key ("a\\0b"); `len` is its real length. */
static void unknown_key(ywalk *w, yaml_node_t *key, const char *full, size_t len)
{
    sl_str near = suggest(full, len, false);
    char q[80];
    quote(full, len, q, sizeof(q));
    if (near.ptr != NULL) {
        yreport(w, line_of(key), "unknown key %s (did you mean '%.*s'?)", q, SL_STR_ARGS(near));
    } else {
        yreport(w, line_of(key), "unknown key %s", q);
    }
}

static void walk_section(ywalk *w, int first, yaml_node_t *key, yaml_node_t *v, const char *full)
{
    char keys[200];
    if (w->section_seen[first] != 0) {
        yreport(w, line_of(key), "duplicate key '%s' (first on line %zu)", full,
                w->section_seen[first]);
        return;
    }
    w->section_seen[first] = line_of(key);
    if (v->type == YAML_MAPPING_NODE) {
        walk_mapping(w, v, full);
    } else if (!is_null(v)) {
        section_keys(full, keys, sizeof(keys));
        yreport(w, line_of(v), "%s: found %s, expected a mapping with keys %s", full, node_kind(v),
                keys);
    }
}

static void walk_pair(ywalk *w, yaml_node_t *key, yaml_node_t *v, const char *prefix)
{
    sl_buf full = {NULL, 0, 0};
    if (key->type != YAML_SCALAR_NODE) {
        yreport(w, line_of(key), "found %s used as a key, expected a setting name", node_kind(key));
        return;
    }
    if (prefix[0] != '\0') {
        sl_buf_appendf(&full, "%s.", prefix);
    }
    sl_buf_append(&full, key->data.scalar.value, key->data.scalar.length);
    const char *name = sl_buf_cstr(&full);
    const option *o = strlen(name) == full.len ? find_yaml(name) : NULL;
    int section = o == NULL && strlen(name) == full.len ? find_section(name) : -1;
    if (o != NULL) {
        size_t i = (size_t)(o - options);
        if (w->seen[i] != 0) {
            yreport(w, line_of(key), "duplicate key '%s' (first on line %zu)", name, w->seen[i]);
        } else {
            w->seen[i] = line_of(key);
            apply_leaf(w, o, key, v);
        }
    } else if (section >= 0) {
        walk_section(w, section, key, v, name);
    } else {
        unknown_key(w, key, name, full.len);
    }
    sl_buf_fini(&full);
}

/* Recursion is bounded by the number of dots in the longest option key: only known sections
 * are entered. */
static void walk_mapping(ywalk *w, yaml_node_t *map, const char *prefix)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top && !reporter_full(&w->r); p++) {
        yaml_node_t *key = yaml_document_get_node(w->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
        if (key != NULL && v != NULL) {
            walk_pair(w, key, v, prefix);
        }
    }
}

static size_t line_at_offset(const char *text, size_t len, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        line += text[i] == '\n' ? 1 : 0;
    }
    return line;
}

static void syntax_error(ywalk *w, const yaml_parser_t *p, const char *text, size_t len)
{
    const char *what = p->problem != NULL ? p->problem : "malformed document";
    if (p->error == YAML_READER_ERROR) {
        yreport(w, line_at_offset(text, len, p->problem_offset),
                "YAML syntax error: %s (at byte offset %zu)", what, p->problem_offset);
    } else if (p->context != NULL) {
        yreport(w, p->problem_mark.line + 1, "YAML syntax error: %s (%s that starts on line %zu)",
                what, p->context, p->context_mark.line + 1);
    } else {
        yreport(w, p->problem_mark.line + 1, "YAML syntax error: %s", what);
    }
}

/* The 1-based line where `text` first nests deeper than MAX_YAML_DEPTH, or 0 when it does not
 * (or is malformed before that point: the loader then reports the syntax error). */
static size_t too_deep(const char *text, size_t len)
{
    yaml_parser_t p;
    yaml_event_t ev;
    size_t line = 0;
    int depth = 0;
    bool done = false;
    if (yaml_parser_initialize(&p) == 0) {
        return 0;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (!done && yaml_parser_parse(&p, &ev) != 0) {
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
            depth++;
        } else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            depth--;
        }
        if (depth > MAX_YAML_DEPTH) {
            line = ev.start_mark.line + 1;
        }
        done = line != 0 || ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return line;
}

static void walk_document(ywalk *w)
{
    yaml_node_t *root = yaml_document_get_root_node(w->doc);
    if (root == NULL || is_null(root)) {
        return;
    }
    if (root->type != YAML_MAPPING_NODE) {
        yreport(w, line_of(root), "found %s at the top level, expected a mapping of settings",
                node_kind(root));
        return;
    }
    walk_mapping(w, root, "");
}

int sl_config_apply_yaml(sl_config *c, const char *name, const char *text, size_t len,
                         sl_buf *problems)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    ywalk *w = sl_xcalloc(1, sizeof(*w));
    bool have_parser = false;
    bool more = false;

    w->c = c;
    w->name = name;
    w->doc = &doc;
    w->r.problems = problems;
    if (text == NULL) {
        text = "";
        len = 0;
    }
    if (len > SL_MAX_CONFIG_BYTES) {
        report(&w->r, name, "the file is larger than %d bytes", SL_MAX_CONFIG_BYTES);
        goto out;
    }
    size_t deep = too_deep(text, len);
    if (deep != 0) {
        yreport(w, deep, "found nesting deeper than %d levels, expected a few levels of settings",
                MAX_YAML_DEPTH);
        goto out;
    }
    if (yaml_parser_initialize(&parser) == 0) {
        report(&w->r, name, "cannot start the YAML parser");
        goto out;
    }
    have_parser = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (yaml_parser_load(&parser, &doc) == 0) {
        syntax_error(w, &parser, text, len);
        goto out;
    }
    more = yaml_document_get_root_node(&doc) != NULL;
    walk_document(w);
    yaml_document_delete(&doc);
    /* A second document would be silently ignored; say so instead. */
    if (more && yaml_parser_load(&parser, &doc) == 0) {
        syntax_error(w, &parser, text, len);
        goto out;
    }
    if (more) {
        yaml_node_t *second = yaml_document_get_root_node(&doc);
        if (second != NULL) {
            yreport(w, line_of(second), "found a second YAML document, expected only one");
        }
        yaml_document_delete(&doc);
    }
out:
    if (have_parser) {
        yaml_parser_delete(&parser);
    }
    int n = w->r.count;
    free(w);
    return n;
}

int sl_config_apply_file(sl_config *c, const char *path, sl_buf *problems)
{
    reporter r = {problems, 0};
    FILE *fp = NULL;
    char *buf = NULL;
    size_t len = 0;
    int n = 0;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        report(&r, path, "cannot read: %s", strerror(errno));
        goto out;
    }
    /* One byte past the limit tells "exactly at the limit" from "too large". */
    buf = sl_xmalloc((size_t)SL_MAX_CONFIG_BYTES + 1);
    len = fread(buf, 1, (size_t)SL_MAX_CONFIG_BYTES + 1, fp);
    if (ferror(fp)) {
        report(&r, path, "cannot read: %s", strerror(errno));
        goto out;
    }
    if (len > SL_MAX_CONFIG_BYTES) {
        report(&r, path, "cannot read: the file is larger than %d bytes", SL_MAX_CONFIG_BYTES);
        goto out;
    }
    n = sl_config_apply_yaml(c, path, buf, len, problems);
out:
    free(buf);
    if (fp != NULL) {
        (void)fclose(fp);
    }
    return n + r.count;
}

/* ---- environment and flags ------------------------------------------------------------- */

int sl_config_apply_env(sl_config *c, char *const *envp, sl_buf *problems)
{
    reporter r = {problems, 0};
    char why[300];
    for (size_t e = 0; envp != NULL && envp[e] != NULL; e++) {
        const char *kv = envp[e];
        const char *eq = strchr(kv, '=');
        if (eq == NULL || strncmp(kv, "SLUICE_", 7) != 0) {
            continue;
        }
        size_t klen = (size_t)(eq - kv);
        const char *v = eq + 1;
        /* An empty variable counts as unset, as shells and compose files often leave them. */
        if (v[0] == '\0') {
            continue;
        }
        if (klen == strlen("SLUICE_CONFIG") && memcmp(kv, "SLUICE_CONFIG", klen) == 0) {
            if (c->config_file == NULL) {
                c->config_file = sl_xstrdup(v);
            }
            continue;
        }
        for (size_t i = 0; i < NOPTIONS; i++) {
            const option *o = &options[i];
            if (strlen(o->env) == klen && memcmp(o->env, kv, klen) == 0 &&
                !set_text(c, o, v, SRC_ENV)) {
                describe_bad_value(o, v, why, sizeof(why));
                report(&r, o->env, "%s", why);
            }
        }
    }
    return r.count;
}

static const option *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        if (strlen(options[i].flag) == len && memcmp(options[i].flag, name, len) == 0) {
            return &options[i];
        }
    }
    return NULL;
}

static void unknown_flag(reporter *r, const char *arg, size_t len)
{
    char prefix[80];
    sl_str near = {NULL, 0};
    (void)snprintf(prefix, sizeof(prefix), "%.*s", (int)(len < 60 ? len : 60), arg);
    if (len > 2 && arg[0] == '-' && arg[1] == '-') {
        near = suggest(arg + 2, len - 2, true);
    }
    if (near.ptr != NULL) {
        report(r, prefix, "unknown option (see sluice serve --help); did you mean --%.*s?",
               SL_STR_ARGS(near));
    } else {
        report(r, prefix, "unknown option (see sluice serve --help)");
    }
}

int sl_config_apply_args(sl_config *c, int argc, char **argv, sl_buf *problems)
{
    reporter r = {problems, 0};
    char why[300];
    char prefix[80];
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            report(&r, a, "unexpected argument (see sluice serve --help)");
            continue;
        }
        const char *name = a[1] == '-' ? a + 2 : a + 1;
        const char *eq = strchr(name, '=');
        size_t nlen = eq != NULL ? (size_t)(eq - name) : strlen(name);
        bool is_config = a[1] == '-' && nlen == 6 && memcmp(name, "config", 6) == 0;
        const option *o = a[1] == '-' ? find_flag(name, nlen) : NULL;
        /* A following argument is a value unless it looks like the next flag. */
        bool has_next = i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0;
        if (o == NULL && !is_config) {
            unknown_flag(&r, a, (size_t)(name - a) + nlen);
            /* "--typo value": the value belongs to the typo, not a new argument. */
            i += (eq == NULL && has_next) ? 1 : 0;
            continue;
        }
        (void)snprintf(prefix, sizeof(prefix), "--%.*s", (int)nlen, name);
        const char *v = eq != NULL ? eq + 1 : (has_next ? argv[++i] : NULL);
        if (v == NULL) {
            if (is_config) {
                (void)snprintf(why, sizeof(why), "a YAML file name");
            } else {
                describe_expected(o, why, sizeof(why));
            }
            report(&r, prefix, "missing value, expected %s", why);
        } else if (is_config) {
            free(c->config_file);
            c->config_file = sl_xstrdup(v);
        } else if (!set_text(c, o, v, SRC_FLAG)) {
            describe_bad_value(o, v, why, sizeof(why));
            report(&r, prefix, "%s", why);
        }
    }
    return r.count;
}

/* ---- lifecycle ------------------------------------------------------------------------- */

void sl_config_init(sl_config *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < NOPTIONS; i++) {
        const option *o = &options[i];
        if (o->def == NULL) {
            continue;
        }
        if (o->type == T_INT) {
            *int_at(c, o) = strtoll(o->def, NULL, 10);
        } else if (o->type == T_LIST) {
            list_split(list_at(c, o), o->def);
        } else {
            *str_at(c, o) = sl_xstrdup(o->def);
        }
    }
}

void sl_config_fini(sl_config *c)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        const option *o = &options[i];
        if (o->type == T_LIST) {
            list_free(list_at(c, o));
        } else if (o->type != T_INT) {
            free(*str_at(c, o));
        }
    }
    free(c->config_file);
    memset(c, 0, sizeof(*c));
}

/* How to name `o` in a message from sl_config_finish: after the source that set it. */
static void option_name(sl_config *c, const option *o, char *out, size_t cap)
{
    switch (*src_at(c, o)) {
    case SRC_ENV:
        (void)snprintf(out, cap, "%s", o->env);
        break;
    case SRC_FLAG:
        (void)snprintf(out, cap, "--%s", o->flag);
        break;
    default:
        (void)snprintf(out, cap, "%s", o->yaml);
        break;
    }
}

static const option *find_field(size_t off)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        if (options[i].off == off) {
            return &options[i];
        }
    }
    abort(); /* every field passed in is a row of options.def */
}

static void strip_one_slash(char *url)
{
    size_t n = url != NULL ? strlen(url) : 0;
    if (n != 0 && url[n - 1] == '/') {
        url[n - 1] = '\0';
    }
}

int sl_config_finish(sl_config *c, sl_buf *problems)
{
    reporter r = {problems, 0};
    char name[80];
    char why[300];
    if (c->data == NULL || c->data[0] == '\0') {
        option_name(c, find_field(offsetof(sl_config, data)), name, sizeof(name));
        report(&r, name, "found '', expected a directory");
    }
    if (c->store == NULL && c->data != NULL) {
        sl_buf b = {NULL, 0, 0};
        size_t n = strlen(c->data);
        sl_buf_appendf(&b, "sqlite:%s%ssluice.db", c->data,
                       n != 0 && c->data[n - 1] == '/' ? "" : "/");
        c->store = sl_xstrdup(sl_buf_cstr(&b));
        sl_buf_fini(&b);
    }
    if (c->public_url == NULL && c->collect_listen != NULL) {
        size_t n = strlen("http://") + strlen(c->collect_listen) + 1;
        c->public_url = sl_xmalloc(n);
        (void)snprintf(c->public_url, n, "http://%s", c->collect_listen);
    }
    strip_one_slash(c->public_url);
    strip_one_slash(c->admin_public_url);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const option *o = &options[i];
        const char *v = o->type == T_HOSTPORT ? *str_at(c, o) : NULL;
        if (v != NULL && sl_config_split_hostport(v, NULL, 0, NULL) != 0) {
            option_name(c, o, name, sizeof(name));
            describe_bad_value(o, v, why, sizeof(why));
            report(&r, name, "%s", why);
        }
    }
    /* roles: a non-empty subset of collect, process, admin. */
    option_name(c, find_field(offsetof(sl_config, roles)), name, sizeof(name));
    if (c->roles.len == 0) {
        report(&r, name, "found no role, expected one or more of collect, process, admin");
    }
    for (size_t i = 0; i < c->roles.len; i++) {
        const char *role = c->roles.items[i];
        if (strcmp(role, "collect") != 0 && strcmp(role, "process") != 0 &&
            strcmp(role, "admin") != 0) {
            report(&r, name, "found '%s', expected collect, process or admin", role);
        }
    }
    return r.count;
}

/* ---- help ------------------------------------------------------------------------------ */

/* An ENUM's words joined with '|': "error|warn|info|debug|trace". */
static void enum_metavar(const option *o, char *out, size_t cap)
{
    size_t n = 0;
    const char *p = enum_words(o);
    out[0] = '\0';
    while (*p != '\0' && n + 1 < cap) {
        p += strspn(p, " ,");
        size_t w = strcspn(p, " ,");
        if (w != 0) {
            int k = snprintf(out + n, cap - n, "%s%.*s", n != 0 ? "|" : "", (int)w, p);
            n += k > 0 ? (size_t)k : 0;
        }
        p += w;
    }
}

static void metavar(const option *o, char *out, size_t cap)
{
    switch (o->type) {
    case T_HOSTPORT:
        (void)snprintf(out, cap, "HOST:PORT");
        break;
    case T_URL:
        (void)snprintf(out, cap, "URL");
        break;
    case T_INT:
        (void)snprintf(out, cap, "N");
        break;
    case T_LIST:
        (void)snprintf(out, cap, "A,B,...");
        break;
    case T_ENUM:
        enum_metavar(o, out, cap);
        break;
    case T_STR:
        (void)snprintf(out, cap, "VALUE");
        break;
    }
}

typedef struct help_row {
    char flag[96];
    const char *env;
    const char *yaml;
    const char *def;
    const char *doc;
    char range[64];
} help_row;

static void help_fill(help_row *rows)
{
    char mv[64];
    (void)snprintf(rows[0].flag, sizeof(rows[0].flag), "--config FILE");
    rows[0].env = "SLUICE_CONFIG";
    rows[0].yaml = "-";
    rows[0].def = "-";
    rows[0].doc = "read settings from this YAML file";
    for (size_t i = 0; i < NOPTIONS; i++) {
        const option *o = &options[i];
        help_row *h = &rows[i + 1];
        metavar(o, mv, sizeof(mv));
        (void)snprintf(h->flag, sizeof(h->flag), "--%s %s", o->flag, mv);
        h->env = o->env;
        h->yaml = o->yaml;
        h->def = o->def != NULL ? o->def : "-";
        h->doc = o->doc;
        if (o->type == T_INT && o->min < o->max) {
            (void)snprintf(h->range, sizeof(h->range), " (%lld..%lld)", o->min, o->max);
        }
    }
}

void sl_config_print_help(FILE *out)
{
    help_row rows[NOPTIONS + 1];
    int wf = (int)strlen("FLAG");
    int we = (int)strlen("ENVIRONMENT");
    int wy = (int)strlen("YAML KEY");
    memset(rows, 0, sizeof(rows));
    help_fill(rows);
    for (size_t i = 0; i < NOPTIONS + 1; i++) {
        int f = (int)strlen(rows[i].flag);
        int e = (int)strlen(rows[i].env);
        int y = (int)strlen(rows[i].yaml);
        wf = f > wf ? f : wf;
        we = e > we ? e : we;
        wy = y > wy ? y : wy;
    }
    (void)fprintf(out, "  %-*s  %-*s  %-*s  %s\n", wf, "FLAG", we, "ENVIRONMENT", wy, "YAML KEY",
                  "DEFAULT");
    for (size_t i = 0; i < NOPTIONS + 1; i++) {
        const help_row *h = &rows[i];
        (void)fprintf(out, "  %-*s  %-*s  %-*s  %s\n", wf, h->flag, we, h->env, wy, h->yaml,
                      h->def);
        (void)fprintf(out, "      %s%s\n", h->doc, h->range);
    }
}
