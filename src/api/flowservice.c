/* SPDX-License-Identifier: Apache-2.0 */
/* api/flowservice.c: Flow Service resources (/data/foundation/flowservice): source and target
 * connections and dataflows. */
#include "api/api_int.h"
#include "api/resource.h"
#include "core/clock.h"
#include "pipeline/runs.h"

#include "core/ids.h"
#include "core/limits.h"
#include "core/log.h"

#include "api/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static const char *const source_strings[] = {
    "/name", "/description", "/providerId", "/connectionSpec/version", "/data/format", NULL};
static const char *const target_strings[] = {"/name", "/description", "/connectionSpec/version",
                                             "/params/dataSetId", NULL};
static const char *const flow_strings[] = {"/name", "/description", "/flowSpec/version", NULL};

int sl_api_create_source_connection(sl_store *st, json_object *body, char *id_out, sl_err *err)
{
    if (sl__api_opt_strings(body, source_strings, err) != SL_OK) {
        return err->code;
    }
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
    if (sl__api_opt_strings(body, target_strings, err) != SL_OK) {
        return err->code;
    }
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

/* options.errorDiagnosticsEnabled is a boolean, options.partialIngestionPercent a number
 * from 0 to 100 (AEP: "> 0"; 0 is accepted and means any failed record fails the run). */
static int check_flow_options(json_object *doc, sl_err *err)
{
    json_object *v = NULL;
    if (json_pointer_get(doc, "/options", &v) == 0 && v != NULL &&
        !json_object_is_type(v, json_type_object)) {
        return sl_err_set(err, SL_EINVAL, "'options' must be an object");
    }
    if (json_pointer_get(doc, "/options/errorDiagnosticsEnabled", &v) == 0 && v != NULL &&
        !json_object_is_type(v, json_type_boolean)) {
        return sl_err_set(err, SL_EINVAL,
                          "'options/errorDiagnosticsEnabled' must be true or false");
    }
    if (json_pointer_get(doc, "/options/partialIngestionPercent", &v) == 0 && v != NULL) {
        double d = json_object_get_double(v);
        if ((!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) ||
            d < 0 || d > 100) {
            return sl_err_set(err, SL_EINVAL,
                              "'options/partialIngestionPercent' must be a number from 0 to 100");
        }
    }
    return SL_OK;
}

int sl_api_create_flow(sl_store *st, json_object *body, char *id_out, sl_err *err)
{
    if (sl__api_opt_strings(body, flow_strings, err) != SL_OK ||
        check_flow_options(body, err) != SL_OK) {
        return err->code;
    }
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

static double partial_from(void *ud, const char *flow_id)
{
    (void)flow_id;
    json_object *opts = ud;
    json_object *p = NULL;
    return json_object_object_get_ex(opts, "partialIngestionPercent", &p) && p != NULL
               ? json_object_get_double(p)
               : -1;
}

/* AEP's lastRunDetails of a flow, with the UI label ("No runs" before the first event). */
static json_object *last_run(const sl_app *app, const char *id, json_object *opts)
{
    json_object *o = json_object_new_object();
    json_object *runs = NULL;
    sl_err err;
    sl_err_clear(&err);
    sl_sqlv args[] = {SL_SQL_S(id)};
    if (app->store == NULL ||
        sl_runs_load(app->store, "flow_id = $1", args, 1, 1, sl_now_ms(), NULL, partial_from, opts,
                     &runs, &err) != SL_OK ||
        json_object_array_length(runs) == 0) {
        json_object_put(runs);
        json_object_object_add(o, "state", NULL);
        json_object_object_add(o, "uiStatus", json_object_new_string("No runs"));
        return o;
    }
    json_object *run = json_object_array_get_idx(runs, 0);
    json_object *v = NULL;
    static const struct {
        const char *ptr, *key;
    } fields[] = {{"/id", "id"},
                  {"/metrics/statusSummary/status", "state"},
                  {"/metrics/statusSummary/extensions/uiStatus", "uiStatus"},
                  {"/metrics/durationSummary/startedAtUTC", "startedAtUTC"},
                  {"/metrics/durationSummary/completedAtUTC", "completedAtUTC"},
                  {"/metrics/recordSummary/inputRecordCount", "inputRecordCount"},
                  {"/metrics/recordSummary/failedRecordCount", "failedRecordCount"}};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        v = NULL;
        (void)json_pointer_get(run, fields[i].ptr, &v);
        json_object_object_add(o, fields[i].key, json_object_get(v));
    }
    json_object_put(runs);
    return o;
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
    json_object_object_add(v, "lastRunDetails", last_run(app, id, opts));
    json_object *props = json_object_new_object();
    json_object_object_add(props, "isSourceFlow", json_object_new_boolean(1));
    json_object *inh = json_object_new_object();
    json_object_object_add(inh, "properties", props);
    json_object_object_add(v, "inheritedAttributes", inh);
    return v;
}

/* ---- views ---- */

static json_object *plain_view(const sl_app *app, const char *id, json_object *doc,
                               const char *etag, const int64_t times[2])
{
    (void)app;
    json_object *v = NULL;
    (void)json_object_deep_copy(doc, &v, NULL);
    json_object_object_add(v, "id", json_object_new_string(id));
    json_object_object_add(v, "etag", json_object_new_string(etag));
    json_object_object_add(v, "createdAt", json_object_new_int64(times[0]));
    json_object_object_add(v, "updatedAt", json_object_new_int64(times[1]));
    return v;
}

/* ---- checks after a patch ---- */

static bool same_member(json_object *a, json_object *b, const char *ptr)
{
    json_object *x = NULL;
    json_object *y = NULL;
    int gx = json_pointer_get(a, ptr, &x);
    int gy = json_pointer_get(b, ptr, &y);
    return gx == gy && (gx != 0 || json_object_equal(x, y));
}

static int immutable(json_object *old, json_object *next, const char *const *ptrs, sl_err *err)
{
    for (const char *const *p = ptrs; *p != NULL; p++) {
        if (!same_member(old, next, *p)) {
            return sl_err_set(err, SL_EINVAL, "'%s' cannot be changed", *p + 1);
        }
    }
    return SL_OK;
}

static bool is_string_member(json_object *doc, const char *ptr)
{
    json_object *v = NULL;
    return json_pointer_get(doc, ptr, &v) == 0 && json_object_is_type(v, json_type_string) &&
           json_object_get_string_len(v) > 0;
}

/* The source's signing keys are write-only: a patch may replace them (rotation) under
 * /params/signingKeys; they are moved to the secret store and never kept in the document. */
static void source_before_patch(const sl_app *app, const char *id, json_object *doc)
{
    char *keys = NULL;
    sl_err err;
    sl_err_clear(&err);
    json_object *params = NULL;
    if (!json_object_object_get_ex(doc, "params", &params) ||
        !json_object_is_type(params, json_type_object)) {
        params = json_object_new_object();
        json_object_object_add(doc, "params", params);
    }
    if (sl_store_secret_get(app->store, id, "signingKeys", &keys, &err) == SL_OK) {
        json_object *arr = json_tokener_parse(keys);
        if (arr != NULL) {
            json_object_object_add(params, "signingKeys", arr);
        }
        free(keys);
    }
}

static int source_check(sl_app *app, const char *id, json_object *old, json_object *next,
                        sl_err *err)
{
    static const char *const fixed[] = {"/id", "/connectionSpec", "/providerId", NULL};
    if (immutable(old, next, fixed, err) != SL_OK ||
        sl__api_opt_strings(next, source_strings, err) != SL_OK) {
        return err->code;
    }
    if (!is_string_member(next, "/name")) {
        return sl_err_set(err, SL_EINVAL, "'name' must stay a non-empty string");
    }
    json_object *keys = NULL;
    int rc = SL_OK;
    if (json_pointer_get(next, "/params/signingKeys", &keys) == 0 && keys != NULL) {
        if (check_keys(keys, err) != SL_OK) {
            return err->code;
        }
        rc = sl_store_secret_put(app->store, id, "signingKeys",
                                 json_object_to_json_string_ext(keys, JSON_C_TO_STRING_PLAIN), err);
    } else {
        rc = sl_store_secret_put(app->store, id, "signingKeys", NULL, err);
    }
    json_object *params = NULL;
    if (json_object_object_get_ex(next, "params", &params)) {
        json_object_object_add(params, "signingKeysSet", json_object_new_boolean(keys != NULL));
        json_object_object_del(params, "signingKeys");
    }
    return rc;
}

/* Does any flow name `id` in the array at `ptr`? */
static bool referenced_by_flow(sl_app *app, const char *ptr, const char *id)
{
    json_object *list = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_list(app->store, "flow", &list, &err) != SL_OK) {
        return true; /* cannot tell: refuse rather than orphan */
    }
    bool found = false;
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n && !found; i++) {
        json_object *doc = NULL;
        (void)json_object_object_get_ex(json_object_array_get_idx(list, i), "doc", &doc);
        json_object *v = NULL;
        found = json_pointer_get(doc, ptr, &v) == 0 && json_object_is_type(v, json_type_string) &&
                strcmp(json_object_get_string(v), id) == 0;
    }
    json_object_put(list);
    return found;
}

