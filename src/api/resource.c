/* SPDX-License-Identifier: Apache-2.0 */
#include "api/resource.h"

#include "api/list.h"
#include "core/json.h"
#include "core/jsonpatch.h"
#include "core/limits.h"
#include "core/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t write_mutex = PTHREAD_MUTEX_INITIALIZER;

static const char *resource_id(sl_http_req *req, const sl_resource *r)
{
    const char *captured = sl_http_param(req, r->param);
    return r->key_of != NULL ? r->key_of(captured) : captured;
}

void sl_resource_write_lock(void)
{
    pthread_mutex_lock(&write_mutex);
}

void sl_resource_write_unlock(void)
{
    pthread_mutex_unlock(&write_mutex);
}

json_object *sl_resource_body(sl_http_req *req, bool array_ok)
{
    json_object *body = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_json_parse(sl_http_body(req), SL_MAX_JSON_DEPTH, &body, &err) != SL_OK) {
        sl_http_reply_problem(req, 400, "Malformed body", "%s", err.msg);
        return NULL;
    }
    if (!json_object_is_type(body, json_type_object) &&
        !(array_ok && json_object_is_type(body, json_type_array))) {
        sl_http_reply_problem(req, 400, "Malformed body", "the body must be a JSON %s, not %s",
                              array_ok ? "object or array" : "object",
                              json_type_to_name(json_object_get_type(body)));
        json_object_put(body);
        return NULL;
    }
    return body;
}

static json_object *view_of(const sl_app *app, const sl_resource *r, json_object *item)
{
    json_object *id = NULL, *etag = NULL, *doc = NULL, *c = NULL, *u = NULL;
    (void)json_object_object_get_ex(item, "id", &id);
    (void)json_object_object_get_ex(item, "etag", &etag);
    (void)json_object_object_get_ex(item, "doc", &doc);
    (void)json_object_object_get_ex(item, "created", &c);
    (void)json_object_object_get_ex(item, "updated", &u);
    int64_t times[2] = {json_object_get_int64(c), json_object_get_int64(u)};
    return r->view(app, json_object_get_string(id), doc, json_object_get_string(etag), times);
}

/* Append `v` percent-encoded (RFC 3986 unreserved characters stay as they are). */
static void append_encoded(sl_buf *b, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            sl_buf_append(b, p, 1);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 0x0F]};
            sl_buf_append(b, esc, 3);
        }
    }
}

/* Rebuild the query string of the next page from the parameters this server understands. */
static void next_href(sl_http_req *req, const sl_list_params *q, const char *token, bool start,
                      char *out, size_t cap)
{
    sl_buf b = {0};
    sl_buf_appendf(&b, "%s?", sl_http_path(req));
    for (size_t i = 0; i < q->nproperty; i++) {
        sl_buf_appendf(&b, "property=");
        append_encoded(&b, q->property[i]);
        sl_buf_append(&b, "&", 1);
    }
    if (q->orderby != NULL) {
        sl_buf_appendf(&b, "orderby=");
        append_encoded(&b, q->orderby);
        sl_buf_append(&b, "&", 1);
    }
    if (q->limit != NULL) {
        sl_buf_appendf(&b, "limit=");
        append_encoded(&b, q->limit);
        sl_buf_append(&b, "&", 1);
    }
    sl_buf_appendf(&b, start ? "start=" : "continuationToken=");
    append_encoded(&b, token);
    (void)snprintf(out, cap, "%s", sl_buf_cstr(&b));
    sl_buf_fini(&b);
}

void sl_resource_list(sl_http_req *req, sl_app *app, const sl_resource *r)
{
    json_object *list = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_list(app->store, r->kind, &list, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    json_object *views = json_object_new_array();
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(views, view_of(app, r, json_object_array_get_idx(list, i)));
    }
    json_object_put(list);
    sl_resource_reply_list(req, views, r->list_style, NULL, 0);
    json_object_put(views);
}

