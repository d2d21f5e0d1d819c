/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_string.c: the string functions, called through the catalogue. */
#include "fn_harness_text.h"

/* Every row of the family documents itself. */
static void test_funcs_string_rows_are_documented(void **state)
{
    (void)state;
    size_t n = 0;
    for (const sl_func *f = sl_funcs_string; f->name != NULL; f++, n++) {
        assert_string_equal(f->category, "String");
        assert_non_null(f->impl);
        assert_true(f->syntax != NULL && f->syntax[0] != '\0');
        assert_true(f->params != NULL && f->params[0] != '\0');
        assert_true(f->return_type != NULL && f->return_type[0] != '\0');
        assert_true(f->example != NULL && f->example[0] != '\0');
        assert_true(f->result != NULL && f->result[0] != '\0');
        assert_true(f->description != NULL && f->description[0] != '\0');
        assert_ptr_equal(sl_func_find(f->name, strlen(f->name)), f);
    }
    assert_int_equal(n, 20); /* 18 TSV rows, lower/lcase and upper/ucase as two rows each */
}

static void test_funcs_string_concat(void **state)
{
    (void)state;
    EXPECT("\"Hi, there!\"", "concat", str("Hi, "), str("there"), str("!"));
    EXPECT("\"ab\"", "concat", str("a"), str("b"));
    EXPECT("\"\"", "concat", str(""), str(""));
    EXPECT("\"x1true2.5\"", "concat", str("x"), num(1), sl_val_true(), dec(2.5));
    EXPECT("\"héllo wörld\"", "concat", str("héllo"), str(" wörld"));
    EXPECT("null", "concat", str("a"), NUL);
    EXPECT_ERR("concat: STRING must be a string, not array", "concat", str("a"), ARR(str("b")));
    EXPECT_ERR("not object", "concat", str("a"), sl_val_object_new(fn_arena, 0));
    const sl_func *f = sl_func_find("concat", 6);
    assert_int_equal(f->min_args, 2);
    assert_int_equal(f->max_args, SL_FN_VARIADIC);
}

static void test_funcs_string_explode(void **state)
{
    (void)state;
    EXPECT("[\"Hi,\",\"there!\"]", "explode", str("Hi, there!"), str(" "));
    EXPECT("[\"a\",\"b\",\"c\"]", "explode", str("a,b,c"));
    EXPECT("[\"a\",\"\",\"b\",\"\"]", "explode", str("a,,b,"), str(","));
    EXPECT("[\"\",\"a\"]", "explode", str(",a"), str(","));
    EXPECT("[\"\"]", "explode", str(""), str(","));
    EXPECT("[\"abc\"]", "explode", str("abc"), str(","));
    EXPECT("[\"a\",\"b\"]", "explode", str("a||b"), str("\\|\\|"));
    EXPECT("[\"id1\",\"id2\"]", "explode", str("id1|id2"), str("\\|"));
    EXPECT("[\"a\",\"b\",\"c\"]", "explode", str("a1b22c"), str("[0-9]+"));
    /* Zero-width matches: no empty part at the start, one character at a time. */
    EXPECT("[\"a\",\"b\",\"c\",\"\"]", "explode", str("abc"), str(""));
    EXPECT("[\"é\",\"ß\",\"\"]", "explode", str("éß"), str(""));
    EXPECT("[\"日本\",\"語\"]", "explode", str("日本・語"), str("・"));
    EXPECT("[\"1\",\"2\"]", "explode", num(102), str("0"));
    EXPECT("null", "explode", NUL, str(","));
    EXPECT("null", "explode", str("a"), NUL);
    EXPECT_ERR("explode: REGEX \"(\" is not a valid regular expression", "explode", str("a"),
               str("("));
    EXPECT_ERR("REGEX must be a string, not array", "explode", str("a"), arr_of(0, NULL));
}

