/* SPDX-License-Identifier: Apache-2.0 */
/* api/catalog.c: datasets (/data/foundation/catalog/dataSets). */
#include "api/api_int.h"
#include "api/resource.h"

#include "core/log.h"

#include "core/ids.h"

#include <stdio.h>
#include <string.h>

int sl_api_create_dataset(sl_store *st, json_object *body, char *id_out, sl_err *err)
{
    static const char *const strings[] = {"/description", NULL};
    if (sl__api_opt_strings(body, strings, err) != SL_OK) {
        return err->code;
    }
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

static json_object *dataset_view(const sl_app *app, const char *id, json_object *doc,
                                 const char *etag, const int64_t times[2])
{
    (void)app;
    json_object *v = NULL;
    (void)json_object_deep_copy(doc, &v, NULL);
    json_object_object_add(v, "id", json_object_new_string(id));
    json_object_object_add(v, "version", json_object_new_string("1.0.0"));
    json_object_object_add(v, "etag", json_object_new_string(etag));
    json_object_object_add(v, "created", json_object_new_int64(times[0]));
    json_object_object_add(v, "updated", json_object_new_int64(times[1]));
    return v;
}

/* Only these top-level members may change; the schema of a dataset is fixed. */
static int dataset_check(sl_app *app, const char *id, json_object *old, json_object *next,
                         sl_err *err)
{
    (void)app;
    (void)id;
    json_object *a = NULL;
    json_object *b = NULL;
    (void)json_object_object_get_ex(old, "schemaRef", &a);
    (void)json_object_object_get_ex(next, "schemaRef", &b);
    if (!json_object_equal(a, b)) {
        return sl_err_set(err, SL_EINVAL, "'schemaRef' of a dataset cannot be changed");
    }
    json_object_object_foreach(next, key, val)
    {
        (void)val;
        if (strcmp(key, "name") != 0 && strcmp(key, "description") != 0 &&
            strcmp(key, "tags") != 0 && strcmp(key, "schemaRef") != 0) {
            return sl_err_set(err, SL_EINVAL,
                              "'%s' cannot be set on a dataset; name, description and tags can",
                              key);
        }
    }
    static const char *const strings[] = {"/description", NULL};
    if (sl__api_req_str(next, "/name", err) == NULL ||
        sl__api_opt_strings(next, strings, err) != SL_OK) {
        return err->code;
    }
    json_object *tags = NULL;
    if (json_object_object_get_ex(next, "tags", &tags)) {
        if (!json_object_is_type(tags, json_type_object)) {
            return sl_err_set(err, SL_EINVAL, "'tags' must be an object of string arrays");
        }
        json_object_object_foreach(tags, tk, tv)
        {
            if (!json_object_is_type(tv, json_type_array)) {
                return sl_err_set(err, SL_EINVAL, "'tags/%s' must be an array of strings", tk);
            }
        }
    }
    return SL_OK;
}

static int dataset_can_delete(sl_app *app, const char *id, sl_err *err)
{
    json_object *list = NULL;
    if (sl_store_doc_list(app->store, "targetConnection", &list, err) != SL_OK) {
        return err->code;
    }
    int rc = SL_OK;
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n && rc == SL_OK; i++) {
        json_object *it = json_object_array_get_idx(list, i);
        json_object *ds = NULL;
        json_object *tid = NULL;
        (void)json_object_object_get_ex(it, "id", &tid);
        if (json_pointer_get(it, "/doc/params/dataSetId", &ds) == 0 &&
            strcmp(json_object_get_string(ds), id) == 0) {
            rc = sl_err_set(err, SL_ECONFLICT,
                            "dataset %s is the target of connection %s; delete that first", id,
                            json_object_get_string(tid));
        }
    }
    json_object_put(list);
    return rc;
}

static void dataset_after_delete(sl_app *app, const char *id)
{
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_dataset_drop(app->store, id, &err) != SL_OK) {
        SL_LOG_ERROR("api", "dropping the rows of a deleted dataset failed dataset=%s error=\"%s\"",
                     id, err.msg);
    }
}

static const sl_resource dataset_res = {
    .kind = "dataset",
    .param = "dataSetId",
    .noun = "dataset",
    .view = dataset_view,
    .create = sl_api_create_dataset,
    .check = dataset_check,
    .can_delete = dataset_can_delete,
    .after_delete = dataset_after_delete,
    .list_style = SL_LIST_KEYED,
};

void sl__api_datasets_list(sl_http_req *req, void *ud)
{
    sl_resource_list(req, ud, &dataset_res);
}

void sl__api_datasets_get(sl_http_req *req, void *ud)
{
    sl_resource_get(req, ud, &dataset_res);
}

void sl__api_datasets_create(sl_http_req *req, void *ud)
{
    sl_resource_create(req, ud, &dataset_res);
}

void sl__api_datasets_patch(sl_http_req *req, void *ud)
{
    sl_resource_patch(req, ud, &dataset_res, false, true);
}

void sl__api_datasets_delete(sl_http_req *req, void *ud)
{
    sl_resource_delete(req, ud, &dataset_res);
}
