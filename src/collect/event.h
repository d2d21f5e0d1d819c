/* SPDX-License-Identifier: Apache-2.0 */
/* collect/event.h: the syntax check of one collected event body: well-formed UTF-8, one JSON
 * value with nothing after it, an object, nesting at most SL_MAX_JSON_DEPTH. Pure; safe from
 * any thread. */
#ifndef SL_EVENT_H
#define SL_EVENT_H

#include "core/err.h"
#include "core/json.h"
#include "core/str.h"

#include <json-c/json.h>

/* Parse `body`. On success stores a new reference in `*out` (release with json_object_put)
 * when `out` is not NULL, and returns SL_OK. Otherwise returns SL_EINVAL with a message that
 * says what is wrong and where (byte offset). */
int sl_event_parse(sl_str body, int max_depth, json_object **out, sl_err *err);

#endif
