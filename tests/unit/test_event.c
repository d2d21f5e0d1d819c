/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_event.c: the syntax check of collected bodies (sl_event_parse,
 * sl_json_parse): objects only, SL_MAX_JSON_DEPTH, UTF-8, trailing data; and sl_utf8_valid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "collect/event.h"
#include "core/limits.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static int parse_event(const char *body, size_t len, sl_err *err)
{
    sl_str s = {body, len};
    json_object *obj = NULL;
    sl_err_clear(err);
    int rc = sl_event_parse(s, SL_MAX_JSON_DEPTH, &obj, err);
    if (rc == SL_OK) {
        assert_non_null(obj);
        assert_true(json_object_is_type(obj, json_type_object));
    } else {
        assert_null(obj);
        assert_int_equal(err->code, rc);
        assert_true(err->msg[0] != '\0');
    }
    json_object_put(obj);
    return rc;
}

static int parse_event_c(const char *body, sl_err *err)
{
    return parse_event(body, strlen(body), err);
}

static void assert_msg(const sl_err *err, const char *needle)
{
    if (strstr(err->msg, needle) == NULL) {
        print_error("expected \"%s\" in \"%s\"\n", needle, err->msg);
        fail();
    }
}

/* ---- objects --------------------------------------------------------------------------- */

static void test_event_valid_object(void **state)
{
    (void)state;
    sl_err err;
    const char body[] = "{\"event_id\":\"01KDWQ3JDZE1V4FHPK0C4C5522\",\"metric\":\"delivered\","
                        "\"data\":{\"identifiers\":{\"id\":\"42\"},\"n\":[1,2.5,true,null]}}";
    assert_int_equal(parse_event_c(body, &err), SL_OK);
    assert_int_equal(parse_event_c("{}", &err), SL_OK);
    assert_int_equal(parse_event_c(" \r\n\t{\"a\":\"\\u00e9\\ud83d\\ude00\"}", &err), SL_OK);

    json_object *obj = NULL;
    assert_int_equal(sl_event_parse(sl_str_c(body), SL_MAX_JSON_DEPTH, &obj, &err), SL_OK);
    json_object *metric = NULL;
    assert_true(json_object_object_get_ex(obj, "metric", &metric));
    assert_string_equal(json_object_get_string(metric), "delivered");
    json_object_put(obj);

    /* `out` and `err` may be NULL when the caller only wants the verdict. */
    assert_int_equal(sl_event_parse(sl_str_c(body), SL_MAX_JSON_DEPTH, NULL, NULL), SL_OK);
    assert_int_equal(sl_event_parse(sl_str_c("[]"), SL_MAX_JSON_DEPTH, NULL, NULL), SL_EINVAL);
}

/* The body is a slice: bytes past len are not part of it. */
static void test_event_body_is_a_slice(void **state)
{
    (void)state;
    sl_err err;
    const char raw[] = "{\"a\":1}GARBAGE";
    assert_int_equal(parse_event(raw, 7, &err), SL_OK);
    assert_int_equal(parse_event(raw, 6, &err), SL_EINVAL);
    assert_int_equal(parse_event(raw, sizeof(raw) - 1, &err), SL_EINVAL);
}

/* ---- depth ----------------------------------------------------------------------------- */

typedef enum nest_kind {
    NEST_OBJECTS_SCALAR, /* {"a":{"a":...{"a":1}}} */
    NEST_ARRAYS_SCALAR,  /* [[...[1]...]] */
    NEST_OBJECTS_EMPTY,  /* {"a":{"a":...{}}} */
    NEST_ARRAYS_EMPTY,   /* [[...[]...]] */
    NEST_MIXED_SCALAR,   /* {"a":[{"a":[...1]}]}: objects and arrays alternate */
} nest_kind;

static const char *const nest_names[] = {"objects, scalar leaf", "arrays, scalar leaf",
                                         "objects, empty innermost", "arrays, empty innermost",
                                         "objects and arrays, scalar leaf"};

/* `levels` objects/arrays nested in each other; returns owned (release with free). The
 * outermost is an object except for the pure-array kinds. */