static void test_funcs_string_explode_catastrophic_regex_fails(void **state)
{
    (void)state;
    char subject[64];
    memset(subject, 'a', sizeof(subject) - 2);
    subject[sizeof(subject) - 2] = '!';
    subject[sizeof(subject) - 1] = '\0';
    EXPECT_ERR("explode: matching REGEX failed", "explode", str(subject), str("(a+)+$"));
}

static void test_funcs_string_instr(void **state)
{
    (void)state;
    EXPECT("6", "instr", str("adobe.com"), str("com"));
    EXPECT("-1", "instr", str("adobe.com"), str("org"));
    EXPECT("0", "instr", str("adobe.com"), str("a"));
    EXPECT("0", "instr", str("abc"), str(""));
    EXPECT("2", "instr", str("abc"), str(""), num(2));
    EXPECT("-1", "instr", str(""), str("a"));
    /* START_POSITION and OCCURRENCE */
    EXPECT("4", "instr", str("abcabc"), str("bc"), num(2));
    EXPECT("4", "instr", str("abcabc"), str("bc"), num(0), num(2));
    EXPECT("-1", "instr", str("abcabc"), str("bc"), num(0), num(3));
    EXPECT("-1", "instr", str("abc"), str("a"), num(10));
    EXPECT("1", "instr", str("aaa"), str("aa"), num(0), num(2)); /* overlapping */
    /* Character positions, not bytes. */
    EXPECT("3", "instr", str("héllo"), str("lo"));
    EXPECT("2", "instr", str("日本語です"), str("語"));
    EXPECT("2", "instr", str("12345"), num(3));
    EXPECT("null", "instr", NUL, str("a"));
    EXPECT_ERR("instr: START_POSITION must be 0 or more, not -1", "instr", str("a"), str("a"),
               num(-1));
    EXPECT_ERR("instr: OCCURRENCE must be 1 or more, not 0", "instr", str("a"), str("a"), num(0),
               num(0));
    EXPECT_ERR("instr: START_POSITION must be an integer, not \"x\"", "instr", str("a"), str("a"),
               str("x"));
}

static void test_funcs_string_replacestr(void **state)
{
    (void)state;
    EXPECT("\"This is a string replace test\"", "replacestr", str("This is a string re test"),
           str("re"), str("replace"));
    EXPECT("\"x-x-x\"", "replacestr", str("a-a-a"), str("a"), str("x"));
    EXPECT("\"bb\"", "replacestr", str("aaaa"), str("aa"), str("b"));
    EXPECT("\"---\"", "replacestr", str("a-a-a-"), str("a"), str(""));
    EXPECT("\"\"", "replacestr", str(""), str("a"), str("b"));
    EXPECT("\"abc\"", "replacestr", str("abc"), str(""), str("x"));
    EXPECT("\"abc\"", "replacestr", str("abc"), str("z"), str("x"));
    EXPECT("\"crème brûlée\"", "replacestr", str("creme brulee"), str("creme brulee"),
           str("crème brûlée"));
    EXPECT("\"1x3\"", "replacestr", num(123), num(2), str("x"));
    EXPECT("null", "replacestr", str("a"), NUL, str("b"));
    EXPECT_ERR("replacestr: TO_REPLACE must be a string, not array", "replacestr", str("a"),
               str("a"), arr_of(0, NULL));
}

static void test_funcs_string_replacestr_limits_growth(void **state)
{
    (void)state;
    char *big = sl_arena_alloc(fn_arena, 70001);
    memset(big, 'a', 70000);
    big[70000] = '\0';
    char *repl = sl_arena_alloc(fn_arena, 301);
    memset(repl, 'b', 300);
    repl[300] = '\0';
    EXPECT_ERR("replacestr: the result would be longer than", "replacestr", str(big), str("a"),
               str(repl));
}

