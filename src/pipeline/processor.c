/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/processor.h"

#include "core/clock.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/mem.h"
#include "pipeline/diag.h"
#include "pipeline/runs.h"
#include "profile/profile.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BATCH_MAX      1024
#define WARNINGS_MAX   16
#define REPLAY_POLL_MS 5000

const int64_t sl_latency_bounds_ms[SL_LATENCY_BUCKETS] = {5,   10,   25,   50,   100,   250,
                                                          500, 1000, 2500, 5000, 10000, 60000};

/* Generic messages of the run summaries (failedInfo); diagnostics carry the precise one. */
static const char *code_summary(const char *code)
{
    if (strcmp(code, SL_CODE_UNPARSABLE) == 0) {
        return "Row is corrupted and cannot be read, please fix and resend.";
    }
    if (strcmp(code, SL_CODE_REQUIRED) == 0) {
        return "A required field is missing or null.";
    }
    if (strcmp(code, SL_CODE_INVALID) == 0) {
        return "The record does not match its schema.";
    }
    if (strcmp(code, SL_CODE_MAPPER) == 0) {
        return "Mapper Transform Error";
    }
    if (strcmp(code, SL_CODE_GRAPH) == 0) {
        return "Identity graph limit reached; identities not linked further.";
    }
    if (strcmp(code, SL_CODE_NAMESPACE) == 0) {
        return "Identity namespace not registered; identity skipped.";
    }
    return "Error";
}

/* A set of strings (event ids seen by a replay): open addressing, grows at half full. */
typedef struct strset {
    char **slots;
    size_t cap, len;
} strset;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s != '\0'; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    }
    return h;
}

/* Adds `s`; returns false when it was there already. */
static bool strset_add(strset *set, const char *s)
{
    if (2 * (set->len + 1) > set->cap) {
        size_t ncap = set->cap != 0 ? set->cap * 2 : 1024;
        char **slots = sl_xcalloc(ncap, sizeof(*slots));
        for (size_t i = 0; i < set->cap; i++) {
            if (set->slots[i] != NULL) {
                size_t j = hash_str(set->slots[i]) & (ncap - 1);
                while (slots[j] != NULL) {
                    j = (j + 1) & (ncap - 1);
                }
                slots[j] = set->slots[i];
            }
        }
        free(set->slots);
        set->slots = slots;
        set->cap = ncap;
    }
    size_t j = hash_str(s) & (set->cap - 1);
    while (set->slots[j] != NULL) {
        if (strcmp(set->slots[j], s) == 0) {
            return false;
        }
        j = (j + 1) & (set->cap - 1);
    }
    set->slots[j] = sl_xstrdup(s);
    set->len++;
    return true;
}

static void strset_fini(strset *set)
{
    for (size_t i = 0; i < set->cap; i++) {
        free(set->slots[i]);
    }
    free(set->slots);
    memset(set, 0, sizeof(*set));
}

typedef struct replay_job {
    char id[40];
    char flow_id[64];
    json_object *doc; /* the stored document, updated as it goes */
    int64_t from_ms, to_ms;
    int64_t window_ms; /* the window being replayed */
    bool window_started;
    int64_t max_seq; /* events of this window up to here (the cursor when it started) */
    int64_t after;   /* last seq replayed in this window */
    int64_t windows_total, windows_done;
    sl_processor_counts done;
    strset seen;
} replay_job;

typedef struct flow_counts {
    char flow_id[64];
    sl_processor_counts c;
} flow_counts;

struct sl_processor {
    sl_store *st;
    sl_landing *landing; /* NULL in cluster mode */
    sl_js *js;           /* cluster mode */
    int64_t retention_ms;
    int64_t last_purge_ms;
    sl_catalog_holder *cat;
    pthread_t thread;
    atomic_bool stop;
    atomic_bool replay_poke;
    pthread_mutex_t lock; /* guards stats and flows */
    sl_processor_stats stats;
    flow_counts *flows;
    size_t nflows, capflows;
    replay_job *job; /* processor thread only */
    int64_t last_replay_poll;
};

/* ---- one event ------------------------------------------------------------------------- */

typedef struct ev_warning {
    char pointer[256];
    char message[256];
} ev_warning;

/* What one batch gathers before its commit. */
typedef struct batch_ctx {
    sl_processor *p;
    const sl_catalog *cat;
    sl_store_tx *tx;
    int64_t now;
    sl_run_acc acc;
    sl_processor_stats stats; /* this batch's share */
    flow_counts *flows;       /* this batch's per-flow counts */
    size_t nflows, capflows;
    replay_job *job; /* non-NULL: this is a replay batch */
    /* the event in hand */
    ev_warning warnings[WARNINGS_MAX];
    int nwarnings;
} batch_ctx;

static sl_processor_counts *batch_flow(batch_ctx *bc, const char *flow_id)
{
    for (size_t i = 0; i < bc->nflows; i++) {
        if (strcmp(bc->flows[i].flow_id, flow_id) == 0) {
            return &bc->flows[i].c;
        }
    }
    if (bc->nflows == bc->capflows) {
        bc->capflows = bc->capflows != 0 ? bc->capflows * 2 : 4;
        bc->flows = sl_xrealloc(bc->flows, bc->capflows * sizeof(*bc->flows));
    }
    flow_counts *f = &bc->flows[bc->nflows++];
    memset(f, 0, sizeof(*f));
    (void)snprintf(f->flow_id, sizeof(f->flow_id), "%s", flow_id);
    return &f->c;
}

