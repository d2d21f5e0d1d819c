/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_object.c: the object functions of the Data Prep catalogue ("Hierarchies -
 * Objects"): building objects from pairs, parallel arrays and delimited strings, and reading
 * their keys and values. Objects and maps are one value type, so the map helpers Adobe lists
 * here (map_get_values, map_has_keys, add_to_map, object_to_map) take either. */
#include "mapping/func.h"
#include "mapping/funcs_int.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int object_arg(const sl_val *v, const char *fn, const char *param, sl_err *err)
{
    char b[64];
    if (v->type != SL_VAL_OBJECT) {
        (void)sl_fn_fail(err, fn, "%s must be an object, not %s", param,
                         sl__fn_describe(v, b, sizeof(b)));
        return SL_EINVAL;
    }
    return SL_OK;
}

/* Run the Map family's row `name` under the name `as`: one implementation for the functions
 * both families document, with error messages naming the function the mapping called. */
static int run_map_row(const char *name, const char *as, sl_fn_ctx *cx, const sl_val *const *args,
                       size_t nargs, const sl_val **out, sl_err *err)
{
    const sl_func *row = NULL;
    for (const sl_func *r = sl_funcs_map; r->name != NULL; r++) {
        if (strcmp(r->name, name) == 0) {
            row = r;
            break;
        }
    }
    assert(row != NULL);
    int rc = row->impl(cx, args, nargs, out, err);
    size_t n = strlen(name);
    if (rc != SL_OK && err != NULL && strncmp(err->msg, name, n) == 0 && err->msg[n] == ':') {
        char rest[sizeof(err->msg)];
        (void)snprintf(rest, sizeof(rest), "%s", err->msg + n);
        (void)sl_err_set(err, rc, "%s%s", as, rest);
    }
    return rc;
}

/* ---- is_empty, nullify, get_keys ---- */

static int fn_is_empty(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                       sl_err *err)
{
    (void)cx;
    (void)nargs;
    (void)err;
    const sl_val *v = args[0];
    bool empty = sl_val_is_null(v) || (v->type == SL_VAL_STRING && v->u.s.len == 0) ||
                 (v->type == SL_VAL_ARRAY && v->u.arr.len == 0) ||
                 (v->type == SL_VAL_OBJECT && v->u.obj.len == 0);
    *out = sl_val_bool(empty);
    return SL_OK;
}

static int fn_nullify(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                      sl_err *err)
{
    (void)cx;
    (void)args;
    (void)nargs;
    (void)err;
    *out = sl_val_null();
    return SL_OK;
}

static int fn_get_keys(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                       sl_err *err)
{
    (void)nargs;
    const sl_val *obj = args[0];
    int rc = object_arg(obj, "get_keys", "OBJECT", err);
    if (rc != SL_OK) {
        return rc;
    }
    sl_val *keys = sl_val_array_new(cx->arena, obj->u.obj.len);
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const sl_val_member *m = &obj->u.obj.members[i];
        sl_val_array_push(cx->arena, keys, sl_val_str_owned(cx->arena, m->key, m->klen));
    }
    *out = keys;
    return SL_OK;
}

/* ---- objects from pairs and arrays ---- */

static int fn_to_object(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                        sl_err *err)
{
    return run_map_row("to_map", "to_object", cx, args, nargs, out, err);
}

/* arrays_to_object("sku", [...], "price", [...]): object i holds element i of every array
 * under its key. The result is as long as the longest array; an object has no member for an
 * array that is shorter. */