void sl_resource_reply_list(sl_http_req *req, json_object *views, int list_style,
                            const char *const *props, size_t nprops)
{
    sl_err err;
    sl_err_clear(&err);
    sl_list_params q;
    memset(&q, 0, sizeof(q));
    if (props != NULL) {
        for (size_t i = 0; i < nprops && i < SL_LIST_MAX_FILTERS; i++) {
            q.property[q.nproperty++] = props[i];
        }
    } else {
        q.nproperty = sl_http_query_values(req, "property", q.property, SL_LIST_MAX_FILTERS);
    }
    q.orderby = sl_http_query(req, "orderby");
    if (q.orderby == NULL) {
        q.orderby = sl_http_query(req, "orderBy");
    }
    q.limit = sl_http_query(req, "limit");
    q.token = sl_http_query(req, "continuationToken");
    q.start = sl_http_query(req, "start");
    sl_list_page page;
    if (sl_list_apply(views, &q, &page, &err) != SL_OK) {
        sl_http_reply_problem(req, 400, "Invalid list parameters", "%s", err.msg);
        return;
    }
    const char *count = sl_http_query(req, "count");
    if (count != NULL && strcmp(count, "true") == 0) {
        json_object_put(page.items);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "count", json_object_new_int64((int64_t)page.total));
        sl_http_reply_json(req, 200, o);
        return;
    }
    if (list_style == SL_LIST_DATA) {
        json_object *o = json_object_new_object();
        json_object *pg = json_object_new_object();
        json_object_object_add(
            pg, "count", json_object_new_int64((int64_t)json_object_array_length(page.items)));
        json_object_object_add(pg, "limit",
                               json_object_new_int64(q.limit != NULL ? strtoll(q.limit, NULL, 10)
                                                                     : SL_LIST_DEFAULT_LIMIT));
        json_object_object_add(o, "data", page.items);
        json_object_object_add(o, "_page", pg);
        sl_http_reply_json(req, 200, o);
        return;
    }
    if (list_style == SL_LIST_RESULTS) {
        json_object *o = json_object_new_object();
        json_object *pg = json_object_new_object();
        json_object_object_add(
            pg, "count", json_object_new_int64((int64_t)json_object_array_length(page.items)));
        json_object_object_add(pg, "next",
                               page.next[0] != '\0' ? json_object_new_string(page.next) : NULL);
        json_object_object_add(o, "results", page.items);
        json_object_object_add(o, "_page", pg);
        json_object_object_add(o, "_links", json_object_new_object());
        sl_http_reply_json(req, 200, o);
        return;
    }
    if (list_style == SL_LIST_KEYED) {
        json_object *o = json_object_new_object();
        size_t m = json_object_array_length(page.items);
        for (size_t i = 0; i < m; i++) {
            json_object *v = json_object_array_get_idx(page.items, i);
            json_object *id = NULL;
            (void)json_object_object_get_ex(v, "id", &id);
            json_object_object_add(o, json_object_get_string(id), json_object_get(v));
        }
        json_object_put(page.items);
        sl_http_reply_json(req, 200, o);
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", page.items);
    json_object *links = json_object_new_object();
    if (page.next[0] != '\0') {
        char href[2048];
        next_href(req, &q, page.next, false, href, sizeof(href));
        json_object *next = json_object_new_object();
        json_object_object_add(next, "href", json_object_new_string(href));
        json_object_object_add(links, "next", next);
    }
    json_object_object_add(o, "_links", links);
    sl_http_reply_json(req, 200, o);
}

void sl_resource_get(sl_http_req *req, sl_app *app, const sl_resource *r)
{
    const char *id = resource_id(req, r);
    json_object *doc = NULL;
    char etag[64];
    int64_t times[2];
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_get(app->store, r->kind, id, &doc, etag, times, &err) != SL_OK) {
        if (err.code == SL_ENOTFOUND) {
            sl_http_reply_problem(req, 404, NULL, "no %s with id '%.80s'", r->noun, id);
        } else {
            sl_http_reply_err(req, &err);
        }
        return;
    }
    json_object *v = r->view(app, id, doc, etag, times);
    json_object_put(doc);
    sl_http_add_header(req, "ETag", etag);
    if (r->list_style == SL_LIST_RESULTS || r->list_style == SL_LIST_DATA) {
        sl_http_reply_json(req, 200, v);
        return;
    }
    if (r->list_style == SL_LIST_KEYED) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, id, v);
        sl_http_reply_json(req, 200, o);
        return;
    }
    json_object *items = json_object_new_array();
    json_object_array_add(items, v);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    sl_http_reply_json(req, 200, o);
}