static int source_can_delete(sl_app *app, const char *id, sl_err *err)
{
    if (referenced_by_flow(app, "/sourceConnectionIds/0", id)) {
        return sl_err_set(err, SL_ECONFLICT,
                          "source connection %s is used by a dataflow; delete the dataflow first",
                          id);
    }
    return SL_OK;
}

static void source_after_delete(sl_app *app, const char *id)
{
    sl_err err;
    sl_err_clear(&err);
    (void)sl_store_secret_put(app->store, id, "signingKeys", NULL, &err);
}

static int target_check(sl_app *app, const char *id, json_object *old, json_object *next,
                        sl_err *err)
{
    (void)id;
    static const char *const fixed[] = {"/id", "/connectionSpec", NULL};
    if (immutable(old, next, fixed, err) != SL_OK ||
        sl__api_opt_strings(next, target_strings, err) != SL_OK) {
        return err->code;
    }
    const char *ds = sl__api_req_str(next, "/params/dataSetId", err);
    if (ds == NULL) {
        return err->code;
    }
    json_object *doc = NULL;
    if (sl_store_doc_get(app->store, "dataset", ds, &doc, NULL, NULL, err) != SL_OK) {
        return sl_err_set(err, SL_EINVAL, "'params/dataSetId' %s names no dataset", ds);
    }
    json_object_put(doc);
    return SL_OK;
}

