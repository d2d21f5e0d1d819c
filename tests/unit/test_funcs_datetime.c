/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_datetime.c: the "Date and time" rows of the function catalogue, called
 * the way the evaluator calls them: documented examples, nulls, empty strings, unicode, wrong
 * types, time zones, daylight-saving changes and calendar boundaries. */
#include "fn_harness_check.h"

#include <stdio.h>

/* A date-time from ISO-8601 text, in zone `zone` ("" for the offset alone). */
static const sl_val *dtz(const char *iso, const char *zone)
{
    sl_datetime dt;
    assert_true(sl_datetime_parse_iso(iso, strlen(iso), &dt));
    (void)snprintf(dt.zone, sizeof(dt.zone), "%s", zone);
    return sl_val_datetime(fn_arena, &dt);
}
#define DT(iso) dtz(iso, "")

/* ---- rows ---- */

static void test_datetime_rows_documented(void **state)
{
    static const char *const names[] = {"now",
                                        "timestamp",
                                        "format",
                                        "dformat",
                                        "date",
                                        "date_part",
                                        "set_date_part",
                                        "make_date_time",
                                        "make_timestamp",
                                        "zone_date_to_utc",
                                        "zone_date_to_zone"};
    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const sl_func *f = sl_func_find(names[i], strlen(names[i]));
        assert_non_null(f);
        int count = check_documented(f, "Date and time");
        assert_true(f->max_args == 0 || f->params[0] != '\0');
        assert_int_equal(count, f->max_args);
    }
    const sl_func *date = sl_func_find("date", 4);
    assert_int_equal(date->min_args, 1);
    assert_int_equal(date->max_args, 3);
    assert_true(date->flags & SL_FN_TAKES_NULL);
    assert_true(sl_func_find("now", 3)->flags & SL_FN_VOLATILE);
    assert_true(sl_func_find("timestamp", 9)->flags & SL_FN_VOLATILE);
    assert_ptr_equal(sl_func_find("make_timestamp", 14)->impl,
                     sl_func_find("make_date_time", 14)->impl);
    assert_int_equal(sl_func_find("make_date_time", 14)->min_args, 8);
}

/* ---- now, timestamp ---- */

static void test_datetime_now(void **state)
{
    (void)state;
    check_iso(CALL0("now"), "2021-10-26T10:10:24Z");
    check_int(CALL0("timestamp"), FN_NOW_MS);
    fn_now_ms = FN_NOW_MS + 571;
    check_iso(CALL0("now"), "2021-10-26T10:10:24.571Z");
    check_int(CALL0("timestamp"), FN_NOW_MS + 571);
    fn_now_ms = -1;
    check_iso(CALL0("now"), "1969-12-31T23:59:59.999Z");
    fn_now_ms = FN_NOW_MS;
}

/* ---- format ---- */

static void test_datetime_format_documented(void **state)
{
    (void)state;
    check_str(CALL("format", DT("2019-10-23T11:24:00+00:00"), S("yyyy-MM-dd HH:mm:ss")),
              "2019-10-23 11:24:00");
    /* A string date is read as date() reads it. */
    check_str(CALL("format", S("2019-10-23T11:24:00+00:00"), S("yyyy-MM-dd HH:mm:ss")),
              "2019-10-23 11:24:00");
    check_str(CALL("format", S("10/23/2019"), S("dd.MM.yyyy")), "23.10.2019");
    check_null(CALL("format", NUL, S("yyyy")));
    check_null(CALL("format", DT("2019-10-23T11:24:00Z"), NUL));
}

static void test_datetime_format_letters(void **state)
{
    (void)state;
    const sl_val *d = DT("2019-10-23T11:24:05.123456789Z"); /* a Wednesday */
    check_str(CALL("format", d, S("SSS")), "123");
    check_str(CALL("format", d, S("SSSSSS")), "123456");
    check_str(CALL("format", d, S("SSSSSSSSSSS")), "12345678900");
    check_str(CALL("format", d, S("u uu EEEE EEE e")), "3 03 Wednesday Wed 3");
    check_str(CALL("format", d, S("MMMM MMM MM M d D")), "October Oct 10 10 23 296");
    check_str(CALL("format", d, S("hh:mm a, k K H")), "11:24 AM, 11 11 11");
    check_str(CALL("format", d, S("G QQQ q w")), "AD Q4 4 43");
    check_str(CALL("format", d, S("yyyy-MM-dd'T'HH:mm:ss'Z'")), "2019-10-23T11:24:05Z");
    check_str(CALL("format", d, S("hh 'o''clock' a")), "11 o'clock AM");
    check_str(CALL("format", d, S("yyyy[-MM][-dd]")), "2019-10-23");
    check_str(CALL("format", d, S("X XXX Z")), "Z Z +0000");
    check_str(CALL("format", d, S("")), "");
    /* ISO week-based year: Monday 2019-12-30 is in week 1 of 2020. */
    check_str(CALL("format", DT("2019-12-30T00:00:00Z"), S("YYYY-'W'ww-u")), "2020-W01-1");
    check_str(CALL("format", DT("2019-12-29T00:00:00Z"), S("YYYY-'W'ww-u")), "2019-W52-7");
    /* Unicode literals pass through. */
    check_str(CALL("format", d, S("yyyy年MM月dd日 — ✓")), "2019年10月23日 — ✓");
    /* Before 1970 and before the Gregorian reform (proleptic, as java.time). */
    check_str(CALL("format", DT("1969-12-31T23:59:59.999Z"), S("yyyy-MM-dd HH:mm:ss.SSS")),
              "1969-12-31 23:59:59.999");
    check_str(CALL("format", DT("1000-03-01T00:00:00Z"), S("yyyy-MM-dd EEE")), "1000-03-01 Sat");
}