static const char *str_member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(v);
}

/* "a.b[0].c" -> "#/a/b/0/c" */
static void dest_pointer(const char *dest, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = '#';
    out[n++] = '/';
    for (const char *s = dest; *s != '\0' && n + 2 < cap; s++) {
        if (*s == '.' || *s == '[') {
            if (out[n - 1] != '/') {
                out[n++] = '/';
            }
        } else if (*s != ']') {
            out[n++] = *s;
        }
    }
    out[n] = '\0';
}

static void on_mapping_warning(void *ud, const sl_mapping_warning *w)
{
    batch_ctx *bc = ud;
    if (bc->nwarnings == WARNINGS_MAX) {
        return;
    }
    ev_warning *ew = &bc->warnings[bc->nwarnings++];
    dest_pointer(w->destination, ew->pointer, sizeof(ew->pointer));
    (void)snprintf(ew->message, sizeof(ew->message), "mappings[%zu] %.60s -> %.60s: %s", w->index,
                   w->source, w->destination, w->message);
}

static int record_failure(batch_ctx *bc, const sl_flow_rt *flow, sl_run_delta *d,
                          const sl_landed *ev, const char *code, const char *message,
                          const char *pointer, sl_err *err)
{
    d->failed++;
    sl_run_delta_code(d, code, "error", code_summary(code));
    bc->stats.failed++;
    batch_flow(bc, flow->id)->failed++;
    if (bc->job != NULL) {
        bc->job->done.failed++;
    }
    SL_LOG_DEBUG("pipeline", "record failed seq=%lld flow=%s code=%s error=\"%s\"",
                 (long long)ev->seq, flow->id, code, message);
    if (!flow->diagnostics) {
        return SL_OK;
    }
    sl_diag diag = {.flow_id = flow->id,
                    .run_id = d->run_id,
                    .seq = ev->seq,
                    .level = "error",
                    .code = code,
                    .message = message,
                    .pointer = pointer,
                    .received_ms = ev->received_ms,
                    .raw = ev->body};
    return sl_diag_insert(bc->tx, &diag, bc->now, err);
}

/* An event the collect listener refused: its detail says why. */
static int refused_event(batch_ctx *bc, const sl_flow_rt *flow, sl_run_delta *d,
                         const sl_landed *ev, sl_err *err)
{
    json_object *detail = ev->detail != NULL ? json_tokener_parse(ev->detail) : NULL;
    const char *code = str_member(detail, "code");
    const char *message = str_member(detail, "message");
    int rc = record_failure(bc, flow, d, ev, code != NULL ? code : SL_CODE_UNPARSABLE,
                            message != NULL ? message : "refused by the collect listener",
                            str_member(detail, "pointer"), err);
    json_object_put(detail);
    return rc;
}

/* The violations as one message: "format: [x] is not ...; required: ..." */
static void join_violations(const sl_violation *v, size_t n, size_t total, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && len + 1 < cap; i++) {
        int w = snprintf(out + len, cap - len, "%s%s: %s", i > 0 ? "; " : "", v[i].keyword,
                         v[i].message);
        len += w > 0 ? (size_t)w : 0;
    }
    if (total > n && len + 1 < cap) {
        (void)snprintf(out + len, cap - len, "; and %zu more", total - n);
    }
}

/* Replay: does an event received before the replayed hour own the row with this event id (or
 * _id)? Then this one was a duplicate and stays one. Rows written before _received_ms existed
 * (NULL) are not taken as earlier. */
static int owned_earlier(batch_ctx *bc, const sl_flow_rt *flow, const sl_row *row, bool *earlier,
                         sl_err *err)
{
    char sql[160];
    (void)snprintf(sql, sizeof(sql),
                   "SELECT 1 AS x FROM ds_%s WHERE (_id = $1 OR event_id = $2) AND "
                   "_received_ms < $3",
                   flow->dataset_id);
    sl_sqlv args[] = {SL_SQL_S(row->id), SL_SQL_S(row->event_id != NULL ? row->event_id : row->id),
                      SL_SQL_I(bc->job->window_ms)};
    json_object *rows = NULL;
    int rc = sl_store_query_tx(bc->tx, sql, args, 3, &rows, err);
    if (rc == SL_OK) {
        *earlier = json_object_array_length(rows) > 0;
        json_object_put(rows);
    }
    return rc;
}

/* One landed event into its dataset. Returns SL_OK, or an error only when the store failed
 * (then the whole batch is retried); a bad event is counted and reported. */
