/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_validate.c: sl_schema_validate, keyword by keyword, on small schemas and on
 * the built-in Customer.io schema with every Customer.io fixture mapped by the built-in
 * mapping; the violation cap, document order, pointers, compile errors and a hostile pattern. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mapping/datetime.h"
#include "mapping/mapping.h"
#include "schema/schema.h"

#include <dirent.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define FIXTURES SL_TEST_DATA "/customerio"

extern const char sl_embed_customerio_schema_json[];
extern const char sl_embed_customerio_mapping_json[];

/* ---- helpers ---- */

static json_object *parse(const char *text)
{
    json_object *o = json_tokener_parse(text);
    if (o == NULL) {
        print_error("test JSON does not parse: %s\n", text);
        fail();
    }
    return o;
}

static sl_schema *compile(const char *text)
{
    json_object *doc = parse(text);
    sl_schema *s = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_schema_compile(doc, &s, &err) != SL_OK) {
        print_error("compile: %s\n", err.msg);
        fail();
    }
    json_object_put(doc);
    return s;
}

/* A schema with one property `v` described by `prop` (a JSON object text). */
static sl_schema *compile_prop(const char *prop)
{
    char text[1024];
    (void)snprintf(text, sizeof(text), "{\"type\":\"object\",\"properties\":{\"v\":%s}}", prop);
    return compile(text);
}

/* Violations of `record` (JSON text) against `s`; fills out[0..SL_VIOLATIONS_MAX). */
static size_t run(const sl_schema *s, const char *record, sl_violation *out)
{
    json_object *rec = parse(record);
    memset(out, 0, sizeof(sl_violation) * SL_VIOLATIONS_MAX);
    size_t n = sl_schema_validate(s, rec, out, SL_VIOLATIONS_MAX);
    json_object_put(rec);
    return n;
}

static void expect_valid(const sl_schema *s, const char *record)
{
    sl_violation v[SL_VIOLATIONS_MAX];
    size_t n = run(s, record, v);
    if (n != 0) {
        print_error("%s: unexpected %s at %s: %s\n", record, v[0].keyword, v[0].pointer,
                    v[0].message);
    }
    assert_int_equal(n, 0);
}

/* Exactly one violation, with this keyword and pointer; returns it for more checks. */
static sl_violation expect_one(const sl_schema *s, const char *record, const char *keyword,
                               const char *pointer)
{
    sl_violation v[SL_VIOLATIONS_MAX];
    size_t n = run(s, record, v);
    if (n != 1) {
        print_error("%s: %zu violations, expected 1 (%s)\n", record, n,
                    n > 0 ? v[0].message : "none");
    }
    assert_int_equal(n, 1);
    assert_string_equal(v[0].keyword, keyword);
    assert_string_equal(v[0].pointer, pointer);
    return v[0];
}

/* `v` (a JSON value text) against property schema `prop`: valid or one `keyword` at #/v. */
static void prop_good(const char *prop, const char *value)
{
    char rec[512];
    sl_schema *s = compile_prop(prop);
    (void)snprintf(rec, sizeof(rec), "{\"v\":%s}", value);
    expect_valid(s, rec);
    sl_schema_destroy(s);
}

static sl_violation prop_bad(const char *prop, const char *value, const char *keyword)
{
    char rec[512];
    sl_schema *s = compile_prop(prop);
    (void)snprintf(rec, sizeof(rec), "{\"v\":%s}", value);
    sl_violation v = expect_one(s, rec, keyword, "#/v");
    assert_string_equal(v.schema_location, "#/properties/v");
    sl_schema_destroy(s);
    return v;
}

/* Append `s` to the NUL-terminated text in buf[cap]; the tests size buffers to fit. */
static void append(char *buf, size_t cap, const char *s)
{
    size_t n = strlen(buf);
    assert_true(n + strlen(s) < cap);
    memcpy(buf + n, s, strlen(s) + 1);
}

static int compile_fails(const char *text, sl_err *err)
{
    json_object *doc = parse(text);
    sl_schema *s = NULL;
    sl_err_clear(err);
    int rc = sl_schema_compile(doc, &s, err);
    assert_null(s);
    json_object_put(doc);
    return rc;
}

/* ---- the built-in schema ---- */

static const char valid_record[] =
    "{\"_id\":\"01KDWQ5TPHZYPC6GR6ZEWN0TC4\",\"event_id\":\"01KDWQ5TPHZYPC6GR6ZEWN0TC4\","
    "\"timestamp\":\"2026-01-01T12:05:33Z\",\"object_type\":\"push\",\"metric\":\"sent\","
    "\"email\":\"jane.doe@example.com\",\"cio_id\":\"d9c106000001\",\"campaign_id\":5,"
    "\"action_id\":96,\"machine\":false,\"subject\":null,"
    "\"recipients\":[{\"device_id\":\"abc\",\"device_platform\":\"ios\"}],"
    "\"headers\":{\"X-Mailer\":[\"cio\"]},\"extra\":{\"not\":\"in the schema\"},"
    "\"identityMap\":{\"Email\":[{\"id\":\"jane.doe@example.com\",\"primary\":true}]}}";

static void test_validate_customerio_record_passes(void **state)
{
    (void)state;
    sl_schema *s = compile(sl_embed_customerio_schema_json);
    expect_valid(s, valid_record);
    sl_schema_destroy(s);
}

