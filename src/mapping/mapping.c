/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/mapping.c: the first version of the mapping engine: attribute copies and static
 * values between dotted paths. Paths are split into segments once, at compile time. */
#include "mapping/mapping.h"

#include "core/mem.h"
#include "core/str.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SEGMENTS 32

typedef struct path {
    char *segs[MAX_SEGMENTS]; /* owned; a segment "[3]" is stored as index 3 */
    long index[MAX_SEGMENTS]; /* -1 for a key */
    int n;
} path;

typedef enum { MAP_ATTRIBUTE, MAP_STATIC } map_kind;

typedef struct map_entry {
    map_kind kind;
    path src;
    json_object *value; /* STATIC: owned */
    path dst;
} map_entry;

struct sl_mapping {
    map_entry *entries;
    size_t n;
};

static void path_fini(path *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->segs[i]);
    }
    p->n = 0;
}

/* "data.identifiers.email", "recipients[0].device_id"; "\." escapes a dot in a key. */
static int path_parse(const char *text, bool allow_index, path *p, const char *what, size_t idx,
                      sl_err *err)
{
    p->n = 0;
    const char *s = text;
    if (*s == '\0') {
        return sl_err_set(err, SL_EINVAL, "mappings[%zu].%s is empty", idx, what);
    }
    while (*s != '\0') {
        if (p->n == MAX_SEGMENTS) {
            path_fini(p);
            return sl_err_set(err, SL_EINVAL, "mappings[%zu].%s has more than %d segments", idx,
                              what, MAX_SEGMENTS);
        }
        sl_buf seg = {0};
        long index = -1;
        if (*s == '[') {
            char *end = NULL;
            index = strtol(s + 1, &end, 10);
            if (!allow_index || end == s + 1 || *end != ']' || index < 0) {
                path_fini(p);
                return sl_err_set(err, SL_EINVAL,
                                  "mappings[%zu].%s '%s': expected an array index like [0]", idx,
                                  what, text);
            }
            s = end + 1;
        } else {
            while (*s != '\0' && *s != '.' && *s != '[') {
                if (*s == '\\' && s[1] == '.') {
                    s++;
                }
                sl_buf_append(&seg, s, 1);
                s++;
            }
            if (seg.len == 0) {
                path_fini(p);
                return sl_err_set(err, SL_EINVAL, "mappings[%zu].%s '%s' has an empty segment", idx,
                                  what, text);
            }
        }
        p->segs[p->n] = seg.ptr != NULL ? seg.ptr : sl_xstrdup("");
        p->index[p->n] = index;
        p->n++;
        if (*s == '.') {
            s++;
            if (*s == '\0') {
                path_fini(p);
                return sl_err_set(err, SL_EINVAL, "mappings[%zu].%s '%s' ends with a dot", idx,
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
    if (type == NULL || strcasecmp(type, "ATTRIBUTE") == 0) {
        if (src == NULL) {
            return sl_err_set(err, SL_EINVAL, "mappings[%zu].source is missing or not a string", i);
        }
        e->kind = MAP_ATTRIBUTE;
        if (path_parse(src, true, &e->src, "source", i, err) != SL_OK) {
            return err != NULL ? err->code : SL_EINVAL;
        }
    } else if (strcasecmp(type, "STATIC") == 0) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(m, "source", &v)) {
            return sl_err_set(err, SL_EINVAL, "mappings[%zu].source (the static value) is missing",
                              i);
        }
        e->kind = MAP_STATIC;
        e->value = json_object_get(v);
    } else {
        return sl_err_set(err, SL_EINVAL,
                          "mappings[%zu].sourceType '%s' is not supported by this mapping engine; "
                          "expected ATTRIBUTE or STATIC",
                          i, type);
    }
    if (path_parse(dst, false, &e->dst, "destination", i, err) != SL_OK) {
        path_fini(&e->src);
        json_object_put(e->value);
        e->value = NULL;
        return err != NULL ? err->code : SL_EINVAL;
    }
    return SL_OK;
}

int sl_mapping_compile(json_object *mapping_set, sl_mapping **out, sl_err *err)
{
    json_object *arr = NULL;
    if (!json_object_object_get_ex(mapping_set, "mappings", &arr) ||
        !json_object_is_type(arr, json_type_array)) {
        return sl_err_set(err, SL_EINVAL, "the mapping set has no 'mappings' array");
    }
    size_t n = json_object_array_length(arr);
    sl_mapping *m = sl_xcalloc(1, sizeof(*m));
    m->entries = sl_xcalloc(n, sizeof(*m->entries));
    for (size_t i = 0; i < n; i++) {
        int rc = compile_entry(json_object_array_get_idx(arr, i), i, &m->entries[i], err);
        if (rc != SL_OK) {
            sl_mapping_destroy(m);
            return rc;
        }
        m->n++;
    }
    *out = m;
    return SL_OK;
}

static json_object *lookup(json_object *in, const path *p)
{
    json_object *cur = in;
    for (int i = 0; i < p->n && cur != NULL; i++) {
        if (p->index[i] >= 0) {
            if (!json_object_is_type(cur, json_type_array) ||
                (size_t)p->index[i] >= json_object_array_length(cur)) {
                return NULL;
            }
            cur = json_object_array_get_idx(cur, (size_t)p->index[i]);
        } else {
            json_object *next = NULL;
            if (!json_object_is_type(cur, json_type_object) ||
                !json_object_object_get_ex(cur, p->segs[i], &next)) {
                return NULL;
            }
            cur = next;
        }
    }
    return cur;
}

/* Set `value` (a new reference, taken) at `p` in `out`, creating objects on the way. */
static bool assign(json_object *out, const path *p, json_object *value)
{
    json_object *cur = out;
    for (int i = 0; i + 1 < p->n; i++) {
        json_object *next = NULL;
        if (!json_object_object_get_ex(cur, p->segs[i], &next) || next == NULL) {
            next = json_object_new_object();
            json_object_object_add(cur, p->segs[i], next);
        } else if (!json_object_is_type(next, json_type_object)) {
            json_object_put(value);
            return false;
        }
        cur = next;
    }
    json_object_object_add(cur, p->segs[p->n - 1], value);
    return true;
}

int sl_mapping_run(const sl_mapping *m, json_object *in, json_object **out, int *warnings,
                   sl_err *err)
{
    (void)err;
    json_object *rec = json_object_new_object();
    int warn = 0;
    for (size_t i = 0; i < m->n; i++) {
        const map_entry *e = &m->entries[i];
        json_object *v = e->kind == MAP_STATIC ? e->value : lookup(in, &e->src);
        if (v == NULL) {
            continue; /* absent or JSON null: nothing to write */
        }
        json_object *copy = NULL;
        if (json_object_deep_copy(v, &copy, NULL) != 0 || !assign(rec, &e->dst, copy)) {
            warn++;
        }
    }
    *out = rec;
    if (warnings != NULL) {
        *warnings = warn;
    }
    return SL_OK;
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
        path_fini(&m->entries[i].src);
        path_fini(&m->entries[i].dst);
        json_object_put(m->entries[i].value);
    }
    free(m->entries);
    free(m);
}
