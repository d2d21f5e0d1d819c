/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_array.c: the "Hierarchies - Arrays" functions of the Data Prep
 * catalogue (mapping/funcs_array.c), called as the evaluator calls them. The lambdas of
 * filterArray and transformArray are fakes answered by this file's call_lambda. */
#include "fn_harness_json.h"

/* ---- fake lambdas ---- */

typedef enum fake_body {
    GREATER_THAN_ZERO, /* x -> x > 0 */
    PLUS_ONE,          /* x -> x + 1 */
    ANSWER_NULL,       /* x -> null */
    ANSWER_STRING,     /* x -> "maybe" */
    FAIL,              /* a runtime error inside the body */
} fake_body;

static int lambda_calls;

static const sl_val *lambda(fake_body body)
{
    static const fake_body bodies[] = {GREATER_THAN_ZERO, PLUS_ONE, ANSWER_NULL, ANSWER_STRING,
                                       FAIL};
    sl_val *v = sl_arena_calloc(fn_arena, 1, sizeof(*v));
    v->type = SL_VAL_LAMBDA;
    v->u.lambda.node = &bodies[body];
    return v;
}

static int fake_call_lambda(sl_fn_ctx *c, const sl_val *lam, const sl_val *const *args,
                            size_t nargs, const sl_val **result, sl_err *e)
{
    assert_ptr_equal(c, &fn_cx);
    assert_int_equal(lam->type, SL_VAL_LAMBDA);
    assert_int_equal(nargs, 1);
    lambda_calls++;
    int64_t x = 0;
    switch (*(const fake_body *)lam->u.lambda.node) {
    case GREATER_THAN_ZERO:
        *result = sl_val_bool(sl_val_as_int(args[0], &x) && x > 0);
        return SL_OK;
    case PLUS_ONE:
        if (!sl_val_as_int(args[0], &x)) {
            *result = sl_val_null();
            return SL_OK;
        }
        *result = sl_val_int(c->arena, x + 1);
        return SL_OK;
    case ANSWER_NULL:
        *result = sl_val_null();
        return SL_OK;
    case ANSWER_STRING:
        *result = sl_val_str_c(c->arena, "maybe");
        return SL_OK;
    default:
        return sl_err_set(e, SL_EINVAL, "to_integer: \"x\" is not an integer");
    }
}

static int setup_lambda(void **state)
{
    fn_setup(state);
    /* The fake lambda's own to_integer error passes through as it is. */
    fn_lambda_error_prefix = "to_integer";
    fn_cx.call_lambda = fake_call_lambda;
    lambda_calls = 0;
    return 0;
}

/* ---- tests ---- */

static void test_array_rows(void **state)
{
    (void)state;
    check_rows(sl_funcs_array, "Hierarchies - Arrays");
    assert_true((sl_func_find("filterArray", 11)->flags & SL_FN_LAMBDA) != 0);
    assert_true((sl_func_find("transformArray", 14)->flags & SL_FN_LAMBDA) != 0);
}

static void test_array_coalesce(void **state)
{
    (void)state;
    EXPECT("\"first\"", "coalesce", NUL, NUL, NUL, sv("first"), NUL, sv("second"));
    EXPECT("null", "coalesce", NUL, NUL);
    EXPECT("\"\"", "coalesce", NUL, sv(""), sv("x"));
    EXPECT("0", "coalesce", iv(0));
    /* One array: its first non-null element. */
    EXPECT("\"ü\"", "coalesce", jv("[null, \"ü\", \"x\"]"));
    EXPECT("null", "coalesce", jv("[]"));
    EXPECT("[null]", "coalesce", NUL, jv("[null]"));
}

static void test_array_first_last(void **state)
{
    (void)state;
    EXPECT("\"1\"", "first", sv("1"), sv("2"), sv("3"));
    EXPECT("\"3\"", "last", sv("1"), sv("2"), sv("3"));
    EXPECT("\"a\"", "first", jv("[\"a\", \"b\"]"));
    EXPECT("\"b\"", "last", jv("[\"a\", \"b\"]"));
    EXPECT("null", "first", jv("[]"));
    EXPECT("null", "last", jv("[]"));
    EXPECT("\"é\"", "first", sv("é"));
    EXPECT("[1]", "last", jv("[0]"), jv("[1]"));
    EXPECT("\"\"", "first", sv(""), sv("x"));
    EXPECT("null", "first", sv("1"), NUL);
    EXPECT("null", "last", NUL);
}

