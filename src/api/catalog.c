/* SPDX-License-Identifier: Apache-2.0 */
/* api/catalog.c: datasets (/data/foundation/catalog/dataSets). */
#include "api/api_int.h"

#include "core/ids.h"

#include <stdio.h>
#include <string.h>

int sl_api_create_dataset(sl_store *st, json_object *body, char *id_out, sl_err *err)
{
    const char *name = sl__api_req_str(body, "/name", err);
    const char *schema_id = name != NULL ? sl__api_req_str(body, "/schemaRef/id", err) : NULL;
    if (schema_id == NULL) {
        return err->code;
    }
    json_object *schema = NULL;
    if (sl_store_doc_get(st, "schema", sl__api_schema_key(schema_id), &schema, NULL, NULL, err) !=
        SL_OK) {
        return err->code == SL_ENOTFOUND
                   ? sl_err_set(err, SL_EINVAL, "'schemaRef/id' %s names no schema", schema_id)
                   : err->code;
    }
    json_object_put(schema);
    char id[25];
    sl_id_hex(id, 24);
    bool bad = false;
    const char *desc = sl__api_opt_str(body, "/description", &bad, err);
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "name", json_object_new_string(name));
    json_object_object_add(doc, "description", json_object_new_string(desc != NULL ? desc : ""));
    json_object *ref = json_object_new_object();
    json_object_object_add(ref, "id", json_object_new_string(schema_id));
    json_object_object_add(ref, "contentType",
                           json_object_new_string("application/vnd.adobe.xed-full+json;version=1"));
    json_object_object_add(doc, "schemaRef", ref);
    json_object *tags = NULL;
    if (json_object_object_get_ex(body, "tags", &tags) &&
        json_object_is_type(tags, json_type_object)) {
        json_object *copy = NULL;
        (void)json_object_deep_copy(tags, &copy, NULL);
        json_object_object_add(doc, "tags", copy);
    } else {
        json_object_object_add(doc, "tags", json_object_new_object());
    }
    int rc = sl_store_dataset_create(st, id, err);
    if (rc == SL_OK) {
        rc = sl_store_doc_put(st, "dataset", id, doc, NULL, err);
    }
    json_object_put(doc);
    if (rc == SL_OK) {
        (void)snprintf(id_out, 25, "%s", id);
    }
    return rc;
}

static json_object *dataset_view(json_object *doc, const int64_t times[2])
{
    json_object *v = NULL;
    (void)json_object_deep_copy(doc, &v, NULL);
    json_object_object_add(v, "created", json_object_new_int64(times[0]));
    json_object_object_add(v, "updated", json_object_new_int64(times[1]));
    return v;
}

void sl__api_datasets_list(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    json_object *list = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_list(app->store, "dataset", &list, &err) != SL_OK) {
        sl__api_reply_err(req, &err);
        return;
    }
    /* AEP's Catalog answers an object keyed by dataset id. */
    json_object *out = json_object_new_object();
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(list, i);
        json_object *id = NULL, *doc = NULL, *c = NULL, *u = NULL;
        (void)json_object_object_get_ex(it, "id", &id);
        (void)json_object_object_get_ex(it, "doc", &doc);
        (void)json_object_object_get_ex(it, "created", &c);
        (void)json_object_object_get_ex(it, "updated", &u);
        int64_t times[2] = {json_object_get_int64(c), json_object_get_int64(u)};
        json_object_object_add(out, json_object_get_string(id), dataset_view(doc, times));
    }
    json_object_put(list);
    sl_http_reply_json(req, 200, out);
}

void sl__api_dataset_get(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *id = sl_http_param(req, "dataSetId");
    json_object *doc = NULL;
    int64_t times[2];
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_get(app->store, "dataset", id, &doc, NULL, times, &err) != SL_OK) {
        sl__api_reply_err(req, &err);
        return;
    }
    json_object *out = json_object_new_object();
    json_object_object_add(out, id, dataset_view(doc, times));
    json_object_put(doc);
    sl_http_reply_json(req, 200, out);
}
