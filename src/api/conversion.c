/* SPDX-License-Identifier: Apache-2.0 */
/* api/conversion.c: mapping sets (/data/foundation/conversion). */
#include "api/api_int.h"
#include "api/resource.h"

#include "core/clock.h"
#include "core/ids.h"
#include "mapping/expr.h"
#include "mapping/func.h"
#include "mapping/mapping.h"
#include "schema/infer.h"
#include "schema/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Give every mapping an id (AEP's mappings have one) and store `doc` as version `version`:
 * "mappingSet/{id}" is the newest, "mappingSetVersion/{id}:{version}" every version, so a flow
 * pinned to an older version keeps running it. */
static int store_version(sl_store *st, const char *id, json_object *doc, int version,
                         int64_t created, sl_err *err)
{
    json_object *maps = NULL;
    if (json_object_object_get_ex(doc, "mappings", &maps)) {
        size_t n = json_object_array_length(maps);
        for (size_t i = 0; i < n; i++) {
            json_object *m = json_object_array_get_idx(maps, i);
            json_object *mid = NULL;
            if (json_object_is_type(m, json_type_object) &&
                !json_object_object_get_ex(m, "id", &mid)) {
                char hex[33];
                sl_id_hex(hex, 32);
                json_object_object_add(m, "id", json_object_new_string(hex));
            }
        }
    }
    int64_t now = sl_now_ms();
    json_object_object_add(doc, "id", json_object_new_string(id));
    json_object_object_add(doc, "version", json_object_new_int(version));
    json_object_object_add(doc, "createdDate", json_object_new_int64(created != 0 ? created : now));
    json_object_object_add(doc, "modifiedDate", json_object_new_int64(now));
    char key[64];
    (void)snprintf(key, sizeof(key), "%s:%d", id, version);
    int rc = sl_store_doc_put(st, "mappingSetVersion", key, doc, NULL, err);
    if (rc == SL_OK) {
        rc = sl_store_doc_put(st, "mappingSet", id, doc, NULL, err);
    }
    return rc;
}

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
    int rc = store_version(st, id, doc, 0, 0, err);
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
    {"?:", "elvis", 2,
     "The left side unless it is false by the truth rule (null, false, 0, \"\", [], {}, "
     "no/off), else the right side",
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

/* ---- versions, validation, preview ---- */

/* GET /mappingSets/{id}?version=N: that version; without it, the newest. */
void sl__api_mapping_sets_get_version(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *version = sl_http_query(req, "version");
    if (version == NULL) {
        sl_resource_get(req, ud, &mapping_res);
        return;
    }
    char *end = NULL;
    long v = strtol(version, &end, 10);
    if (end == version || *end != '\0' || v < 0) {
        sl_http_reply_problem(req, 400, "Invalid version",
                              "'version' must be a non-negative integer, not '%.40s'", version);
        return;
    }
    char key[80];
    (void)snprintf(key, sizeof(key), "%.40s:%ld", sl_http_param(req, "id"), v);
    json_object *doc = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_get(app->store, "mappingSetVersion", key, &doc, NULL, NULL, &err) != SL_OK) {
        sl_http_reply_problem(req, 404, NULL, "mapping set %.40s has no version %ld",
                              sl_http_param(req, "id"), v);
        return;
    }
    sl_http_reply_json(req, 200, doc);
}

/* PUT /mappingSets/{id}: replace the mappings; the version goes up by one. */
void sl__api_mapping_sets_put(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *id = sl_http_param(req, "id");
    json_object *body = sl_resource_body(req, false);
    json_object *old = NULL;
    sl_mapping *m = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (body == NULL) {
        return;
    }
    if (sl_mapping_compile(body, &m, &err) != SL_OK) {
        sl_http_reply_problem(req, 400, "Invalid mapping set", "%s", err.msg);
        goto out;
    }
    sl_mapping_destroy(m);
    sl_resource_write_lock();
    if (sl_store_doc_get(app->store, "mappingSet", id, &old, NULL, NULL, &err) != SL_OK) {
        sl_resource_write_unlock();
        sl_http_reply_problem(req, 404, NULL, "no mapping set with id '%.80s'", id);
        goto out;
    }
    json_object *jv = NULL;
    json_object *jc = NULL;
    (void)json_object_object_get_ex(old, "version", &jv);
    (void)json_object_object_get_ex(old, "createdDate", &jc);
    int version = json_object_get_int(jv) + 1;
    int rc = store_version(app->store, id, body, version, json_object_get_int64(jc), &err);
    if (rc == SL_OK) {
        (void)sl__api_reload(app, &err);
    }
    sl_resource_write_unlock();
    if (rc != SL_OK) {
        sl_http_reply_err(req, &err);
        goto out;
    }
    sl_http_reply_json(req, 200, json_object_get(body));
out:
    json_object_put(old);
    json_object_put(body);
}

