/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_analytics.c: the Adobe Analytics helpers of the Data Prep catalogue (aa_*).
 * They read the two list formats of an Analytics hit:
 *   the event list     "event1=2:abc,event2,scOpen"  (name[=value][:id], comma-separated);
 *   the products list  "cat;name;qty;price;events;evars,cat;name;..."  where events are
 *                      "event1=2.3|event2=5:1" and evars "eVar1=value|eVar2=value".
 * Values come back as the strings the hit holds; a product without the asked-for part gives
 * null in its place, so the arrays line up with the products. */
#include "mapping/func.h"

#include <string.h>

typedef struct span {
    const char *p;
    size_t len;
} span;

static bool span_is(span s, span want)
{
    return s.len == want.len && memcmp(s.p, want.p, s.len) == 0;
}

static span trim(span s)
{
    while (s.len > 0 && (unsigned char)s.p[0] <= ' ') {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && (unsigned char)s.p[s.len - 1] <= ' ') {
        s.len--;
    }
    return s;
}

/* The next piece of `*rest` up to `sep` (the whole rest when there is none); false when
 * `*rest` is used up. */
static bool next_piece(span *rest, char sep, span *piece)
{
    if (rest->p == NULL) {
        return false;
    }
    const char *at = memchr(rest->p, sep, rest->len);
    if (at == NULL) {
        *piece = *rest;
        rest->p = NULL;
        rest->len = 0;
    } else {
        *piece = (span){rest->p, (size_t)(at - rest->p)};
        rest->len -= piece->len + 1;
        rest->p = at + 1;
    }
    return true;
}

/* One event of an event list: name[=value][:id]. */
typedef struct aa_event {
    span name;
    span value; /* empty when the event gives none */
    span id;    /* empty when the event gives none */
} aa_event;

static aa_event parse_event(span item)
{
    aa_event ev = {{item.p, 0}, {NULL, 0}, {NULL, 0}};
    const char *end = item.p + item.len;
    const char *p = item.p;
    while (p < end && *p != '=' && *p != ':') {
        p++;
    }
    ev.name = trim((span){item.p, (size_t)(p - item.p)});
    if (p < end && *p == '=') {
        const char *v = ++p;
        while (p < end && *p != ':') {
            p++;
        }
        ev.value = trim((span){v, (size_t)(p - v)});
    }
    if (p < end && *p == ':') {
        p++;
        ev.id = trim((span){p, (size_t)(end - p)});
    }
    return ev;
}

/* The first event called `want` in a list separated by `sep`; empty items ("a,,b") are no
 * events. */
static bool find_event(span list, char sep, span want, aa_event *ev)
{
    span item;
    while (next_piece(&list, sep, &item)) {
        *ev = parse_event(item);
        if (ev->name.len > 0 && span_is(ev->name, want)) {
            return true;
        }
    }
    return false;
}

/* A string argument: scalars as their text; arrays, objects and lambdas are an error. */
static int text_arg(sl_fn_ctx *cx, const sl_val *v, const char *fn, const char *param, span *out,
                    sl_err *err)
{
    const sl_val *s = NULL;
    if (v->type != SL_VAL_ARRAY && v->type != SL_VAL_OBJECT && v->type != SL_VAL_LAMBDA) {
        s = sl_fn_str(cx, v); /* NULL for null */
    }
    if (s == NULL) {
        (void)sl_fn_fail(err, fn, "%s must be a string, not %s",
                         param != NULL ? param : "the argument", sl_val_type_name(v->type));
        return SL_EINVAL;
    }
    *out = (span){s->u.s.ptr, s->u.s.len};
    return SL_OK;
}

static const sl_val *str_or_null(sl_fn_ctx *cx, span s)
{
    return s.len > 0 ? sl_val_str(cx->arena, s.p, s.len) : sl_val_null();
}

/* The value of an event: "1" when the hit gives none (Analytics counts the event once). */
static const sl_val *event_value(sl_fn_ctx *cx, const aa_event *ev)
{
    return ev->value.len > 0 ? sl_val_str(cx->arena, ev->value.p, ev->value.len)
                             : sl_val_str_owned(cx->arena, "1", 1);
}

/* ---- event lists ---- */

static int event_args(sl_fn_ctx *cx, const sl_val *const *args, const char *fn, span *list,
                      span *name, sl_err *err)
{
    int rc = text_arg(cx, args[0], fn, "EVENT_STRING", list, err);
    if (rc == SL_OK) {
        rc = text_arg(cx, args[1], fn, "EVENT_NAME", name, err);
    }
    if (rc == SL_OK) {
        *name = trim(*name);
    }
    return rc;
}

