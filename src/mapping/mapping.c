/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/mapping.c: the mapping engine: attribute copies, static values and expressions
 * between paths. Paths are split into segments and expressions compiled once, at compile time;
 * the input is converted to values once per record, and only when an expression needs it. */
#include "mapping/mapping.h"

#include "core/clock.h"
#include "core/limits.h"
#include "core/mem.h"
#include "core/str.h"
#include "mapping/expr.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum seg_kind { SEG_KEY, SEG_INDEX, SEG_ALL } seg_kind;

typedef struct seg {
    seg_kind kind;
    char *key;    /* SEG_KEY: owned */
    size_t index; /* SEG_INDEX */
} seg;

typedef struct path {
    seg segs[SL_MAX_MAPPING_PATH_SEGS];
    int n;
} path;

typedef enum { MAP_ATTRIBUTE, MAP_STATIC, MAP_EXPRESSION } map_kind;

typedef struct map_entry {
    map_kind kind;
    path src;           /* ATTRIBUTE */
    json_object *value; /* STATIC: owned */
    sl_expr *expr;      /* EXPRESSION: owned */
    path dst;
    char *src_text; /* owned, for warnings */
    char *dst_text; /* owned */
} map_entry;

struct sl_mapping {
    map_entry *entries;
    size_t n;
    bool needs_values; /* some mapping is an expression */
};

static void path_fini(path *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->segs[i].key);
    }
    p->n = 0;
}

static void entry_fini(map_entry *e)
{
    path_fini(&e->src);
    path_fini(&e->dst);
    json_object_put(e->value);
    sl_expr_destroy(e->expr);
    free(e->src_text);
    free(e->dst_text);
    memset(e, 0, sizeof(*e));
}

/* "[3]" or "[*]" at `s`; advances `*s` past it. */
static bool parse_bracket(const char **s, seg *out)
{
    const char *p = *s + 1;
    if (p[0] == '*' && p[1] == ']') {
        out->kind = SEG_ALL;
        *s = p + 2;
        return true;
    }
    size_t v = 0;
    const char *start = p;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (size_t)(*p - '0');
        if (v > SL_MAX_MAPPING_INDEX) {
            return false;
        }
        p++;
    }
    if (p == start || *p != ']') {
        return false;
    }
    out->kind = SEG_INDEX;
    out->index = v;
    *s = p + 1;
    return true;
}

/* A name up to the next unescaped '.' or '['; "\." is a dot inside the name. */
static char *parse_key(const char **s)
{
    sl_buf b = {0};
    const char *p = *s;
    while (*p != '\0' && *p != '.' && *p != '[') {
        if (*p == '\\' && p[1] == '.') {
            p++;
        }
        sl_buf_append(&b, p, 1);
        p++;
    }
    *s = p;
    return b.ptr;
}

/* "data.identifiers.email", "recipients[0].device_id", "items[*].sku". A destination must
 * start with a name (the record is an object). */
static int path_parse(const char *text, bool is_dst, path *p, size_t idx, sl_err *err)
{
    const char *what = is_dst ? "destination" : "source";
    const char *s = text;
    p->n = 0;
    if (*s == '\0') {
        return sl_err_set(err, SL_EINVAL, "mappings[%zu].%s is empty", idx, what);
    }
    while (*s != '\0') {
        if (p->n == SL_MAX_MAPPING_PATH_SEGS) {
            return sl_err_set(err, SL_EINVAL, "mappings[%zu].%s has more than %d segments", idx,
                              what, SL_MAX_MAPPING_PATH_SEGS);
        }
        seg *g = &p->segs[p->n];
        memset(g, 0, sizeof(*g));
        if (*s == '[') {
            if ((is_dst && p->n == 0) || !parse_bracket(&s, g)) {
                return sl_err_set(err, SL_EINVAL,
                                  "mappings[%zu].%s '%s': expected a name, then indexes like "
                                  "[0] (at most %d) or [*]",
                                  idx, what, text, SL_MAX_MAPPING_INDEX);
            }
        } else {
            g->kind = SEG_KEY;
            g->key = parse_key(&s);
            if (g->key == NULL) {
                return sl_err_set(err, SL_EINVAL, "mappings[%zu].%s '%s' has an empty segment", idx,
                                  what, text);
            }
        }
        p->n++;
        if (*s == '.') {
            s++;
            if (*s == '\0' || *s == '.' || *s == '[') {
                return sl_err_set(err, SL_EINVAL, "mappings[%zu].%s '%s' has an empty segment", idx,
                                  what, text);
            }
        }
    }
    return SL_OK;
}

