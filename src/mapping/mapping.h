/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/mapping.h: a compiled mapping set turns one source JSON event into one target
 * record. This is the interface every dataflow's pipeline calls; compiled once per mapping-set
 * version and then shared read-only by any number of threads. No I/O. */
#ifndef SL_MAPPING_H
#define SL_MAPPING_H

#include "core/arena.h"
#include "core/err.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sl_mapping sl_mapping; /* opaque, immutable once compiled */

/* Compile the `mappings` array of a mapping-set document (borrowed). Each mapping is
 * {"sourceType": "ATTRIBUTE"|"STATIC"|"EXPRESSION", "source": ..., "destination": "a.b.c"};
 * the legacy {"sourceAttribute", "destinationXdmPath"} form is read too (as ATTRIBUTE).
 *   ATTRIBUTE: `source` is a path: "a.b", "arr[0].x", "arr[*].x" (an array of every element's
 *     x; elements without one give null), "\." for a dot inside a name.
 *   STATIC: `source` is the value itself (any JSON).
 *   EXPRESSION: `source` is a Data Prep expression (mapping/expr.h).
 * A destination is a path of names and indexes that is created as needed: "a.b", "a[2].b",
 * and "list[*].x", which spreads an array value over the elements of `list` (element i gets
 * x = value[i]). Returns an owned mapping (release with sl_mapping_destroy) in `*out`, or
 * SL_EINVAL with every faulty mapping named in err->msg ("mappings[3].source: 1:18: expected
 * ')'; mappings[5]...") and the first one's JSON pointer, line and column in err->loc. */
int sl_mapping_compile(json_object *mapping_set, sl_mapping **out, sl_err *err);

/* One mapping that could not be applied to a record. Everything is borrowed for the duration
 * of the callback. */
typedef struct sl_mapping_warning {
    size_t index;            /* the mapping's position in the set */
    const char *source;      /* as written (for STATIC: "static value") */
    const char *destination; /* as written */
    const char *message;     /* "1:5: division by zero", "the destination a.b is blocked..." */
} sl_mapping_warning;

typedef struct sl_mapping_opts {
    int64_t now_ms;  /* what now() and timestamp() return for this record */
    sl_arena *arena; /* for the record's values; NULL: one is made for the call. The caller
                        resets it after the call (the result does not live in it). */
    void (*on_warning)(void *ud, const sl_mapping_warning *w); /* NULL: only counted */
    void *ud;
} sl_mapping_opts;

/* Apply `m` to `in` (borrowed). `*out` receives a new object (release with json_object_put).
 * A mapping whose source is absent or null writes nothing, so a later mapping to the same
 * destination acts as a fallback only when it has a value. A mapping that cannot be applied
 * writes nothing either, counts one in `*warnings` and is reported to opts->on_warning: an
 * expression's runtime error (a wrong type, a bad date, a limit), a destination blocked by a
 * value of another type, a "[*]" destination given something that is not an array.
 * Returns SL_OK (the record is still produced); errors are for the caller's bugs only. */
int sl_mapping_run_opts(const sl_mapping *m, json_object *in, const sl_mapping_opts *opts,
                        json_object **out, int *warnings, sl_err *err);

/* sl_mapping_run_opts with the wall clock as "now" and no callback; when there are warnings,
 * err->msg describes the first one ("mappings[2] -> a.b: 1:5: division by zero") while
 * err->code stays SL_OK. */
int sl_mapping_run(const sl_mapping *m, json_object *in, json_object **out, int *warnings,
                   sl_err *err);

/* Number of mappings. */
size_t sl_mapping_count(const sl_mapping *m);

void sl_mapping_destroy(sl_mapping *m); /* NULL is a no-op */

#endif