static int fn_arrays_to_object(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                               const sl_val **out, sl_err *err)
{
    char b[64];
    if (nargs % 2 != 0) {
        return sl_fn_fail(err, "arrays_to_object",
                          "needs key/array pairs, but the last key (argument %zu) has no array",
                          nargs);
    }
    size_t rows = 0;
    sl_val *keys = sl_val_array_new(cx->arena, nargs / 2);
    for (size_t i = 0; i < nargs; i += 2) {
        char what[48];
        const sl_val *key = NULL;
        (void)snprintf(what, sizeof(what), "the key (argument %zu)", i + 1);
        int rc = sl__fn_text_arg(cx, args[i], "arrays_to_object", what, &key, err);
        if (rc != SL_OK) {
            return rc;
        }
        sl_val_array_push(cx->arena, keys, key);
        const sl_val *arr = args[i + 1];
        if (arr->type != SL_VAL_ARRAY) {
            return sl_fn_fail(err, "arrays_to_object",
                              "the values of key \"%.40s\" (argument %zu) must be an array, "
                              "not %s",
                              key->u.s.ptr, i + 2, sl__fn_describe(arr, b, sizeof(b)));
        }
        rows = arr->u.arr.len > rows ? arr->u.arr.len : rows;
    }
    sl_val *res = sl_val_array_new(cx->arena, rows);
    for (size_t r = 0; r < rows; r++) {
        sl_val *obj = sl_val_object_new(cx->arena, nargs / 2);
        for (size_t i = 0; i < nargs; i += 2) {
            const sl_val *arr = args[i + 1];
            if (r < arr->u.arr.len) {
                const sl_val *key = keys->u.arr.items[i / 2];
                sl_val_object_set(cx->arena, obj, key->u.s.ptr, key->u.s.len, arr->u.arr.items[r]);
            }
        }
        sl_val_array_push(cx->arena, res, obj);
    }
    *out = res;
    return SL_OK;
}

/* object_to_map has three syntaxes, told apart by the arguments:
 *   object_to_map(OBJECT)                    the object's own fields;
 *   object_to_map(OBJECT_ARRAY, ATTRIBUTE)   each element under its ATTRIBUTE (array_to_map);
 *   object_to_map(KEY, VALUE, KEY, VALUE...) the pairs (to_map). */
static int fn_object_to_map(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                            const sl_val **out, sl_err *err)
{
    char b[64];
    if (nargs == 1) {
        if (args[0]->type != SL_VAL_OBJECT) {
            return sl_fn_fail(err, "object_to_map",
                              "with one argument, OBJECT must be an object, not %s",
                              sl__fn_describe(args[0], b, sizeof(b)));
        }
        *out = args[0];
        return SL_OK;
    }
    if (nargs == 2 && args[0]->type == SL_VAL_ARRAY) {
        return run_map_row("array_to_map", "object_to_map", cx, args, nargs, out, err);
    }
    return run_map_row("to_map", "object_to_map", cx, args, nargs, out, err);
}

/* ---- delimited key/value strings ---- */

/* The first `nl` bytes at `n` inside `h`, or NULL. */
static const char *find(const char *h, size_t hl, const char *n, size_t nl)
{
    if (nl == 0 || nl > hl) {
        return NULL;
    }
    for (size_t i = 0; i + nl <= hl; i++) {
        if (h[i] == n[0] && memcmp(h + i, n, nl) == 0) {
            return h + i;
        }
    }
    return NULL;
}

typedef struct span {
    const char *p;
    size_t len;
} span;

/* Leading and trailing ASCII whitespace and control bytes off (Java's String.trim). */
static span trim(const char *p, size_t len)
{
    while (len > 0 && (unsigned char)p[0] <= ' ') {
        p++;
        len--;
    }
    while (len > 0 && (unsigned char)p[len - 1] <= ' ') {
        len--;
    }
    return (span){p, len};
}

/* Walks "k1 - v1 ; k2 - v2" one field at a time. */
typedef struct kv_iter {
    const char *p;
    const char *end;
    span fd; /* between fields */
    span vd; /* between a key and its value */
} kv_iter;

/* The next field that has a value delimiter, split there (the first occurrence: the value
 * keeps any later ones) and trimmed. Fields without one are skipped. */
static bool kv_next(kv_iter *it, span *key, span *val)
{
    while (it->p != NULL) {
        const char *f = it->p;
        const char *sep = find(f, (size_t)(it->end - f), it->fd.p, it->fd.len);
        const char *fend = sep != NULL ? sep : it->end;
        it->p = sep != NULL ? sep + it->fd.len : NULL;
        const char *vd = find(f, (size_t)(fend - f), it->vd.p, it->vd.len);
        if (vd != NULL) {
            *key = trim(f, (size_t)(vd - f));
            *val = trim(vd + it->vd.len, (size_t)(fend - vd - it->vd.len));
            return true;
        }
    }
    return false;
}