static char *nest(nest_kind kind, int levels, size_t *len)
{
    char *s = sl_xmalloc((size_t)levels * 6 + 8);
    size_t n = 0;
    for (int i = 0; i < levels; i++) {
        bool obj = kind == NEST_OBJECTS_SCALAR || kind == NEST_OBJECTS_EMPTY ||
                   (kind == NEST_MIXED_SCALAR && i % 2 == 0);
        bool innermost = i == levels - 1;
        if (!obj) {
            s[n++] = '[';
        } else if (innermost && kind == NEST_OBJECTS_EMPTY) {
            s[n++] = '{';
        } else {
            memcpy(s + n, "{\"a\":", 5);
            n += 5;
        }
    }
    if (kind == NEST_OBJECTS_SCALAR || kind == NEST_ARRAYS_SCALAR || kind == NEST_MIXED_SCALAR) {
        s[n++] = '1';
    }
    for (int i = levels - 1; i >= 0; i--) {
        bool obj = kind == NEST_OBJECTS_SCALAR || kind == NEST_OBJECTS_EMPTY ||
                   (kind == NEST_MIXED_SCALAR && i % 2 == 0);
        s[n++] = obj ? '}' : ']';
    }
    s[n] = '\0';
    *len = n;
    return s;
}

static int parse_nested(nest_kind kind, int levels, int max_depth, sl_err *err)
{
    size_t len = 0;
    char *body = nest(kind, levels, &len);
    sl_str s = {body, len};
    sl_err_clear(err);
    int rc = sl_json_parse(s, max_depth, NULL, err);
    free(body);
    return rc;
}

/* SL_MAX_JSON_DEPTH means: objects and arrays nest at most 64 levels deep, whatever is
 * innermost. A scalar leaf is not a level. */
static void test_event_depth_64_accepted(void **state)
{
    (void)state;
    sl_err err;
    assert_int_equal(SL_MAX_JSON_DEPTH, 64);
    for (int kind = NEST_OBJECTS_SCALAR; kind <= NEST_MIXED_SCALAR; kind++) {
        int rc = parse_nested((nest_kind)kind, SL_MAX_JSON_DEPTH, SL_MAX_JSON_DEPTH, &err);
        if (rc != SL_OK) {
            print_error("%d levels of %s rejected: %s\n", SL_MAX_JSON_DEPTH, nest_names[kind],
                        err.msg);
            fail();
        }
    }
}

static void test_event_depth_65_rejected(void **state)
{
    (void)state;
    sl_err err;
    for (int kind = NEST_OBJECTS_SCALAR; kind <= NEST_MIXED_SCALAR; kind++) {
        int rc = parse_nested((nest_kind)kind, SL_MAX_JSON_DEPTH + 1, SL_MAX_JSON_DEPTH, &err);
        if (rc != SL_EINVAL) {
            print_error("%d levels of %s accepted\n", SL_MAX_JSON_DEPTH + 1, nest_names[kind]);
            fail();
        }
        assert_msg(&err, "nesting is deeper than 64 levels");
    }
    /* Far deeper than the limit fails the same way, without exhausting anything. */
    assert_int_equal(parse_nested(NEST_ARRAYS_EMPTY, 100000, SL_MAX_JSON_DEPTH, &err), SL_EINVAL);
    assert_msg(&err, "nesting is deeper than 64 levels");
}

/* The same rule for any limit, down to 1: a flat object is one level. */
static void test_event_depth_small_limits(void **state)
{
    (void)state;
    sl_err err;
    for (int max = 1; max <= 4; max++) {
        for (int kind = NEST_OBJECTS_SCALAR; kind <= NEST_MIXED_SCALAR; kind++) {
            if (parse_nested((nest_kind)kind, max, max, &err) != SL_OK) {
                print_error("max_depth %d: %d levels of %s rejected: %s\n", max, max,
                            nest_names[kind], err.msg);
                fail();
            }
            if (parse_nested((nest_kind)kind, max + 1, max, &err) != SL_EINVAL) {
                print_error("max_depth %d: %d levels of %s accepted\n", max, max + 1,
                            nest_names[kind]);
                fail();
            }
        }
    }
}

/* ---- UTF-8 ----------------------------------------------------------------------------- */

