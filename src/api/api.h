/* SPDX-License-Identifier: Apache-2.0 */
/* api/api.h: the admin listener's handlers (AEP-compatible paths) and the first-start
 * bootstrap. Handlers run on the admin HTTP threads and share the app context read-only. */
#ifndef SL_API_H
#define SL_API_H

#include "collect/inlet.h"
#include "config/config.h"
#include "http/server.h"
#include "landing/landing.h"
#include "pipeline/catalog.h"
#include "pipeline/processor.h"
#include "store/store.h"

typedef struct sl_app {
    const sl_config *cfg;
    sl_store *store;
    sl_landing *landing; /* NULL in cluster mode */
    sl_js *js;           /* cluster mode (--nats): the JetStream landing log */
    sl_catalog_holder *catalog;
    sl_processor *processor;  /* NULL without the process role */
    struct sl_alerts *alerts; /* NULL without the admin role */
    sl_collect *collect;
    bool collect_role; /* the collect listener is expected to run */
    sl_http_server *collect_srv;
    sl_http_server *admin_srv;
    const char *public_url; /* base of inlet URLs, no trailing slash */
} sl_app;

/* The admin listener's routes; pass the app as the server's user data. */
const sl_http_route *sl_api_routes(size_t *n);
/* Only /healthz, /readyz and /metrics: a node without the admin role. */
const sl_http_route *sl_api_ops_routes(size_t *n);

/* On an empty store, create the Customer.io source connection, the "Customer.io event"
 * schema, its dataset, the target connection, the default mapping set and an enabled
 * dataflow, through the same create functions the API uses. Does nothing when it ran before.
 * Writes the flow's id into `flow_id` (37 bytes). */
int sl_api_bootstrap(sl_store *st, char *flow_id, sl_err *err);

/* Load the catalog snapshot from the store and publish it (after a change by this node or,
 * through sl_store_watch, by another). */
int sl_api_reload_catalog(sl_app *app, sl_err *err);

/* On every start: what must exist even in stores made by older versions (the default
 * timestamp-ordered merge policy, unless the user manages policies). */
int sl_api_ensure_defaults(sl_store *st, sl_err *err);

/* Create functions shared by the bootstrap and the API. Each validates `body` (borrowed),
 * stores the resource and writes its new id into `id_out`. */
int sl_api_create_source_connection(sl_store *st, json_object *body, char *id_out, sl_err *err);
int sl_api_create_schema(sl_store *st, json_object *body, char *id_out, sl_err *err);
int sl_api_create_dataset(sl_store *st, json_object *body, char *id_out, sl_err *err);
int sl_api_create_target_connection(sl_store *st, json_object *body, char *id_out, sl_err *err);
int sl_api_create_mapping_set(sl_store *st, json_object *body, char *id_out, sl_err *err);
int sl_api_create_flow(sl_store *st, json_object *body, char *id_out, sl_err *err);

/* The flow document as the API shows it (AEP shape, with options.inletUrl). New reference. */
json_object *sl_api_flow_view(const sl_app *app, const char *id, json_object *doc, const char *etag,
                              const int64_t times[2]);

#endif
