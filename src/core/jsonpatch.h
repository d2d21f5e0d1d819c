/* SPDX-License-Identifier: Apache-2.0 */
/* core/jsonpatch.h: JSON Patch (RFC 6902: add, remove, replace, move, copy, test) and JSON
 * Pointer (RFC 6901) over json-c values. The API's PATCH endpoints use it. Pure; no I/O. */
#ifndef SL_JSONPATCH_H
#define SL_JSONPATCH_H

#include "core/err.h"

#include <json-c/json.h>

#define SL_JSONPATCH_MAX_OPS 256

/* Apply the patch `ops` (a JSON array, borrowed) to `*doc`. All or nothing: on success `*doc`
 * is replaced by the patched document (the old reference is released); on failure `*doc` is
 * untouched and `err` names the operation ("operation 2 (replace /name): ...") with its path in
 * err->loc.pointer. Returns SL_OK or SL_EINVAL. */
int sl_jsonpatch_apply(json_object **doc, json_object *ops, sl_err *err);

/* The value at JSON pointer `ptr` in `doc` (borrowed), or NULL when there is none or the pointer
 * is malformed. "" is the whole document. */
json_object *sl_jsonpointer_get(json_object *doc, const char *ptr);

#endif
