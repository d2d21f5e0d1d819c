/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_array.c: the array functions of the Data Prep catalogue ("Hierarchies -
 * Arrays"), including the four Adobe marks "destinations only" (array_to_string,
 * filterArray, transformArray, flattenArray), which sluice offers in every mapping. The two
 * that take a lambda call it through cx->call_lambda, once per element, in order. */
#include "mapping/func.h"
#include "mapping/funcs_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Nesting that flattenArray and array_to_string follow before giving up: deeper than any
 * collected event can be (SL_MAX_JSON_DEPTH is 64), and it bounds the recursion. */
#define FLATTEN_MAX_DEPTH 64

static int array_arg(const sl_val *v, const char *fn, const char *param, sl_err *err)
{
    char b[64];
    if (v->type != SL_VAL_ARRAY) {
        (void)sl_fn_fail(err, fn, "%s must be an array, not %s", param,
                         sl__fn_describe(v, b, sizeof(b)));
        return SL_EINVAL;
    }
    return SL_OK;
}

/* The values a "varargs or array" function looks at: the elements of a lone array argument,
 * else the arguments themselves. */
static void values_of(const sl_val *const *args, size_t nargs, const sl_val *const **items,
                      size_t *n)
{
    if (nargs == 1 && args[0]->type == SL_VAL_ARRAY) {
        *items = args[0]->u.arr.items;
        *n = args[0]->u.arr.len;
    } else {
        *items = args;
        *n = nargs;
    }
}

static int fn_coalesce(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                       sl_err *err)
{
    (void)cx;
    (void)err;
    const sl_val *const *items = NULL;
    size_t n = 0;
    values_of(args, nargs, &items, &n);
    *out = sl_val_null();
    for (size_t i = 0; i < n; i++) {
        if (!sl_val_is_null(items[i])) {
            *out = items[i];
            break;
        }
    }
    return SL_OK;
}

static int fn_first(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                    sl_err *err)
{
    (void)cx;
    (void)err;
    const sl_val *const *items = NULL;
    size_t n = 0;
    values_of(args, nargs, &items, &n);
    *out = n > 0 ? items[0] : sl_val_null();
    return SL_OK;
}

static int fn_last(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                   sl_err *err)
{
    (void)cx;
    (void)err;
    const sl_val *const *items = NULL;
    size_t n = 0;
    values_of(args, nargs, &items, &n);
    *out = n > 0 ? items[n - 1] : sl_val_null();
    return SL_OK;
}

static sl_val *copy_array(sl_arena *a, const sl_val *arr, size_t extra)
{
    sl_val *res = sl_val_array_new(a, arr->u.arr.len + extra);
    for (size_t i = 0; i < arr->u.arr.len; i++) {
        sl_val_array_push(a, res, arr->u.arr.items[i]);
    }
    return res;
}

static int fn_add_to_array(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                           const sl_val **out, sl_err *err)
{
    int rc = array_arg(args[0], "add_to_array", "ARRAY", err);
    if (rc != SL_OK) {
        return rc;
    }
    sl_val *res = copy_array(cx->arena, args[0], nargs - 1);
    for (size_t i = 1; i < nargs; i++) {
        sl_val_array_push(cx->arena, res, args[i]);
    }
    *out = res;
    return SL_OK;
}

static int fn_join_arrays(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                          const sl_val **out, sl_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < nargs; i++) {
        char what[40];
        (void)snprintf(what, sizeof(what), i == 0 ? "ARRAY" : "VALUES (argument %zu)", i + 1);
        int rc = array_arg(args[i], "join_arrays", what, err);
        if (rc != SL_OK) {
            return rc;
        }
        total += args[i]->u.arr.len;
    }
    sl_val *res = sl_val_array_new(cx->arena, total);
    for (size_t i = 0; i < nargs; i++) {
        for (size_t j = 0; j < args[i]->u.arr.len; j++) {
            sl_val_array_push(cx->arena, res, args[i]->u.arr.items[j]);
        }
    }
    *out = res;
    return SL_OK;
}