static int process_one(batch_ctx *bc, const sl_landed *ev, sl_err *err)
{
    int rc = SL_OK;
    json_object *in = NULL;
    json_object *rec = NULL;
    sl_err local;
    sl_err_clear(&local);

    const sl_flow_rt *flow = sl_catalog_flow(bc->cat, ev->flow_id);
    if (flow == NULL) {
        bc->stats.orphaned++;
        return SL_OK;
    }
    sl_run_delta *d = sl_run_acc_get(&bc->acc, flow->id, sl_run_window(ev->received_ms));
    d->received++;
    d->bytes += (int64_t)ev->body.len;
    batch_flow(bc, flow->id)->received++;
    if (bc->job != NULL) {
        bc->job->done.received++;
    }
    if (ev->status != 0) {
        return refused_event(bc, flow, d, ev, err);
    }
    if (sl_json_parse(ev->body, SL_MAX_JSON_DEPTH, &in, &local) != SL_OK ||
        !json_object_is_type(in, json_type_object)) {
        rc = record_failure(bc, flow, d, ev, SL_CODE_UNPARSABLE,
                            local.msg[0] != '\0' ? local.msg : "the body is not a JSON object",
                            NULL, err);
        goto out;
    }
    bc->nwarnings = 0;
    const char *profile_code = NULL;
    int warn_map = 0;
    sl_mapping_opts mopts = {.now_ms = bc->now, .on_warning = on_mapping_warning, .ud = bc};
    if (sl_mapping_run_opts(flow->mapping, in, &mopts, &rec, &warn_map, &local) != SL_OK) {
        rc = record_failure(bc, flow, d, ev, SL_CODE_MAPPER, local.msg, NULL, err);
        goto out;
    }
    sl_schema_apply(flow->schema, rec);
    const char *id = str_member(rec, "_id");
    if (id == NULL) {
        /* No event id to derive _id from: the transaction id is unique per landed event. */
        json_object_object_add(rec, "_id", json_object_new_string(ev->xaction_id));
        id = ev->xaction_id;
    }
    /* A record that breaks its schema (a failed expression nulled a required field, a value
     * has the wrong format, ...) fails: counted and reported, not stored. */
    sl_violation viol[SL_VIOLATIONS_MAX];
    size_t nviol = sl_schema_validate(flow->schema, rec, viol, SL_VIOLATIONS_MAX);
    if (nviol > 0) {
        char message[1024];
        size_t shown = nviol < SL_VIOLATIONS_MAX ? nviol : SL_VIOLATIONS_MAX;
        join_violations(viol, shown, nviol, message, sizeof(message));
        if (bc->job != NULL) {
            /* A replay replaces rows: an event that fails now takes its old row with it. */
            char sql[200];
            (void)snprintf(sql, sizeof(sql),
                           "DELETE FROM ds_%s WHERE (_id = $1 OR event_id = $2) AND "
                           "(_received_ms IS NULL OR _received_ms >= $3)",
                           flow->dataset_id);
            const char *eid = str_member(rec, "event_id");
            sl_sqlv args[] = {SL_SQL_S(id), SL_SQL_S(eid != NULL ? eid : id),
                              SL_SQL_I(bc->job->window_ms)};
            if ((rc = sl_store_tx_exec(bc->tx, sql, args, 3, NULL, err)) != SL_OK) {
                goto out;
            }
        }
        rc = record_failure(bc, flow, d, ev,
                            strcmp(viol[0].keyword, "required") == 0 ? SL_CODE_REQUIRED
                                                                     : SL_CODE_INVALID,
                            message, viol[0].pointer, err);
        goto out;
    }
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    sl_row row = {
        .id = id,
        .event_id = str_member(rec, "event_id"),
        .timestamp = str_member(rec, "timestamp"),
        .ingested_ms = bc->now,
        .flow_id = flow->id,
        .record = {text, len},
        .received_ms = ev->received_ms,
        .replace = bc->job != NULL,
    };
    bool inserted = false;
    bool earlier = false;
    if (bc->job != NULL && (rc = owned_earlier(bc, flow, &row, &earlier, err)) != SL_OK) {
        goto out;
    }
    if (bc->job != NULL &&
        (earlier || !strset_add(&bc->job->seen, row.event_id != NULL ? row.event_id : id))) {
        inserted = false; /* an earlier event, or this replay, wrote this event id already */
    } else if ((rc = sl_store_tx_insert(bc->tx, flow->dataset_id, &row, &inserted, err)) != SL_OK) {
        goto out;
    }
    sl_processor_counts *fc = batch_flow(bc, flow->id);
    if (!inserted) {
        d->duplicates++;
        bc->stats.duplicates++;
        fc->duplicates++;
        if (bc->job != NULL) {
            bc->job->done.duplicates++;
        }
        goto out;
    }
    if (flow->profile) {
        int64_t event_ms = bc->now;
        const char *ts = str_member(rec, "timestamp");
        if (ts != NULL) {
            (void)sl_parse_time(ts, &event_ms);
        }
        sl_profile_outcome po;
        if ((rc = sl_profile_ingest(bc->tx, flow->dataset_id, id, rec, flow->profile_class,
                                    event_ms, sl_catalog_ns_canon, (void *)bc->cat, &po, err)) !=
            SL_OK) {
            goto out;
        }
        if (po.over_limit && bc->nwarnings < WARNINGS_MAX) {
            ev_warning *ew = &bc->warnings[bc->nwarnings++];
            (void)snprintf(ew->pointer, sizeof(ew->pointer), "#/identityMap");
            (void)snprintf(ew->message, sizeof(ew->message),
                           "linking this record's identities would make a graph of more than %d "
                           "identities; they were not linked further",
                           SL_GRAPH_MAX);
            profile_code = SL_CODE_GRAPH;
            SL_LOG_WARN("profile", "identity graph limit reached seq=%lld flow=%s",
                        (long long)ev->seq, flow->id);
        } else if (po.unknown_ns > 0 && bc->nwarnings < WARNINGS_MAX) {
            ev_warning *ew = &bc->warnings[bc->nwarnings++];
            (void)snprintf(ew->pointer, sizeof(ew->pointer), "#/identityMap");
            (void)snprintf(ew->message, sizeof(ew->message),
                           "%d identit%s of an unregistered namespace skipped", po.unknown_ns,
                           po.unknown_ns == 1 ? "y" : "ies");
            profile_code = SL_CODE_NAMESPACE;
        }
    }
    d->ingested++;
    bc->stats.ingested++;
    fc->ingested++;
    if (bc->job != NULL) {
        bc->job->done.ingested++;
    } else {
        /* A replay cannot measure landing-to-dataset latency: the event landed long ago. */
        int64_t lat = bc->now - ev->received_ms;
        lat = lat > 0 ? lat : 0;
        sl_run_delta_latency(d, lat);
        bc->stats.latency_sum_ms += (uint64_t)lat;
        bc->stats.latency_max_ms = lat > bc->stats.latency_max_ms ? lat : bc->stats.latency_max_ms;
        int b = 0;
        while (b < SL_LATENCY_BUCKETS && lat > sl_latency_bounds_ms[b]) {
            b++;
        }
        bc->stats.latency_buckets[b]++;
    }
    if (warn_map > 0 || profile_code != NULL) {
        d->warnings++;
        bc->stats.warnings++;
        fc->warnings++;
        if (bc->job != NULL) {
            bc->job->done.warnings++;
        }
        if (warn_map > 0) {
            sl_run_delta_code(d, SL_CODE_MAPPER, "warning", code_summary(SL_CODE_MAPPER));
        }
        if (profile_code != NULL) {
            sl_run_delta_code(d, profile_code, "warning", code_summary(profile_code));
        }
        for (int i = 0; flow->diagnostics && rc == SL_OK && i < bc->nwarnings; i++) {
            bool last_is_profile = profile_code != NULL && i == bc->nwarnings - 1;
            sl_diag diag = {.flow_id = flow->id,
                            .run_id = d->run_id,
                            .seq = ev->seq,
                            .level = "warning",
                            .code = last_is_profile ? profile_code : SL_CODE_MAPPER,
                            .message = bc->warnings[i].message,
                            .pointer = bc->warnings[i].pointer,
                            .received_ms = ev->received_ms,
                            .raw = ev->body};
            rc = sl_diag_insert(bc->tx, &diag, bc->now, err);
        }
    }
out:
    json_object_put(in);
    json_object_put(rec);
    return rc;
}