static void test_datetime_format_zones(void **state)
{
    (void)state;
    const sl_val *paris =
        ok(CALL("zone_date_to_zone", DT("2019-10-23T11:24:00Z"), S("Europe/Paris")));
    /* ICU's English data has no short name for Central European time. */
    check_str(CALL("format", paris, S("yyyy-MM-dd HH:mm:ss XXX VV z zzzz")),
              "2019-10-23 13:24:00 +02:00 Europe/Paris GMT+2 Central European Summer Time");
    check_str(CALL("format", DT("2019-10-23T11:24:00-05:30"), S("HH:mm xxx")), "11:24 -05:30");
    const sl_val *la = ok(CALL("make_date_time", I(2019), I(1), I(17), I(8), I(0), I(0), I(0),
                               S("America/Los_Angeles")));
    check_str(CALL("format", la, S("HH:mm z zzzz")), "08:00 PST Pacific Standard Time");
}

static void test_datetime_format_errors(void **state)
{
    (void)state;
    const sl_val *d = DT("2019-10-23T11:24:00Z");
    check_err(CALL("format", d, S("yyyy-MM-dd nn")), "format", "pattern letter 'n'");
    check_err(CALL("format", d, S("yyyy jj")), "format", "pattern letter 'j'");
    check_err(CALL("format", d, S("yyyy 'abc")), "format", "unclosed quote");
    check_err(CALL("format", d, S("yyyy #")), "format", "'#' is reserved");
    check_err(CALL("format", d, S("\xff\xfe")), "format", "not valid UTF-8");
    check_err(CALL("format", d, I(5)), "format", "FORMAT must be a string, not integer");
    char longfmt[300];
    memset(longfmt, 'y', sizeof(longfmt) - 1);
    longfmt[sizeof(longfmt) - 1] = '\0';
    check_err(CALL("format", d, S(longfmt)), "format", "FORMAT is longer than");
    check_err(CALL("format", I(1571829875000), S("yyyy")), "format", "dformat");
    check_err(CALL("format", sl_val_true(), S("yyyy")), "format",
              "DATE must be a date-time, not boolean");
    check_err(CALL("format", S("next tuesday"), S("yyyy")), "format",
              "DATE \"next tuesday\" is not a date-time");
    check_err(CALL("format", S(""), S("yyyy")), "format", "DATE \"\" is not a date-time");
}

/* ---- dformat ---- */

static void test_datetime_dformat(void **state)
{
    (void)state;
    const sl_val *f = S("yyyy-MM-dd'T'HH:mm:ss.SSSX");
    check_str(CALL("dformat", I(1571829875000), f), "2019-10-23T11:24:35.000Z");
    check_str(CALL("dformat", S("1571829875000"), f), "2019-10-23T11:24:35.000Z");
    check_str(CALL("dformat", D(1571829875000.0), f), "2019-10-23T11:24:35.000Z");
    check_str(CALL("dformat", I(0), f), "1970-01-01T00:00:00.000Z");
    check_str(CALL("dformat", I(-1), f), "1969-12-31T23:59:59.999Z");
    check_str(CALL("dformat", I(1571829875123), S("SSS")), "123");
    /* Customer.io timestamps are seconds. */
    check_str(CALL("dformat", I(INT64_C(1613063089) * 1000), S("yyyy-MM-dd HH:mm:ss")),
              "2021-02-11 17:04:49");
    check_str(CALL("dformat", DT("2019-10-23T11:24:35+02:00"), S("HH:mm XXX")), "11:24 +02:00");
    check_null(CALL("dformat", NUL, f));
    check_null(CALL("dformat", I(0), NUL));
    check_err(CALL("dformat", S("soon"), f), "dformat",
              "TIMESTAMP must be epoch milliseconds, not \"soon\"");
    check_err(CALL("dformat", S(""), f), "dformat", "not \"\"");
    check_err(CALL("dformat", sl_val_false(), f), "dformat", "not boolean");
    check_err(CALL("dformat", I(INT64_C(9000000000000000)), f), "dformat", "out of range");
    check_err(CALL("dformat", I(0), S("yyyy nn")), "dformat", "pattern letter 'n'");
}

