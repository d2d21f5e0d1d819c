/* SPDX-License-Identifier: Apache-2.0 */
/* api/schemaregistry.c: tenant schemas, identity descriptors and schema inference
 * (/data/foundation/schemaregistry). A schema is kept as its JSON-Schema document with XDM
 * annotations; identity descriptors are also folded into it ("sluice:identities") so the
 * pipeline reads one document. */
#include "api/api_int.h"
#include "api/resource.h"

#include "core/ids.h"
#include "core/log.h"
#include "schema/infer.h"
#include "schema/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELD_DEPTH 16

static const char *const xdm_types[] = {"string", "integer", "long",    "short", "byte",
                                        "number", "double",  "boolean", "date",  "date-time",
                                        "object", "array",   "map",     NULL};
static const char *const formats[] = {"email", "uri", "uri-reference", "date", "date-time",
                                      "uuid",  NULL};

static bool one_of(const char *s, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(s, *list) == 0) {
            return true;
        }
    }
    return false;
}

/* Rewrite XDM shorthand types into JSON Schema with meta:xdmType ("long" -> integer + long,
 * "date-time" -> string + format, "map" -> object + map), and check every field: a message
 * names the field's path. */
static int normalise_field(json_object *f, const char *path, int depth, sl_err *err)
{
    if (depth > MAX_FIELD_DEPTH) {
        return sl_err_set(err, SL_EINVAL, "'%s' nests deeper than %d levels", path,
                          MAX_FIELD_DEPTH);
    }
    if (!json_object_is_type(f, json_type_object)) {
        return sl_err_set(err, SL_EINVAL, "'%s' must be an object describing the field", path);
    }
    json_object *jt = NULL;
    if (!json_object_object_get_ex(f, "type", &jt) || !json_object_is_type(jt, json_type_string)) {
        return sl_err_set(err, SL_EINVAL,
                          "'%s.type' is required (one of string, integer, long, "
                          "number, boolean, date, date-time, object, array, map)",
                          path);
    }
    const char *t = json_object_get_string(jt);
    if (!one_of(t, xdm_types)) {
        return sl_err_set(err, SL_EINVAL,
                          "'%s.type' '%s' is not an XDM type; expected string, integer, long, "
                          "number, boolean, date, date-time, object, array or map",
                          path, t);
    }
    char xdm[16];
    (void)snprintf(xdm, sizeof(xdm), "%s", t);
    const char *json_type = t;
    if (strcmp(t, "long") == 0 || strcmp(t, "short") == 0 || strcmp(t, "byte") == 0) {
        json_type = "integer";
    } else if (strcmp(t, "double") == 0) {
        json_type = "number";
    } else if (strcmp(t, "date") == 0 || strcmp(t, "date-time") == 0) {
        json_type = "string";
        json_object_object_add(f, "format", json_object_new_string(t));
    } else if (strcmp(t, "map") == 0) {
        json_type = "object";
    }
    if (strcmp(json_type, t) != 0) {
        json_object_object_add(f, "meta:xdmType", json_object_new_string(xdm));
        json_object_object_add(f, "type", json_object_new_string(json_type));
    }
    json_object *v = NULL;
    if (json_object_object_get_ex(f, "format", &v) &&
        (!json_object_is_type(v, json_type_string) ||
         !one_of(json_object_get_string(v), formats))) {
        return sl_err_set(err, SL_EINVAL,
                          "'%s.format' must be one of email, uri, uri-reference, date, date-time, "
                          "uuid",
                          path);
    }
    if (json_object_object_get_ex(f, "enum", &v) &&
        (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)) {
        return sl_err_set(err, SL_EINVAL, "'%s.enum' must be a non-empty array", path);
    }
    if (json_object_object_get_ex(f, "pattern", &v) && !json_object_is_type(v, json_type_string)) {
        return sl_err_set(err, SL_EINVAL, "'%s.pattern' must be a string (a regular expression)",
                          path);
    }
    static const char *const bounds[] = {"minimum",   "maximum",          "minLength",
                                         "maxLength", "exclusiveMinimum", "exclusiveMaximum",
                                         NULL};
    for (const char *const *b = bounds; *b != NULL; b++) {
        if (json_object_object_get_ex(f, *b, &v) && !json_object_is_type(v, json_type_int) &&
            !json_object_is_type(v, json_type_double)) {
            return sl_err_set(err, SL_EINVAL, "'%s.%s' must be a number", path, *b);
        }
    }
    char sub[512];
    if (strcmp(json_type, "object") == 0 && json_object_object_get_ex(f, "properties", &v)) {
        if (!json_object_is_type(v, json_type_object)) {
            return sl_err_set(err, SL_EINVAL, "'%s.properties' must be an object", path);
        }
        json_object_object_foreach(v, name, child)
        {
            (void)snprintf(sub, sizeof(sub), "%s.properties.%s", path, name);
            if (normalise_field(child, sub, depth + 1, err) != SL_OK) {
                return err->code;
            }
        }
    }
    if (strcmp(json_type, "array") == 0) {
        if (!json_object_object_get_ex(f, "items", &v)) {
            return sl_err_set(err, SL_EINVAL, "'%s.items' is required for an array", path);
        }
        (void)snprintf(sub, sizeof(sub), "%s.items", path);
        return normalise_field(v, sub, depth + 1, err);
    }
    return SL_OK;
}