static int fn_to_array(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                       sl_err *err)
{
    char b[64];
    bool include_nulls = false;
    if (sl_val_is_null(args[0]) || !sl_val_as_bool(args[0], &include_nulls)) {
        return sl_fn_fail(err, "to_array", "INCLUDE_NULLS must be a boolean, not %s",
                          sl_val_is_null(args[0]) ? "null"
                                                  : sl__fn_describe(args[0], b, sizeof(b)));
    }
    sl_val *res = sl_val_array_new(cx->arena, nargs - 1);
    for (size_t i = 1; i < nargs; i++) {
        if (include_nulls || !sl_val_is_null(args[i])) {
            sl_val_array_push(cx->arena, res, args[i]);
        }
    }
    *out = res;
    return SL_OK;
}

/* Characters, not bytes, of a UTF-8 string. */
static size_t utf8_chars(const char *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        n += ((unsigned char)p[i] & 0xC0) != 0x80;
    }
    return n;
}

static int fn_size_of(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                      sl_err *err)
{
    char b[64];
    (void)nargs;
    const sl_val *v = args[0];
    size_t n;
    switch (v->type) {
    case SL_VAL_ARRAY:
        n = v->u.arr.len;
        break;
    case SL_VAL_OBJECT:
        n = v->u.obj.len;
        break;
    case SL_VAL_STRING:
        n = utf8_chars(v->u.s.ptr, v->u.s.len);
        break;
    default:
        return sl_fn_fail(err, "size_of", "INPUT must be an array, object or string, not %s",
                          sl__fn_describe(v, b, sizeof(b)));
    }
    *out = sl_val_int(cx->arena, (int64_t)n);
    return SL_OK;
}

/* sluice writes records, it does not update Profile arrays in place: both upsert functions
 * answer as Adobe's do on an insert, with the input unchanged. */
static int upsert(const char *fn, const sl_val *const *args, const sl_val **out, sl_err *err)
{
    int rc = array_arg(args[0], fn, "ARRAY", err);
    if (rc == SL_OK) {
        *out = args[0];
    }
    return rc;
}

static int fn_upsert_array_append(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                                  const sl_val **out, sl_err *err)
{
    (void)cx;
    (void)nargs;
    return upsert("upsert_array_append", args, out, err);
}

static int fn_upsert_array_replace(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                                   const sl_val **out, sl_err *err)
{
    (void)cx;
    (void)nargs;
    return upsert("upsert_array_replace", args, out, err);
}

/* Push the leaves of `v` (itself when it is not an array) onto `res`, depth first. */
static int flatten_into(sl_arena *a, sl_val *res, const sl_val *v, int depth, const char *fn,
                        sl_err *err)
{
    if (v->type != SL_VAL_ARRAY) {
        sl_val_array_push(a, res, v);
        return SL_OK;
    }
    if (depth >= FLATTEN_MAX_DEPTH) {
        return sl_fn_fail(err, fn, "ARRAY is nested deeper than %d levels", FLATTEN_MAX_DEPTH);
    }
    for (size_t i = 0; i < v->u.arr.len; i++) {
        int rc = flatten_into(a, res, v->u.arr.items[i], depth + 1, fn, err);
        if (rc != SL_OK) {
            return rc;
        }
    }
    return SL_OK;
}

static int fn_flatten_array(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                            const sl_val **out, sl_err *err)
{
    (void)nargs;
    int rc = array_arg(args[0], "flattenArray", "ARRAY", err);
    if (rc != SL_OK) {
        return rc;
    }
    sl_val *res = sl_val_array_new(cx->arena, args[0]->u.arr.len);
    rc = flatten_into(cx->arena, res, args[0], 0, "flattenArray", err);
    if (rc == SL_OK) {
        *out = res;
    }
    return rc;
}

