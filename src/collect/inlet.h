/* SPDX-License-Identifier: Apache-2.0 */
/* collect/inlet.h: the collect listener's handlers: POST /collection/{inletId} and
 * /collection/batch/{inletId}. Checks run in the contract's order (inlet and flow, flow id,
 * size, signature, media type, JSON); an accepted event is acknowledged only after the
 * landing log has it on disk (in cluster mode: after JetStream acknowledged it). Handlers run on
 * the HTTP threads and never block on disk. */
#ifndef SL_INLET_H
#define SL_INLET_H

#include "http/server.h"
#include "landing/jetstream.h"
#include "landing/landing.h"
#include "pipeline/catalog.h"

#include <stdatomic.h>
#include <stdint.h>

typedef struct sl_collect {
    sl_catalog_holder *catalog;    /* borrowed */
    sl_landing *landing;           /* borrowed; NULL in cluster mode */
    sl_js *js;                     /* borrowed; cluster mode (--nats): events go to JetStream */
    int64_t timestamp_tolerance_s; /* 0: X-CIO-Timestamp is not checked against the clock */
    atomic_uint_fast64_t seq;      /* for xactionIds */
    atomic_uint_fast64_t accepted;
    atomic_uint_fast64_t refused[6]; /* 400, 401, 404, 413, 415, 503 */
} sl_collect;

/* Indexes of sl_collect.refused. */
enum {
    SL_REFUSED_400,
    SL_REFUSED_401,
    SL_REFUSED_404,
    SL_REFUSED_413,
    SL_REFUSED_415,
    SL_REFUSED_503
};

/* The collect listener's routes; pass `c` as the server's user data. */
const sl_http_route *sl_collect_routes(size_t *n);

#endif