static void reload(sl_app *app)
{
    sl_err err;
    sl_err_clear(&err);
    if (sl__api_reload(app, &err) != SL_OK) {
        SL_LOG_ERROR("api", "catalog reload failed; the old snapshot stays error=\"%s\"", err.msg);
    }
}

static void reply_id_etag(sl_http_req *req, unsigned status, const char *id, const char *etag)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "etag", json_object_new_string(etag));
    sl_http_add_header(req, "ETag", etag);
    sl_http_reply_json(req, status, o);
}

void sl_resource_create(sl_http_req *req, sl_app *app, const sl_resource *r)
{
    json_object *body = sl_resource_body(req, false);
    if (body == NULL) {
        return;
    }
    char id[160];
    char etag[64] = "";
    sl_err err;
    sl_err_clear(&err);
    sl_resource_write_lock();
    int rc = r->create(app->store, body, id, &err);
    if (rc == SL_OK) {
        reload(app);
    }
    sl_resource_write_unlock();
    json_object_put(body);
    if (rc != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    json_object *doc = NULL;
    const char *key = strcmp(r->kind, "schema") == 0 ? sl__api_schema_key(id) : id;
    (void)sl_store_doc_get(app->store, r->kind, key, &doc, etag, NULL, &err);
    json_object_put(doc);
    char loc[512];
    (void)snprintf(loc, sizeof(loc), "%s/%s", sl_http_path(req), key);
    sl_http_add_header(req, "Location", loc);
    if (r->list_style == SL_LIST_RESULTS) {
        /* The resource as a GET shows it. */
        json_object *stored = NULL;
        int64_t times[2] = {0, 0};
        if (sl_store_doc_get(app->store, r->kind, key, &stored, etag, times, &err) != SL_OK) {
            sl_http_reply_json(req, 201, json_object_new_object());
            return;
        }
        json_object *v = r->view(app, key, stored, etag, times);
        json_object_put(stored);
        sl_http_reply_json(req, 201, v);
        return;
    }
    if (r->list_style == SL_LIST_KEYED) {
        char ref[192];
        (void)snprintf(ref, sizeof(ref), "@/dataSets/%s", id);
        json_object *arr = json_object_new_array();
        json_object_array_add(arr, json_object_new_string(ref));
        sl_http_reply_json(req, 201, arr);
        return;
    }
    reply_id_etag(req, 201, id, etag);
}

/* A JSON object body merged into `doc` at the top level (Catalog's plain-JSON PATCH). */
static void merge_top(json_object *doc, json_object *patch)
{
    json_object_object_foreach(patch, key, val)
    {
        json_object *copy = NULL;
        (void)json_object_deep_copy(val, &copy, NULL);
        json_object_object_add(doc, key, copy);
    }
}

/* Checks If-Match against `etag`. Replies and returns false when the request may not go on. */
static bool etag_ok(sl_http_req *req, const char *etag, bool required)
{
    const char *want = sl_http_header(req, "If-Match");
    if (want == NULL) {
        if (required) {
            sl_http_reply_problem(req, 428, NULL,
                                  "send the resource's current etag in If-Match (GET it first)");
            return false;
        }
        return true;
    }
    /* Accept the etag with or without its quotes. */
    size_t wl = strlen(want);
    size_t el = strlen(etag);
    bool same = strcmp(want, etag) == 0 || (el == wl + 2 && strncmp(etag + 1, want, wl) == 0) ||
                strcmp(want, "*") == 0;
    if (!same) {
        sl_http_reply_problem(req, 412, NULL,
                              "If-Match %.80s is not the current etag %s: the resource changed; "
                              "GET it again and retry",
                              want, etag);
        return false;
    }
    return true;
}

void sl_resource_patch(sl_http_req *req, sl_app *app, const sl_resource *r, bool require_etag,
                       bool merge_ok)
{
    const char *id = resource_id(req, r);
    json_object *body = sl_resource_body(req, true);
    json_object *doc = NULL;
    json_object *next = NULL;
    char etag[64];
    sl_err err;
    sl_err_clear(&err);
    if (body == NULL) {
        return;
    }
    if (json_object_is_type(body, json_type_object) && !merge_ok) {
        json_object_put(body);
        sl_http_reply_problem(req, 400, "Malformed body",
                              "PATCH takes a JSON Patch array, e.g. [{\"op\":\"replace\","
                              "\"path\":\"/name\",\"value\":\"new name\"}]");
        return;
    }
    sl_resource_write_lock();
    if (sl_store_doc_get(app->store, r->kind, id, &doc, etag, NULL, &err) != SL_OK) {
        if (err.code == SL_ENOTFOUND) {
            sl_http_reply_problem(req, 404, NULL, "no %s with id '%.80s'", r->noun, id);
        } else {
            sl_http_reply_err(req, &err);
        }
        goto out;
    }
    if (!etag_ok(req, etag, require_etag)) {
        goto out;
    }
    (void)json_object_deep_copy(doc, &next, NULL);
    if (r->before_patch != NULL) {
        r->before_patch(app, id, next);
    }
    if (json_object_is_type(body, json_type_array)) {
        if (sl_jsonpatch_apply(&next, body, &err) != SL_OK) {
            sl_http_reply_problem(req, 400, "Invalid patch", "%s", err.msg);
            goto out;
        }
    } else {
        merge_top(next, body);
    }
    if (!json_object_is_type(next, json_type_object)) {
        sl_http_reply_problem(req, 400, "Invalid patch", "the patched %s is not an object",
                              r->noun);
        goto out;
    }
    if (r->check != NULL && r->check(app, id, doc, next, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        goto out;
    }
    if (sl_store_doc_put(app->store, r->kind, id, next, etag, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        goto out;
    }
    reload(app);
    reply_id_etag(req, 200, id, etag);
out:
    sl_resource_write_unlock();
    json_object_put(body);
    json_object_put(doc);
    json_object_put(next);
}

void sl_resource_set_state(sl_http_req *req, sl_app *app, const sl_resource *r, const char *state)
{
    const char *id = resource_id(req, r);
    json_object *doc = NULL;
    char etag[64];
    sl_err err;
    sl_err_clear(&err);
    sl_resource_write_lock();
    if (sl_store_doc_get(app->store, r->kind, id, &doc, etag, NULL, &err) != SL_OK) {
        if (err.code == SL_ENOTFOUND) {
            sl_http_reply_problem(req, 404, NULL, "no %s with id '%.80s'", r->noun, id);
        } else {
            sl_http_reply_err(req, &err);
        }
        goto out;
    }
    if (!etag_ok(req, etag, false)) {
        goto out;
    }
    json_object_object_add(doc, "state", json_object_new_string(state));
    if (sl_store_doc_put(app->store, r->kind, id, doc, etag, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        goto out;
    }
    reload(app);
    reply_id_etag(req, 200, id, etag);
out:
    sl_resource_write_unlock();
    json_object_put(doc);
}

void sl_resource_delete(sl_http_req *req, sl_app *app, const sl_resource *r)
{
    const char *id = resource_id(req, r);
    sl_err err;
    sl_err_clear(&err);
    json_object *doc = NULL;
    char etag[64];
    sl_resource_write_lock();
    if (sl_store_doc_get(app->store, r->kind, id, &doc, etag, NULL, &err) != SL_OK) {
        if (err.code == SL_ENOTFOUND) {
            sl_http_reply_problem(req, 404, NULL, "no %s with id '%.80s'", r->noun, id);
        } else {
            sl_http_reply_err(req, &err);
        }
        goto out;
    }
    if (!etag_ok(req, etag, false)) {
        goto out;
    }
    if (r->can_delete != NULL && r->can_delete(app, id, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        goto out;
    }
    if (sl_store_doc_delete(app->store, r->kind, id, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        goto out;
    }
    if (r->after_delete != NULL) {
        r->after_delete(app, id);
    }
    reload(app);
    sl_http_reply_text(req, 204, "application/json", "", 0);
out:
    sl_resource_write_unlock();
    json_object_put(doc);
}
