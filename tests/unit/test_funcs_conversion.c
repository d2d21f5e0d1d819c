/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_conversion.c: the type conversions, called through the catalogue. */
#include "fn_harness_text.h"

static void test_funcs_conversion_rows_are_documented(void **state)
{
    (void)state;
    size_t n = 0;
    for (const sl_func *f = sl_funcs_conversion; f->name != NULL; f++, n++) {
        assert_string_equal(f->category, "Type conversions");
        assert_int_equal(f->min_args, 1);
        assert_int_equal(f->max_args, 1);
        assert_true(f->syntax[0] != '\0' && f->params[0] != '\0' && f->return_type[0] != '\0');
        assert_true(f->example[0] != '\0' && f->result[0] != '\0' && f->description[0] != '\0');
        assert_ptr_equal(sl_func_find(f->name, strlen(f->name)), f);
    }
    assert_int_equal(n, 4);
}

static void test_funcs_conversion_to_integer(void **state)
{
    (void)state;
    EXPECT("12", "to_integer", str("12"));
    EXPECT("-12", "to_integer", str("-12"));
    EXPECT("12", "to_integer", str("+12"));
    EXPECT("7", "to_integer", str("007"));
    EXPECT("2147483647", "to_integer", str("2147483647"));
    EXPECT("-2147483648", "to_integer", str("-2147483648"));
    EXPECT("5", "to_integer", num(5));
    EXPECT("3", "to_integer", dec(3.0));
    EXPECT("null", "to_integer", NUL);
    EXPECT_ERR("to_integer: \"forty\" is not an integer", "to_integer", str("forty"));
    EXPECT_ERR("to_integer: \"\" is not an integer", "to_integer", str(""));
    EXPECT_ERR("to_integer: \"12.5\" is not an integer", "to_integer", str("12.5"));
    EXPECT_ERR("to_integer: \" 12\" is not an integer", "to_integer", str(" 12"));
    EXPECT_ERR("to_integer: \"１２\" is not an integer", "to_integer", str("１２"));
    EXPECT_ERR("to_integer: \"0x1F\" is not an integer", "to_integer", str("0x1F"));
    EXPECT_ERR("to_integer: 2147483648 is out of range for an integer", "to_integer",
               str("2147483648"));
    EXPECT_ERR("to_integer: -2147483649 is out of range", "to_integer", str("-2147483649"));
    EXPECT_ERR("to_integer: 99999999999999999999999 is out of range", "to_integer",
               str("99999999999999999999999"));
    EXPECT_ERR("to_integer: 4294967296 is out of range", "to_integer", num(4294967296));
    EXPECT_ERR("to_integer: 2.5 is not an integer", "to_integer", dec(2.5));
    EXPECT_ERR("to_integer: STRING must be a string or a number, not boolean", "to_integer",
               sl_val_true());
    EXPECT_ERR("to_integer: STRING must be a string or a number, not array", "to_integer",
               arr_of(0, NULL));
}

static void test_funcs_conversion_to_bigint(void **state)
{
    (void)state;
    EXPECT("1000000.34", "to_bigint", str("1000000.34"));
    EXPECT("12", "to_bigint", str("12"));
    EXPECT("9223372036854775807", "to_bigint", str("9223372036854775807"));
    EXPECT("-9223372036854775808", "to_bigint", str("-9223372036854775808"));
    EXPECT("1613063089000", "to_bigint", str("1613063089000"));
    EXPECT("12", "to_bigint", str("12.0"));
    EXPECT("1000", "to_bigint", str("1e3"));
    EXPECT("-0.5", "to_bigint", str("-.5"));
    EXPECT("42", "to_bigint", num(42));
    EXPECT("2.5", "to_bigint", dec(2.5));
    EXPECT("4", "to_bigint", dec(4.0));
    EXPECT("null", "to_bigint", NUL);
    EXPECT_ERR("to_bigint: \"9223372036854775808\" is out of range for a 64-bit integer",
               "to_bigint", str("9223372036854775808"));
    EXPECT_ERR("to_bigint: 1e30 is out of range for a 64-bit integer", "to_bigint", str("1e30"));
    EXPECT_ERR("to_bigint: \"1e999\" is out of range for a number", "to_bigint", str("1e999"));
    EXPECT_ERR("to_bigint: \"abc\" is not a number", "to_bigint", str("abc"));
    EXPECT_ERR("to_bigint: \"1,000\" is not a number", "to_bigint", str("1,000"));
    EXPECT_ERR("to_bigint: \"\" is not a number", "to_bigint", str(""));
    EXPECT_ERR("to_bigint: \"NaN\" is not a number", "to_bigint", str("NaN"));
    EXPECT_ERR("to_bigint: STRING must be a string or a number, not object", "to_bigint",
               sl_val_object_new(fn_arena, 0));
}

