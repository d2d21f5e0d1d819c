/* SPDX-License-Identifier: Apache-2.0 */
/* pipeline/processor.h: the processor thread. It reads the landing log from its cursor in
 * batches, maps each event with its flow's compiled mapping, coerces it to the schema, drops
 * duplicates by event_id, and commits the rows together with the cursor in one store
 * transaction: nothing is processed twice, nothing is skipped. */
#ifndef SL_PROCESSOR_H
#define SL_PROCESSOR_H

#include "core/err.h"
#include "landing/landing.h"
#include "pipeline/catalog.h"
#include "store/store.h"

#include <stdint.h>

typedef struct sl_processor sl_processor;

typedef struct sl_processor_stats {
    uint64_t processed;  /* landed events read */
    uint64_t ingested;   /* rows written */
    uint64_t duplicates; /* events whose event_id was already in the dataset */
    uint64_t failed;     /* events that could not be turned into a row */
    uint64_t warnings;   /* fields dropped by mapping or coercion */
    uint64_t orphaned;   /* events of a flow that no longer exists */
    int64_t cursor;      /* last landing seq committed */
    int64_t latency_max_ms;
    uint64_t latency_sum_ms;
} sl_processor_stats;

/* Start the thread. Borrows all three until sl_processor_stop. */
sl_processor *sl_processor_start(sl_store *st, sl_landing *landing, sl_catalog_holder *cat,
                                 sl_err *err);

/* Finish the batch in hand, stop the thread and free it. NULL is a no-op. */
void sl_processor_stop(sl_processor *p);

void sl_processor_stats_get(sl_processor *p, sl_processor_stats *out);

#endif