/* A delimiter argument: null, "" or absent mean `dflt`. */
static int delim_arg(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, size_t i,
                     const char *fn, const char *param, const char *dflt, span *out, sl_err *err)
{
    *out = (span){dflt, strlen(dflt)};
    if (i >= nargs || sl_val_is_null(args[i])) {
        return SL_OK;
    }
    const sl_val *s = NULL;
    int rc = sl__fn_text_arg(cx, args[i], fn, param, &s, err);
    if (rc == SL_OK && s->u.s.len > 0) {
        *out = (span){s->u.s.ptr, s->u.s.len};
    }
    return rc;
}

static int fn_str_to_object(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                            const sl_val **out, sl_err *err)
{
    const sl_val *s = NULL;
    kv_iter it;
    int rc = sl__fn_text_arg(cx, args[0], "str_to_object", "STRING", &s, err);
    if (rc == SL_OK) {
        rc = delim_arg(cx, args, nargs, 1, "str_to_object", "VALUE_DELIMITER", ":", &it.vd, err);
    }
    if (rc == SL_OK) {
        rc = delim_arg(cx, args, nargs, 2, "str_to_object", "FIELD_DELIMITER", ",", &it.fd, err);
    }
    if (rc != SL_OK) {
        return rc;
    }
    it.p = s->u.s.ptr;
    it.end = s->u.s.ptr + s->u.s.len;
    sl_val *obj = sl_val_object_new(cx->arena, 0);
    span key;
    span val;
    while (kv_next(&it, &key, &val)) {
        if (key.len > 0) {
            sl_val_object_set(cx->arena, obj, key.p, key.len,
                              sl_val_str(cx->arena, val.p, val.len));
        }
    }
    *out = obj;
    return SL_OK;
}

static int fn_get_values(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                         sl_err *err)
{
    const sl_val *s = NULL;
    const sl_val *k = NULL;
    kv_iter it;
    *out = sl_val_null();
    if (sl_val_is_null(args[0]) || sl_val_is_null(args[1])) {
        return SL_OK;
    }
    int rc = sl__fn_text_arg(cx, args[0], "get_values", "STRING", &s, err);
    if (rc == SL_OK) {
        rc = sl__fn_text_arg(cx, args[1], "get_values", "KEY", &k, err);
    }
    if (rc == SL_OK) {
        rc = delim_arg(cx, args, nargs, 2, "get_values", "VALUE_DELIMITER", ":", &it.vd, err);
    }
    if (rc == SL_OK) {
        rc = delim_arg(cx, args, nargs, 3, "get_values", "FIELD_DELIMITER", ",", &it.fd, err);
    }
    if (rc != SL_OK) {
        return rc;
    }
    span want = trim(k->u.s.ptr, k->u.s.len);
    it.p = s->u.s.ptr;
    it.end = s->u.s.ptr + s->u.s.len;
    span key;
    span val;
    while (kv_next(&it, &key, &val)) {
        if (key.len == want.len && memcmp(key.p, want.p, key.len) == 0) {
            *out = sl_val_str(cx->arena, val.p, val.len);
            break;
        }
    }
    return SL_OK;
}

/* ---- contains_key ---- */

/* Does `path` ("a.b.c", "list[0].x", "\." for a dot inside a name) lead somewhere inside
 * `root`? A member that is present with a null value counts as present. */