static void validate_fixtures_in(const char *dir, const sl_mapping *m, const sl_schema *s,
                                 int *count)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 ||
            strcmp(e->d_name, "signing_vectors.json") == 0) {
            continue;
        }
        char path[512];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        json_object *in = json_object_from_file(path);
        assert_non_null(in);
        json_object *rec = NULL;
        int warn = 0;
        sl_err err;
        sl_err_clear(&err);
        assert_int_equal(sl_mapping_run(m, in, &rec, &warn, &err), SL_OK);
        sl_schema_apply(s, rec);
        sl_violation v[SL_VIOLATIONS_MAX];
        size_t n = sl_schema_validate(s, rec, v, SL_VIOLATIONS_MAX);
        if (n != 0) {
            print_error("%s: %s at %s: %s\n", e->d_name, v[0].keyword, v[0].pointer, v[0].message);
        }
        assert_int_equal(n, 0);
        (*count)++;
        json_object_put(rec);
        json_object_put(in);
    }
    closedir(d);
}

/* Every fixture, mapped and coerced as the pipeline does, is valid against the schema it is
 * mapped to. */
static void test_validate_customerio_fixtures_pass(void **state)
{
    (void)state;
    sl_schema_set_date_parser(sl_datetime_text_to_iso);
    sl_schema *s = compile(sl_embed_customerio_schema_json);
    json_object *set = parse(sl_embed_customerio_mapping_json);
    sl_mapping *m = NULL;
    sl_err err;
    sl_err_clear(&err);
    assert_int_equal(sl_mapping_compile(set, &m, &err), SL_OK);
    int count = 0;
    validate_fixtures_in(FIXTURES, m, s, &count);
    validate_fixtures_in(FIXTURES "/variants", m, s, &count);
    assert_true(count >= 69);
    sl_mapping_destroy(m);
    json_object_put(set);
    sl_schema_destroy(s);
    sl_schema_set_date_parser(NULL);
}

/* ---- type ---- */

static void test_validate_type_top_level(void **state)
{
    (void)state;
    sl_schema *s = compile(sl_embed_customerio_schema_json);
    sl_violation v =
        expect_one(s,
                   "{\"_id\":42,\"event_id\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                   "\"object_type\":\"email\",\"metric\":\"sent\"}",
                   "type", "#/_id");
    assert_string_equal(v.schema_location, "#/properties/_id");
    assert_string_equal(v.message, "expected type: String, found: Long [42]");
    v = expect_one(s,
                   "{\"_id\":\"x\",\"event_id\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                   "\"object_type\":\"email\",\"metric\":\"sent\",\"machine\":\"no\"}",
                   "type", "#/machine");
    assert_string_equal(v.message, "expected type: Boolean, found: String [no]");
    sl_schema_destroy(s);
}

static void test_validate_type_nested(void **state)
{
    (void)state;
    sl_schema *s = compile(sl_embed_customerio_schema_json);
    sl_violation v = expect_one(
        s,
        "{\"_id\":\"x\",\"event_id\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\","
        "\"object_type\":\"push\",\"metric\":\"sent\","
        "\"recipients\":[{\"device_id\":\"a\"},{\"device_id\":5,\"device_platform\":\"ios\"}]}",
        "type", "#/recipients/1/device_id");
    assert_string_equal(v.schema_location, "#/properties/recipients/items/properties/device_id");
    v = expect_one(s,
                   "{\"_id\":\"x\",\"event_id\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                   "\"object_type\":\"push\",\"metric\":\"sent\",\"recipients\":{\"a\":1}}",
                   "type", "#/recipients");
    assert_string_equal(v.message, "expected type: JSONArray, found: JSONObject [{\"a\":1}]");
    sl_schema_destroy(s);
}

static void test_validate_type_numbers(void **state)
{
    (void)state;
    prop_good("{\"type\":\"integer\"}", "7");
    prop_good("{\"type\":\"integer\"}", "2.0");
    prop_good("{\"type\":\"integer\"}", "-9223372036854775808");
    sl_violation v = prop_bad("{\"type\":\"integer\"}", "1.5", "type");
    assert_string_equal(v.message, "expected type: Integer, found: Double [1.5]");
    prop_bad("{\"type\":\"integer\"}", "\"7\"", "type");
    prop_good("{\"type\":\"number\"}", "7");
    prop_good("{\"type\":\"number\"}", "-0.25");
    prop_bad("{\"type\":\"number\"}", "true", "type");
    prop_good("{\"type\":\"boolean\"}", "false");
    prop_bad("{\"type\":\"boolean\"}", "0", "type");
    prop_good("{\"type\":\"object\"}", "{}");
    prop_bad("{\"type\":\"object\"}", "[]", "type");
    prop_good("{\"type\":\"array\"}", "[]");
    prop_bad("{\"type\":\"string\"}", "[\"a\"]", "type");
    prop_good("{\"type\":[\"string\",\"integer\"]}", "3");
    v = prop_bad("{\"type\":[\"string\",\"integer\"]}", "3.5", "type");
    assert_string_equal(v.message, "expected type: one of [String, Integer], found: Double [3.5]");
    prop_good("{}", "{\"anything\":[1]}");
}

