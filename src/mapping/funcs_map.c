/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_map.c: the map functions of the Data Prep catalogue ("Hierarchies - Map").
 * Maps and objects are one value type (ordered keys), so a map is built the way an object is.
 * object_to_map, which Adobe lists under both Objects and Map, is defined once, in
 * funcs_object.c; it runs these rows for its pair and keyed-array syntaxes. */
#include "mapping/func.h"
#include "mapping/funcs_int.h"

#include <inttypes.h>
#include <stdio.h>

/* to_map("k1", v1, "k2", v2, ...): a later pair with the same key replaces the earlier value
 * in the earlier pair's position. */
static int fn_to_map(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                     sl_err *err)
{
    if (nargs % 2 != 0) {
        return sl_fn_fail(err, "to_map",
                          "needs key/value pairs, but the last key (argument %zu) has no value",
                          nargs);
    }
    sl_val *map = sl_val_object_new(cx->arena, nargs / 2);
    for (size_t i = 0; i < nargs; i += 2) {
        char what[48];
        const sl_val *key = NULL;
        (void)snprintf(what, sizeof(what), "KEY (argument %zu)", i + 1);
        int rc = sl__fn_text_arg(cx, args[i], "to_map", what, &key, err);
        if (rc != SL_OK) {
            return rc;
        }
        sl_val_object_set(cx->arena, map, key->u.s.ptr, key->u.s.len, args[i + 1]);
    }
    *out = map;
    return SL_OK;
}

/* array_to_map(objects, "type"): each object under the text of its "type" field. Null
 * elements and elements without that field (or with it null) are left out; a later element
 * with the same key replaces an earlier one. */
static int fn_array_to_map(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                           const sl_val **out, sl_err *err)
{
    char b[64];
    (void)nargs;
    const sl_val *arr = args[0];
    if (arr->type != SL_VAL_ARRAY) {
        return sl_fn_fail(err, "array_to_map", "INPUTS must be an array of objects, not %s",
                          sl__fn_describe(arr, b, sizeof(b)));
    }
    const sl_val *field = NULL;
    int rc = sl__fn_text_arg(cx, args[1], "array_to_map", "KEY", &field, err);
    if (rc != SL_OK) {
        return rc;
    }
    sl_val *map = sl_val_object_new(cx->arena, arr->u.arr.len);
    for (size_t i = 0; i < arr->u.arr.len; i++) {
        const sl_val *el = arr->u.arr.items[i];
        if (sl_val_is_null(el)) {
            continue;
        }
        if (el->type != SL_VAL_OBJECT) {
            return sl_fn_fail(err, "array_to_map", "INPUTS[%zu] must be an object, not %s", i,
                              sl__fn_describe(el, b, sizeof(b)));
        }
        const sl_val *kv = sl_val_object_get(el, field->u.s.ptr, field->u.s.len);
        if (sl_val_is_null(kv)) {
            continue;
        }
        char what[96];
        const sl_val *key = NULL;
        (void)snprintf(what, sizeof(what), "INPUTS[%zu].%.40s", i, field->u.s.ptr);
        rc = sl__fn_text_arg(cx, kv, "array_to_map", what, &key, err);
        if (rc != SL_OK) {
            return rc;
        }
        sl_val_object_set(cx->arena, map, key->u.s.ptr, key->u.s.len, el);
    }
    *out = map;
    return SL_OK;
}

const sl_func sl_funcs_map[] = {
    {
        .name = "array_to_map",
        .category = "Hierarchies - Map",
        .min_args = 2,
        .max_args = 2,
        .impl = fn_array_to_map,
        .syntax = "Map array_to_map(Object[], String)",
        .params = "INPUTS: an array of objects (required)"
                  "; KEY: the name of the field in each object whose value becomes that "
                  "object's key (required)",
        .return_type = "Map",
        .example = "array_to_map(addresses, \"type\") (same addresses as object_to_map syntax 3)",
        .result = "{\"home\": {...}, \"work\": {...}, \"office\": {...}}",
        .description =
            "Returns a map that holds each object of INPUTS under the value of its KEY field "
            "(converted to a string). Null elements and objects without KEY (or with KEY null) "
            "are left out; when two objects share a key, the later one wins. A null INPUTS "
            "gives null; an element that is not an object is an error.",
    },
    {
        .name = "to_map",
        .category = "Hierarchies - Map",
        .min_args = 2,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_to_map,
        .syntax = "Map to_map(String, Object, String, Object, ...)",
        .params = "OBJECT_INPUT: a flat list of key/value pairs, keys first (keys that are "
                  "numbers, booleans or dates are converted to strings)",
        .return_type = "Map",
        .example = "to_map(\"firstName\", \"John\", \"lastName\", \"Doe\")",
        .result = "{\"firstName\" : \"John\", \"lastName\": \"Doe\"}",
        .description = "Returns a map of the given key/value pairs, in order; a repeated key "
                       "keeps its first position and takes the later value. Null input gives "
                       "null. An odd number of arguments, or a key that is an array or object, "
                       "is an error.",
    },
    {0},
};
