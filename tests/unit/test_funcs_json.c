/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_json.c: the JSON functions, called through the catalogue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mapping/func.h"

#include <stdio.h>
#include <string.h>

static sl_arena *arena;
static sl_err err;

static int setup(void **state)
{
    (void)state;
    arena = sl_arena_create(0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_arena_destroy(arena);
    return 0;
}

static const sl_val *str(const char *s)
{
    return sl_val_str_c(arena, s);
}

static const sl_val *num(int64_t i)
{
    return sl_val_int(arena, i);
}

static const sl_val *dec(double d)
{
    return sl_val_double(arena, d);
}

#define NUL sl_val_null()

static const sl_val *arr_of(size_t n, const sl_val **items)
{
    sl_val *a = sl_val_array_new(arena, n);
    for (size_t i = 0; i < n; i++) {
        sl_val_array_push(arena, a, items[i]);
    }
    return a;
}

/* Call `name` as the evaluator does: arity checked, null arguments short-circuit to null
 * unless the row takes nulls. Returns the implementation's code; the value in *out. */
static int callv(const char *name, const sl_val **out, size_t nargs, const sl_val **args)
{
    const sl_func *f = sl_func_find(name, strlen(name));
    assert_non_null(f);
    assert_true((int)nargs >= f->min_args);
    assert_true(f->max_args == SL_FN_VARIADIC || (int)nargs <= f->max_args);
    sl_err_clear(&err);
    *out = NULL;
    if ((f->flags & SL_FN_TAKES_NULL) == 0) {
        for (size_t i = 0; i < nargs; i++) {
            if (sl_val_is_null(args[i])) {
                *out = sl_val_null();
                return SL_OK;
            }
        }
    }
    sl_fn_ctx cx = {.arena = arena, .now_ms = 0};
    int rc = f->impl(&cx, args, nargs, out, &err);
    if (rc == SL_OK) {
        assert_non_null(*out);
    }
    return rc;
}

/* The JSON text of `v` ("null" for null). */
static const char *json(const sl_val *v)
{
    if (sl_val_is_null(v)) {
        return "null";
    }
    json_object *j = sl_val_to_json(v);
    const char *s =
        json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *copy = sl_arena_strndup(arena, s, strlen(s));
    json_object_put(j);
    return copy;
}

static void expect_at(int line, const char *expected, const char *name, size_t nargs,
                      const sl_val **args)
{
    const sl_val *res = NULL;
    if (callv(name, &res, nargs, args) != SL_OK) {
        fail_msg("line %d: %s failed: %s", line, name, err.msg);
    }
    const char *got = json(res);
    if (strcmp(got, expected) != 0) {
        fail_msg("line %d: %s gave %s, expected %s", line, name, got, expected);
    }
}

static void expect_err_at(int line, const char *fragment, const char *name, size_t nargs,
                          const sl_val **args)
{
    const sl_val *res = NULL;
    int rc = callv(name, &res, nargs, args);
    if (rc != SL_EINVAL || err.code != SL_EINVAL) {
        fail_msg("line %d: %s gave %d (%s), expected SL_EINVAL", line, name, rc, json(res));
    }
    if (strstr(err.msg, fragment) == NULL) {
        fail_msg("line %d: message \"%s\" lacks \"%s\"", line, err.msg, fragment);
    }
}

#define ARGS(...)                                                                                  \
    sizeof((const sl_val *[]){__VA_ARGS__}) / sizeof(const sl_val *), (const sl_val *[])           \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }
/* ARR(items...): an array value; arr_of(0, NULL) is the empty one. */
#define ARR(...) arr_of(ARGS(__VA_ARGS__))
/* EXPECT(json, name, args...): the call succeeds with that value. */
#define EXPECT(expected, name, ...) expect_at(__LINE__, expected, name, ARGS(__VA_ARGS__))
/* EXPECT_ERR(fragment, name, args...): the call fails with SL_EINVAL, the message says that. */
#define EXPECT_ERR(fragment, name, ...) expect_err_at(__LINE__, fragment, name, ARGS(__VA_ARGS__))