/* meta:xdmType byte/short/int/long bound an integer field. */
static void test_validate_xdm_integer_ranges(void **state)
{
    (void)state;
    static const char byte[] = "{\"type\":\"integer\",\"meta:xdmType\":\"byte\"}";
    prop_good(byte, "127");
    prop_good(byte, "-128");
    sl_violation v = prop_bad(byte, "128", "maximum");
    assert_string_equal(v.message, "[128] is greater than the maximum [127] of XDM type byte");
    v = prop_bad(byte, "-129", "minimum");
    assert_string_equal(v.message, "[-129] is less than the minimum [-128] of XDM type byte");
    static const char shrt[] = "{\"type\":\"integer\",\"meta:xdmType\":\"short\"}";
    prop_good(shrt, "32767");
    prop_bad(shrt, "32768", "maximum");
    prop_bad(shrt, "-32769", "minimum");
    static const char in[] = "{\"type\":\"integer\",\"meta:xdmType\":\"int\"}";
    prop_good(in, "2147483647");
    prop_good(in, "-2147483648");
    prop_bad(in, "2147483648", "maximum");
    prop_bad(in, "-2147483649", "minimum");
    static const char lng[] = "{\"type\":\"integer\",\"meta:xdmType\":\"long\"}";
    prop_good(lng, "9223372036854775807");
    prop_good(lng, "-9223372036854775808");
    v = prop_bad(lng, "9223372036854775808", "maximum");
    assert_non_null(strstr(v.message, "[9223372036854775808] is greater than the maximum"));
    prop_bad(lng, "1e19", "maximum");
    /* The hint alone makes the field an integer. */
    prop_bad("{\"meta:xdmType\":\"short\"}", "\"1\"", "type");
}

/* ---- required, null ---- */

static const char nested_schema[] =
    "{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{"
    "\"id\":{\"type\":\"string\"},"
    "\"_sluice\":{\"type\":\"object\",\"required\":[\"email\",\"tier\"],\"properties\":{"
    "\"email\":{\"type\":\"string\",\"format\":\"email\"},\"tier\":{\"type\":\"integer\"}}},"
    "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"sku\"],"
    "\"properties\":{\"sku\":{\"type\":\"string\"}}}}}}";

static void test_validate_required_top_level(void **state)
{
    (void)state;
    sl_schema *s = compile(sl_embed_customerio_schema_json);
    sl_violation v =
        expect_one(s,
                   "{\"_id\":\"x\",\"event_id\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                   "\"object_type\":\"email\"}",
                   "required", "#/metric");
    assert_string_equal(v.message, "required key [metric] not found");
    assert_string_equal(v.schema_location, "#");
    /* A null value is absent, as AEP treats a nulled field. */
    expect_one(s,
               "{\"_id\":\"x\",\"event_id\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\","
               "\"object_type\":\"email\",\"metric\":null}",
               "required", "#/metric");
    sl_schema_destroy(s);
}

static void test_validate_required_nested(void **state)
{
    (void)state;
    sl_schema *s = compile(nested_schema);
    /* An absent optional object is not checked; a present one is. */
    expect_valid(s, "{\"id\":\"1\"}");
    expect_valid(s, "{\"id\":\"1\",\"_sluice\":null}");
    sl_violation v =
        expect_one(s, "{\"id\":\"1\",\"_sluice\":{\"tier\":2}}", "required", "#/_sluice/email");
    assert_string_equal(v.message, "required key [email] not found");
    assert_string_equal(v.schema_location, "#/properties/_sluice");
    v = expect_one(s, "{\"id\":\"1\",\"items\":[{\"sku\":\"a\"},{\"qty\":2}]}", "required",
                   "#/items/1/sku");
    assert_string_equal(v.schema_location, "#/properties/items/items");
    sl_schema_destroy(s);
}

/* Optional fields that are null pass whatever their type; so do fields the schema does not
 * name. */
static void test_validate_null_and_unknown_fields_pass(void **state)
{
    (void)state;
    sl_schema *s = compile(nested_schema);
    expect_valid(s, "{\"id\":\"1\",\"_sluice\":{\"email\":\"a@b.co\",\"tier\":2,\"x\":null},"
                    "\"items\":[null,{\"sku\":\"a\",\"qty\":null}],\"extra\":[1,2]}");
    expect_valid(s, "{\"id\":\"1\",\"items\":null}");
    sl_schema_destroy(s);
}

/* sl_schema_check_required keeps its behaviour (top level, null counts as missing). */
static void test_validate_check_required_unchanged(void **state)
{
    (void)state;
    sl_schema *s = compile(nested_schema);
    json_object *rec = parse("{\"id\":null,\"_sluice\":{}}");
    sl_err err;
    sl_err_clear(&err);
    assert_int_equal(sl_schema_check_required(s, rec, &err), SL_ESCHEMA);
    assert_string_equal(err.msg, "required field 'id' is missing");
    assert_string_equal(err.loc.pointer, "/id");
    json_object_put(rec);
    rec = parse("{\"id\":\"1\",\"_sluice\":{}}");
    sl_err_clear(&err);
    assert_int_equal(sl_schema_check_required(s, rec, &err), SL_OK);
    json_object_put(rec);
    sl_schema_destroy(s);
}

/* ---- enum, pattern ---- */

static void test_validate_enum(void **state)
{
    (void)state;
    static const char e[] = "{\"enum\":[\"sent\",\"opened\",3,true,null,{\"a\":[1]}]}";
    prop_good(e, "\"sent\"");
    prop_good(e, "3");
    prop_good(e, "3.0"); /* compared by value */
    prop_good(e, "true");
    prop_good(e, "{\"a\":[1.0]}");
    sl_violation v = prop_bad(e, "\"Sent\"", "enum");
    assert_string_equal(v.message, "[Sent] is not a valid enum value; expected one of "
                                   "[\"sent\",\"opened\",3,true,null,{\"a\":[1]}]");
    prop_bad(e, "\"3\"", "enum");
    prop_bad(e, "false", "enum");
    prop_bad(e, "{\"a\":[1],\"b\":2}", "enum");
    prop_bad(e, "[\"sent\"]", "enum");
    prop_good("{\"type\":\"integer\",\"enum\":[1,2]}", "2");
    prop_bad("{\"type\":\"integer\",\"enum\":[1,2]}", "4", "enum");
}

