/* SPDX-License-Identifier: Apache-2.0 */
/* api/schemaregistry.c: tenant schemas (/data/foundation/schemaregistry). */
#include "api/api_int.h"

#include "core/ids.h"
#include "schema/schema.h"

#include <stdio.h>
#include <string.h>

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
    sl_schema *compiled = NULL;
    if (sl_schema_compile(body, &compiled, err) != SL_OK) {
        return err->code;
    }
    sl_schema_destroy(compiled);
    char hex[33];
    char full[128];
    char alt[96];
    sl_id_hex(hex, 32);
    (void)snprintf(full, sizeof(full), "https://ns.adobe.com/sluice/schemas/%s", hex);
    (void)snprintf(alt, sizeof(alt), "_sluice.schemas.%s", hex);
    json_object *doc = NULL;
    (void)json_object_deep_copy(body, &doc, NULL);
    json_object_object_add(doc, "$id", json_object_new_string(full));
    json_object_object_add(doc, "meta:altId", json_object_new_string(alt));
    json_object_object_add(doc, "meta:class", json_object_new_string(klass));
    json_object_object_add(doc, "version", json_object_new_string("1.0"));
    json_object_object_add(doc, "type", json_object_new_string("object"));
    int rc = sl_store_doc_put(st, "schema", hex, doc, NULL, err);
    json_object_put(doc);
    if (rc == SL_OK) {
        (void)snprintf(id_out, 128, "%s", full);
    }
    return rc;
}