static void test_array_add_to_array(void **state)
{
    (void)state;
    const sl_val *ab = jv("[\"a\", \"b\"]");
    EXPECT("[\"a\", \"b\", \"c\", \"d\"]", "add_to_array", ab, sv("c"), sv("d"));
    /* The argument itself is not changed. */
    assert_string_equal(text_of(ab), "[\"a\",\"b\"]");
    EXPECT("[\"a\", \"b\"]", "add_to_array", ab);
    EXPECT("[[1]]", "add_to_array", jv("[]"), jv("[1]"));
    EXPECT("[\"ü\", \"\"]", "add_to_array", jv("[\"ü\"]"), sv(""));
    EXPECT("null", "add_to_array", ab, NUL);
    EXPECT_ERROR("add_to_array: ARRAY must be an array, not string \"a\"", "add_to_array", sv("a"),
                 sv("b"));
}

static void test_array_join_arrays(void **state)
{
    (void)state;
    EXPECT("[\"a\", \"b\", \"c\", \"d\", \"e\"]", "join_arrays", jv("[\"a\", \"b\"]"),
           jv("[\"c\"]"), jv("[\"d\", \"e\"]"));
    EXPECT("[]", "join_arrays", jv("[]"), jv("[]"));
    EXPECT("[[1], null, \"é\"]", "join_arrays", jv("[[1]]"), jv("[null, \"é\"]"));
    EXPECT("null", "join_arrays", jv("[]"), NUL);
    EXPECT_ERROR("join_arrays: VALUES (argument 3) must be an array, not integer 4", "join_arrays",
                 jv("[]"), jv("[]"), iv(4));
    EXPECT_ERROR("join_arrays: ARRAY must be an array, not object", "join_arrays", jv("{}"),
                 jv("[]"));
}

static void test_array_to_array(void **state)
{
    (void)state;
    EXPECT("[1, 2, 3]", "to_array", jv("false"), iv(1), NUL, iv(2), iv(3));
    EXPECT("[1, null, 2, 3]", "to_array", jv("true"), iv(1), NUL, iv(2), iv(3));
    EXPECT("[null]", "to_array", sv("yes"), NUL);
    EXPECT("[]", "to_array", sv("off"), NUL);
    EXPECT("[\"ü\", [1], \"\"]", "to_array", jv("false"), sv("ü"), jv("[1]"), sv(""));
    EXPECT_ERROR("to_array: INCLUDE_NULLS must be a boolean, not null", "to_array", NUL, iv(1));
    EXPECT_ERROR("to_array: INCLUDE_NULLS must be a boolean, not string \"maybe\"", "to_array",
                 sv("maybe"), iv(1));
    EXPECT_ERROR("INCLUDE_NULLS must be a boolean, not integer 1", "to_array", iv(1), iv(1));
}

static void test_array_size_of(void **state)
{
    (void)state;
    EXPECT("4", "size_of", jv("[1, 2, 3, 4]"));
    EXPECT("0", "size_of", jv("[]"));
    EXPECT("2", "size_of", jv("{\"a\": 1, \"b\": null}"));
    EXPECT("0", "size_of", sv(""));
    /* Characters, not bytes: 5 code points, 13 bytes. */
    EXPECT("5", "size_of", sv("héllo"));
    EXPECT("3", "size_of", sv("日本😀"));
    EXPECT("null", "size_of", NUL);
    EXPECT_ERROR("size_of: INPUT must be an array, object or string, not integer 7", "size_of",
                 iv(7));
    EXPECT_ERROR("not boolean true", "size_of", jv("true"));
}

static void test_array_upsert(void **state)
{
    (void)state;
    EXPECT("[123, 456]", "upsert_array_append", jv("[123, 456]"));
    EXPECT("[123, 456]", "upsert_array_replace", jv("[123, 456]"), iv(1));
    EXPECT("[]", "upsert_array_replace", jv("[]"));
    EXPECT("null", "upsert_array_append", NUL);
    EXPECT_ERROR("upsert_array_append: ARRAY must be an array, not string \"x\"",
                 "upsert_array_append", sv("x"));
    EXPECT_ERROR("upsert_array_replace: ARRAY must be an array, not object", "upsert_array_replace",
                 jv("{}"));
}

static void test_array_array_to_string(void **state)
{
    (void)state;
    EXPECT("\"Hello;world\"", "array_to_string", sv(";"), jv("[\"Hello\", \"world\"]"));
    /* Flattened first; numbers and booleans as text, objects as JSON, nulls left out. */
    EXPECT("\"a, 1, 2.5, true, {\\\"k\\\":\\\"v\\\"}, b\"", "array_to_string", sv(", "),
           jv("[[\"a\", [1]], null, 2.5, true, {\"k\": \"v\"}, [[\"b\"]]]"));
    EXPECT("\"\"", "array_to_string", sv(";"), jv("[]"));
    EXPECT("\"ab\"", "array_to_string", sv(""), jv("[\"a\", \"b\"]"));
    EXPECT("\"日本→語\"", "array_to_string", sv("→"), jv("[\"日本\", \"語\"]"));
    EXPECT("\"10201\"", "array_to_string", iv(0), jv("[1, 2, 1]"));
    EXPECT("null", "array_to_string", NUL, jv("[]"));
    EXPECT_ERROR("array_to_string: ARRAY must be an array, not string \"ab\"", "array_to_string",
                 sv(";"), sv("ab"));
    EXPECT_ERROR("array_to_string: SEPARATOR must be a string, not array", "array_to_string",
                 jv("[]"), jv("[]"));
}

