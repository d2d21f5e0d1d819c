/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_aggregation.c: min and max over numbers, strings, date-times and
 * booleans, and the errors for kinds that do not compare. */
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
static int last_rc;

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

/* Calls row `name` as the evaluator does: arity checked, and a call with a null argument is
 * null without calling the implementation unless the row takes nulls. The result, or NULL on
 * an error (last_rc and err say which). */
static const sl_val *call_v(const char *name, const sl_val *const *args, size_t n)
{
    const sl_func *f = sl_func_find(name, strlen(name));
    if (f == NULL) {
        fail_msg("no function %s", name);
        return NULL;
    }
    assert_true((int)n >= f->min_args);
    assert_true(f->max_args == SL_FN_VARIADIC || (int)n <= f->max_args);
    memset(&err, 0, sizeof(err));
    last_rc = SL_OK;
    for (size_t i = 0; (f->flags & SL_FN_TAKES_NULL) == 0 && i < n; i++) {
        if (sl_val_is_null(args[i])) {
            return sl_val_null();
        }
    }
    sl_fn_ctx cx = {.arena = arena, .now_ms = INT64_C(1635243024000)};
    const sl_val *out = NULL;
    last_rc = f->impl(&cx, args, n, &out, &err);
    if (last_rc != SL_OK) {
        assert_int_equal(last_rc, SL_EINVAL);
        return NULL;
    }
    assert_non_null(out);
    return out;
}

#define ARGS(...)                                                                                  \
    (const sl_val *[])                                                                             \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }
#define CALL(name, ...)                                                                            \
    call_v(name, ARGS(__VA_ARGS__), sizeof(ARGS(__VA_ARGS__)) / sizeof(const sl_val *))
#define CALL0(name) call_v(name, NULL, 0)

#define S(s) sl_val_str_c(arena, s)
#define I(i) sl_val_int(arena, i)
#define D(d) sl_val_double(arena, d)
#define NUL  sl_val_null()

static const sl_val *ok(const sl_val *v)
{
    if (v == NULL) {
        fail_msg("unexpected error: %s", err.msg);
    }
    return v;
}

static void check_str(const sl_val *v, const char *want)
{
    v = ok(v);
    assert_int_equal(v->type, SL_VAL_STRING);
    assert_string_equal(v->u.s.ptr, want);
    assert_int_equal(v->u.s.len, strlen(want));
}

static void check_iso(const sl_val *v, const char *want)
{
    char buf[64];
    v = ok(v);
    assert_int_equal(v->type, SL_VAL_DATETIME);
    assert_string_equal(sl_datetime_iso(&v->u.dt, buf, sizeof(buf)), want);
}

static void check_int(const sl_val *v, int64_t want)
{
    v = ok(v);
    assert_int_equal(v->type, SL_VAL_INT);
    assert_int_equal(v->u.i, want);
}

static void check_null(const sl_val *v)
{
    assert_non_null(v);
    assert_true(sl_val_is_null(v));
}

/* An error whose message names the function and contains `part`. */
static void check_err(const sl_val *v, const char *fn, const char *part)
{
    if (v != NULL) {
        fail_msg("expected an error containing '%s'", part);
    }
    assert_int_equal(last_rc, SL_EINVAL);
    assert_int_equal(strncmp(err.msg, fn, strlen(fn)), 0);
    if (strstr(err.msg, part) == NULL) {
        fail_msg("message '%s' lacks '%s'", err.msg, part);
    }
}

static void test_aggregation_rows_documented(void **state)
{
    static const char *const names[] = {"min", "max"};
    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const sl_func *f = sl_func_find(names[i], strlen(names[i]));
        assert_non_null(f);
        assert_string_equal(f->category, "Aggregation");
        assert_non_null(f->impl);
        assert_true(f->syntax != NULL && f->syntax[0] != '\0');
        assert_non_null(f->params);
        assert_true(f->return_type != NULL && f->return_type[0] != '\0');
        assert_true(f->example != NULL && f->example[0] != '\0');
        assert_true(f->result != NULL && f->result[0] != '\0');
        assert_true(f->description != NULL && f->description[0] != '\0');
        /* The API splits params on ';' into NAME: description. */
        char buf[1024];
        (void)snprintf(buf, sizeof(buf), "%s", f->params);
        char *save = NULL;
        for (char *p = strtok_r(buf, ";", &save); p != NULL; p = strtok_r(NULL, ";", &save)) {
            assert_non_null(strchr(p, ':'));
        }
    }
}

static const sl_val *dt(const char *iso)
{
    sl_datetime d;
    assert_true(sl_datetime_parse_iso(iso, strlen(iso), &d));
    return sl_val_datetime(arena, &d);
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
    sl_val *arr = sl_val_array_new(arena, 2);
    sl_val_array_push(arena, arr, I(1));
    sl_val_array_push(arena, arr, I(2));
    check_err(CALL("min", arr), "min", "cannot compare array with array");
    check_err(CALL("max", I(1), arr), "max", "integer 1 with array");
    check_err(CALL("max", sl_val_object_new(arena, 1), I(1)), "max", "object");
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
    return cmocka_run_group_tests(tests, setup, teardown);
}
