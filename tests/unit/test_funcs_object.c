/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_object.c: the "Hierarchies - Objects" functions of the Data Prep
 * catalogue (mapping/funcs_object.c), called as the evaluator calls them. */
#include "fn_harness_json.h"

static const char *const book_details =
    "{\"author\": \"George R. R. Martin\", \"price\": 17.99, \"ISBN\": \"ISBN-978-0553801477\"}";
static const char *const book_details2 =
    "{\"author\": \"Neil Gaiman\", \"price\": 17.99, \"ISBN\": \"ISBN-0-380-97365-0\", "
    "\"publisher\": \"William Morrow\"}";
static const char *const addresses =
    "[{\"line1\": \"345 park ave\", \"City\": \"san jose\", \"type\": \"home\"},"
    " {\"line1\": \"1 main st\", \"City\": \"austin\", \"type\": \"work\"},"
    " {\"line1\": \"2 bldg\", \"City\": \"sf\", \"type\": \"office\"}]";

static void test_object_rows(void **state)
{
    (void)state;
    check_rows(sl_funcs_object, "Hierarchies - Objects");
    /* object_to_map is listed twice by Adobe but defined once. */
    size_t n = 0;
    for (size_t i = 0; i < sl_func_count(); i++) {
        n += strcmp(sl_func_at(i)->name, "object_to_map") == 0;
    }
    assert_int_equal(n, 1);
}

static void test_object_is_empty(void **state)
{
    (void)state;
    EXPECT("false", "is_empty", jv("[1, null, 2, 3]"));
    EXPECT("true", "is_empty", NUL);
    EXPECT("true", "is_empty", sv(""));
    EXPECT("true", "is_empty", jv("[]"));
    EXPECT("true", "is_empty", jv("{}"));
    EXPECT("false", "is_empty", sv(" "));
    EXPECT("false", "is_empty", sv("é"));
    EXPECT("false", "is_empty", jv("[null]"));
    EXPECT("false", "is_empty", jv("{\"a\": null}"));
    EXPECT("false", "is_empty", iv(0));
    EXPECT("false", "is_empty", jv("false"));
}

static void test_object_arrays_to_object(void **state)
{
    (void)state;
    /* The documented example, with explode("id1|id2", '\\|') already evaluated. */
    EXPECT("[{\"sku\": \"id1\", \"price\": 22.5}, {\"sku\": \"id2\", \"price\": 14.35}]",
           "arrays_to_object", sv("sku"), jv("[\"id1\", \"id2\"]"), sv("price"),
           jv("[22.5, 14.35]"));
    EXPECT("[{\"sku\": \"id1\", \"price\": 22.5}, {\"sku\": \"id2\", \"price\": 14.35}]",
           "arrays_to_objects", sv("sku"), jv("[\"id1\", \"id2\"]"), sv("price"),
           jv("[22.5, 14.35]"));
    /* The longest array sets the length; a short array adds nothing past its end. */
    EXPECT("[{\"a\": 1, \"b\": 3}, {\"a\": 2}]", "arrays_to_object", sv("a"), jv("[1, 2]"), sv("b"),
           jv("[3]"));
    EXPECT("[{\"a\": null}]", "arrays_to_object", sv("a"), jv("[null]"));
    EXPECT("[]", "arrays_to_object", sv("a"), jv("[]"), sv("b"), jv("[]"));
    EXPECT("[{\"名前\": \"ü\", \"1\": true}]", "arrays_to_object", sv("名前"), jv("[\"ü\"]"), iv(1),
           jv("[true]"));
    EXPECT("null", "arrays_to_object", sv("a"), NUL);
    EXPECT_ERROR("argument 3", "arrays_to_object", sv("a"), jv("[1]"), sv("b"));
    EXPECT_ERROR("key \"sku\" (argument 2) must be an array, not string \"x\"", "arrays_to_object",
                 sv("sku"), sv("x"));
    EXPECT_ERROR("key (argument 1) must be a string, not array", "arrays_to_object", jv("[1]"),
                 jv("[1]"));
}