static void test_event_invalid_utf8_rejected(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"a\":\"\xc0\xaf\"}",         /* overlong '/' */
        "{\"a\":\"\xe0\x80\xaf\"}",     /* overlong, three bytes */
        "{\"a\":\"\xf0\x80\x80\xaf\"}", /* overlong, four bytes */
        "{\"a\":\"\xed\xa0\x80\"}",     /* U+D800, a surrogate */
        "{\"a\":\"\xed\xbf\xbf\"}",     /* U+DFFF */
        "{\"a\":\"\xe2\x82\"}",         /* truncated inside the string */
        "{\"a\":\"\xff\"}",             /* never valid */
        "{\"a\":\"\xfe\"}",             /* never valid */
        "{\"a\":\"\x80\"}",             /* lone continuation byte */
        "{\"a\":\"\xf4\x90\x80\x80\"}", /* past U+10FFFF */
        "{\"\xc3\":1}",                 /* truncated, in a key */
    };
    sl_err err;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse_event_c(bad[i], &err) != SL_EINVAL) {
            print_error("case %zu accepted\n", i);
            fail();
        }
        assert_msg(&err, "not valid UTF-8");
    }
    /* Truncated at the very end of the body. */
    assert_int_equal(parse_event_c("{\"a\":1}\xe2\x82", &err), SL_EINVAL);
    assert_msg(&err, "not valid UTF-8");
    /* Well-formed multi-byte text is fine. */
    assert_int_equal(parse_event_c("{\"name\":\"J\xc3\xa9r\xc3\xb4me \xe2\x82\xac "
                                   "\xf0\x9f\x98\x80\"}",
                                   &err),
                     SL_OK);
}

/* ---- trailing data --------------------------------------------------------------------- */

static void test_event_trailing_garbage_rejected(void **state)
{
    (void)state;
    sl_err err;
    assert_int_equal(parse_event_c("{\"a\":1}x", &err), SL_EINVAL);
    assert_msg(&err, "byte 7");
    assert_int_equal(parse_event_c("{\"a\":1}{\"b\":2}", &err), SL_EINVAL);
    assert_int_equal(parse_event_c("{\"a\":1} 1", &err), SL_EINVAL);
    assert_msg(&err, "at byte 8");
    assert_int_equal(parse_event_c("{\"a\":1}\n\0", &err), SL_OK); /* strlen stops at NUL */
    assert_int_equal(parse_event("{\"a\":1}\n\0", 9, &err), SL_EINVAL);
}

static void test_event_lax_json_rejected(void **state)
{
    (void)state;
    sl_err err;
    assert_int_equal(parse_event_c("{'a':1}", &err), SL_EINVAL);
    assert_msg(&err, "double quotes");
    assert_int_equal(parse_event_c("{\"a\":NaN}", &err), SL_EINVAL);
    assert_msg(&err, "NaN");
    assert_int_equal(parse_event_c("{\"a\":-Infinity}", &err), SL_EINVAL);
    assert_int_equal(parse_event_c("{\"a\":\"x\ty\"}", &err), SL_EINVAL);
    assert_msg(&err, "control character");
    assert_int_equal(parse_event_c("{\"a\":\"line\nbreak\"}", &err), SL_EINVAL);
    /* the same characters escaped, or in a string's text, are fine */
    assert_int_equal(parse_event_c("{\"a\":\"x\\ty 'NaN' Infinity\"}", &err), SL_OK);
}

static void test_event_trailing_whitespace_ok(void **state)
{
    (void)state;
    sl_err err;
    assert_int_equal(parse_event_c("{\"a\":1} \t\r\n", &err), SL_OK);
    assert_int_equal(parse_event_c("{\"a\":1}\n", &err), SL_OK);
}

static void test_event_malformed_rejected(void **state)
{
    (void)state;
    sl_err err;
    assert_int_equal(parse_event_c("{\"a\":1", &err), SL_EINVAL);
    assert_msg(&err, "ends early");
    assert_int_equal(parse_event_c("{\"a\":1,}", &err), SL_EINVAL);
    assert_msg(&err, "malformed JSON");
    assert_int_equal(parse_event_c("{a:1}", &err), SL_EINVAL);
    assert_int_equal(parse_event_c("{\"a\":01}", &err), SL_EINVAL);
    assert_int_equal(parse_event_c("{\"a\":[1,]}", &err), SL_EINVAL);
    assert_int_equal(parse_event_c("{/*c*/\"a\":1}", &err), SL_EINVAL);
    assert_int_equal(parse_event_c("{\"a\":\"\\x41\"}", &err), SL_EINVAL);
    assert_int_equal(parse_event_c("{\"a\":True}", &err), SL_EINVAL);
}