/* GET /mappingSets/{id}/mappings and /mappings/{mappingId}. */
static void mappings_of(sl_http_req *req, sl_app *app, const char *mapping_id)
{
    const char *id = sl_http_param(req, "id");
    json_object *doc = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_get(app->store, "mappingSet", id, &doc, NULL, NULL, &err) != SL_OK) {
        sl_http_reply_problem(req, 404, NULL, "no mapping set with id '%.80s'", id);
        return;
    }
    json_object *maps = NULL;
    (void)json_object_object_get_ex(doc, "mappings", &maps);
    if (mapping_id == NULL) {
        sl_http_reply_json(req, 200, json_object_get(maps));
        json_object_put(doc);
        return;
    }
    size_t n = json_object_array_length(maps);
    for (size_t i = 0; i < n; i++) {
        json_object *m = json_object_array_get_idx(maps, i);
        json_object *mid = NULL;
        if (json_object_object_get_ex(m, "id", &mid) &&
            strcmp(json_object_get_string(mid), mapping_id) == 0) {
            sl_http_reply_json(req, 200, json_object_get(m));
            json_object_put(doc);
            return;
        }
    }
    json_object_put(doc);
    sl_http_reply_problem(req, 404, NULL, "mapping set %.40s has no mapping '%.40s'", id,
                          mapping_id);
}

void sl__api_mapping_sets_mappings(sl_http_req *req, void *ud)
{
    mappings_of(req, ud, NULL);
}

void sl__api_mapping_sets_mapping(sl_http_req *req, void *ud)
{
    mappings_of(req, ud, sl_http_param(req, "mappingId"));
}

/* POST /mappingSets/validate: compile each mapping on its own, one status per mapping. */
void sl__api_mapping_sets_validate(sl_http_req *req, void *ud)
{
    (void)ud;
    json_object *body = sl_resource_body(req, false);
    if (body == NULL) {
        return;
    }
    json_object *maps = NULL;
    if (!json_object_object_get_ex(body, "mappings", &maps) ||
        !json_object_is_type(maps, json_type_array)) {
        json_object_put(body);
        sl_http_reply_problem(req, 400, "Invalid mapping set", "'mappings' must be an array");
        return;
    }
    json_object *out = json_object_new_array();
    size_t n = json_object_array_length(maps);
    for (size_t i = 0; i < n; i++) {
        json_object *one = json_object_new_object();
        json_object *arr = json_object_new_array();
        json_object_array_add(arr, json_object_get(json_object_array_get_idx(maps, i)));
        json_object_object_add(one, "mappings", arr);
        sl_mapping *m = NULL;
        sl_err err;
        sl_err_clear(&err);
        json_object *r = json_object_new_object();
        if (sl_mapping_compile(one, &m, &err) == SL_OK) {
            json_object_object_add(r, "status", json_object_new_string("SUCCESS"));
            json_object_object_add(r, "errors", NULL);
        } else {
            json_object *e = json_object_new_object();
            json_object *src = NULL;
            json_object *dst = NULL;
            json_object *mp = json_object_array_get_idx(maps, i);
            if (json_object_is_type(mp, json_type_object)) {
                (void)json_object_object_get_ex(mp, "source", &src);
                (void)json_object_object_get_ex(mp, "destination", &dst);
            }
            json_object_object_add(e, "source", json_object_get(src));
            json_object_object_add(e, "destination", json_object_get(dst));
            /* The message names the mapping as index 0 of its one-mapping set. */
            const char *msg = err.msg;
            if (strncmp(msg, "mappings[0]", 11) == 0) {
                msg += 11;
                while (*msg == '.' || *msg == ' ' || *msg == ':') {
                    msg++;
                }
            }
            json_object_object_add(e, "exception", json_object_new_string(msg));
            json_object *errs = json_object_new_array();
            json_object_array_add(errs, e);
            json_object_object_add(r, "status", json_object_new_string("FAILED"));
            json_object_object_add(r, "errors", errs);
        }
        sl_mapping_destroy(m);
        json_object_put(one);
        json_object_array_add(out, r);
    }
    json_object_put(body);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "validationResponse", out);
    sl_http_reply_json(req, 200, o);
}

