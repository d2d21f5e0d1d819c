/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_url.c: the URL functions, called through the catalogue. */
#include "fn_harness_text.h"

/* CALL_ONE(name, arg, &out): call with one argument, return the code. */
#define CALL_ONE(name, arg, out) callv(name, out, 1, (const sl_val *[]){arg})

static void test_funcs_url_rows_are_documented(void **state)
{
    (void)state;
    size_t n = 0;
    for (const sl_func *f = sl_funcs_url; f->name != NULL; f++, n++) {
        assert_string_equal(f->category, "URL");
        assert_non_null(f->impl);
        assert_true(f->syntax[0] != '\0' && f->params[0] != '\0' && f->return_type[0] != '\0');
        assert_true(f->example[0] != '\0' && f->result[0] != '\0' && f->description[0] != '\0');
        assert_ptr_equal(sl_func_find(f->name, strlen(f->name)), f);
    }
    assert_int_equal(n, 7);
}

static void test_funcs_url_protocol(void **state)
{
    (void)state;
    EXPECT("\"https\"", "get_url_protocol", str("https://platform.adobe.com/home"));
    EXPECT("\"sftp\"", "get_url_protocol", str("sftp://example.com//home/joe/employee.csv"));
    EXPECT("\"mailto\"", "get_url_protocol", str("mailto:joe@example.com"));
    EXPECT("\"HTTP\"", "get_url_protocol", str("HTTP://EXAMPLE.COM"));
    EXPECT("\"svn+ssh\"", "get_url_protocol", str("svn+ssh://host/repo"));
    EXPECT("\"https\"", "get_url_protocol", str("https://例え.jp/パス"));
    /* Not absolute URLs. */
    EXPECT("null", "get_url_protocol", str(""));
    EXPECT("null", "get_url_protocol", str("platform.adobe.com/home"));
    EXPECT("null", "get_url_protocol", str("/home"));
    EXPECT("null", "get_url_protocol", str("1http://x.com"));
    EXPECT("null", "get_url_protocol", str("http:"));
    EXPECT("null", "get_url_protocol", str("://x.com"));
    EXPECT("null", "get_url_protocol", str("https://exa mple.com/"));
    EXPECT("null", "get_url_protocol", str(" https://example.com/"));
    EXPECT("null", "get_url_protocol", str("https://example.com/a|b"));
    EXPECT("null", "get_url_protocol", str("https://example.com/100%"));
    EXPECT("null", "get_url_protocol", str("https://example.com/%zz"));
    EXPECT("null", "get_url_protocol", str("https://example.com/#a#b"));
    EXPECT("null", "get_url_protocol", num(42));
    EXPECT("null", "get_url_protocol", NUL);
    EXPECT_ERR("get_url_protocol: URL must be a string, not array", "get_url_protocol",
               arr_of(0, NULL));
}

static void test_funcs_url_host(void **state)
{
    (void)state;
    EXPECT("\"platform.adobe.com\"", "get_url_host", str("https://platform.adobe.com/home"));
    EXPECT("\"example.com\"", "get_url_host", str("foo://example.com:8042/over/there?name=ferret"));
    EXPECT("\"example.com\"", "get_url_host", str("http://user:pw@example.com:80"));
    EXPECT("\"example.com\"", "get_url_host", str("http://example.com?q=1"));
    EXPECT("\"example.com\"", "get_url_host", str("http://example.com#top"));
    EXPECT("\"[2001:db8::7]\"", "get_url_host", str("ldap://[2001:db8::7]/c=GB?one"));
    EXPECT("\"192.0.2.16\"", "get_url_host", str("telnet://192.0.2.16:80/"));
    EXPECT("\"例え.jp\"", "get_url_host", str("https://例え.jp/パス"));
    EXPECT("\"xn--r8jz45g.jp\"", "get_url_host", str("https://xn--r8jz45g.jp/"));
    EXPECT("null", "get_url_host", str("file:///etc/hosts"));
    EXPECT("null", "get_url_host", str("mailto:joe@example.com"));
    EXPECT("null", "get_url_host", str("http://a@b@example.com/"));
    EXPECT("null", "get_url_host", str("http://[::1/"));
    EXPECT("null", "get_url_host", str("http://example.com:80a/"));
    EXPECT("null", "get_url_host", str("http://example.com:99999/"));
    EXPECT("null", "get_url_host", str("example.com"));
    EXPECT("null", "get_url_host", NUL);
    EXPECT_ERR("get_url_host: URL must be a string, not object", "get_url_host",
               sl_val_object_new(fn_arena, 0));
}

