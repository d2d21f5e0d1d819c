/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/mapping.h: a compiled mapping set turns one source JSON event into one target
 * record. This is the interface every dataflow's pipeline calls; compiled once per mapping-set
 * version and then shared read-only by any number of threads. No I/O. */
#ifndef SL_MAPPING_H
#define SL_MAPPING_H

#include "core/err.h"

#include <json-c/json.h>

typedef struct sl_mapping sl_mapping; /* opaque, immutable once compiled */

/* Compile the `mappings` array of a mapping-set document (borrowed). Each mapping is
 * {"sourceType": "ATTRIBUTE"|"STATIC", "source": ..., "destination": "a.b.c"}; the legacy
 * {"sourceAttribute", "destinationXdmPath"} form is read too. Returns an owned mapping
 * (release with sl_mapping_destroy) in `*out`, or an error naming the mapping's index. */
int sl_mapping_compile(json_object *mapping_set, sl_mapping **out, sl_err *err);

/* Apply `m` to `in` (borrowed). `*out` receives a new object (release with json_object_put).
 * A mapping whose source is absent writes nothing, so a later mapping to the same destination
 * acts as a fallback only when it has a value. `*warnings` counts mappings that could not be
 * applied (a destination blocked by a non-object value). */
int sl_mapping_run(const sl_mapping *m, json_object *in, json_object **out, int *warnings,
                   sl_err *err);

/* Number of mappings. */
size_t sl_mapping_count(const sl_mapping *m);

void sl_mapping_destroy(sl_mapping *m); /* NULL is a no-op */

#endif
