/* SPDX-License-Identifier: Apache-2.0 */
#include "collect/event.h"

#include <limits.h>

int sl_json_parse(sl_str body, int max_depth, json_object **out, sl_err *err)
{
    int rc = SL_OK;
    json_tokener *tok = NULL;
    json_object *obj = NULL;

    if (body.len == 0) {
        rc = sl_err_set(err, SL_EINVAL, "the body is empty; expected a JSON object");
        goto out;
    }
    if (body.len > INT_MAX) {
        rc = sl_err_set(err, SL_ETOOBIG, "the body is too large to parse");
        goto out;
    }
    /* json-c accepts any bytes inside strings; the contract says invalid UTF-8 is a 400. */
    if (!sl_utf8_valid(body.ptr, body.len)) {
        rc = sl_err_set(err, SL_EINVAL, "the body is not valid UTF-8");
        goto out;
    }
    tok = json_tokener_new_ex(max_depth);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    obj = json_tokener_parse_ex(tok, body.ptr, (int)body.len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (jerr == json_tokener_continue) {
        rc = sl_err_set(err, SL_EINVAL, "malformed JSON: the document ends early at byte %zu",
                        body.len);
        goto out;
    }
    if (jerr != json_tokener_success) {
        if (jerr == json_tokener_error_depth) {
            rc = sl_err_set(err, SL_EINVAL, "JSON nesting is deeper than %d levels", max_depth);
        } else {
            rc = sl_err_set(err, SL_EINVAL, "malformed JSON at byte %zu: %s",
                            json_tokener_get_parse_end(tok), json_tokener_error_desc(jerr));
        }
        goto out;
    }
    size_t end = json_tokener_get_parse_end(tok);
    for (; end < body.len; end++) {
        char c = body.ptr[end];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            rc = sl_err_set(err, SL_EINVAL,
                            "malformed JSON: unexpected data after the value at "
                            "byte %zu",
                            end);
            goto out;
        }
    }
out:
    if (tok != NULL) {
        json_tokener_free(tok);
    }
    if (rc == SL_OK && out != NULL) {
        *out = obj;
    } else {
        json_object_put(obj);
    }
    return rc;
}

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