static void test_funcs_url_port(void **state)
{
    (void)state;
    EXPECT("22", "get_url_port", str("sftp://example.com//home/joe/employee.csv"));
    EXPECT("8042", "get_url_port", str("foo://example.com:8042/over/there?name=ferret#nose"));
    EXPECT("443", "get_url_port", str("https://platform.adobe.com/home"));
    EXPECT("80", "get_url_port", str("HTTP://example.com"));
    EXPECT("80", "get_url_port", str("http://example.com:/"));
    EXPECT("21", "get_url_port", str("ftp://ftp.example.com/pub"));
    EXPECT("8080", "get_url_port", str("https://example.com:8080"));
    EXPECT("65535", "get_url_port", str("http://example.com:65535"));
    EXPECT("0", "get_url_port", str("http://example.com:0"));
    EXPECT("389", "get_url_port", str("ldap://[2001:db8::7]/c=GB?one"));
    EXPECT("631", "get_url_port", str("ipp://[::1]:631/"));
    EXPECT("null", "get_url_port", str("foo://example.com/"));
    EXPECT("null", "get_url_port", str("mailto:joe@example.com"));
    EXPECT("null", "get_url_port", str("file:///etc/hosts"));
    EXPECT("null", "get_url_port", str("http://example.com:65536/"));
    EXPECT("null", "get_url_port", str("http://example.com:-1/"));
    EXPECT("null", "get_url_port", str("not a url"));
    EXPECT("null", "get_url_port", NUL);
    EXPECT_ERR("get_url_port: URL must be a string, not array", "get_url_port",
               ARR(str("http://x")));
}

static void test_funcs_url_path(void **state)
{
    (void)state;
    EXPECT("\"//home/joe/employee.csv\"", "get_url_path",
           str("sftp://example.com//home/joe/employee.csv"));
    EXPECT("\"//home/joe/employee.csv\"", "get_url_path",
           str("sftp://example.com//home/joe/employee.csv"), sl_val_true());
    EXPECT("\"employee.csv\"", "get_url_path", str("sftp://example.com//home/joe/employee.csv"),
           sl_val_false());
    EXPECT("\"employee.csv\"", "get_url_path", str("sftp://example.com//home/joe/employee.csv"),
           str("false"));
    EXPECT("\"/over/there\"", "get_url_path", str("foo://example.com:8042/over/there?x=1#n"));
    EXPECT("\"\"", "get_url_path", str("https://example.com/dir/"), sl_val_false());
    EXPECT("\"\"", "get_url_path", str("https://example.com"));
    EXPECT("\"/\"", "get_url_path", str("https://example.com/"));
    EXPECT("\"/a%20b/c\"", "get_url_path", str("https://example.com/a%20b/c"));
    EXPECT("\"/パス/ファイル\"", "get_url_path", str("https://例え.jp/パス/ファイル"));
    EXPECT("\"ファイル\"", "get_url_path", str("https://例え.jp/パス/ファイル"), sl_val_false());
    EXPECT("\"joe@example.com\"", "get_url_path", str("mailto:joe@example.com"));
    EXPECT("null", "get_url_path", str("no scheme/path"));
    EXPECT("null", "get_url_path", NUL);
    EXPECT("null", "get_url_path", str("https://example.com/"), NUL);
    EXPECT_ERR("get_url_path: FULL_PATH must be a boolean, not \"maybe\"", "get_url_path",
               str("https://example.com/"), str("maybe"));
    EXPECT_ERR("get_url_path: FULL_PATH must be a boolean, not integer", "get_url_path",
               str("https://example.com/"), num(1));
}

static void test_funcs_url_query_str(void **state)
{
    (void)state;
    const sl_val *u = str("foo://example.com:8042/over/there?name=ferret#nose");
    EXPECT("{\"name\":\"ferret#nose\"}", "get_url_query_str", u, str("retain"));
    EXPECT("{\"name\":\"ferret\"}", "get_url_query_str", u, str("remove"));
    EXPECT("{\"name\":\"ferret\",\"_anchor_\":\"nose\"}", "get_url_query_str", u, str("append"));
    EXPECT("{\"name\":\"ferret#nose\"}", "get_url_query_str", u, str("keep"));
    EXPECT("{\"name\":\"ferret\"}", "get_url_query_str", u, str("REMOVE"));
    const sl_val *many = str("https://x.com/p?a=1&b=two+words&c&d=%C3%A9t%C3%A9&&a=3&e=x=y");
    EXPECT("{\"a\":\"3\",\"b\":\"two words\",\"c\":\"\",\"d\":\"été\",\"e\":\"x=y\"}",
           "get_url_query_str", many, str("remove"));
    EXPECT("{\"a\":\"1\",\"b\":\"2\"}", "get_url_query_str", str("https://x.com?a=1&b=2"),
           str("append"));
    EXPECT("{\"q\":\"日本\"}", "get_url_query_str", str("https://x.com/?q=日本"), str("remove"));
    EXPECT("{\"bad\":\"\xef\xbf\xbd\"}", "get_url_query_str", str("https://x.com/?bad=%FF"),
           str("remove"));
    EXPECT("{}", "get_url_query_str", str("https://x.com/?"), str("retain"));
    EXPECT("{\"_anchor_\":\"top\"}", "get_url_query_str", str("https://x.com/?#top"),
           str("append"));
    EXPECT("null", "get_url_query_str", str("https://x.com/path#top"), str("append"));
    EXPECT("null", "get_url_query_str", str("https://x.com/path"), str("retain"));
    EXPECT("null", "get_url_query_str", str("x.com/path?a=1"), str("retain"));
    EXPECT("null", "get_url_query_str", NUL, str("retain"));
    EXPECT("null", "get_url_query_str", u, NUL);
    EXPECT_ERR("get_url_query_str: ANCHOR must be \"retain\", \"remove\" or \"append\", not "
               "\"drop\"",
               "get_url_query_str", u, str("drop"));
    EXPECT_ERR("ANCHOR must be \"retain\", \"remove\" or \"append\", not array",
               "get_url_query_str", u, arr_of(0, NULL));
    EXPECT_ERR("get_url_query_str: URL must be a string, not array", "get_url_query_str",
               arr_of(0, NULL), str("retain"));
}

