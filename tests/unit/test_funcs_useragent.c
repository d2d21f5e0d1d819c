/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_useragent.c: the user agent functions of the Data Prep catalogue
 * (mapping/funcs_useragent.c) over real user agents of each family the table knows. */
#include "fn_harness_json.h"

typedef struct ua_case {
    const char *ua;
    const char *os_name;
    const char *os_version;
    const char *os_version_major;
    const char *os_name_version;
    const char *agent_name;
    const char *agent_version;
    const char *agent_version_major;
    const char *device_class;
} ua_case;

static const ua_case cases[] = {
    /* The documented example. */
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 5_1_1 like Mac OS X) AppleWebKit/534.46 (KHTML, like "
     "Gecko) Version/5.1 Mobile/9B206 Safari/7534.48.3",
     "iOS", "5.1.1", "iOS 5", "iOS 5.1.1", "Safari", "5.1", "Safari 5", "Phone"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.6099.109 Safari/537.36",
     "Windows", "10", "Windows 10", "Windows 10", "Chrome", "120.0.6099.109", "Chrome 120",
     "Desktop"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
     "Windows", "10", "Windows 10", "Windows 10", "Edge", "120.0.2210.91", "Edge 120", "Desktop"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0",
     "Windows", "10", "Windows 10", "Windows 10", "Opera", "105.0.0.0", "Opera 105", "Desktop"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582",
     "Windows", "10", "Windows 10", "Windows 10", "Edge", "18.19582", "Edge 18", "Desktop"},
    {"Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko", "Windows", "7",
     "Windows 7", "Windows 7", "Internet Explorer", "11.0", "Internet Explorer 11", "Desktop"},
    {"Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0)", "Windows", "XP",
     "Windows XP", "Windows XP", "Internet Explorer", "8.0", "Internet Explorer 8", "Desktop"},
    {"Mozilla/5.0 (Windows NT 6.3; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", "Windows",
     "8.1", "Windows 8", "Windows 8.1", "Firefox", "115.0", "Firefox 115", "Desktop"},
    {"Opera/9.80 (Windows NT 6.0) Presto/2.12.388 Version/12.16", "Windows", "Vista",
     "Windows Vista", "Windows Vista", "Opera", "12.16", "Opera 12", "Desktop"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0",
     "macOS", "10.15", "macOS 10", "macOS 10.15", "Firefox", "121.0", "Firefox 121", "Desktop"},
    {"Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10_6_8; en-us) AppleWebKit/533.21.1 (KHTML, like "
     "Gecko) Version/5.0.5 Safari/533.21.1",
     "Mac OS X", "10.6.8", "Mac OS X 10", "Mac OS X 10.6.8", "Safari", "5.0.5", "Safari 5",
     "Desktop"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.2 Safari/605.1.15",
     "macOS", "10.15.7", "macOS 10", "macOS 10.15.7", "Safari", "17.2", "Safari 17", "Desktop"},
    {"Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/16.6 Mobile/15E148 Safari/604.1",
     "iPadOS", "16.6", "iPadOS 16", "iPadOS 16.6", "Safari", "16.6", "Safari 16", "Tablet"},
    {"Mozilla/5.0 (iPad; CPU OS 12_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/12.1.2 Mobile/15E148 Safari/604.1",
     "iOS", "12.4", "iOS 12", "iOS 12.4", "Safari", "12.1.2", "Safari 12", "Tablet"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
     "iOS", "17.2", "iOS 17", "iOS 17.2", "Chrome", "120.0.6099.119", "Chrome 120", "Phone"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 16_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) FxiOS/120.0 Mobile/15E148 Safari/605.1.15",
     "iOS", "16.1", "iOS 16", "iOS 16.1", "Firefox", "120.0", "Firefox 120", "Phone"},
    {"Mozilla/5.0 (Linux; Android 13; SM-S901B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
     "Android", "13", "Android 13", "Android 13", "Samsung Internet", "23.0", "Samsung Internet 23",
     "Phone"},
    {"Mozilla/5.0 (Linux; Android 12; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36",
     "Android", "12", "Android 12", "Android 12", "Chrome", "120.0.0.0", "Chrome 120", "Tablet"},
    {"Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0", "Android", "14",
     "Android 14", "Android 14", "Firefox", "121.0", "Firefox 121", "Phone"},
    {"Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L Build/IML74K) AppleWebkit/534.30 "
     "(KHTML, like Gecko) Version/4.0 Mobile Safari/534.30",
     "Android", "4.0.3", "Android 4", "Android 4.0.3", "Android Browser", "4.0",
     "Android Browser 4", "Phone"},
    {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Mobile Safari/537.36 EdgA/120.0.2210.115",
     "Android", "10", "Android 10", "Android 10", "Edge", "120.0.2210.115", "Edge 120", "Phone"},
    {"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36",
     "Chrome OS", "14541.0.0", "Chrome OS 14541", "Chrome OS 14541.0.0", "Chrome", "120.0.0.0",
     "Chrome 120", "Desktop"},
    {"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Linux",
     "??", "Linux ??", "Linux ??", "Firefox", "121.0", "Firefox 121", "Desktop"},
    {"Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; ARM; "
     "Touch; NOKIA; Lumia 920)",
     "Windows Phone", "8.0", "Windows Phone 8", "Windows Phone 8.0", "Internet Explorer", "10.0",
     "Internet Explorer 10", "Phone"},
    /* Crawlers. */
    {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Unknown", "??",
     "Unknown ??", "Unknown ??", "Googlebot", "2.1", "Googlebot 2", "Robot"},
    {"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
     "Gecko) Chrome/120.0.6099.71 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
     "+http://www.google.com/bot.html)",
     "Android", "6.0.1", "Android 6", "Android 6.0.1", "Googlebot", "2.1", "Googlebot 2", "Robot"},
    {"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "Unknown", "??",
     "Unknown ??", "Unknown ??", "bingbot", "2.0", "bingbot 2", "Robot"},
    {"Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
     "Unknown", "??", "Unknown ??", "Unknown ??", "Yahoo! Slurp", "??", "Yahoo! Slurp ??", "Robot"},
    {"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "Unknown", "??",
     "Unknown ??", "Unknown ??", "facebookexternalhit", "1.1", "facebookexternalhit 1", "Robot"},
    {"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "Unknown", "??",
     "Unknown ??", "Unknown ??", "AhrefsBot", "7.0", "AhrefsBot 7", "Robot"},
    {"Mozilla/5.0 (Windows NT 10.0) MyCrawler/3.2.1", "Windows", "10", "Windows 10", "Windows 10",
     "MyCrawler", "3.2.1", "MyCrawler 3", "Robot"},
    /* A "bot" inside a URL is not a crawler's name. */
    {"Mozilla/5.0 (X11; Linux x86_64; +http://example.com/bot/1.0) Firefox/1.5", "Linux", "??",
     "Linux ??", "Linux ??", "Firefox", "1.5", "Firefox 1", "Desktop"},
    /* Nothing known. */
    {"", "Unknown", "??", "Unknown ??", "Unknown ??", "Unknown", "??", "Unknown ??", "Unknown"},
    {"curl/8.4.0", "Unknown", "??", "Unknown ??", "Unknown ??", "Unknown", "??", "Unknown ??",
     "Unknown"},
    {"Mozilla/5.0 (日本語; Windows NT 10.0) Gecko Firefox/ü", "Windows", "10", "Windows 10",
     "Windows 10", "Firefox", "??", "Firefox ??", "Desktop"},
};