static void test_funcs_string_substr(void **state)
{
    (void)state;
    EXPECT("\" a subst\"", "substr", str("This is a substring test"), num(7), num(8));
    EXPECT("\"abc\"", "substr", str("abc"), num(0), num(3));
    EXPECT("\"bc\"", "substr", str("abc"), num(1), num(10));
    EXPECT("\"\"", "substr", str("abc"), num(3), num(1));
    EXPECT("\"\"", "substr", str("abc"), num(30), num(1));
    EXPECT("\"\"", "substr", str("abc"), num(1), num(0));
    EXPECT("\"éß\"", "substr", str("aéßz"), num(1), num(2));
    EXPECT("\"😀b\"", "substr", str("a😀b"), num(1), num(2));
    EXPECT("\"b\"", "substr", str("abc"), str("1"), str("1"));
    EXPECT("null", "substr", str("abc"), NUL, num(1));
    EXPECT_ERR("substr: START_INDEX must be 0 or more, not -1", "substr", str("abc"), num(-1),
               num(1));
    EXPECT_ERR("substr: LENGTH must be 0 or more, not -2", "substr", str("abc"), num(0), num(-2));
    EXPECT_ERR("substr: LENGTH must be an integer, not \"two\"", "substr", str("abc"), num(0),
               str("two"));
    EXPECT_ERR("substr: START_INDEX must be an integer, not array", "substr", str("abc"),
               arr_of(0, NULL), num(1));
}

static void test_funcs_string_case(void **state)
{
    (void)state;
    EXPECT("\"hello\"", "lower", str("HeLLo"));
    EXPECT("\"hello\"", "lcase", str("HeLLo"));
    EXPECT("\"HELLO\"", "upper", str("HeLLo"));
    EXPECT("\"HELLO\"", "ucase", str("HeLLo"));
    EXPECT("\"\"", "lower", str(""));
    EXPECT("\"\"", "upper", str(""));
    EXPECT("\"ÉCOLE ÀÖ ΣΊΣΥΦΟΣ\"", "upper", str("école àö σίσυφος"));
    EXPECT("\"école àö σίσυφος\"", "lower", str("ÉCOLE ÀÖ ΣΊΣΥΦΟΣ"));
    EXPECT("\"STRASSE\"", "upper", str("straße"));
    EXPECT("\"i̇stanbul\"", "lower", str("İstanbul"));
    EXPECT("\"日本語\"", "upper", str("日本語"));
    EXPECT("\"true\"", "lower", sl_val_true());
    EXPECT("\"12\"", "upper", num(12));
    EXPECT("null", "lower", NUL);
    EXPECT("null", "ucase", NUL);
    EXPECT_ERR("lower: INPUT must be a string, not array", "lower", ARR(str("A")));
    EXPECT_ERR("ucase: INPUT must be a string, not object", "ucase",
               sl_val_object_new(fn_arena, 0));
}

static void test_funcs_string_split(void **state)
{
    (void)state;
    EXPECT("[\"Hello\",\"world\"]", "split", str("Hello world"), str(" "));
    EXPECT("[\"a\",\"b\",\"c\"]", "split", str("a,b;c"), str(",;"));
    EXPECT("[\"a\",\"b\"]", "split", str(",,a,,b,,"), str(","));
    EXPECT("[]", "split", str(""), str(","));
    EXPECT("[]", "split", str(",,,"), str(","));
    EXPECT("[\"abc\"]", "split", str("abc"), str(""));
    EXPECT("[\"a.b\"]", "split", str("a.b"), str("|"));
    EXPECT("[\"a\",\"b\"]", "split", str("a.b"), str("."));
    EXPECT("[\"a\",\"b\"]", "split", str("a\\b"), str("\\"));
    EXPECT("[\"日本\",\"語\"]", "split", str("日本、語"), str("、"));
    EXPECT("[\"x\",\"y\"]", "split", str("xéy"), str("éè"));
    EXPECT("null", "split", NUL, str(","));
    EXPECT("null", "split", str("a"), NUL);
    EXPECT_ERR("split: SEPARATOR must be a string, not array", "split", str("a"), arr_of(0, NULL));
}

