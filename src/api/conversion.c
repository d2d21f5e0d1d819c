/* SPDX-License-Identifier: Apache-2.0 */
/* api/conversion.c: mapping sets (/data/foundation/conversion). */
#include "api/api_int.h"
#include "api/resource.h"

#include "core/clock.h"
#include "core/ids.h"
#include "mapping/mapping.h"

#include <stdio.h>

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