static bool path_exists(sl_arena *a, const sl_val *root, const char *p, size_t len)
{
    const char *end = p + len;
    char *name = sl_arena_alloc(a, len + 1);
    const sl_val *cur = root;
    if (len == 0) {
        return false;
    }
    for (;;) {
        size_t n = 0;
        while (p < end && *p != '.' && *p != '[') {
            if (*p == '\\' && p + 1 < end) {
                p++;
            }
            name[n++] = *p++;
        }
        if (n > 0) {
            cur = sl_val_object_get(cur, name, n);
            if (cur == NULL) {
                return false;
            }
        }
        bool indexed = false;
        while (p < end && *p == '[') {
            size_t idx = 0;
            const char *d = ++p;
            while (p < end && *p >= '0' && *p <= '9' && p - d < 9) {
                idx = idx * 10 + (size_t)(*p++ - '0');
            }
            if (p == d || p >= end || *p != ']' || cur->type != SL_VAL_ARRAY ||
                idx >= cur->u.arr.len) {
                return false;
            }
            p++;
            cur = cur->u.arr.items[idx];
            indexed = true;
        }
        if (n == 0 && !indexed) {
            return false; /* "a..b", ".a", "a." */
        }
        if (p == end) {
            return true;
        }
        if (*p != '.') {
            return false;
        }
        p++;
        if (p == end) {
            return false;
        }
    }
}

/* contains_key(PATH) asks about the input record, which an sl_fn cannot reach by itself: the
 * evaluator calls this with the record prepended, contains_key(RECORD, PATH). */
static int fn_contains_key(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                           const sl_val **out, sl_err *err)
{
    if (nargs != 2) {
        return sl_fn_fail(err, "contains_key",
                          "the input record was not passed to this call, so INPUT cannot be "
                          "looked up");
    }
    const sl_val *path = NULL;
    if (sl_val_is_null(args[1])) {
        *out = sl_val_null();
        return SL_OK;
    }
    int rc = sl__fn_text_arg(cx, args[1], "contains_key", "INPUT", &path, err);
    if (rc != SL_OK) {
        return rc;
    }
    *out = sl_val_bool(!sl_val_is_null(args[0]) &&
                       path_exists(cx->arena, args[0], path->u.s.ptr, path->u.s.len));
    return SL_OK;
}

/* ---- map helpers ---- */

/* KEY of map_get_values / map_has_keys: one key, or an array of keys (null elements
 * skipped). Keys that are numbers, booleans or dates count as their text. */
static int key_list(sl_fn_ctx *cx, const sl_val *v, const char *fn, const sl_val **keys,
                    sl_err *err)
{
    const sl_val *key = NULL;
    sl_val *list = sl_val_array_new(cx->arena, v->type == SL_VAL_ARRAY ? v->u.arr.len : 1);
    *keys = list;
    if (v->type != SL_VAL_ARRAY) {
        int rc = sl__fn_text_arg(cx, v, fn, "KEY", &key, err);
        if (rc == SL_OK) {
            sl_val_array_push(cx->arena, list, key);
        }
        return rc;
    }
    for (size_t i = 0; i < v->u.arr.len; i++) {
        if (sl_val_is_null(v->u.arr.items[i])) {
            continue;
        }
        char what[32];
        (void)snprintf(what, sizeof(what), "KEY[%zu]", i);
        int rc = sl__fn_text_arg(cx, v->u.arr.items[i], fn, what, &key, err);
        if (rc != SL_OK) {
            return rc;
        }
        sl_val_array_push(cx->arena, list, key);
    }
    return SL_OK;
}

static int fn_map_get_values(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                             const sl_val **out, sl_err *err)
{
    (void)nargs;
    const sl_val *keys = NULL;
    int rc = object_arg(args[0], "map_get_values", "MAP", err);
    if (rc == SL_OK) {
        rc = key_list(cx, args[1], "map_get_values", &keys, err);
    }
    if (rc != SL_OK) {
        return rc;
    }
    sl_val *res = sl_val_object_new(cx->arena, keys->u.arr.len);
    for (size_t i = 0; i < keys->u.arr.len; i++) {
        const sl_val *k = keys->u.arr.items[i];
        const sl_val *v = sl_val_object_get(args[0], k->u.s.ptr, k->u.s.len);
        if (v != NULL) {
            sl_val_object_set(cx->arena, res, k->u.s.ptr, k->u.s.len, v);
        }
    }
    *out = res;
    return SL_OK;
}