static void test_funcs_string_join(void **state)
{
    (void)state;
    EXPECT("\"Hello world\"", "join", str(" "), ARR(str("Hello"), str("world")));
    EXPECT("\"\"", "join", str(","), arr_of(0, NULL));
    EXPECT("\"a\"", "join", str(","), ARR(str("a")));
    EXPECT("\"a,,b\"", "join", str(","), ARR(str("a"), NUL, str("b")));
    EXPECT("\"1-2.5-true\"", "join", str("-"), ARR(num(1), dec(2.5), sl_val_true()));
    EXPECT("\"[1] | ü\"", "join", str(" | "), ARR(ARR(num(1)), str("ü")));
    EXPECT("\"ab\"", "join", str(""), ARR(str("a"), str("b")));
    EXPECT("null", "join", NUL, arr_of(0, NULL));
    EXPECT("null", "join", str(","), NUL);
    EXPECT_ERR("join: OBJECTS must be an array, not string", "join", str(","), str("a"));
    EXPECT_ERR("join: SEPARATOR must be a string, not array", "join", arr_of(0, NULL),
               arr_of(0, NULL));
}

static void test_funcs_string_pad(void **state)
{
    (void)state;
    EXPECT("\"yzyzybat\"", "lpad", str("bat"), num(8), str("yz"));
    EXPECT("\"batyzyzy\"", "rpad", str("bat"), num(8), str("yz"));
    EXPECT("\"bat\"", "lpad", str("bat"), num(3), str("yz"));
    EXPECT("\"bat\"", "rpad", str("bat"), num(1), str("yz"));
    EXPECT("\"bat\"", "rpad", str("bat"), num(-5), str("yz"));
    EXPECT("\"  bat\"", "lpad", str("bat"), num(5), NUL);
    EXPECT("\"bat  \"", "rpad", str("bat"), num(5), str(""));
    EXPECT("\"xxx\"", "lpad", str(""), num(3), str("x"));
    EXPECT("null", "lpad", NUL, num(3), str("x"));
    EXPECT("null", "rpad", NUL, num(3), NUL);
    EXPECT("null", "lpad", str("a"), NUL, str("x"));
    /* Characters, not bytes, in the input, the padding and the count. */
    EXPECT("\"éàéàé\"", "rpad", str("é"), num(5), str("àé"));
    EXPECT("\"日本日本語\"", "lpad", str("語"), num(5), str("日本"));
    EXPECT("\"007\"", "lpad", num(7), num(3), num(0));
    EXPECT_ERR("lpad: COUNT must be an integer, not \"eight\"", "lpad", str("bat"), str("eight"),
               str("x"));
    EXPECT_ERR("rpad: PADDING must be a string, not array", "rpad", str("bat"), num(8),
               arr_of(0, NULL));
    EXPECT_ERR("rpad: INPUT must be a string, not object", "rpad", sl_val_object_new(fn_arena, 0),
               num(8), str("x"));
    EXPECT_ERR("lpad: COUNT must be at most", "lpad", str("bat"), num(INT64_MAX), str("x"));
    assert_true((sl_func_find("lpad", 4)->flags & SL_FN_TAKES_NULL) != 0);
}

static void test_funcs_string_left_right(void **state)
{
    (void)state;
    EXPECT("\"ab\"", "left", str("abcde"), num(2));
    EXPECT("\"de\"", "right", str("abcde"), num(2));
    EXPECT("\"abcde\"", "left", str("abcde"), num(10));
    EXPECT("\"abcde\"", "right", str("abcde"), num(5));
    EXPECT("\"\"", "left", str("abcde"), num(0));
    EXPECT("\"\"", "right", str("abcde"), num(-1));
    EXPECT("\"\"", "left", str(""), num(3));
    EXPECT("\"hé\"", "left", str("héllo"), num(2));
    EXPECT("\"語😀\"", "right", str("日本語😀"), num(2));
    EXPECT("\"12\"", "left", num(1234), num(2));
    EXPECT("null", "left", NUL, num(2));
    EXPECT("null", "right", str("abc"), NUL);
    EXPECT_ERR("left: COUNT must be an integer, not \"2x\"", "left", str("abc"), str("2x"));
    EXPECT_ERR("right: STRING must be a string, not array", "right", arr_of(0, NULL), num(1));
}