static void test_funcs_conversion_to_decimal(void **state)
{
    (void)state;
    EXPECT("20.5", "to_decimal", str("20.5"));
    EXPECT("12.0", "to_decimal", str("12"));
    EXPECT("-0.25", "to_decimal", str(" -0.25\n"));
    EXPECT("20.5", "to_decimal", str("2.05e1"));
    EXPECT("0.1", "to_decimal", str(".1"));
    EXPECT("5.0", "to_decimal", str("5."));
    EXPECT("7.0", "to_decimal", num(7));
    EXPECT("1.5", "to_decimal", dec(1.5));
    EXPECT("null", "to_decimal", NUL);
    EXPECT_ERR("to_decimal: \"20,5\" is not a number", "to_decimal", str("20,5"));
    EXPECT_ERR("to_decimal: \"Infinity\" is not a number", "to_decimal", str("Infinity"));
    EXPECT_ERR("to_decimal: \"nan\" is not a number", "to_decimal", str("nan"));
    EXPECT_ERR("to_decimal: \"0x10\" is not a number", "to_decimal", str("0x10"));
    EXPECT_ERR("to_decimal: \"1e\" is not a number", "to_decimal", str("1e"));
    EXPECT_ERR("to_decimal: \".\" is not a number", "to_decimal", str("."));
    EXPECT_ERR("to_decimal: \"  \" is not a number", "to_decimal", str("  "));
    EXPECT_ERR("to_decimal: \"1e999\" is out of range for a decimal", "to_decimal", str("1e999"));
    EXPECT_ERR("to_decimal: STRING must be a string or a number, not boolean", "to_decimal",
               sl_val_false());
}

static void test_funcs_conversion_to_float(void **state)
{
    (void)state;
    EXPECT("12.3456", "to_float", str("12.3456"));
    EXPECT("0.1", "to_float", str("0.1"));
    EXPECT("3.0", "to_float", str("3"));
    /* Float precision: the nearest float to 0.123456789 prints as 0.12345679. */
    EXPECT("0.12345679", "to_float", str("0.123456789"));
    EXPECT("16777216.0", "to_float", str("16777217"));
    EXPECT("1.5", "to_float", dec(1.5));
    EXPECT("12.3456", "to_float", dec(12.3456));
    EXPECT("100.0", "to_float", num(100));
    EXPECT("-2.5", "to_float", str("\t-2.5 "));
    EXPECT("null", "to_float", NUL);
    EXPECT_ERR("to_float: \"1e39\" is out of range for a float", "to_float", str("1e39"));
    EXPECT_ERR("is out of range for a float", "to_float", dec(1e300));
    EXPECT_ERR("to_float: \"twelve\" is not a number", "to_float", str("twelve"));
    EXPECT_ERR("to_float: STRING must be a string or a number, not array", "to_float",
               ARR(str("1")));
}

int main(void)
{
    fn_text_short_doubles = true;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_funcs_conversion_rows_are_documented),
        cmocka_unit_test(test_funcs_conversion_to_integer),
        cmocka_unit_test(test_funcs_conversion_to_bigint),
        cmocka_unit_test(test_funcs_conversion_to_decimal),
        cmocka_unit_test(test_funcs_conversion_to_float),
    };
    return cmocka_run_group_tests(tests, fn_setup, fn_teardown);
}