/* ---- batches ----------------------------------------------------------------------------- */

/* Several processors on one PostgreSQL store: lock the identities of the batch's Profile records
 * up front, all at once in one global order, so two batches about the same people wait for each
 * other instead of deadlocking in their identity-graph updates. Maps those records one extra
 * time (no store access); nothing to do on SQLite. `skip` (may be NULL) marks events not to
 * look at. */
static int lock_batch_keys(batch_ctx *bc, const sl_landed_batch *b, const bool *skip, sl_err *err)
{
    if (!sl_store_wants_key_locks(bc->p->st)) {
        return SL_OK;
    }
    sl_buf keys = {0};
    for (size_t i = 0; i < b->len; i++) {
        const sl_landed *ev = &b->items[i];
        const sl_flow_rt *flow = sl_catalog_flow(bc->cat, ev->flow_id);
        if ((skip != NULL && skip[i]) || ev->status != 0 || flow == NULL || !flow->profile) {
            continue;
        }
        json_object *in = NULL;
        json_object *rec = NULL;
        int warnings = 0;
        sl_err local;
        sl_err_clear(&local);
        sl_mapping_opts mopts = {.now_ms = bc->now};
        if (sl_json_parse(ev->body, SL_MAX_JSON_DEPTH, &in, &local) == SL_OK &&
            json_object_is_type(in, json_type_object) &&
            sl_mapping_run_opts(flow->mapping, in, &mopts, &rec, &warnings, &local) == SL_OK) {
            sl_schema_apply(flow->schema, rec);
            sl_profile_lock_keys(rec, sl_catalog_ns_canon, (void *)bc->cat, &keys);
        }
        json_object_put(in);
        json_object_put(rec);
    }
    int rc = keys.len > 0 ? sl_store_tx_lock_keys(bc->tx, keys.ptr, err) : SL_OK;
    sl_buf_fini(&keys);
    return rc;
}

static void merge_stats(sl_processor *p, batch_ctx *bc, size_t nevents)
{
    pthread_mutex_lock(&p->lock);
    sl_processor_stats *s = &p->stats;
    s->processed += nevents;
    s->batches++;
    s->ingested += bc->stats.ingested;
    s->duplicates += bc->stats.duplicates;
    s->failed += bc->stats.failed;
    s->warnings += bc->stats.warnings;
    s->orphaned += bc->stats.orphaned;
    s->latency_sum_ms += bc->stats.latency_sum_ms;
    if (bc->stats.latency_max_ms > s->latency_max_ms) {
        s->latency_max_ms = bc->stats.latency_max_ms;
    }
    for (int b = 0; b <= SL_LATENCY_BUCKETS; b++) {
        s->latency_buckets[b] += bc->stats.latency_buckets[b];
    }
    if (bc->job != NULL) {
        s->replayed += nevents;
    }
    for (size_t i = 0; i < bc->nflows; i++) {
        flow_counts *f = NULL;
        for (size_t j = 0; j < p->nflows; j++) {
            if (strcmp(p->flows[j].flow_id, bc->flows[i].flow_id) == 0) {
                f = &p->flows[j];
                break;
            }
        }
        if (f == NULL) {
            if (p->nflows == p->capflows) {
                p->capflows = p->capflows != 0 ? p->capflows * 2 : 8;
                p->flows = sl_xrealloc(p->flows, p->capflows * sizeof(*p->flows));
            }
            f = &p->flows[p->nflows++];
            memset(f, 0, sizeof(*f));
            (void)snprintf(f->flow_id, sizeof(f->flow_id), "%s", bc->flows[i].flow_id);
        }
        /* A replay re-counts events its flow counted before: per-flow counters count work
         * done, the runs count outcomes. */
        f->c.received += bc->flows[i].c.received;
        f->c.ingested += bc->flows[i].c.ingested;
        f->c.failed += bc->flows[i].c.failed;
        f->c.duplicates += bc->flows[i].c.duplicates;
        f->c.warnings += bc->flows[i].c.warnings;
    }
    pthread_mutex_unlock(&p->lock);
}

