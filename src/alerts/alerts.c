/* SPDX-License-Identifier: Apache-2.0 */
#include "alerts/alerts.h"

#include "alerts/notifier.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/mem.h"
#include "pipeline/diag.h"
#include "pipeline/runs.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define PURGE_EVERY_MS (10 * 60 * 1000)
#define RUNS_LOOKBACK  48

struct sl_alerts {
    sl_alerts_opts o;
    char *admin_url;
    sl_notifier *notifier;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    bool poked;
    int64_t last_purge;
    char holder[40]; /* this monitor's identity in the lease */
    bool leading;
    bool resumed; /* unfinished deliveries resumed since this node took the lease */
};

/* ---- rules --------------------------------------------------------------------------- */

static const struct {
    const char *name;
    const char *threshold; /* NULL: none */
    double def;
} rule_defs[] = {
    {SL_RULE_RUN_START, NULL, 0},
    {SL_RULE_RUN_SUCCESS, NULL, 0},
    {SL_RULE_RUN_FAILURE, NULL, 0},
    {SL_RULE_DELAY, "thresholdMinutes", SL_DELAY_DEFAULT_MIN},
    {SL_RULE_ERROR_RATE, "thresholdPercent", SL_ERROR_RATE_DEFAULT_PERCENT},
};
#define NRULES (sizeof(rule_defs) / sizeof(rule_defs[0]))

int sl_alert_rules_normalise(json_object *sub, sl_err *err)
{
    json_object *rules = NULL;
    if (!json_object_object_get_ex(sub, "rules", &rules) ||
        !json_object_is_type(rules, json_type_array) || json_object_array_length(rules) == 0) {
        return sl_err_set(err, SL_EINVAL,
                          "'rules' must be a non-empty array of rule names (%s, %s, %s, %s, %s) "
                          "or {\"name\", threshold} objects",
                          SL_RULE_RUN_START, SL_RULE_RUN_SUCCESS, SL_RULE_RUN_FAILURE,
                          SL_RULE_DELAY, SL_RULE_ERROR_RATE);
    }
    json_object *out = json_object_new_array();
    size_t n = json_object_array_length(rules);
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(rules, i);
        json_object *name = NULL;
        if (json_object_is_type(r, json_type_string)) {
            name = r;
        } else if (!json_object_is_type(r, json_type_object) ||
                   !json_object_object_get_ex(r, "name", &name) ||
                   !json_object_is_type(name, json_type_string)) {
            json_object_put(out);
            return sl_err_set(err, SL_EINVAL, "rules[%zu] must be a rule name or {\"name\", ...}",
                              i);
        }
        size_t k = 0;
        while (k < NRULES && strcmp(rule_defs[k].name, json_object_get_string(name)) != 0) {
            k++;
        }
        if (k == NRULES) {
            json_object_put(out);
            return sl_err_set(err, SL_EINVAL,
                              "rules[%zu]: '%.60s' is not a rule; expected one of "
                              "%s, %s, %s, %s, %s",
                              i, json_object_get_string(name), SL_RULE_RUN_START,
                              SL_RULE_RUN_SUCCESS, SL_RULE_RUN_FAILURE, SL_RULE_DELAY,
                              SL_RULE_ERROR_RATE);
        }
        json_object *norm = json_object_new_object();
        json_object_object_add(norm, "name", json_object_new_string(rule_defs[k].name));
        if (rule_defs[k].threshold != NULL) {
            json_object *t = NULL;
            double v = rule_defs[k].def;
            if (json_object_is_type(r, json_type_object) &&
                json_object_object_get_ex(r, rule_defs[k].threshold, &t)) {
                if (!json_object_is_type(t, json_type_int) &&
                    !json_object_is_type(t, json_type_double)) {
                    json_object_put(norm);
                    json_object_put(out);
                    return sl_err_set(err, SL_EINVAL, "rules[%zu].%s must be a number", i,
                                      rule_defs[k].threshold);
                }
                v = json_object_get_double(t);
            }
            bool pct = strcmp(rule_defs[k].threshold, "thresholdPercent") == 0;
            if (!(v > 0) || (pct && v > 100) || (!pct && v > 10080)) {
                json_object_put(norm);
                json_object_put(out);
                return sl_err_set(err, SL_EINVAL, "rules[%zu].%s must be above 0 and at most %s", i,
                                  rule_defs[k].threshold, pct ? "100" : "10080 (a week)");
            }
            json_object_object_add(norm, rule_defs[k].threshold, json_object_new_double(v));
        }
        json_object_array_add(out, norm);
    }
    json_object_object_add(sub, "rules", out);
    return SL_OK;
}

