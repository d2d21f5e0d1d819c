/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_json.c: the JSON functions, called through the catalogue. */
#include "fn_harness_text.h"

#include <json-c/json.h>

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
               sl_val_datetime(fn_arena, &dt));
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
    return cmocka_run_group_tests(tests, fn_setup, fn_teardown);
}