static void test_object_to_object(void **state)
{
    (void)state;
    EXPECT("{\"firstName\": \"John\", \"lastName\": \"Doe\"}", "to_object", sv("firstName"),
           sv("John"), sv("lastName"), sv("Doe"));
    /* A repeated key keeps its first place and takes the later value. */
    EXPECT("{\"a\": 3, \"b\": 2}", "to_object", sv("a"), iv(1), sv("b"), iv(2), sv("a"), iv(3));
    EXPECT("{\"1\": [1], \"true\": {}, \"\": \"\"}", "to_object", iv(1), jv("[1]"), jv("true"),
           jv("{}"), sv(""), sv(""));
    EXPECT("{\"ключ\": \"значение 😀\"}", "to_object", sv("ключ"), sv("значение 😀"));
    EXPECT("null", "to_object", sv("a"), NUL);
    EXPECT_ERROR("to_object: needs key/value pairs, but the last key (argument 3) has no value",
                 "to_object", sv("a"), iv(1), sv("b"));
    EXPECT_ERROR("to_object: KEY (argument 3) must be a string, not object", "to_object", sv("a"),
                 iv(1), jv("{}"), iv(2));
}

static void test_object_str_to_object(void **state)
{
    (void)state;
    /* Adobe's example #1 documents an output its input does not hold; sluice returns what
     * the input holds. */
    EXPECT("{\"firstName\": \"John\", \"lastName\": \"\"}", "str_to_object",
           sv("firstName - John ; lastName - ; - 123 345 7890"), sv("-"), sv(";"));
    EXPECT("{\"firstName\": \"John\", \"lastName\": \"\", \"phone\": \"123 456 7890\"}",
           "str_to_object", sv("firstName - John ; lastName - ; phone - 123 456 7890"), sv("-"),
           sv(";"));
    EXPECT("{\"firstName\": \"John\", \"lastName\": \"Doe\", \"phone\": \"123 456 7890\"}",
           "str_to_object", sv("firstName=John,lastName=Doe,phone=123 456 7890"), sv("="), sv(","));
    EXPECT("{\"a\": \"1\", \"b\": \"2\"}", "str_to_object", sv("a:1,b:2"));
    EXPECT("{\"a\": \"1\", \"b\": \"2\"}", "str_to_object", sv("a:1,b:2"), sv(""), sv(""));
    EXPECT("{\"url\": \"http://x.test/a:b\"}", "str_to_object", sv("url:http://x.test/a:b"));
    EXPECT("{\"a\": \"1\", \"b\": \"2\"}", "str_to_object", sv(" a => 1 || junk || b => 2 "),
           sv("=>"), sv("||"));
    EXPECT("{\"a\": \"3\"}", "str_to_object", sv("a:1,a:3"));
    EXPECT("{\"名前\": \"値\", \"é\": \"ü\"}", "str_to_object", sv("名前:値,é:ü"));
    EXPECT("{}", "str_to_object", sv(""));
    EXPECT("{}", "str_to_object", sv(":x,,"));
    EXPECT("{\"a\": \"b\"}", "str_to_object", sv("a1b"), iv(1), sv(","));
    EXPECT("{\"1\": \"2\"}", "str_to_object", iv(102), iv(0));
    EXPECT("null", "str_to_object", NUL);
    EXPECT("null", "str_to_object", sv("a:1"), NUL);
    EXPECT_ERROR("STRING must be a string, not array", "str_to_object", jv("[\"a:1\"]"));
    EXPECT_ERROR("FIELD_DELIMITER must be a string, not object", "str_to_object", sv("a:1"),
                 sv(":"), jv("{}"));
}

/* contains_key as the evaluator calls it: with the input record before the path. */
static int contains(const char *record, const sl_val *path)
{
    const sl_func *f = sl_func_find("contains_key", strlen("contains_key"));
    assert_non_null(f);
    assert_true((f->flags & SL_FN_TAKES_NULL) != 0);
    const sl_val *args[2] = {record != NULL ? jv(record) : NUL, path};
    sl_err_clear(&fn_err);
    fn_out = NULL;
    return f->impl(&fn_cx, args, 2, &fn_out, &fn_err);
}