/* ---- delivery outcomes ----------------------------------------------------------------- */

/* Deliveries are queued as "{alert id}|{status}" (FIRING, INACTIVE, RAISED): the outcome is
 * recorded with the status of the notice that was sent, whatever the alert's status is now. */
static void on_outcome(void *ud, const sl_delivery *d)
{
    sl_alerts *a = ud;
    sl_err err;
    sl_err_clear(&err);
    char id[128];
    (void)snprintf(id, sizeof(id), "%s", d->alert_id);
    char *bar = strchr(id, '|');
    const char *status = "FIRING";
    if (bar != NULL) {
        *bar = '\0';
        status = bar + 1;
    }
    sl_sqlv args[] = {
        SL_SQL_S(id),       SL_SQL_S(d->subscription_id),   SL_SQL_S(d->url),
        SL_SQL_S(status),   SL_SQL_I(d->attempt),           SL_SQL_I(d->http_status),
        SL_SQL_S(d->error), SL_SQL_I(d->delivered ? 1 : 0), SL_SQL_I(d->next_retry_ms),
        SL_SQL_I(d->at_ms)};
    if (sl_store_exec(a->o.st,
                      "INSERT INTO alert_deliveries(alert_id, subscription_id, url, status, "
                      "attempt, http_status, error, delivered, next_retry_ms, at_ms) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                      args, 10, NULL, &err) != SL_OK) {
        SL_LOG_WARN("alerts", "cannot record a delivery alert=%s error=\"%s\"", id, err.msg);
    }
}

/* ---- payloads -------------------------------------------------------------------------- */

static void add_header(json_object *o, const char *event_code)
{
    json_object *io = json_object_new_object();
    json_object_object_add(io, "imsOrgId", json_object_new_string("sluice"));
    json_object_object_add(io, "providerMetadata",
                           json_object_new_string("aep_observability_catalog_events"));
    json_object_object_add(io, "eventCode", json_object_new_string(event_code));
    json_object *h = json_object_new_object();
    json_object_object_add(h, "_adobeio", io);
    json_object_object_add(o, "header", h);
}

typedef struct sub_ctx {
    const char *id;
    const char *flow_id;
    const char *flow_name;
    const char *url;
    const char *secret;
    int64_t created_ms;
    double partial;
} sub_ctx;

static void deliver(sl_alerts *a, const sub_ctx *s, const char *alert_id, const char *status,
                    json_object *payload)
{
    const char *body = json_object_to_json_string_ext(payload, JSON_C_TO_STRING_PLAIN |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
    char key[128];
    (void)snprintf(key, sizeof(key), "%s|%s", alert_id, status);
    sl_notifier_send(a->notifier, key, s->id, s->url, s->secret, body);
}

/* A flow-run alert, raised once per subscription, rule and run. */
static void run_alert(sl_alerts *a, const sub_ctx *s, const char *rule, json_object *run,
                      int64_t now)
{
    json_object *rid = NULL;
    (void)json_object_object_get_ex(run, "id", &rid);
    char name[256];
    char alert_id[SL_UUID_LEN + 1];
    (void)snprintf(name, sizeof(name), "sluice-alert:%s:%s:%s", s->id, rule,
                   json_object_get_string(rid));
    sl_id_uuid_named(name, alert_id);
    json_object *payload = NULL;
    (void)json_object_deep_copy(run, &payload, NULL);
    json_object_object_add(payload, "flowName", json_object_new_string(s->flow_name));
    json_object_object_add(payload, "alertId", json_object_new_string(alert_id));
    json_object_object_add(payload, "alertName", json_object_new_string(rule));
    add_header(payload, strcmp(rule, SL_RULE_RUN_FAILURE) == 0 ? "source_flow_run_error"
                                                               : "source_flow_run_info");
    const char *doc = json_object_to_json_string_ext(payload, JSON_C_TO_STRING_PLAIN);
    sl_sqlv args[] = {SL_SQL_S(alert_id),
                      SL_SQL_S(s->id),
                      SL_SQL_S(s->flow_id),
                      SL_SQL_S(rule),
                      SL_SQL_S(json_object_get_string(rid)),
                      SL_SQL_I(now),
                      SL_SQL_S(doc)};
    int64_t changes = 0;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_exec(a->o.st,
                      "INSERT INTO alerts(id, subscription_id, flow_id, rule, run_id, status, "
                      "created_ms, updated_ms, doc) VALUES ($1, $2, $3, $4, $5, 'RAISED', $6, $6, "
                      "$7) ON CONFLICT (id) DO NOTHING",
                      args, 7, &changes, &err) != SL_OK) {
        SL_LOG_WARN("alerts", "cannot store an alert rule=%s error=\"%s\"", rule, err.msg);
    } else if (changes == 1) {
        SL_LOG_INFO("alerts", "alert raised rule=%s flow=%s run=%s alert=%s", rule, s->flow_id,
                    json_object_get_string(rid), alert_id);
        deliver(a, s, alert_id, "RAISED", payload);
    }
    json_object_put(payload);
}

/* A metric alert: FIRING while `firing`, then INACTIVE once, per subscription and rule. */
static void metric_alert(sl_alerts *a, const sub_ctx *s, const char *rule, bool firing,
                         double value, double threshold, const char *run_id, const char *what,
                         int64_t now)
{
    sl_err err;
    sl_err_clear(&err);
    json_object *rows = NULL;
    sl_sqlv q[] = {SL_SQL_S(s->id), SL_SQL_S(rule)};
    if (sl_store_query(a->o.st,
                       "SELECT id, doc FROM alerts WHERE subscription_id = $1 AND rule = $2 AND "
                       "status = 'FIRING' ORDER BY created_ms DESC LIMIT 1",
                       q, 2, &rows, &err) != SL_OK) {
        return;
    }
    bool open = json_object_array_length(rows) > 0;
    char iso[40];
    if (firing && !open) {
        char alert_id[SL_UUID_LEN + 1];
        sl_id_uuid(alert_id);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(alert_id));
        json_object_object_add(o, "status", json_object_new_string("FIRING"));
        json_object_object_add(o, "name", json_object_new_string(rule));
        char msg[512];
        (void)snprintf(msg, sizeof(msg), "Triggered : %s for dataflow %s", what, s->flow_name);
        json_object_object_add(o, "message", json_object_new_string(msg));
        json_object_object_add(o, "createdAt",
                               json_object_new_string(sl_iso8601_ms(now, iso, sizeof(iso))));
        json_object_object_add(o, "resolvedAt", NULL);
        json_object_object_add(o, "severity", json_object_new_string("high"));
        json_object_object_add(o, "imsOrgId", json_object_new_string("sluice"));
        json_object_object_add(o, "sandboxName", json_object_new_string("prod"));
        json_object_object_add(o, "sandboxId", json_object_new_string("sluice"));
        json_object_object_add(o, "value", json_object_new_double(value));
        json_object_object_add(o, "threshold", json_object_new_double(threshold));
        char url[512];
        (void)snprintf(url, sizeof(url), "%s/ui/#/dataflows/%s", a->admin_url, s->flow_id);
        json_object_object_add(o, "url", json_object_new_string(url));
        json_object_object_add(o, "flowId", json_object_new_string(s->flow_id));
        json_object_object_add(o, "flowRunId",
                               run_id != NULL ? json_object_new_string(run_id) : NULL);
        add_header(o, "source_flow_run_error");
        const char *doc = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        sl_sqlv args[] = {SL_SQL_S(alert_id), SL_SQL_S(s->id), SL_SQL_S(s->flow_id), SL_SQL_S(rule),
                          SL_SQL_S(run_id),   SL_SQL_I(now),   SL_SQL_S(doc)};
        if (sl_store_exec(a->o.st,
                          "INSERT INTO alerts(id, subscription_id, flow_id, rule, run_id, status, "
                          "created_ms, updated_ms, doc) VALUES ($1, $2, $3, $4, $5, 'FIRING', $6, "
                          "$6, $7)",
                          args, 7, NULL, &err) == SL_OK) {
            SL_LOG_WARN("alerts", "alert firing rule=%s flow=%s value=%g threshold=%g alert=%s",
                        rule, s->flow_id, value, threshold, alert_id);
            deliver(a, s, alert_id, "FIRING", o);
        }
        json_object_put(o);
    } else if (!firing && open) {
        json_object *row = json_object_array_get_idx(rows, 0);
        json_object *idv = NULL, *docv = NULL;
        (void)json_object_object_get_ex(row, "id", &idv);
        (void)json_object_object_get_ex(row, "doc", &docv);
        json_object *o = json_tokener_parse(json_object_get_string(docv));
        if (o == NULL) {
            o = json_object_new_object();
        }
        json_object_object_add(o, "status", json_object_new_string("INACTIVE"));
        char msg[512];
        (void)snprintf(msg, sizeof(msg), "Resolved : %s for dataflow %s", what, s->flow_name);
        json_object_object_add(o, "message", json_object_new_string(msg));
        json_object_object_add(o, "resolvedAt",
                               json_object_new_string(sl_iso8601_ms(now, iso, sizeof(iso))));
        json_object_object_add(o, "value", json_object_new_double(value));
        const char *doc = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        sl_sqlv args[] = {SL_SQL_S(json_object_get_string(idv)), SL_SQL_I(now), SL_SQL_S(doc)};
        if (sl_store_exec(a->o.st,
                          "UPDATE alerts SET status = 'INACTIVE', updated_ms = $2, resolved_ms = "
                          "$2, doc = $3 WHERE id = $1",
                          args, 3, NULL, &err) == SL_OK) {
            SL_LOG_INFO("alerts", "alert resolved rule=%s flow=%s alert=%s", rule, s->flow_id,
                        json_object_get_string(idv));
            /* A FIRING notice still waiting to be retried would arrive after this one. */
            char key[128];
            (void)snprintf(key, sizeof(key), "%s|FIRING", json_object_get_string(idv));
            (void)sl_notifier_cancel(a->notifier, key);
            deliver(a, s, json_object_get_string(idv), "INACTIVE", o);
        }
        json_object_put(o);
    }
    json_object_put(rows);
}