/* ---- top-level type -------------------------------------------------------------------- */

static void test_event_top_level_must_be_object(void **state)
{
    (void)state;
    sl_err err;
    assert_int_equal(parse_event_c("[{\"a\":1}]", &err), SL_EINVAL);
    assert_msg(&err, "the body is a JSON array; expected an object");
    assert_int_equal(parse_event_c("\"text\"", &err), SL_EINVAL);
    assert_msg(&err, "expected an object");
    assert_int_equal(parse_event_c("42 ", &err), SL_EINVAL);
    assert_int_equal(parse_event_c("42", &err), SL_EINVAL);
    assert_int_equal(parse_event_c("true ", &err), SL_EINVAL);
    assert_int_equal(parse_event_c("null ", &err), SL_EINVAL);
}

static void test_event_json_parse_bare_scalars(void **state)
{
    (void)state;
    sl_err err;
    json_object *o = NULL;
    sl_str s = sl_str_c("42");
    assert_int_equal(sl_json_parse(s, 64, &o, &err), SL_OK);
    assert_int_equal(json_object_get_int(o), 42);
    json_object_put(o);
    s = sl_str_c("-1.5 ");
    assert_int_equal(sl_json_parse(s, 64, &o, &err), SL_OK);
    json_object_put(o);
    s = sl_str_c("4 2");
    assert_int_equal(sl_json_parse(s, 64, NULL, &err), SL_EINVAL);
    /* an event must still be an object */
    assert_int_equal(parse_event_c("42", &err), SL_EINVAL);
}

static void test_event_json_parse_accepts_arrays(void **state)
{
    (void)state;
    sl_err err;
    json_object *obj = NULL;
    assert_int_equal(
        sl_json_parse(sl_str_c("[{\"a\":1},{\"b\":2}]"), SL_MAX_JSON_DEPTH, &obj, &err), SL_OK);
    assert_true(json_object_is_type(obj, json_type_array));
    assert_int_equal(json_object_array_length(obj), 2);
    json_object_put(obj);
    obj = NULL;
    assert_int_equal(sl_json_parse(sl_str_c("{\"a\":1}"), SL_MAX_JSON_DEPTH, &obj, &err), SL_OK);
    assert_true(json_object_is_type(obj, json_type_object));
    json_object_put(obj);
    /* The other checks still apply. */
    assert_int_equal(sl_json_parse(sl_str_c("[1] x"), SL_MAX_JSON_DEPTH, NULL, &err), SL_EINVAL);
    assert_int_equal(sl_json_parse(sl_str_c("[\"\xff\"]"), SL_MAX_JSON_DEPTH, NULL, &err),
                     SL_EINVAL);
    assert_int_equal(sl_json_parse(sl_str_c(""), SL_MAX_JSON_DEPTH, NULL, &err), SL_EINVAL);
}

static void test_event_empty_body_rejected(void **state)
{
    (void)state;
    sl_err err;
    sl_str empty = {NULL, 0};
    json_object *obj = NULL;
    assert_int_equal(sl_event_parse(empty, SL_MAX_JSON_DEPTH, &obj, &err), SL_EINVAL);
    assert_null(obj);
    assert_msg(&err, "the body is empty");
    assert_int_equal(parse_event_c(" \n", &err), SL_EINVAL);
}

/* ---- sl_utf8_valid --------------------------------------------------------------------- */

static bool utf8(const char *s)
{
    return sl_utf8_valid(s, strlen(s));
}