/* POST /mappingSets/preview {"data":[rows], "mappingSet":{...}}: run the mappings over each
 * row. With mappingSet.outputSchema the result is coerced to that schema as the pipeline
 * does; without it the mapping is schemaless and nothing is coerced. */
void sl__api_mapping_sets_preview(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    json_object *body = sl_resource_body(req, false);
    json_object *rows = NULL;
    json_object *set = NULL;
    json_object *schema_doc = NULL;
    sl_mapping *m = NULL;
    sl_schema *schema = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (body == NULL) {
        return;
    }
    if (!json_object_object_get_ex(body, "data", &rows) ||
        !json_object_is_type(rows, json_type_array) ||
        !json_object_object_get_ex(body, "mappingSet", &set) ||
        !json_object_is_type(set, json_type_object)) {
        sl_http_reply_problem(req, 400, "Invalid preview",
                              "expected {\"data\": [sample rows], \"mappingSet\": {...}}");
        goto out;
    }
    if (sl_mapping_compile(set, &m, &err) != SL_OK) {
        sl_http_reply_problem(req, 400, "Invalid mapping set", "%s", err.msg);
        goto out;
    }
    json_object *ref = NULL;
    if (json_pointer_get(set, "/outputSchema/schemaRef/id", &ref) == 0 &&
        json_object_is_type(ref, json_type_string)) {
        if (sl_store_doc_get(app->store, "schema", sl__api_schema_key(json_object_get_string(ref)),
                             &schema_doc, NULL, NULL, &err) != SL_OK ||
            sl_schema_compile(schema_doc, &schema, &err) != SL_OK) {
            sl_http_reply_problem(req, 400, "Unknown schema",
                                  "mappingSet.outputSchema.schemaRef.id %.120s names no schema",
                                  json_object_get_string(ref));
            goto out;
        }
    }
    json_object *out = json_object_new_array();
    size_t n = json_object_array_length(rows);
    for (size_t i = 0; i < n && i < 100; i++) {
        json_object *rec = NULL;
        int warn_map = 0;
        json_object *r = json_object_new_object();
        sl_err_clear(&err);
        if (sl_mapping_run(m, json_object_array_get_idx(rows, i), &rec, &warn_map, &err) == SL_OK &&
            schema != NULL) {
            sl_schema_apply(schema, rec);
        }
        /* What the pipeline would refuse: every violation of the schema (at most 5). The
         * pipeline gives a record without _id the event's transaction id first: so here. */
        sl_violation viol[SL_VIOLATIONS_MAX];
        size_t nviol = 0;
        if (schema != NULL && rec != NULL && json_object_is_type(rec, json_type_object)) {
            json_object *idv = NULL;
            bool filled = !json_object_object_get_ex(rec, "_id", &idv) || idv == NULL;
            if (filled) {
                json_object_object_add(rec, "_id", json_object_new_string("preview"));
            }
            nviol = sl_schema_validate(schema, rec, viol, SL_VIOLATIONS_MAX);
            if (filled) {
                json_object_object_del(rec, "_id");
            }
        }
        json_object_object_add(r, "data", rec);
        if (warn_map > 0 || err.code != SL_OK || nviol > 0) {
            json_object *errs = json_object_new_array();
            for (size_t v = 0; v < nviol && v < SL_VIOLATIONS_MAX; v++) {
                char msg[600];
                (void)snprintf(msg, sizeof(msg), "%.24s: %.256s (%.256s)", viol[v].keyword,
                               viol[v].message, viol[v].pointer);
                json_object_array_add(errs, json_object_new_string(msg));
            }
            if (warn_map > 0 || err.code != SL_OK) {
                char msg[320];
                (void)snprintf(msg, sizeof(msg), "%d field(s) could not be mapped or coerced%s%s",
                               warn_map, err.msg[0] != '\0' ? ": " : "", err.msg);
                json_object_array_add(errs, json_object_new_string(msg));
            }
            json_object_object_add(r, "errors", errs);
        } else {
            json_object_object_add(r, "errors", NULL);
        }
        json_object_array_add(out, r);
    }
    sl_http_reply_json(req, 200, out);
out:
    sl_mapping_destroy(m);
    sl_schema_destroy(schema);
    json_object_put(schema_doc);
    json_object_put(body);
}

