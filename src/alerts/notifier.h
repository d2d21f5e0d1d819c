/* SPDX-License-Identifier: Apache-2.0 */
/* alerts/notifier.h: delivery of fired alerts to the URLs of subscribed webhooks. One thread
 * ("sl-notifier") POSTs each queued delivery with libcurl, retries transient failures with
 * exponential backoff, and reports every attempt through a callback; it never touches the store.
 * sl_notifier_send and sl_notifier_check_url may be called from any thread. */
#ifndef SL_NOTIFIER_H
#define SL_NOTIFIER_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_NOTIFIER_MAX_URL 2048 /* bytes, the longest subscription URL accepted */

typedef struct sl_notifier sl_notifier; /* opaque */

/* The outcome of one attempt, passed to on_outcome. Every string is borrowed for the duration
 * of the call. Each delivery ends with exactly one outcome whose next_retry_ms is 0. */
typedef struct sl_delivery {
    const char *alert_id;
    const char *subscription_id;
    const char *url;
    int attempt;           /* 1-based; for "queue full" and "shutting down", the attempt not made */
    int http_status;       /* 0 when no HTTP answer (connect error, timeout, not attempted) */
    const char *error;     /* NULL on success, else a short message ("HTTP 500", curl's text) */
    int64_t at_ms;         /* when this attempt ended (wall clock, Unix epoch ms) */
    int64_t next_retry_ms; /* wall clock ms of the next attempt; 0 when this was the last one */
    bool delivered;
} sl_delivery;

/* Zero fields take their default; negative ones are rejected by sl_notifier_start. */
typedef struct sl_notifier_opts {
    int max_attempts;   /* default 6 */
    int backoff_ms;     /* first retry delay, default 1000; doubles each retry, ±20% jitter */
    int max_backoff_ms; /* default 300000; also caps Retry-After */
    int timeout_ms;     /* per attempt, default 10000 (connect + transfer) */
    int max_pending;    /* deliveries queued, waiting to retry or in flight; default 10000 */
    /* Called after every attempt, on the notifier thread, with no lock of the notifier held
     * (it may call sl_notifier_send). The one exception: a delivery refused because the queue
     * is full is reported at once on the thread that called sl_notifier_send, so on_outcome
     * must not need a lock that thread may hold while sending. May be NULL. */
    void (*on_outcome)(void *ud, const sl_delivery *d);
    void *ud;
} sl_notifier_opts;

/* Start the notifier thread. Borrows `opts`. Returns an owned handle (release with
 * sl_notifier_stop) or NULL with `err` set: SL_EINVAL for a negative option, SL_EIO when
 * libcurl or the thread cannot start.
 *
 * Each attempt is a POST of `body` to the URL with Content-Type: application/json,
 * User-Agent: sluice/<version>, X-Sluice-Timestamp (Unix seconds when the attempt starts) and,
 * with a secret, X-Sluice-Signature = sl_notifier_sign(secret, timestamp, body); a retry is
 * signed again with a fresh timestamp. Redirects are not followed; only http and https are
 * spoken; the response body is read and dropped. Up to 8 attempts run at once, so a slow
 * receiver does not hold up the others.
 *
 * A 2xx answer delivers. Connection errors, timeouts, 408, 429 and 5xx are retried up to
 * max_attempts, after backoff_ms * 2^(attempt-1) (±20%, at most max_backoff_ms), or after the
 * Retry-After of a 429 or 503 (at most max_backoff_ms). Any other answer (3xx, 4xx) and a URL
 * that sl_notifier_check_url rejects fail at once. Every outcome is also logged (module
 * "alerts", with the alert and subscription ids; URLs are not logged, they may hold tokens). */
sl_notifier *sl_notifier_start(const sl_notifier_opts *opts, sl_err *err);

/* Queue one delivery, due now. Copies every argument; `secret` may be NULL or "" (no signature
 * header). Never blocks on the network. When max_pending deliveries are already queued, the
 * delivery is dropped with a warning and reported as not delivered, error "queue full".
 * Thread-safe, but not against sl_notifier_stop: stop `n` only once no other thread can send
 * (on_outcome itself may send while stop runs). NULL `n` is a no-op. */
void sl_notifier_send(sl_notifier *n, const char *alert_id, const char *subscription_id,
                      const char *url, const char *secret, const char *body);

/* Drop the deliveries of `alert_id` still waiting for a (re)try, each reported as not delivered
 * with error "superseded" (a resolved alert's FIRING notice must not arrive after its INACTIVE
 * one). An attempt already in flight is not stopped. Returns how many were dropped. */
int sl_notifier_cancel(sl_notifier *n, const char *alert_id);

/* Check a subscription URL before it is stored: http or https, a host (name, IPv4 or [IPv6]),
 * an optional port 1-65535, no user:password@, no spaces or control characters, at most
 * SL_NOTIFIER_MAX_URL bytes. Returns SL_OK, or SL_EINVAL with a message that says what is
 * wrong. Pure; thread-safe. */
int sl_notifier_check_url(const char *url, sl_err *err);

/* Stop the thread and release `n`; returns within about 2 s. Deliveries due when stop is called
 * (attempts in flight included) get that attempt, bounded by the 2 s; one still unanswered then
 * is abandoned. Those abandoned, and those waiting for a later retry, are reported as not
 * delivered with error "shutting down", http_status 0 and next_retry_ms 0. Outcomes during stop
 * are final: nothing is retried. Queued deliveries are not kept anywhere; the caller's store
 * knows which alerts were delivered. on_outcome is not called after stop returns.
 * NULL is a no-op. */
void sl_notifier_stop(sl_notifier *n);

/* The X-Sluice-Signature value: lowercase hex HMAC-SHA256, keyed with the bytes of `secret`, of
 * "v0:" + `timestamp` + ":" + the `body_len` bytes of `body`, into `out` (65 bytes, NUL
 * terminated). Pure; thread-safe. */
void sl_notifier_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
                      char out[65]);

#endif
