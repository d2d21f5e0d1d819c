/* SPDX-License-Identifier: Apache-2.0 */
/* api/profile.c: identity namespaces (/data/core/idnamespace), merge policies, entity lookup,
 * timelines and privacy delete (/data/core/ups), and graph members (/data/core/identity). The
 * profile store itself is profile/profile.h. */
#include "profile/profile.h"
#include "api/api_int.h"
#include "api/resource.h"
#include "core/clock.h"
#include "core/ids.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TIMELINE_DEFAULT_LIMIT 1000
#define TIMELINE_MAX_LIMIT     1000
#define CUSTOM_NS_BASE         2000000

/* ---- identity namespaces ----------------------------------------------------------------- */

static json_object *ns_object(int id, const char *code, const char *name, const char *id_type,
                              const char *desc, bool custom, int64_t created)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int(id));
    json_object_object_add(o, "code", json_object_new_string(code));
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "description", json_object_new_string(desc != NULL ? desc : ""));
    json_object_object_add(o, "idType", json_object_new_string(id_type));
    json_object_object_add(o, "status", json_object_new_string("ACTIVE"));
    json_object_object_add(o, "custom", json_object_new_boolean(custom));
    json_object_object_add(o, "createTime", json_object_new_int64(created));
    json_object_object_add(o, "updateTime", json_object_new_int64(created));
    return o;
}

static json_object *ns_view(json_object *item)
{
    json_object *doc = NULL, *created = NULL;
    (void)json_object_object_get_ex(item, "doc", &doc);
    (void)json_object_object_get_ex(item, "created", &created);
    json_object *v = NULL;
    const char *code = NULL, *name = NULL, *type = NULL, *desc = NULL;
    int id = 0;
    if (json_object_object_get_ex(doc, "code", &v)) {
        code = json_object_get_string(v);
    }
    if (json_object_object_get_ex(doc, "name", &v)) {
        name = json_object_get_string(v);
    }
    if (json_object_object_get_ex(doc, "idType", &v)) {
        type = json_object_get_string(v);
    }
    if (json_object_object_get_ex(doc, "description", &v)) {
        desc = json_object_get_string(v);
    }
    if (json_object_object_get_ex(doc, "id", &v)) {
        id = json_object_get_int(v);
    }
    return ns_object(id, code != NULL ? code : "", name != NULL ? name : "",
                     type != NULL ? type : "", desc, true, json_object_get_int64(created));
}

static json_object *all_namespaces(sl_app *app, sl_err *err)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < sl_builtin_namespaces_len; i++) {
        const sl_builtin_ns *b = &sl_builtin_namespaces[i];
        json_object_array_add(
            arr, ns_object(b->id, b->code, b->name, b->id_type, b->description, false, 0));
    }
    json_object *list = NULL;
    if (sl_store_doc_list(app->store, "idNamespace", &list, err) != SL_OK) {
        json_object_put(arr);
        return NULL;
    }
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(arr, ns_view(json_object_array_get_idx(list, i)));
    }
    json_object_put(list);
    return arr;
}

void sl__api_namespaces_list(sl_http_req *req, void *ud)
{
    sl_err err;
    sl_err_clear(&err);
    json_object *arr = all_namespaces(ud, &err);
    if (arr == NULL) {
        sl_http_reply_err(req, &err);
        return;
    }
    sl_http_reply_json(req, 200, arr);
}

void sl__api_namespaces_get(sl_http_req *req, void *ud)
{
    const char *key = sl_http_param(req, "id");
    sl_err err;
    sl_err_clear(&err);
    json_object *arr = all_namespaces(ud, &err);
    if (arr == NULL) {
        sl_http_reply_err(req, &err);
        return;
    }
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        json_object *code = NULL, *id = NULL;
        (void)json_object_object_get_ex(o, "code", &code);
        (void)json_object_object_get_ex(o, "id", &id);
        char idtext[24];
        (void)snprintf(idtext, sizeof(idtext), "%d", json_object_get_int(id));
        if (strcasecmp(json_object_get_string(code), key) == 0 || strcmp(idtext, key) == 0) {
            json_object *found = json_object_get(o);
            json_object_put(arr);
            sl_http_reply_json(req, 200, found);
            return;
        }
    }
    json_object_put(arr);
    sl_http_reply_problem(req, 404, NULL, "no identity namespace '%.80s'", key);
}

