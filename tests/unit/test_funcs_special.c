/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_special.c: uuid/guid (version-4 form, fresh on every call) and
 * fpid_to_ecid, listed but refused. */
#include "fn_harness_check.h"

static void test_special_rows_documented(void **state)
{
    static const char *const names[] = {"uuid", "guid", "fpid_to_ecid"};
    (void)state;
    check_named_rows(names, sizeof(names) / sizeof(names[0]), "Special operations");
}

/* Lower-case 8-4-4-4-12 hex, version 4, variant 10xx. */
static void check_uuid(const sl_val *v)
{
    v = ok(v);
    assert_int_equal(v->type, SL_VAL_STRING);
    assert_int_equal(v->u.s.len, 36);
    const char *s = v->u.s.ptr;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            assert_int_equal(s[i], '-');
        } else {
            assert_non_null(strchr("0123456789abcdef", s[i]));
        }
    }
    assert_int_equal(s[14], '4');
    assert_non_null(strchr("89ab", s[19]));
}

static void test_special_uuid(void **state)
{
    (void)state;
    const sl_func *u = sl_func_find("uuid", 4);
    const sl_func *g = sl_func_find("guid", 4);
    assert_non_null(u);
    assert_non_null(g);
    assert_ptr_equal(u->impl, g->impl);
    assert_true(u->flags & SL_FN_VOLATILE);
    assert_true(g->flags & SL_FN_VOLATILE);
    assert_int_equal(u->min_args, 0);
    assert_int_equal(u->max_args, 0);
    assert_string_equal(u->result, "7c0267d2-bb74-4e1a-9275-3bf4fccda5f4");
    assert_string_equal(g->result, "c7016dc7-3163-43f7-afc7-2e1c9c206333");
    /* Every call is new: 64 calls, all different, all well-formed. */
    const char *seen[64];
    for (size_t i = 0; i < 64; i++) {
        const sl_val *v = i % 2 == 0 ? CALL0("uuid") : CALL0("guid");
        check_uuid(v);
        seen[i] = v->u.s.ptr;
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(seen[i], seen[j]);
        }
    }
}

static void test_special_fpid_to_ecid_refused(void **state)
{
    (void)state;
    const sl_func *f = sl_func_find("fpid_to_ecid", 12);
    assert_non_null(f);
    assert_true(f->flags & SL_FN_UNSUPPORTED);
    assert_int_equal(f->min_args, 1);
    assert_int_equal(f->max_args, 1);
    assert_non_null(strstr(f->description, "does not support fpid_to_ecid"));
    check_err(CALL("fpid_to_ecid", S("4ed70bee-b654-420a-a3fd-b58b6b65e991")), "fpid_to_ecid",
              "not supported");
    check_err(CALL("fpid_to_ecid", S("")), "fpid_to_ecid", "not supported");
    check_null(CALL("fpid_to_ecid", NUL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_special_rows_documented),
        cmocka_unit_test(test_special_uuid),
        cmocka_unit_test(test_special_fpid_to_ecid_refused),
    };
    return cmocka_run_group_tests(tests, fn_setup, fn_teardown);
}
