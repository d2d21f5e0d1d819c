/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_logical.c: decode and iif, called the way the evaluator calls them
 * (iif also directly, as when the evaluator does not short-circuit it). */
#include "fn_harness_check.h"

static void test_logical_rows_documented(void **state)
{
    static const char *const names[] = {"decode", "iif"};
    (void)state;
    check_named_rows(names, sizeof(names) / sizeof(names[0]), "Logical operators");
}

static void test_logical_decode_documented(void **state)
{
    (void)state;
    static const char *const opts[] = {"ca", "California", "pa", "Pennsylvania", "N/A"};
    const sl_val *o[5];
    for (size_t i = 0; i < 5; i++) {
        o[i] = S(opts[i]);
    }
    check_str(CALL("decode", S("ca"), o[0], o[1], o[2], o[3], o[4]), "California");
    check_str(CALL("decode", S("pa"), o[0], o[1], o[2], o[3], o[4]), "Pennsylvania");
    check_str(CALL("decode", S("ny"), o[0], o[1], o[2], o[3], o[4]), "N/A");
    /* Without a default, no match is null. */
    check_null(CALL("decode", S("ny"), o[0], o[1], o[2], o[3]));
    check_str(CALL("decode", S("pa"), o[0], o[1], o[2], o[3]), "Pennsylvania");
    /* KEY and a lone default. */
    check_str(CALL("decode", S("ca"), S("default")), "default");
}

static void test_logical_decode_values(void **state)
{
    (void)state;
    const sl_func *f = sl_func_find("decode", 6);
    assert_int_equal(f->min_args, 2);
    assert_int_equal(f->max_args, SL_FN_VARIADIC);
    assert_true(f->flags & SL_FN_TAKES_NULL);
    /* Case matters. */
    check_str(CALL("decode", S("CA"), S("ca"), S("x"), S("d")), "d");
    /* Empty strings and unicode compare as bytes. */
    check_str(CALL("decode", S(""), S("a"), S("A"), S(""), S("empty"), S("d")), "empty");
    check_str(CALL("decode", S("Zürich"), S("Zurich"), S("no"), S("Zürich"), S("ZH")), "ZH");
    /* Numbers compare by value, but a string is not a number. */
    check_str(CALL("decode", I(1), D(1.0), S("one"), S("d")), "one");
    check_str(CALL("decode", S("1"), I(1), S("one"), S("d")), "d");
    check_str(CALL("decode", sl_val_true(), sl_val_false(), S("no"), sl_val_true(), S("yes")),
              "yes");
    /* A null key matches a null option and nothing else. */
    check_str(CALL("decode", NUL, S("ca"), S("x"), S("N/A")), "N/A");
    check_str(CALL("decode", NUL, NUL, S("was null"), S("other")), "was null");
    check_str(CALL("decode", S("ca"), NUL, S("was null"), S("ca"), S("x")), "x");
    /* Values can be anything, null included; the first matching key wins. */
    check_null(CALL("decode", S("a"), S("a"), NUL, S("d")));
    check_int(CALL("decode", S("a"), S("a"), I(1), S("a"), I(2)), 1);
    check_null(CALL("decode", S("a"), S("b"), S("c"), NUL));
    sl_val *arr = sl_val_array_new(fn_arena, 2);
    sl_val_array_push(fn_arena, arr, I(1));
    sl_val *arr2 = sl_val_array_new(fn_arena, 2);
    sl_val_array_push(fn_arena, arr2, I(1));
    const sl_val *v = ok(CALL("decode", arr, arr2, S("same"), S("d")));
    assert_string_equal(v->u.s.ptr, "same");
}

static void test_logical_iif(void **state)
{
    (void)state;
    const sl_func *f = sl_func_find("iif", 3);
    assert_non_null(f);
    assert_int_equal(f->min_args, 3);
    assert_int_equal(f->max_args, 3);
    assert_true(f->flags & SL_FN_TAKES_NULL);
    /* The documented example's condition, "s".equalsIgnoreCase("S"), is true. */
    check_str(CALL("iif", sl_val_true(), S("True"), S("False")), "True");
    check_str(CALL("iif", sl_val_false(), S("True"), S("False")), "False");
    /* A null condition is false; null branches are returned as they are. */
    check_str(CALL("iif", NUL, S("True"), S("False")), "False");
    check_null(CALL("iif", sl_val_true(), NUL, S("x")));
    check_null(CALL("iif", sl_val_false(), S("x"), NUL));
    /* Boolean strings of the type-conversion rules. */
    check_str(CALL("iif", S("yes"), S("T"), S("F")), "T");
    check_str(CALL("iif", S("ON"), S("T"), S("F")), "T");
    check_str(CALL("iif", S("off"), S("T"), S("F")), "F");
    check_str(CALL("iif", S("N"), S("T"), S("F")), "F");
    check_int(CALL("iif", sl_val_true(), I(1), S("F")), 1);
    /* The language's truth rule, as the evaluator applies it when it short-circuits. */
    check_str(CALL("iif", I(1), S("T"), S("F")), "T");
    check_str(CALL("iif", I(0), S("T"), S("F")), "F");
    check_str(CALL("iif", D(0.0), S("T"), S("F")), "F");
    check_str(CALL("iif", D(-0.5), S("T"), S("F")), "T");
    check_str(CALL("iif", S(""), S("T"), S("F")), "F");
    check_str(CALL("iif", S("maybe"), S("T"), S("F")), "T");
    check_str(CALL("iif", S("ü"), S("T"), S("F")), "T");
    check_str(CALL("iif", sl_val_array_new(fn_arena, 1), S("T"), S("F")), "F");
    sl_val *obj = sl_val_object_new(fn_arena, 1);
    check_str(CALL("iif", obj, S("T"), S("F")), "F");
    sl_val_object_set(fn_arena, obj, "k", 1, I(0));
    check_str(CALL("iif", obj, S("T"), S("F")), "T");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logical_rows_documented),
        cmocka_unit_test(test_logical_decode_documented),
        cmocka_unit_test(test_logical_decode_values),
        cmocka_unit_test(test_logical_iif),
    };
    return cmocka_run_group_tests(tests, fn_setup, fn_teardown);
}