void sl__api_namespaces_create(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    json_object *body = sl_resource_body(req, false);
    if (body == NULL) {
        return;
    }
    sl_err err;
    sl_err_clear(&err);
    const char *name = sl__api_req_str(body, "/name", &err);
    const char *code = name != NULL ? sl__api_req_str(body, "/code", &err) : NULL;
    const char *type = code != NULL ? sl__api_req_str(body, "/idType", &err) : NULL;
    bool bad = false;
    const char *desc = type != NULL ? sl__api_opt_str(body, "/description", &bad, &err) : NULL;
    if (type == NULL || bad) {
        json_object_put(body);
        sl__api_reply_err(req, &err);
        return;
    }
    size_t len = strlen(code);
    bool ok = len > 0 && len <= 64 && isalpha((unsigned char)code[0]);
    for (size_t i = 0; ok && i < len; i++) {
        ok = isalnum((unsigned char)code[i]) != 0;
    }
    static const char *const types[] = {"COOKIE", "CROSS_DEVICE", "DEVICE", "EMAIL",
                                        "MOBILE", "NON_PEOPLE",   "PHONE"};
    bool type_ok = false;
    char utype[32];
    (void)snprintf(utype, sizeof(utype), "%s", type);
    for (char *p = utype; *p != '\0'; p++) {
        *p = (char)toupper((unsigned char)*p);
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        type_ok = type_ok || strcmp(types[i], utype) == 0;
    }
    if (!ok || !type_ok) {
        json_object_put(body);
        sl_http_reply_problem(req, 400, "Invalid namespace",
                              !ok ? "'code' must be 1 to 64 letters and digits, starting with a "
                                    "letter"
                                  : "'idType' must be one of COOKIE, CROSS_DEVICE, DEVICE, EMAIL, "
                                    "MOBILE, NON_PEOPLE, PHONE");
        return;
    }
    sl_resource_write_lock();
    sl_catalog *cat = sl_catalog_current(app->catalog);
    bool taken = sl_catalog_ns_canon(cat, code) != NULL;
    sl_catalog_unref(cat);
    char key[80];
    (void)snprintf(key, sizeof(key), "%s", code);
    for (char *p = key; *p != '\0'; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    json_object *existing = NULL;
    if (!taken &&
        sl_store_doc_get(app->store, "idNamespace", key, &existing, NULL, NULL, &err) == SL_OK) {
        taken = true;
    }
    json_object_put(existing);
    sl_err_clear(&err);
    if (taken) {
        sl_resource_write_unlock();
        /* `code` lives in `body`: answer before releasing it. */
        sl_http_reply_problem(req, 409, "Namespace exists",
                              "an identity namespace with code '%.64s' exists already "
                              "(codes are case-insensitive)",
                              code);
        json_object_put(body);
        return;
    }
    json_object *list = NULL;
    int64_t count = 0;
    if (sl_store_doc_list(app->store, "idNamespace", &list, &err) == SL_OK) {
        count = (int64_t)json_object_array_length(list);
        json_object_put(list);
    }
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "id", json_object_new_int((int)(CUSTOM_NS_BASE + count + 1)));
    json_object_object_add(doc, "code", json_object_new_string(code));
    json_object_object_add(doc, "name", json_object_new_string(name));
    json_object_object_add(doc, "idType", json_object_new_string(utype));
    json_object_object_add(doc, "description", json_object_new_string(desc != NULL ? desc : ""));
    int rc = sl_store_doc_put(app->store, "idNamespace", key, doc, NULL, &err);
    json_object_put(doc);
    json_object_put(body);
    if (rc == SL_OK) {
        rc = sl__api_reload(app, &err);
    }
    sl_resource_write_unlock();
    if (rc != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    json_object *got = NULL;
    (void)sl_store_doc_list(app->store, "idNamespace", &list, &err);
    size_t n = list != NULL ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n && got == NULL; i++) {
        json_object *it = json_object_array_get_idx(list, i);
        json_object *id = NULL;
        if (json_object_object_get_ex(it, "id", &id) &&
            strcmp(json_object_get_string(id), key) == 0) {
            got = ns_view(it);
        }
    }
    json_object_put(list);
    sl_http_reply_json(req, 201, got != NULL ? got : json_object_new_object());
}