/* ---- date ---- */

static void test_datetime_date_documented(void **state)
{
    (void)state;
    check_iso(CALL("date", S("2019-10-23 11:24"), S("yyyy-MM-dd HH:mm"), ok(CALL0("now"))),
              "2019-10-23T11:24:00Z");
    check_iso(CALL("date", S("2019-10-23 11:24"), S("yyyy-MM-dd HH:mm")), "2019-10-23T11:24:00Z");
    check_iso(CALL("date", S("2019-10-23 11:24")), "2019-10-23T11:24:00Z");
}

static void test_datetime_date_nulls(void **state)
{
    (void)state;
    check_null(CALL("date", NUL));
    check_null(CALL("date", NUL, S("yyyy-MM-dd")));
    check_null(CALL("date", NUL, S("yyyy-MM-dd"), NUL));
    check_iso(CALL("date", NUL, S("yyyy-MM-dd"), ok(CALL0("now"))), "2021-10-26T10:10:24Z");
    check_iso(CALL("date", NUL, S("yyyy-MM-dd"), S("2020-01-01")), "2020-01-01T00:00:00Z");
    check_err(CALL("date", NUL, S("yyyy-MM-dd"), S("whenever")), "date", "DEFAULT_DATE");
    /* The default is for a null DATE only. */
    check_iso(CALL("date", S("2019-10-23"), S("yyyy-MM-dd"), ok(CALL0("now"))),
              "2019-10-23T00:00:00Z");
    check_err(CALL("date", S("bad"), S("yyyy-MM-dd"), ok(CALL0("now"))), "date", "does not match");
    /* A null FORMAT is no format. */
    check_iso(CALL("date", S("2019/10/23"), NUL), "2019-10-23T00:00:00Z");
    check_iso(CALL("date", S("2019/10/23"), NUL, NUL), "2019-10-23T00:00:00Z");
}

static void test_datetime_date_auto_formats(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"2019-10-23 11:24:00+0200", "2019-10-23T11:24:00+02:00"},
        {"2019-10-23 11:24:00.123+0200", "2019-10-23T11:24:00.123+02:00"},
        {"2019-10-23 11:24:00.123", "2019-10-23T11:24:00.123Z"},
        {"2019-10-23T11:24:00.123-05:00", "2019-10-23T11:24:00.123-05:00"},
        {"2019-10-23T11:24:00.123+0530", "2019-10-23T11:24:00.123+05:30"},
        {"2019-10-23T11:24:00Z", "2019-10-23T11:24:00Z"},
        {"2019-10-23", "2019-10-23T00:00:00Z"},
        {"2019/10/23", "2019-10-23T00:00:00Z"},
        {"2019.10.23", "2019-10-23T00:00:00Z"},
        {"2019-Oct-23", "2019-10-23T00:00:00Z"},
        {"20191023", "2019-10-23T00:00:00Z"},
        {"10-23-2019", "2019-10-23T00:00:00Z"},
        {"10232019", "2019-10-23T00:00:00Z"},
        {"12112020", "2020-12-11T00:00:00Z"}, /* the guide's ambiguity: MMddyyyy */
        {"10/23/2019", "2019-10-23T00:00:00Z"},
        {"23.10.2019", "2019-10-23T00:00:00Z"},
        {"10/23/2019 01:02:03 PM", "2019-10-23T13:02:03Z"},
        {"23.10.2019 12:02:03 AM", "2019-10-23T00:02:03Z"},
        {"23.Oct.2019", "2019-10-23T00:00:00Z"},
        {"23-Oct-2019", "2019-10-23T00:00:00Z"},
        {"2019-10-23T11:24", "2019-10-23T11:24:00Z"},
        {"2019-10-23T11:24+01:00", "2019-10-23T11:24:00+01:00"},
        {"2019-10-23T11:24:00", "2019-10-23T11:24:00Z"},
        {"2019-10-23T11:24:00.123456789Z", "2019-10-23T11:24:00.123456789Z"},
        {"2019-10-17T11:55:12 PST", "2019-10-17T12:55:12-07:00"},
        {"2019-10-17 11:55:12 GMT+02:00", "2019-10-17T11:55:12+02:00"},
        {"2020-02-29", "2020-02-29T00:00:00Z"},
        {"0001-01-01", "0001-01-01T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const sl_val *v = CALL("date", S(cases[i].in));
        if (v == NULL) {
            fail_msg("%s: %s", cases[i].in, fn_err.msg);
        }
        char buf[64];
        if (strcmp(sl_datetime_iso(&v->u.dt, buf, sizeof(buf)), cases[i].out) != 0) {
            fail_msg("%s gave %s, not %s", cases[i].in, buf, cases[i].out);
        }
    }
    static const char *const bad[] = {"2019-02-29",
                                      "2019-02-30",
                                      "2019-13-01",
                                      "2019-10-32",
                                      "",
                                      " ",
                                      "yesterday",
                                      "2019-10-23x",
                                      "2019-10-23 25:00",
                                      "１２１１２０２０",
                                      "\xf0\x9d\x9f\x8f\x32\x31\x31\x32\x30\x32\x30"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (CALL("date", S(bad[i])) != NULL) {
            fail_msg("'%s' was read as a date", bad[i]);
        }
        check_err(NULL, "date", "is not a date-time in any supported format");
    }
}

