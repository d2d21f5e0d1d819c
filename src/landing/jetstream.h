/* SPDX-License-Identifier: Apache-2.0 */
/* landing/jetstream.h: the landing log as a NATS JetStream stream, for scale-out (ARCHITECTURE
 * §4/§10): collect nodes publish each event and answer 200 only after JetStream acknowledged it;
 * processors share one durable pull consumer and ack after their store commit. Publishing and
 * sl_js_ready are safe from any thread; fetch and ack belong to one processor thread per handle.
 * libnats and its threads stay inside landing/jetstream.c. */
#ifndef SL_LANDING_JETSTREAM_H
#define SL_LANDING_JETSTREAM_H

#include "core/err.h"
#include "core/str.h"
#include "landing/landing.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sl_js sl_js; /* opaque */

/* Zero or NULL fields take the defaults. */
typedef struct sl_js_opts {
    const char *url;        /* "nats://127.0.0.1:4222[,nats://...]" (several servers: failover) */
    const char *stream;     /* default "SLUICE_LANDING" */
    int replicas;           /* default 3 */
    int64_t max_age_ms;     /* retention, default 7 days */
    int dedupe_window_ms;   /* default 2 minutes (JetStream's default) */
    const char *consumer;   /* durable pull consumer name, default "sluice-processors" */
    int max_ack_pending;    /* default 4096 */
    int ack_wait_ms;        /* default 30000 */
    int publishers;         /* threads publishing for sl_js_submit, default 16 */
    bool consume;           /* bind the pull subscription: this node processes (sl_js_fetch) */
    int64_t max_body_bytes; /* the collect limit: warned about when NATS takes less */
} sl_js_opts;

/* Connect, and create the stream (subjects "landing.>", file storage, `replicas`) and the durable
 * pull consumer (explicit ack) if missing, or check that existing ones match: a mismatch is
 * SL_ECONFIG with a message saying what differs. No server reachable is SL_EIO. Returns an owned
 * handle in *out (release with sl_js_close). */
int sl_js_open(const sl_js_opts *o, sl_js **out, sl_err *err);
void sl_js_close(sl_js *js); /* NULL is a no-op */

/* Shutdown, before the collect listener stops: publishing stops (a publish being retried gives
 * up), every request still queued or in hand is answered through its done callback (SL_EBUSY
 * unless its publish already went through), and the publisher threads are joined, so no
 * callback runs after this returns. Later sl_js_submit calls answer SL_EBUSY at once. NULL is a
 * no-op. */
void sl_js_quiesce(sl_js *js);

/* Publish one event on "landing.<flow_id>" and wait up to `timeout_ms` for JetStream's ack.
 * The Nats-Msg-Id is flow_id ":" msg_id (the event id), or flow_id ":" xaction_id when msg_id is
 * NULL or empty, so a resend inside the dedupe window is dropped by the server: then
 * *duplicate is set (may be NULL). Headers: Sluice-Xaction-Id, Sluice-Received-Ms, Sluice-Status
 * (0, or the HTTP status of a refused event), Sluice-Detail (when `detail` is not NULL). Borrows
 * everything. SL_EINVAL for a flow id that is not one subject token of at most 63 bytes;
 * SL_EBUSY when no ack came (the HTTP layer answers 503). */
int sl_js_publish(sl_js *js, const char *flow_id, const char *msg_id, const char *xaction_id,
                  int64_t received_ms, int status, const char *detail, sl_str body, int timeout_ms,
                  bool *duplicate, sl_err *err);

/* The landing log's sl_landing_submit for a collect node: publish every item of `req` (in order)
 * on one of the publisher threads, then call req->done(req, SL_OK) once JetStream acknowledged
 * them all, req->done(req, SL_ETOOBIG) when one is larger than the servers' max_payload, or
 * req->done(req, SL_EBUSY) when one could not be published within the publish
 * deadline (3 s, inside Customer.io's 4 s: a cluster electing a new stream leader is waited
 * for). Never blocks; after sl_js_close has begun, done(req, SL_EBUSY) runs at once. Items are
 * published with their msg_id, so a client's resend after a 503 is dropped by the server if an
 * earlier attempt did land. */
void sl_js_submit(sl_js *js, sl_landing_req *req);

/* "{stream}@{creation time in ns}": names this stream incarnation (a re-created stream starts its
 * sequence numbers again). */
const char *sl_js_stream_id(const sl_js *js);

/* Backlog for /metrics and the ingestion-delay rule (any thread): events not processed yet
 * (waiting for delivery plus delivered and not acknowledged) and the receive time of the oldest
 * of them (0 when none waits or it is not known). With `flow_id`, 0 and 0 when that flow's
 * newest event is processed; otherwise the stream-wide figures (processors take the stream in
 * order, so the flow's events wait behind the oldest one). */
int sl_js_backlog(sl_js *js, const char *flow_id, int64_t *count, int64_t *oldest_ms, sl_err *err);

/* Privacy delete (any thread): read the whole stream with an ordered consumer and erase (the
 * server overwrites the bytes) every message whose body contains one of `needles` (ASCII
 * case-insensitive) and that `confirm` accepts; *deleted gets the count. Messages published
 * after the call began are not looked at. SL_EBUSY when the servers cannot be reached. */
int sl_js_erase(sl_js *js, const char *const *needles, size_t n,
                bool (*confirm)(void *ud, sl_str body), void *ud, int64_t *deleted, sl_err *err);

/* Live tail (any thread), as sl_landing_tail: up to `max` events of flow `flow_id` with stream
 * seq > `after`, oldest first; with `after` < 0 the newest `max` of them (looked for among the
 * last TAIL_WINDOW messages of the stream). Read with a short-lived ordered consumer; `seq` is
 * the stream sequence number. Release `out` with sl_landed_batch_fini. */
int sl_js_tail(sl_js *js, const char *flow_id, int64_t after, size_t max, sl_landed_batch *out,
               sl_err *err);

/* One fetched event. `detail` (NULL when absent) and `body` live in `handle`, the library's
 * message, until sl_js_msgs_free. */
typedef struct sl_js_msg {
    uint64_t stream_seq;
    char flow_id[64];
    char xaction_id[64];
    int64_t received_ms;
    int status;
    const char *detail;
    sl_str body;
    void *handle;
} sl_js_msg;

/* Fetch up to `max` messages for this processor, waiting up to `timeout_ms` for the first.
 * *msgs is owned (release with sl_js_msgs_free), *n may be 0. A message that is not a landing
 * event (subject not "landing.<flow id>") is terminated with a warning, never returned.
 * SL_EBUSY when the servers cannot be reached. */
int sl_js_fetch(sl_js *js, size_t max, int timeout_ms, sl_js_msg **msgs, size_t *n, sl_err *err);

/* Acknowledge `n` fetched messages, after the store commit, and wait until the server has
 * received the acks. Unacknowledged messages are redelivered after ack_wait. SL_EBUSY when the
 * acks could not be sent. */
int sl_js_ack(sl_js *js, sl_js_msg *msgs, size_t n, sl_err *err);
void sl_js_msgs_free(sl_js_msg *msgs, size_t n); /* NULL is a no-op */

/* Connectivity, for /readyz: false with a reason in `why` while no server is connected. */
bool sl_js_ready(sl_js *js, char *why, size_t cap);

#endif