/* ---- merge policies ------------------------------------------------------------------------ */

#define DEFAULT_POLICY_ID "timestamp-ordered-default"

static json_object *policy_view(const sl_app *app, const char *id, json_object *doc,
                                const char *etag, const int64_t times[2])
{
    (void)app;
    (void)etag;
    json_object *v = NULL;
    (void)json_object_deep_copy(doc, &v, NULL);
    json_object_object_add(v, "id", json_object_new_string(id));
    json_object_object_add(v, "imsOrgId", json_object_new_string("sluice"));
    json_object_object_add(v, "sandbox", json_object_new_string("prod"));
    json_object_object_add(v, "updateEpoch", json_object_new_int64(times[1] / 1000));
    return v;
}

static int policy_validate(json_object *doc, sl_err *err)
{
    const char *name = sl__api_req_str(doc, "/name", err);
    if (name == NULL) {
        return err->code;
    }
    json_object *v = NULL;
    const char *schema = NULL;
    if (json_pointer_get(doc, "/schema/name", &v) == 0) {
        schema = json_object_get_string(v);
    }
    if (schema == NULL || strcmp(schema, "_xdm.context.profile") != 0) {
        return sl_err_set(err, SL_EINVAL, "'schema/name' must be \"_xdm.context.profile\"");
    }
    const char *graph = NULL;
    if (json_pointer_get(doc, "/identityGraph/type", &v) == 0) {
        graph = json_object_get_string(v);
    }
    if (graph == NULL || strcmp(graph, "pdg") != 0) {
        return sl_err_set(err, SL_EINVAL,
                          "'identityGraph/type' must be \"pdg\" (private graph: stitching); "
                          "\"none\" is not supported");
    }
    const char *merge = NULL;
    if (json_pointer_get(doc, "/attributeMerge/type", &v) == 0) {
        merge = json_object_get_string(v);
    }
    if (merge == NULL ||
        (strcmp(merge, "timestampOrdered") != 0 && strcmp(merge, "dataSetPrecedence") != 0)) {
        return sl_err_set(err, SL_EINVAL,
                          "'attributeMerge/type' must be \"timestampOrdered\" or "
                          "\"dataSetPrecedence\"");
    }
    if (strcmp(merge, "dataSetPrecedence") == 0) {
        if (json_pointer_get(doc, "/attributeMerge/order", &v) != 0 ||
            !json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0) {
            return sl_err_set(err, SL_EINVAL,
                              "'attributeMerge/order' must list dataset ids for "
                              "dataSetPrecedence");
        }
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string)) {
                return sl_err_set(err, SL_EINVAL, "'attributeMerge/order' holds dataset ids");
            }
        }
    }
    if (json_object_object_get_ex(doc, "default", &v) &&
        !json_object_is_type(v, json_type_boolean)) {
        return sl_err_set(err, SL_EINVAL, "'default' must be true or false");
    }
    if (v == NULL) {
        json_object_object_add(doc, "default", json_object_new_boolean(0));
    }
    if (!json_object_object_get_ex(doc, "isActiveOnEdge", &v)) {
        json_object_object_add(doc, "isActiveOnEdge", json_object_new_boolean(0));
    }
    return SL_OK;
}

/* One default at a time: a policy made default clears the others. */
static void clear_other_defaults(sl_store *st, const char *keep)
{
    json_object *list = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_list(st, "mergePolicy", &list, &err) != SL_OK) {
        return;
    }
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(list, i);
        json_object *id = NULL, *doc = NULL, *def = NULL;
        (void)json_object_object_get_ex(it, "id", &id);
        (void)json_object_object_get_ex(it, "doc", &doc);
        if (strcmp(json_object_get_string(id), keep) != 0 &&
            json_object_object_get_ex(doc, "default", &def) && json_object_get_boolean(def)) {
            json_object_object_add(doc, "default", json_object_new_boolean(0));
            (void)sl_store_doc_put(st, "mergePolicy", json_object_get_string(id), doc, NULL, &err);
        }
    }
    json_object_put(list);
}

