/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/runs.h"

#include "core/ids.h"
#include "core/mem.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int64_t sl_run_window(int64_t ms)
{
    int64_t w = ms - ms % SL_RUN_WINDOW_MS;
    return ms < 0 && ms % SL_RUN_WINDOW_MS != 0 ? w - SL_RUN_WINDOW_MS : w;
}

void sl_run_id(const char *flow_id, int64_t window_ms, char *out)
{
    char name[128];
    (void)snprintf(name, sizeof(name), "sluice-run:%s:%" PRId64, flow_id, window_ms);
    sl_id_uuid_named(name, out);
}

sl_run_delta *sl_run_acc_get(sl_run_acc *a, const char *flow_id, int64_t window_ms)
{
    for (size_t i = 0; i < a->len; i++) {
        if (a->items[i].window_ms == window_ms && strcmp(a->items[i].flow_id, flow_id) == 0) {
            return &a->items[i];
        }
    }
    if (a->len == a->cap) {
        a->cap = a->cap != 0 ? a->cap * 2 : 8;
        a->items = sl_xrealloc(a->items, a->cap * sizeof(*a->items));
    }
    sl_run_delta *d = &a->items[a->len++];
    memset(d, 0, sizeof(*d));
    (void)snprintf(d->flow_id, sizeof(d->flow_id), "%s", flow_id);
    d->window_ms = window_ms;
    sl_run_id(flow_id, window_ms, d->run_id);
    return d;
}

void sl_run_delta_code(sl_run_delta *d, const char *code, const char *level, const char *message)
{
    for (int i = 0; i < d->ncodes; i++) {
        if (strcmp(d->codes[i].code, code) == 0) {
            d->codes[i].count++;
            return;
        }
    }
    if (d->ncodes == SL_RUN_CODES_MAX) {
        return; /* the codes are a fixed few; more than this many would be a bug */
    }
    sl_run_code *c = &d->codes[d->ncodes++];
    (void)snprintf(c->code, sizeof(c->code), "%s", code);
    (void)snprintf(c->level, sizeof(c->level), "%s", level);
    (void)snprintf(c->message, sizeof(c->message), "%s", message);
    c->count = 1;
}

void sl_run_delta_latency(sl_run_delta *d, int64_t ms)
{
    ms = ms > 0 ? ms : 0;
    if (d->lat_count == 0 || ms < d->lat_min) {
        d->lat_min = ms;
    }
    if (d->lat_count == 0 || ms > d->lat_max) {
        d->lat_max = ms;
    }
    d->lat_sum += ms;
    d->lat_count++;
}

static const char run_upsert[] =
    "INSERT INTO runs(id, flow_id, window_start_ms, received, ingested, warnings, failed, "
    "duplicates, bytes, lat_min_ms, lat_max_ms, lat_sum_ms, lat_count, first_ms, last_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) "
    "ON CONFLICT (id) DO UPDATE SET received = runs.received + excluded.received, "
    "ingested = runs.ingested + excluded.ingested, warnings = runs.warnings + excluded.warnings, "
    "failed = runs.failed + excluded.failed, duplicates = runs.duplicates + excluded.duplicates, "
    "bytes = runs.bytes + excluded.bytes, "
    "lat_min_ms = CASE WHEN excluded.lat_min_ms IS NOT NULL AND (runs.lat_min_ms IS NULL OR "
    "excluded.lat_min_ms < runs.lat_min_ms) THEN excluded.lat_min_ms ELSE runs.lat_min_ms END, "
    "lat_max_ms = CASE WHEN excluded.lat_max_ms IS NOT NULL AND (runs.lat_max_ms IS NULL OR "
    "excluded.lat_max_ms > runs.lat_max_ms) THEN excluded.lat_max_ms ELSE runs.lat_max_ms END, "
    "lat_sum_ms = runs.lat_sum_ms + excluded.lat_sum_ms, "
    "lat_count = runs.lat_count + excluded.lat_count, last_ms = excluded.last_ms";