/* POST /languages/el/validate {"expression": "..."}: 200 when it compiles, else 400 with the
 * first error's position (the contract's shape) and every error in "errors". */
void sl__api_el_validate(sl_http_req *req, void *ud)
{
    (void)ud;
    json_object *body = sl_resource_body(req, false);
    if (body == NULL) {
        return;
    }
    json_object *jexpr = NULL;
    if (!json_object_object_get_ex(body, "expression", &jexpr) ||
        !json_object_is_type(jexpr, json_type_string)) {
        json_object_put(body);
        sl_http_reply_problem(req, 400, "Missing expression",
                              "expected {\"expression\": \"...\"} with the expression as a string");
        return;
    }
    const char *text = json_object_get_string(jexpr);
    size_t len = (size_t)json_object_get_string_len(jexpr);
    sl_expr_diag diags[16];
    size_t n = sl_expr_diagnose(text, len, diags, sizeof(diags) / sizeof(diags[0]));
    json_object *o = json_object_new_object();
    if (n == 0) {
        json_object_object_add(o, "validationStatus", json_object_new_string("succeeded"));
        json_object_object_add(o, "error", json_object_new_string("none"));
        json_object_put(body);
        sl_http_reply_json(req, 200, o);
        return;
    }
    json_object_object_add(o, "validationStatus", json_object_new_string("failed"));
    json_object_object_add(o, "error", json_object_new_string(diags[0].msg));
    json_object_object_add(o, "line", json_object_new_int(diags[0].line));
    json_object_object_add(o, "column", json_object_new_int(diags[0].col));
    json_object *all = json_object_new_array();
    for (size_t i = 0; i < n && i < sizeof(diags) / sizeof(diags[0]); i++) {
        json_object *d = json_object_new_object();
        json_object_object_add(d, "line", json_object_new_int(diags[i].line));
        json_object_object_add(d, "column", json_object_new_int(diags[i].col));
        json_object_object_add(d, "error", json_object_new_string(diags[i].msg));
        json_object_array_add(all, d);
    }
    json_object_object_add(o, "errors", all);
    json_object_put(body);
    sl_http_reply_json(req, 400, o);
}

/* ---- recommendations ---- */

/* Where Customer.io puts the seven fields every Customer.io dataflow maps (aep-api.md §1.4),
 * and the other well-known ones, by the target field's name. */
static const struct {
    const char *target;
    const char *source;
} cio_paths[] = {
    {"_id", "event_id"},
    {"object_type", "object_type"},
    {"metric", "metric"},
    {"event_id", "event_id"},
    {"timestamp", "timestamp"},
    {"id", "data.identifiers.id"},
    {"email", "data.identifiers.email"},
    {"email", "data.email_address"}, /* customer events without identifiers */
    {"cio_id", "data.identifiers.cio_id"},
    {"customer_id", "data.customer_id"},
    {"delivery_id", "data.delivery_id"},
    {"recipient", "data.recipient"},
    {"subject", "data.subject"},
};

/* Leaf paths of a schema's properties tree ("a.b"), in document order. */
static void leaf_paths(json_object *props, const char *prefix, json_object *out, int depth)
{
    if (depth > 16 || !json_object_is_type(props, json_type_object)) {
        return;
    }
    json_object_object_foreach(props, key, field)
    {
        char path[512];
        (void)snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] != '\0' ? "." : "", key);
        json_object *sub = NULL;
        json_object *type = NULL;
        (void)json_object_object_get_ex(field, "type", &type);
        bool object = type != NULL && strcmp(json_object_get_string(type), "object") == 0;
        if (object && json_object_object_get_ex(field, "properties", &sub)) {
            leaf_paths(sub, path, out, depth + 1);
        } else {
            json_object_array_add(out, json_object_new_string(path));
        }
    }
}

/* Lower-case letters and digits only: "Event_ID" and "eventId" both become "eventid". */
static void normalise_name(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s != '\0' && n + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            out[n++] = (char)c;
        } else if (c >= 'A' && c <= 'Z') {
            out[n++] = (char)(c - 'A' + 'a');
        }
    }
    out[n] = '\0';
}