static int policy_create(sl_store *st, json_object *body, char *id_out, sl_err *err)
{
    if (policy_validate(body, err) != SL_OK) {
        return err->code;
    }
    char id[SL_UUID_LEN + 1];
    sl_id_uuid(id);
    json_object_object_add(body, "version", json_object_new_int(1));
    int rc = sl_store_doc_put(st, "mergePolicy", id, body, NULL, err);
    json_object *def = NULL;
    if (rc == SL_OK && json_object_object_get_ex(body, "default", &def) &&
        json_object_get_boolean(def)) {
        clear_other_defaults(st, id);
    }
    if (rc == SL_OK) {
        (void)snprintf(id_out, SL_UUID_LEN + 1, "%s", id);
    }
    return rc;
}

static int policy_check(sl_app *app, const char *id, json_object *old, json_object *next,
                        sl_err *err)
{
    (void)old;
    static const char *const views[] = {"id", "imsOrgId", "sandbox", "updateEpoch"};
    for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
        json_object_object_del(next, views[i]);
    }
    if (policy_validate(next, err) != SL_OK) {
        return err->code;
    }
    json_object *def = NULL;
    if (json_object_object_get_ex(next, "default", &def) && json_object_get_boolean(def)) {
        clear_other_defaults(app->store, id);
    }
    return SL_OK;
}

static const sl_resource policy_res = {
    .kind = "mergePolicy",
    .param = "id",
    .noun = "merge policy",
    .view = policy_view,
    .create = policy_create,
    .check = policy_check,
    .list_style = SL_LIST_RESULTS,
};

/* Dataset tables made by older versions get the columns they lack. */
static int upgrade_datasets(sl_store *st, sl_err *err)
{
    json_object *list = NULL;
    if (sl_store_doc_list(st, "dataset", &list, err) != SL_OK) {
        return err->code;
    }
    int rc = SL_OK;
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n && rc == SL_OK; i++) {
        json_object *id = NULL;
        (void)json_object_object_get_ex(json_object_array_get_idx(list, i), "id", &id);
        rc = sl_store_dataset_create(st, json_object_get_string(id), err);
    }
    json_object_put(list);
    return rc;
}

int sl_api_ensure_defaults(sl_store *st, sl_err *err)
{
    if (upgrade_datasets(st, err) != SL_OK) {
        return err->code;
    }
    json_object *doc = NULL;
    if (sl_store_doc_get(st, "mergePolicy", DEFAULT_POLICY_ID, &doc, NULL, NULL, err) == SL_OK) {
        json_object_put(doc);
        return SL_OK;
    }
    if (err->code != SL_ENOTFOUND) {
        return err->code;
    }
    sl_err_clear(err);
    json_object *list = NULL;
    if (sl_store_doc_list(st, "mergePolicy", &list, err) != SL_OK) {
        return err->code;
    }
    bool any = json_object_array_length(list) > 0;
    json_object_put(list);
    if (any) {
        return SL_OK; /* the user manages policies (and may have deleted ours) */
    }
    doc = json_tokener_parse("{\"name\":\"Default Timestamp-Ordered\",\"schema\":{\"name\":"
                             "\"_xdm.context.profile\"},\"version\":1,\"identityGraph\":{\"type\":"
                             "\"pdg\"},\"attributeMerge\":{\"type\":\"timestampOrdered\"},"
                             "\"default\":true,\"isActiveOnEdge\":false}");
    int rc = sl_store_doc_put(st, "mergePolicy", DEFAULT_POLICY_ID, doc, NULL, err);
    json_object_put(doc);
    return rc;
}

