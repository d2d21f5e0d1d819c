/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_map.c: the "Hierarchies - Map" functions of the Data Prep catalogue
 * (mapping/funcs_map.c), called as the evaluator calls them. */
#include "fn_harness_json.h"

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
        cmocka_unit_test_setup_teardown(test_map_rows, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_map_array_to_map, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_map_to_map, fn_setup, fn_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
