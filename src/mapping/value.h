/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/value.h: the values the mapping language computes with.
 *
 * The one rule (as jq's jv.h states its own): every value lives in an arena (core/arena.h) and
 * is immutable once a constructor returned it — except arrays and objects, which their creator
 * fills with _push/_set before handing them out. Values are never freed one by one; the arena
 * is reset after each record. Functions borrow their arguments and return values they built in
 * the context's arena (or an argument itself, or a static singleton). No I/O; no thread shares
 * an arena. */
#ifndef SL_VALUE_H
#define SL_VALUE_H

#include "core/arena.h"
#include "core/err.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sl_val_type {
    SL_VAL_NULL = 0,
    SL_VAL_BOOL,
    SL_VAL_INT,      /* 64-bit signed */
    SL_VAL_DOUBLE,   /* finite */
    SL_VAL_STRING,   /* UTF-8, NUL-terminated, with its length */
    SL_VAL_DATETIME, /* an instant with a zone (Java's ZonedDateTime) */
    SL_VAL_ARRAY,
    SL_VAL_OBJECT, /* ordered keys (objects and maps alike) */
    SL_VAL_LAMBDA, /* `x -> expr`, only as an argument of the array functions */
} sl_val_type;

/* An instant and the zone it is shown in. */
typedef struct sl_datetime {
    int64_t sec;        /* Unix seconds (UTC) */
    int32_t nsec;       /* 0..999999999 */
    int32_t offset_sec; /* the zone's offset from UTC at that instant, seconds east */
    char zone[48];      /* IANA zone id ("Europe/Paris"), or "" for a fixed offset / UTC */
} sl_datetime;

typedef struct sl_val sl_val;

typedef struct sl_val_member {
    const char *key; /* NUL-terminated */
    size_t klen;
    const sl_val *val;
} sl_val_member;

struct sl_val {
    sl_val_type type;
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            const char *ptr; /* NUL-terminated */
            size_t len;
        } s;
        sl_datetime dt;
        struct {
            const sl_val **items;
            size_t len;
            size_t cap;
        } arr;
        struct {
            sl_val_member *members;
            size_t len;
            size_t cap;
        } obj;
        struct {
            const void *node; /* the evaluator's: parameter names and body */
            const void *env;
        } lambda;
    } u;
};

/* Singletons: no arena needed. */
const sl_val *sl_val_null(void);
const sl_val *sl_val_true(void);
const sl_val *sl_val_false(void);
const sl_val *sl_val_bool(bool b);

const sl_val *sl_val_int(sl_arena *a, int64_t i);
/* NaN and infinities are not values: they become null. */
const sl_val *sl_val_double(sl_arena *a, double d);
const sl_val *sl_val_str(sl_arena *a, const char *p, size_t len); /* copies */
const sl_val *sl_val_str_c(sl_arena *a, const char *cstr);        /* copies */
/* Wraps `p` without copying: it must live in the same arena (or be static). */
const sl_val *sl_val_str_owned(sl_arena *a, const char *p, size_t len);
const sl_val *sl_val_datetime(sl_arena *a, const sl_datetime *dt);

/* A new, empty array or object to fill before handing it out. */
sl_val *sl_val_array_new(sl_arena *a, size_t cap_hint);
void sl_val_array_push(sl_arena *a, sl_val *arr, const sl_val *item);
sl_val *sl_val_object_new(sl_arena *a, size_t cap_hint);
/* Set `key` (copied) to `v`, replacing an existing member of that key in place. */
void sl_val_object_set(sl_arena *a, sl_val *obj, const char *key, size_t klen, const sl_val *v);
/* The member `key`, or NULL (not a null value: absent) when there is none. */
const sl_val *sl_val_object_get(const sl_val *obj, const char *key, size_t klen);

static inline bool sl_val_is_null(const sl_val *v)
{
    return v == NULL || v->type == SL_VAL_NULL;
}

/* "null", "boolean", "integer", "decimal", "string", "date-time", "array", "object", "lambda" */
const char *sl_val_type_name(sl_val_type t);

/* ---- conversions ---- */

/* A deep copy of `j` into values (JSON null and absent are both null). */
const sl_val *sl_val_from_json(sl_arena *a, json_object *j);
/* A new json-c value (release with json_object_put); a date-time becomes its ISO-8601 string,
 * a lambda null. NULL for null. */
json_object *sl_val_to_json(const sl_val *v);

/* The text form of a scalar as the language's string conversion gives it: integers in
 * decimal, decimals shortest round-trip ("12.3456", "1.0E10" is not used: "10000000000.0"),
 * booleans "true"/"false", date-times ISO-8601, strings themselves; arrays and objects as JSON.
 * Null gives NULL. */
const sl_val *sl_val_to_string(sl_arena *a, const sl_val *v);

/* Numeric views. Return false when `v` is not a number and not a string holding one. */
bool sl_val_as_int(const sl_val *v, int64_t *out);
bool sl_val_as_double(const sl_val *v, double *out);
/* Boolean view: booleans, and the strings of aep-api.md §3.5 (y yes on true / n no off false,
 * in the case forms listed there). Returns false when `v` is none of those. */
bool sl_val_as_bool(const sl_val *v, bool *out);

/* Deep equality; an integer equals a decimal of the same value. */
bool sl_val_equal(const sl_val *a, const sl_val *b);
/* Order two values of comparable types (numbers, strings by bytes, date-times by instant,
 * booleans). Returns false when they cannot be compared. */
bool sl_val_compare(const sl_val *a, const sl_val *b, int *cmp);

/* ---- date-times ---- */

/* ISO-8601 as the contract writes it: seconds always, fraction only when non-zero (3, 6 or 9
 * digits), "Z" for UTC else "+HH:MM". Writes into `out` (at least 40 bytes); returns out. */
char *sl_datetime_iso(const sl_datetime *dt, char *out, size_t cap);
/* Parse an ISO-8601 date-time ("2026-01-01T12:03:42Z", with fraction and/or ±HH:MM[:SS]);
 * a date alone ("2026-01-01") is midnight UTC. Returns false when `s` is not one. */
bool sl_datetime_parse_iso(const char *s, size_t len, sl_datetime *out);
/* The UTC instant `epoch_ms` milliseconds after 1970. */
sl_datetime sl_datetime_from_ms(int64_t epoch_ms);

#endif