static void test_validate_pattern(void **state)
{
    (void)state;
    static const char p[] = "{\"type\":\"string\",\"pattern\":\"^[A-Z]{2}-[0-9]+$\"}";
    prop_good(p, "\"AB-12\"");
    sl_violation v = prop_bad(p, "\"ab-12\"", "pattern");
    assert_string_equal(v.message, "string [ab-12] does not match pattern [^[A-Z]{2}-[0-9]+$]");
    prop_bad(p, "\"AB-\"", "pattern");
    /* Unanchored, as JSON Schema (and AEP) search for the pattern. */
    prop_good("{\"pattern\":\"b+\"}", "\"abbbc\"");
    prop_bad("{\"pattern\":\"b+\"}", "\"ac\"", "pattern");
    /* UTF-8 aware. */
    prop_good("{\"pattern\":\"^.{3}$\"}", "\"日本語\"");
    /* Only strings are matched. */
    prop_good("{\"pattern\":\"^a$\"}", "5");
}

/* A catastrophic-backtracking pattern ends at the match limit: a violation, quickly. */
static void test_validate_pattern_backtracking_is_bounded(void **state)
{
    (void)state;
    struct timespec t0;
    struct timespec t1;
    sl_schema *s = compile_prop("{\"type\":\"string\",\"pattern\":\"^(a+)+$\"}");
    (void)clock_gettime(CLOCK_MONOTONIC, &t0);
    sl_violation v =
        expect_one(s, "{\"v\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}", "pattern", "#/v");
    (void)clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("backtracking pattern took %.3f s: %s\n", secs, v.message);
    assert_true(secs < 2.0);
    assert_non_null(strstr(v.message, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"));
    assert_true(strstr(v.message, "limit") != NULL || strstr(v.message, "does not match") != NULL);
    sl_schema_destroy(s);
}

/* ---- formats ---- */

static void test_validate_format_date_time(void **state)
{
    (void)state;
    static const char dt[] = "{\"type\":\"string\",\"format\":\"date-time\"}";
    static const char *const good[] = {
        "2026-01-01T12:03:42Z",           "2026-01-01T12:03:42.5Z",
        "2026-01-01T12:03:42.123456789Z", "2026-01-01T12:03:42+05:30",
        "2026-01-01T12:03:42.123-08:00",  "2024-02-29T00:00:00Z",
        "2000-02-29T23:59:59Z",           "1999-12-31T00:00:00+00:00",
        "2026-04-30T00:00:00Z",
    };
    static const char *const bad[] = {
        "2023-02-29T00:00:00Z",            /* not a leap year */
        "1900-02-29T00:00:00Z",            /* divisible by 100, not by 400 */
        "2024-02-30T00:00:00Z",            /* Feb 30 */
        "2026-04-31T00:00:00Z",            /* April has 30 days */
        "2026-13-01T00:00:00Z",            /* month */
        "2026-01-00T00:00:00Z",            /* day */
        "2026-01-01T24:00:00Z",            /* hour */
        "2026-01-01T12:60:00Z",            /* minute */
        "2026-01-01T12:00:60Z",            /* second */
        "2026-01-01T12:03:42",             /* no zone */
        "2026-01-01 12:03:42Z",            /* space */
        "2026-01-01t12:03:42z",            /* lower case */
        "2026-01-01T12:03:42.Z",           /* empty fraction */
        "2026-01-01T12:03:42.1234567890Z", /* 10 digits */
        "2026-01-01T12:03:42+0530",        /* offset without colon */
        "2026-01-01T12:03:42+24:00",       /* offset hour */
        "2026-01-01T12:03:42Z ",           /* trailing space */
        "2026-1-01T12:03:42Z",             /* short month */
        "26-01-01T12:03:42Z",              /* short year */
        "2026-01-01",                      /* a date */
        "",
    };
    char v[64];
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        (void)snprintf(v, sizeof(v), "\"%s\"", good[i]);
        prop_good(dt, v);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        (void)snprintf(v, sizeof(v), "\"%s\"", bad[i]);
        prop_bad(dt, v, "format");
    }
    sl_violation x = prop_bad(dt, "\"2018-00-23T22:07:01Z\"", "format");
    assert_string_equal(x.message, "[2018-00-23T22:07:01Z] is not a valid date-time. Expected "
                                   "[yyyy-MM-dd'T'HH:mm:ss.SSSXXX]");
    /* meta:xdmType date-time is read as the format, as coercion reads it. */
    prop_bad("{\"type\":\"string\",\"meta:xdmType\":\"date-time\"}", "\"yesterday\"", "format");
}

static void test_validate_format_date(void **state)
{
    (void)state;
    static const char d[] = "{\"type\":\"string\",\"format\":\"date\"}";
    prop_good(d, "\"2024-02-29\"");
    prop_good(d, "\"2026-12-31\"");
    prop_bad(d, "\"2025-02-29\"", "format");
    prop_bad(d, "\"2024-02-30\"", "format");
    prop_bad(d, "\"2026-06-31\"", "format");
    prop_bad(d, "\"2026-01-01T00:00:00Z\"", "format");
    sl_violation v = prop_bad(d, "\"01/02/2026\"", "format");
    assert_string_equal(v.message, "[01/02/2026] is not a valid date. Expected [yyyy-MM-dd]");
}

static void test_validate_format_email(void **state)
{
    (void)state;
    static const char e[] = "{\"type\":\"string\",\"format\":\"email\"}";
    prop_good(e, "\"jane.doe@example.com\"");
    prop_good(e, "\"a+tag@mail.example.co.uk\"");
    prop_good(e, "\"josé@exämple.com\"");
    sl_violation v = prop_bad(e, "\"jane.example.com\"", "format");
    assert_string_equal(v.message, "[jane.example.com] is not a valid email address");
    prop_bad(e, "\"a@b@example.com\"", "format");
    prop_bad(e, "\"@example.com\"", "format");
    prop_bad(e, "\"jane@localhost\"", "format");
    prop_bad(e, "\"jane@example.\"", "format");
    prop_bad(e, "\"jane@.example.com\"", "format");
    prop_bad(e, "\"jane@example..com\"", "format");
    prop_bad(e, "\"jane doe@example.com\"", "format");
    prop_bad(e, "\"jane@\"", "format");
    prop_bad(e, "\"\"", "format");
}

static void test_validate_format_uri(void **state)
{
    (void)state;
    static const char u[] = "{\"type\":\"string\",\"format\":\"uri\"}";
    prop_good(u, "\"https://www.example.com/pricing?utm_source=cio#top\"");
    prop_good(u, "\"mailto:jane@example.com\"");
    prop_good(u, "\"urn:isbn:0451450523\"");
    prop_good(u, "\"coap+tcp://h/a%20b\"");
    sl_violation v = prop_bad(u, "\"www.example.com\"", "format");
    assert_string_equal(v.message, "[www.example.com] is not a valid URI");
    prop_bad(u, "\"1http://x\"", "format");
    prop_bad(u, "\"://x\"", "format");
    prop_bad(u, "\"https://exa mple.com\"", "format");
    prop_bad(u, "\"https://x/%zz\"", "format");
    prop_bad(u, "\"https://x/<a>\"", "format");
    prop_bad(u, "\"ht_tp://x\"", "format");
    static const char r[] = "{\"type\":\"string\",\"format\":\"uri-reference\"}";
    prop_good(r, "\"/pricing?x=1\"");
    prop_good(r, "\"https://x\"");
    prop_good(r, "\"\"");
    prop_bad(r, "\"/a b\"", "format");
}

static void test_validate_format_uuid_and_unknown(void **state)
{
    (void)state;
    static const char u[] = "{\"type\":\"string\",\"format\":\"uuid\"}";
    prop_good(u, "\"96479064-7b8a-4d69-b9ed-21c5683837ea\"");
    prop_good(u, "\"96479064-7B8A-4D69-B9ED-21C5683837EA\"");
    sl_violation v = prop_bad(u, "\"96479064-7b8a-4d69-b9ed-21c5683837e\"", "format");
    assert_string_equal(v.message, "[96479064-7b8a-4d69-b9ed-21c5683837e] is not a valid UUID");
    prop_bad(u, "\"96479064x7b8a-4d69-b9ed-21c5683837ea\"", "format");
    prop_bad(u, "\"g6479064-7b8a-4d69-b9ed-21c5683837ea\"", "format");
    prop_good("{\"type\":\"string\",\"format\":\"hostname\"}", "\"not checked\"");
}

/* ---- ranges ---- */

static void test_validate_minimum_maximum(void **state)
{
    (void)state;
    static const char r[] = "{\"type\":\"number\",\"minimum\":0,\"maximum\":10}";
    prop_good(r, "0");
    prop_good(r, "10");
    prop_good(r, "10.0");
    prop_good(r, "0.0");
    sl_violation v = prop_bad(r, "-1", "minimum");
    assert_string_equal(v.message, "[-1] is less than the minimum [0]");
    prop_bad(r, "-0.001", "minimum");
    v = prop_bad(r, "10.5", "maximum");
    assert_string_equal(v.message, "[10.5] is greater than the maximum [10]");
    prop_bad(r, "11", "maximum");
    /* Integers beyond a double's precision compare exactly. */
    static const char big[] = "{\"type\":\"integer\",\"maximum\":9007199254740992}";
    prop_good(big, "9007199254740992");
    prop_bad(big, "9007199254740993", "maximum");
    prop_good("{\"maximum\":2.5}", "2");
    prop_bad("{\"minimum\":2.5}", "2", "minimum");
}

static void test_validate_exclusive_bounds(void **state)
{
    (void)state;
    static const char r[] = "{\"type\":\"number\",\"exclusiveMinimum\":0,\"exclusiveMaximum\":10}";
    prop_good(r, "0.001");
    prop_good(r, "9.999");
    sl_violation v = prop_bad(r, "0", "exclusiveMinimum");
    assert_string_equal(v.message, "[0] is not greater than the exclusive minimum [0]");
    prop_bad(r, "0.0", "exclusiveMinimum");
    v = prop_bad(r, "10", "exclusiveMaximum");
    assert_string_equal(v.message, "[10] is not less than the exclusive maximum [10]");
    prop_bad(r, "11", "exclusiveMaximum");
    /* Draft 4 spelling: a boolean makes minimum/maximum exclusive. */
    static const char d4[] =
        "{\"minimum\":1,\"exclusiveMinimum\":true,\"maximum\":5,\"exclusiveMaximum\":false}";
    prop_bad(d4, "1", "exclusiveMinimum");
    prop_good(d4, "5");
    prop_bad(d4, "5.5", "maximum");
}

static void test_validate_string_lengths_count_code_points(void **state)
{
    (void)state;
    static const char r[] = "{\"type\":\"string\",\"minLength\":3,\"maxLength\":5}";
    prop_good(r, "\"abc\"");
    prop_good(r, "\"héllo\"");  /* 5 code points, 6 bytes */
    prop_good(r, "\"日本語\""); /* 3 code points, 9 bytes */
    prop_good(r, "\"😀😀😀😀😀\"");  /* 5 code points, 20 bytes */
    sl_violation v = prop_bad(r, "\"ab\"", "minLength");
    assert_string_equal(v.message, "[ab] is 2 characters long; expected at least 3");
    prop_bad(r, "\"é\"", "minLength"); /* 2 bytes, 1 code point */
    v = prop_bad(r, "\"日本語日本語\"", "maxLength");
    assert_string_equal(v.message, "[日本語日本語] is 6 characters long; expected at most 5");
    prop_bad(r, "\"😀😀😀😀😀😀\"", "maxLength");
    prop_good("{\"maxLength\":0}", "\"\"");
}

static void test_validate_items_and_counts(void **state)
{
    (void)state;
    static const char r[] = "{\"type\":\"array\",\"minItems\":1,\"maxItems\":3,"
                            "\"items\":{\"type\":\"string\",\"maxLength\":2}}";
    prop_good(r, "[\"a\"]");
    prop_good(r, "[\"a\",\"bb\",\"\"]");
    sl_violation v = prop_bad(r, "[]", "minItems");
    assert_string_equal(v.message, "[[]] has 0 items; expected at least 1");
    v = prop_bad(r, "[\"a\",\"b\",\"c\",\"d\"]", "maxItems");
    assert_string_equal(v.message, "[[\"a\",\"b\",\"c\",\"d\"]] has 4 items; expected at most 3");
    sl_schema *s = compile_prop(r);
    v = expect_one(s, "{\"v\":[\"a\",7]}", "type", "#/v/1");
    assert_string_equal(v.schema_location, "#/properties/v/items");
    v = expect_one(s, "{\"v\":[\"a\",\"b\",\"ccc\"]}", "maxLength", "#/v/2");
    assert_string_equal(v.message, "[ccc] is 3 characters long; expected at most 2");
    sl_schema_destroy(s);
}

/* ---- objects ---- */

static void test_validate_additional_properties(void **state)
{
    (void)state;
    sl_schema *s = compile("{\"type\":\"object\",\"additionalProperties\":false,"
                           "\"properties\":{\"a\":{\"type\":\"string\"}}}");
    expect_valid(s, "{\"a\":\"x\"}");
    sl_violation v =
        expect_one(s, "{\"a\":\"x\",\"workEmail\":\"y\"}", "additionalProperties", "#/workEmail");
    assert_string_equal(v.message, "extraneous key [workEmail] is not permitted");
    assert_string_equal(v.schema_location, "#");
    assert_string_equal(sl_violation_category(v.keyword), "unclassified");
    sl_schema_destroy(s);
    /* A map: every value is checked against the additionalProperties schema. */
    s = compile(sl_embed_customerio_schema_json);
    v = expect_one(s,
                   "{\"_id\":\"x\",\"event_id\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                   "\"object_type\":\"email\",\"metric\":\"sent\","
                   "\"headers\":{\"X-A\":[\"1\"],\"X-B\":[\"2\",3]}}",
                   "type", "#/headers/X-B/1");
    assert_string_equal(v.schema_location, "#/properties/headers/additionalProperties/items");
    sl_schema_destroy(s);
}

static void test_validate_pointer_escaping(void **state)
{
    (void)state;
    sl_schema *s = compile("{\"type\":\"object\",\"properties\":{\"a/b~c\":{\"type\":\"object\","
                           "\"required\":[\"x~/y\"],\"properties\":{}}}}");
    sl_violation v = expect_one(s, "{\"a/b~c\":{}}", "required", "#/a~1b~0c/x~0~1y");
    assert_string_equal(v.schema_location, "#/properties/a~1b~0c");
    assert_string_equal(v.message, "required key [x~/y] not found");
    sl_schema_destroy(s);
}

/* ---- messages ---- */

static void test_validate_long_values_are_cut(void **state)
{
    (void)state;
    char value[512] = "\"";
    char want[512] = "expected type: Integer, found: String [";
    for (int i = 0; i < 100; i++) {
        append(value, sizeof(value), i % 10 == 0 ? "A" : "b");
        if (i < 64) {
            append(want, sizeof(want), i % 10 == 0 ? "A" : "b");
        }
    }
    append(value, sizeof(value), "\"");
    append(want, sizeof(want), "…]");
    sl_violation v = prop_bad("{\"type\":\"integer\"}", value, "type");
    assert_string_equal(v.message, want);
    /* Multi-byte values are cut at a character, short enough for the message to end whole. */
    value[0] = '\0';
    append(value, sizeof(value), "\"");
    for (int i = 0; i < 100; i++) {
        append(value, sizeof(value), "😀");
    }
    append(value, sizeof(value), "\"");
    v = prop_bad("{\"enum\":[\"a\"]}", value, "enum");
    assert_non_null(strstr(v.message, "😀😀…] is not a valid enum value; expected one of [\"a\"]"));
    assert_non_null(strstr(v.message, "[😀😀"));
    /* Control characters are shown escaped, never raw. */
    v = prop_bad("{\"type\":\"integer\"}", "\"a\\nb\"", "type");
    assert_string_equal(v.message, "expected type: Integer, found: String [a\\u000ab]");
}

/* ---- the cap and document order ---- */

static void test_validate_cap_keeps_document_order(void **state)
{
    (void)state;
    sl_schema *s = compile(
        "{\"type\":\"object\",\"required\":[\"id\",\"ts\"],\"properties\":{"
        "\"id\":{\"type\":\"string\"},\"ts\":{\"type\":\"string\",\"format\":\"date-time\"},"
        "\"n\":{\"type\":\"integer\",\"minimum\":1},\"kind\":{\"enum\":[\"a\",\"b\"]},"
        "\"code\":{\"type\":\"string\",\"pattern\":\"^[0-9]+$\"},"
        "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
        "\"email\":{\"type\":\"string\",\"format\":\"email\"}}}");
    static const char rec[] = "{\"code\":\"x1\",\"n\":0,\"ts\":\"2026-02-30T00:00:00Z\","
                              "\"tags\":[\"a\",1],\"kind\":\"c\",\"email\":\"nope\"}";
    /* id missing (the object's own check comes first), then the members as they appear. */
    static const struct {
        const char *keyword;
        const char *pointer;
    } want[] = {
        {"required", "#/id"}, {"pattern", "#/code"}, {"minimum", "#/n"},    {"format", "#/ts"},
        {"type", "#/tags/1"}, {"enum", "#/kind"},    {"format", "#/email"},
    };
    sl_violation v[SL_VIOLATIONS_MAX + 1];
    memset(v, 0, sizeof(v));
    json_object *r = parse(rec);
    size_t n = sl_schema_validate(s, r, v, SL_VIOLATIONS_MAX);
    assert_int_equal(n, 7);
    for (size_t i = 0; i < SL_VIOLATIONS_MAX; i++) {
        assert_string_equal(v[i].keyword, want[i].keyword);
        assert_string_equal(v[i].pointer, want[i].pointer);
    }
    assert_string_equal(v[SL_VIOLATIONS_MAX].keyword, ""); /* nothing written past max */
    /* With room for all, the last two follow in the same order. */
    sl_violation all[8];
    assert_int_equal(sl_schema_validate(s, r, all, 8), 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(all[i].keyword, want[i].keyword);
        assert_string_equal(all[i].pointer, want[i].pointer);
    }
    /* Counting only. */
    assert_int_equal(sl_schema_validate(s, r, NULL, 0), 7);
    json_object_put(r);
    sl_schema_destroy(s);
}

/* ---- compile errors ---- */

static void test_validate_invalid_pattern_fails_compile(void **state)
{
    (void)state;
    sl_err err;
    assert_int_equal(compile_fails("{\"properties\":{\"email\":{\"type\":\"string\","
                                   "\"pattern\":\"^[a-z+$\"}}}",
                                   &err),
                     SL_EINVAL);
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "schema field 'email'"));
    assert_non_null(strstr(err.msg, "^[a-z+$"));
    assert_non_null(strstr(err.msg, "missing terminating ]"));
    assert_non_null(strstr(err.msg, "at offset 7"));
    assert_string_equal(err.loc.pointer, "/properties/email/pattern");
    /* Nested fields are named by their path. */
    assert_int_equal(compile_fails("{\"properties\":{\"a\":{\"type\":\"array\",\"items\":{"
                                   "\"properties\":{\"b\":{\"pattern\":\"(\"}}}}}}",
                                   &err),
                     SL_EINVAL);
    assert_non_null(strstr(err.msg, "schema field 'a[].b'"));
    assert_string_equal(err.loc.pointer, "/properties/a/items/properties/b/pattern");
}

