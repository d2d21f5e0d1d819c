/* SPDX-License-Identifier: Apache-2.0 */
/* profile/profile.h: the Real-Time Customer Profile store. Records of Profile-enabled datasets
 * update it in the processor's transaction: the identities of a record (its identityMap) are
 * linked into one graph (union-find kept flat: every member row names the graph's root; at most
 * SL_GRAPH_MAX members), Profile-class records and Customer.io `customer` events set attributes
 * (newest event time wins per field and dataset), and ExperienceEvent rows are linked to the
 * person as their timeline. Reads merge the attributes by a merge policy. Works on both store
 * backends through sl_store_query / sl_store_tx_exec. docs/profile.md explains it. */
#ifndef SL_PROFILE_H
#define SL_PROFILE_H

#include "core/err.h"
#include "core/str.h"
#include "landing/landing.h"
#include "store/store.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#define SL_GRAPH_MAX 50

/* Canonical namespace code for `code` (case-insensitive), or NULL when not registered. */
typedef const char *(*sl_ns_canon_fn)(void *ud, const char *code);

typedef struct sl_profile_outcome {
    int identities;  /* identities of the record that were kept */
    int unknown_ns;  /* identities skipped: namespace not registered */
    bool over_limit; /* linking would pass SL_GRAPH_MAX: not linked further */
    bool attributes; /* the record set profile attributes */
} sl_profile_outcome;

/* Update the profile store with one ingested record (`record` borrowed, after coercion, with
 * its identityMap). `profile_class`: an IndividualProfile record (attributes) rather than an
 * ExperienceEvent (timeline). `event_ms`: the record's event time (attributes merge by it). */
int sl_profile_ingest(sl_store_tx *tx, const char *dataset_id, const char *row_id,
                      json_object *record, bool profile_class, int64_t event_ms,
                      sl_ns_canon_fn canon, void *canon_ud, sl_profile_outcome *out, sl_err *err);

/* The xid of an identity: "{code}:{normalised value}" into `out`. */
void sl_profile_xid(const char *code, const char *value, char *out, size_t cap);

/* The root xid of the graph holding identity (code, value) (a heap string, release with free),
 * or SL_ENOTFOUND. `value` is normalised here. */
int sl_profile_root(sl_store *st, const char *code, const char *value, char **root, sl_err *err);

/* The merged entity of graph `root` as AEP's entity lookup answers it: {"entityId", "sources",
 * "entity": {"identities": [...], attributes...}, "lastModifiedAt"}. `policy` is a merge policy
 * document (NULL: timestamp-ordered). New reference in `*out`. */
int sl_profile_entity(sl_store *st, const char *root, json_object *policy, json_object **out,
                      sl_err *err);

/* The members of graph `root`: a new array of {"id", "namespace": {"code"}}. */
int sl_profile_members(sl_store *st, const char *root, json_object **out, sl_err *err);

/* The graph's timeline: up to `limit` ExperienceEvent records between start_ms and end_ms
 * (inclusive; 0 = open), newest first unless `ascending`. New array of {"entityId" (the row's
 * _id), "timestamp" (ms), "datasetId", "entity" (the record)}. */
int sl_profile_timeline(sl_store *st, const char *root, int64_t start_ms, int64_t end_ms, int limit,
                        bool ascending, json_object **out, sl_err *err);

/* The lock keys of a record's identities (their xids), appended to `keys`, each followed by
 * SL_STORE_KEY_SEP: a batch locks them all before writing (sl_store_tx_lock_keys). */
void sl_profile_lock_keys(json_object *record, sl_ns_canon_fn canon, void *canon_ud, sl_buf *keys);

/* An opaque, stable token for a graph root ("sl" + 32 hex), used as AEP's entity id. */
void sl_profile_entity_id(const char *root, char *out, size_t cap);

/* The landing log's erase (sl_landing_erase, or sl_js_erase in cluster mode): delete the raw
 * events that contain one of `needles` (ASCII case-insensitive) and that `confirm` accepts. */
typedef int (*sl_raw_erase_fn)(void *log, const char *const *needles, size_t n,
                               bool (*confirm)(void *ud, sl_str body), void *ud, int64_t *deleted,
                               sl_err *err);

/* Privacy delete of the person known by (code, value): their graph, attributes and timeline
 * links; every dataset row whose identityMap holds one of their identities; their error
 * diagnostics and landed raw events (matched on Customer.io's identifier fields, or on their
 * email anywhere) through `erase` on `log` (both may be NULL: no landing log). `datasets` is an
 * array of dataset ids to search. Then checkpoints SQLite so no file keeps the bytes.
 * `*report` (new) counts what went. */
int sl_profile_delete(sl_store *st, sl_raw_erase_fn erase, void *log, json_object *datasets,
                      const char *code, const char *value, json_object **report, sl_err *err);

#endif
