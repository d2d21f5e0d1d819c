/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_analytics.c: the Adobe Analytics helpers of the Data Prep catalogue
 * (mapping/funcs_analytics.c): event lists and products strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mapping/func.h"

#include <json-c/json.h>
#include <string.h>

static sl_arena *arena;
static sl_fn_ctx cx;
static sl_err err;
static const sl_val *out;

static int setup(void **state)
{
    (void)state;
    arena = sl_arena_create(0);
    memset(&cx, 0, sizeof(cx));
    cx.arena = arena;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_arena_destroy(arena);
    arena = NULL;
    return 0;
}

/* Call `name` as the evaluator will: the row's arity holds, and unless the row takes nulls a
 * null argument makes the result null without a call. */
static int call_v(const char *name, const sl_val *const *args, size_t n)
{
    const sl_func *f = sl_func_find(name, strlen(name));
    if (f == NULL) {
        print_error("no function %s\n", name);
        fail();
        return SL_EINVAL;
    }
    assert_true((int)n >= f->min_args);
    assert_true(f->max_args == SL_FN_VARIADIC || (int)n <= f->max_args);
    sl_err_clear(&err);
    out = NULL;
    if ((f->flags & SL_FN_TAKES_NULL) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (sl_val_is_null(args[i])) {
                out = sl_val_null();
                return SL_OK;
            }
        }
    }
    int rc = f->impl(&cx, args, n, &out, &err);
    if (rc == SL_OK) {
        assert_non_null(out);
    } else {
        assert_int_equal(rc, SL_EINVAL);
        assert_int_equal(err.code, SL_EINVAL);
        /* Every message names the function. */
        assert_int_equal(strncmp(err.msg, name, strlen(name)), 0);
        assert_int_equal(err.msg[strlen(name)], ':');
    }
    return rc;
}

#define ARGS(...)                                                                                  \
    (const sl_val *const[]){__VA_ARGS__},                                                          \
        sizeof((const sl_val *const[]){__VA_ARGS__}) / sizeof(const sl_val *)
#define CALL(name, ...) call_v(name, ARGS(__VA_ARGS__))

/* A value from JSON text. */
static const sl_val *jv(const char *json)
{
    enum json_tokener_error jerr = json_tokener_success;
    json_object *j = json_tokener_parse_verbose(json, &jerr);
    if (jerr != json_tokener_success) {
        print_error("bad test JSON: %s\n", json);
        fail();
    }
    const sl_val *v = sl_val_from_json(arena, j);
    json_object_put(j);
    return v;
}

static const sl_val *sv(const char *s)
{
    return sl_val_str_c(arena, s);
}

static const sl_val *iv(int64_t i)
{
    return sl_val_int(arena, i);
}

#define NUL sl_val_null()

/* `v` as compact JSON, in the arena. */
static const char *text_of(const sl_val *v)
{
    json_object *j = sl_val_to_json(v);
    const char *t = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
    const char *s = sl_arena_strndup(arena, t, strlen(t));
    json_object_put(j);
    return s;
}

/* The last result equals `json` (key order counts). */
static void assert_out(const char *json)
{
    const char *want = text_of(jv(json));
    const char *got = text_of(out);
    if (strcmp(want, got) != 0) {
        print_error("expected %s, got %s\n", want, got);
        fail();
    }
}

/* The call succeeded with `json`. */
#define EXPECT(json, name, ...)                                                                    \
    do {                                                                                           \
        assert_int_equal(CALL(name, __VA_ARGS__), SL_OK);                                          \
        assert_out(json);                                                                          \
    } while (0)