static int fn_array_to_string(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                              const sl_val **out, sl_err *err)
{
    char b[64];
    (void)nargs;
    const sl_val *sep = NULL;
    if (args[0]->type != SL_VAL_ARRAY && args[0]->type != SL_VAL_OBJECT &&
        args[0]->type != SL_VAL_LAMBDA) {
        sep = sl_fn_str(cx, args[0]); /* NULL for null */
    }
    if (sep == NULL) {
        (void)sl_fn_fail(err, "array_to_string", "SEPARATOR must be a string, not %s",
                         sl__fn_describe(args[0], b, sizeof(b)));
        return SL_EINVAL;
    }
    int rc = array_arg(args[1], "array_to_string", "ARRAY", err);
    if (rc != SL_OK) {
        return rc;
    }
    sl_val *flat = sl_val_array_new(cx->arena, args[1]->u.arr.len);
    rc = flatten_into(cx->arena, flat, args[1], 0, "array_to_string", err);
    if (rc != SL_OK) {
        return rc;
    }
    /* Two passes: the texts and their total length, then one copy. */
    sl_val *texts = sl_val_array_new(cx->arena, flat->u.arr.len);
    size_t total = 0;
    for (size_t i = 0; i < flat->u.arr.len; i++) {
        const sl_val *t = sl_fn_str(cx, flat->u.arr.items[i]);
        if (t != NULL) {
            total += t->u.s.len + (texts->u.arr.len > 0 ? sep->u.s.len : 0);
            sl_val_array_push(cx->arena, texts, t);
        }
    }
    char *buf = sl_arena_alloc(cx->arena, total + 1);
    size_t at = 0;
    for (size_t i = 0; i < texts->u.arr.len; i++) {
        const sl_val *t = texts->u.arr.items[i];
        if (i > 0) {
            memcpy(buf + at, sep->u.s.ptr, sep->u.s.len);
            at += sep->u.s.len;
        }
        memcpy(buf + at, t->u.s.ptr, t->u.s.len);
        at += t->u.s.len;
    }
    buf[at] = '\0';
    *out = sl_val_str_owned(cx->arena, buf, at);
    return SL_OK;
}

static int lambda_arg(sl_fn_ctx *cx, const sl_val *v, const char *fn, sl_err *err)
{
    char b[64];
    if (v->type != SL_VAL_LAMBDA) {
        return sl_fn_fail(err, fn, "PREDICATE must be a lambda such as x -> x > 0, not %s",
                          sl__fn_describe(v, b, sizeof(b)));
    }
    if (cx->call_lambda == NULL) {
        return sl_fn_fail(err, fn, "lambdas cannot be called here");
    }
    return SL_OK;
}

static int fn_filter_array(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                           const sl_val **out, sl_err *err)
{
    char b[64];
    (void)nargs;
    int rc = array_arg(args[0], "filterArray", "ARRAY", err);
    if (rc == SL_OK) {
        rc = lambda_arg(cx, args[1], "filterArray", err);
    }
    if (rc != SL_OK) {
        return rc;
    }
    const sl_val *arr = args[0];
    sl_val *res = sl_val_array_new(cx->arena, arr->u.arr.len);
    for (size_t i = 0; i < arr->u.arr.len; i++) {
        const sl_val *keep = NULL;
        bool yes = false;
        rc = cx->call_lambda(cx, args[1], &arr->u.arr.items[i], 1, &keep, err);
        if (rc != SL_OK) {
            return rc;
        }
        /* A null answer (x.price > 0 on an element without a price) drops the element. */
        if (!sl_val_is_null(keep) && !sl_val_as_bool(keep, &yes)) {
            return sl_fn_fail(err, "filterArray",
                              "PREDICATE must answer true or false, not %s (element %zu)",
                              sl__fn_describe(keep, b, sizeof(b)), i);
        }
        if (yes) {
            sl_val_array_push(cx->arena, res, arr->u.arr.items[i]);
        }
    }
    *out = res;
    return SL_OK;
}

static int fn_transform_array(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                              const sl_val **out, sl_err *err)
{
    (void)nargs;
    int rc = array_arg(args[0], "transformArray", "ARRAY", err);
    if (rc == SL_OK) {
        rc = lambda_arg(cx, args[1], "transformArray", err);
    }
    if (rc != SL_OK) {
        return rc;
    }
    const sl_val *arr = args[0];
    sl_val *res = sl_val_array_new(cx->arena, arr->u.arr.len);
    for (size_t i = 0; i < arr->u.arr.len; i++) {
        const sl_val *v = NULL;
        rc = cx->call_lambda(cx, args[1], &arr->u.arr.items[i], 1, &v, err);
        if (rc != SL_OK) {
            return rc;
        }
        sl_val_array_push(cx->arena, res, v);
    }
    *out = res;
    return SL_OK;
}