static const char *last_segment(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot != NULL ? dot + 1 : path;
}

static bool has_path(json_object *paths, const char *p)
{
    size_t n = json_object_array_length(paths);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(json_object_get_string(json_object_array_get_idx(paths, i)), p) == 0) {
            return true;
        }
    }
    return false;
}

/* The best source for target field `target`, and why. */
static const char *recommend_one(json_object *sources, const char *target, const char **why)
{
    const char *leaf = last_segment(target);
    for (size_t i = 0; i < sizeof(cio_paths) / sizeof(cio_paths[0]); i++) {
        if (strcmp(cio_paths[i].target, leaf) == 0 && has_path(sources, cio_paths[i].source)) {
            *why = "customerio";
            return cio_paths[i].source;
        }
    }
    if (has_path(sources, target)) {
        *why = "exact";
        return target;
    }
    char want[128];
    normalise_name(leaf, want, sizeof(want));
    size_t n = json_object_array_length(sources);
    const char *by_name = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *src = json_object_get_string(json_object_array_get_idx(sources, i));
        if (strcmp(last_segment(src), leaf) == 0) {
            *why = "name";
            return src;
        }
        char got[128];
        normalise_name(last_segment(src), got, sizeof(got));
        if (by_name == NULL && want[0] != '\0' && strcmp(got, want) == 0) {
            by_name = src;
        }
    }
    *why = "similar name";
    return by_name;
}

/* POST /sluice/recommendations {"source": schema or sample, "targetSchemaId": "..."}. */
void sl__api_recommendations(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    json_object *body = sl_resource_body(req, false);
    json_object *target = NULL;
    json_object *inferred = NULL;
    json_object *fields = NULL;
    json_object *sources = json_object_new_array();
    json_object *targets = json_object_new_array();
    sl_err err;
    sl_err_clear(&err);
    if (body == NULL) {
        goto out;
    }
    json_object *source = NULL;
    const char *tid = sl__api_req_str(body, "/targetSchemaId", &err);
    if (tid == NULL || !json_object_object_get_ex(body, "source", &source)) {
        sl_http_reply_problem(req, 400, "Invalid request",
                              "expected {\"source\": a schema or a sample event, "
                              "\"targetSchemaId\": a schema $id}");
        goto out;
    }
    if (sl_store_doc_get(app->store, "schema", sl__api_schema_key(tid), &target, NULL, NULL,
                         &err) != SL_OK) {
        sl_http_reply_problem(req, 400, "Unknown schema", "'targetSchemaId' %.120s names no schema",
                              tid);
        goto out;
    }
    json_object *props = NULL;
    if (json_object_is_type(source, json_type_object) &&
        json_object_object_get_ex(source, "properties", &props)) {
        leaf_paths(props, "", sources, 0);
    } else if (sl_schema_infer(source, &inferred, &fields, &err) == SL_OK) {
        (void)json_object_object_get_ex(inferred, "properties", &props);
        leaf_paths(props, "", sources, 0);
    } else {
        sl_http_reply_problem(req, 400, "Invalid source", "%s", err.msg);
        goto out;
    }
    json_object *tprops = NULL;
    (void)json_object_object_get_ex(target, "properties", &tprops);
    leaf_paths(tprops, "", targets, 0);
    json_object *maps = json_object_new_array();
    size_t n = json_object_array_length(targets);
    for (size_t i = 0; i < n; i++) {
        const char *dst = json_object_get_string(json_object_array_get_idx(targets, i));
        const char *why = NULL;
        const char *src = recommend_one(sources, dst, &why);
        if (src == NULL || strcmp(last_segment(dst), "_id") == 0 ||
            strncmp(dst, "identityMap", 11) == 0) {
            continue;
        }
        json_object *m = json_object_new_object();
        json_object_object_add(m, "sourceType", json_object_new_string("ATTRIBUTE"));
        json_object_object_add(m, "source", json_object_new_string(src));
        json_object_object_add(m, "destination", json_object_new_string(dst));
        json_object_object_add(m, "reason", json_object_new_string(why));
        json_object_array_add(maps, m);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "mappings", maps);
    sl_http_reply_json(req, 200, o);
out:
    json_object_put(body);
    json_object_put(target);
    json_object_put(inferred);
    json_object_put(fields);
    json_object_put(sources);
    json_object_put(targets);
}