static int target_can_delete(sl_app *app, const char *id, sl_err *err)
{
    if (referenced_by_flow(app, "/targetConnectionIds/0", id)) {
        return sl_err_set(err, SL_ECONFLICT,
                          "target connection %s is used by a dataflow; delete the dataflow first",
                          id);
    }
    return SL_OK;
}

static int flow_check(sl_app *app, const char *id, json_object *old, json_object *next, sl_err *err)
{
    (void)id;
    static const char *const fixed[] = {"/id", "/flowSpec", "/inletId", NULL};
    if (immutable(old, next, fixed, err) != SL_OK ||
        sl__api_opt_strings(next, flow_strings, err) != SL_OK ||
        check_flow_options(next, err) != SL_OK) {
        return err->code;
    }
    if (!is_string_member(next, "/name")) {
        return sl_err_set(err, SL_EINVAL, "'name' must stay a non-empty string");
    }
    const char *state = sl__api_req_str(next, "/state", err);
    if (state == NULL) {
        return err->code;
    }
    if (strcmp(state, "enabled") != 0 && strcmp(state, "disabled") != 0) {
        return sl_err_set(err, SL_EINVAL, "'state' must be 'enabled' or 'disabled', not '%s'",
                          state);
    }
    if (one_ref(app->store, next, "/sourceConnectionIds", "sourceConnection", err) == NULL ||
        one_ref(app->store, next, "/targetConnectionIds", "targetConnection", err) == NULL) {
        return err->code;
    }
    const char *ms = sl__api_req_str(next, "/transformations/0/params/mappingId", err);
    if (ms == NULL) {
        return err->code;
    }
    json_object *msdoc = NULL;
    if (sl_store_doc_get(app->store, "mappingSet", ms, &msdoc, NULL, NULL, err) != SL_OK) {
        return sl_err_set(err, SL_EINVAL,
                          "'transformations/0/params/mappingId' %s names no mapping set", ms);
    }
    json_object *pinned = NULL;
    json_object *newest = NULL;
    (void)json_object_object_get_ex(msdoc, "version", &newest);
    if (json_pointer_get(next, "/transformations/0/params/mappingVersion", &pinned) == 0 &&
        pinned != NULL &&
        (!json_object_is_type(pinned, json_type_int) || json_object_get_int(pinned) < 0 ||
         json_object_get_int(pinned) > json_object_get_int(newest))) {
        int last = json_object_get_int(newest);
        json_object_put(msdoc);
        return sl_err_set(err, SL_EINVAL,
                          "'transformations/0/params/mappingVersion' must be a version of mapping "
                          "set %s, from 0 to %d",
                          ms, last);
    }
    json_object_put(msdoc);
    json_object *opts = NULL;
    if (json_object_object_get_ex(next, "options", &opts) &&
        !json_object_is_type(opts, json_type_object)) {
        return sl_err_set(err, SL_EINVAL, "'options' must be an object");
    }
    /* The inlet URL is computed on every read; a client echoing it back changes nothing. */
    if (opts != NULL) {
        json_object_object_del(opts, "inletUrl");
        json_object_object_del(opts, "inletId");
    }
    return SL_OK;
}