/* ---- evaluation ------------------------------------------------------------------------ */

static int64_t flow_backlog_oldest(sl_alerts *a, const char *flow_id)
{
    int64_t cursor = 0, count = 0, oldest = 0;
    sl_err err;
    sl_err_clear(&err);
    if (a->o.js != NULL) {
        return sl_js_backlog(a->o.js, flow_id, &count, &oldest, &err) == SL_OK ? oldest : 0;
    }
    if (a->o.landing == NULL) {
        return 0;
    }
    if (sl_landing_cursor_get(a->o.landing, sl_store_cursor_get_any, a->o.st, &cursor, &err) !=
            SL_OK ||
        sl_landing_backlog(a->o.landing, cursor, flow_id, &count, &oldest, &err) != SL_OK) {
        return 0;
    }
    return oldest;
}

static int64_t oldest_cb(void *ud, const char *flow_id)
{
    return flow_backlog_oldest(ud, flow_id);
}

static double partial_cb(void *ud, const char *flow_id)
{
    sl_alerts *a = ud;
    sl_catalog *cat = sl_catalog_current(a->o.cat);
    const sl_flow_rt *f = sl_catalog_flow(cat, flow_id);
    double v = f != NULL ? f->partial_percent : -1;
    sl_catalog_unref(cat);
    return v;
}

