/* SPDX-License-Identifier: Apache-2.0 */
/* api/conversion.c: mapping sets (/data/foundation/conversion). */
#include "api/api_int.h"
#include "api/resource.h"

#include "core/clock.h"
#include "core/ids.h"
#include "mapping/func.h"
#include "mapping/mapping.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int sl_api_create_mapping_set(sl_store *st, json_object *body, char *id_out, sl_err *err)
{
    sl_mapping *m = NULL;
    if (sl_mapping_compile(body, &m, err) != SL_OK) {
        return err->code;
    }
    sl_mapping_destroy(m);
    char id[33];
    sl_id_hex(id, 32);
    json_object *doc = NULL;
    (void)json_object_deep_copy(body, &doc, NULL);
    int64_t now = sl_now_ms();
    json_object_object_add(doc, "id", json_object_new_string(id));
    json_object_object_add(doc, "version", json_object_new_int(0));
    json_object_object_add(doc, "createdDate", json_object_new_int64(now));
    json_object_object_add(doc, "modifiedDate", json_object_new_int64(now));
    int rc = sl_store_doc_put(st, "mappingSet", id, doc, NULL, err);
    json_object_put(doc);
    if (rc == SL_OK) {
        (void)snprintf(id_out, 33, "%s", id);
    }
    return rc;
}

/* ---- handlers ---- */

static json_object *mapping_view(const sl_app *app, const char *id, json_object *doc,
                                 const char *etag, const int64_t times[2])
{
    (void)app;
    (void)id;
    (void)etag;
    (void)times;
    json_object *v = NULL;
    (void)json_object_deep_copy(doc, &v, NULL);
    return v;
}

static const sl_resource mapping_res = {
    .kind = "mappingSet",
    .param = "id",
    .noun = "mapping set",
    .view = mapping_view,
    .create = sl_api_create_mapping_set,
    .list_style = SL_LIST_DATA,
};