static void test_funcs_json_row_is_documented(void **state)
{
    (void)state;
    const sl_func *f = sl_funcs_json;
    assert_string_equal(f->name, "json_to_object");
    assert_string_equal(f->category, "JSON");
    assert_int_equal(f->min_args, 1);
    assert_int_equal(f->max_args, 1);
    assert_true(f->syntax[0] != '\0' && f->params[0] != '\0' && f->return_type[0] != '\0');
    assert_true(f->example[0] != '\0' && f->result[0] != '\0' && f->description[0] != '\0');
    assert_null(f[1].name);
}

static void test_funcs_json_to_object(void **state)
{
    (void)state;
    EXPECT("{\"info\":{\"firstName\":\"John\",\"lastName\":\"Doe\"}}", "json_to_object",
           str("{\"info\":{\"firstName\":\"John\",\"lastName\": \"Doe\"}}"));
    EXPECT("[1,2.5,\"x\",true,null,{}]", "json_to_object",
           str(" [1, 2.5, \"x\", true, null, {}] "));
    EXPECT("\"text\"", "json_to_object", str("\"text\""));
    EXPECT("42", "json_to_object", str("42"));
    EXPECT("null", "json_to_object", str("null"));
    EXPECT("{\"名前\":\"日本語 é\"}", "json_to_object", str("{\"名前\": \"日本語 \\u00e9\"}"));
    /* Key order is kept. */
    EXPECT("{\"b\":1,\"a\":2}", "json_to_object", str("{\"b\":1,\"a\":2}"));
    /* Values need no parsing. */
    EXPECT("[1]", "json_to_object", ARR(num(1)));
    EXPECT("7", "json_to_object", num(7));
    EXPECT("2.5", "json_to_object", dec(2.5));
    EXPECT("true", "json_to_object", sl_val_true());
    EXPECT("null", "json_to_object", NUL);
}

static void test_funcs_json_to_object_rejects_bad_text(void **state)
{
    (void)state;
    EXPECT_ERR("json_to_object: STRING is empty, not JSON", "json_to_object", str(""));
    EXPECT_ERR("json_to_object: STRING is empty, not JSON", "json_to_object", str("  \n"));
    EXPECT_ERR("json_to_object: STRING is not JSON: ", "json_to_object", str("{\"a\":"));
    EXPECT_ERR("json_to_object: STRING is not JSON: ", "json_to_object", str("{'a': 1}"));
    EXPECT_ERR("json_to_object: STRING is not JSON: ", "json_to_object", str("{} {}"));
    EXPECT_ERR("json_to_object: STRING is not JSON: ", "json_to_object", str("forty"));
    EXPECT_ERR("json_to_object: STRING is not JSON: ", "json_to_object", str("\"\xff\""));
    sl_datetime dt = sl_datetime_from_ms(0);
    EXPECT_ERR("json_to_object: STRING must be a JSON string, not date-time", "json_to_object",
               sl_val_datetime(arena, &dt));
}

static void test_funcs_json_to_object_depth_limit(void **state)
{
    (void)state;
    char deep[256];
    size_t n = 0;
    for (int i = 0; i < 100; i++) {
        deep[n++] = '[';
    }
    for (int i = 0; i < 100; i++) {
        deep[n++] = ']';
    }
    deep[n] = '\0';
    EXPECT_ERR("json_to_object: STRING is not JSON: JSON nesting is deeper than 64 levels",
               "json_to_object", str(deep));
    /* 64 levels are fine. */
    n = 0;
    for (int i = 0; i < 64; i++) {
        deep[n++] = '[';
    }
    for (int i = 0; i < 64; i++) {
        deep[n++] = ']';
    }
    deep[n] = '\0';
    const sl_val *res = NULL;
    assert_int_equal(callv("json_to_object", &res, 1, (const sl_val *[]){str(deep)}), SL_OK);
    assert_int_equal(res->type, SL_VAL_ARRAY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_funcs_json_row_is_documented),
        cmocka_unit_test(test_funcs_json_to_object),
        cmocka_unit_test(test_funcs_json_to_object_rejects_bad_text),
        cmocka_unit_test(test_funcs_json_to_object_depth_limit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