static const char *str_member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(v);
}

static int compile_expression(const char *src, size_t i, map_entry *e, sl_err *err)
{
    sl_err local;
    sl_err_clear(&local);
    e->kind = MAP_EXPRESSION;
    if (sl_expr_compile(src, strlen(src), &e->expr, &local) != SL_OK) {
        if (err != NULL) {
            err->loc.line = local.loc.line;
            err->loc.col = local.loc.col;
        }
        return sl_err_set(err, SL_EINVAL, "mappings[%zu].source: %s", i, local.msg);
    }
    return SL_OK;
}

static int compile_source(json_object *m, const char *type, const char *src, size_t i, map_entry *e,
                          sl_err *err)
{
    if (type == NULL || strcasecmp(type, "ATTRIBUTE") == 0) {
        if (src == NULL) {
            return sl_err_set(err, SL_EINVAL, "mappings[%zu].source is missing or not a string", i);
        }
        e->kind = MAP_ATTRIBUTE;
        return path_parse(src, false, &e->src, i, err);
    }
    if (strcasecmp(type, "STATIC") == 0) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(m, "source", &v)) {
            return sl_err_set(err, SL_EINVAL, "mappings[%zu].source (the static value) is missing",
                              i);
        }
        e->kind = MAP_STATIC;
        e->value = json_object_get(v);
        return SL_OK;
    }
    if (strcasecmp(type, "EXPRESSION") == 0) {
        if (src == NULL) {
            return sl_err_set(err, SL_EINVAL,
                              "mappings[%zu].source (the expression) is missing or not a string",
                              i);
        }
        return compile_expression(src, i, e, err);
    }
    return sl_err_set(err, SL_EINVAL,
                      "mappings[%zu].sourceType '%s' is not supported; expected ATTRIBUTE, "
                      "STATIC or EXPRESSION",
                      i, type);
}

static int compile_entry(json_object *m, size_t i, map_entry *e, sl_err *err)
{
    if (!json_object_is_type(m, json_type_object)) {
        return sl_err_set(err, SL_EINVAL, "mappings[%zu] must be an object", i);
    }
    const char *type = str_member(m, "sourceType");
    const char *src = str_member(m, "source");
    const char *dst = str_member(m, "destination");
    if (src == NULL && dst == NULL) { /* legacy form */
        src = str_member(m, "sourceAttribute");
        dst = str_member(m, "destinationXdmPath");
    }
    if (dst == NULL) {
        return sl_err_set(err, SL_EINVAL, "mappings[%zu].destination is missing or not a string",
                          i);
    }
    int rc = compile_source(m, type, src, i, e, err);
    if (rc == SL_OK) {
        rc = path_parse(dst, true, &e->dst, i, err);
    }
    if (rc == SL_OK) {
        e->src_text = sl_xstrdup(src != NULL ? src : "static value");
        e->dst_text = sl_xstrdup(dst);
    }
    return rc;
}

/* Add "mappings[i]...: message" to the list of errors in `all` (kept within sl_err's msg). */
static void pile_up(sl_err *all, const sl_err *one, size_t i, size_t *failed)
{
    if (all == NULL) {
        return;
    }
    if ((*failed)++ == 0) {
        *all = *one;
        (void)snprintf(all->loc.pointer, sizeof(all->loc.pointer), "/mappings/%zu", i);
        return;
    }
    /* Append "; <message>", cut to what fits. */
    size_t len = strlen(all->msg);
    size_t room = sizeof(all->msg) - 1 - len;
    size_t add = strlen(one->msg);
    if (room > 2) {
        memcpy(all->msg + len, "; ", 2);
        add = add < room - 2 ? add : room - 2;
        memcpy(all->msg + len + 2, one->msg, add);
        all->msg[len + 2 + add] = '\0';
    }
}

int sl_mapping_compile(json_object *mapping_set, sl_mapping **out, sl_err *err)
{
    json_object *arr = NULL;
    *out = NULL;
    if (!json_object_object_get_ex(mapping_set, "mappings", &arr) ||
        !json_object_is_type(arr, json_type_array)) {
        return sl_err_set(err, SL_EINVAL, "the mapping set has no 'mappings' array");
    }
    size_t n = json_object_array_length(arr);
    sl_mapping *m = sl_xcalloc(1, sizeof(*m));
    m->entries = sl_xcalloc(n != 0 ? n : 1, sizeof(*m->entries));
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        sl_err one;
        sl_err_clear(&one);
        map_entry *e = &m->entries[m->n];
        if (compile_entry(json_object_array_get_idx(arr, i), i, e, &one) != SL_OK) {
            entry_fini(e);
            pile_up(err, &one, i, &failed);
            continue;
        }
        m->needs_values = m->needs_values || e->kind == MAP_EXPRESSION;
        m->n++;
    }
    if (failed != 0) {
        sl_mapping_destroy(m);
        return SL_EINVAL;
    }
    *out = m;
    return SL_OK;
}