static const char code_upsert[] =
    "INSERT INTO run_codes(run_id, code, level, message, count) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (run_id, code) DO UPDATE SET count = run_codes.count + excluded.count";

int sl_run_acc_flush(const sl_run_acc *a, sl_store_tx *tx, int64_t now, sl_err *err)
{
    for (size_t i = 0; i < a->len; i++) {
        const sl_run_delta *d = &a->items[i];
        sl_sqlv args[] = {
            SL_SQL_S(d->run_id),
            SL_SQL_S(d->flow_id),
            SL_SQL_I(d->window_ms),
            SL_SQL_I(d->received),
            SL_SQL_I(d->ingested),
            SL_SQL_I(d->warnings),
            SL_SQL_I(d->failed),
            SL_SQL_I(d->duplicates),
            SL_SQL_I(d->bytes),
            d->lat_count > 0 ? SL_SQL_I(d->lat_min) : SL_SQL_S(NULL),
            d->lat_count > 0 ? SL_SQL_I(d->lat_max) : SL_SQL_S(NULL),
            SL_SQL_I(d->lat_sum),
            SL_SQL_I(d->lat_count),
            SL_SQL_I(now),
        };
        int rc = sl_store_tx_exec(tx, run_upsert, args, (int)(sizeof(args) / sizeof(args[0])), NULL,
                                  err);
        for (int c = 0; rc == SL_OK && c < d->ncodes; c++) {
            sl_sqlv cargs[] = {SL_SQL_S(d->run_id), SL_SQL_S(d->codes[c].code),
                               SL_SQL_S(d->codes[c].level), SL_SQL_S(d->codes[c].message),
                               SL_SQL_I(d->codes[c].count)};
            rc = sl_store_tx_exec(tx, code_upsert, cargs, 5, NULL, err);
        }
        if (rc != SL_OK) {
            return rc;
        }
    }
    return SL_OK;
}

void sl_run_acc_clear(sl_run_acc *a)
{
    a->len = 0;
}

void sl_run_acc_fini(sl_run_acc *a)
{
    free(a->items);
    memset(a, 0, sizeof(*a));
}

int sl_run_reset(sl_store_tx *tx, const char *run_id, sl_err *err)
{
    sl_sqlv args[] = {SL_SQL_S(run_id)};
    int rc = sl_store_tx_exec(tx,
                              "UPDATE runs SET received = 0, ingested = 0, warnings = 0, "
                              "failed = 0, duplicates = 0, bytes = 0 WHERE id = $1",
                              args, 1, NULL, err);
    if (rc == SL_OK) {
        rc = sl_store_tx_exec(tx, "DELETE FROM run_codes WHERE run_id = $1", args, 1, NULL, err);
    }
    if (rc == SL_OK) {
        rc = sl_store_tx_exec(tx, "DELETE FROM diagnostics WHERE run_id = $1", args, 1, NULL, err);
    }
    return rc;
}

const char *sl_run_status(int64_t window_ms, int64_t now, int64_t oldest_waiting_ms,
                          int64_t received, int64_t failed, double partial_percent)
{
    int64_t end = window_ms + SL_RUN_WINDOW_MS;
    if (now < end || (oldest_waiting_ms != 0 && oldest_waiting_ms < end)) {
        return "inProgress";
    }
    if (failed > 0 && (partial_percent < 0 || received <= 0 ||
                       (double)failed * 100.0 / (double)received > partial_percent)) {
        return "failed";
    }
    return "success";
}

const char *sl_run_ui_status(const char *status, int64_t failed, int64_t warnings)
{
    if (strcmp(status, "inProgress") == 0) {
        return "Processing";
    }
    if (strcmp(status, "failed") == 0) {
        return "Error";
    }
    return failed > 0 || warnings > 0 ? "Completed" : "Success";
}

static int64_t row_int(json_object *row, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(row, key, &v) && v != NULL ? json_object_get_int64(v) : 0;
}

