/* SPDX-License-Identifier: Apache-2.0 */
/* alerts/alerts.h: the monitor thread ("sl-monitor"). Every interval it evaluates the alert
 * rules of every subscription (alerts/subscriptions API) against the runs and the landing
 * backlog, stores the alerts it raises or resolves, and hands them to the notifier for
 * delivery to the subscription's URL. It also applies retention: landed events past
 * landing.retention_days (only those already processed) and error diagnostics past
 * diagnostics.retention_days. docs/operations.md describes the rules and payloads. */
#ifndef SL_ALERTS_H
#define SL_ALERTS_H

#include "core/err.h"
#include "landing/jetstream.h"
#include "landing/landing.h"
#include "pipeline/catalog.h"
#include "store/store.h"

#include <json-c/json.h>

/* AEP's rule names (observability alert rules for sources). */
#define SL_RULE_RUN_START             "sources_flow_run_start"
#define SL_RULE_RUN_SUCCESS           "sources_flow_run_success"
#define SL_RULE_RUN_FAILURE           "sources_flow_run_failure"
#define SL_RULE_DELAY                 "sources_flow_run_delay"
#define SL_RULE_ERROR_RATE            "sources_ingestion_error_rate_exceeded"
#define SL_DELAY_DEFAULT_MIN          15.0
#define SL_ERROR_RATE_DEFAULT_PERCENT 0.5

typedef struct sl_alerts sl_alerts;

typedef struct sl_alerts_opts {
    sl_store *st;
    sl_landing *landing; /* NULL on a node without the landing log: no delay rule, no purge */
    sl_js *js;           /* cluster mode: the delay rule reads JetStream's backlog */
    sl_catalog_holder *cat;
    int interval_s;
    int landing_retention_days;
    int diagnostics_retention_days;
    const char *admin_url; /* base of deep links in alert payloads */
} sl_alerts_opts;

sl_alerts *sl_alerts_start(const sl_alerts_opts *opts, sl_err *err);
/* Evaluate now rather than at the next tick (a subscription changed). */
void sl_alerts_poke(sl_alerts *a);
void sl_alerts_stop(sl_alerts *a); /* NULL is a no-op */

/* Check and normalise a subscription's "rules": each a rule name or {"name", threshold};
 * strings become objects with the default threshold. Replaces the array in place. SL_EINVAL
 * with a message naming the rule otherwise. */
int sl_alert_rules_normalise(json_object *sub, sl_err *err);

#endif