static void batch_init(batch_ctx *bc, sl_processor *p, replay_job *job)
{
    memset(bc, 0, sizeof(*bc));
    bc->p = p;
    bc->job = job;
    bc->cat = sl_catalog_current(p->cat);
    bc->now = sl_now_ms();
}

static void batch_fini(batch_ctx *bc)
{
    sl_catalog_unref((sl_catalog *)bc->cat);
    sl_run_acc_fini(&bc->acc);
    free(bc->flows);
}

/* Process one batch in one transaction. `reset_run` (replay) is cleared first in the same
 * transaction; `cursor` (normal batches) is advanced with it. Nothing is committed on error. */
static int run_batch(batch_ctx *bc, const sl_landed_batch *b, const char *reset_run,
                     int64_t *cursor, sl_err *err)
{
    int rc = sl_store_tx_begin(bc->p->st, &bc->tx, err);
    if (rc == SL_OK) {
        rc = lock_batch_keys(bc, b, NULL, err);
    }
    if (rc == SL_OK && reset_run != NULL) {
        rc = sl_run_reset(bc->tx, reset_run, err);
    }
    for (size_t i = 0; rc == SL_OK && i < b->len; i++) {
        rc = process_one(bc, &b->items[i], err);
    }
    if (rc == SL_OK) {
        rc = sl_run_acc_flush(&bc->acc, bc->tx, bc->now, err);
    }
    if (rc == SL_OK && cursor != NULL && b->len > 0) {
        rc = sl_store_tx_cursor_set(bc->tx, sl_landing_cursor_name(bc->p->landing),
                                    b->items[b->len - 1].seq, err);
    }
    if (rc == SL_OK) {
        rc = sl_store_tx_commit(bc->tx, err);
    } else if (bc->tx != NULL) {
        sl_store_tx_rollback(bc->tx);
    }
    bc->tx = NULL;
    if (rc != SL_OK) {
        return rc;
    }
    if (cursor != NULL && b->len > 0) {
        *cursor = b->items[b->len - 1].seq;
    }
    merge_stats(bc->p, bc, b->len);
    return SL_OK;
}

static int process_batch(sl_processor *p, const sl_landed_batch *b, int64_t *cursor, sl_err *err)
{
    batch_ctx bc;
    batch_init(&bc, p, NULL);
    int rc = run_batch(&bc, b, NULL, cursor, err);
    batch_fini(&bc);
    if (rc == SL_OK) {
        pthread_mutex_lock(&p->lock);
        p->stats.cursor = *cursor;
        pthread_mutex_unlock(&p->lock);
    }
    return rc;
}

/* ---- replays ----------------------------------------------------------------------------- */

static int64_t doc_int(json_object *doc, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(doc, key, &v) ? json_object_get_int64(v) : 0;
}

static void job_save(sl_processor *p, replay_job *j, const char *status, const char *error)
{
    json_object *doc = j->doc;
    json_object_object_add(doc, "status", json_object_new_string(status));
    json_object *prog = json_object_new_object();
    json_object_object_add(prog, "windowsTotal", json_object_new_int64(j->windows_total));
    json_object_object_add(prog, "windowsDone", json_object_new_int64(j->windows_done));
    json_object_object_add(prog, "currentWindowStart", json_object_new_int64(j->window_ms));
    json_object_object_add(prog, "eventsProcessed",
                           json_object_new_int64((int64_t)j->done.received));
    json_object_object_add(prog, "ingested", json_object_new_int64((int64_t)j->done.ingested));
    json_object_object_add(prog, "failed", json_object_new_int64((int64_t)j->done.failed));
    json_object_object_add(prog, "duplicates", json_object_new_int64((int64_t)j->done.duplicates));
    json_object_object_add(prog, "warnings", json_object_new_int64((int64_t)j->done.warnings));
    json_object_object_add(doc, "progress", prog);
    if (strcmp(status, "running") != 0) {
        json_object_object_add(doc, "completedAt", json_object_new_int64(sl_now_ms()));
    }
    if (error != NULL) {
        json_object_object_add(doc, "error", json_object_new_string(error));
    }
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_put(p->st, "replay", j->id, doc, NULL, &err) != SL_OK) {
        SL_LOG_WARN("pipeline", "cannot save replay progress replay=%s error=\"%s\"", j->id,
                    err.msg);
    }
}

static void job_free(replay_job *j)
{
    if (j == NULL) {
        return;
    }
    json_object_put(j->doc);
    strset_fini(&j->seen);
    free(j);
}