/* `required` names must be properties of `props`. */
static int check_required(json_object *doc, json_object *props, sl_err *err)
{
    json_object *req = NULL;
    if (!json_object_object_get_ex(doc, "required", &req)) {
        return SL_OK;
    }
    if (!json_object_is_type(req, json_type_array)) {
        return sl_err_set(err, SL_EINVAL, "'required' must be an array of field names");
    }
    size_t n = json_object_array_length(req);
    for (size_t i = 0; i < n; i++) {
        json_object *name = json_object_array_get_idx(req, i);
        json_object *f = NULL;
        if (!json_object_is_type(name, json_type_string) ||
            !json_object_object_get_ex(props, json_object_get_string(name), &f)) {
            return sl_err_set(err, SL_EINVAL, "'required/%zu' names no field of 'properties'", i);
        }
    }
    return SL_OK;
}

int sl_api_create_schema(sl_store *st, json_object *body, char *id_out, sl_err *err)
{
    const char *title = sl__api_req_str(body, "/title", err);
    if (title == NULL) {
        return err->code;
    }
    bool bad = false;
    const char *klass = sl__api_opt_str(body, "/meta:class", &bad, err);
    if (bad) {
        return err->code;
    }
    if (klass == NULL) {
        /* AEP also names the class through allOf: [{"$ref": CLASS}]. */
        json_object *ref = NULL;
        if (json_pointer_get(body, "/allOf/0/$ref", &ref) == 0 &&
            json_object_is_type(ref, json_type_string)) {
            klass = json_object_get_string(ref);
        }
    }
    if (klass == NULL ||
        (strcmp(klass, SL_XDM_EXPERIENCE_EVENT) != 0 && strcmp(klass, SL_XDM_PROFILE) != 0)) {
        return sl_err_set(err, SL_EINVAL, "'meta:class' must be %s or %s", SL_XDM_EXPERIENCE_EVENT,
                          SL_XDM_PROFILE);
    }
    json_object *doc = NULL;
    (void)json_object_deep_copy(body, &doc, NULL);
    int rc = SL_OK;
    json_object *props = NULL;
    if (!json_object_object_get_ex(doc, "properties", &props) ||
        !json_object_is_type(props, json_type_object)) {
        rc = sl_err_set(err, SL_EINVAL, "'properties' is required: an object of fields");
        goto out;
    }
    json_object_object_foreach(props, name, field)
    {
        char path[300];
        (void)snprintf(path, sizeof(path), "properties.%s", name);
        if ((rc = normalise_field(field, path, 0, err)) != SL_OK) {
            goto out;
        }
    }
    if ((rc = check_required(doc, props, err)) != SL_OK) {
        goto out;
    }
    sl_schema *compiled = NULL;
    if ((rc = sl_schema_compile(doc, &compiled, err)) != SL_OK) {
        goto out;
    }
    sl_schema_destroy(compiled);
    char hex[33];
    char full[128];
    char alt[96];
    sl_id_hex(hex, 32);
    (void)snprintf(full, sizeof(full), "https://ns.adobe.com/sluice/schemas/%s", hex);
    (void)snprintf(alt, sizeof(alt), "_sluice.schemas.%s", hex);
    json_object_object_add(doc, "$id", json_object_new_string(full));
    json_object_object_add(doc, "meta:altId", json_object_new_string(alt));
    json_object_object_add(doc, "meta:class", json_object_new_string(klass));
    json_object_object_add(doc, "version", json_object_new_string("1.0"));
    json_object_object_add(doc, "type", json_object_new_string("object"));
    if ((rc = sl_store_doc_put(st, "schema", hex, doc, NULL, err)) == SL_OK) {
        (void)snprintf(id_out, 128, "%s", full);
    }
out:
    json_object_put(doc);
    return rc;
}