/* ---- reading the source ---- */

/* The value at segments [i, n) of `p` under `cur`, as a new reference; NULL when absent. A
 * "[*]" segment makes an array of what the rest of the path finds in each element. */
static json_object *collect(json_object *cur, const path *p, int i)
{
    for (; i < p->n && cur != NULL; i++) {
        const seg *g = &p->segs[i];
        if (g->kind == SEG_KEY) {
            json_object *next = NULL;
            if (!json_object_is_type(cur, json_type_object) ||
                !json_object_object_get_ex(cur, g->key, &next)) {
                return NULL;
            }
            cur = next;
        } else if (g->kind == SEG_INDEX) {
            if (!json_object_is_type(cur, json_type_array) ||
                g->index >= json_object_array_length(cur)) {
                return NULL;
            }
            cur = json_object_array_get_idx(cur, g->index);
        } else {
            if (!json_object_is_type(cur, json_type_array)) {
                return NULL;
            }
            size_t n = json_object_array_length(cur);
            json_object *arr = json_object_new_array_ext((int)n);
            for (size_t k = 0; k < n; k++) {
                json_object_array_add(arr, collect(json_object_array_get_idx(cur, k), p, i + 1));
            }
            return arr;
        }
    }
    json_object *copy = NULL;
    if (cur == NULL || json_object_deep_copy(cur, &copy, NULL) != 0) {
        return NULL;
    }
    return copy;
}

/* ---- writing the destination ---- */

static bool wants_array(const seg *next)
{
    return next->kind != SEG_KEY;
}

/* The container at `g` under `cur`, created (an array when `array`) when absent or null;
 * NULL when something of the other kind is in the way. */
static json_object *child(json_object *cur, const seg *g, bool array)
{
    json_object *c = NULL;
    if (g->kind == SEG_KEY) {
        (void)json_object_object_get_ex(cur, g->key, &c);
    } else if (g->index < json_object_array_length(cur)) {
        c = json_object_array_get_idx(cur, g->index);
    }
    if (c == NULL) {
        c = array ? json_object_new_array() : json_object_new_object();
        if (g->kind == SEG_KEY) {
            json_object_object_add(cur, g->key, c);
        } else {
            (void)json_object_array_put_idx(cur, g->index, c);
        }
        return c;
    }
    return json_object_is_type(c, array ? json_type_array : json_type_object) ? c : NULL;
}

/* Whether `v` can go to segment `i`: a "[*]" segment needs an array. */
static bool fits(const path *p, int i, json_object *v, const char **why)
{
    if (p->segs[i].kind == SEG_ALL && !json_object_is_type(v, json_type_array)) {
        *why = "a [*] destination needs an array value";
        return false;
    }
    return true;
}

static bool put(json_object *cur, const path *p, int i, json_object *v, const char **why);

/* Segment `i` is "[*]": element k of `v` goes to element k of `cur` (an array). */
static bool put_each(json_object *cur, const path *p, int i, json_object *v, const char **why)
{
    bool ok = true;
    bool last = i + 1 == p->n;
    size_t n = json_object_array_length(v);
    for (size_t k = 0; k < n; k++) {
        json_object *item = json_object_array_get_idx(v, k);
        seg at = {SEG_INDEX, NULL, k};
        if (item == NULL) {
            continue; /* a null element writes nothing */
        }
        if (last) {
            (void)json_object_array_put_idx(cur, k, json_object_get(item));
            continue;
        }
        json_object *c = NULL;
        if (fits(p, i + 1, item, why)) {
            c = child(cur, &at, wants_array(&p->segs[i + 1]));
        }
        ok = c != NULL && put(c, p, i + 1, json_object_get(item), why) && ok;
    }
    return ok;
}

/* Put `v` (a reference, taken) at segments [i, n) of `p` under `cur`, whose type the previous
 * segment chose (an object before a name, an array before an index). Nothing is created for a
 * value that does not fit. */