/* [[[...[x]...]]] nested `depth` times. */
static const sl_val *nested(int depth)
{
    const sl_val *v = sv("x");
    for (int i = 0; i < depth; i++) {
        sl_val *a = sl_val_array_new(fn_arena, 1);
        sl_val_array_push(fn_arena, a, v);
        v = a;
    }
    return v;
}

static void test_array_flatten_array(void **state)
{
    (void)state;
    EXPECT("[\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"]", "flattenArray",
           jv("[[[\"a\", \"b\"], [\"c\", \"d\"]], [[\"e\"], [\"f\"]]]"));
    EXPECT("[1, null, {\"a\": [2]}, \"ü\"]", "flattenArray",
           jv("[1, [null, [{\"a\": [2]}]], [], [[\"ü\"]]]"));
    EXPECT("[]", "flattenArray", jv("[[], [[]]]"));
    EXPECT("null", "flattenArray", NUL);
    EXPECT("[\"x\"]", "flattenArray", nested(64));
    EXPECT_ERROR("flattenArray: ARRAY is nested deeper than 64 levels", "flattenArray", nested(65));
    EXPECT_ERROR("array_to_string: ARRAY is nested deeper than 64 levels", "array_to_string",
                 sv(","), nested(100));
    EXPECT_ERROR("flattenArray: ARRAY must be an array, not string \"a\"", "flattenArray", sv("a"));
}

static void test_array_filter_array(void **state)
{
    (void)state;
    EXPECT("[5, 7]", "filterArray", jv("[5, -6, 0, 7]"), lambda(GREATER_THAN_ZERO));
    assert_int_equal(lambda_calls, 4);
    EXPECT("[]", "filterArray", jv("[]"), lambda(GREATER_THAN_ZERO));
    EXPECT("[]", "filterArray", jv("[\"é\", null]"), lambda(ANSWER_NULL));
    EXPECT("null", "filterArray", NUL, lambda(GREATER_THAN_ZERO));
    EXPECT_ERROR("filterArray: PREDICATE must answer true or false, not string \"maybe\" (element "
                 "0)",
                 "filterArray", jv("[1]"), lambda(ANSWER_STRING));
    /* An error inside the lambda is the call's error. */
    assert_int_equal(CALL("filterArray", jv("[1]"), lambda(FAIL)), SL_EINVAL);
    assert_string_equal(fn_err.msg, "to_integer: \"x\" is not an integer");
    EXPECT_ERROR("filterArray: PREDICATE must be a lambda such as x -> x > 0, not string \"x > "
                 "0\"",
                 "filterArray", jv("[1]"), sv("x > 0"));
    EXPECT_ERROR("filterArray: ARRAY must be an array, not integer 5", "filterArray", iv(5),
                 lambda(GREATER_THAN_ZERO));
    fn_cx.call_lambda = NULL;
    EXPECT_ERROR("filterArray: lambdas cannot be called here", "filterArray", jv("[1]"),
                 lambda(GREATER_THAN_ZERO));
}

static void test_array_transform_array(void **state)
{
    (void)state;
    EXPECT("[6, 7, 8]", "transformArray", jv("[5, 6, 7]"), lambda(PLUS_ONE));
    assert_int_equal(lambda_calls, 3);
    EXPECT("[2, null]", "transformArray", jv("[1, \"ü\"]"), lambda(PLUS_ONE));
    EXPECT("[]", "transformArray", jv("[]"), lambda(PLUS_ONE));
    EXPECT("null", "transformArray", NUL, lambda(PLUS_ONE));
    assert_int_equal(CALL("transformArray", jv("[1, 2]"), lambda(FAIL)), SL_EINVAL);
    assert_string_equal(fn_err.msg, "to_integer: \"x\" is not an integer");
    EXPECT_ERROR("transformArray: PREDICATE must be a lambda such as x -> x > 0, not integer 1",
                 "transformArray", jv("[1]"), iv(1));
    EXPECT_ERROR("transformArray: ARRAY must be an array, not object", "transformArray", jv("{}"),
                 lambda(PLUS_ONE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_array_rows, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_array_coalesce, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_array_first_last, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_array_add_to_array, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_array_join_arrays, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_array_to_array, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_array_size_of, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_array_upsert, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_array_array_to_string, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_array_flatten_array, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_array_filter_array, setup_lambda, fn_teardown),
        cmocka_unit_test_setup_teardown(test_array_transform_array, setup_lambda, fn_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
