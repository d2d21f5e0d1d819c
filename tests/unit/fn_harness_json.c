/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/fn_harness_json.c: JSON-value expectations on catalogue calls. */
#include "fn_harness_json.h"

#include <json-c/json.h>

const char *fn_lambda_error_prefix;

/* Whether the error of row `f` may leave the row's name out of its message. */
static int passes_through(const sl_func *f)
{
    return (f->flags & SL_FN_LAMBDA) != 0 && fn_lambda_error_prefix != NULL &&
           strncmp(fn_err.msg, fn_lambda_error_prefix, strlen(fn_lambda_error_prefix)) == 0;
}

int call_v(const char *name, const sl_val *const *args, size_t n)
{
    int rc = fn_invoke(name, args, n, &fn_out);
    if (rc != SL_OK) {
        assert_int_equal(rc, SL_EINVAL);
        assert_int_equal(fn_err.code, SL_EINVAL);
        /* Every message names the function. */
        if (!passes_through(sl_func_find(name, strlen(name)))) {
            assert_int_equal(strncmp(fn_err.msg, name, strlen(name)), 0);
            assert_int_equal(fn_err.msg[strlen(name)], ':');
        }
    }
    return rc;
}

const sl_val *jv(const char *json)
{
    enum json_tokener_error jerr = json_tokener_success;
    json_object *j = json_tokener_parse_verbose(json, &jerr);
    if (jerr != json_tokener_success) {
        print_error("bad test JSON: %s\n", json);
        fail();
    }
    const sl_val *v = sl_val_from_json(fn_arena, j);
    json_object_put(j);
    return v;
}

const sl_val *sv(const char *s)
{
    return sl_val_str_c(fn_arena, s);
}

const sl_val *iv(int64_t i)
{
    return sl_val_int(fn_arena, i);
}

const char *text_of(const sl_val *v)
{
    json_object *j = sl_val_to_json(v);
    const char *t = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
    const char *s = sl_arena_strndup(fn_arena, t, strlen(t));
    json_object_put(j);
    return s;
}

void assert_out(const char *json)
{
    const char *want = text_of(jv(json));
    const char *got = text_of(fn_out);
    if (strcmp(want, got) != 0) {
        print_error("expected %s, got %s\n", want, got);
        fail();
    }
}

void check_rows(const sl_func *table, const char *category)
{
    for (const sl_func *f = table; f->name != NULL; f++) {
        assert_string_equal(f->category, category);
        assert_non_null(f->impl);
        assert_true(f->syntax != NULL && f->syntax[0] != '\0');
        assert_non_null(f->params);
        assert_true(f->return_type != NULL && f->return_type[0] != '\0');
        assert_true(f->example != NULL && f->example[0] != '\0');
        assert_true(f->result != NULL && f->result[0] != '\0');
        assert_true(f->description != NULL && f->description[0] != '\0');
        assert_true(f->max_args == SL_FN_VARIADIC || f->max_args >= f->min_args);
        assert_ptr_equal(sl_func_find(f->name, strlen(f->name)), f);
    }
}
