/* SPDX-License-Identifier: Apache-2.0 */
/* landing/landing.h: the durable log of raw events as received, in arrival order. Request
 * threads submit events and never touch the disk: one writer thread appends everything that
 * arrived during the previous commit in one transaction (group commit, one fsync), then calls
 * each submitter back. The pipeline reads the log from its own cursor. */
#ifndef SL_LANDING_H
#define SL_LANDING_H

#include "core/err.h"
#include "core/str.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct sl_landing sl_landing; /* opaque */

/* sl_store_cursor_get's shape (the landing log does not depend on the store). */
typedef int (*sl_store_cursor_get_fn)(void *st, const char *name, int64_t *out, sl_err *err);

/* One event to append. Borrowed by the landing log until the request's callback runs. */
typedef struct sl_landing_item {
    const char *flow_id;
    const char *xaction_id;
    /* The event's own id (Customer.io's event_id), NULL when it has none: the JetStream landing
     * log deduplicates resends on it (the SQLite log does not need it). */
    const char *msg_id;
    int64_t received_ms;
    sl_str body; /* raw bytes as received */
    /* 0 for an accepted event. An event the collect listener refused after reading it (not
     * JSON, or synchronous validation failed) is kept too, so that its run counts it as failed
     * and error diagnostics can show it: then the HTTP status (400) and `detail`, a JSON
     * object {"code","message","pointer"}. */
    int status;
    const char *detail;
} sl_landing_item;

/* A group of events from one HTTP request, appended atomically. `done` runs on the writer
 * thread once the events are on disk (rc SL_OK) or could not be written (rc SL_EBUSY: disk
 * full or I/O error; the JetStream log also SL_ETOOBIG: larger than NATS takes). It must not
 * block. */
typedef struct sl_landing_req {
    struct sl_landing_req *next; /* owned by the landing log while queued */
    sl_landing_item *items;
    size_t nitems;
    void (*done)(struct sl_landing_req *req, int rc);
    void *ud;
} sl_landing_req;

/* One landed event as the pipeline reads it. Strings live in the batch that returned it. */
typedef struct sl_landed {
    int64_t seq;
    const char *flow_id;
    const char *xaction_id;
    int64_t received_ms;
    sl_str body;
    int status;         /* as sl_landing_item */
    const char *detail; /* NULL when status is 0 */
} sl_landed;

typedef struct sl_landed_batch {
    sl_landed *items;
    size_t len;
    char *arena; /* owned: the strings and bodies of items */
} sl_landed_batch;

/* Open (creating) the log at `path` and start the writer thread. Returns an owned handle
 * (release with sl_landing_close) or NULL with `err` set. */
sl_landing *sl_landing_open(const char *path, sl_err *err);

/* This landing log's identity (a UUID kept in the file): processors name their cursor in the
 * store after it, so several nodes with landing logs of their own can share one store. */
const char *sl_landing_id(const sl_landing *l);

/* The store cursor of the events of this landing log that have been processed (0 when none):
 * cursor "processor:{id}", or, for a store written before cursors were named per landing log,
 * the old single "processor" cursor. */
int sl_landing_cursor_get(sl_landing *l, sl_store_cursor_get_fn get, void *st, int64_t *out,
                          sl_err *err);

/* "processor:{id}": the name the processor writes its cursor under. */
const char *sl_landing_cursor_name(const sl_landing *l);

/* Queue `req` for the next group commit. Never blocks on disk. After sl_landing_close has
 * begun, calls req->done(req, SL_EBUSY) at once. */
void sl_landing_submit(sl_landing *l, sl_landing_req *req);

/* Read up to `max` events with seq > `after`, oldest first, into `out` (release with
 * sl_landed_batch_fini). Only one reader thread at a time. */
int sl_landing_read(sl_landing *l, int64_t after, size_t max, sl_landed_batch *out, sl_err *err);
void sl_landed_batch_fini(sl_landed_batch *b);

/* Read up to `max` events of flow `flow_id` with `after` < seq <= `max_seq` and `from_ms` <=
 * received_ms < `to_ms`, oldest first (replay). Same reader thread as sl_landing_read. */
int sl_landing_read_range(sl_landing *l, const char *flow_id, int64_t after, int64_t max_seq,
                          int64_t from_ms, int64_t to_ms, size_t max, sl_landed_batch *out,
                          sl_err *err);

/* Live tail (any thread): up to `max` events of flow `flow_id` with seq > `after`, oldest
 * first; with `after` < 0, the newest `max` events. */
int sl_landing_tail(sl_landing *l, const char *flow_id, int64_t after, size_t max,
                    sl_landed_batch *out, sl_err *err);

/* The backlog after seq `after` (any thread): how many events wait, and when the oldest of
 * flow `flow_id` (NULL: of any flow) was received (0 when none waits). */
int sl_landing_backlog(sl_landing *l, int64_t after, const char *flow_id, int64_t *count,
                       int64_t *oldest_ms, sl_err *err);

/* Delete events received before `before_ms` with seq <= `max_seq` (retention: never an event
 * not processed yet), in small transactions so the writer is not held up. `*deleted` gets the
 * count. Any thread. */
int sl_landing_purge(sl_landing *l, int64_t before_ms, int64_t max_seq, int64_t *deleted,
                     sl_err *err);

/* Privacy delete: events whose body contains one of `needles` (ASCII case-insensitive) and that
 * `confirm` accepts are deleted; then the WAL is checkpointed and truncated, so no file keeps
 * their bytes (secure_delete zeroes them in the database). Any thread. */
int sl_landing_erase(sl_landing *l, const char *const *needles, size_t n,
                     bool (*confirm)(void *ud, sl_str body), void *ud, int64_t *deleted,
                     sl_err *err);

/* Wait until an event with seq > `after` is on disk, or `timeout_ms` passes, or the log is
 * closing. Returns the last committed seq. */
int64_t sl_landing_wait(sl_landing *l, int64_t after, int timeout_ms);

/* Statistics for logs and the bench: commits made and events appended. */
void sl_landing_stats(sl_landing *l, uint64_t *commits, uint64_t *events);

/* Events per group commit, as a histogram for /metrics: counts of commits with at most
 * 1, 2, 4, ... 1024 events, then more (not cumulative). */
#define SL_COMMIT_BUCKETS 11
void sl_landing_commit_sizes(sl_landing *l, uint64_t out[SL_COMMIT_BUCKETS + 1]);

/* Stop accepting, write everything queued, stop the writer, close. NULL is a no-op. */
void sl_landing_close(sl_landing *l);

#endif
