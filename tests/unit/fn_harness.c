/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/fn_harness.c: the catalogue-calling harness shared by test_funcs_*.c. */
#include "fn_harness.h"

#include <json-c/json.h>

sl_arena *fn_arena;
sl_fn_ctx fn_cx;
sl_err fn_err;
const sl_val *fn_out;
const char *fn_lambda_error_prefix;

int fn_setup(void **state)
{
    (void)state;
    fn_arena = sl_arena_create(0);
    memset(&fn_cx, 0, sizeof(fn_cx));
    fn_cx.arena = fn_arena;
    return 0;
}

int fn_teardown(void **state)
{
    (void)state;
    sl_arena_destroy(fn_arena);
    fn_arena = NULL;
    return 0;
}

/* Whether the error of row `f` may leave the row's name out of its message. */
static int passes_through(const sl_func *f)
{
    return (f->flags & SL_FN_LAMBDA) != 0 && fn_lambda_error_prefix != NULL &&
           strncmp(fn_err.msg, fn_lambda_error_prefix, strlen(fn_lambda_error_prefix)) == 0;
}

int call_v(const char *name, const sl_val *const *args, size_t n)
{
    const sl_func *f = sl_func_find(name, strlen(name));
    if (f == NULL) {
        print_error("no function %s\n", name);
        fail();
        return SL_EINVAL;
    }
    assert_true((int)n >= f->min_args);
    assert_true(f->max_args == SL_FN_VARIADIC || (int)n <= f->max_args);
    sl_err_clear(&fn_err);
    fn_out = NULL;
    if ((f->flags & SL_FN_TAKES_NULL) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (sl_val_is_null(args[i])) {
                fn_out = sl_val_null();
                return SL_OK;
            }
        }
    }
    int rc = f->impl(&fn_cx, args, n, &fn_out, &fn_err);
    if (rc == SL_OK) {
        assert_non_null(fn_out);
    } else {
        assert_int_equal(rc, SL_EINVAL);
        assert_int_equal(fn_err.code, SL_EINVAL);
        /* Every message names the function. */
        if (!passes_through(f)) {
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
