/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_json.c: the JSON functions of the Data Prep catalogue. */
#include "core/json.h"
#include "core/limits.h"
#include "core/str.h"
#include "mapping/func.h"

#include <string.h>

/* Parsing borrows core/json.c's strict reader (well-formed UTF-8, one value, nesting limit),
 * so a string from an event can never nest deeper than the event itself could. */
static int fn_json_to_object(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                             const sl_val **out, sl_err *err)
{
    (void)nargs;
    const sl_val *in = args[0];
    switch (in->type) {
    case SL_VAL_ARRAY:
    case SL_VAL_OBJECT:
    case SL_VAL_INT:
    case SL_VAL_DOUBLE:
    case SL_VAL_BOOL:
        /* Already a value: nothing to deserialise. */
        *out = in;
        return SL_OK;
    case SL_VAL_STRING:
        break;
    default:
        return sl_fn_fail(err, "json_to_object", "STRING must be a JSON string, not %s",
                          sl_val_type_name(in->type));
    }
    size_t i = 0;
    while (i < in->u.s.len && strchr(" \t\r\n", in->u.s.ptr[i]) != NULL) {
        i++;
    }
    if (i == in->u.s.len) {
        return sl_fn_fail(err, "json_to_object", "STRING is empty, not JSON");
    }
    json_object *j = NULL;
    sl_err perr;
    sl_err_clear(&perr);
    /* json-c cannot tell that a number ending the input is complete ("42" would read as
     * unfinished), so the text is parsed with a newline after it. */
    char *text = sl_arena_alloc(cx->arena, in->u.s.len + 2);
    memcpy(text, in->u.s.ptr, in->u.s.len);
    text[in->u.s.len] = '\n';
    text[in->u.s.len + 1] = '\0';
    sl_str body = {text, in->u.s.len + 1};
    if (sl_json_parse(body, SL_MAX_JSON_DEPTH, &j, &perr) != SL_OK) {
        return sl_fn_fail(err, "json_to_object", "STRING is not JSON: %s", perr.msg);
    }
    *out = sl_val_from_json(cx->arena, j);
    json_object_put(j);
    return SL_OK;
}

const sl_func sl_funcs_json[] = {
    {"json_to_object", "JSON", 1, 1, fn_json_to_object, 0, "Object json_to_object(String)",
     "STRING: the JSON text to deserialise", "Object",
     "json_to_object({\"info\":{\"firstName\":\"John\",\"lastName\": \"Doe\"}})",
     "{\"info\": {\"firstName\": \"John\", \"lastName\": \"Doe\"}}",
     "Deserialises a JSON text into a value: an object, an array, a string, a number, a "
     "boolean or null. The documented example writes the JSON without quotes and documents "
     "no concrete output; in a mapping the argument is a string (usually a field holding "
     "JSON text) and the result is the value above. An argument that is already an object, "
     "array, number or boolean is returned as it is. Text that is not JSON, or nests deeper "
     "than 64 levels, is an error."},
    {0},
};