static void test_object_contains_key(void **state)
{
    (void)state;
    const char *rec = "{\"evars\": {\"evar\": {\"field1\": 1, \"none\": null}}, \"list\": "
                      "[{\"x\": 1}, {\"y\": 2}], \"a.b\": true, \"名前\": {\"é\": 0}}";
    assert_int_equal(contains(rec, sv("evars.evar.field1")), SL_OK);
    assert_out("true");
    assert_int_equal(contains(rec, sv("evars.evar.field2")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(rec, sv("evars.evar.none")), SL_OK);
    assert_out("true");
    assert_int_equal(contains(rec, sv("evars.evar.field1.deeper")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(rec, sv("list[1].y")), SL_OK);
    assert_out("true");
    assert_int_equal(contains(rec, sv("list[0].y")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(rec, sv("list[2]")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(rec, sv("list[x]")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(rec, sv("list[99999999999999]")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(rec, sv("a\\.b")), SL_OK);
    assert_out("true");
    assert_int_equal(contains(rec, sv("a.b")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(rec, sv("名前.é")), SL_OK);
    assert_out("true");
    assert_int_equal(contains(rec, sv("")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(rec, sv("evars..evar")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(rec, sv("evars.")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(rec, sv(".evars")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(NULL, sv("evars")), SL_OK);
    assert_out("false");
    assert_int_equal(contains(rec, NUL), SL_OK);
    assert_out("null");
    assert_int_equal(contains(rec, jv("[\"evars\"]")), SL_EINVAL);
    assert_non_null(strstr(fn_err.msg, "contains_key: INPUT must be a string, not array"));
    /* Without the record there is nothing to look in. */
    EXPECT_ERROR("input record was not passed", "contains_key", sv("evars.evar.field1"));
}

static void test_object_nullify(void **state)
{
    (void)state;
    assert_int_equal(call_v("nullify", NULL, 0), SL_OK);
    assert_true(sl_val_is_null(fn_out));
}

static void test_object_get_keys(void **state)
{
    (void)state;
    EXPECT("[\"book1\", \"book2\"]", "get_keys",
           jv("{\"book1\": \"Pride and Prejudice\", \"book2\": \"1984\"}"));
    EXPECT("[]", "get_keys", jv("{}"));
    EXPECT("[\"ключ\", \"\"]", "get_keys", jv("{\"ключ\": 1, \"\": 2}"));
    EXPECT("null", "get_keys", NUL);
    EXPECT_ERROR("get_keys: OBJECT must be an object, not string \"abc\"", "get_keys", sv("abc"));
    EXPECT_ERROR("OBJECT must be an object, not array", "get_keys", jv("[\"a\"]"));
}

static void test_object_get_values(void **state)
{
    (void)state;
    const sl_val *s = sv("firstName - John , lastName - Cena , phone - 555 420 8692");
    EXPECT("\"John\"", "get_values", s, sv("firstName"), sv("-"), sv(","));
    EXPECT("\"Cena\"", "get_values", s, sv("lastName"), sv("-"), sv(","));
    EXPECT("\"555 420 8692\"", "get_values", s, sv("phone"), sv("-"));
    EXPECT("null", "get_values", s, sv("age"), sv("-"), sv(","));
    /* Null or empty delimiters are the defaults ":" and ",". */
    EXPECT("\"2\"", "get_values", sv("a:1,b:2"), sv("b"), NUL, NUL);
    EXPECT("\"2\"", "get_values", sv("a:1,b:2"), sv("b"), sv(""), sv(""));
    EXPECT("\"1\"", "get_values", sv("a:1,a:2"), sv(" a "), sv(":"));
    EXPECT("\"値 ü\"", "get_values", sv("名前:値 ü"), sv("名前"), sv(":"));
    EXPECT("\"\"", "get_values", sv("a:"), sv("a"), sv(":"));
    EXPECT("null", "get_values", sv(""), sv("a"), sv(":"));
    EXPECT("null", "get_values", NUL, sv("a"), sv(":"));
    EXPECT("null", "get_values", sv("a:1"), NUL, sv(":"));
    EXPECT_ERROR("get_values: KEY must be a string, not array", "get_values", sv("a:1"),
                 jv("[\"a\"]"), sv(":"));
    EXPECT_ERROR("VALUE_DELIMITER must be a string, not object", "get_values", sv("a:1"), sv("a"),
                 jv("{}"));
}

static void test_object_map_get_values(void **state)
{
    (void)state;
    EXPECT("{\"author\": \"George R. R. Martin\"}", "map_get_values", jv(book_details),
           sv("author"));
    /* Keys come back in the order asked, once each; missing keys are left out. */
    EXPECT("{\"price\": 17.99, \"author\": \"George R. R. Martin\"}", "map_get_values",
           jv(book_details), jv("[\"price\", \"nope\", \"author\", \"price\", null]"));
    EXPECT("{}", "map_get_values", jv(book_details), jv("[]"));
    EXPECT("{}", "map_get_values", jv(book_details), sv(""));
    EXPECT("{\"1\": \"one\", \"true\": \"yes\"}", "map_get_values",
           jv("{\"1\": \"one\", \"true\": \"yes\"}"), jv("[1, true]"));
    EXPECT("{\"é\": null}", "map_get_values", jv("{\"é\": null}"), sv("é"));
    EXPECT("null", "map_get_values", NUL, sv("author"));
    EXPECT_ERROR("map_get_values: MAP must be an object, not array", "map_get_values", jv("[]"),
                 sv("a"));
    EXPECT_ERROR("KEY[1] must be a string, not object", "map_get_values", jv(book_details),
                 jv("[\"author\", {}]"));
}

static void test_object_map_has_keys(void **state)
{
    (void)state;
    EXPECT("true", "map_has_keys", jv(book_details), sv("author"));
    EXPECT("false", "map_has_keys", jv(book_details), sv("publisher"));
    EXPECT("true", "map_has_keys", jv(book_details), jv("[\"publisher\", \"ISBN\"]"));
    EXPECT("false", "map_has_keys", jv(book_details), jv("[]"));
    EXPECT("true", "map_has_keys", jv("{\"ü\": null}"), sv("ü"));
    EXPECT("null", "map_has_keys", jv(book_details), NUL);
    EXPECT_ERROR("map_has_keys: MAP must be an object, not string \"x\"", "map_has_keys", sv("x"),
                 sv("x"));
    EXPECT_ERROR("KEY must be a string, not object", "map_has_keys", jv("{}"), jv("{}"));
}

static void test_object_add_to_map(void **state)
{
    (void)state;
    EXPECT("{\"author\": \"George R. R. Martin\", \"price\": 17.99, \"ISBN\": "
           "\"ISBN-978-0553801477\", \"publisher\": \"William Morrow\"}",
           "add_to_map", jv(book_details), jv(book_details2));
    EXPECT("{\"a\": 1, \"b\": 2, \"c\": 3}", "add_to_map", jv("{\"a\": 1}"), jv("{}"),
           jv("{\"b\": 2, \"a\": 9}"), jv("{\"c\": 3, \"b\": 8}"));
    EXPECT("{}", "add_to_map", jv("{}"), jv("{}"));
    EXPECT("{\"ключ\": \"é\"}", "add_to_map", jv("{\"ключ\": \"é\"}"), jv("{\"ключ\": 0}"));
    EXPECT("null", "add_to_map", jv("{}"), NUL);
    EXPECT_ERROR("add_to_map: MAP 2 must be an object, not integer 3", "add_to_map", jv("{}"),
                 iv(3));
}

static void test_object_object_to_map(void **state)
{
    (void)state;
    /* Syntax 1: pairs. */
    EXPECT("{\"firstName\": \"John\", \"lastName\": \"Doe\"}", "object_to_map", sv("firstName"),
           sv("John"), sv("lastName"), sv("Doe"));
    EXPECT("{\"1\": 2}", "object_to_map", iv(1), iv(2));
    /* Syntax 2: an object's own fields. */
    const char *address = "{\"line1\": \"345 park ave\", \"line2\": \"bldg 2\", \"City\": \"san "
                          "jose\", \"State\": \"CA\", \"type\": \"office\"}";
    EXPECT(address, "object_to_map", jv(address));
    EXPECT("{}", "object_to_map", jv("{}"));
    /* Syntax 3: keyed by an attribute of each element. */
    assert_int_equal(CALL("object_to_map", jv(addresses), sv("type")), SL_OK);
    assert_out("{\"home\": {\"line1\": \"345 park ave\", \"City\": \"san jose\", \"type\": "
               "\"home\"}, \"work\": {\"line1\": \"1 main st\", \"City\": \"austin\", \"type\": "
               "\"work\"}, \"office\": {\"line1\": \"2 bldg\", \"City\": \"sf\", \"type\": "
               "\"office\"}}");
    EXPECT("{}", "object_to_map", jv("[]"), sv("type"));
    EXPECT("null", "object_to_map", NUL);
    /* Errors name object_to_map, whichever syntax was read. */
    EXPECT_ERROR("object_to_map: with one argument, OBJECT must be an object, not string \"x\"",
                 "object_to_map", sv("x"));
    EXPECT_ERROR("object_to_map: needs key/value pairs", "object_to_map", sv("a"), iv(1), sv("b"));
    EXPECT_ERROR("object_to_map: INPUTS[1] must be an object, not integer 5", "object_to_map",
                 jv("[{\"type\": \"a\"}, 5]"), sv("type"));
    EXPECT_ERROR("object_to_map: INPUTS[0].type must be a string, not array", "object_to_map",
                 jv("[{\"type\": []}]"), sv("type"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_object_rows, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_is_empty, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_arrays_to_object, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_to_object, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_str_to_object, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_contains_key, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_nullify, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_get_keys, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_get_values, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_map_get_values, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_map_has_keys, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_add_to_map, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_object_object_to_map, fn_setup, fn_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
