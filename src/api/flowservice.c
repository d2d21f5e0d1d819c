/* SPDX-License-Identifier: Apache-2.0 */
/* api/flowservice.c: Flow Service resources (/data/foundation/flowservice): source and target
 * connections and dataflows. */
#include "api/api_int.h"

#include "core/ids.h"
#include "core/limits.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

static json_object *spec_ref(const char *id, const char *version)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "version", json_object_new_string(version != NULL ? version : "1.0"));
    return o;
}

/* Signing keys: an array of 1..SL_MAX_SIGNING_KEYS non-empty strings. */
static int check_keys(json_object *keys, sl_err *err)
{
    if (!json_object_is_type(keys, json_type_array)) {
        return sl_err_set(err, SL_EINVAL, "'params/signingKeys' must be an array of strings");
    }
    size_t n = json_object_array_length(keys);
    if (n == 0 || n > SL_MAX_SIGNING_KEYS) {
        return sl_err_set(err, SL_EINVAL, "'params/signingKeys' must hold 1 to %d keys, not %zu",
                          SL_MAX_SIGNING_KEYS, n);
    }
    for (size_t i = 0; i < n; i++) {
        json_object *k = json_object_array_get_idx(keys, i);
        if (!json_object_is_type(k, json_type_string) || json_object_get_string_len(k) == 0 ||
            json_object_get_string_len(k) > SL_MAX_SIGNING_KEY_BYTES) {
            return sl_err_set(err, SL_EINVAL,
                              "'params/signingKeys/%zu' must be a non-empty string of at most %d "
                              "bytes",
                              i, SL_MAX_SIGNING_KEY_BYTES);
        }
    }
    return SL_OK;
}

int sl_api_create_source_connection(sl_store *st, json_object *body, char *id_out, sl_err *err)
{
    const char *name = sl__api_req_str(body, "/name", err);
    const char *spec = name != NULL ? sl__api_req_str(body, "/connectionSpec/id", err) : NULL;
    if (spec == NULL) {
        return err->code;
    }
    if (strcmp(spec, SL_SPEC_CUSTOMERIO) != 0 && strcmp(spec, SL_SPEC_HTTP_API) != 0) {
        return sl_err_set(err, SL_EINVAL,
                          "'connectionSpec/id' %s is not a streaming source spec; expected %s "
                          "(Customer.io) or %s (HTTP API)",
                          spec, SL_SPEC_CUSTOMERIO, SL_SPEC_HTTP_API);
    }
    bool bad = false;
    const char *format = sl__api_opt_str(body, "/data/format", &bad, err);
    if (bad) {
        return err->code;
    }
    if (format != NULL && strcmp(format, "json") != 0) {
        return sl_err_set(err, SL_EINVAL, "'data/format' is '%s'; only 'json' is supported",
                          format);
    }
    json_object *keys = NULL;
    if (json_pointer_get(body, "/params/signingKeys", &keys) == 0 && keys != NULL &&
        check_keys(keys, err) != SL_OK) {
        return err->code;
    }
    char id[SL_UUID_LEN + 1];
    sl_id_uuid(id);
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "id", json_object_new_string(id));
    json_object_object_add(doc, "name", json_object_new_string(name));
    const char *desc = sl__api_opt_str(body, "/description", &bad, err);
    json_object_object_add(doc, "description", json_object_new_string(desc != NULL ? desc : ""));
    const char *provider = sl__api_opt_str(body, "/providerId", &bad, err);
    json_object_object_add(
        doc, "providerId",
        json_object_new_string(provider != NULL ? provider : SL_PROVIDER_STREAMS));
    json_object_object_add(
        doc, "connectionSpec",
        spec_ref(spec, sl__api_opt_str(body, "/connectionSpec/version", &bad, err)));
    json_object *data = json_object_new_object();
    json_object_object_add(data, "format", json_object_new_string("json"));
    json_object_object_add(doc, "data", data);
    json_object *params = json_object_new_object();
    json_object_object_add(params, "signingKeysSet", json_object_new_boolean(keys != NULL));
    json_object_object_add(doc, "params", params);
    json_object_object_add(doc, "state", json_object_new_string("enabled"));
    int rc = sl_store_doc_put(st, "sourceConnection", id, doc, NULL, err);
    json_object_put(doc);
    if (rc == SL_OK && keys != NULL) {
        /* Write-only: kept apart from the document, never returned. */
        rc = sl_store_secret_put(st, id, "signingKeys",
                                 json_object_to_json_string_ext(keys, JSON_C_TO_STRING_PLAIN), err);
    }
    if (rc == SL_OK) {
        (void)snprintf(id_out, SL_UUID_LEN + 1, "%s", id);
    }
    return rc;
}

