/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_regex.c: the regular-expression functions, called through the catalogue. */
#include "fn_harness_text.h"

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
               sl_val_object_new(fn_arena, 0));
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
    return cmocka_run_group_tests(tests, fn_setup, fn_teardown);
}