/* Pick the oldest queued or running replay, if any. */
static void job_load(sl_processor *p)
{
    json_object *list = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_list(p->st, "replay", &list, &err) != SL_OK) {
        return;
    }
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n && p->job == NULL; i++) {
        json_object *doc = NULL;
        (void)json_object_object_get_ex(json_object_array_get_idx(list, i), "doc", &doc);
        const char *status = str_member(doc, "status");
        const char *id = str_member(doc, "id");
        const char *flow = str_member(doc, "flowId");
        if (status == NULL || id == NULL || flow == NULL ||
            (strcmp(status, "queued") != 0 && strcmp(status, "running") != 0)) {
            continue;
        }
        replay_job *j = sl_xcalloc(1, sizeof(*j));
        (void)snprintf(j->id, sizeof(j->id), "%s", id);
        (void)snprintf(j->flow_id, sizeof(j->flow_id), "%s", flow);
        j->doc = json_object_get(doc);
        j->from_ms = sl_run_window(doc_int(doc, "fromMs"));
        j->to_ms = doc_int(doc, "toMs");
        j->windows_total = (j->to_ms - j->from_ms + SL_RUN_WINDOW_MS - 1) / SL_RUN_WINDOW_MS;
        j->window_ms = j->from_ms;
        json_object *prog = NULL;
        if (strcmp(status, "running") == 0 && json_object_object_get_ex(doc, "progress", &prog)) {
            /* Interrupted (a restart): redo the window it was in; resetting the window's run
             * makes that exact. */
            j->window_ms = doc_int(prog, "currentWindowStart");
            j->windows_done = doc_int(prog, "windowsDone");
        } else {
            json_object_object_add(doc, "startedAt", json_object_new_int64(sl_now_ms()));
        }
        p->job = j;
        SL_LOG_INFO("pipeline", "replay started replay=%s flow=%s windows=%lld", j->id, j->flow_id,
                    (long long)j->windows_total);
        job_save(p, j, "running", NULL);
    }
    json_object_put(list);
}

/* One batch of the current replay. Returns SL_OK, or an error when the store failed (the batch
 * is then retried). */
static int replay_step(sl_processor *p, int64_t cursor, sl_err *err)
{
    replay_job *j = p->job;
    if (j->window_ms >= j->to_ms) {
        SL_LOG_INFO("pipeline", "replay completed replay=%s flow=%s events=%llu", j->id, j->flow_id,
                    (unsigned long long)j->done.received);
        job_save(p, j, "completed", NULL);
        job_free(j);
        p->job = NULL;
        return SL_OK;
    }
    sl_catalog *cat = sl_catalog_current(p->cat);
    bool gone = sl_catalog_flow(cat, j->flow_id) == NULL;
    sl_catalog_unref(cat);
    if (gone) {
        job_save(p, j, "failed", "the flow no longer exists or cannot run");
        job_free(j);
        p->job = NULL;
        return SL_OK;
    }
    bool first = !j->window_started;
    if (first) {
        j->max_seq = cursor; /* later events are the normal batches' to count */
        j->after = 0;
        j->window_started = true;
    }
    sl_landed_batch b;
    int rc = sl_landing_read_range(p->landing, j->flow_id, j->after, j->max_seq, j->window_ms,
                                   j->window_ms + SL_RUN_WINDOW_MS, BATCH_MAX, &b, err);
    if (rc != SL_OK) {
        j->window_started = !first;
        return rc;
    }
    char run_id[40];
    sl_run_id(j->flow_id, j->window_ms, run_id);
    batch_ctx bc;
    batch_init(&bc, p, j);
    sl_processor_counts before = j->done;
    rc = run_batch(&bc, &b, first ? run_id : NULL, NULL, err);
    batch_fini(&bc);
    if (rc != SL_OK) {
        j->done = before;
        j->window_started = !first;
        sl_landed_batch_fini(&b);
        return rc;
    }
    if (b.len > 0) {
        j->after = b.items[b.len - 1].seq;
    }
    if (b.len < BATCH_MAX) {
        j->windows_done++;
        j->window_ms += SL_RUN_WINDOW_MS;
        j->window_started = false;
    }
    sl_landed_batch_fini(&b);
    job_save(p, j, "running", NULL);
    return SL_OK;
}

/* ---- cluster mode: JetStream ------------------------------------------------------------- */

#define JS_FETCH_WAIT_MS  200
#define JS_PURGE_EVERY_MS (10 * 60 * 1000)

/* Which of `b`'s messages were committed already (a redelivery after a commit whose ack did
 * not arrive): done[i] when a row has its sequence number and xaction id; stale[i] when a row
 * has its sequence number but another message's xaction id (a re-created stream). */
static int js_done(batch_ctx *bc, const char *stream, const sl_landed_batch *b, bool *done,
                   bool *stale, sl_err *err)
{
    int64_t lo = INT64_MAX;
    int64_t hi = 0;
    for (size_t i = 0; i < b->len; i++) {
        lo = b->items[i].seq < lo ? b->items[i].seq : lo;
        hi = b->items[i].seq > hi ? b->items[i].seq : hi;
    }
    sl_sqlv args[] = {SL_SQL_S(stream), SL_SQL_I(lo), SL_SQL_I(hi)};
    json_object *rows = NULL;
    int rc = sl_store_query_tx(bc->tx,
                               "SELECT seq, xaction FROM js_processed WHERE stream = $1 AND "
                               "seq >= $2 AND seq <= $3",
                               args, 3, &rows, err);
    if (rc != SL_OK) {
        return rc;
    }
    size_t n = json_object_array_length(rows);
    for (size_t r = 0; r < n; r++) {
        json_object *row = json_object_array_get_idx(rows, r);
        json_object *v = NULL;
        (void)json_object_object_get_ex(row, "seq", &v);
        int64_t seq = json_object_get_int64(v);
        const char *xaction = str_member(row, "xaction");
        for (size_t i = 0; i < b->len; i++) {
            if (b->items[i].seq != seq) {
                continue;
            }
            bool same = xaction != NULL && strcmp(b->items[i].xaction_id, xaction) == 0;
            done[i] = done[i] || same;
            stale[i] = stale[i] || !same;
        }
    }
    json_object_put(rows);
    return SL_OK;
}

