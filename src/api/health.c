/* SPDX-License-Identifier: Apache-2.0 */
/* api/health.c: /healthz, /readyz and the Prometheus /metrics of the admin listener. */
#include "api/api_int.h"

#include "core/clock.h"
#include "core/str.h"

#include <stdatomic.h>
#include <stdio.h>

void sl__api_healthz(sl_http_req *req, void *ud)
{
    (void)ud;
    sl_http_reply_text(req, 200, "application/json", "{\"status\":\"ok\"}", 15);
}

void sl__api_readyz(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    json_object *checks = json_object_new_object();
    bool ready = true;
    /* The store answers a read, and the catalog has at least been loaded. */
    int64_t cursor = 0;
    sl_err err;
    sl_err_clear(&err);
    (void)cursor;
    /* Writable, not just readable: a full disk or a read-only database makes a node unready. */
    char now[32];
    (void)snprintf(now, sizeof(now), "%lld", (long long)sl_now_ms());
    bool store_ok = sl_store_meta_put(app->store, "readyz.probe", now, &err) == SL_OK;
    json_object_object_add(checks, "store", json_object_new_string(store_ok ? "ok" : err.msg));
    ready = ready && store_ok;
    if (app->js != NULL) {
        char why[128] = "";
        bool js_ok = sl_js_ready(app->js, why, sizeof(why));
        json_object_object_add(checks, "nats", json_object_new_string(js_ok ? "ok" : why));
        ready = ready && js_ok;
    }
    if (app->collect != NULL && app->collect_role) {
        bool collect_ok = app->collect_srv != NULL;
        json_object_object_add(checks, "collect",
                               json_object_new_string(collect_ok ? "ok" : "not listening"));
        ready = ready && collect_ok;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string(ready ? "ready" : "not ready"));
    if (!ready) {
        json_object_object_add(o, "checks", checks);
    } else {
        json_object_put(checks);
    }
    sl_http_reply_json(req, ready ? 200 : 503, o);
}

/* The landing log's backlog (local, or the JetStream consumer's). */
static void backlog_gauges(sl_buf *b, int64_t waiting, int64_t oldest_ms)
{
    sl_buf_appendf(b,
                   "# HELP sluice_landing_backlog_events Landed events not processed yet.\n"
                   "# TYPE sluice_landing_backlog_events gauge\n"
                   "sluice_landing_backlog_events %lld\n"
                   "# HELP sluice_landing_backlog_oldest_seconds Age of the oldest landed "
                   "event not processed yet (0 when none waits).\n"
                   "# TYPE sluice_landing_backlog_oldest_seconds gauge\n"
                   "sluice_landing_backlog_oldest_seconds %.3f\n",
                   (long long)waiting,
                   oldest_ms != 0 ? (double)(sl_now_ms() - oldest_ms) / 1000.0 : 0.0);
}

static void counter(sl_buf *b, const char *name, const char *help, const char *labels,
                    unsigned long long v)
{
    if (help != NULL) {
        sl_buf_appendf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    }
    sl_buf_appendf(b, "%s%s %llu\n", name, labels, v);
}

typedef struct flow_buf {
    sl_buf *b;
    int pass;
} flow_buf;

static void flow_line(void *ud, const char *flow_id, const sl_processor_counts *c)
{
    flow_buf *fb = ud;
    const uint64_t v[] = {c->received, c->ingested, c->failed, c->duplicates, c->warnings};
    sl_buf_appendf(fb->b, "%s{flow_id=\"%s\"} %llu\n",
                   (const char *[]){"sluice_flow_received_total", "sluice_flow_ingested_total",
                                    "sluice_flow_failed_total", "sluice_flow_duplicates_total",
                                    "sluice_flow_warnings_total"}[fb->pass],
                   flow_id, (unsigned long long)v[fb->pass]);
}