void sl__api_policies_list(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    json_object *list = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_list(app->store, "mergePolicy", &list, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    const char *only_default = sl_http_query(req, "default");
    json_object *children = json_object_new_array();
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(list, i);
        json_object *id = NULL, *doc = NULL, *c = NULL, *u = NULL, *def = NULL;
        (void)json_object_object_get_ex(it, "id", &id);
        (void)json_object_object_get_ex(it, "doc", &doc);
        (void)json_object_object_get_ex(it, "created", &c);
        (void)json_object_object_get_ex(it, "updated", &u);
        bool is_def =
            json_object_object_get_ex(doc, "default", &def) && json_object_get_boolean(def);
        if (only_default != NULL && strcmp(only_default, "true") == 0 && !is_def) {
            continue;
        }
        int64_t times[2] = {json_object_get_int64(c), json_object_get_int64(u)};
        json_object_array_add(children,
                              policy_view(app, json_object_get_string(id), doc, NULL, times));
    }
    json_object_put(list);
    json_object *o = json_object_new_object();
    json_object *page = json_object_new_object();
    json_object_object_add(page, "totalCount",
                           json_object_new_int64((int64_t)json_object_array_length(children)));
    json_object_object_add(page, "pageSize",
                           json_object_new_int64((int64_t)json_object_array_length(children)));
    json_object_object_add(o, "_page", page);
    json_object_object_add(o, "children", children);
    json_object_object_add(o, "_links", json_object_new_object());
    sl_http_reply_json(req, 200, o);
}

void sl__api_policies_create(sl_http_req *req, void *ud)
{
    sl_resource_create(req, ud, &policy_res);
}

void sl__api_policies_get(sl_http_req *req, void *ud)
{
    sl_resource_get(req, ud, &policy_res);
}

void sl__api_policies_patch(sl_http_req *req, void *ud)
{
    sl_resource_patch(req, ud, &policy_res, false, true);
}

void sl__api_policies_delete(sl_http_req *req, void *ud)
{
    sl_resource_delete(req, ud, &policy_res);
}

/* The policy of the request (mergePolicyId) or the default; NULL: timestamp-ordered. */
static json_object *request_policy(sl_app *app, sl_http_req *req, bool *missing)
{
    const char *id = sl_http_query(req, "mergePolicyId");
    sl_err err;
    sl_err_clear(&err);
    *missing = false;
    if (id != NULL) {
        json_object *doc = NULL;
        if (sl_store_doc_get(app->store, "mergePolicy", id, &doc, NULL, NULL, &err) != SL_OK) {
            *missing = true;
            return NULL;
        }
        return doc;
    }
    json_object *list = NULL;
    if (sl_store_doc_list(app->store, "mergePolicy", &list, &err) != SL_OK) {
        return NULL;
    }
    json_object *found = NULL;
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n && found == NULL; i++) {
        json_object *doc = NULL, *def = NULL;
        (void)json_object_object_get_ex(json_object_array_get_idx(list, i), "doc", &doc);
        if (json_object_object_get_ex(doc, "default", &def) && json_object_get_boolean(def)) {
            found = json_object_get(doc);
        }
    }
    json_object_put(list);
    return found;
}

/* ---- entities ------------------------------------------------------------------------------- */

static const char *canon_ns(sl_app *app, const char *code, char *out, size_t cap)
{
    sl_catalog *cat = sl_catalog_current(app->catalog);
    const char *c = sl_catalog_ns_canon(cat, code);
    if (c != NULL) {
        (void)snprintf(out, cap, "%s", c);
    }
    sl_catalog_unref(cat);
    return c != NULL ? out : NULL;
}

/* Resolve entityId/entityIdNS (or the related* pair) to a graph root; replies on failure. */
static char *resolve(sl_http_req *req, sl_app *app, const char *id_param, const char *ns_param)
{
    const char *id = sl_http_query(req, id_param);
    const char *ns = sl_http_query(req, ns_param);
    if (id == NULL || ns == NULL || *id == '\0' || *ns == '\0') {
        sl_http_reply_problem(req, 400, "Missing identity",
                              "give %s and %s (a namespace code "
                              "such as Email, CIOID or CIOCustomerId)",
                              id_param, ns_param);
        return NULL;
    }
    char code[80];
    if (canon_ns(app, ns, code, sizeof(code)) == NULL) {
        sl_http_reply_problem(req, 400, "Unknown namespace",
                              "'%.64s' is not a registered identity namespace "
                              "(GET /data/core/idnamespace/identities)",
                              ns);
        return NULL;
    }
    char *root = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_profile_root(app->store, code, id, &root, &err) != SL_OK) {
        if (err.code == SL_ENOTFOUND) {
            sl_http_reply_problem(req, 404, "Profile not found",
                                  "no profile has the identity %.64s in namespace %s", id, code);
        } else {
            sl_http_reply_err(req, &err);
        }
        return NULL;
    }
    return root;
}