static int fn_map_has_keys(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                           const sl_val **out, sl_err *err)
{
    (void)nargs;
    const sl_val *keys = NULL;
    int rc = object_arg(args[0], "map_has_keys", "MAP", err);
    if (rc == SL_OK) {
        rc = key_list(cx, args[1], "map_has_keys", &keys, err);
    }
    if (rc != SL_OK) {
        return rc;
    }
    bool found = false;
    for (size_t i = 0; i < keys->u.arr.len && !found; i++) {
        const sl_val *k = keys->u.arr.items[i];
        found = sl_val_object_get(args[0], k->u.s.ptr, k->u.s.len) != NULL;
    }
    *out = sl_val_bool(found);
    return SL_OK;
}

static int fn_add_to_map(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                         sl_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < nargs; i++) {
        char what[32];
        (void)snprintf(what, sizeof(what), "MAP %zu", i + 1);
        int rc = object_arg(args[i], "add_to_map", what, err);
        if (rc != SL_OK) {
            return rc;
        }
        total += args[i]->u.obj.len;
    }
    sl_val *res = sl_val_object_new(cx->arena, total);
    for (size_t i = 0; i < nargs; i++) {
        for (size_t j = 0; j < args[i]->u.obj.len; j++) {
            const sl_val_member *m = &args[i]->u.obj.members[j];
            /* The first occurrence of a key, in argument order, is the one kept. */
            if (sl_val_object_get(res, m->key, m->klen) == NULL) {
                sl_val_object_set(cx->arena, res, m->key, m->klen, m->val);
            }
        }
    }
    *out = res;
    return SL_OK;
}

#define CAT "Hierarchies - Objects"

#define ARRAYS_TO_OBJECT_DOC                                                                       \
    .category = CAT, .min_args = 2, .max_args = SL_FN_VARIADIC, .impl = fn_arrays_to_object,       \
    .syntax = "Object[] arrays_to_object(String, Object[], String, Object[], ...)",                \
    .params = "INPUT: alternating keys and arrays (required): object i of the result holds "       \
              "element i of each array under the key before it",                                   \
    .return_type = "Object[]",                                                                     \
    .example = "arrays_to_objects('sku', explode(\"id1|id2\", '\\\\|'), 'price', "                 \
               "[22.5,14.35])",                                                                    \
    .result = "[{ \"sku\": \"id1\", \"price\": 22.5 }, { \"sku\": \"id2\", \"price\": 14.35 }]"