/* Per-flow counters: one family at a time, as the exposition format wants. */
static void flow_metrics(sl_buf *b, sl_processor *p)
{
    static const char *const names[] = {"sluice_flow_received_total", "sluice_flow_ingested_total",
                                        "sluice_flow_failed_total", "sluice_flow_duplicates_total",
                                        "sluice_flow_warnings_total"};
    static const char *const helps[] = {"Events of the flow read from the landing log.",
                                        "Rows of the flow written.",
                                        "Events of the flow that produced no valid row.",
                                        "Events of the flow dropped as duplicates.",
                                        "Rows of the flow written with a field dropped."};
    for (int i = 0; i < 5; i++) {
        sl_buf_appendf(b, "# HELP %s %s\n# TYPE %s counter\n", names[i], helps[i], names[i]);
        flow_buf fb = {b, i};
        sl_processor_flow_counts(p, flow_line, &fb);
    }
}

void sl__api_metrics(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    sl_buf b = {0};
    static const char *const classes[] = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};
    sl_http_server *srvs[2] = {app->collect_srv, app->admin_srv};
    const char *names[2] = {"collect", "admin"};
    sl_buf_appendf(&b, "# HELP sluice_http_responses_total HTTP responses by listener and "
                       "status class.\n# TYPE sluice_http_responses_total counter\n");
    for (int s = 0; s < 2; s++) {
        if (srvs[s] == NULL) {
            continue;
        }
        uint64_t counts[6];
        sl_http_counts(srvs[s], counts);
        for (int c = 1; c <= 5; c++) {
            char labels[64];
            (void)snprintf(labels, sizeof(labels), "{listener=\"%s\",code=\"%s\"}", names[s],
                           classes[c]);
            counter(&b, "sluice_http_responses_total", NULL, labels, counts[c]);
        }
    }
    if (app->collect != NULL) {
        static const char *const statuses[] = {"400", "401", "404", "413", "415", "503"};
        sl_buf_appendf(&b, "# HELP sluice_collect_refused_total Events refused by the collect "
                           "listener, by status.\n# TYPE sluice_collect_refused_total counter\n");
        for (int i = 0; i < 6; i++) {
            char labels[32];
            (void)snprintf(labels, sizeof(labels), "{status=\"%s\"}", statuses[i]);
            counter(&b, "sluice_collect_refused_total", NULL, labels,
                    atomic_load(&app->collect->refused[i]));
        }
        counter(&b, "sluice_collect_accepted_total", "Events acknowledged (durable).", "",
                atomic_load(&app->collect->accepted));
    }
    if (app->landing != NULL) {
        uint64_t commits = 0;
        uint64_t events = 0;
        sl_landing_stats(app->landing, &commits, &events);
        counter(&b, "sluice_landing_commits_total", "Group commits of the landing log.", "",
                commits);
        counter(&b, "sluice_landing_events_total", "Events appended to the landing log (landed).",
                "", events);
        uint64_t sizes[SL_COMMIT_BUCKETS + 1];
        sl_landing_commit_sizes(app->landing, sizes);
        sl_buf_appendf(&b, "# HELP sluice_landing_commit_events Events per group commit.\n"
                           "# TYPE sluice_landing_commit_events histogram\n");
        uint64_t cum = 0;
        for (int i = 0; i <= SL_COMMIT_BUCKETS; i++) {
            cum += sizes[i];
            if (i < SL_COMMIT_BUCKETS) {
                sl_buf_appendf(&b, "sluice_landing_commit_events_bucket{le=\"%d\"} %llu\n", 1 << i,
                               (unsigned long long)cum);
            } else {
                sl_buf_appendf(&b, "sluice_landing_commit_events_bucket{le=\"+Inf\"} %llu\n",
                               (unsigned long long)cum);
            }
        }
        sl_buf_appendf(
            &b, "sluice_landing_commit_events_sum %llu\nsluice_landing_commit_events_count %llu\n",
            (unsigned long long)events, (unsigned long long)commits);
        int64_t cursor = 0, waiting = 0, oldest = 0;
        sl_err err;
        sl_err_clear(&err);
        if (sl_landing_cursor_get(app->landing, sl_store_cursor_get_any, app->store, &cursor,
                                  &err) == SL_OK &&
            sl_landing_backlog(app->landing, cursor, NULL, &waiting, &oldest, &err) == SL_OK) {
            backlog_gauges(&b, waiting, oldest);
        }
    }
    if (app->js != NULL) {
        int64_t waiting = 0, oldest = 0;
        sl_err err;
        sl_err_clear(&err);
        char why[128] = "";
        bool up = sl_js_ready(app->js, why, sizeof(why));
        sl_buf_appendf(&b,
                       "# HELP sluice_nats_connected 1 while a NATS server is connected.\n"
                       "# TYPE sluice_nats_connected gauge\nsluice_nats_connected %d\n",
                       up ? 1 : 0);
        if (up && sl_js_backlog(app->js, NULL, &waiting, &oldest, &err) == SL_OK) {
            backlog_gauges(&b, waiting, oldest);
        }
    }
    if (app->processor != NULL) {
        sl_processor_stats ps;
        sl_processor_stats_get(app->processor, &ps);
        if (app->js != NULL) {
            counter(&b, "sluice_pipeline_redelivered_total",
                    "JetStream messages redelivered after their commit (only acknowledged).", "",
                    ps.redelivered);
        }
        counter(&b, "sluice_pipeline_processed_total", "Landed events processed.", "",
                ps.processed);
        counter(&b, "sluice_pipeline_ingested_total", "Rows written to datasets.", "", ps.ingested);
        counter(&b, "sluice_pipeline_duplicates_total", "Events dropped as duplicates.", "",
                ps.duplicates);
        counter(&b, "sluice_pipeline_failed_total", "Events that produced no valid row.", "",
                ps.failed);
        counter(&b, "sluice_pipeline_warnings_total", "Rows written with a field dropped.", "",
                ps.warnings);
        counter(&b, "sluice_pipeline_orphaned_total", "Events of a flow that no longer exists.", "",
                ps.orphaned);
        counter(&b, "sluice_pipeline_batches_total", "Processor transactions committed.", "",
                ps.batches);
        counter(&b, "sluice_pipeline_replayed_total", "Events re-processed by replays.", "",
                ps.replayed);
        sl_buf_appendf(&b,
                       "# HELP sluice_pipeline_cursor Last landing sequence number processed.\n"
                       "# TYPE sluice_pipeline_cursor gauge\nsluice_pipeline_cursor %lld\n",
                       (long long)ps.cursor);
        sl_buf_appendf(&b,
                       "# HELP sluice_pipeline_latency_max_ms Largest landing-to-dataset "
                       "latency.\n# TYPE sluice_pipeline_latency_max_ms gauge\n"
                       "sluice_pipeline_latency_max_ms %lld\n",
                       (long long)ps.latency_max_ms);
        sl_buf_appendf(&b, "# HELP sluice_pipeline_latency_seconds Landing-to-dataset latency of "
                           "ingested rows.\n# TYPE sluice_pipeline_latency_seconds histogram\n");
        uint64_t cum = 0;
        for (int i = 0; i < SL_LATENCY_BUCKETS; i++) {
            cum += ps.latency_buckets[i];
            sl_buf_appendf(&b, "sluice_pipeline_latency_seconds_bucket{le=\"%g\"} %llu\n",
                           (double)sl_latency_bounds_ms[i] / 1000.0, (unsigned long long)cum);
        }
        cum += ps.latency_buckets[SL_LATENCY_BUCKETS];
        sl_buf_appendf(&b,
                       "sluice_pipeline_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
                       "sluice_pipeline_latency_seconds_sum %.3f\n"
                       "sluice_pipeline_latency_seconds_count %llu\n",
                       (unsigned long long)cum, (double)ps.latency_sum_ms / 1000.0,
                       (unsigned long long)cum);
        flow_metrics(&b, app->processor);
    }
    sl_http_reply_text(req, 200, "text/plain; version=0.0.4", sl_buf_cstr(&b), b.len);
    sl_buf_fini(&b);
}
