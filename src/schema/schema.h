/* SPDX-License-Identifier: Apache-2.0 */
/* schema/schema.h: a compiled XDM-style target schema (JSON-Schema document with XDM types
 * and identity descriptors). The pipeline uses it to coerce mapped records to the field
 * types and to fill the record's identityMap. Immutable once compiled; shared by threads. */
#ifndef SL_SCHEMA_H
#define SL_SCHEMA_H

#include "core/err.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct sl_schema sl_schema; /* opaque */

#define SL_XDM_EXPERIENCE_EVENT "https://ns.adobe.com/xdm/context/experienceevent"
#define SL_XDM_PROFILE          "https://ns.adobe.com/xdm/context/profile"

/* Compile `doc` (borrowed): {"title", "meta:class", "properties": {...}, "required": [...],
 * "sluice:identities": [{"xdm:sourceProperty": "/email", "xdm:namespace": "Email",
 * "xdm:isPrimary": true}]}. Returns an owned schema (release with sl_schema_destroy). */
int sl_schema_compile(json_object *doc, sl_schema **out, sl_err *err);

/* Coerce the fields of `record` (modified in place) to the schema's types, then add the
 * record's identities to its identityMap. A value that cannot be coerced is removed and
 * counted in `*warnings` (AEP: a mapping error nulls the field). */
int sl_schema_apply(const sl_schema *s, json_object *record, int *warnings, sl_err *err);

/* SL_ESCHEMA when a field the schema's top-level `required` list names is absent or null in
 * `record` (borrowed), with a message and err->loc.pointer naming the first one; else SL_OK.
 * The rest of validation (types, enum, pattern, format, range) is the validation module's. */
int sl_schema_check_required(const sl_schema *s, json_object *record, sl_err *err);

/* How a string mapped to a date-time field is read: `fn` parses `len` bytes of `text` and writes
 * the ISO-8601 form into `iso`, or returns false. Set once at start, before any thread; without
 * one, strings pass through unchanged. (The parser lives with the mapping language, which this
 * module does not depend on: mapping/datetime.h.) */
typedef bool (*sl_schema_date_parser)(const char *text, size_t len, char *iso, size_t cap);
void sl_schema_set_date_parser(sl_schema_date_parser fn);

/* Normalise an identity value for namespace `ns` (Email: trimmed, lower-cased) into `out`
 * (a new heap string, release with free). */
char *sl_identity_normalise(const char *ns, const char *value);

/* The class URI ("https://ns.adobe.com/xdm/context/experienceevent"). */
const char *sl_schema_class(const sl_schema *s);

void sl_schema_destroy(sl_schema *s); /* NULL is a no-op */

#endif
