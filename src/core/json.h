/* SPDX-License-Identifier: Apache-2.0 */
/* core/json.h: strict JSON parsing of untrusted bytes with json-c: well-formed UTF-8, one
 * value with nothing after it, a nesting limit. Pure; safe from any thread. */
#ifndef SL_JSON_H
#define SL_JSON_H

#include "core/err.h"
#include "core/str.h"

#include <json-c/json.h>

/* Parse `body` as one JSON value of any type. On success stores a new reference in `*out`
 * (release with json_object_put) when `out` is not NULL. Otherwise returns SL_EINVAL (or
 * SL_ETOOBIG) with a message that says what is wrong and at which byte. Used by the collect
 * endpoints, the pipeline and the admin API. */
int sl_json_parse(sl_str body, int max_depth, json_object **out, sl_err *err);

#endif