int sl_api_create_target_connection(sl_store *st, json_object *body, char *id_out, sl_err *err)
{
    const char *spec = sl__api_req_str(body, "/connectionSpec/id", err);
    const char *ds = spec != NULL ? sl__api_req_str(body, "/params/dataSetId", err) : NULL;
    if (ds == NULL) {
        return err->code;
    }
    if (strcmp(spec, SL_SPEC_DATALAKE) != 0) {
        return sl_err_set(err, SL_EINVAL,
                          "'connectionSpec/id' %s is not a target spec; expected %s (data lake)",
                          spec, SL_SPEC_DATALAKE);
    }
    json_object *dsdoc = NULL;
    if (sl_store_doc_get(st, "dataset", ds, &dsdoc, NULL, NULL, err) != SL_OK) {
        return err->code == SL_ENOTFOUND
                   ? sl_err_set(err, SL_EINVAL, "'params/dataSetId' %s names no dataset", ds)
                   : err->code;
    }
    char id[SL_UUID_LEN + 1];
    sl_id_uuid(id);
    bool bad = false;
    const char *name = sl__api_opt_str(body, "/name", &bad, err);
    const char *desc = sl__api_opt_str(body, "/description", &bad, err);
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "id", json_object_new_string(id));
    json_object_object_add(doc, "name", json_object_new_string(name != NULL ? name : ""));
    json_object_object_add(doc, "description", json_object_new_string(desc != NULL ? desc : ""));
    json_object_object_add(doc, "connectionSpec", spec_ref(spec, NULL));
    json_object *data = json_object_new_object();
    json_object_object_add(data, "format", json_object_new_string("json"));
    json_object *schema = NULL;
    if (json_pointer_get(dsdoc, "/schemaRef", &schema) == 0 && schema != NULL) {
        json_object *s = json_object_new_object();
        json_object *sid = NULL;
        (void)json_object_object_get_ex(schema, "id", &sid);
        json_object_object_add(s, "id", json_object_get(sid));
        json_object_object_add(
            s, "version", json_object_new_string("application/vnd.adobe.xed-full+json;version=1"));
        json_object_object_add(data, "schema", s);
    }
    json_object_object_add(doc, "data", data);
    json_object *params = json_object_new_object();
    json_object_object_add(params, "dataSetId", json_object_new_string(ds));
    json_object_object_add(doc, "params", params);
    json_object_object_add(doc, "state", json_object_new_string("enabled"));
    int rc = sl_store_doc_put(st, "targetConnection", id, doc, NULL, err);
    json_object_put(doc);
    json_object_put(dsdoc);
    if (rc == SL_OK) {
        (void)snprintf(id_out, SL_UUID_LEN + 1, "%s", id);
    }
    return rc;
}

/* The one id in the array at `ptr`, which must name an existing document of `kind`. */
static const char *one_ref(sl_store *st, json_object *body, const char *ptr, const char *kind,
                           sl_err *err)
{
    json_object *arr = NULL;
    if (json_pointer_get(body, ptr, &arr) != 0 || !json_object_is_type(arr, json_type_array) ||
        json_object_array_length(arr) != 1 ||
        !json_object_is_type(json_object_array_get_idx(arr, 0), json_type_string)) {
        (void)sl_err_set(err, SL_EINVAL, "'%s' must be an array holding one id", ptr + 1);
        return NULL;
    }
    const char *id = json_object_get_string(json_object_array_get_idx(arr, 0));
    json_object *doc = NULL;
    if (sl_store_doc_get(st, kind, id, &doc, NULL, NULL, err) != SL_OK) {
        if (err->code == SL_ENOTFOUND) {
            (void)sl_err_set(err, SL_EINVAL, "'%s' names no %s with id %s", ptr + 1, kind, id);
        }
        return NULL;
    }
    json_object_put(doc);
    return id;
}