static void test_event_utf8_valid_boundaries(void **state)
{
    (void)state;
    assert_true(sl_utf8_valid("", 0));
    assert_true(sl_utf8_valid(NULL, 0));
    assert_true(utf8("plain ascii \x7f"));
    assert_true(sl_utf8_valid("a\0b", 3)); /* U+0000 is a character */
    assert_true(utf8("\xc2\x80"));         /* U+0080, first two-byte */
    assert_true(utf8("\xdf\xbf"));         /* U+07FF, last two-byte */
    assert_true(utf8("\xe0\xa0\x80"));     /* U+0800, first three-byte */
    assert_true(utf8("\xed\x9f\xbf"));     /* U+D7FF, just below the surrogates */
    assert_true(utf8("\xee\x80\x80"));     /* U+E000, just above them */
    assert_true(utf8("\xef\xbf\xbf"));     /* U+FFFF */
    assert_true(utf8("\xf0\x90\x80\x80")); /* U+10000, first four-byte */
    assert_true(utf8("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last code point */
    assert_true(utf8("\xef\xbb\xbf{}"));   /* a BOM is well-formed UTF-8 */
}

static void test_event_utf8_invalid(void **state)
{
    (void)state;
    assert_false(utf8("\xc0\x80"));             /* overlong NUL */
    assert_false(utf8("\xc1\xbf"));             /* overlong U+007F */
    assert_false(utf8("\xe0\x9f\xbf"));         /* overlong U+07FF */
    assert_false(utf8("\xf0\x8f\xbf\xbf"));     /* overlong U+FFFF */
    assert_false(utf8("\xed\xa0\x80"));         /* U+D800 */
    assert_false(utf8("\xed\xbf\xbf"));         /* U+DFFF */
    assert_false(utf8("\xf4\x90\x80\x80"));     /* U+110000 */
    assert_false(utf8("\xf5\x80\x80\x80"));     /* lead byte past U+10FFFF */
    assert_false(utf8("\xf8\x88\x80\x80\x80")); /* five-byte form */
    assert_false(utf8("\xff"));
    assert_false(utf8("\xfe"));
    assert_false(utf8("\x80")); /* continuation without a lead */
    assert_false(utf8("a\xbf"));
    assert_false(utf8("\xc3"));         /* truncated two-byte */
    assert_false(utf8("\xe2\x82"));     /* truncated three-byte */
    assert_false(utf8("\xf0\x9f\x98")); /* truncated four-byte */
    assert_false(utf8("\xe2\x82x"));    /* interrupted by ASCII */
    assert_false(utf8("\xc3\xc3\xa9")); /* interrupted by a lead byte */
}

/* The length is respected both ways: bytes past it are never read or judged. */
static void test_event_utf8_respects_length(void **state)
{
    (void)state;
    const char s[] = "ab\xe2\x82\xac";
    assert_true(sl_utf8_valid(s, 2));
    assert_false(sl_utf8_valid(s, 3));
    assert_false(sl_utf8_valid(s, 4));
    assert_true(sl_utf8_valid(s, 5));
    /* An exact-size heap copy, so ASan catches a read past the end. */
    static const char grin[4] = {'\xf0', '\x9f', '\x98', '\x80'}; /* U+1F600 */
    char *h = sl_xmalloc(sizeof(grin));
    memcpy(h, grin, sizeof(grin));
    assert_true(sl_utf8_valid(h, 4));
    assert_false(sl_utf8_valid(h, 3));
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_valid_object),
        cmocka_unit_test(test_event_body_is_a_slice),
        cmocka_unit_test(test_event_depth_64_accepted),
        cmocka_unit_test(test_event_depth_65_rejected),
        cmocka_unit_test(test_event_depth_small_limits),
        cmocka_unit_test(test_event_invalid_utf8_rejected),
        cmocka_unit_test(test_event_trailing_garbage_rejected),
        cmocka_unit_test(test_event_lax_json_rejected),
        cmocka_unit_test(test_event_trailing_whitespace_ok),
        cmocka_unit_test(test_event_malformed_rejected),
        cmocka_unit_test(test_event_top_level_must_be_object),
        cmocka_unit_test(test_event_json_parse_accepts_arrays),
        cmocka_unit_test(test_event_json_parse_bare_scalars),
        cmocka_unit_test(test_event_empty_body_rejected),
        cmocka_unit_test(test_event_utf8_valid_boundaries),
        cmocka_unit_test(test_event_utf8_invalid),
        cmocka_unit_test(test_event_utf8_respects_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