static int parse_int_param(sl_http_req *req, const char *name, int64_t def, int64_t *out)
{
    const char *s = sl_http_query(req, name);
    if (s == NULL) {
        *out = def;
        return 0;
    }
    if (sl_parse_time(s, out)) {
        return 0;
    }
    sl_http_reply_problem(req, 400, "Invalid parameter",
                          "%s must be epoch milliseconds or ISO-8601, not '%.40s'", name, s);
    return -1;
}

static void timeline(sl_http_req *req, sl_app *app)
{
    char *root = resolve(req, app, "relatedEntityId", "relatedEntityIdNS");
    if (root == NULL) {
        return;
    }
    int64_t start = 0, end = 0, limit = TIMELINE_DEFAULT_LIMIT;
    const char *lim = sl_http_query(req, "limit");
    if (lim != NULL) {
        char *e = NULL;
        limit = strtoll(lim, &e, 10);
        if (e == lim || *e != '\0' || limit < 1 || limit > TIMELINE_MAX_LIMIT) {
            free(root);
            sl_http_reply_problem(req, 400, "Invalid limit", "limit must be 1 to %d",
                                  TIMELINE_MAX_LIMIT);
            return;
        }
    }
    if (parse_int_param(req, "startTime", 0, &start) != 0 ||
        parse_int_param(req, "endTime", 0, &end) != 0) {
        free(root);
        return;
    }
    const char *orderby = sl_http_query(req, "orderby");
    bool asc = orderby != NULL &&
               (strcmp(orderby, "timestamp") == 0 || strcmp(orderby, "+timestamp") == 0);
    if (orderby != NULL && !asc && strcmp(orderby, "-timestamp") != 0) {
        free(root);
        sl_http_reply_problem(req, 400, "Invalid orderby", "orderby is timestamp or -timestamp");
        return;
    }
    json_object *events = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_profile_timeline(app->store, root, start, end, (int)limit, asc, &events, &err) !=
        SL_OK) {
        free(root);
        sl_http_reply_err(req, &err);
        return;
    }
    char eid[40];
    sl_profile_entity_id(root, eid, sizeof(eid));
    free(root);
    size_t n = json_object_array_length(events);
    for (size_t i = 0; i < n; i++) {
        json_object_object_add(json_object_array_get_idx(events, i), "relatedEntityId",
                               json_object_new_string(eid));
    }
    json_object *o = json_object_new_object();
    json_object *page = json_object_new_object();
    json_object_object_add(page, "orderby",
                           json_object_new_string(asc ? "timestamp" : "-timestamp"));
    json_object_object_add(page, "count", json_object_new_int64((int64_t)n));
    json_object_object_add(page, "next", json_object_new_string(""));
    json_object_object_add(o, "_page", page);
    json_object_object_add(o, "children", events);
    json_object_object_add(o, "_links", json_object_new_object());
    sl_http_reply_json(req, 200, o);
}