static const char *jstr(json_object *o, const char *ptr)
{
    json_object *v = NULL;
    return json_pointer_get(o, ptr, &v) == 0 && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static double jnum(json_object *o, const char *ptr)
{
    json_object *v = NULL;
    return json_pointer_get(o, ptr, &v) == 0 && v != NULL ? json_object_get_double(v) : 0;
}

static void evaluate_sub(sl_alerts *a, sub_ctx *s, json_object *rules, int64_t now)
{
    /* Flow-run alerts: runs updated since the subscription exists. The error rate: the last two
     * windows, whenever they were written. */
    json_object *runs = NULL;
    json_object *recent = NULL;
    sl_err err;
    sl_err_clear(&err);
    sl_sqlv args[] = {SL_SQL_S(s->flow_id), SL_SQL_I(s->created_ms)};
    sl_sqlv rargs[] = {SL_SQL_S(s->flow_id), SL_SQL_I(sl_run_window(now) - SL_RUN_WINDOW_MS)};
    if (sl_runs_load(a->o.st, "flow_id = $1 AND last_ms >= $2", args, 2, RUNS_LOOKBACK, now,
                     oldest_cb, partial_cb, a, &runs, &err) != SL_OK ||
        sl_runs_load(a->o.st, "flow_id = $1 AND window_start_ms >= $2", rargs, 2, 2, now, oldest_cb,
                     partial_cb, a, &recent, &err) != SL_OK) {
        SL_LOG_WARN("alerts", "cannot read runs flow=%s error=\"%s\"", s->flow_id, err.msg);
        json_object_put(runs);
        return;
    }
    size_t nruns = json_object_array_length(runs);
    size_t nrules = json_object_array_length(rules);
    for (size_t r = 0; r < nrules; r++) {
        json_object *rule = json_object_array_get_idx(rules, r);
        const char *name = jstr(rule, "/name");
        if (name == NULL) {
            continue;
        }
        if (strcmp(name, SL_RULE_RUN_START) == 0 || strcmp(name, SL_RULE_RUN_SUCCESS) == 0 ||
            strcmp(name, SL_RULE_RUN_FAILURE) == 0) {
            for (size_t i = nruns; i-- > 0;) {
                json_object *run = json_object_array_get_idx(runs, i);
                const char *status = jstr(run, "/metrics/statusSummary/status");
                bool fire = strcmp(name, SL_RULE_RUN_START) == 0 ||
                            (strcmp(name, SL_RULE_RUN_SUCCESS) == 0 && status != NULL &&
                             strcmp(status, "success") == 0) ||
                            (strcmp(name, SL_RULE_RUN_FAILURE) == 0 && status != NULL &&
                             strcmp(status, "failed") == 0);
                if (fire) {
                    run_alert(a, s, name, run, now);
                }
            }
        } else if (strcmp(name, SL_RULE_DELAY) == 0) {
            double minutes = jnum(rule, "/thresholdMinutes");
            int64_t oldest = flow_backlog_oldest(a, s->flow_id);
            double waited = oldest != 0 ? (double)(now - oldest) / 60000.0 : 0;
            char what[160];
            (void)snprintf(what, sizeof(what),
                           "landed events waited %.2f minutes for processing (threshold %g)",
                           waited, minutes);
            metric_alert(a, s, name, oldest != 0 && waited > minutes, waited, minutes, NULL, what,
                         now);
        } else if (strcmp(name, SL_RULE_ERROR_RATE) == 0) {
            double pct = jnum(rule, "/thresholdPercent");
            /* The newest run of the last two windows that received anything. */
            json_object *run = NULL;
            size_t nrecent = json_object_array_length(recent);
            for (size_t i = 0; i < nrecent && run == NULL; i++) {
                json_object *cand = json_object_array_get_idx(recent, i);
                if (jnum(cand, "/metrics/recordSummary/inputRecordCount") > 0) {
                    run = cand;
                }
            }
            double received =
                run != NULL ? jnum(run, "/metrics/recordSummary/inputRecordCount") : 0;
            double failed = run != NULL ? jnum(run, "/metrics/recordSummary/failedRecordCount") : 0;
            double rate = received > 0 ? failed * 100.0 / received : 0;
            char what[160];
            (void)snprintf(what, sizeof(what), "ingestion error rate %.2f%% (threshold %g%%)", rate,
                           pct);
            metric_alert(a, s, name, rate > pct, rate, pct, run != NULL ? jstr(run, "/id") : NULL,
                         what, now);
        }
    }
    json_object_put(runs);
    json_object_put(recent);
}

static void evaluate(sl_alerts *a)
{
    int64_t now = sl_now_ms();
    json_object *subs = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_list(a->o.st, "alertSubscription", &subs, &err) != SL_OK) {
        SL_LOG_WARN("alerts", "cannot read alert subscriptions error=\"%s\"", err.msg);
        return;
    }
    sl_catalog *cat = sl_catalog_current(a->o.cat);
    size_t n = json_object_array_length(subs);
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(subs, i);
        json_object *doc = NULL, *created = NULL, *enabled = NULL, *rules = NULL;
        (void)json_object_object_get_ex(item, "doc", &doc);
        (void)json_object_object_get_ex(item, "created", &created);
        if (json_object_object_get_ex(doc, "enabled", &enabled) &&
            !json_object_get_boolean(enabled)) {
            continue;
        }
        if (!json_object_object_get_ex(doc, "rules", &rules)) {
            continue;
        }
        sub_ctx s = {.id = jstr(doc, "/id"),
                     .flow_id = jstr(doc, "/flowId"),
                     .url = jstr(doc, "/url"),
                     .created_ms = json_object_get_int64(created)};
        if (s.id == NULL || s.flow_id == NULL || s.url == NULL) {
            continue;
        }
        const sl_flow_rt *f = sl_catalog_flow(cat, s.flow_id);
        s.flow_name = f != NULL ? f->name : s.flow_id;
        char *secret = NULL;
        sl_err serr;
        sl_err_clear(&serr);
        (void)sl_store_secret_get(a->o.st, s.id, "secret", &secret, &serr);
        s.secret = secret;
        evaluate_sub(a, &s, rules, now);
        free(secret);
    }
    sl_catalog_unref(cat);
    json_object_put(subs);
}

