/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/fn_harness_text.c: exact-text expectations on catalogue calls. */
#include "fn_harness_text.h"

#include <json-c/json.h>

bool fn_text_short_doubles;

const sl_val *str(const char *s)
{
    return sl_val_str_c(fn_arena, s);
}

const sl_val *num(int64_t i)
{
    return sl_val_int(fn_arena, i);
}

const sl_val *dec(double d)
{
    return sl_val_double(fn_arena, d);
}

const sl_val *arr_of(size_t n, const sl_val **items)
{
    sl_val *a = sl_val_array_new(fn_arena, n);
    for (size_t i = 0; i < n; i++) {
        sl_val_array_push(fn_arena, a, items[i]);
    }
    return a;
}

int callv(const char *name, const sl_val **out, size_t nargs, const sl_val **args)
{
    return fn_invoke(name, args, nargs, out);
}

const char *json(const sl_val *v)
{
    if (sl_val_is_null(v)) {
        return "null";
    }
    if (fn_text_short_doubles && v->type == SL_VAL_DOUBLE) {
        /* json-c prints doubles with 17 digits; the language's own text is the shortest. */
        return sl_val_to_string(fn_arena, v)->u.s.ptr;
    }
    json_object *j = sl_val_to_json(v);
    const char *s =
        json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *copy = sl_arena_strndup(fn_arena, s, strlen(s));
    json_object_put(j);
    return copy;
}

void expect_at(int line, const char *expected, const char *name, size_t nargs, const sl_val **args)
{
    const sl_val *res = NULL;
    if (callv(name, &res, nargs, args) != SL_OK) {
        fail_msg("line %d: %s failed: %s", line, name, fn_err.msg);
    }
    const char *got = json(res);
    if (strcmp(got, expected) != 0) {
        fail_msg("line %d: %s gave %s, expected %s", line, name, got, expected);
    }
}

void expect_err_at(int line, const char *fragment, const char *name, size_t nargs,
                   const sl_val **args)
{
    const sl_val *res = NULL;
    int rc = callv(name, &res, nargs, args);
    if (rc != SL_EINVAL || fn_err.code != SL_EINVAL) {
        fail_msg("line %d: %s gave %d (%s), expected SL_EINVAL", line, name, rc, json(res));
    }
    if (strstr(fn_err.msg, fragment) == NULL) {
        fail_msg("line %d: message \"%s\" lacks \"%s\"", line, fn_err.msg, fragment);
    }
}
