/* SPDX-License-Identifier: Apache-2.0 */
/* pipeline/runs.h: run windows. Every flow's events are counted in hourly windows (AEP's
 * streaming "flow runs"), by the time the event was received. The processor adds a batch's
 * counts to the `runs` and `run_codes` tables in the transaction that writes the batch's rows,
 * so the counts are exactly as durable as the rows. Status is derived when read. */
#ifndef SL_RUNS_H
#define SL_RUNS_H

#include "core/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define SL_RUN_WINDOW_MS 3600000LL
#define SL_RUN_CODES_MAX 16

/* Error codes of records that fail and of warnings (docs/operations.md lists them). */
#define SL_CODE_UNPARSABLE "INGEST-1401-400"  /* the body is not a JSON object */
#define SL_CODE_REQUIRED   "INGEST-1555-400"  /* a required field is missing or null */
#define SL_CODE_INVALID    "INGEST-1400-400"  /* type, enum, pattern, format or range */
#define SL_CODE_MAPPER     "MAPPER-3700-400"  /* a mapping (or a type conversion) failed */
#define SL_CODE_GRAPH      "PROFILE-1050-400" /* identity graph limit: not linked further */
#define SL_CODE_NAMESPACE  "PROFILE-1051-400" /* identity namespace not registered */

/* The start of the window `ms` falls in. */
int64_t sl_run_window(int64_t ms);

/* The run id of flow `flow_id`'s window starting at `window_ms`: a name-based UUID, so every
 * node derives the same id. `out` holds 37 bytes. */
void sl_run_id(const char *flow_id, int64_t window_ms, char *out);

/* What happened to the events of one run in one batch. */
typedef struct sl_run_code {
    char code[24];
    char level[8]; /* "error" or "warning" */
    char message[160];
    int64_t count;
} sl_run_code;

typedef struct sl_run_delta {
    char flow_id[64];
    char run_id[40];
    int64_t window_ms;
    int64_t received, ingested, warnings, failed, duplicates, bytes;
    int64_t lat_min, lat_max, lat_sum, lat_count; /* lat_count 0: no latency seen */
    sl_run_code codes[SL_RUN_CODES_MAX];
    int ncodes;
} sl_run_delta;

/* The deltas of one batch (a handful of flows and windows). */
typedef struct sl_run_acc {
    sl_run_delta *items;
    size_t len, cap;
} sl_run_acc;

/* The delta of (flow, window), added when new. Valid until the next call. */
sl_run_delta *sl_run_acc_get(sl_run_acc *a, const char *flow_id, int64_t window_ms);
/* Count one more record with `code` (the first message seen for a code is kept). */
void sl_run_delta_code(sl_run_delta *d, const char *code, const char *level, const char *message);
void sl_run_delta_latency(sl_run_delta *d, int64_t ms);
/* Add every delta to the store inside `tx` (`now`: when the batch is committed). */
int sl_run_acc_flush(const sl_run_acc *a, sl_store_tx *tx, int64_t now, sl_err *err);
void sl_run_acc_clear(sl_run_acc *a); /* empty it, keeping the memory */
void sl_run_acc_fini(sl_run_acc *a);

/* Forget what run `run_id` counted (a replay is about to count its events again); keeps its
 * latency, which a replay cannot measure. Also deletes its codes and error diagnostics. */
int sl_run_reset(sl_store_tx *tx, const char *run_id, sl_err *err);

/* The API status of a run: "inProgress" while its window is open or events received in it
 * still wait to be processed (`oldest_waiting_ms`, 0 when none waits), else "failed" when
 * failed records pass the flow's partial-ingestion threshold (`partial_percent` < 0: any failed
 * record fails the run), else "success". */
const char *sl_run_status(int64_t window_ms, int64_t now, int64_t oldest_waiting_ms,
                          int64_t received, int64_t failed, double partial_percent);

/* The label AEP's UI shows for a run: "Processing", "Success" (no failed record or warning),
 * "Completed" (finished, with some failed records or warnings under the threshold), "Error". */
const char *sl_run_ui_status(const char *status, int64_t failed, int64_t warnings);

/* The AEP flow-run object of a `runs` row (as sl_store_query returns it) and its `run_codes`
 * rows (may be NULL). New reference. */
json_object *sl_run_object(json_object *row, json_object *codes, const char *status);

/* The runs of the query `where` (SQL after WHERE over the runs table, with $1.. args) as AEP
 * run objects, newest window first, at most `limit` (0: all). `landing_oldest` gives the
 * receive time of the oldest unprocessed event of a flow (0: none), for the status. */
int sl_runs_load(sl_store *st, const char *where, const sl_sqlv *args, int nargs, int limit,
                 int64_t now, int64_t (*landing_oldest)(void *ud, const char *flow_id),
                 double (*partial_of)(void *ud, const char *flow_id), void *ud, json_object **out,
                 sl_err *err);

#endif
