/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/processor.h"

#include "core/clock.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define BATCH_MAX   1024
#define CURSOR_NAME "processor"

struct sl_processor {
    sl_store *st;
    sl_landing *landing;
    sl_catalog_holder *cat;
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t lock; /* guards stats */
    sl_processor_stats stats;
};

static const char *str_member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(v);
}

/* Which event a mapping warning belongs to, for its log line. */
typedef struct warn_ctx {
    long long seq;
    const char *flow;
} warn_ctx;

static void log_mapping_warning(void *ud, const sl_mapping_warning *w)
{
    const warn_ctx *wc = ud;
    SL_LOG_WARN("pipeline",
                "mapping warning seq=%lld flow=%s mapping=%zu destination=%s source=\"%.200s\" "
                "error=\"%s\"",
                wc->seq, wc->flow, w->index, w->destination, w->source, w->message);
}

/* One landed event into its dataset. Returns SL_OK, or an error only when the store failed
 * (then the whole batch is retried); a bad event is counted and skipped. */
static int process_one(sl_processor *p, const sl_catalog *cat, sl_store_tx *tx, const sl_landed *ev,
                       int64_t now, sl_processor_stats *acc, sl_err *err)
{
    int rc = SL_OK;
    json_object *in = NULL;
    json_object *rec = NULL;
    sl_err local;
    sl_err_clear(&local);
    (void)p;

    const sl_flow_rt *flow = sl_catalog_flow(cat, ev->flow_id);
    if (flow == NULL) {
        acc->orphaned++;
        goto out;
    }
    if (sl_json_parse(ev->body, SL_MAX_JSON_DEPTH, &in, &local) != SL_OK ||
        !json_object_is_type(in, json_type_object)) {
        SL_LOG_WARN("pipeline", "landed event unreadable seq=%lld error=\"%s\"", (long long)ev->seq,
                    local.msg);
        acc->failed++;
        goto out;
    }
    int warn_map = 0;
    int warn_schema = 0;
    warn_ctx wc = {(long long)ev->seq, flow->id};
    sl_mapping_opts mopts = {.now_ms = now, .on_warning = log_mapping_warning, .ud = &wc};
    if (sl_mapping_run_opts(flow->mapping, in, &mopts, &rec, &warn_map, &local) != SL_OK ||
        sl_schema_apply(flow->schema, rec, &warn_schema, &local) != SL_OK) {
        SL_LOG_WARN("pipeline", "mapping failed seq=%lld flow=%s error=\"%s\"", (long long)ev->seq,
                    flow->id, local.msg);
        acc->failed++;
        goto out;
    }
    acc->warnings += (uint64_t)(warn_map + warn_schema);
    const char *id = str_member(rec, "_id");
    if (id == NULL) {
        /* No event id to derive _id from: the transaction id is unique per landed event. */
        json_object_object_add(rec, "_id", json_object_new_string(ev->xaction_id));
        id = ev->xaction_id;
    }
    /* A record that lacks a field its schema requires (a failed expression nulled it, or the
     * mapping never writes it) fails: it is counted, not stored. */
    if (sl_schema_check_required(flow->schema, rec, &local) != SL_OK) {
        SL_LOG_WARN("pipeline", "record failed seq=%lld flow=%s error=\"%s\"", (long long)ev->seq,
                    flow->id, local.msg);
        acc->failed++;
        goto out;
    }
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    sl_row row = {
        .id = id,
        .event_id = str_member(rec, "event_id"),
        .timestamp = str_member(rec, "timestamp"),
        .ingested_ms = now,
        .flow_id = flow->id,
        .record = {text, len},
    };
    bool inserted = false;
    rc = sl_store_tx_insert(tx, flow->dataset_id, &row, &inserted, err);
    if (rc != SL_OK) {
        goto out;
    }
    if (inserted) {
        acc->ingested++;
        int64_t lat = now - ev->received_ms;
        acc->latency_sum_ms += (uint64_t)(lat > 0 ? lat : 0);
        acc->latency_max_ms = lat > acc->latency_max_ms ? lat : acc->latency_max_ms;
    } else {
        acc->duplicates++;
    }
out:
    json_object_put(in);
    json_object_put(rec);
    return rc;
}

