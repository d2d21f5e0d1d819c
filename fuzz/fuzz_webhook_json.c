/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz/fuzz_webhook_json.c: the syntax check of a collected body (sl_event_parse) and of a
 * batch or admin body (sl_json_parse) on arbitrary bytes, at SL_MAX_JSON_DEPTH. */
#include "collect/event.h"
#include "core/limits.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_str body = {(const char *)data, size};
    sl_err err;
    json_object *obj = NULL;
    json_object *any = NULL;

    sl_err_clear(&err);
    int rc = sl_event_parse(body, SL_MAX_JSON_DEPTH, &obj, &err);
    if ((rc == SL_OK) != (obj != NULL) || (rc != SL_OK && memchr(err.msg, '\0', 256) == NULL)) {
        abort();
    }
    if (rc == SL_OK && !json_object_is_type(obj, json_type_object)) {
        abort();
    }
    /* Whatever sl_event_parse accepts, sl_json_parse accepts too, and an accepted body is
     * valid UTF-8. */
    int rc_any = sl_json_parse(body, SL_MAX_JSON_DEPTH, &any, NULL);
    if ((rc == SL_OK && rc_any != SL_OK) || (rc_any == SL_OK && !sl_utf8_valid(body.ptr, size))) {
        abort();
    }
    json_object_put(obj);
    json_object_put(any);
    return 0;
}