int sl_api_create_flow(sl_store *st, json_object *body, char *id_out, sl_err *err)
{
    const char *name = sl__api_req_str(body, "/name", err);
    const char *spec = name != NULL ? sl__api_req_str(body, "/flowSpec/id", err) : NULL;
    if (spec == NULL) {
        return err->code;
    }
    if (strcmp(spec, SL_FLOWSPEC_CIO) != 0) {
        return sl_err_set(err, SL_EINVAL, "'flowSpec/id' %s is unknown; expected %s", spec,
                          SL_FLOWSPEC_CIO);
    }
    const char *src = one_ref(st, body, "/sourceConnectionIds", "sourceConnection", err);
    const char *tgt =
        src != NULL ? one_ref(st, body, "/targetConnectionIds", "targetConnection", err) : NULL;
    const char *ms =
        tgt != NULL ? sl__api_req_str(body, "/transformations/0/params/mappingId", err) : NULL;
    if (ms == NULL) {
        return err->code;
    }
    json_object *msdoc = NULL;
    if (sl_store_doc_get(st, "mappingSet", ms, &msdoc, NULL, NULL, err) != SL_OK) {
        return err->code == SL_ENOTFOUND
                   ? sl_err_set(err, SL_EINVAL,
                                "'transformations/0/params/mappingId' %s names no mapping set", ms)
                   : err->code;
    }
    json_object_put(msdoc);
    char id[SL_UUID_LEN + 1];
    char inlet[65];
    sl_id_uuid(id);
    sl_id_hex(inlet, 64);
    bool bad = false;
    const char *desc = sl__api_opt_str(body, "/description", &bad, err);
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "id", json_object_new_string(id));
    json_object_object_add(doc, "name", json_object_new_string(name));
    json_object_object_add(doc, "description", json_object_new_string(desc != NULL ? desc : ""));
    json_object_object_add(doc, "flowSpec", spec_ref(spec, NULL));
    json_object_object_add(doc, "state", json_object_new_string("enabled"));
    json_object *srcs = json_object_new_array();
    json_object_array_add(srcs, json_object_new_string(src));
    json_object_object_add(doc, "sourceConnectionIds", srcs);
    json_object *tgts = json_object_new_array();
    json_object_array_add(tgts, json_object_new_string(tgt));
    json_object_object_add(doc, "targetConnectionIds", tgts);
    json_object *tr = NULL;
    (void)json_pointer_get(body, "/transformations", &tr);
    json_object_object_add(doc, "transformations", json_object_get(tr));
    json_object *opts = NULL;
    if (json_pointer_get(body, "/options", &opts) == 0 &&
        json_object_is_type(opts, json_type_object)) {
        json_object *copy = NULL;
        (void)json_object_deep_copy(opts, &copy, NULL);
        json_object_object_add(doc, "options", copy);
    } else {
        json_object_object_add(doc, "options", json_object_new_object());
    }
    json_object_object_add(doc, "inletId", json_object_new_string(inlet));
    int rc = sl_store_doc_put(st, "flow", id, doc, NULL, err);
    json_object_put(doc);
    if (rc == SL_OK) {
        (void)snprintf(id_out, SL_UUID_LEN + 1, "%s", id);
    }
    return rc;
}

json_object *sl_api_flow_view(const sl_app *app, const char *id, json_object *doc, const char *etag,
                              const int64_t times[2])
{
    json_object *v = NULL;
    (void)json_object_deep_copy(doc, &v, NULL);
    json_object *inlet = NULL;
    char url[512];
    json_object *opts = NULL;
    if (!json_object_object_get_ex(v, "options", &opts) ||
        !json_object_is_type(opts, json_type_object)) {
        opts = json_object_new_object();
        json_object_object_add(v, "options", opts);
    }
    if (json_object_object_get_ex(v, "inletId", &inlet)) {
        (void)snprintf(url, sizeof(url), "%s/collection/%s", app->public_url,
                       json_object_get_string(inlet));
        json_object_object_add(opts, "inletUrl", json_object_new_string(url));
        json_object_object_add(opts, "inletId", json_object_get(inlet));
        json_object_object_del(v, "inletId");
    }
    json_object_object_add(v, "id", json_object_new_string(id));
    json_object_object_add(v, "etag", json_object_new_string(etag));
    json_object_object_add(v, "version", json_object_new_string(etag));
    json_object_object_add(v, "createdAt", json_object_new_int64(times[0]));
    json_object_object_add(v, "updatedAt", json_object_new_int64(times[1]));
    char runs[128];
    (void)snprintf(runs, sizeof(runs), "/runs?property=flowId==%s", id);
    json_object_object_add(v, "runs", json_object_new_string(runs));
    json_object *props = json_object_new_object();
    json_object_object_add(props, "isSourceFlow", json_object_new_boolean(1));
    json_object *inh = json_object_new_object();
    json_object_object_add(inh, "properties", props);
    json_object_object_add(v, "inheritedAttributes", inh);
    return v;
}

static json_object *items_envelope(json_object *items)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    json_object_object_add(o, "_links", json_object_new_object());
    return o;
}

void sl__api_flows_list(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    json_object *list = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_list(app->store, "flow", &list, &err) != SL_OK) {
        sl__api_reply_err(req, &err);
        return;
    }
    json_object *items = json_object_new_array();
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(list, i);
        json_object *id = NULL, *etag = NULL, *doc = NULL, *c = NULL, *u = NULL;
        (void)json_object_object_get_ex(it, "id", &id);
        (void)json_object_object_get_ex(it, "etag", &etag);
        (void)json_object_object_get_ex(it, "doc", &doc);
        (void)json_object_object_get_ex(it, "created", &c);
        (void)json_object_object_get_ex(it, "updated", &u);
        int64_t times[2] = {json_object_get_int64(c), json_object_get_int64(u)};
        json_object_array_add(items, sl_api_flow_view(app, json_object_get_string(id), doc,
                                                      json_object_get_string(etag), times));
    }
    json_object_put(list);
    sl_http_reply_json(req, 200, items_envelope(items));
}

void sl__api_flow_get(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *id = sl_http_param(req, "flowId");
    json_object *doc = NULL;
    char etag[64];
    int64_t times[2];
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_get(app->store, "flow", id, &doc, etag, times, &err) != SL_OK) {
        sl__api_reply_err(req, &err);
        return;
    }
    json_object *items = json_object_new_array();
    json_object_array_add(items, sl_api_flow_view(app, id, doc, etag, times));
    json_object_put(doc);
    sl_http_add_header(req, "ETag", etag);
    sl_http_reply_json(req, 200, items_envelope(items));
}