static void test_datetime_date_with_format(void **state)
{
    (void)state;
    check_iso(CALL("date", S("23/10/2019 11:24"), S("dd/MM/yyyy HH:mm")), "2019-10-23T11:24:00Z");
    check_iso(CALL("date", S("2019-10-23 11:24 +0200"), S("yyyy-MM-dd HH:mm Z")),
              "2019-10-23T11:24:00+02:00");
    check_iso(CALL("date", S("2019-10-23 11:24 Europe/Paris"), S("yyyy-MM-dd HH:mm VV")),
              "2019-10-23T11:24:00+02:00");
    check_iso(CALL("date", S("2019年10月23日"), S("yyyy年MM月dd日")), "2019-10-23T00:00:00Z");
    check_iso(CALL("date", S("Wednesday, October 23, 2019"), S("EEEE, MMMM d, yyyy")),
              "2019-10-23T00:00:00Z");
    /* Optional sections: tried with, then without. */
    const sl_val *f = S("yyyy-MM-dd'T'HH:mm:ss[.SSS]X");
    check_iso(CALL("date", S("2019-10-23T11:24:00.250Z"), f), "2019-10-23T11:24:00.250Z");
    check_iso(CALL("date", S("2019-10-23T11:24:00Z"), f), "2019-10-23T11:24:00Z");
    check_iso(CALL("date", S("2019-10-23"), S("yyyy-MM-dd['T'HH:mm]")), "2019-10-23T00:00:00Z");
    check_iso(CALL("date", S("2019-10-23T08:15"), S("yyyy-MM-dd['T'HH:mm]")),
              "2019-10-23T08:15:00Z");
    /* A number field with the digits of a date. */
    check_iso(CALL("date", I(20191023), S("yyyyMMdd")), "2019-10-23T00:00:00Z");
    check_iso(CALL("date", I(20191023)), "2019-10-23T00:00:00Z");
    /* A date-time is already one. */
    check_iso(CALL("date", DT("2019-10-23T11:24:00+02:00"), S("yyyy")),
              "2019-10-23T11:24:00+02:00");
}

