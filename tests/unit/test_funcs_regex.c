/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_regex.c: the regular-expression functions, called through the catalogue. */
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

static const sl_val *str(const char *s)
{
    return sl_val_str_c(arena, s);
}

static const sl_val *num(int64_t i)
{
    return sl_val_int(arena, i);
}

static const sl_val *dec(double d)
{
    return sl_val_double(arena, d);
}

#define NUL sl_val_null()

static const sl_val *arr_of(size_t n, const sl_val **items)
{
    sl_val *a = sl_val_array_new(arena, n);
    for (size_t i = 0; i < n; i++) {
        sl_val_array_push(arena, a, items[i]);
    }
    return a;
}

/* Call `name` as the evaluator does: arity checked, null arguments short-circuit to null
 * unless the row takes nulls. Returns the implementation's code; the value in *out. */
static int callv(const char *name, const sl_val **out, size_t nargs, const sl_val **args)
{
    const sl_func *f = sl_func_find(name, strlen(name));
    assert_non_null(f);
    assert_true((int)nargs >= f->min_args);
    assert_true(f->max_args == SL_FN_VARIADIC || (int)nargs <= f->max_args);
    sl_err_clear(&err);
    *out = NULL;
    if ((f->flags & SL_FN_TAKES_NULL) == 0) {
        for (size_t i = 0; i < nargs; i++) {
            if (sl_val_is_null(args[i])) {
                *out = sl_val_null();
                return SL_OK;
            }
        }
    }
    sl_fn_ctx cx = {.arena = arena, .now_ms = 0};
    int rc = f->impl(&cx, args, nargs, out, &err);
    if (rc == SL_OK) {
        assert_non_null(*out);
    }
    return rc;
}

/* The JSON text of `v` ("null" for null). */
static const char *json(const sl_val *v)
{
    if (sl_val_is_null(v)) {
        return "null";
    }
    json_object *j = sl_val_to_json(v);
    const char *s =
        json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *copy = sl_arena_strndup(arena, s, strlen(s));
    json_object_put(j);
    return copy;
}

static void expect_at(int line, const char *expected, const char *name, size_t nargs,
                      const sl_val **args)
{
    const sl_val *res = NULL;
    if (callv(name, &res, nargs, args) != SL_OK) {
        fail_msg("line %d: %s failed: %s", line, name, err.msg);
    }
    const char *got = json(res);
    if (strcmp(got, expected) != 0) {
        fail_msg("line %d: %s gave %s, expected %s", line, name, got, expected);
    }
}

static void expect_err_at(int line, const char *fragment, const char *name, size_t nargs,
                          const sl_val **args)
{
    const sl_val *res = NULL;
    int rc = callv(name, &res, nargs, args);
    if (rc != SL_EINVAL || err.code != SL_EINVAL) {
        fail_msg("line %d: %s gave %d (%s), expected SL_EINVAL", line, name, rc, json(res));
    }
    if (strstr(err.msg, fragment) == NULL) {
        fail_msg("line %d: message \"%s\" lacks \"%s\"", line, err.msg, fragment);
    }
}

#define ARGS(...)                                                                                  \
    sizeof((const sl_val *[]){__VA_ARGS__}) / sizeof(const sl_val *), (const sl_val *[])           \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }
/* ARR(items...): an array value; arr_of(0, NULL) is the empty one. */
#define ARR(...) arr_of(ARGS(__VA_ARGS__))
/* EXPECT(json, name, args...): the call succeeds with that value. */
#define EXPECT(expected, name, ...) expect_at(__LINE__, expected, name, ARGS(__VA_ARGS__))
/* EXPECT_ERR(fragment, name, args...): the call fails with SL_EINVAL, the message says that. */
#define EXPECT_ERR(fragment, name, ...) expect_err_at(__LINE__, fragment, name, ARGS(__VA_ARGS__))

static void test_funcs_regex_rows_are_documented(void **state)
{
    (void)state;
    size_t n = 0;
    for (const sl_func *f = sl_funcs_regex; f->name != NULL; f++, n++) {
        assert_string_equal(f->category, "Regular expression");
        assert_non_null(f->impl);
        assert_int_equal(f->min_args, 2);
        assert_int_equal(f->max_args, 2);
        assert_true(f->syntax[0] != '\0' && f->params[0] != '\0' && f->return_type[0] != '\0');
        assert_true(f->example[0] != '\0' && f->result[0] != '\0' && f->description[0] != '\0');
        assert_ptr_equal(sl_func_find(f->name, strlen(f->name)), f);
    }
    assert_int_equal(n, 2);
}