#define CAT "Hierarchies - Arrays"

const sl_func sl_funcs_array[] = {
    {
        .name = "coalesce",
        .category = CAT,
        .min_args = 1,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_coalesce,
        .flags = SL_FN_TAKES_NULL,
        .syntax = "T coalesce(T...)",
        .params = "INPUT: the values to search, or one array of them (required)",
        .return_type = "Object",
        .example = "coalesce(null, null, null, \"first\", null, \"second\")",
        .result = "\"first\"",
        .description = "Returns the first argument that is not null; given a single array, "
                       "its first element that is not null. Null when there is none.",
    },
    {
        .name = "first",
        .category = CAT,
        .min_args = 1,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_first,
        .syntax = "T first(T...)",
        .params = "INPUT: the values, or one array of them (required)",
        .return_type = "Object",
        .example = "first(\"1\", \"2\", \"3\")",
        .result = "\"1\"",
        .description = "Returns the first argument; given a single array, its first element "
                       "(null for an empty array). A null argument makes the result null.",
    },
    {
        .name = "last",
        .category = CAT,
        .min_args = 1,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_last,
        .syntax = "T last(T...)",
        .params = "INPUT: the values, or one array of them (required)",
        .return_type = "Object",
        .example = "last(\"1\", \"2\", \"3\")",
        .result = "\"3\"",
        .description = "Returns the last argument; given a single array, its last element "
                       "(null for an empty array). A null argument makes the result null.",
    },
    {
        .name = "add_to_array",
        .category = CAT,
        .min_args = 1,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_add_to_array,
        .syntax = "Object[] add_to_array(Object[], Object...)",
        .params = "ARRAY: the array to add to (required)"
                  "; VALUES: the elements to append",
        .return_type = "Object[]",
        .example = "add_to_array(['a', 'b'], 'c', 'd')",
        .result = "['a', 'b', 'c', 'd']",
        .description = "Returns a new array: ARRAY followed by VALUES, each appended as one "
                       "element (an array value is not spread). ARRAY must be an array.",
    },
    {
        .name = "join_arrays",
        .category = CAT,
        .min_args = 2,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_join_arrays,
        .syntax = "Object[] join_arrays(Object[], Object[]...)",
        .params = "ARRAY: the first array (required)"
                  "; VALUES: one or more arrays to append to it (required)",
        .return_type = "Object[]",
        .example = "join_arrays(['a', 'b'], ['c'], ['d', 'e'])",
        .result = "['a', 'b', 'c', 'd', 'e']",
        .description = "Returns one array with the elements of every argument, in order. "
                       "Every argument must be an array.",
    },
    {
        .name = "to_array",
        .category = CAT,
        .min_args = 2,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_to_array,
        .flags = SL_FN_TAKES_NULL,
        .syntax = "Object[] to_array(Boolean, Object...)",
        .params = "INCLUDE_NULLS: whether null values are kept (required)"
                  "; VALUES: the elements of the array (required)",
        .return_type = "Object[]",
        .example = "to_array(false, 1, null, 2, 3)",
        .result = "[1, 2, 3]",
        .description = "Returns VALUES as an array, leaving nulls out unless INCLUDE_NULLS is "
                       "true. INCLUDE_NULLS takes booleans and the boolean strings of the type "
                       "conversion rules (\"true\", \"yes\", \"off\", ...); anything else, null "
                       "included, is an error.",
    },
    {
        .name = "size_of",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_size_of,
        .syntax = "Integer size_of(Object)",
        .params = "INPUT: the array, object or string to measure (required)",
        .return_type = "Integer",
        .example = "size_of([1, 2, 3, 4])",
        .result = "4",
        .description = "Returns the number of elements of an array, of keys of an object, or "
                       "of characters (Unicode code points, not bytes) of a string. Other "
                       "types are an error.",
    },
    {
        .name = "upsert_array_append",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_upsert_array_append,
        .syntax = "Object[] upsert_array_append(Object[])",
        .params = "ARRAY: the array to append to the array in the Profile (required)",
        .return_type = "Object[]",
        .example = "upsert_array_append([123, 456])",
        .result = "[123, 456]",
        .description = "In AEP, appends to the Profile's array on a Profile update and "
                       "returns the input unchanged on an insert. sluice writes records rather "
                       "than updating Profiles, so it always returns ARRAY unchanged.",
    },
    {
        .name = "upsert_array_replace",
        .category = CAT,
        .min_args = 1,
        .max_args = 2,
        .impl = fn_upsert_array_replace,
        .syntax = "Object[] upsert_array_replace(Object[])",
        .params = "ARRAY: the array to replace the array in the Profile with (required)",
        .return_type = "Object[]",
        .example = "upsert_array_replace([123, 456], 1)",
        .result = "[123, 456]",
        .description = "In AEP, replaces the Profile's array on a Profile update and returns "
                       "the input unchanged on an insert. sluice writes records rather than "
                       "updating Profiles, so it always returns ARRAY unchanged. Adobe's "
                       "example passes a second argument (1) that its syntax does not list: "
                       "sluice accepts and ignores it so that example works.",
    },
    {
        .name = "array_to_string",
        .category = CAT,
        .min_args = 2,
        .max_args = 2,
        .impl = fn_array_to_string,
        .syntax = "String array_to_string(String, Object[])",
        .params = "SEPARATOR: put between the elements (required)"
                  "; ARRAY: the array to join, flattened first (required)",
        .return_type = "String",
        .example = "array_to_string(\";\", [\"Hello\", \"world\"])",
        .result = "\"Hello;world\"",
        .description = "Flattens ARRAY (nested arrays become their elements) and joins the "
                       "text of its elements with SEPARATOR. Numbers and booleans are "
                       "written as text, objects as JSON; null elements are left out. Adobe "
                       "marks it destinations-only; sluice offers it in every mapping.",
    },
    {
        .name = "filterArray",
        .category = CAT,
        .min_args = 2,
        .max_args = 2,
        .impl = fn_filter_array,
        .flags = SL_FN_LAMBDA,
        .syntax = "Object[] filterArray(Object[], Predicate)",
        .params = "ARRAY: the array to filter (required)"
                  "; PREDICATE: a lambda applied to each element, x -> expression (required)",
        .return_type = "Object[]",
        .example = "filterArray([5, -6, 0, 7], x -> x > 0)",
        .result = "[5, 7]",
        .description = "Returns the elements for which PREDICATE is true, in order. A null "
                       "answer drops the element; an answer that is not a boolean is an "
                       "error. Adobe marks it destinations-only; sluice offers it in every "
                       "mapping.",
    },
    {
        .name = "transformArray",
        .category = CAT,
        .min_args = 2,
        .max_args = 2,
        .impl = fn_transform_array,
        .flags = SL_FN_LAMBDA,
        .syntax = "Object[] transformArray(Object[], Function)",
        .params = "ARRAY: the array to transform (required)"
                  "; PREDICATE: a lambda applied to each element, x -> expression (required)",
        .return_type = "Object[]",
        .example = "transformArray([5, 6, 7], x -> x + 1)",
        .result = "[6, 7, 8]",
        .description = "Returns a new array of what the lambda gives for each element, in "
                       "order (null answers stay, as null). Adobe marks it destinations-only; "
                       "sluice offers it in every mapping.",
    },
    {
        .name = "flattenArray",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_flatten_array,
        .syntax = "Object[] flattenArray(Object[])",
        .params = "ARRAY: the multi-dimensional array to flatten (required)",
        .return_type = "Object[]",
        .example = "flattenArray([[['a', 'b'], ['c', 'd']], [['e'], ['f']]])",
        .result = "['a', 'b', 'c', 'd', 'e', 'f']",
        .description = "Returns the elements of ARRAY and of every array inside it, at any "
                       "depth (up to 64 levels), as one flat array in order; nulls and "
                       "objects are kept as elements. Adobe marks it destinations-only; sluice "
                       "offers it in every mapping.",
    },
    {0},
};
