/* SPDX-License-Identifier: Apache-2.0 */
/* schema/infer.h: a source schema inferred from sample JSON (the UI's "upload a JSON file"
 * step). Pure; no I/O. */
#ifndef SL_SCHEMA_INFER_H
#define SL_SCHEMA_INFER_H

#include "core/err.h"

#include <json-c/json.h>

/* Infer from `sample` (an object, or an array of objects whose fields are merged). `*schema`
 * receives a JSON-Schema object with XDM types, `*fields` an array of {"path","type"} for every
 * field in document order (paths dotted, arrays as "a[]"). Both new references. A field seen
 * with two scalar types becomes a string; integers beyond 32 bits are "long"; strings that are
 * ISO-8601 date-times are "date-time". */
int sl_schema_infer(json_object *sample, json_object **schema, json_object **fields, sl_err *err);

#endif