static void expect_ua(const char *fn, const char *ua, const char *want)
{
    assert_int_equal(CALL(fn, sv(ua)), SL_OK);
    assert_int_equal(fn_out->type, SL_VAL_STRING);
    if (strcmp(fn_out->u.s.ptr, want) != 0) {
        print_error("%s(\"%s\"): expected \"%s\", got \"%s\"\n", fn, ua, want, fn_out->u.s.ptr);
        fail();
    }
}

static void test_useragent_rows(void **state)
{
    (void)state;
    check_rows(sl_funcs_useragent, "User agent");
    size_t n = 0;
    for (const sl_func *f = sl_funcs_useragent; f->name != NULL; f++) {
        assert_int_equal(f->min_args, 1);
        assert_int_equal(f->max_args, 1);
        n++;
    }
    assert_int_equal(n, 8);
}

static void test_useragent_families(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const ua_case *c = &cases[i];
        expect_ua("ua_os_name", c->ua, c->os_name);
        expect_ua("ua_os_version", c->ua, c->os_version);
        expect_ua("ua_os_version_major", c->ua, c->os_version_major);
        expect_ua("ua_os_name_version", c->ua, c->os_name_version);
        expect_ua("ua_agent_name", c->ua, c->agent_name);
        expect_ua("ua_agent_version", c->ua, c->agent_version);
        expect_ua("ua_agent_version_major", c->ua, c->agent_version_major);
        expect_ua("ua_device_class", c->ua, c->device_class);
    }
}

static void test_useragent_documented_results(void **state)
{
    (void)state;
    /* Each row's example runs and gives the row's result. */
    for (const sl_func *f = sl_funcs_useragent; f->name != NULL; f++) {
        const char *open = strchr(f->example, '"');
        const char *close = strrchr(f->example, '"');
        assert_true(open != NULL && close > open);
        const sl_val *ua = sl_val_str(fn_arena, open + 1, (size_t)(close - open - 1));
        assert_int_equal(call_v(f->name, &ua, 1), SL_OK);
        assert_string_equal(fn_out->u.s.ptr, f->result);
    }
}

static void test_useragent_bad_input(void **state)
{
    (void)state;
    EXPECT("null", "ua_os_name", NUL);
    EXPECT("null", "ua_device_class", NUL);
    EXPECT_ERROR("ua_os_name: USER_AGENT must be a string, not array", "ua_os_name",
                 jv("[\"Mozilla/5.0\"]"));
    EXPECT_ERROR("ua_agent_version: USER_AGENT must be a string, not object", "ua_agent_version",
                 jv("{}"));
    EXPECT("\"Unknown\"", "ua_agent_name", iv(42));
    /* Very long versions are cut, never overrun. */
    char ua[300];
    memset(ua, '9', sizeof(ua));
    memcpy(ua, "Chrome/", 7);
    ua[sizeof(ua) - 1] = '\0';
    expect_ua("ua_agent_version", ua, "9999999999999999999999999999999");
    expect_ua("ua_agent_name",
              "Mozilla/5.0 (compatible; AVeryLongCrawlerNameThatGoesOnAndOnForeverBot/1.0)",
              "AVeryLongCrawlerNameThatGoesOnAndOnForeverBot");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_useragent_rows, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_useragent_families, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_useragent_documented_results, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_useragent_bad_input, fn_setup, fn_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
