/* SPDX-License-Identifier: Apache-2.0 */
#include "collect/event.h"

int sl_event_parse(sl_str body, int max_depth, json_object **out, sl_err *err)
{
    json_object *obj = NULL;
    int rc = sl_json_parse(body, max_depth, &obj, err);
    if (rc == SL_OK && !json_object_is_type(obj, json_type_object)) {
        rc = sl_err_set(err, SL_EINVAL, "the body is a JSON %s; expected an object",
                        json_type_to_name(json_object_get_type(obj)));
        json_object_put(obj);
        obj = NULL;
    }
    if (out != NULL) {
        *out = obj;
    } else {
        json_object_put(obj);
    }
    return rc;
}
