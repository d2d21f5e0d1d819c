/* SPDX-License-Identifier: Apache-2.0 */
/* api/conversion.c: mapping sets (/data/foundation/conversion). */
#include "api/api_int.h"

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
