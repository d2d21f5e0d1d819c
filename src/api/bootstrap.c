/* SPDX-License-Identifier: Apache-2.0 */
/* api/bootstrap.c: first start. An empty store gets a ready Customer.io dataflow, built with
 * the same create functions the API calls, so it is an ordinary dataflow in every way. The
 * schema and mapping are the JSON files in src/api/defaults, embedded at build time. */
#include "api/api_int.h"

#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char sl_embed_customerio_schema_json[];
extern const char sl_embed_customerio_mapping_json[];

#define BOOTSTRAP_KEY "bootstrap.flow"

static json_object *parse_builtin(const char *text, const char *what, sl_err *err)
{
    json_object *o = json_tokener_parse(text);
    if (o == NULL) {
        (void)sl_err_set(err, SL_EINTERNAL, "the built-in %s is not valid JSON", what);
    }
    return o;
}

int sl_api_bootstrap(sl_store *st, char *flow_id, sl_err *err)
{
    int rc = SL_OK;
    char *done = NULL;
    json_object *schema = NULL, *mapping = NULL, *body = NULL;
    char src_id[64], schema_id[128], ds_id[32], tgt_id[64], ms_id[64];

    sl_err probe;
    sl_err_clear(&probe);
    rc = sl_store_meta_get(st, BOOTSTRAP_KEY, &done, &probe);
    if (rc == SL_OK) {
        (void)snprintf(flow_id, 37, "%s", done);
        free(done);
        return SL_OK;
    }
    if (rc != SL_ENOTFOUND) {
        *err = probe;
        return rc;
    }
    rc = SL_OK;
    if ((schema = parse_builtin(sl_embed_customerio_schema_json, "schema", err)) == NULL ||
        (mapping = parse_builtin(sl_embed_customerio_mapping_json, "mapping", err)) == NULL) {
        rc = SL_EINTERNAL;
        goto out;
    }
    body =
        json_tokener_parse("{\"name\":\"Customer.io\",\"description\":\"Customer.io "
                           "reporting webhooks\",\"connectionSpec\":{\"id\":\"" SL_SPEC_CUSTOMERIO
                           "\",\"version\":\"1.0\"},\"data\":{\"format\":\"json\"}}");
    if ((rc = sl_api_create_source_connection(st, body, src_id, err)) != SL_OK ||
        (rc = sl_api_create_schema(st, schema, schema_id, err)) != SL_OK) {
        goto out;
    }
    json_object_put(body);
    body = json_object_new_object();
    json_object_object_add(body, "name", json_object_new_string("Customer.io events"));
    json_object_object_add(body, "description",
                           json_object_new_string("Every Customer.io reporting-webhook event"));
    json_object *ref = json_object_new_object();
    json_object_object_add(ref, "id", json_object_new_string(schema_id));
    json_object_object_add(body, "schemaRef", ref);
    json_object *tags = json_object_new_object();
    json_object *prof = json_object_new_array();
    json_object_array_add(prof, json_object_new_string("enabled:true"));
    json_object_object_add(tags, "unifiedProfile", prof);
    json_object_object_add(body, "tags", tags);
    if ((rc = sl_api_create_dataset(st, body, ds_id, err)) != SL_OK) {
        goto out;
    }
    json_object_put(body);
    char text[512];
    (void)snprintf(text, sizeof(text),
                   "{\"name\":\"Customer.io events target\",\"connectionSpec\":{\"id\":\"%s\","
                   "\"version\":\"1.0\"},\"data\":{\"format\":\"json\"},"
                   "\"params\":{\"dataSetId\":\"%s\"}}",
                   SL_SPEC_DATALAKE, ds_id);
    body = json_tokener_parse(text);
    if ((rc = sl_api_create_target_connection(st, body, tgt_id, err)) != SL_OK) {
        goto out;
    }
    json_object *ms_ref = json_object_new_object();
    json_object *outref = json_object_new_object();
    json_object_object_add(outref, "id", json_object_new_string(schema_id));
    json_object_object_add(ms_ref, "schemaRef", outref);
    json_object_object_add(mapping, "outputSchema", ms_ref);
    if ((rc = sl_api_create_mapping_set(st, mapping, ms_id, err)) != SL_OK) {
        goto out;
    }
    json_object_put(body);
    (void)snprintf(text, sizeof(text),
                   "{\"name\":\"Customer.io\",\"description\":\"Customer.io reporting webhooks "
                   "into the Customer.io events dataset\",\"flowSpec\":{\"id\":\"%s\","
                   "\"version\":\"1.0\"},\"sourceConnectionIds\":[\"%s\"],"
                   "\"targetConnectionIds\":[\"%s\"],\"transformations\":[{\"name\":\"Mapping\","
                   "\"params\":{\"mappingId\":\"%s\",\"mappingVersion\":0}}]}",
                   SL_FLOWSPEC_CIO, src_id, tgt_id, ms_id);
    body = json_tokener_parse(text);
    if ((rc = sl_api_create_flow(st, body, flow_id, err)) != SL_OK) {
        goto out;
    }
    /* Written last: a start interrupted before this point bootstraps again. */
    rc = sl_store_meta_put(st, BOOTSTRAP_KEY, flow_id, err);
    if (rc == SL_OK) {
        SL_LOG_INFO("bootstrap", "created the Customer.io dataflow flow=%s dataset=%s", flow_id,
                    ds_id);
    }
out:
    json_object_put(schema);
    json_object_put(mapping);
    json_object_put(body);
    return rc;
}