void sl__api_entities_get(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *schema = sl_http_query(req, "schema.name");
    if (schema != NULL && strcmp(schema, "_xdm.context.experienceevent") == 0) {
        timeline(req, app);
        return;
    }
    if (schema != NULL && strcmp(schema, "_xdm.context.profile") != 0) {
        sl_http_reply_problem(req, 400, "Invalid schema.name",
                              "schema.name is _xdm.context.profile (the merged profile) or "
                              "_xdm.context.experienceevent (the timeline)");
        return;
    }
    bool missing = false;
    json_object *policy = request_policy(app, req, &missing);
    if (missing) {
        sl_http_reply_problem(req, 404, NULL, "no merge policy '%.80s'",
                              sl_http_query(req, "mergePolicyId"));
        return;
    }
    char *root = resolve(req, app, "entityId", "entityIdNS");
    if (root == NULL) {
        json_object_put(policy);
        return;
    }
    json_object *ent = NULL;
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_profile_entity(app->store, root, policy, &ent, &err);
    free(root);
    json_object_put(policy);
    if (rc != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    json_object *eid = NULL;
    (void)json_object_object_get_ex(ent, "entityId", &eid);
    json_object *o = json_object_new_object();
    json_object_object_add(o, json_object_get_string(eid), ent);
    sl_http_reply_json(req, 200, o);
}

static int erase_landing(void *log, const char *const *needles, size_t n,
                         bool (*confirm)(void *ud, sl_str body), void *ud, int64_t *deleted,
                         sl_err *err)
{
    return sl_landing_erase(log, needles, n, confirm, ud, deleted, err);
}

static int erase_js(void *log, const char *const *needles, size_t n,
                    bool (*confirm)(void *ud, sl_str body), void *ud, int64_t *deleted, sl_err *err)
{
    return sl_js_erase(log, needles, n, confirm, ud, deleted, err);
}

void sl__api_entities_delete(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *id = sl_http_query(req, "entityId");
    const char *ns = sl_http_query(req, "entityIdNS");
    if (id == NULL || ns == NULL || *id == '\0' || *ns == '\0') {
        sl_http_reply_problem(req, 400, "Missing identity", "give entityId and entityIdNS");
        return;
    }
    char code[80];
    if (canon_ns(app, ns, code, sizeof(code)) == NULL) {
        sl_http_reply_problem(req, 400, "Unknown namespace",
                              "'%.64s' is not a registered identity namespace", ns);
        return;
    }
    json_object *list = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_list(app->store, "dataset", &list, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    json_object *ids = json_object_new_array();
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *idv = NULL;
        (void)json_object_object_get_ex(json_object_array_get_idx(list, i), "id", &idv);
        json_object_array_add(ids, json_object_get(idv));
    }
    json_object_put(list);
    /* Events received before this request may still be on their way into the datasets: let
     * the processor pass them first (up to 10 s), so none of them brings the person back. */
    if (app->js != NULL) {
        /* Cluster mode: until the shared consumer has nothing waiting (any process node). */
        for (int64_t until = sl_mono_ns() + 10000000000LL; sl_mono_ns() < until;) {
            int64_t waiting = 0, oldest = 0;
            sl_err berr;
            sl_err_clear(&berr);
            if (sl_js_backlog(app->js, NULL, &waiting, &oldest, &berr) != SL_OK || waiting == 0) {
                break;
            }
            sl_sleep_ms(50);
        }
    } else if (app->landing != NULL && app->processor != NULL) {
        int64_t last = sl_landing_wait(app->landing, INT64_MAX, 0);
        for (int64_t until = sl_mono_ns() + 10000000000LL; sl_mono_ns() < until;) {
            sl_processor_stats ps;
            sl_processor_stats_get(app->processor, &ps);
            if (ps.cursor >= last) {
                break;
            }
            sl_sleep_ms(20);
        }
    }
    json_object *report = NULL;
    sl_resource_write_lock();
    int rc = app->js != NULL
                 ? sl_profile_delete(app->store, erase_js, app->js, ids, code, id, &report, &err)
                 : sl_profile_delete(app->store, erase_landing, app->landing, ids, code, id,
                                     &report, &err);
    sl_resource_write_unlock();
    json_object_put(ids);
    if (rc != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    sl_http_reply_json(req, 200, report);
}

/* GET /data/core/identity/cluster/members?namespace=&id= */
void sl__api_graph_members(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    char *root = resolve(req, app, "id", "namespace");
    if (root == NULL) {
        return;
    }
    json_object *members = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_profile_members(app->store, root, &members, &err) != SL_OK) {
        free(root);
        sl_http_reply_err(req, &err);
        return;
    }
    char eid[40];
    sl_profile_entity_id(root, eid, sizeof(eid));
    free(root);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "xid", json_object_new_string(eid));
    json_object_object_add(o, "count",
                           json_object_new_int64((int64_t)json_object_array_length(members)));
    json_object_object_add(o, "members", members);
    sl_http_reply_json(req, 200, o);
}
