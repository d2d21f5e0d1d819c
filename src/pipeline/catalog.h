/* SPDX-License-Identifier: Apache-2.0 */
/* pipeline/catalog.h: an immutable, reference-counted snapshot of every dataflow with what
 * the hot paths need resolved and compiled: inlet, state, signing keys, target dataset,
 * compiled mapping and schema. Request threads and the processor take a reference, use it
 * without locks, and drop it; a catalog change publishes a new snapshot. */
#ifndef SL_CATALOG_H
#define SL_CATALOG_H

#include "config/config.h"
#include "core/err.h"
#include "core/str.h"
#include "mapping/mapping.h"
#include "schema/schema.h"
#include "store/store.h"

#include <stdbool.h>

/* Fixed identifiers shared with AEP (aep-api.md §0). */
#define SL_SPEC_CUSTOMERIO  "96479064-7b8a-4d69-b9ed-21c5683837ea"
#define SL_SPEC_HTTP_API    "bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb"
#define SL_FLOWSPEC_CIO     "e77fde5a-22a8-11ed-861d-0242ac120002"
#define SL_SPEC_DATALAKE    "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
#define SL_PROVIDER_STREAMS "521eee4d-8cbe-4906-bb48-fb6bd4450033"

typedef struct sl_flow_rt {
    char *id;
    char *inlet_id;
    char *dataset_id;
    bool enabled;
    sl_str *keys; /* signing keys that apply (own or the --cio-signing-keys default) */
    size_t nkeys;
    sl_mapping *mapping;
    sl_schema *schema;
    char *name;
    bool profile;           /* the dataset has tags.unifiedProfile ["enabled:true"] */
    bool profile_class;     /* the schema's class is IndividualProfile (else ExperienceEvent) */
    bool diagnostics;       /* options.errorDiagnosticsEnabled: keep failed records and warnings */
    double partial_percent; /* options.partialIngestionPercent, or -1 when not set */
} sl_flow_rt;

typedef struct sl_catalog sl_catalog;

/* Build a snapshot from the store. Flows whose references cannot be resolved are left out
 * with a warning in the log, so one broken flow never stops the others. */
int sl_catalog_load(sl_store *st, const sl_strlist *default_cio_keys, sl_catalog **out,
                    sl_err *err);

/* The flow with id `flow_id`, or NULL. Borrowed from the snapshot. */
const sl_flow_rt *sl_catalog_flow(const sl_catalog *c, const char *flow_id);
bool sl_catalog_has_inlet(const sl_catalog *c, const char *inlet_id);
size_t sl_catalog_count(const sl_catalog *c);
const sl_flow_rt *sl_catalog_at(const sl_catalog *c, size_t i);

/* Identity namespaces: the built-in ones (Email, CIOID, CIOCustomerId, Phone, ECID) and those
 * created through /data/core/idnamespace/identities. The canonical code of `code` (matched
 * case-insensitively), or NULL when none is registered. `cat` is an sl_catalog. */
const char *sl_catalog_ns_canon(void *cat, const char *code);
/* The built-in namespaces: code, name, idType, AEP numeric id. */
typedef struct sl_builtin_ns {
    const char *code, *name, *id_type, *description;
    int id;
} sl_builtin_ns;
extern const sl_builtin_ns sl_builtin_namespaces[];
extern const size_t sl_builtin_namespaces_len;

sl_catalog *sl_catalog_ref(sl_catalog *c);
void sl_catalog_unref(sl_catalog *c); /* NULL is a no-op */

/* The current snapshot, swapped atomically. */
typedef struct sl_catalog_holder sl_catalog_holder;
sl_catalog_holder *sl_catalog_holder_create(sl_catalog *initial); /* takes the reference */
void sl_catalog_holder_destroy(sl_catalog_holder *h);
sl_catalog *sl_catalog_current(sl_catalog_holder *h);            /* returns a new reference */
void sl_catalog_publish(sl_catalog_holder *h, sl_catalog *next); /* takes the reference */

#endif