static void test_validate_malformed_keywords_fail_compile(void **state)
{
    (void)state;
    static const struct {
        const char *prop;
        const char *pointer;
    } cases[] = {
        {"{\"type\":\"long\"}", "/properties/f/type"},
        {"{\"type\":[\"string\",7]}", "/properties/f/type"},
        {"{\"enum\":\"a\"}", "/properties/f/enum"},
        {"{\"pattern\":5}", "/properties/f/pattern"},
        {"{\"minimum\":\"5\"}", "/properties/f/minimum"},
        {"{\"exclusiveMaximum\":\"x\"}", "/properties/f/exclusiveMaximum"},
        {"{\"minLength\":-1}", "/properties/f/minLength"},
        {"{\"maxItems\":1.5}", "/properties/f/maxItems"},
        {"{\"required\":[1]}", "/properties/f/required"},
        {"{\"additionalProperties\":1}", "/properties/f/additionalProperties"},
        {"{\"items\":\"x\"}", "/properties/f/items"},
        {"{\"format\":1}", "/properties/f/format"},
        {"{\"properties\":[]}", "/properties/f/properties"},
        {"\"string\"", "/properties/f"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[256];
        sl_err err;
        (void)snprintf(text, sizeof(text), "{\"properties\":{\"f\":%s}}", cases[i].prop);
        assert_int_equal(compile_fails(text, &err), SL_EINVAL);
        assert_non_null(strstr(err.msg, "'f'"));
        assert_string_equal(err.loc.pointer, cases[i].pointer);
    }
}

static void test_validate_schema_depth_is_bounded(void **state)
{
    (void)state;
    /* 17 levels of fields compile (Schema Registry's limit); 18 do not. */
    char text[2048] = "";
    for (int depth = 17; depth <= 18; depth++) {
        text[0] = '\0';
        for (int i = 0; i < depth; i++) {
            append(text, sizeof(text), "{\"type\":\"object\",\"properties\":{\"a\":");
        }
        append(text, sizeof(text), "{\"type\":\"string\"}");
        for (int i = 0; i < depth; i++) {
            append(text, sizeof(text), "}}");
        }
        json_tokener *tok = json_tokener_new_ex(64); /* deeper than json-c's default 32 */
        json_object *doc = json_tokener_parse_ex(tok, text, (int)strlen(text));
        json_tokener_free(tok);
        assert_non_null(doc);
        sl_schema *s = NULL;
        sl_err err;
        sl_err_clear(&err);
        int rc = sl_schema_compile(doc, &s, &err);
        if (depth == 17) {
            assert_int_equal(rc, SL_OK);
            sl_schema_destroy(s);
        } else {
            assert_int_equal(rc, SL_EINVAL);
            assert_non_null(strstr(err.msg, "deeper than"));
        }
        json_object_put(doc);
    }
}

/* ---- categories ---- */

static void test_validate_category(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"type", "type"},
        {"required", "presence"},
        {"enum", "enum"},
        {"pattern", "pattern"},
        {"format", "format"},
        {"minimum", "range"},
        {"maximum", "range"},
        {"exclusiveMinimum", "range"},
        {"exclusiveMaximum", "range"},
        {"minLength", "range"},
        {"maxLength", "range"},
        {"minItems", "range"},
        {"maxItems", "range"},
        {"additionalProperties", "unclassified"},
        {"somethingElse", "unclassified"},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        assert_string_equal(sl_violation_category(pairs[i][0]), pairs[i][1]);
    }
    assert_string_equal(sl_violation_category(NULL), "unclassified");
}