static json_object *flow_view(const sl_app *app, const char *id, json_object *doc, const char *etag,
                              const int64_t times[2])
{
    return sl_api_flow_view(app, id, doc, etag, times);
}

static const sl_resource source_res = {
    .kind = "sourceConnection",
    .param = "id",
    .noun = "source connection",
    .view = plain_view,
    .create = sl_api_create_source_connection,
    .before_patch = source_before_patch,
    .check = source_check,
    .can_delete = source_can_delete,
    .after_delete = source_after_delete,
};

static const sl_resource target_res = {
    .kind = "targetConnection",
    .param = "id",
    .noun = "target connection",
    .view = plain_view,
    .create = sl_api_create_target_connection,
    .check = target_check,
    .can_delete = target_can_delete,
};

static const sl_resource flow_res = {
    .kind = "flow",
    .param = "id",
    .noun = "dataflow",
    .view = flow_view,
    .create = sl_api_create_flow,
    .check = flow_check,
};

/* ---- handlers ---- */

#define CRUD_HANDLERS(prefix, res)                                                                 \
    void sl__api_##prefix##_list(sl_http_req *req, void *ud)                                       \
    {                                                                                              \
        sl_resource_list(req, ud, &(res));                                                         \
    }                                                                                              \
    void sl__api_##prefix##_get(sl_http_req *req, void *ud)                                        \
    {                                                                                              \
        sl_resource_get(req, ud, &(res));                                                          \
    }                                                                                              \
    void sl__api_##prefix##_create(sl_http_req *req, void *ud)                                     \
    {                                                                                              \
        sl_resource_create(req, ud, &(res));                                                       \
    }                                                                                              \
    void sl__api_##prefix##_patch(sl_http_req *req, void *ud)                                      \
    {                                                                                              \
        sl_resource_patch(req, ud, &(res), true, false);                                           \
    }                                                                                              \
    void sl__api_##prefix##_delete(sl_http_req *req, void *ud)                                     \
    {                                                                                              \
        sl_resource_delete(req, ud, &(res));                                                       \
    }