static const char *row_str(json_object *row, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(row, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static json_object *nullable_int(json_object *row, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(row, key, &v) && v != NULL
               ? json_object_new_int64(json_object_get_int64(v))
               : NULL;
}

json_object *sl_run_object(json_object *row, json_object *codes, const char *status)
{
    const char *id = row_str(row, "id");
    const char *flow = row_str(row, "flow_id");
    int64_t start = row_int(row, "window_start_ms");
    int64_t end = start + SL_RUN_WINDOW_MS;
    int64_t received = row_int(row, "received");
    int64_t ingested = row_int(row, "ingested");
    int64_t failed = row_int(row, "failed");
    int64_t warnings = row_int(row, "warnings");
    int64_t dups = row_int(row, "duplicates");
    int64_t lat_count = row_int(row, "lat_count");
    bool done = strcmp(status, "inProgress") != 0;

    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(id != NULL ? id : ""));
    json_object_object_add(o, "flowId", json_object_new_string(flow != NULL ? flow : ""));
    json_object *spec = json_object_new_object();
    json_object_object_add(spec, "id",
                           json_object_new_string("e77fde5a-22a8-11ed-861d-0242ac120002"));
    json_object_object_add(spec, "version", json_object_new_string("1.0"));
    json_object_object_add(o, "flowSpec", spec);
    json_object_object_add(o, "createdAt", json_object_new_int64(row_int(row, "first_ms")));
    json_object_object_add(o, "updatedAt", json_object_new_int64(row_int(row, "last_ms")));
    json_object_object_add(o, "createdBy", json_object_new_string("sluice"));
    json_object_object_add(o, "sandboxName", json_object_new_string("prod"));
    json_object_object_add(o, "imsOrgId", json_object_new_string("sluice"));
    char etag[64];
    (void)snprintf(etag, sizeof(etag), "\"%" PRId64 "-%" PRId64 "\"", row_int(row, "last_ms"),
                   received);
    json_object_object_add(o, "etag", json_object_new_string(etag));

    json_object *m = json_object_new_object();
    json_object *dur = json_object_new_object();
    json_object_object_add(dur, "startedAtUTC", json_object_new_int64(start));
    json_object_object_add(dur, "completedAtUTC", done ? json_object_new_int64(end) : NULL);
    json_object *ext = json_object_new_object();
    json_object_object_add(ext, "windowStart", json_object_new_int64(start));
    json_object_object_add(ext, "windowEnd", json_object_new_int64(end));
    json_object_object_add(dur, "extensions", ext);
    json_object_object_add(m, "durationSummary", dur);

    json_object *lat = json_object_new_object();
    json_object_object_add(lat, "minMs", nullable_int(row, "lat_min_ms"));
    json_object_object_add(lat, "maxMs", nullable_int(row, "lat_max_ms"));
    json_object_object_add(
        lat, "avgMs",
        lat_count > 0
            ? json_object_new_double((double)row_int(row, "lat_sum_ms") / (double)lat_count)
            : NULL);
    json_object_object_add(m, "latencySummary", lat);

    json_object *size = json_object_new_object();
    json_object_object_add(size, "inputBytes", json_object_new_int64(row_int(row, "bytes")));
    json_object_object_add(m, "sizeSummary", size);

    json_object *rs = json_object_new_object();
    json_object_object_add(rs, "inputRecordCount", json_object_new_int64(received));
    json_object_object_add(rs, "outputRecordCount", json_object_new_int64(ingested));
    json_object_object_add(rs, "createdRecordCount", json_object_new_int64(ingested));
    json_object_object_add(rs, "skippedRecordCount", json_object_new_int64(dups));
    json_object_object_add(rs, "duplicateRecordCount", json_object_new_int64(dups));
    json_object_object_add(rs, "failedRecordCount", json_object_new_int64(failed));
    json_object_object_add(rs, "warningRecordCount", json_object_new_int64(warnings));
    json_object_object_add(rs, "ingestionRate",
                           received > 0 ? json_object_new_double((double)(received - failed) *
                                                                 100.0 / (double)received)
                                        : NULL);
    json_object *failed_info = json_object_new_array();
    json_object *warning_info = json_object_new_array();
    json_object *errors = json_object_new_array();
    size_t nc = codes != NULL ? json_object_array_length(codes) : 0;
    for (size_t i = 0; i < nc; i++) {
        json_object *c = json_object_array_get_idx(codes, i);
        const char *level = row_str(c, "level");
        json_object *e = json_object_new_object();
        json_object_object_add(e, "code", json_object_new_string(row_str(c, "code")));
        json_object_object_add(e, "message", json_object_new_string(row_str(c, "message")));
        json_object_object_add(e, "recordCount", json_object_new_int64(row_int(c, "count")));
        bool is_error = level != NULL && strcmp(level, "error") == 0;
        if (is_error && strcmp(status, "failed") == 0) {
            json_object *se = json_object_new_object();
            json_object_object_add(se, "code", json_object_new_string(row_str(c, "code")));
            json_object_object_add(se, "message", json_object_new_string(row_str(c, "message")));
            json_object_array_add(errors, se);
        }
        json_object_array_add(is_error ? failed_info : warning_info, e);
    }
    json_object_object_add(rs, "failedInfo", failed_info);
    json_object_object_add(rs, "warningInfo", warning_info);
    json_object_object_add(m, "recordSummary", rs);

    json_object *st = json_object_new_object();
    json_object_object_add(st, "status", json_object_new_string(status));
    json_object_object_add(st, "errors", errors);
    json_object *sext = json_object_new_object();
    json_object_object_add(sext, "uiStatus",
                           json_object_new_string(sl_run_ui_status(status, failed, warnings)));
    json_object_object_add(st, "extensions", sext);
    json_object_object_add(m, "statusSummary", st);
    json_object_object_add(o, "metrics", m);
    json_object_object_add(o, "activities", json_object_new_array());
    return o;
}

int sl_runs_load(sl_store *st, const char *where, const sl_sqlv *args, int nargs, int limit,
                 int64_t now, int64_t (*landing_oldest)(void *ud, const char *flow_id),
                 double (*partial_of)(void *ud, const char *flow_id), void *ud, json_object **out,
                 sl_err *err)
{
    char sql[512];
    char lim[32] = "";
    if (limit > 0) {
        (void)snprintf(lim, sizeof(lim), " LIMIT %d", limit);
    }
    (void)snprintf(sql, sizeof(sql),
                   "SELECT * FROM runs WHERE %s ORDER BY window_start_ms DESC, flow_id%s", where,
                   lim);
    json_object *rows = NULL;
    int rc = sl_store_query(st, sql, args, nargs, &rows, err);
    if (rc != SL_OK) {
        return rc;
    }
    json_object *res = json_object_new_array();
    size_t n = json_object_array_length(rows);
    for (size_t i = 0; rc == SL_OK && i < n; i++) {
        json_object *row = json_object_array_get_idx(rows, i);
        const char *flow = row_str(row, "flow_id");
        json_object *codes = NULL;
        sl_sqlv cargs[] = {SL_SQL_S(row_str(row, "id"))};
        rc = sl_store_query(st,
                            "SELECT code, level, message, count FROM run_codes WHERE run_id = $1 "
                            "ORDER BY count DESC, code",
                            cargs, 1, &codes, err);
        if (rc != SL_OK) {
            break;
        }
        const char *status = sl_run_status(row_int(row, "window_start_ms"), now,
                                           landing_oldest != NULL ? landing_oldest(ud, flow) : 0,
                                           row_int(row, "received"), row_int(row, "failed"),
                                           partial_of != NULL ? partial_of(ud, flow) : -1);
        json_object_array_add(res, sl_run_object(row, codes, status));
        json_object_put(codes);
    }
    json_object_put(rows);
    if (rc != SL_OK) {
        json_object_put(res);
        return rc;
    }
    *out = res;
    return SL_OK;
}