/* ---- threads ---- */

typedef struct worker {
    const sl_schema *s;
    size_t bad;
} worker;

static void *validate_many(void *arg)
{
    worker *w = arg;
    json_object *good = json_tokener_parse(valid_record);
    json_object *bad = json_tokener_parse("{\"_id\":1,\"email\":\"aaaaaaaaaaaaaaaaaaaaaaaaa!\"}");
    for (int i = 0; i < 20; i++) { /* each bad record runs the pattern to its limit */
        sl_violation v[SL_VIOLATIONS_MAX];
        if (sl_schema_validate(w->s, good, v, SL_VIOLATIONS_MAX) != 0 ||
            sl_schema_validate(w->s, bad, v, SL_VIOLATIONS_MAX) != 6 ||
            strcmp(v[0].pointer, "#/timestamp") != 0 || strcmp(v[4].pointer, "#/_id") != 0) {
            w->bad++;
        }
    }
    json_object_put(good);
    json_object_put(bad);
    return NULL;
}

/* One compiled schema (patterns included) validates from several threads at once. */
static void test_validate_shared_between_threads(void **state)
{
    (void)state;
    json_object *doc = parse(sl_embed_customerio_schema_json);
    json_object *props = NULL;
    assert_true(json_object_object_get_ex(doc, "properties", &props));
    json_object *email = NULL;
    assert_true(json_object_object_get_ex(props, "email", &email));
    json_object_object_add(email, "pattern",
                           json_object_new_string("^((a+)+|jane[.]doe@example[.]com)$"));
    sl_schema *s = NULL;
    sl_err err;
    sl_err_clear(&err);
    assert_int_equal(sl_schema_compile(doc, &s, &err), SL_OK);
    json_object_put(doc);
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i].s = s;
        w[i].bad = 0;
        assert_int_equal(pthread_create(&t[i], NULL, validate_many, &w[i]), 0);
    }
    size_t bad = 0;
    for (int i = 0; i < 4; i++) {
        bad += pthread_join(t[i], NULL) != 0 ? 1 : w[i].bad;
    }
    assert_int_equal(bad, 0);
    sl_schema_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_customerio_record_passes),
        cmocka_unit_test(test_validate_customerio_fixtures_pass),
        cmocka_unit_test(test_validate_type_top_level),
        cmocka_unit_test(test_validate_type_nested),
        cmocka_unit_test(test_validate_type_numbers),
        cmocka_unit_test(test_validate_xdm_integer_ranges),
        cmocka_unit_test(test_validate_required_top_level),
        cmocka_unit_test(test_validate_required_nested),
        cmocka_unit_test(test_validate_null_and_unknown_fields_pass),
        cmocka_unit_test(test_validate_check_required_unchanged),
        cmocka_unit_test(test_validate_enum),
        cmocka_unit_test(test_validate_pattern),
        cmocka_unit_test(test_validate_pattern_backtracking_is_bounded),
        cmocka_unit_test(test_validate_format_date_time),
        cmocka_unit_test(test_validate_format_date),
        cmocka_unit_test(test_validate_format_email),
        cmocka_unit_test(test_validate_format_uri),
        cmocka_unit_test(test_validate_format_uuid_and_unknown),
        cmocka_unit_test(test_validate_minimum_maximum),
        cmocka_unit_test(test_validate_exclusive_bounds),
        cmocka_unit_test(test_validate_string_lengths_count_code_points),
        cmocka_unit_test(test_validate_items_and_counts),
        cmocka_unit_test(test_validate_additional_properties),
        cmocka_unit_test(test_validate_pointer_escaping),
        cmocka_unit_test(test_validate_long_values_are_cut),
        cmocka_unit_test(test_validate_cap_keeps_document_order),
        cmocka_unit_test(test_validate_invalid_pattern_fails_compile),
        cmocka_unit_test(test_validate_malformed_keywords_fail_compile),
        cmocka_unit_test(test_validate_schema_depth_is_bounded),
        cmocka_unit_test(test_validate_category),
        cmocka_unit_test(test_validate_shared_between_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