static int fn_aa_get_event_id(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                              const sl_val **out, sl_err *err)
{
    (void)nargs;
    span list;
    span name;
    aa_event ev;
    int rc = event_args(cx, args, "aa_get_event_id", &list, &name, err);
    if (rc == SL_OK) {
        *out = find_event(list, ',', name, &ev) ? str_or_null(cx, ev.id) : sl_val_null();
    }
    return rc;
}

static int fn_aa_get_event_value(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                                 const sl_val **out, sl_err *err)
{
    (void)nargs;
    span list;
    span name;
    aa_event ev;
    int rc = event_args(cx, args, "aa_get_event_value", &list, &name, err);
    if (rc == SL_OK) {
        *out = find_event(list, ',', name, &ev) ? event_value(cx, &ev) : sl_val_null();
    }
    return rc;
}

/* ---- products lists ---- */

enum {
    PRODUCT_CATEGORY = 0,
    PRODUCT_NAME,
    PRODUCT_QUANTITY,
    PRODUCT_PRICE,
    PRODUCT_EVENTS,
    PRODUCT_EVARS,
};

/* Field `k` of one product entry; empty when the entry has no such field. */
static span product_field(span entry, int k)
{
    span f = {NULL, 0};
    for (int i = 0; i <= k; i++) {
        if (!next_piece(&entry, ';', &f)) {
            return (span){NULL, 0};
        }
    }
    return f;
}

/* What one product contributes to the result. */
typedef const sl_val *(*product_pick)(sl_fn_ctx *cx, span entry, span name);

static const sl_val *pick_category(sl_fn_ctx *cx, span entry, span name)
{
    (void)name;
    return str_or_null(cx, product_field(entry, PRODUCT_CATEGORY));
}

static const sl_val *pick_name(sl_fn_ctx *cx, span entry, span name)
{
    (void)name;
    return str_or_null(cx, product_field(entry, PRODUCT_NAME));
}

static const sl_val *pick_quantity(sl_fn_ctx *cx, span entry, span name)
{
    (void)name;
    return str_or_null(cx, product_field(entry, PRODUCT_QUANTITY));
}

static const sl_val *pick_price(sl_fn_ctx *cx, span entry, span name)
{
    (void)name;
    return str_or_null(cx, product_field(entry, PRODUCT_PRICE));
}

static const sl_val *pick_event_value(sl_fn_ctx *cx, span entry, span name)
{
    aa_event ev;
    return find_event(product_field(entry, PRODUCT_EVENTS), '|', name, &ev) ? event_value(cx, &ev)
                                                                            : sl_val_null();
}

static const sl_val *pick_event_id(sl_fn_ctx *cx, span entry, span name)
{
    aa_event ev;
    return find_event(product_field(entry, PRODUCT_EVENTS), '|', name, &ev) ? str_or_null(cx, ev.id)
                                                                            : sl_val_null();
}

static const sl_val *pick_event(sl_fn_ctx *cx, span entry, span name)
{
    aa_event ev;
    if (!find_event(product_field(entry, PRODUCT_EVENTS), '|', name, &ev)) {
        return sl_val_null();
    }
    sl_val *obj = sl_val_object_new(cx->arena, 2);
    if (ev.id.len > 0) {
        sl_val_object_set(cx->arena, obj, "id", 2, sl_val_str(cx->arena, ev.id.p, ev.id.len));
    }
    sl_val_object_set(cx->arena, obj, "value", 5, event_value(cx, &ev));
    return obj;
}

/* An eVar is name=value, and the value runs to the next '|' (it may hold ':' and '='). */
static const sl_val *pick_evar(sl_fn_ctx *cx, span entry, span name)
{
    span list = product_field(entry, PRODUCT_EVARS);
    span item;
    while (next_piece(&list, '|', &item)) {
        const char *eq = memchr(item.p, '=', item.len);
        span n = trim((span){item.p, eq != NULL ? (size_t)(eq - item.p) : item.len});
        if (eq != NULL && span_is(n, name)) {
            return str_or_null(cx, (span){eq + 1, item.len - (size_t)(eq + 1 - item.p)});
        }
    }
    return sl_val_null();
}