static bool put(json_object *cur, const path *p, int i, json_object *v, const char **why)
{
    const seg *g = &p->segs[i];
    bool ok = true;
    if (g->kind == SEG_ALL) {
        ok = put_each(cur, p, i, v, why);
    } else if (i + 1 == p->n) {
        if (g->kind == SEG_KEY) {
            json_object_object_add(cur, g->key, json_object_get(v));
        } else {
            (void)json_object_array_put_idx(cur, g->index, json_object_get(v));
        }
    } else {
        json_object *c = NULL;
        if (fits(p, i + 1, v, why)) {
            c = child(cur, g, wants_array(&p->segs[i + 1]));
        }
        ok = c != NULL && put(c, p, i + 1, json_object_get(v), why);
    }
    json_object_put(v);
    return ok;
}

/* ---- running ---- */

typedef struct run_state {
    const sl_mapping *m;
    const sl_mapping_opts *opts;
    sl_arena *arena;
    const sl_val *input; /* converted on first use */
    int warnings;
} run_state;

static void warn(run_state *rs, size_t i, const char *msg)
{
    const map_entry *e = &rs->m->entries[i];
    rs->warnings++;
    if (rs->opts->on_warning != NULL) {
        sl_mapping_warning w = {i, e->src_text, e->dst_text, msg};
        rs->opts->on_warning(rs->opts->ud, &w);
    }
}

/* The value `e` gives for `in` as a new JSON reference; NULL when there is none (absent, null,
 * or an error, which has been reported). */
static json_object *source_value(run_state *rs, size_t i, json_object *in)
{
    const map_entry *e = &rs->m->entries[i];
    if (e->kind == MAP_ATTRIBUTE) {
        return collect(in, &e->src, 0);
    }
    if (e->kind == MAP_STATIC) {
        json_object *copy = NULL;
        return e->value != NULL && json_object_deep_copy(e->value, &copy, NULL) == 0 ? copy : NULL;
    }
    if (rs->input == NULL) {
        rs->input = sl_val_from_json(rs->arena, in);
    }
    sl_fn_ctx cx = {.arena = rs->arena, .now_ms = rs->opts->now_ms};
    const sl_val *v = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_expr_eval(e->expr, rs->input, &cx, &v, &err) != SL_OK) {
        char msg[300];
        (void)snprintf(msg, sizeof(msg), "%d:%d: %s", err.loc.line, err.loc.col, err.msg);
        warn(rs, i, msg);
        return NULL;
    }
    return sl_val_to_json(v);
}

int sl_mapping_run_opts(const sl_mapping *m, json_object *in, const sl_mapping_opts *opts,
                        json_object **out, int *warnings, sl_err *err)
{
    (void)err;
    run_state rs = {.m = m, .opts = opts, .arena = opts->arena};
    sl_arena *own = NULL;
    if (rs.arena == NULL && m->needs_values) {
        rs.arena = own = sl_arena_create(0);
    }
    json_object *rec = json_object_new_object();
    for (size_t i = 0; i < m->n; i++) {
        json_object *v = source_value(&rs, i, in);
        if (v == NULL) {
            continue; /* absent or null: nothing to write */
        }
        const char *why = NULL;
        if (!put(rec, &m->entries[i].dst, 0, v, &why)) {
            char msg[200];
            (void)snprintf(msg, sizeof(msg), "%s%s%s", why != NULL ? why : "the destination ",
                           why != NULL ? "" : m->entries[i].dst_text,
                           why != NULL ? "" : " is blocked by a value of another type");
            warn(&rs, i, msg);
        }
    }
    sl_arena_destroy(own);
    *out = rec;
    if (warnings != NULL) {
        *warnings = rs.warnings;
    }
    return SL_OK;
}

/* Keeps the first warning for sl_mapping_run's err->msg. */
static void first_warning(void *ud, const sl_mapping_warning *w)
{
    sl_err *err = ud;
    if (err != NULL && err->msg[0] == '\0') {
        (void)snprintf(err->msg, sizeof(err->msg), "mappings[%zu] -> %s: %s", w->index,
                       w->destination, w->message);
    }
}

int sl_mapping_run(const sl_mapping *m, json_object *in, json_object **out, int *warnings,
                   sl_err *err)
{
    sl_mapping_opts opts = {.now_ms = sl_now_ms(), .on_warning = first_warning, .ud = err};
    return sl_mapping_run_opts(m, in, &opts, out, warnings, err);
}

size_t sl_mapping_count(const sl_mapping *m)
{
    return m->n;
}

void sl_mapping_destroy(sl_mapping *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->n; i++) {
        entry_fini(&m->entries[i]);
    }
    free(m->entries);
    free(m);
}