static void test_funcs_string_trim(void **state)
{
    (void)state;
    EXPECT("\"hello\"", "ltrim", str(" hello"));
    EXPECT("\"hello\"", "rtrim", str("hello "));
    EXPECT("\"hello\"", "trim", str(" hello "));
    EXPECT("\"hello \"", "ltrim", str(" \t\n hello "));
    EXPECT("\" hello\"", "rtrim", str(" hello \r\n"));
    EXPECT("\"a b\"", "trim", str("  a b  "));
    EXPECT("\"\"", "trim", str("   "));
    EXPECT("\"\"", "ltrim", str("   "));
    EXPECT("\"\"", "rtrim", str(" \t "));
    EXPECT("\"\"", "trim", str(""));
    /* Unicode whitespace: no-break space, ideographic space, em space. */
    EXPECT("\"héllo\"", "trim", str("\xc2\xa0\xe3\x80\x80héllo\xe2\x80\x83"));
    EXPECT("\"5\"", "trim", num(5));
    EXPECT("null", "trim", NUL);
    EXPECT_ERR("trim: STRING must be a string, not array", "trim", arr_of(0, NULL));
}

static void test_funcs_string_equals(void **state)
{
    (void)state;
    EXPECT("false", "equals", str("string1"), str("STRING1"));
    EXPECT("true", "equals", str("string1"), str("string1"));
    EXPECT("true", "equalsIgnoreCase", str("string1"), str("STRING1"));
    EXPECT("false", "equalsIgnoreCase", str("string1"), str("STRING2"));
    EXPECT("false", "equalsIgnoreCase", str("abc"), str("ab"));
    EXPECT("true", "equals", str(""), str(""));
    EXPECT("false", "equals", str(""), str(" "));
    EXPECT("true", "equalsIgnoreCase", str("ÉCOLE"), str("école"));
    EXPECT("true", "equalsIgnoreCase", str("ΣΊΣΥΦΟΣ"), str("σίσυφος"));
    EXPECT("false", "equalsIgnoreCase", str("straße"), str("STRASSE"));
    EXPECT("false", "equals", str("é"), str("É"));
    EXPECT("true", "equals", str("12"), num(12));
    EXPECT("null", "equals", NUL, str("a"));
    EXPECT("null", "equalsIgnoreCase", str("a"), NUL);
    EXPECT_ERR("equals: STRING2 must be a string, not array", "equals", str("a"), arr_of(0, NULL));
    EXPECT_ERR("equalsIgnoreCase: STRING1 must be a string, not object", "equalsIgnoreCase",
               sl_val_object_new(fn_arena, 0), str("a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_funcs_string_rows_are_documented),
        cmocka_unit_test(test_funcs_string_concat),
        cmocka_unit_test(test_funcs_string_explode),
        cmocka_unit_test(test_funcs_string_explode_catastrophic_regex_fails),
        cmocka_unit_test(test_funcs_string_instr),
        cmocka_unit_test(test_funcs_string_replacestr),
        cmocka_unit_test(test_funcs_string_replacestr_limits_growth),
        cmocka_unit_test(test_funcs_string_substr),
        cmocka_unit_test(test_funcs_string_case),
        cmocka_unit_test(test_funcs_string_split),
        cmocka_unit_test(test_funcs_string_join),
        cmocka_unit_test(test_funcs_string_pad),
        cmocka_unit_test(test_funcs_string_left_right),
        cmocka_unit_test(test_funcs_string_trim),
        cmocka_unit_test(test_funcs_string_equals),
    };
    return cmocka_run_group_tests(tests, fn_setup, fn_teardown);
}
