/* SPDX-License-Identifier: Apache-2.0 */
#include "core/json.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

/* One pass over the bytes before json-c sees them, for what json-c cannot be told:
 * - nesting counted in containers only (json-c counts a scalar inside the innermost container
 *   as one more level, so its own limit cannot say "at most N containers");
 * - strictness json-c's STRICT mode lacks: no control characters inside strings, no
 *   single-quoted strings, no NaN or Infinity (they would come back out as invalid JSON).
 * Returns NULL when the text is acceptable, else what is wrong (and where, in *at). */
static const char *prescan(const char *s, size_t len, int max_depth, size_t *at)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        *at = i;
        if (in_string) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_string = false;
            } else if (c < 0x20) {
                return "a control character inside a string must be escaped";
            }
            continue;
        }
        switch (c) {
        case '"':
            in_string = true;
            break;
        case '{':
        case '[':
            if (++depth > max_depth) {
                return "nesting";
            }
            break;
        case '}':
        case ']':
            depth--;
            break;
        case '\'':
            return "strings must be in double quotes";
        case 'N':
        case 'I':
            return "NaN and Infinity are not JSON numbers";
        default:
            break;
        }
    }
    return NULL;
}

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
    size_t at = 0;
    const char *why = prescan(body.ptr, body.len, max_depth, &at);
    if (why != NULL && strcmp(why, "nesting") == 0) {
        rc = sl_err_set(err, SL_EINVAL, "JSON nesting is deeper than %d levels", max_depth);
        goto out;
    }
    if (why != NULL) {
        rc = sl_err_set(err, SL_EINVAL, "malformed JSON at byte %zu: %s", at, why);
        goto out;
    }
    tok = json_tokener_new_ex(max_depth + 1);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    bool fed_end = false;
    obj = json_tokener_parse_ex(tok, body.ptr, (int)body.len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (jerr == json_tokener_continue && obj == NULL) {
        /* A bare number at the very end ("42") is complete only once json-c sees the input
         * end; a NUL byte tells it so without copying the body. Anything else still open
         * stays "ends early". */
        obj = json_tokener_parse_ex(tok, "", 1);
        if (json_tokener_get_error(tok) == json_tokener_success && obj != NULL) {
            jerr = json_tokener_success;
            fed_end = true; /* the whole body was consumed */
        } else {
            json_object_put(obj);
            obj = NULL;
        }
    }
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
    size_t end = fed_end ? body.len : json_tokener_get_parse_end(tok);
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
