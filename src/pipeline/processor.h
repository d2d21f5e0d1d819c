/* SPDX-License-Identifier: Apache-2.0 */
/* pipeline/processor.h: the processor thread. It reads the landing log from its cursor in
 * batches, maps each event with its flow's compiled mapping, coerces and validates it against
 * the schema, drops duplicates by event_id, and commits the rows, the run counters, the error
 * diagnostics and the cursor in one store transaction: nothing is processed twice, nothing is
 * skipped. Between batches it also runs replays (re-processing a flow's landed events with the
 * flow's current mapping), one batch at a time, so new events keep flowing during a replay. */
#ifndef SL_PROCESSOR_H
#define SL_PROCESSOR_H

#include "core/err.h"
#include "landing/jetstream.h"
#include "landing/landing.h"
#include "pipeline/catalog.h"
#include "store/store.h"

#include <stdint.h>

typedef struct sl_processor sl_processor;

/* Landing-to-dataset latency histogram bounds (ms), for /metrics. */
#define SL_LATENCY_BUCKETS 12
extern const int64_t sl_latency_bounds_ms[SL_LATENCY_BUCKETS];

typedef struct sl_processor_counts {
    uint64_t received;   /* landed events read (accepted or refused at collect) */
    uint64_t ingested;   /* rows written */
    uint64_t duplicates; /* events whose event_id was already in the dataset */
    uint64_t failed;     /* events that could not be turned into a valid row */
    uint64_t warnings;   /* records written with at least one dropped field */
} sl_processor_counts;

typedef struct sl_processor_stats {
    uint64_t processed; /* landed events read */
    uint64_t ingested;
    uint64_t duplicates;
    uint64_t failed;
    uint64_t warnings;
    uint64_t orphaned; /* events of a flow that no longer exists */
    uint64_t batches;
    int64_t cursor;       /* last landing seq committed (cluster mode: stream seq) */
    uint64_t redelivered; /* cluster mode: messages already processed, only acknowledged */
    int64_t latency_max_ms;
    uint64_t latency_sum_ms;
    uint64_t latency_buckets[SL_LATENCY_BUCKETS + 1]; /* per bound, then +Inf; not cumulative */
    uint64_t replayed;                                /* events re-processed by replays */
} sl_processor_stats;

/* Start the thread. Borrows all three until sl_processor_stop. */
sl_processor *sl_processor_start(sl_store *st, sl_landing *landing, sl_catalog_holder *cat,
                                 sl_err *err);

/* Cluster mode: start the thread on JetStream's shared durable consumer instead of a local
 * landing log (no replays). Each batch is committed with the stream sequence numbers it
 * processed (table js_processed) and acknowledged after the commit; a message redelivered after
 * the commit is only acknowledged. Entries older than `retention_ms` (the stream's max age) are
 * purged. Borrows st, js and cat until sl_processor_stop. */
sl_processor *sl_processor_start_js(sl_store *st, sl_js *js, sl_catalog_holder *cat,
                                    int64_t retention_ms, sl_err *err);

/* Finish the batch in hand, stop the thread and free it. NULL is a no-op. */
void sl_processor_stop(sl_processor *p);

void sl_processor_stats_get(sl_processor *p, sl_processor_stats *out);

/* Per-flow counters: calls `fn` for each flow seen since start, under the stats lock. */
void sl_processor_flow_counts(sl_processor *p,
                              void (*fn)(void *ud, const char *flow_id,
                                         const sl_processor_counts *c),
                              void *ud);

/* A replay document ("replay" kind) was queued: look for it now rather than at the next poll. */
void sl_processor_poke_replays(sl_processor *p);

#endif