static void test_datetime_date_errors(void **state)
{
    (void)state;
    check_err(CALL("date", S("2019-10-23"), S("yyyy/MM/dd")), "date",
              "DATE \"2019-10-23\" does not match FORMAT \"yyyy/MM/dd\"");
    check_err(CALL("date", S("2019-02-29"), S("yyyy-MM-dd")), "date", "does not match");
    check_err(CALL("date", S("2019-10-23 extra"), S("yyyy-MM-dd")), "date", "does not match");
    check_err(CALL("date", S(""), S("yyyy-MM-dd")), "date", "DATE \"\" does not match");
    check_err(CALL("date", S("23 März 2019"), S("dd MMMM yyyy")), "date",
              "DATE \"23 März 2019\" does not match");
    check_err(CALL("date", sl_val_true()), "date", "DATE must be a string, not boolean");
    check_err(CALL("date", D(1.5)), "date", "DATE must be a string, not decimal");
    check_err(CALL("date", S("2019"), I(4)), "date", "FORMAT must be a string, not integer");
    check_err(CALL("date", S("2019"), S("yyyy nn")), "date", "pattern letter 'n'");
    check_err(CALL("date", S("2019"), S("yyyy[MM")), "date", "'[' without ']'");
    check_err(CALL("date", S("2019"), S("yyyy]")), "date", "']' without '['");
    check_err(CALL("date", S("2019"), S("[y[M]]")), "date", "optional sections");
    check_err(CALL("date", S("2019"), S("[y][M][d][H][m]")), "date", "optional sections");
    /* Long strings are not dates; the message is clipped on a character boundary. */
    char text[400];
    memset(text, 'x', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    memcpy(text + 55, "é", 2);
    check_err(CALL("date", S(text), S("yyyy")), "date", "...\" does not match");
    check_err(CALL("date", S("\xff\xfe"), S("yyyy")), "date", "does not match");
}

/* ---- date_part ---- */

static void test_datetime_date_part(void **state)
{
    (void)state;
    check_int(CALL("date_part", S("MM"), ok(CALL("date", S("2019-10-17 11:55:12")))), 10);
    /* Thursday 2019-10-17, day 290, ISO week 42. */
    const sl_val *d = DT("2019-10-17T23:55:12.345Z");
    static const struct {
        const char *part;
        int64_t want;
    } cases[] = {
        {"year", 2019}, {"yyyy", 2019}, {"yy", 2019},       {"YEAR", 2019},
        {"quarter", 4}, {"qq", 4},      {"q", 4},           {"month", 10},
        {"mm", 10},     {"m", 10},      {"dayofyear", 290}, {"dy", 290},
        {"y", 290},     {"day", 17},    {"dd", 17},         {"d", 17},
        {"week", 42},   {"ww", 42},     {"w", 42},          {"weekday", 4},
        {"dw", 4},      {"hour", 23},   {"hh", 23},         {"hh24", 23},
        {"hh12", 11},   {"minute", 55}, {"mi", 55},         {"n", 55},
        {"second", 12}, {"ss", 12},     {"s", 12},          {"millisecond", 345},
        {"ms", 345},    {"SSS", 345},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const sl_val *v = ok(CALL("date_part", S(cases[i].part), d));
        if (v->u.i != cases[i].want) {
            fail_msg("%s gave %lld, not %lld", cases[i].part, (long long)v->u.i,
                     (long long)cases[i].want);
        }
    }
    check_int(CALL("date_part", S("hh12"), DT("2019-10-17T00:10:00Z")), 12);
    check_int(CALL("date_part", S("hh12"), DT("2019-10-17T12:10:00Z")), 12);
    check_int(CALL("date_part", S("weekday"), DT("2019-10-20T00:00:00Z")), 7);
    check_int(CALL("date_part", S("quarter"), DT("2019-03-31T00:00:00Z")), 1);
    /* ISO weeks across a year end. */
    check_int(CALL("date_part", S("week"), DT("2021-01-01T00:00:00Z")), 53);
    check_int(CALL("date_part", S("week"), DT("2019-12-30T00:00:00Z")), 1);
    check_int(CALL("date_part", S("dayofyear"), DT("2020-12-31T00:00:00Z")), 366);
    /* Parts are read in the date-time's own zone. */
    const sl_val *tokyo =
        ok(CALL("zone_date_to_zone", DT("2019-12-31T20:00:00Z"), S("Asia/Tokyo")));
    check_int(CALL("date_part", S("year"), tokyo), 2020);
    check_int(CALL("date_part", S("hour"), tokyo), 5);
    check_int(CALL("date_part", S("hour"), DT("2019-10-17T01:00:00-05:00")), 1);
    check_int(CALL("date_part", S("day"), S("2019-10-17")), 17);
    check_null(CALL("date_part", NUL, d));
    check_null(CALL("date_part", S("day"), NUL));
    check_err(CALL("date_part", S("fortnight"), d), "date_part",
              "COMPONENT \"fortnight\" is not one of");
    check_err(CALL("date_part", S(""), d), "date_part", "COMPONENT \"\" is not one of");
    check_err(CALL("date_part", S("dåy"), d), "date_part", "COMPONENT \"dåy\"");
    check_err(CALL("date_part", I(1), d), "date_part", "COMPONENT must be a string, not integer");
    check_err(CALL("date_part", S("day"), S("soon")), "date_part", "DATE \"soon\"");
    check_err(CALL("date_part", S("day"), I(5)), "date_part", "DATE must be a date-time");
}

/* ---- set_date_part ---- */

static void test_datetime_set_date_part(void **state)
{
    (void)state;
    check_iso(CALL("set_date_part", S("m"), I(4), ok(CALL("date", S("2016-11-09T11:44:44.797")))),
              "2016-04-09T11:44:44Z");
    const sl_val *d = DT("2020-02-29T10:20:30Z");
    check_iso(CALL("set_date_part", S("year"), I(2021), d), "2021-02-28T10:20:30Z");
    check_iso(CALL("set_date_part", S("yy"), I(2024), d), "2024-02-29T10:20:30Z");
    check_iso(CALL("set_date_part", S("MONTH"), I(1), d), "2020-01-29T10:20:30Z");
    check_iso(CALL("set_date_part", S("month"), I(2), DT("2019-01-31T00:00:00Z")),
              "2019-02-28T00:00:00Z");
    check_iso(CALL("set_date_part", S("dd"), I(1), d), "2020-02-01T10:20:30Z");
    check_iso(CALL("set_date_part", S("hh"), I(0), d), "2020-02-29T00:20:30Z");
    check_iso(CALL("set_date_part", S("n"), I(59), d), "2020-02-29T10:59:30Z");
    check_iso(CALL("set_date_part", S("s"), I(0), d), "2020-02-29T10:20:00Z");
    check_iso(CALL("set_date_part", S("day"), S("3"), d), "2020-02-03T10:20:30Z");
    check_iso(CALL("set_date_part", S("day"), I(3), S("2020-02-29")), "2020-02-03T00:00:00Z");
    /* A fixed offset stays. */
    check_iso(CALL("set_date_part", S("hour"), I(1), DT("2020-06-01T12:00:00+05:30")),
              "2020-06-01T01:00:00+05:30");
    /* A zone's offset follows its rules: Paris summer to winter. */
    const sl_val *paris =
        ok(CALL("zone_date_to_zone", DT("2020-06-01T10:00:00Z"), S("Europe/Paris")));
    check_iso(paris, "2020-06-01T12:00:00+02:00");
    check_iso(CALL("set_date_part", S("month"), I(12), paris), "2020-12-01T12:00:00+01:00");
    /* New York: 02:30 on 2021-03-14 does not exist and moves forward. */
    const sl_val *ny =
        ok(CALL("zone_date_to_zone", DT("2021-03-14T06:30:00Z"), S("America/New_York")));
    check_iso(ny, "2021-03-14T01:30:00-05:00");
    check_iso(CALL("set_date_part", S("hour"), I(2), ny), "2021-03-14T03:30:00-04:00");
    /* 01:30 on 2021-11-07 happens twice: the current offset is kept. */
    const sl_val *first =
        ok(CALL("zone_date_to_zone", DT("2021-11-07T05:30:00Z"), S("America/New_York")));
    const sl_val *second =
        ok(CALL("zone_date_to_zone", DT("2021-11-07T06:30:00Z"), S("America/New_York")));
    check_iso(CALL("set_date_part", S("minute"), I(45), first), "2021-11-07T01:45:00-04:00");
    check_iso(CALL("set_date_part", S("minute"), I(45), second), "2021-11-07T01:45:00-05:00");
    check_null(CALL("set_date_part", S("day"), NUL, d));
    check_err(CALL("set_date_part", S("day"), I(31), DT("2020-04-10T00:00:00Z")), "set_date_part",
              "VALUE must be between 1 and 30, not 31");
    check_err(CALL("set_date_part", S("month"), I(13), d), "set_date_part",
              "VALUE must be between 1 and 12, not 13");
    check_err(CALL("set_date_part", S("hour"), I(24), d), "set_date_part", "not 24");
    check_err(CALL("set_date_part", S("minute"), I(-1), d), "set_date_part", "not -1");
    check_err(CALL("set_date_part", S("second"), I(60), d), "set_date_part", "not 60");
    check_err(CALL("set_date_part", S("year"), I(10000), d), "set_date_part", "not 10000");
    check_err(CALL("set_date_part", S("quarter"), I(1), d), "set_date_part",
              "COMPONENT \"quarter\" is not one of year, month");
    check_err(CALL("set_date_part", S("hh24"), I(1), d), "set_date_part", "COMPONENT");
    check_err(CALL("set_date_part", S("day"), S("x"), d), "set_date_part",
              "VALUE must be an integer, not \"x\"");
    check_err(CALL("set_date_part", S("day"), I(1), S("")), "set_date_part", "DATE \"\"");
}

/* ---- make_date_time ---- */

static const sl_val *make(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s,
                          int64_t ns, const sl_val *zone)
{
    return CALL("make_date_time", I(y), I(mo), I(d), I(h), I(mi), I(s), I(ns), zone);
}

static void test_datetime_make_date_time(void **state)
{
    (void)state;
    check_iso(make(2019, 10, 17, 11, 55, 12, 999, S("America/Los_Angeles")),
              "2019-10-17T11:55:12.000000999-07:00");
    check_iso(CALL("make_timestamp", I(2019), I(10), I(17), I(11), I(55), I(12), I(999),
                   S("America/Los_Angeles")),
              "2019-10-17T11:55:12.000000999-07:00");
    check_iso(make(2019, 1, 17, 11, 55, 12, 0, S("America/Los_Angeles")),
              "2019-01-17T11:55:12-08:00");
    check_iso(make(2019, 10, 17, 11, 55, 12, 0, S("UTC")), "2019-10-17T11:55:12Z");
    check_iso(make(2019, 10, 17, 11, 55, 12, 0, S("Z")), "2019-10-17T11:55:12Z");
    check_iso(make(2019, 10, 17, 11, 55, 12, 0, S("+05:30")), "2019-10-17T11:55:12+05:30");
    check_iso(make(2019, 10, 17, 11, 55, 12, 0, S("-0330")), "2019-10-17T11:55:12-03:30");
    check_iso(make(2019, 10, 17, 11, 55, 12, 0, S("UTC+01:00")), "2019-10-17T11:55:12+01:00");
    check_iso(make(2019, 10, 17, 11, 55, 12, 0, S("GMT-2")), "2019-10-17T11:55:12-02:00");
    check_iso(make(2019, 10, 17, 11, 55, 12, 0, S("Asia/Kolkata")), "2019-10-17T11:55:12+05:30");
    check_iso(make(2019, 10, 17, 11, 55, 12, 500000000, S("Etc/GMT+5")),
              "2019-10-17T11:55:12.500-05:00");
    check_iso(make(2020, 2, 29, 0, 0, 0, 0, S("UTC")), "2020-02-29T00:00:00Z");
    check_iso(make(1000, 1, 1, 0, 0, 0, 0, S("UTC")), "1000-01-01T00:00:00Z");
    check_iso(make(9999, 12, 31, 23, 59, 59, 999999999, S("UTC")),
              "9999-12-31T23:59:59.999999999Z");
    /* A skipped wall time moves forward; a repeated one takes the earlier offset. */
    check_iso(make(2021, 3, 14, 2, 30, 0, 0, S("America/New_York")), "2021-03-14T03:30:00-04:00");
    check_iso(make(2021, 11, 7, 1, 30, 0, 0, S("America/New_York")), "2021-11-07T01:30:00-04:00");
    /* Numeric strings are integers; the zone is kept for later conversions. */
    const sl_val *v = ok(CALL("make_date_time", S("2019"), S("10"), S("17"), I(0), I(0), I(0), I(0),
                              S("Europe/Paris")));
    assert_string_equal(v->u.dt.zone, "Europe/Paris");
    check_null(make(2019, 10, 17, 11, 55, 12, 0, NUL));
    check_err(make(2019, 13, 1, 0, 0, 0, 0, S("UTC")), "make_date_time",
              "MONTH must be between 1 and 12, not 13");
    check_err(make(2019, 2, 29, 0, 0, 0, 0, S("UTC")), "make_date_time",
              "DAY 29 is not a day of 2019-02");
    check_err(make(2019, 4, 31, 0, 0, 0, 0, S("UTC")), "make_date_time", "DAY 31");
    check_err(make(2019, 1, 0, 0, 0, 0, 0, S("UTC")), "make_date_time", "DAY must be between");
    check_err(make(2019, 1, 1, 24, 0, 0, 0, S("UTC")), "make_date_time", "HOUR");
    check_err(make(2019, 1, 1, 0, 60, 0, 0, S("UTC")), "make_date_time", "MINUTE");
    check_err(make(2019, 1, 1, 0, 0, 60, 0, S("UTC")), "make_date_time", "SECOND");
    check_err(make(2019, 1, 1, 0, 0, 0, 1000000000, S("UTC")), "make_date_time", "NANOSECOND");
    check_err(make(0, 1, 1, 0, 0, 0, 0, S("UTC")), "make_date_time", "YEAR");
    check_err(make(10000, 1, 1, 0, 0, 0, 0, S("UTC")), "make_date_time", "YEAR");
    check_err(make(2019, 1, 1, 0, 0, 0, 0, S("Mars/Olympus_Mons")), "make_date_time",
              "TIMEZONE \"Mars/Olympus_Mons\" is not a known time zone");
    check_err(make(2019, 1, 1, 0, 0, 0, 0, S("europe/paris")), "make_date_time",
              "not a known time zone");
    check_err(make(2019, 1, 1, 0, 0, 0, 0, S("")), "make_date_time", "not a known time zone");
    check_err(make(2019, 1, 1, 0, 0, 0, 0, S("+19:00")), "make_date_time", "not a known");
    check_err(make(2019, 1, 1, 0, 0, 0, 0, S("Zürich")), "make_date_time", "\"Zürich\"");
    check_err(make(2019, 1, 1, 0, 0, 0, 0, I(1)), "make_date_time",
              "TIMEZONE must be a string, not integer");
    check_err(CALL("make_date_time", S("MMXIX"), I(1), I(1), I(0), I(0), I(0), I(0), S("UTC")),
              "make_date_time", "YEAR must be an integer, not \"MMXIX\"");
}

/* ---- zone_date_to_utc, zone_date_to_zone ---- */

static void test_datetime_zone_date_to_utc(void **state)
{
    (void)state;
    check_iso(CALL("zone_date_to_utc", S("2019-10-17T11:55:12 PST")), "2019-10-17T19:55:12Z");
    check_iso(CALL("zone_date_to_utc", DT("2019-10-17T11:55:12-08:00")), "2019-10-17T19:55:12Z");
    check_iso(CALL("zone_date_to_utc", DT("2019-10-17T11:55:12.5+14:00")),
              "2019-10-16T21:55:12.500Z");
    check_iso(CALL("zone_date_to_utc", DT("2019-10-17T11:55:12Z")), "2019-10-17T11:55:12Z");
    const sl_val *v =
        ok(CALL("zone_date_to_utc", dtz("2019-10-17T11:55:12+02:00", "Europe/Paris")));
    assert_string_equal(v->u.dt.zone, "");
    check_null(CALL("zone_date_to_utc", NUL));
    check_err(CALL("zone_date_to_utc", I(0)), "zone_date_to_utc", "DATE must be a date-time");
    check_err(CALL("zone_date_to_utc", S("teatime")), "zone_date_to_utc", "\"teatime\"");
}

static void test_datetime_zone_date_to_zone(void **state)
{
    (void)state;
    check_iso(CALL("zone_date_to_zone", ok(CALL0("now")), S("Europe/Paris")),
              "2021-10-26T12:10:24+02:00");
    /* The instant of the documented output. */
    check_iso(CALL("zone_date_to_zone", DT("2021-10-26T13:43:59Z"), S("Europe/Paris")),
              "2021-10-26T15:43:59+02:00");
    check_iso(CALL("zone_date_to_zone", DT("2021-12-01T00:00:00Z"), S("Europe/Paris")),
              "2021-12-01T01:00:00+01:00");
    check_iso(CALL("zone_date_to_zone", DT("2021-12-01T00:00:00.25Z"), S("Asia/Kolkata")),
              "2021-12-01T05:30:00.250+05:30");
    check_iso(CALL("zone_date_to_zone", DT("2021-12-01T00:00:00+01:00"), S("UTC")),
              "2021-11-30T23:00:00Z");
    check_iso(CALL("zone_date_to_zone", DT("2021-12-01T00:00:00Z"), S("-03:00")),
              "2021-11-30T21:00:00-03:00");
    check_iso(CALL("zone_date_to_zone", S("2021-12-01"), S("Pacific/Kiritimati")),
              "2021-12-01T14:00:00+14:00");
    /* Before 1883 Los Angeles kept local mean time. */
    check_iso(CALL("zone_date_to_zone", DT("1850-01-01T00:00:00Z"), S("America/Los_Angeles")),
              "1849-12-31T16:07:02-07:52");
    const sl_val *v =
        ok(CALL("zone_date_to_zone", DT("2021-12-01T00:00:00Z"), S("America/Sao_Paulo")));
    assert_string_equal(v->u.dt.zone, "America/Sao_Paulo");
    check_null(CALL("zone_date_to_zone", NUL, S("UTC")));
    check_null(CALL("zone_date_to_zone", DT("2021-12-01T00:00:00Z"), NUL));
    check_err(CALL("zone_date_to_zone", DT("2021-12-01T00:00:00Z"), S("Atlantis")),
              "zone_date_to_zone", "ZONE \"Atlantis\" is not a known time zone");
    check_err(CALL("zone_date_to_zone", DT("2021-12-01T00:00:00Z"), S("")), "zone_date_to_zone",
              "ZONE \"\"");
    check_err(CALL("zone_date_to_zone", DT("2021-12-01T00:00:00Z"), I(2)), "zone_date_to_zone",
              "ZONE must be a string, not integer");
    check_err(CALL("zone_date_to_zone", sl_val_true(), S("UTC")), "zone_date_to_zone",
              "DATE must be a date-time, not boolean");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datetime_rows_documented),
        cmocka_unit_test(test_datetime_now),
        cmocka_unit_test(test_datetime_format_documented),
        cmocka_unit_test(test_datetime_format_letters),
        cmocka_unit_test(test_datetime_format_zones),
        cmocka_unit_test(test_datetime_format_errors),
        cmocka_unit_test(test_datetime_dformat),
        cmocka_unit_test(test_datetime_date_documented),
        cmocka_unit_test(test_datetime_date_nulls),
        cmocka_unit_test(test_datetime_date_auto_formats),
        cmocka_unit_test(test_datetime_date_with_format),
        cmocka_unit_test(test_datetime_date_errors),
        cmocka_unit_test(test_datetime_date_part),
        cmocka_unit_test(test_datetime_set_date_part),
        cmocka_unit_test(test_datetime_make_date_time),
        cmocka_unit_test(test_datetime_zone_date_to_utc),
        cmocka_unit_test(test_datetime_zone_date_to_zone),
    };
    return cmocka_run_group_tests(tests, fn_setup, fn_teardown);
}