/* One fetched batch in one transaction: skip what was committed before, process the rest,
 * record their sequence numbers. A concurrent processor committing the same message (its ack
 * wait expired while this one held it) makes the insert of the sequence number fail: the
 * transaction is rolled back and the retry skips it. */
static int js_batch(sl_processor *p, const sl_landed_batch *b, uint64_t *skipped, sl_err *err)
{
    const char *stream = sl_js_stream_id(p->js);
    batch_ctx bc;
    batch_init(&bc, p, NULL);
    bool *done = sl_xcalloc(b->len, sizeof(*done));
    bool *stale = sl_xcalloc(b->len, sizeof(*stale));
    size_t fresh = 0;
    int rc = sl_store_tx_begin(p->st, &bc.tx, err);
    if (rc == SL_OK) {
        rc = js_done(&bc, stream, b, done, stale, err);
    }
    if (rc == SL_OK) {
        rc = lock_batch_keys(&bc, b, done, err);
    }
    for (size_t i = 0; rc == SL_OK && i < b->len; i++) {
        if (done[i]) {
            continue;
        }
        fresh++;
        rc = process_one(&bc, &b->items[i], err);
        if (rc == SL_OK) {
            sl_sqlv args[] = {SL_SQL_S(stream), SL_SQL_I(b->items[i].seq),
                              SL_SQL_S(b->items[i].xaction_id), SL_SQL_I(bc.now)};
            if (stale[i]) {
                /* A row of another message under this sequence number: a stream re-created
                 * with the same name and creation time. It no longer means anything. */
                rc = sl_store_tx_exec(bc.tx,
                                      "DELETE FROM js_processed WHERE stream = $1 AND seq = $2 "
                                      "AND xaction <> $3",
                                      args, 3, NULL, err);
            }
            /* No ON CONFLICT: another processor committing this very message makes this fail,
             * and the retry skips it. */
            if (rc == SL_OK) {
                rc = sl_store_tx_exec(bc.tx,
                                      "INSERT INTO js_processed (stream, seq, xaction, done_ms) "
                                      "VALUES ($1, $2, $3, $4)",
                                      args, 4, NULL, err);
            }
        }
    }
    if (rc == SL_OK) {
        rc = sl_run_acc_flush(&bc.acc, bc.tx, bc.now, err);
    }
    if (rc == SL_OK) {
        rc = sl_store_tx_commit(bc.tx, err);
    } else if (bc.tx != NULL) {
        sl_store_tx_rollback(bc.tx);
    }
    bc.tx = NULL;
    if (rc == SL_OK) {
        merge_stats(p, &bc, fresh);
        *skipped = b->len - fresh;
    }
    batch_fini(&bc);
    free(done);
    free(stale);
    return rc;
}

/* A flow created on another node reaches this node's catalog a moment after the collect node
 * that took its first events (LISTEN/NOTIFY): events of a flow this node does not know are held
 * back for JS_UNKNOWN_FLOW_MS after their receipt, then counted as orphaned. */
#define JS_UNKNOWN_FLOW_MS 10000
static bool js_flows_known(sl_processor *p, const sl_landed_batch *b)
{
    sl_catalog *cat = sl_catalog_current(p->cat);
    int64_t now = sl_now_ms();
    bool known = true;
    for (size_t i = 0; known && i < b->len; i++) {
        known = sl_catalog_flow(cat, b->items[i].flow_id) != NULL ||
                now - b->items[i].received_ms >= JS_UNKNOWN_FLOW_MS;
    }
    sl_catalog_unref(cat);
    return known;
}

static void js_purge(sl_processor *p, int64_t now)
{
    p->last_purge_ms = now;
    sl_err err;
    sl_err_clear(&err);
    sl_sqlv args[] = {SL_SQL_I(now - p->retention_ms)};
    if (sl_store_exec(p->st, "DELETE FROM js_processed WHERE done_ms < $1", args, 1, NULL, &err) !=
        SL_OK) {
        SL_LOG_WARN("pipeline", "cannot purge js_processed error=\"%s\"", err.msg);
    }
}

