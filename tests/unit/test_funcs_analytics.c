/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_analytics.c: the Adobe Analytics helpers of the Data Prep catalogue
 * (mapping/funcs_analytics.c): event lists and products strings. */
#include "fn_harness_json.h"

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
        cmocka_unit_test_setup_teardown(test_analytics_rows, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_analytics_event_id, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_analytics_event_value, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_analytics_product_fields, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_analytics_product_events, fn_setup, fn_teardown),
        cmocka_unit_test_setup_teardown(test_analytics_product_evars, fn_setup, fn_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