CRUD_HANDLERS(sources, source_res)
CRUD_HANDLERS(targets, target_res)
CRUD_HANDLERS(flows, flow_res)

void sl__api_flow_action(sl_http_req *req, void *ud)
{
    const char *op = sl_http_query(req, "op");
    if (op == NULL) {
        sl_http_reply_problem(req, 400, "Missing op", "give ?op=enable, ?op=disable or ?op=replay");
        return;
    }
    if (strcasecmp(op, "enable") == 0) {
        sl_resource_set_state(req, ud, &flow_res, "enabled");
    } else if (strcasecmp(op, "disable") == 0) {
        sl_resource_set_state(req, ud, &flow_res, "disabled");
    } else if (strcasecmp(op, "replay") == 0) {
        sl__api_flow_replay(req, ud);
    } else {
        sl_http_reply_problem(req, 400, "Unknown op",
                              "op '%.40s' is not supported; expected enable, disable or replay",
                              op);
    }
}

/* ---- built-in specs ---- */

extern const char sl_embed_connection_specs_json[];
extern const char sl_embed_flow_specs_json[];

static void spec_list(sl_http_req *req, const char *text)
{
    json_object *arr = json_tokener_parse(text);
    const char *prop[SL_LIST_MAX_FILTERS];
    size_t nprop = sl_http_query_values(req, "property", prop, SL_LIST_MAX_FILTERS);
    json_object *items = json_object_new_array();
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(arr, i);
        bool pass = true;
        for (size_t f = 0; f < nprop && pass; f++) {
            sl_err err;
            sl_err_clear(&err);
            int m = sl_list_match(it, prop[f], &err);
            if (m < 0) {
                json_object_put(items);
                json_object_put(arr);
                sl_http_reply_problem(req, 400, "Invalid list parameters", "%s", err.msg);
                return;
            }
            pass = m == 1;
        }
        if (pass) {
            json_object_array_add(items, json_object_get(it));
        }
    }
    json_object_put(arr);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    sl_http_reply_json(req, 200, o);
}

static void spec_get(sl_http_req *req, const char *text, const char *what)
{
    const char *id = sl_http_param(req, "id");
    json_object *arr = json_tokener_parse(text);
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(arr, i);
        json_object *jid = NULL;
        if (json_object_object_get_ex(it, "id", &jid) &&
            strcmp(json_object_get_string(jid), id) == 0) {
            json_object *items = json_object_new_array();
            json_object_array_add(items, json_object_get(it));
            json_object *o = json_object_new_object();
            json_object_object_add(o, "items", items);
            json_object_put(arr);
            sl_http_reply_json(req, 200, o);
            return;
        }
    }
    json_object_put(arr);
    sl_http_reply_problem(req, 404, NULL, "no %s with id '%.80s'", what, id);
}

void sl__api_conn_specs_list(sl_http_req *req, void *ud)
{
    (void)ud;
    spec_list(req, sl_embed_connection_specs_json);
}

void sl__api_conn_spec_get(sl_http_req *req, void *ud)
{
    (void)ud;
    spec_get(req, sl_embed_connection_specs_json, "connection spec");
}

void sl__api_flow_specs_list(sl_http_req *req, void *ud)
{
    (void)ud;
    spec_list(req, sl_embed_flow_specs_json);
}

void sl__api_flow_spec_get(sl_http_req *req, void *ud)
{
    (void)ud;
    spec_get(req, sl_embed_flow_specs_json, "flow spec");
}