/* Only one admin node evaluates alert rules and purges the store at a time: the one holding the
 * "monitor" lease, renewed every tick and taken over by another node when it has not been
 * renewed for LEASE_TICKS intervals (its node died). */
#define LEASE_TICKS 3
static bool lease_renew(sl_alerts *a, int64_t now)
{
    if (!sl_store_is_shared(a->o.st)) {
        return a->leading = true; /* a store only this process can open */
    }
    int64_t span = (int64_t)a->o.interval_s * 1000 * LEASE_TICKS;
    span = span > 10000 ? span : 10000;
    sl_sqlv args[] = {SL_SQL_S(a->holder), SL_SQL_I(now + span), SL_SQL_I(now)};
    int64_t changes = 0;
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_store_exec(a->o.st,
                           "INSERT INTO leases(name, holder, until_ms) VALUES ('monitor', $1, $2) "
                           "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                           "until_ms = excluded.until_ms WHERE leases.holder = excluded.holder "
                           "OR leases.until_ms < $3",
                           args, 3, &changes, &err);
    bool leading = rc == SL_OK && changes > 0;
    if (rc != SL_OK) {
        SL_LOG_WARN("alerts", "cannot renew the monitor lease error=\"%s\"", err.msg);
    } else if (leading != a->leading) {
        SL_LOG_INFO("alerts", "%s",
                    leading ? "this node now evaluates alert rules (monitor lease)"
                            : "another node evaluates alert rules (monitor lease)");
    }
    a->leading = leading;
    return leading;
}