/* The call failed with a message holding `needle`. */
#define EXPECT_ERROR(needle, name, ...)                                                            \
    do {                                                                                           \
        assert_int_equal(CALL(name, __VA_ARGS__), SL_EINVAL);                                      \
        if (strstr(err.msg, needle) == NULL) {                                                     \
            print_error("expected \"%s\" in \"%s\"\n", needle, err.msg);                           \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* Every row of `table` is documented and filed under `category`. */
static void check_rows(const sl_func *table, const char *category)
{
    for (const sl_func *f = table; f->name != NULL; f++) {
        assert_string_equal(f->category, category);
        assert_non_null(f->impl);
        assert_true(f->syntax != NULL && f->syntax[0] != '\0');
        assert_non_null(f->params);
        assert_true(f->return_type != NULL && f->return_type[0] != '\0');
        assert_true(f->example != NULL && f->example[0] != '\0');
        assert_true(f->result != NULL && f->result[0] != '\0');
        assert_true(f->description != NULL && f->description[0] != '\0');
        assert_true(f->max_args == SL_FN_VARIADIC || f->max_args >= f->min_args);
        assert_ptr_equal(sl_func_find(f->name, strlen(f->name)), f);
    }
}

static const char *const products =
    ";Example product 1;1;3.50,Example category 2;Example product 2;1;5.99";
static const char *const products_short =
    ";Example product 1;1;3.50,Example category 2;Example product 2";
static const char *const products_events = ";Example product 1;1;4.20;event1=2.3|event2=5:1,;"
                                           "Example product 2;1;4.20;event1=3|event2=2:2";

static void test_analytics_rows(void **state)
{
    (void)state;
    check_rows(sl_funcs_analytics, "Analytics");
}

static void test_analytics_event_id(void **state)
{
    (void)state;
    EXPECT("\"123456\"", "aa_get_event_id", sv("event101=5:123456,scOpen"), sv("event101"));
    EXPECT("null", "aa_get_event_id", sv("event101=5:123456,scOpen"), sv("scOpen"));
    EXPECT("null", "aa_get_event_id", sv("event101=5:123456,scOpen"), sv("event1"));
    EXPECT("\"abc\"", "aa_get_event_id", sv("event1:abc"), sv("event1"));
    EXPECT("\"x\"", "aa_get_event_id", sv("event1 = 2 : x , event2"), sv("event1"));
    EXPECT("\"first\"", "aa_get_event_id", sv("e=1:first,e=2:second"), sv("e"));
    EXPECT("\"ü\"", "aa_get_event_id", sv("événement=1:ü"), sv("événement"));
    EXPECT("null", "aa_get_event_id", sv(""), sv("event1"));
    EXPECT("null", "aa_get_event_id", sv("event1=2:"), sv("event1"));
    EXPECT("null", "aa_get_event_id", NUL, sv("event1"));
    EXPECT_ERROR("aa_get_event_id: EVENT_STRING must be a string, not array", "aa_get_event_id",
                 jv("[\"event1\"]"), sv("event1"));
    EXPECT_ERROR("aa_get_event_id: EVENT_NAME must be a string, not object", "aa_get_event_id",
                 sv("event1"), jv("{}"));
}

static void test_analytics_event_value(void **state)
{
    (void)state;
    EXPECT("\"5\"", "aa_get_event_value", sv("event101=5:123456,scOpen"), sv("event101"));
    /* An event without a value counts once. */
    EXPECT("\"1\"", "aa_get_event_value", sv("event101=5:123456,scOpen"), sv("scOpen"));
    EXPECT("\"1\"", "aa_get_event_value", sv("event1:id"), sv("event1"));
    EXPECT("\"1\"", "aa_get_event_value", sv("event1="), sv("event1"));
    EXPECT("\"2.50\"", "aa_get_event_value", sv("purchase,event7=2.50"), sv("event7"));
    EXPECT("null", "aa_get_event_value", sv("event101=5:123456,scOpen"), sv("event2"));
    EXPECT("null", "aa_get_event_value", sv(""), sv(""));
    EXPECT("\"3\"", "aa_get_event_value", sv("event5=3"), sv(" event5 "));
    EXPECT("\"7\"", "aa_get_event_value", sv("7=7"), iv(7));
    EXPECT("null", "aa_get_event_value", sv("event1"), NUL);
    EXPECT_ERROR("aa_get_event_value: EVENT_STRING must be a string, not object",
                 "aa_get_event_value", jv("{}"), sv("event1"));
}

static void test_analytics_product_fields(void **state)
{
    (void)state;
    EXPECT("[null, \"Example category 2\"]", "aa_get_product_categories", sv(products));
    EXPECT("[\"Example product 1\", \"Example product 2\"]", "aa_get_product_names", sv(products));
    EXPECT("[\"1\", null]", "aa_get_product_quantities", sv(products_short));
    EXPECT("[\"3.50\", null]", "aa_get_product_prices", sv(products_short));
    EXPECT("[\"1\", \"1\"]", "aa_get_product_quantities", sv(products));
    EXPECT("[\"3.50\", \"5.99\"]", "aa_get_product_prices", sv(products));
    /* Empty products (a trailing comma) are skipped; an empty string has none. */
    EXPECT("[\"a\"]", "aa_get_product_names", sv(";a,"));
    EXPECT("[]", "aa_get_product_names", sv(""));
    EXPECT("[null]", "aa_get_product_names", sv("cat"));
    EXPECT("[\"Électronique\"]", "aa_get_product_categories", sv("Électronique;Téléviseur"));
    EXPECT("null", "aa_get_product_names", NUL);
    EXPECT_ERROR("aa_get_product_categories: PRODUCTS_STRING must be a string, not array",
                 "aa_get_product_categories", jv("[]"));
}

static void test_analytics_product_events(void **state)
{
    (void)state;
    EXPECT("[\"2.3\", \"3\"]", "aa_get_product_event_values", sv(products_events), sv("event1"));
    EXPECT("[\"5\", \"2\"]", "aa_get_product_event_values", sv(products_events), sv("event2"));
    EXPECT("[null, \"1\"]", "aa_get_product_event_values", sv(";a;1;2;event9=4,;b;1;2;event3"),
           sv("event3"));
    EXPECT("[null, null]", "aa_get_product_event_values", sv(products_short), sv("event1"));
    EXPECT("[\"1\", \"2\"]", "aa_get_product_event_ids", sv(products_events), sv("event2"));
    EXPECT("[null, null]", "aa_get_product_event_ids", sv(products_events), sv("event1"));
    /* The second value is "2": Adobe's commented-out example shows "1", which its input
     * (event2=2:2) does not hold. */
    EXPECT("[{\"id\": \"1\", \"value\": \"5\"}, {\"id\": \"2\", \"value\": \"2\"}]",
           "aa_get_product_events", sv(products_events), sv("event2"));
    EXPECT("[{\"value\": \"2.3\"}, {\"value\": \"3\"}]", "aa_get_product_events",
           sv(products_events), sv("event1"));
    EXPECT("[null]", "aa_get_product_events", sv(";a;1;2;event1"), sv("event2"));
    EXPECT("[{\"value\": \"1\"}]", "aa_get_product_events", sv(";a;1;2;event1"), sv("event1"));
    EXPECT("[]", "aa_get_product_events", sv(""), sv("event1"));
    EXPECT("null", "aa_get_product_event_ids", sv(products_events), NUL);
    EXPECT_ERROR("aa_get_product_event_values: EVENT_NAME must be a string, not array",
                 "aa_get_product_event_values", sv(products_events), jv("[\"event1\"]"));
    EXPECT_ERROR("aa_get_product_events: PRODUCTS_STRING must be a string, not object",
                 "aa_get_product_events", jv("{}"), sv("event1"));
}

static void test_analytics_product_evars(void **state)
{
    (void)state;
    EXPECT("[\"Merchandising value\"]", "aa_get_product_evars",
           sv(";Example product;1;6.69;;eVar1=Merchandising value"), sv("eVar1"));
    /* The value runs to the next '|', ':' and '=' included. */
    EXPECT("[\"https://x.test/?a=b\", null, null]", "aa_get_product_evars",
           sv(";p1;1;1;;eVar2=x|eVar1=https://x.test/?a=b,;p2,;p3;1;1;;eVar10=y"), sv("eVar1"));
    EXPECT("[null]", "aa_get_product_evars", sv(";p;1;1;;eVar1=v"), sv("evar1"));
    EXPECT("[\"vert clair\"]", "aa_get_product_evars", sv(";p;1;1;;eVar3=vert clair"), sv("eVar3"));
    EXPECT("[null]", "aa_get_product_evars", sv(";p;1;1;;eVar3="), sv("eVar3"));
    EXPECT("[]", "aa_get_product_evars", sv(""), sv("eVar1"));
    EXPECT("null", "aa_get_product_evars", NUL, sv("eVar1"));
    EXPECT_ERROR("aa_get_product_evars: EVAR_NAME must be a string, not array",
                 "aa_get_product_evars", sv(";p"), jv("[]"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_analytics_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_analytics_event_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_analytics_event_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_analytics_product_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_analytics_product_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_analytics_product_evars, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