/* The store key of a schema named by its $id, meta:altId or bare hex. */
static const char *schema_key(const char *ref)
{
    const char *alt = "_sluice.schemas.";
    if (strncmp(ref, alt, strlen(alt)) == 0) {
        return ref + strlen(alt);
    }
    return sl__api_schema_key(ref);
}

static json_object *schema_view(const sl_app *app, const char *id, json_object *doc,
                                const char *etag, const int64_t times[2])
{
    (void)app;
    (void)id;
    (void)etag;
    json_object *v = NULL;
    (void)json_object_deep_copy(doc, &v, NULL);
    json_object *reg = json_object_new_object();
    json_object_object_add(reg, "createdDate", json_object_new_int64(times[0]));
    json_object_object_add(reg, "repo:lastModifiedDate", json_object_new_int64(times[1]));
    json_object_object_add(v, "meta:registryMetadata", reg);
    return v;
}

static int schema_can_delete(sl_app *app, const char *id, sl_err *err)
{
    json_object *list = NULL;
    if (sl_store_doc_list(app->store, "dataset", &list, err) != SL_OK) {
        return err->code;
    }
    int rc = SL_OK;
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n && rc == SL_OK; i++) {
        json_object *it = json_object_array_get_idx(list, i);
        json_object *ref = NULL;
        json_object *dsid = NULL;
        (void)json_object_object_get_ex(it, "id", &dsid);
        if (json_pointer_get(it, "/doc/schemaRef/id", &ref) == 0 &&
            strcmp(sl__api_schema_key(json_object_get_string(ref)), id) == 0) {
            rc = sl_err_set(err, SL_ECONFLICT, "schema is used by dataset %s; delete that first",
                            json_object_get_string(dsid));
        }
    }
    json_object_put(list);
    return rc;
}

static const sl_resource schema_res = {
    .kind = "schema",
    .param = "id",
    .noun = "schema",
    .view = schema_view,
    .create = sl_api_create_schema,
    .can_delete = schema_can_delete,
    .key_of = schema_key,
    .list_style = SL_LIST_RESULTS,
};

void sl__api_schemas_list(sl_http_req *req, void *ud)
{
    sl_resource_list(req, ud, &schema_res);
}

void sl__api_schemas_get(sl_http_req *req, void *ud)
{
    sl_resource_get(req, ud, &schema_res);
}

void sl__api_schemas_create(sl_http_req *req, void *ud)
{
    sl_resource_create(req, ud, &schema_res);
}

void sl__api_schemas_delete(sl_http_req *req, void *ud)
{
    sl_resource_delete(req, ud, &schema_res);
}

/* ---- identity descriptors ---- */

/* Does JSON pointer `ptr` ("/a/b") name a field of the schema's properties tree? */
static bool schema_has_field(json_object *schema, const char *ptr)
{
    json_object *cur = schema;
    char buf[256];
    (void)snprintf(buf, sizeof(buf), "%s", ptr);
    char *save = NULL;
    for (char *tok = strtok_r(buf, "/", &save); tok != NULL; tok = strtok_r(NULL, "/", &save)) {
        json_object *props = NULL;
        if (!json_object_object_get_ex(cur, "properties", &props) ||
            !json_object_object_get_ex(props, tok, &cur)) {
            return false;
        }
    }
    return cur != schema;
}

static int rewrite_identities(sl_store *st, const char *key, json_object *schema, sl_err *err)
{
    json_object *list = NULL;
    if (sl_store_doc_list(st, "descriptor", &list, err) != SL_OK) {
        return err->code;
    }
    json_object *ids = json_object_new_array();
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *d = NULL;
        json_object *src = NULL;
        (void)json_object_object_get_ex(json_object_array_get_idx(list, i), "doc", &d);
        if (json_object_object_get_ex(d, "xdm:sourceSchema", &src) &&
            strcmp(schema_key(json_object_get_string(src)), key) == 0) {
            json_object_array_add(ids, json_object_get(d));
        }
    }
    json_object_put(list);
    json_object_object_add(schema, "sluice:identities", ids);
    return sl_store_doc_put(st, "schema", key, schema, NULL, err);
}

static void descriptor_reply_err(sl_http_req *req, const sl_err *err)
{
    sl_http_reply_err(req, err);
}