const sl_func sl_funcs_object[] = {
    {
        .name = "is_empty",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_is_empty,
        .flags = SL_FN_TAKES_NULL,
        .syntax = "Boolean is_empty(Object)",
        .params = "INPUT: the value to check (required)",
        .return_type = "Boolean",
        .example = "is_empty([1, null, 2, 3])",
        .result = "false",
        .description = "True when INPUT is null, an empty string, an empty array or an empty "
                       "object; false for anything else (a string of spaces is not empty, and "
                       "an array holding nulls is not empty).",
    },
    {
        .name = "arrays_to_object",
        ARRAYS_TO_OBJECT_DOC,
        .description =
            "Zips parallel arrays into an array of objects: object i has, under each key, "
            "element i of the array after that key. The result is as long as the longest "
            "array; an object has no member for an array that is too short. An odd number "
            "of arguments, or a value that is not an array, is an error. Adobe's example "
            "spells the name arrays_to_objects, which sluice accepts as an alias.",
    },
    {
        .name = "arrays_to_objects",
        ARRAYS_TO_OBJECT_DOC,
        .description = "The spelling Adobe's documented example uses for arrays_to_object; the "
                       "same function.",
    },
    {
        .name = "to_object",
        .category = CAT,
        .min_args = 2,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_to_object,
        .syntax = "Object to_object(String, Object, String, Object, ...)",
        .params = "INPUT: a flat list of key/value pairs, keys first (required)",
        .return_type = "Object",
        .example = "to_object(\"firstName\", \"John\", \"lastName\", \"Doe\")",
        .result = "{\"firstName\": \"John\", \"lastName\": \"Doe\"}",
        .description = "Returns an object of the given key/value pairs, in order; a repeated "
                       "key keeps its first position and takes the later value. Keys that are "
                       "numbers, booleans or dates become their text. An odd number of "
                       "arguments, or a key that is an array or object, is an error.",
    },
    {
        .name = "str_to_object",
        .category = CAT,
        .min_args = 1,
        .max_args = 3,
        .impl = fn_str_to_object,
        .syntax = "Object str_to_object(String, String, String)",
        .params = "STRING: the string to parse (required)"
                  "; VALUE_DELIMITER: separates a field from its value (optional, default "
                  "\":\")"
                  "; FIELD_DELIMITER: separates one field/value pair from the next (optional, "
                  "default \",\")",
        .return_type = "Object",
        .example = "str_to_object(\"firstName - John ; lastName - ; - 123 345 7890\", \"-\", "
                   "\";\")",
        .result = "{\"firstName\": \"John\", \"lastName\": \"\"}",
        .description =
            "Splits STRING into fields at FIELD_DELIMITER, and each field into key and value "
            "at the first VALUE_DELIMITER (both are literal text, not regular expressions; "
            "an empty delimiter means the default). Keys and values are trimmed. A field "
            "without VALUE_DELIMITER, or whose key is empty, is skipped; an empty value is "
            "kept as \"\". A repeated key takes the later value. Adobe documents "
            "{\"firstName\": \"John\", \"lastName\": \"Doe\", \"phone\": \"123 456 7890\"} "
            "for this example, which does not match its input: \"lastName - \" has no value "
            "and \" - 123 345 7890\" no key, so sluice returns what the input holds. Use "
            ".get(\"firstName\") on the result to read one value.",
    },
    {
        .name = "contains_key",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_contains_key,
        .flags = SL_FN_TAKES_NULL | SL_FN_RECORD,
        .syntax = "Boolean contains_key(String)",
        .params = "INPUT: the path to look for in the source record, dotted (\"a.b.c\"), with "
                  "[n] for an array element and \\. for a dot inside a name (required)",
        .return_type = "Boolean",
        .example = "contains_key(\"evars.evar.field1\")",
        .result = "true",
        .description = "True when the path exists in the source record, even if the value "
                       "there is null; false otherwise. Replaces the deprecated is_set(). A "
                       "null INPUT gives null.",
    },
    {
        .name = "nullify",
        .category = CAT,
        .min_args = 0,
        .max_args = 0,
        .impl = fn_nullify,
        .syntax = "Object nullify()",
        .params = "",
        .return_type = "Object",
        .example = "nullify()",
        .result = "null",
        .description = "Returns null: sets the target to null, for a field that should not be "
                       "copied.",
    },
    {
        .name = "get_keys",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_get_keys,
        .syntax = "String[] get_keys(Object)",
        .params = "OBJECT: the object whose keys are returned (required)",
        .return_type = "String[]",
        .example = "get_keys({\"book1\": \"Pride and Prejudice\", \"book2\": \"1984\"})",
        .result = "[\"book1\", \"book2\"]",
        .description = "Returns the keys of OBJECT, in order. A value that is not an object is "
                       "an error.",
    },
    {
        .name = "get_values",
        .category = CAT,
        .min_args = 3,
        .max_args = 4,
        .impl = fn_get_values,
        .flags = SL_FN_TAKES_NULL,
        .syntax = "String get_values(String, String, String, String)",
        .params = "STRING: the key/value string to parse (required)"
                  "; KEY: the key whose value is returned (required)"
                  "; VALUE_DELIMITER: separates a key from its value, null or empty means "
                  "\":\" (required)"
                  "; FIELD_DELIMITER: separates one pair from the next, null or empty means "
                  "\",\" (optional)",
        .return_type = "String",
        .example = "get_values(\"firstName - John , lastName - Cena , phone - 555 420 8692\", "
                   "\"firstName\", \"-\", \",\")",
        .result = "John",
        .description = "Parses STRING as str_to_object does (literal delimiters, the value runs "
                       "from the first VALUE_DELIMITER, keys and values trimmed) and returns "
                       "the value of the first pair whose key is KEY, or null when there is "
                       "none. A null STRING or KEY gives null.",
    },
    {
        .name = "map_get_values",
        .category = CAT,
        .min_args = 2,
        .max_args = 2,
        .impl = fn_map_get_values,
        .syntax = "Map map_get_values(Map, Object)",
        .params = "MAP: the input map (required)"
                  "; KEY: one key or an array of keys, other primitives (numbers, dates) are "
                  "treated as strings (required)",
        .return_type = "Map",
        .example = "map_get_values(book_details, \"author\") where book_details = {\"author\": "
                   "\"George R. R. Martin\", \"price\": 17.99, \"ISBN\": "
                   "\"ISBN-978-0553801477\"}",
        .result = "{\"author\": \"George R. R. Martin\"}",
        .description = "Returns a map of the requested keys that MAP has, with their values, "
                       "in the order the keys were asked for; a key asked for twice appears "
                       "once, and keys MAP lacks are left out. Null elements of a KEY array "
                       "are skipped. Adobe's syntax cell reads get_values(MAP, KEY), a typo for "
                       "this function.",
    },
    {
        .name = "map_has_keys",
        .category = CAT,
        .min_args = 2,
        .max_args = 2,
        .impl = fn_map_has_keys,
        .syntax = "Boolean map_has_keys(Map, Object)",
        .params = "MAP: the input map (required)"
                  "; KEY: one key or an array of keys, other primitives are treated as strings "
                  "(required)",
        .return_type = "Boolean",
        .example = "map_has_keys(book_details, \"author\") (same input as map_get_values)",
        .result = "true",
        .description = "True when MAP has any of the given keys (for an array, true at the "
                       "first one found); false otherwise, and for an empty KEY array.",
    },
    {
        .name = "add_to_map",
        .category = CAT,
        .min_args = 2,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_add_to_map,
        .syntax = "Map add_to_map(Map, Map, ...)",
        .params = "MAP: two or more maps to merge (required)",
        .return_type = "Map",
        .example = "add_to_map(book_details, book_details2) where book_details2 = {\"author\": "
                   "\"Neil Gaiman\", \"price\": 17.99, \"ISBN\": \"ISBN-0-380-97365-0\", "
                   "\"publisher\": \"William Morrow\"}",
        .result = "{\"author\": \"George R. R. Martin\", \"price\": 17.99, \"ISBN\": "
                  "\"ISBN-978-0553801477\", \"publisher\": \"William Morrow\"}",
        .description = "Returns one map with every key/value pair of the inputs; when a key "
                       "repeats, the first occurrence in argument order is kept. An argument "
                       "that is not a map is an error; a null one makes the result null.",
    },
    {
        .name = "object_to_map",
        .category = CAT,
        .min_args = 1,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_object_to_map,
        .syntax = "Map object_to_map(String, Object, String, Object, ...) | "
                  "Map object_to_map(Object) | Map object_to_map(Object[], String)",
        .params = "KEY, ANY_TYPE: syntax 1, key/value pairs, keys converted to strings"
                  "; OBJECT: syntax 2, an object whose fields become the map"
                  "; OBJECT_ARRAY, ATTRIBUTE_IN_OBJECT_TO_BE_USED_AS_A_KEY: syntax 3, an "
                  "array of objects and the name of the field whose value keys each one",
        .return_type = "Map",
        .example = "object_to_map(\"firstName\", \"John\", \"lastName\", \"Doe\")",
        .result = "{\"firstName\": \"John\", \"lastName\": \"Doe\"}",
        .description =
            "Creates a map. Syntax 1 (pairs) works as to_map; syntax 2, object_to_map(address), "
            "returns the object's fields as a map; syntax 3, object_to_map(addresses, \"type\"), "
            "works as array_to_map and gives {\"home\": {...}, \"work\": {...}}. One argument "
            "must be an object; two arguments whose first is an array are syntax 3; anything "
            "else is read as pairs. Adobe's syntax 3 example writes the attribute unquoted "
            "(type), which reads the field named type: quote the name. Null input gives null. "
            "Adobe lists this function under Objects and again under Map.",
    },
    {0},
};