static int products(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const char *fn,
                    const char *name_param, product_pick pick, const sl_val **out, sl_err *err)
{
    span list;
    span name = {"", 0};
    int rc = text_arg(cx, args[0], fn, "PRODUCTS_STRING", &list, err);
    if (rc == SL_OK && nargs > 1) {
        rc = text_arg(cx, args[1], fn, name_param, &name, err);
    }
    if (rc != SL_OK) {
        return rc;
    }
    name = trim(name);
    sl_val *res = sl_val_array_new(cx->arena, 0);
    span entry;
    while (list.len > 0 && next_piece(&list, ',', &entry)) {
        if (entry.len > 0) {
            sl_val_array_push(cx->arena, res, pick(cx, entry, name));
        }
    }
    *out = res;
    return SL_OK;
}

#define PRODUCTS_FN(cname, fname, param, pick)                                                     \
    static int cname(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,   \
                     sl_err *err)                                                                  \
    {                                                                                              \
        return products(cx, args, nargs, fname, param, pick, out, err);                            \
    }

PRODUCTS_FN(fn_aa_get_product_categories, "aa_get_product_categories", NULL, pick_category)
PRODUCTS_FN(fn_aa_get_product_names, "aa_get_product_names", NULL, pick_name)
PRODUCTS_FN(fn_aa_get_product_quantities, "aa_get_product_quantities", NULL, pick_quantity)
PRODUCTS_FN(fn_aa_get_product_prices, "aa_get_product_prices", NULL, pick_price)
PRODUCTS_FN(fn_aa_get_product_event_values, "aa_get_product_event_values", "EVENT_NAME",
            pick_event_value)
PRODUCTS_FN(fn_aa_get_product_evars, "aa_get_product_evars", "EVAR_NAME", pick_evar)
PRODUCTS_FN(fn_aa_get_product_events, "aa_get_product_events", "EVENT_NAME", pick_event)
PRODUCTS_FN(fn_aa_get_product_event_ids, "aa_get_product_event_ids", "EVENT_NAME", pick_event_id)

#define CAT         "Analytics"
#define P_PRODUCTS  "PRODUCTS_STRING: the Analytics products string (required)"
#define P_EVENT     "; EVENT_NAME: the event to extract (required)"
#define AA_ONLY     " Adobe offers the aa_* functions only for Web SDK and Adobe Analytics flows."
#define EX_PRODUCTS "\";Example product 1;1;3.50,Example category 2;Example product 2;1;5.99\""
#define EX_SHORT    "\";Example product 1;1;3.50,Example category 2;Example product 2\""
#define EX_EVENTS                                                                                  \
    "\";Example product 1;1;4.20;event1=2.3|event2=5:1,;Example product 2;1;4.20;"                 \
    "event1=3|event2=2:2\""