void sl__api_descriptors_create(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    json_object *body = sl_resource_body(req, false);
    json_object *schema = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (body == NULL) {
        return;
    }
    const char *type = sl__api_req_str(body, "/@type", &err);
    const char *src = type != NULL ? sl__api_req_str(body, "/xdm:sourceSchema", &err) : NULL;
    const char *prop = src != NULL ? sl__api_req_str(body, "/xdm:sourceProperty", &err) : NULL;
    const char *ns = prop != NULL ? sl__api_req_str(body, "/xdm:namespace", &err) : NULL;
    if (ns == NULL) {
        descriptor_reply_err(req, &err);
        goto out;
    }
    if (strcmp(type, "xdm:descriptorIdentity") != 0) {
        sl_http_reply_problem(req, 400, "Unsupported descriptor",
                              "'@type' '%.60s' is not supported; expected xdm:descriptorIdentity",
                              type);
        goto out;
    }
    sl_resource_write_lock();
    const char *key = schema_key(src);
    if (sl_store_doc_get(app->store, "schema", key, &schema, NULL, NULL, &err) != SL_OK) {
        sl_resource_write_unlock();
        sl_http_reply_problem(req, 400, "Unknown schema",
                              "'xdm:sourceSchema' %.120s names no schema", src);
        goto out;
    }
    if (prop[0] != '/' || !schema_has_field(schema, prop)) {
        sl_resource_write_unlock();
        sl_http_reply_problem(req, 400, "Unknown field",
                              "'xdm:sourceProperty' %.120s is not a field of the schema (give a "
                              "JSON pointer like /email)",
                              prop);
        goto out;
    }
    char id[33];
    sl_id_hex(id, 32);
    json_object_object_add(body, "@id", json_object_new_string(id));
    if (sl_store_doc_put(app->store, "descriptor", id, body, NULL, &err) != SL_OK ||
        rewrite_identities(app->store, key, schema, &err) != SL_OK) {
        sl_resource_write_unlock();
        descriptor_reply_err(req, &err);
        goto out;
    }
    (void)sl__api_reload(app, &err);
    sl_resource_write_unlock();
    sl_http_reply_json(req, 201, json_object_get(body));
out:
    json_object_put(schema);
    json_object_put(body);
}

void sl__api_descriptors_list(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    json_object *list = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_list(app->store, "descriptor", &list, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    json_object *out = json_object_new_array();
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *d = NULL;
        (void)json_object_object_get_ex(json_object_array_get_idx(list, i), "doc", &d);
        json_object_array_add(out, json_object_get(d));
    }
    json_object_put(list);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "xdm:descriptorIdentity", out);
    sl_http_reply_json(req, 200, o);
}

void sl__api_descriptors_delete(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *id = sl_http_param(req, "id");
    json_object *d = NULL;
    json_object *schema = NULL;
    json_object *src = NULL;
    sl_err err;
    sl_err_clear(&err);
    sl_resource_write_lock();
    if (sl_store_doc_get(app->store, "descriptor", id, &d, NULL, NULL, &err) != SL_OK) {
        sl_resource_write_unlock();
        sl_http_reply_problem(req, 404, NULL, "no descriptor with id '%.80s'", id);
        return;
    }
    (void)json_object_object_get_ex(d, "xdm:sourceSchema", &src);
    const char *key = schema_key(json_object_get_string(src));
    if (sl_store_doc_delete(app->store, "descriptor", id, &err) == SL_OK &&
        sl_store_doc_get(app->store, "schema", key, &schema, NULL, NULL, &err) == SL_OK) {
        (void)rewrite_identities(app->store, key, schema, &err);
    }
    (void)sl__api_reload(app, &err);
    sl_resource_write_unlock();
    json_object_put(d);
    json_object_put(schema);
    sl_http_reply_text(req, 204, "application/json", "", 0);
}

/* ---- inference ---- */

void sl__api_schema_infer(sl_http_req *req, void *ud)
{
    (void)ud;
    json_object *sample = sl_resource_body(req, true);
    json_object *schema = NULL;
    json_object *fields = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sample == NULL) {
        return;
    }
    if (sl_schema_infer(sample, &schema, &fields, &err) != SL_OK) {
        json_object_put(sample);
        sl_http_reply_problem(req, 400, "Cannot infer a schema", "%s", err.msg);
        return;
    }
    json_object_put(sample);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "schema", schema);
    json_object_object_add(o, "fields", fields);
    sl_http_reply_json(req, 200, o);
}
