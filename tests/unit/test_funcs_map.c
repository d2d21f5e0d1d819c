/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_map.c: the "Hierarchies - Map" functions of the Data Prep catalogue
 * (mapping/funcs_map.c), called as the evaluator calls them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mapping/func.h"

#include <json-c/json.h>
#include <string.h>

static sl_arena *arena;
static sl_fn_ctx cx;
static sl_err err;
static const sl_val *out;

static int setup(void **state)
{
    (void)state;
    arena = sl_arena_create(0);
    memset(&cx, 0, sizeof(cx));
    cx.arena = arena;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_arena_destroy(arena);
    arena = NULL;
    return 0;
}

/* Call `name` as the evaluator will: the row's arity holds, and unless the row takes nulls a
 * null argument makes the result null without a call. */
static int call_v(const char *name, const sl_val *const *args, size_t n)
{
    const sl_func *f = sl_func_find(name, strlen(name));
    if (f == NULL) {
        print_error("no function %s\n", name);
        fail();
        return SL_EINVAL;
    }
    assert_true((int)n >= f->min_args);
    assert_true(f->max_args == SL_FN_VARIADIC || (int)n <= f->max_args);
    sl_err_clear(&err);
    out = NULL;
    if ((f->flags & SL_FN_TAKES_NULL) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (sl_val_is_null(args[i])) {
                out = sl_val_null();
                return SL_OK;
            }
        }
    }
    int rc = f->impl(&cx, args, n, &out, &err);
    if (rc == SL_OK) {
        assert_non_null(out);
    } else {
        assert_int_equal(rc, SL_EINVAL);
        assert_int_equal(err.code, SL_EINVAL);
        /* Every message names the function. */
        assert_int_equal(strncmp(err.msg, name, strlen(name)), 0);
        assert_int_equal(err.msg[strlen(name)], ':');
    }
    return rc;
}

#define ARGS(...)                                                                                  \
    (const sl_val *const[]){__VA_ARGS__},                                                          \
        sizeof((const sl_val *const[]){__VA_ARGS__}) / sizeof(const sl_val *)
#define CALL(name, ...) call_v(name, ARGS(__VA_ARGS__))

/* A value from JSON text. */
static const sl_val *jv(const char *json)
{
    enum json_tokener_error jerr = json_tokener_success;
    json_object *j = json_tokener_parse_verbose(json, &jerr);
    if (jerr != json_tokener_success) {
        print_error("bad test JSON: %s\n", json);
        fail();
    }
    const sl_val *v = sl_val_from_json(arena, j);
    json_object_put(j);
    return v;
}

static const sl_val *sv(const char *s)
{
    return sl_val_str_c(arena, s);
}

static const sl_val *iv(int64_t i)
{
    return sl_val_int(arena, i);
}

#define NUL sl_val_null()

/* `v` as compact JSON, in the arena. */
static const char *text_of(const sl_val *v)
{
    json_object *j = sl_val_to_json(v);
    const char *t = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
    const char *s = sl_arena_strndup(arena, t, strlen(t));
    json_object_put(j);
    return s;
}

/* The last result equals `json` (key order counts). */
static void assert_out(const char *json)
{
    const char *want = text_of(jv(json));
    const char *got = text_of(out);
    if (strcmp(want, got) != 0) {
        print_error("expected %s, got %s\n", want, got);
        fail();
    }
}

/* The call succeeded with `json`. */
#define EXPECT(json, name, ...)                                                                    \
    do {                                                                                           \
        assert_int_equal(CALL(name, __VA_ARGS__), SL_OK);                                          \
        assert_out(json);                                                                          \
    } while (0)

/* The call failed with a message holding `needle`. */
#define EXPECT_ERROR(needle, name, ...)                                                            \
    do {                                                                                           \
        assert_int_equal(CALL(name, __VA_ARGS__), SL_EINVAL);                                      \
        if (strstr(err.msg, needle) == NULL) {                                                     \
            print_error("expected \"%s\" in \"%s\"\n", needle, err.msg);                           \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* Every row of `table` is documented and filed under `category`. */
static void check_rows(const sl_func *table, const char *category)
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

static void test_map_rows(void **state)
{
    (void)state;
    check_rows(sl_funcs_map, "Hierarchies - Map");
}

static void test_map_array_to_map(void **state)
{
    (void)state;
    const char *addresses = "[{\"line1\": \"345 park ave\", \"type\": \"home\"},"
                            " {\"line1\": \"1 main st\", \"type\": \"work\"},"
                            " {\"line1\": \"2 bldg\", \"type\": \"office\"}]";
    EXPECT("{\"home\": {\"line1\": \"345 park ave\", \"type\": \"home\"}, \"work\": {\"line1\": "
           "\"1 main st\", \"type\": \"work\"}, \"office\": {\"line1\": \"2 bldg\", \"type\": "
           "\"office\"}}",
           "array_to_map", jv(addresses), sv("type"));
    /* Nulls and objects without the key are left out; the later of two equal keys wins. */
    EXPECT(
        "{\"a\": {\"k\": \"a\", \"n\": 3}, \"1\": {\"k\": 1}, \"true\": {\"k\": true}}",
        "array_to_map",
        jv("[{\"k\": \"a\", \"n\": 1}, null, {\"n\": 2}, {\"k\": null}, {\"k\": 1}, {\"k\": true}, "
           "{\"k\": \"a\", \"n\": 3}]"),
        sv("k"));
    EXPECT("{\"東京\": {\"市\": \"東京\"}}", "array_to_map", jv("[{\"市\": \"東京\"}]"), sv("市"));
    EXPECT("{}", "array_to_map", jv("[]"), sv("type"));
    EXPECT("{}", "array_to_map", jv("[{\"type\": \"x\"}]"), sv(""));
    EXPECT("null", "array_to_map", NUL, sv("type"));
    EXPECT("null", "array_to_map", jv("[]"), NUL);
    EXPECT_ERROR("array_to_map: INPUTS must be an array of objects, not object", "array_to_map",
                 jv("{\"type\": \"x\"}"), sv("type"));
    EXPECT_ERROR("array_to_map: INPUTS[0] must be an object, not string \"x\"", "array_to_map",
                 jv("[\"x\"]"), sv("type"));
    EXPECT_ERROR("array_to_map: INPUTS[0].type must be a string, not object", "array_to_map",
                 jv("[{\"type\": {}}]"), sv("type"));
    EXPECT_ERROR("array_to_map: KEY must be a string, not array", "array_to_map", jv("[]"),
                 jv("[\"type\"]"));
}

static void test_map_to_map(void **state)
{
    (void)state;
    EXPECT("{\"firstName\": \"John\", \"lastName\": \"Doe\"}", "to_map", sv("firstName"),
           sv("John"), sv("lastName"), sv("Doe"));
    EXPECT("{\"a\": [1, {\"b\": 2}]}", "to_map", sv("a"), jv("[1, {\"b\": 2}]"));
    EXPECT("{\"k\": 3}", "to_map", sv("k"), iv(1), sv("k"), iv(3));
    EXPECT("{\"2.5\": \"x\", \"ü\": \"\"}", "to_map", jv("2.5"), sv("x"), sv("ü"), sv(""));
    EXPECT("null", "to_map", NUL, sv("John"));
    EXPECT_ERROR("to_map: needs key/value pairs, but the last key (argument 3) has no value",
                 "to_map", sv("firstName"), sv("John"), sv("lastName"));
    EXPECT_ERROR("to_map: KEY (argument 1) must be a string, not array", "to_map", jv("[]"),
                 sv("x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_map_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_array_to_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_to_map, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
