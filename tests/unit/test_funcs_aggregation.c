/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_aggregation.c: min and max over numbers, strings, date-times and
 * booleans, and the errors for kinds that do not compare. */
#include "fn_harness_check.h"

static void test_aggregation_rows_documented(void **state)
{
    static const char *const names[] = {"min", "max"};
    (void)state;
    check_named_rows(names, sizeof(names) / sizeof(names[0]), "Aggregation");
}

static const sl_val *dt(const char *iso)
{
    sl_datetime d;
    assert_true(sl_datetime_parse_iso(iso, strlen(iso), &d));
    return sl_val_datetime(fn_arena, &d);
}

static void test_aggregation_documented(void **state)
{
    (void)state;
    check_int(CALL("min", I(3), I(1), I(4)), 1);
    check_int(CALL("max", I(3), I(1), I(4)), 4);
    assert_int_equal(sl_func_find("min", 3)->min_args, 1);
    assert_int_equal(sl_func_find("max", 3)->max_args, SL_FN_VARIADIC);
}

static void test_aggregation_numbers(void **state)
{
    (void)state;
    check_int(CALL("min", I(5)), 5);
    check_int(CALL("max", I(-5)), -5);
    check_int(CALL("min", I(INT64_MIN), I(INT64_MAX)), INT64_MIN);
    check_int(CALL("max", I(INT64_MIN), I(INT64_MAX)), INT64_MAX);
    /* Integers and decimals mix; the winner keeps its type. */
    const sl_val *v = ok(CALL("min", I(3), D(1.5), I(2)));
    assert_int_equal(v->type, SL_VAL_DOUBLE);
    assert_true(v->u.d == 1.5);
    check_int(CALL("max", I(3), D(2.5), I(-2)), 3);
    /* Of equal values the first is returned. */
    check_int(CALL("max", I(2), D(2.0)), 2);
    v = ok(CALL("min", D(2.0), I(2)));
    assert_int_equal(v->type, SL_VAL_DOUBLE);
}

static void test_aggregation_strings_dates_booleans(void **state)
{
    (void)state;
    check_str(CALL("min", S("b"), S("a"), S("c")), "a");
    check_str(CALL("max", S("b"), S("a"), S("c")), "c");
    check_str(CALL("min", S(""), S("a")), "");
    check_str(CALL("max", S("ab"), S("a")), "ab");
    /* Code point order: upper case before lower, accented letters after z. */
    check_str(CALL("min", S("a"), S("B")), "B");
    check_str(CALL("max", S("z"), S("é"), S("y")), "é");
    check_str(CALL("max", S("日本"), S("中国")), "日本");
    check_iso(CALL("min", dt("2021-01-01T00:00:00Z"), dt("2020-12-31T23:00:00-02:00"),
                   dt("2021-01-01T00:30:00+01:00")),
              "2021-01-01T00:30:00+01:00");
    check_iso(CALL("max", dt("2021-01-01T00:00:00Z"), dt("2021-01-01T00:00:00.5Z")),
              "2021-01-01T00:00:00.500Z");
    const sl_val *v = ok(CALL("min", sl_val_true(), sl_val_false()));
    assert_false(v->u.b);
    v = ok(CALL("max", sl_val_false(), sl_val_true()));
    assert_true(v->u.b);
}

static void test_aggregation_nulls_and_errors(void **state)
{
    (void)state;
    check_null(CALL("min", I(1), NUL, I(0)));
    check_null(CALL("max", NUL));
    check_err(CALL("min", I(1), S("a")), "min", "cannot compare integer 1 with string \"a\"");
    check_err(CALL("max", S("a"), D(2.5)), "max", "cannot compare string \"a\" with decimal 2.5");
    check_err(CALL("min", S("1"), I(2)), "min", "string \"1\" with integer 2");
    check_err(CALL("max", sl_val_true(), I(1)), "max", "boolean true with integer 1");
    check_err(CALL("min", dt("2021-01-01T00:00:00Z"), S("2021-01-01")), "min",
              "date-time 2021-01-01T00:00:00Z with string");
    sl_val *arr = sl_val_array_new(fn_arena, 2);
    sl_val_array_push(fn_arena, arr, I(1));
    sl_val_array_push(fn_arena, arr, I(2));
    check_err(CALL("min", arr), "min", "cannot compare array with array");
    check_err(CALL("max", I(1), arr), "max", "integer 1 with array");
    check_err(CALL("max", sl_val_object_new(fn_arena, 1), I(1)), "max", "object");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aggregation_rows_documented),
        cmocka_unit_test(test_aggregation_documented),
        cmocka_unit_test(test_aggregation_numbers),
        cmocka_unit_test(test_aggregation_strings_dates_booleans),
        cmocka_unit_test(test_aggregation_nulls_and_errors),
    };
    return cmocka_run_group_tests(tests, fn_setup, fn_teardown);
}