static void test_funcs_url_encoded(void **state)
{
    (void)state;
    EXPECT("\"https%3A%2F%2Fexample.com%2Fpartneralliance_asia-pacific_2022\"", "get_url_encoded",
           str("https://example.com/partneralliance_asia-pacific_2022"));
    /* The documented table of special characters, in its order. */
    EXPECT("\"%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%7C%5D%5E%60%7E\"",
           "get_url_encoded", str(" !\"#$%&'()*+,/:;<=>?@[|]^`~"));
    EXPECT("\"%5C%7B%7D\"", "get_url_encoded", str("\\{}"));
    EXPECT("\"AZaz09-_.\"", "get_url_encoded", str("AZaz09-_."));
    EXPECT("\"caf%C3%A9%20%E6%97%A5%F0%9F%98%80\"", "get_url_encoded", str("café 日😀"));
    EXPECT("\"\"", "get_url_encoded", str(""));
    EXPECT("\"12.5\"", "get_url_encoded", dec(12.5));
    EXPECT("null", "get_url_encoded", NUL);
    EXPECT_ERR("get_url_encoded: URL must be a string, not object", "get_url_encoded",
               sl_val_object_new(fn_arena, 0));
}

static void test_funcs_url_decoded(void **state)
{
    (void)state;
    EXPECT("\"https://example.com/partneralliance_asia-pacific_2022\"", "get_url_decoded",
           str("https%3A%2F%2Fexample.com%2Fpartneralliance_asia-pacific_2022"));
    EXPECT(
        "\" !\\\"#$%&'()*+,/:;<=>?@[|]^`~\"", "get_url_decoded",
        str("%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%7C%5D%5E%60%7E"));
    EXPECT("\"café 日😀\"", "get_url_decoded", str("caf%C3%A9%20%E6%97%A5%F0%9F%98%80"));
    EXPECT("\"café\"", "get_url_decoded", str("caf%c3%a9"));
    EXPECT("\"a b\"", "get_url_decoded", str("a+b"));
    EXPECT("\"already plain\"", "get_url_decoded", str("already plain"));
    EXPECT("\"\"", "get_url_decoded", str(""));
    EXPECT("\"x\xef\xbf\xbdy\"", "get_url_decoded", str("x%FFy"));
    EXPECT("\"\xef\xbf\xbd\"", "get_url_decoded", str("%C3"));
    EXPECT("null", "get_url_decoded", NUL);
    EXPECT_ERR("get_url_decoded: URL has a malformed escape \"%zz\" at byte 1", "get_url_decoded",
               str("a%zz"));
    EXPECT_ERR("get_url_decoded: URL has a malformed escape \"%4\" at byte 2", "get_url_decoded",
               str("ab%4"));
    EXPECT_ERR("malformed escape \"%\" at byte 0", "get_url_decoded", str("%"));
    EXPECT_ERR("get_url_decoded: URL must be a string, not array", "get_url_decoded",
               arr_of(0, NULL));
}

static void test_funcs_url_round_trip(void **state)
{
    (void)state;
    static const char *const samples[] = {
        "https://example.com/a b?x=1&y=é#frag", "100% ~ *.+", "日本語/パス", "", "a+b",
    };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        const sl_val *enc = NULL;
        const sl_val *back = NULL;
        assert_int_equal(CALL_ONE("get_url_encoded", str(samples[i]), &enc), SL_OK);
        assert_int_equal(CALL_ONE("get_url_decoded", enc, &back), SL_OK);
        assert_string_equal(back->u.s.ptr, samples[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_funcs_url_rows_are_documented),
        cmocka_unit_test(test_funcs_url_protocol),
        cmocka_unit_test(test_funcs_url_host),
        cmocka_unit_test(test_funcs_url_port),
        cmocka_unit_test(test_funcs_url_path),
        cmocka_unit_test(test_funcs_url_query_str),
        cmocka_unit_test(test_funcs_url_encoded),
        cmocka_unit_test(test_funcs_url_decoded),
        cmocka_unit_test(test_funcs_url_round_trip),
    };
    return cmocka_run_group_tests(tests, fn_setup, fn_teardown);
}
