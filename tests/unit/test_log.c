/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_log.c: log lines in logfmt and JSON, with values that hold spaces, quotes,
 * '=' and control characters (error messages, URLs, paths). The JSON lines are parsed back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/str.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define TS 1795000000123LL /* 2026-11-18T11:06:40.123Z */

static char *line(const char *text, bool json)
{
    sl_buf b = {0};
    sl_log_format(&b, SL_LOG_LEVEL_WARN, "pipeline", text, TS, json);
    sl_buf_append(&b, "", 1);
    return b.ptr;
}

static void expect_text(const char *text, const char *want)
{
    char *got = line(text, false);
    assert_string_equal(got, want);
    free(got);
}

/* The JSON line for `text`, parsed. */
static json_object *parse(const char *text)
{
    char *got = line(text, true);
    size_t len = strlen(got);
    assert_true(len > 0 && got[len - 1] == '\n');
    json_object *o = json_tokener_parse(got);
    if (o == NULL) {
        fail_msg("not JSON: %s", got);
    }
    free(got);
    return o;
}

static const char *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v)) {
        fail_msg("no member %s in %s", key, json_object_to_json_string(o));
    }
    return json_object_get_string(v);
}

static void text_plain_pairs(void **state)
{
    (void)state;
    expect_text("batch committed rows=12 flow=f-1",
                "ts=2026-11-18T11:06:40.123Z level=warn module=pipeline msg=\"batch committed\" "
                "rows=12 flow=f-1\n");
    expect_text("no pairs at all", "ts=2026-11-18T11:06:40.123Z level=warn module=pipeline "
                                   "msg=\"no pairs at all\"\n");
}

static void text_values_with_spaces_and_quotes(void **state)
{
    (void)state;
    /* a caller-quoted value with quotes inside it stays one value, escaped */
    expect_text("flow left out error=\"field \"email\" is not a string\" flow=f-1",
                "ts=2026-11-18T11:06:40.123Z level=warn module=pipeline msg=\"flow left out\" "
                "error=\"field \\\"email\\\" is not a string\" flow=f-1\n");
    /* a bare value with spaces runs to the next pair */
    expect_text("cannot open path=/var/lib/my data/x.db code=5",
                "ts=2026-11-18T11:06:40.123Z level=warn module=pipeline msg=\"cannot open\" "
                "path=\"/var/lib/my data/x.db\" code=5\n");
    /* '=' and a backslash force quoting; an empty value is "" */
    expect_text("hook url=http://h/x?a=b dir=C:\\t empty=",
                "ts=2026-11-18T11:06:40.123Z level=warn module=pipeline msg=\"hook\" "
                "url=\"http://h/x?a=b\" "
                "dir=\"C:\\\\t\" empty=\"\"\n");
    /* a newline in a value cannot split the line */
    char *got = line("failed error=\"line one\nline two\"", false);
    assert_non_null(strstr(got, "error=\"line one\\u000aline two\"\n"));
    assert_ptr_equal(strchr(got, '\n'), got + strlen(got) - 1);
    free(got);
}

static void text_message_quotes(void **state)
{
    (void)state;
    expect_text(
        "say \"hi\" n=1",
        "ts=2026-11-18T11:06:40.123Z level=warn module=pipeline msg=\"say \\\"hi\\\"\" n=1\n");
}

static void json_round_trip(void **state)
{
    (void)state;
    json_object *o = parse("flow left out error=\"field \"email\" is: bad\" path=/a b/c n=3");
    assert_string_equal(member(o, "level"), "warn");
    assert_string_equal(member(o, "module"), "pipeline");
    assert_string_equal(member(o, "ts"), "2026-11-18T11:06:40.123Z");
    assert_string_equal(member(o, "msg"), "flow left out");
    assert_string_equal(member(o, "error"), "field \"email\" is: bad");
    assert_string_equal(member(o, "path"), "/a b/c");
    assert_string_equal(member(o, "n"), "3");
    json_object_put(o);

    o = parse("tab\there ctl=\"a\x01z\"");
    assert_string_equal(member(o, "msg"), "tab\there");
    assert_string_equal(member(o, "ctl"), "a\x01z");
    json_object_put(o);
}

/* A quote that closes a caller-quoted value is the one followed by the end or the next pair. */
static void json_quote_then_pair_inside_value(void **state)
{
    (void)state;
    json_object *o = parse("x error=\"a \"b\" c\" next=1");
    assert_string_equal(member(o, "error"), "a \"b\" c");
    assert_string_equal(member(o, "next"), "1");
    json_object_put(o);
    /* an unterminated quote runs to the end and keeps its opening quote */
    o = parse("x error=\"unterminated");
    assert_string_equal(member(o, "error"), "\"unterminated");
    json_object_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_plain_pairs),
        cmocka_unit_test(text_values_with_spaces_and_quotes),
        cmocka_unit_test(text_message_quotes),
        cmocka_unit_test(json_round_trip),
        cmocka_unit_test(json_quote_then_pair_inside_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