static void *processor_js_main(void *arg)
{
    sl_thread_name("sl-processor");
    sl_processor *p = arg;
    sl_err err;
    while (!atomic_load(&p->stop)) {
        sl_err_clear(&err);
        int64_t now = sl_now_ms();
        if (now - p->last_purge_ms >= JS_PURGE_EVERY_MS) {
            js_purge(p, now);
        }
        sl_js_msg *msgs = NULL;
        size_t n = 0;
        if (sl_js_fetch(p->js, BATCH_MAX, JS_FETCH_WAIT_MS, &msgs, &n, &err) != SL_OK) {
            SL_LOG_WARN("pipeline", "nats fetch failed; retrying error=\"%s\"", err.msg);
            sl_sleep_ms(500);
            continue;
        }
        if (n == 0) {
            sl_js_msgs_free(msgs, n);
            continue;
        }
        sl_landed_batch b = {.items = sl_xcalloc(n, sizeof(sl_landed)), .len = n};
        int64_t last = 0;
        for (size_t i = 0; i < n; i++) {
            b.items[i] = (sl_landed){.seq = (int64_t)msgs[i].stream_seq,
                                     .flow_id = msgs[i].flow_id,
                                     .xaction_id = msgs[i].xaction_id,
                                     .received_ms = msgs[i].received_ms,
                                     .body = msgs[i].body,
                                     .status = msgs[i].status,
                                     .detail = msgs[i].detail};
            last = b.items[i].seq > last ? b.items[i].seq : last;
        }
        /* Retry a failed batch (store down, or a concurrent commit of one of its messages)
         * until it commits; when stopping, leave the messages unacknowledged: JetStream
         * redelivers them after the ack wait. */
        int backoff_ms = 0;
        uint64_t skipped = 0;
        int rc = SL_EIO;
        while (!atomic_load(&p->stop)) {
            if (!js_flows_known(p, &b)) {
                sl_sleep_ms(100);
                continue;
            }
            sl_err_clear(&err);
            if ((rc = js_batch(p, &b, &skipped, &err)) == SL_OK) {
                break;
            }
            backoff_ms = backoff_ms == 0 ? 50 : (backoff_ms < 5000 ? backoff_ms * 2 : 5000);
            SL_LOG_WARN("pipeline", "batch failed; retrying retry_in_ms=%d error=\"%s\"",
                        backoff_ms, err.msg);
            sl_sleep_ms(backoff_ms);
        }
        if (rc == SL_OK) {
            sl_err_clear(&err);
            if (sl_js_ack(p->js, msgs, n, &err) != SL_OK) {
                SL_LOG_WARN("pipeline",
                            "nats ack failed; the batch is committed and its redelivery will "
                            "only be acknowledged error=\"%s\"",
                            err.msg);
            }
            pthread_mutex_lock(&p->lock);
            p->stats.cursor = last;
            p->stats.redelivered += skipped;
            pthread_mutex_unlock(&p->lock);
        }
        free(b.items);
        sl_js_msgs_free(msgs, n);
    }
    return NULL;
}

/* ---- the thread -------------------------------------------------------------------------- */

static void *processor_main(void *arg)
{
    sl_thread_name("sl-processor");
    sl_processor *p = arg;
    int64_t cursor = 0;
    sl_err err;
    sl_err_clear(&err);
    if (sl_landing_cursor_get(p->landing, sl_store_cursor_get_any, p->st, &cursor, &err) != SL_OK) {
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
        int rc = SL_OK;
        sl_err_clear(&err);
        int64_t now = sl_now_ms();
        if (p->job == NULL && (atomic_exchange(&p->replay_poke, false) ||
                               now - p->last_replay_poll >= REPLAY_POLL_MS)) {
            p->last_replay_poll = now;
            job_load(p);
        }
        if (p->job != NULL) {
            rc = replay_step(p, cursor, &err);
        }
        int64_t last =
            rc == SL_OK ? sl_landing_wait(p->landing, cursor, p->job != NULL ? 0 : 200) : cursor;
        if (rc == SL_OK && last > cursor) {
            sl_landed_batch b;
            rc = sl_landing_read(p->landing, cursor, BATCH_MAX, &b, &err);
            if (rc == SL_OK && b.len > 0) {
                rc = process_batch(p, &b, &cursor, &err);
            }
            sl_landed_batch_fini(&b);
        }
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

/* Starts `p`'s thread on `run`; frees `p` when it cannot. */
static sl_processor *start_thread(sl_processor *p, void *(*run)(void *), sl_err *err)
{
    atomic_init(&p->stop, false);
    pthread_mutex_init(&p->lock, NULL);
    if (pthread_create(&p->thread, NULL, run, p) != 0) {
        (void)sl_err_set(err, SL_EIO, "cannot start the processor thread");
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    return p;
}

sl_processor *sl_processor_start(sl_store *st, sl_landing *landing, sl_catalog_holder *cat,
                                 sl_err *err)
{
    sl_processor *p = sl_xcalloc(1, sizeof(*p));
    p->st = st;
    p->landing = landing;
    p->cat = cat;
    atomic_init(&p->replay_poke, true);
    return start_thread(p, processor_main, err);
}

sl_processor *sl_processor_start_js(sl_store *st, sl_js *js, sl_catalog_holder *cat,
                                    int64_t retention_ms, sl_err *err)
{
    sl_processor *p = sl_xcalloc(1, sizeof(*p));
    p->st = st;
    p->js = js;
    p->cat = cat;
    p->retention_ms = retention_ms;
    atomic_init(&p->replay_poke, false);
    return start_thread(p, processor_js_main, err);
}

void sl_processor_stop(sl_processor *p)
{
    if (p == NULL) {
        return;
    }
    atomic_store(&p->stop, true);
    pthread_join(p->thread, NULL);
    job_free(p->job);
    pthread_mutex_destroy(&p->lock);
    free(p->flows);
    free(p);
}

void sl_processor_stats_get(sl_processor *p, sl_processor_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->stats;
    pthread_mutex_unlock(&p->lock);
}

void sl_processor_flow_counts(sl_processor *p,
                              void (*fn)(void *ud, const char *flow_id,
                                         const sl_processor_counts *c),
                              void *ud)
{
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->nflows; i++) {
        fn(ud, p->flows[i].flow_id, &p->flows[i].c);
    }
    pthread_mutex_unlock(&p->lock);
}

void sl_processor_poke_replays(sl_processor *p)
{
    if (p != NULL) {
        atomic_store(&p->replay_poke, true);
    }
}