/* Deliveries a previous leader (or this node before a restart) left unfinished: their last
 * recorded attempt was to be retried, or was abandoned at shutdown. The new leader sends them
 * again, unless the alert has changed status since (a FIRING notice of a resolved alert) or the
 * attempt is older than RESUME_MAX_AGE_MS. */
#define RESUME_MAX_AGE_MS (24LL * 3600 * 1000)
static void resume_pending(sl_alerts *a, int64_t now)
{
    sl_sqlv args[] = {SL_SQL_I(now - RESUME_MAX_AGE_MS)};
    json_object *rows = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_query(a->o.st,
                       "SELECT d.alert_id AS alert_id, d.subscription_id AS sub, d.url AS url, "
                       "d.status AS status, a.doc AS doc FROM alert_deliveries d JOIN alerts a ON "
                       "a.id = d.alert_id WHERE d.delivered = 0 AND (d.next_retry_ms > 0 OR "
                       "d.error = 'shutting down') AND d.at_ms >= $1 AND a.status = d.status AND "
                       "d.id = (SELECT max(e.id) FROM alert_deliveries e WHERE e.alert_id = "
                       "d.alert_id AND e.subscription_id = d.subscription_id AND e.status = "
                       "d.status) ORDER BY d.id",
                       args, 1, &rows, &err) != SL_OK) {
        SL_LOG_WARN("alerts", "cannot look for unfinished deliveries error=\"%s\"", err.msg);
        return;
    }
    size_t n = json_object_array_length(rows);
    for (size_t i = 0; i < n; i++) {
        json_object *row = json_object_array_get_idx(rows, i);
        const char *alert_id = jstr(row, "/alert_id");
        const char *sub = jstr(row, "/sub");
        const char *url = jstr(row, "/url");
        const char *status = jstr(row, "/status");
        const char *doc = jstr(row, "/doc");
        if (alert_id == NULL || sub == NULL || url == NULL || status == NULL || doc == NULL) {
            continue;
        }
        char *secret = NULL;
        sl_err serr;
        sl_err_clear(&serr);
        (void)sl_store_secret_get(a->o.st, sub, "secret", &secret, &serr);
        char key[128];
        (void)snprintf(key, sizeof(key), "%s|%s", alert_id, status);
        SL_LOG_INFO("alerts", "resuming an unfinished delivery alert=%s subscription=%s status=%s",
                    alert_id, sub, status);
        sl_notifier_send(a->notifier, key, sub, url, secret, doc);
        free(secret);
    }
    json_object_put(rows);
}