static void test_funcs_regex_extract(void **state)
{
    (void)state;
    EXPECT("[\"E259,E259B_009,1_1\",\"E259\",\"1_1\"]", "extract_regex", str("E259,E259B_009,1_1"),
           str("([^,]+),[^,]*,([^,]+)"));
    /* The first match anywhere in the string. */
    EXPECT("[\"2024-05\",\"2024\",\"05\"]", "extract_regex", str("on 2024-05 and 2025-06"),
           str("(\\d{4})-(\\d{2})"));
    EXPECT("[\"abc\"]", "extract_regex", str("xabcx"), str("abc"));
    EXPECT("null", "extract_regex", str("xyz"), str("(a)"));
    EXPECT("[\"\"]", "extract_regex", str(""), str(""));
    EXPECT("null", "extract_regex", str(""), str("a"));
    /* A group that does not take part is null. */
    EXPECT("[\"b\",null,\"b\"]", "extract_regex", str("b"), str("(a)?(b)"));
    EXPECT("[\"ab\",\"a\",\"b\"]", "extract_regex", str("ab"), str("(?<first>a)(?<second>b)"));
    /* Unicode: characters, classes and case-insensitive matching. */
    EXPECT("[\"éa\",\"é\"]", "extract_regex", str("zéa"), str("(.)a"));
    EXPECT("[\"日本\"]", "extract_regex", str("こんにちは日本"), str("日.$"));
    EXPECT("[\"ÉCOLE\"]", "extract_regex", str("l'ÉCOLE"), str("(?i)école"));
    EXPECT("[\"12\",\"1\"]", "extract_regex", num(12), str("(\\d)\\d"));
    EXPECT("null", "extract_regex", NUL, str("a"));
    EXPECT("null", "extract_regex", str("a"), NUL);
    EXPECT_ERR("extract_regex: REGEX \"([a-\" is not a valid regular expression at offset",
               "extract_regex", str("a"), str("([a-"));
    EXPECT_ERR("extract_regex: STRING must be a string, not array", "extract_regex",
               arr_of(0, NULL), str("a"));
    EXPECT_ERR("extract_regex: REGEX must be a string, not object", "extract_regex", str("a"),
               sl_val_object_new(arena, 0));
}

static void test_funcs_regex_matches(void **state)
{
    (void)state;
    EXPECT("true", "matches_regex", str("E259,E259B_009,1_1"), str("([^,]+),[^,]*,([^,]+)"));
    /* The whole string must match. */
    EXPECT("false", "matches_regex", str("xabcx"), str("abc"));
    EXPECT("true", "matches_regex", str("abc"), str("abc"));
    EXPECT("true", "matches_regex", str("abc"), str("a|abc"));
    EXPECT("false", "matches_regex", str("abc\n"), str("abc"));
    EXPECT("true", "matches_regex", str(""), str(""));
    EXPECT("true", "matches_regex", str(""), str("a*"));
    EXPECT("false", "matches_regex", str(""), str("a"));
    EXPECT("true", "matches_regex", str("user@example.com"), str("[^@]+@[^@]+\\.[a-z]{2,}"));
    EXPECT("true", "matches_regex", str("ü"), str("."));
    EXPECT("true", "matches_regex", str("日本語"), str("\\p{Han}{3}"));
    EXPECT("true", "matches_regex", num(2024), str("\\d{4}"));
    EXPECT("true", "matches_regex", dec(2.5), str("2\\.5"));
    EXPECT("true", "matches_regex", sl_val_true(), str("t.*"));
    EXPECT("null", "matches_regex", NUL, str("a"));
    EXPECT("null", "matches_regex", str("a"), NUL);
    EXPECT_ERR("matches_regex: REGEX \"*\" is not a valid regular expression", "matches_regex",
               str("a"), str("*"));
    EXPECT_ERR("matches_regex: STRING must be a string, not array", "matches_regex",
               arr_of(0, NULL), str("a"));
}

static void test_funcs_regex_limits_end_catastrophic_patterns(void **state)
{
    (void)state;
    char subject[64];
    memset(subject, 'a', sizeof(subject) - 2);
    subject[sizeof(subject) - 2] = '!';
    subject[sizeof(subject) - 1] = '\0';
    EXPECT_ERR("matches_regex: matching REGEX failed", "matches_regex", str(subject), str("(a+)+"));
    EXPECT_ERR("extract_regex: matching REGEX failed", "extract_regex", str(subject),
               str("(a+)+$"));
    /* \C would split UTF-8 characters; it is refused. */
    EXPECT_ERR("is not a valid regular expression", "matches_regex", str("a"), str("\\C"));
}

static void test_funcs_regex_invalid_utf8_subject(void **state)
{
    (void)state;
    EXPECT("true", "matches_regex", str("a\xff"), str("a.*"));
    EXPECT("[\"b\"]", "extract_regex",
           str("\xff"
               "b"),
           str("b"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_funcs_regex_rows_are_documented),
        cmocka_unit_test(test_funcs_regex_extract),
        cmocka_unit_test(test_funcs_regex_matches),
        cmocka_unit_test(test_funcs_regex_limits_end_catastrophic_patterns),
        cmocka_unit_test(test_funcs_regex_invalid_utf8_subject),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