/* Process one batch in one transaction. Returns SL_OK and advances *cursor, or an error with
 * nothing committed. */
static int process_batch(sl_processor *p, const sl_landed_batch *b, int64_t *cursor, sl_err *err)
{
    sl_store_tx *tx = NULL;
    sl_processor_stats acc;
    memset(&acc, 0, sizeof(acc));
    sl_catalog *cat = sl_catalog_current(p->cat);
    int64_t now = sl_now_ms();
    int rc = sl_store_tx_begin(p->st, &tx, err);
    for (size_t i = 0; rc == SL_OK && i < b->len; i++) {
        rc = process_one(p, cat, tx, &b->items[i], now, &acc, err);
    }
    if (rc == SL_OK) {
        rc = sl_store_tx_cursor_set(tx, CURSOR_NAME, b->items[b->len - 1].seq, err);
    }
    if (rc == SL_OK) {
        rc = sl_store_tx_commit(tx, err);
    } else if (tx != NULL) {
        sl_store_tx_rollback(tx);
    }
    sl_catalog_unref(cat);
    if (rc != SL_OK) {
        return rc;
    }
    *cursor = b->items[b->len - 1].seq;
    pthread_mutex_lock(&p->lock);
    p->stats.processed += b->len;
    p->stats.ingested += acc.ingested;
    p->stats.duplicates += acc.duplicates;
    p->stats.failed += acc.failed;
    p->stats.warnings += acc.warnings;
    p->stats.orphaned += acc.orphaned;
    p->stats.latency_sum_ms += acc.latency_sum_ms;
    if (acc.latency_max_ms > p->stats.latency_max_ms) {
        p->stats.latency_max_ms = acc.latency_max_ms;
    }
    p->stats.cursor = *cursor;
    pthread_mutex_unlock(&p->lock);
    return SL_OK;
}

static void *processor_main(void *arg)
{
    sl_thread_name("sl-processor");
    sl_processor *p = arg;
    int64_t cursor = 0;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_cursor_get(p->st, CURSOR_NAME, &cursor, &err) != SL_OK) {
        SL_LOG_ERROR("pipeline", "cannot read the cursor; processor stopped error=\"%s\"", err.msg);
        return NULL;
    }
    pthread_mutex_lock(&p->lock);
    p->stats.cursor = cursor;
    pthread_mutex_unlock(&p->lock);
    int backoff_ms = 0;
    while (!atomic_load(&p->stop)) {
        if (backoff_ms > 0) {
            sl_sleep_ms(backoff_ms);
        }
        int64_t last = sl_landing_wait(p->landing, cursor, 200);
        if (last <= cursor) {
            continue;
        }
        sl_landed_batch b;
        sl_err_clear(&err);
        int rc = sl_landing_read(p->landing, cursor, BATCH_MAX, &b, &err);
        if (rc == SL_OK && b.len > 0) {
            rc = process_batch(p, &b, &cursor, &err);
        }
        sl_landed_batch_fini(&b);
        if (rc != SL_OK) {
            /* The store is down or full: nothing was committed, so retry the same batch. */
            backoff_ms = backoff_ms == 0 ? 100 : (backoff_ms < 5000 ? backoff_ms * 2 : 5000);
            SL_LOG_ERROR("pipeline", "batch failed; retrying retry_in_ms=%d error=\"%s\"",
                         backoff_ms, err.msg);
        } else {
            backoff_ms = 0;
        }
    }
    return NULL;
}

sl_processor *sl_processor_start(sl_store *st, sl_landing *landing, sl_catalog_holder *cat,
                                 sl_err *err)
{
    sl_processor *p = sl_xcalloc(1, sizeof(*p));
    p->st = st;
    p->landing = landing;
    p->cat = cat;
    atomic_init(&p->stop, false);
    pthread_mutex_init(&p->lock, NULL);
    if (pthread_create(&p->thread, NULL, processor_main, p) != 0) {
        (void)sl_err_set(err, SL_EIO, "cannot start the processor thread");
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    return p;
}

void sl_processor_stop(sl_processor *p)
{
    if (p == NULL) {
        return;
    }
    atomic_store(&p->stop, true);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void sl_processor_stats_get(sl_processor *p, sl_processor_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->stats;
    pthread_mutex_unlock(&p->lock);
}