/* The local landing log's retention (every node with one). */
static void purge_landing(sl_alerts *a)
{
    int64_t now = sl_now_ms();
    sl_err err;
    sl_err_clear(&err);
    int64_t deleted = 0;
    if (a->o.landing != NULL) {
        int64_t cursor = 0;
        if (sl_landing_cursor_get(a->o.landing, sl_store_cursor_get_any, a->o.st, &cursor, &err) ==
                SL_OK &&
            sl_landing_purge(a->o.landing, now - (int64_t)a->o.landing_retention_days * 86400000LL,
                             cursor, &deleted, &err) == SL_OK &&
            deleted > 0) {
            SL_LOG_INFO("alerts", "landing retention: deleted events=%lld", (long long)deleted);
        }
    }
}

/* Store-wide retention (the lease holder). */
static void purge_store(sl_alerts *a)
{
    int64_t now = sl_now_ms();
    sl_err err;
    sl_err_clear(&err);
    int64_t deleted = 0;
    if (sl_diag_purge(a->o.st, now - (int64_t)a->o.diagnostics_retention_days * 86400000LL,
                      &deleted, &err) == SL_OK &&
        deleted > 0) {
        SL_LOG_INFO("alerts", "diagnostics retention: deleted rows=%lld", (long long)deleted);
    }
}

static void *monitor_main(void *arg)
{
    sl_thread_name("sl-monitor");
    sl_alerts *a = arg;
    pthread_mutex_lock(&a->lock);
    while (!a->stop) {
        pthread_mutex_unlock(&a->lock);
        int64_t now = sl_now_ms();
        bool leading = lease_renew(a, now);
        if (leading && !a->resumed) {
            resume_pending(a, now);
        }
        a->resumed = leading;
        if (now - a->last_purge >= PURGE_EVERY_MS) {
            a->last_purge = now;
            purge_landing(a);
            if (leading) {
                purge_store(a);
            }
        }
        if (leading) {
            evaluate(a);
        }
        pthread_mutex_lock(&a->lock);
        if (a->stop) {
            break;
        }
        if (!a->poked) {
            struct timespec deadline;
            (void)clock_gettime(CLOCK_REALTIME, &deadline);
            deadline.tv_sec += a->o.interval_s;
            (void)pthread_cond_timedwait(&a->wake, &a->lock, &deadline);
        }
        a->poked = false;
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

sl_alerts *sl_alerts_start(const sl_alerts_opts *opts, sl_err *err)
{
    sl_alerts *a = sl_xcalloc(1, sizeof(*a));
    a->o = *opts;
    a->admin_url = sl_xstrdup(opts->admin_url != NULL ? opts->admin_url : "");
    a->o.admin_url = a->admin_url;
    if (a->o.interval_s <= 0) {
        a->o.interval_s = 30;
    }
    sl_id_uuid(a->holder);
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->wake, NULL);
    sl_notifier_opts no = {.on_outcome = on_outcome, .ud = a};
    if ((a->notifier = sl_notifier_start(&no, err)) == NULL) {
        goto fail;
    }
    if (pthread_create(&a->thread, NULL, monitor_main, a) != 0) {
        (void)sl_err_set(err, SL_EIO, "cannot start the monitor thread");
        sl_notifier_stop(a->notifier);
        goto fail;
    }
    return a;
fail:
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->wake);
    free(a->admin_url);
    free(a);
    return NULL;
}

void sl_alerts_poke(sl_alerts *a)
{
    if (a == NULL) {
        return;
    }
    pthread_mutex_lock(&a->lock);
    a->poked = true;
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
}

void sl_alerts_stop(sl_alerts *a)
{
    if (a == NULL) {
        return;
    }
    pthread_mutex_lock(&a->lock);
    a->stop = true;
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    if (a->leading) {
        /* Hand over at once rather than after the lease expires. */
        sl_sqlv args[] = {SL_SQL_S(a->holder)};
        sl_err err;
        sl_err_clear(&err);
        (void)sl_store_exec(a->o.st, "DELETE FROM leases WHERE name = 'monitor' AND holder = $1",
                            args, 1, NULL, &err);
    }
    sl_notifier_stop(a->notifier);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->wake);
    free(a->admin_url);
    free(a);
}
