/* SPDX-License-Identifier: Apache-2.0 */
/* schema/schema.h: a compiled XDM-style target schema (JSON-Schema document with XDM types
 * and identity descriptors). The pipeline uses it to coerce mapped records to the field
 * types, to fill the record's identityMap and to validate the result as AEP does
 * (validate.c). Immutable once compiled; shared by threads. */
#ifndef SL_SCHEMA_H
#define SL_SCHEMA_H

#include "core/err.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct sl_schema sl_schema; /* opaque */

#define SL_XDM_EXPERIENCE_EVENT "https://ns.adobe.com/xdm/context/experienceevent"
#define SL_XDM_PROFILE          "https://ns.adobe.com/xdm/context/profile"

/* Compile `doc` (borrowed; the schema keeps a reference): {"title", "meta:class",
 * "properties": {...}, "required": [...], "sluice:identities": [{"xdm:sourceProperty": "/email",
 * "xdm:namespace": "Email", "xdm:isPrimary": true}]}. Also compiles the validation keywords
 * (see sl_schema_validate), so a malformed keyword or a `pattern` PCRE2 rejects fails here
 * with SL_EINVAL, a message naming the field and err->loc.pointer at the keyword
 * ("/properties/email/pattern"). Returns an owned schema (release with sl_schema_destroy). */
int sl_schema_compile(json_object *doc, sl_schema **out, sl_err *err);

/* Coerce the fields of `record` (modified in place) to the schema's types, then add the
 * record's identities to its identityMap. A value that cannot be coerced is left as it is, for
 * sl_schema_validate to report (AEP fails a record on an XDM data-type mismatch). */
void sl_schema_apply(const sl_schema *s, json_object *record);

/* SL_ESCHEMA when a field the schema's top-level `required` list names is absent or null in
 * `record` (borrowed), with a message and err->loc.pointer naming the first one; else SL_OK.
 * Full validation, nested objects included, is sl_schema_validate. */
int sl_schema_check_required(const sl_schema *s, json_object *record, sl_err *err);

/* ---- validation (validate.c) ---- */

#define SL_VIOLATIONS_MAX 5 /* AEP stops after 5 violations in one message */

/* One way a record breaks its schema, in the shape of AEP's causingExceptions[]. */
typedef struct sl_violation {
    char keyword[24];          /* "type" "required" "enum" "pattern" "format" "minimum" "maximum"
                                  "exclusiveMinimum" "exclusiveMaximum" "minLength" "maxLength"
                                  "minItems" "maxItems" "additionalProperties" */
    char message[256];         /* AEP style, naming the value (cut at 64 characters or 88
                                  bytes, then "…"):
                                  "[2018-00-23T22:07:01Z] is not a valid date-time. Expected
                                  [yyyy-MM-dd'T'HH:mm:ss.SSSXXX]", "required key [email] not found" */
    char pointer[256];         /* JSON pointer of the offending value (for "required": of the
                                  missing key), "#/recipients/0/device_id" */
    char schema_location[256]; /* the sub-schema that failed: "#/properties/timestamp" */
} sl_violation;

/* Validate `record` (borrowed, not modified) against `s`: type (and meta:xdmType integer
 * ranges), required at every level present, enum, pattern (PCRE2, unanchored, bounded: a match
 * that hits the limit is a violation), format (date-time, date, email, uri, uri-reference,
 * uuid; others pass), minimum/maximum/exclusive*, minLength/maxLength (code points),
 * minItems/maxItems, items, and additionalProperties (false, or a schema for map values).
 * A null value counts as absent. Writes at most `max` violations into `out` (NULL when `max` is
 * 0) in document order and returns how many there are in all (may exceed `max`; callers
 * report at most SL_VIOLATIONS_MAX). 0 means valid. Thread-safe; allocates only internally. */
size_t sl_schema_validate(const sl_schema *s, json_object *record, sl_violation *out, size_t max);

/* AEP's validation category of `keyword`, for counters: "type", "range", "format", "pattern",
 * "presence", "enum" or "unclassified" (also for NULL). A static string. */
const char *sl_violation_category(const char *keyword);

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

/* ---- between schema.c and validate.c only (the module keeps one header) ---- */

typedef struct sl__schema_rules sl__schema_rules; /* compiled validation keywords */

/* Compile the validation keywords of `doc` (borrowed; must outlive the rules). Returns owned
 * rules (release with sl__schema_rules_destroy), or an error as sl_schema_compile describes. */
int sl__schema_rules_compile(json_object *doc, sl__schema_rules **out, sl_err *err);
void sl__schema_rules_destroy(sl__schema_rules *r); /* NULL is a no-op */
size_t sl__schema_rules_validate(const sl__schema_rules *r, json_object *record, sl_violation *out,
                                 size_t max);

#endif