void sl__api_mapping_sets_create(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    json_object *body = sl_resource_body(req, false);
    if (body == NULL) {
        return;
    }
    char id[64];
    sl_err err;
    sl_err_clear(&err);
    sl_resource_write_lock();
    int rc = sl_api_create_mapping_set(app->store, body, id, &err);
    sl_resource_write_unlock();
    json_object_put(body);
    if (rc != SL_OK) {
        sl_http_reply_problem(req, 400, "Invalid mapping set", "%s", err.msg);
        return;
    }
    json_object *doc = NULL;
    if (sl_store_doc_get(app->store, "mappingSet", id, &doc, NULL, NULL, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    /* AEP answers with the id, version and dates only. */
    json_object *o = json_object_new_object();
    static const char *const keys[] = {"id", "version", "createdDate", "modifiedDate"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_object *v = NULL;
        if (json_object_object_get_ex(doc, keys[i], &v)) {
            json_object_object_add(o, keys[i], json_object_get(v));
        }
    }
    json_object_put(doc);
    sl_http_reply_json(req, 201, o);
}

void sl__api_mapping_sets_get(sl_http_req *req, void *ud)
{
    sl_resource_get(req, ud, &mapping_res);
}

void sl__api_mapping_sets_list(sl_http_req *req, void *ud)
{
    sl_resource_list(req, ud, &mapping_res);
}

/* ---- the expression language's catalogue ---- */

/* The "params" column reads "NAME: description; NAME: description". */
static json_object *params_of(const sl_func *f)
{
    json_object *arr = json_object_new_array();
    if (f->params == NULL || f->params[0] == '\0') {
        return arr;
    }
    char buf[1024];
    (void)snprintf(buf, sizeof(buf), "%s", f->params);
    char *save = NULL;
    int pos = 0;
    for (char *p = strtok_r(buf, ";", &save); p != NULL; p = strtok_r(NULL, ";", &save)) {
        while (*p == ' ') {
            p++;
        }
        json_object *prm = json_object_new_object();
        char *colon = strchr(p, ':');
        if (colon != NULL) {
            *colon = '\0';
            const char *desc = colon + 1;
            while (*desc == ' ') {
                desc++;
            }
            json_object_object_add(prm, "name", json_object_new_string(p));
            json_object_object_add(prm, "description", json_object_new_string(desc));
        } else {
            json_object_object_add(prm, "name", json_object_new_string(p));
            json_object_object_add(prm, "description", json_object_new_string(""));
        }
        json_object_object_add(prm, "position", json_object_new_int(pos++));
        json_object_array_add(arr, prm);
    }
    return arr;
}

void sl__api_el_functions(sl_http_req *req, void *ud)
{
    (void)ud;
    const char *only = sl_http_query(req, "category");
    json_object *arr = json_object_new_array();
    size_t n = sl_func_count();
    for (size_t i = 0; i < n; i++) {
        const sl_func *f = sl_func_at(i);
        if (only != NULL && strcasecmp(only, f->category) != 0) {
            continue;
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, "category", json_object_new_string(f->category));
        json_object_object_add(o, "function", json_object_new_string(f->name));
        json_object_object_add(
            o, "description", json_object_new_string(f->description != NULL ? f->description : ""));
        json_object_object_add(o, "syntax",
                               json_object_new_string(f->syntax != NULL ? f->syntax : ""));
        json_object_object_add(o, "params", params_of(f));
        json_object_object_add(
            o, "returnType", json_object_new_string(f->return_type != NULL ? f->return_type : ""));
        json_object_object_add(o, "example",
                               json_object_new_string(f->example != NULL ? f->example : ""));
        json_object_object_add(o, "result",
                               json_object_new_string(f->result != NULL ? f->result : ""));
        json_object_object_add(o, "minArgs", json_object_new_int(f->min_args));
        json_object_object_add(
            o, "maxArgs", f->max_args == SL_FN_VARIADIC ? NULL : json_object_new_int(f->max_args));
        json_object_object_add(o, "supported",
                               json_object_new_boolean((f->flags & SL_FN_UNSUPPORTED) == 0));
        json_object_array_add(arr, o);
    }
    sl_http_reply_json(req, 200, arr);
}

typedef struct operator_doc {
    const char *symbol;
    const char *method;
    int operands;
    const char *description;
    const char *example;
} operator_doc;

static const operator_doc operators[] = {
    {"+", "add", 2, "Adds numbers; joins strings when either side is a string", "1 + 2"},
    {"-", "subtract", 2, "Subtracts numbers", "5 - 3"},
    {"*", "multiply", 2, "Multiplies numbers", "timestamp * 1000"},
    {"/", "divide", 2, "Divides numbers (div is the same)", "10 / 4"},
    {"%", "mod", 2, "Remainder of a division (mod is the same)", "10 % 4"},
    {"-", "negate", 1, "Negates a number", "-price"},
    {"~", "complement", 1, "Bitwise complement of an integer", "~33"},
    {"!", "not", 1, "Logical not (the word not is the same)", "!is_empty(email)"},
    {"==", "equals", 2, "Equal (eq is the same)", "metric == \"opened\""},
    {"!=", "notEquals", 2, "Not equal (ne is the same)", "metric != \"sent\""},
    {"<", "lessThan", 2, "Less than (lt is the same)", "link_id < 10"},
    {"<=", "lessThanOrEqual", 2, "Less than or equal (le is the same)", "link_id <= 10"},
    {">", "greaterThan", 2, "Greater than (gt is the same)", "link_id > 10"},
    {">=", "greaterThanOrEqual", 2, "Greater than or equal (ge is the same)", "link_id >= 10"},
    {"&&", "and", 2, "Logical and (and is the same)", "a && b"},
    {"||", "or", 2, "Logical or (or is the same)", "a || b"},
    {"?:", "elvis", 2, "The left side unless it is null or false, else the right side",
     "email ?: \"unknown\""},
    {"? :", "ternary", 3, "Condition ? value when true : value when false",
     "metric == \"opened\" ? 1 : 0"},
};

void sl__api_el_operators(sl_http_req *req, void *ud)
{
    (void)ud;
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "operatorSymbol", json_object_new_string(operators[i].symbol));
        json_object_object_add(o, "methodName", json_object_new_string(operators[i].method));
        json_object_object_add(o, "numberOfOperands", json_object_new_int(operators[i].operands));
        json_object_object_add(o, "description", json_object_new_string(operators[i].description));
        json_object_object_add(o, "example", json_object_new_string(operators[i].example));
        json_object_array_add(arr, o);
    }
    sl_http_reply_json(req, 200, arr);
}