const sl_func sl_funcs_analytics[] = {
    {
        .name = "aa_get_event_id",
        .category = CAT,
        .min_args = 2,
        .max_args = 2,
        .impl = fn_aa_get_event_id,
        .syntax = "String aa_get_event_id(String, String)",
        .params = "EVENT_STRING: the comma-separated Analytics event list (required)" P_EVENT,
        .return_type = "String",
        .example = "aa_get_event_id(\"event101=5:123456,scOpen\", \"event101\")",
        .result = "123456",
        .description = "Returns the ID of the named event (the part after ':' in "
                       "name=value:id), as a string; null when the event is absent or has "
                       "no ID. The first event of that name counts." AA_ONLY,
    },
    {
        .name = "aa_get_event_value",
        .category = CAT,
        .min_args = 2,
        .max_args = 2,
        .impl = fn_aa_get_event_value,
        .syntax = "String aa_get_event_value(String, String)",
        .params = "EVENT_STRING: the comma-separated Analytics event list (required)" P_EVENT,
        .return_type = "String",
        .example = "aa_get_event_value(\"event101=5:123456,scOpen\", \"event101\")",
        .result = "5",
        .description = "Returns the value of the named event (the part after '=' in "
                       "name=value:id), as a string; \"1\" when the event gives no value, null "
                       "when it is absent." AA_ONLY,
    },
    {
        .name = "aa_get_product_categories",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_aa_get_product_categories,
        .syntax = "String[] aa_get_product_categories(String)",
        .params = P_PRODUCTS,
        .return_type = "String[]",
        .example = "aa_get_product_categories(" EX_PRODUCTS ")",
        .result = "[null,\"Example category 2\"]",
        .description = "Returns the category (field 1) of each product, null where it is "
                       "empty. Products are separated by ',' and fields by ';'; empty "
                       "products are skipped." AA_ONLY,
    },
    {
        .name = "aa_get_product_names",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_aa_get_product_names,
        .syntax = "String[] aa_get_product_names(String)",
        .params = P_PRODUCTS,
        .return_type = "String[]",
        .example = "aa_get_product_names(" EX_PRODUCTS ")",
        .result = "[\"Example product 1\",\"Example product 2\"]",
        .description = "Returns the name (field 2) of each product, null where it is empty or "
                       "missing." AA_ONLY,
    },
    {
        .name = "aa_get_product_quantities",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_aa_get_product_quantities,
        .syntax = "String[] aa_get_product_quantities(String)",
        .params = P_PRODUCTS,
        .return_type = "String[]",
        .example = "aa_get_product_quantities(" EX_SHORT ")",
        .result = "[\"1\", null]",
        .description = "Returns the quantity (field 3) of each product as a string, null "
                       "where it is empty or missing." AA_ONLY,
    },
    {
        .name = "aa_get_product_prices",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_aa_get_product_prices,
        .syntax = "String[] aa_get_product_prices(String)",
        .params = P_PRODUCTS,
        .return_type = "String[]",
        .example = "aa_get_product_prices(" EX_SHORT ")",
        .result = "[\"3.50\", null]",
        .description = "Returns the price (field 4) of each product as a string, as written "
                       "(\"3.50\" stays \"3.50\"), null where it is empty or missing." AA_ONLY,
    },
    {
        .name = "aa_get_product_event_values",
        .category = CAT,
        .min_args = 2,
        .max_args = 2,
        .impl = fn_aa_get_product_event_values,
        .syntax = "String[] aa_get_product_event_values(String, String)",
        .params = P_PRODUCTS P_EVENT,
        .return_type = "String[]",
        .example = "aa_get_product_event_values(" EX_EVENTS ", \"event1\")",
        .result = "[\"2.3\", \"3\"]",
        .description = "Returns the value of the named event in each product's events (field "
                       "5, events separated by '|', each name=value:id): \"1\" when the event "
                       "gives no value, null for a product without the event." AA_ONLY,
    },
    {
        .name = "aa_get_product_evars",
        .category = CAT,
        .min_args = 2,
        .max_args = 2,
        .impl = fn_aa_get_product_evars,
        .syntax = "String[] aa_get_product_evars(String, String)",
        .params = P_PRODUCTS "; EVAR_NAME: the eVar to extract (required)",
        .return_type = "String[]",
        .example = "aa_get_product_evars(\";Example product;1;6.69;;eVar1=Merchandising "
                   "value\", \"eVar1\")",
        .result = "[\"Merchandising value\"]",
        .description = "Returns the value of the named merchandising eVar in each product's "
                       "eVars (field 6, separated by '|', each name=value), null for a "
                       "product without it. Names match exactly (eVar1, not evar1)." AA_ONLY,
    },
    {
        .name = "aa_get_product_events",
        .category = CAT,
        .min_args = 2,
        .max_args = 2,
        .impl = fn_aa_get_product_events,
        .syntax = "Object[] aa_get_product_events(String, String)",
        .params = P_PRODUCTS P_EVENT,
        .return_type = "Object[]",
        .example = "aa_get_product_events(" EX_EVENTS ", \"event2\")",
        .result = "[{\"id\": \"1\",\"value\": \"5\"}, {\"id\": \"2\",\"value\": \"2\"}]",
        .description =
            "Returns the named event of each product as {\"id\": ID, \"value\": VALUE} (no id "
            "member when the event has none, value \"1\" when it gives none), null for a "
            "product without the event. Adobe's source documents this function but leaves it "
            "commented out of the published page; its example shows value \"1\" for "
            "event2=2:2, which contradicts the name=value:id reading that aa_get_event_value "
            "and aa_get_product_event_ids document, so sluice returns \"2\"." AA_ONLY,
    },
    {
        .name = "aa_get_product_event_ids",
        .category = CAT,
        .min_args = 2,
        .max_args = 2,
        .impl = fn_aa_get_product_event_ids,
        .syntax = "String[] aa_get_product_event_ids(String, String)",
        .params = P_PRODUCTS P_EVENT,
        .return_type = "String[]",
        .example = "aa_get_product_event_ids(" EX_EVENTS ", \"event2\")",
        .result = "[\"1\", \"2\"]",
        .description = "Returns the ID of the named event in each product's events (the part "
                       "after ':'), null for a product without the event or without an ID. "
                       "Adobe's source documents this function but leaves it commented out of "
                       "the published page." AA_ONLY,
    },
    {0},
};
