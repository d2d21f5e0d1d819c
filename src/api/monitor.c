/* SPDX-License-Identifier: Apache-2.0 */
/* api/monitor.c: runs (Flow Service /runs), error diagnostics, replays, alert subscriptions
 * and alerts. Runs are read from the `runs` table the processor fills; status is derived on
 * read (pipeline/runs.h). */
#include "alerts/alerts.h"
#include "alerts/notifier.h"
#include "api/api_int.h"
#include "api/list.h"
#include "api/resource.h"
#include "core/clock.h"
#include "core/ids.h"
#include "pipeline/diag.h"
#include "pipeline/runs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERRORS_DEFAULT_LIMIT 100
#define ERRORS_MAX_LIMIT     1000
#define RUNS_MAX             10000

/* ---- runs ---------------------------------------------------------------------------- */

static int64_t oldest_waiting(void *ud, const char *flow_id)
{
    sl_app *app = ud;
    int64_t cursor = 0;
    int64_t count = 0;
    int64_t oldest = 0;
    sl_err err;
    sl_err_clear(&err);
    if (app->js != NULL) {
        return sl_js_backlog(app->js, flow_id, &count, &oldest, &err) == SL_OK ? oldest : 0;
    }
    if (app->landing == NULL) {
        return 0;
    }
    if (sl_landing_cursor_get(app->landing, sl_store_cursor_get_any, app->store, &cursor, &err) !=
            SL_OK ||
        sl_landing_backlog(app->landing, cursor, flow_id, &count, &oldest, &err) != SL_OK) {
        return 0;
    }
    return oldest;
}

static double partial_of(void *ud, const char *flow_id)
{
    sl_app *app = ud;
    sl_catalog *cat = sl_catalog_current(app->catalog);
    const sl_flow_rt *f = sl_catalog_flow(cat, flow_id);
    double v = f != NULL ? f->partial_percent : -1;
    sl_catalog_unref(cat);
    return v;
}

/* AEP spells statuses in several cases ("Failed", "inprogress"); the stored value is one. */
static void canonical_status_filter(const char *in, char *out, size_t cap)
{
    (void)snprintf(out, cap, "%s", in);
    char *eq = strstr(out, "statusSummary.status");
    if (eq == NULL) {
        return;
    }
    char *v = strpbrk(eq, "=!<>");
    while (v != NULL && (*v == '=' || *v == '!' || *v == '<' || *v == '>')) {
        v++;
    }
    if (v == NULL) {
        return;
    }
    /* Each comma-separated value. */
    char rebuilt[512];
    size_t n = (size_t)(v - out);
    memcpy(rebuilt, out, n);
    rebuilt[n] = '\0';
    char *save = NULL;
    bool first = true;
    for (char *tok = strtok_r(v, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        const char *canon = strcasecmp(tok, "inprogress") == 0 ? "inProgress"
                            : strcasecmp(tok, "success") == 0  ? "success"
                            : strcasecmp(tok, "failed") == 0   ? "failed"
                                                               : tok;
        size_t len = strlen(rebuilt);
        (void)snprintf(rebuilt + len, sizeof(rebuilt) - len, "%s%s", first ? "" : ",", canon);
        first = false;
    }
    (void)snprintf(out, cap, "%s", rebuilt);
}

void sl__api_runs_list(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *props[SL_LIST_MAX_FILTERS];
    size_t nprop = sl_http_query_values(req, "property", props, SL_LIST_MAX_FILTERS);
    /* flowId==X (one value) is the common filter: let SQL do it. */
    const char *flow = NULL;
    for (size_t i = 0; i < nprop; i++) {
        if (strncmp(props[i], "flowId==", 8) == 0 && strchr(props[i] + 8, ',') == NULL) {
            flow = props[i] + 8;
        }
    }
    json_object *runs = NULL;
    sl_err err;
    sl_err_clear(&err);
    sl_sqlv args[] = {SL_SQL_S(flow)};
    int rc = sl_runs_load(app->store, flow != NULL ? "flow_id = $1" : "1 = 1", args,
                          flow != NULL ? 1 : 0, RUNS_MAX, sl_now_ms(), oldest_waiting, partial_of,
                          app, &runs, &err);
    if (rc != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    char canon[SL_LIST_MAX_FILTERS][512];
    const char *cprops[SL_LIST_MAX_FILTERS];
    for (size_t i = 0; i < nprop; i++) {
        canonical_status_filter(props[i], canon[i], sizeof(canon[i]));
        cprops[i] = canon[i];
    }
    sl_resource_reply_list(req, runs, SL_LIST_ITEMS, cprops, nprop);
    json_object_put(runs);
}

void sl__api_runs_get(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *id = sl_http_param(req, "id");
    json_object *runs = NULL;
    sl_err err;
    sl_err_clear(&err);
    sl_sqlv args[] = {SL_SQL_S(id)};
    if (sl_runs_load(app->store, "id = $1", args, 1, 1, sl_now_ms(), oldest_waiting, partial_of,
                     app, &runs, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    if (json_object_array_length(runs) == 0) {
        json_object_put(runs);
        sl_http_reply_problem(req, 404, NULL, "no run with id '%.80s'", id);
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", runs);
    sl_http_reply_json(req, 200, o);
}

/* ---- error diagnostics --------------------------------------------------------------- */

static int parse_limit(sl_http_req *req, int def, int max)
{
    const char *s = sl_http_query(req, "limit");
    if (s == NULL) {
        return def;
    }
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 1 || v > max) {
        return -1;
    }
    return (int)v;
}

/* Run `sql` and answer {"items": [view(row)...]}. */
static void reply_items(sl_http_req *req, sl_app *app, const char *sql, const sl_sqlv *args,
                        int nargs, json_object *(*view)(json_object *row))
{
    json_object *rows = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_query(app->store, sql, args, nargs, &rows, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    json_object *items = json_object_new_array();
    size_t m = json_object_array_length(rows);
    for (size_t i = 0; i < m; i++) {
        json_object_array_add(items, view(json_object_array_get_idx(rows, i)));
    }
    json_object_put(rows);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    sl_http_reply_json(req, 200, o);
}

static json_object *diag_item(json_object *row)
{
    static const struct {
        const char *col, *key;
    } cols[] = {{"code", "code"},       {"message", "message"},
                {"pointer", "pointer"}, {"received_ms", "receivedTimeMs"},
                {"raw", "raw"},         {"level", "level"},
                {"run_id", "runId"},    {"flow_id", "flowId"},
                {"seq", "seq"},         {"created_ms", "createdTimeMs"}};
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
        json_object *v = NULL;
        (void)json_object_object_get_ex(row, cols[i].col, &v);
        json_object_object_add(o, cols[i].key, json_object_get(v));
    }
    return o;
}

static void reply_diagnostics(sl_http_req *req, sl_app *app, const char *flow_id,
                              const char *run_id)
{
    int limit = parse_limit(req, ERRORS_DEFAULT_LIMIT, ERRORS_MAX_LIMIT);
    if (limit < 0) {
        sl_http_reply_problem(req, 400, "Invalid limit", "limit must be an integer from 1 to %d",
                              ERRORS_MAX_LIMIT);
        return;
    }
    const char *since_s = sl_http_query(req, "since");
    int64_t since = 0;
    if (since_s != NULL && !sl_parse_time(since_s, &since)) {
        sl_http_reply_problem(req, 400, "Invalid since",
                              "since '%.60s' is neither epoch milliseconds nor ISO-8601", since_s);
        return;
    }
    const char *until_s = sl_http_query(req, "until");
    int64_t until = 0;
    if (until_s != NULL && !sl_parse_time(until_s, &until)) {
        sl_http_reply_problem(req, 400, "Invalid until",
                              "until '%.60s' is neither epoch milliseconds nor ISO-8601", until_s);
        return;
    }
    const char *level = sl_http_query(req, "level");
    if (level != NULL && strcmp(level, "error") != 0 && strcmp(level, "warning") != 0) {
        sl_http_reply_problem(req, 400, "Invalid level", "level must be 'error' or 'warning'");
        return;
    }
    char sql[512];
    sl_sqlv args[6];
    int n = 0;
    size_t len = (size_t)snprintf(sql, sizeof(sql), "SELECT * FROM diagnostics WHERE 1 = 1");
    if (flow_id != NULL) {
        args[n++] = SL_SQL_S(flow_id);
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND flow_id = $%d", n);
    }
    if (run_id != NULL) {
        args[n++] = SL_SQL_S(run_id);
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND run_id = $%d", n);
    }
    if (since_s != NULL) {
        args[n++] = SL_SQL_I(since);
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND received_ms >= $%d", n);
    }
    if (until_s != NULL) {
        args[n++] = SL_SQL_I(until);
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND received_ms <= $%d", n);
    }
    if (level != NULL) {
        args[n++] = SL_SQL_S(level);
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND level = $%d", n);
    }
    args[n++] = SL_SQL_I(limit);
    (void)snprintf(sql + len, sizeof(sql) - len, " ORDER BY id DESC LIMIT $%d", n);
    reply_items(req, app, sql, args, n, diag_item);
}

static bool flow_exists(sl_http_req *req, sl_app *app, const char *id)
{
    json_object *doc = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_get(app->store, "flow", id, &doc, NULL, NULL, &err) != SL_OK) {
        if (err.code == SL_ENOTFOUND) {
            sl_http_reply_problem(req, 404, NULL, "no dataflow with id '%.80s'", id);
        } else {
            sl_http_reply_err(req, &err);
        }
        return false;
    }
    json_object_put(doc);
    return true;
}

static bool run_exists(sl_http_req *req, sl_app *app, const char *id)
{
    json_object *rows = NULL;
    sl_err err;
    sl_err_clear(&err);
    sl_sqlv args[] = {SL_SQL_S(id)};
    if (sl_store_query(app->store, "SELECT id FROM runs WHERE id = $1", args, 1, &rows, &err) !=
        SL_OK) {
        sl_http_reply_err(req, &err);
        return false;
    }
    bool found = json_object_array_length(rows) > 0;
    json_object_put(rows);
    if (!found) {
        sl_http_reply_problem(req, 404, NULL, "no run with id '%.80s'", id);
    }
    return found;
}

void sl__api_flow_errors(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *id = sl_http_param(req, "id");
    if (!flow_exists(req, app, id)) {
        return;
    }
    reply_diagnostics(req, app, id, sl_http_query(req, "runId"));
}

void sl__api_run_errors(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *id = sl_http_param(req, "id");
    if (!run_exists(req, app, id)) {
        return;
    }
    reply_diagnostics(req, app, NULL, id);
}

/* AEP's Data Access shape for a run's failed records: GET /export/batches/{runId}/failed. */
void sl__api_batch_failed(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *id = sl_http_param(req, "id");
    if (!run_exists(req, app, id)) {
        return;
    }
    json_object *rows = NULL;
    sl_err err;
    sl_err_clear(&err);
    sl_sqlv args[] = {SL_SQL_S(id)};
    if (sl_store_query(app->store,
                       "SELECT code, message, pointer, raw FROM diagnostics WHERE run_id = $1 "
                       "AND level = 'error' ORDER BY id LIMIT 1000",
                       args, 1, &rows, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    json_object *data = json_object_new_array();
    size_t n = json_object_array_length(rows);
    for (size_t i = 0; i < n; i++) {
        json_object *row = json_object_array_get_idx(rows, i);
        json_object *code = NULL, *msg = NULL, *ptr = NULL, *raw = NULL;
        (void)json_object_object_get_ex(row, "code", &code);
        (void)json_object_object_get_ex(row, "message", &msg);
        (void)json_object_object_get_ex(row, "pointer", &ptr);
        (void)json_object_object_get_ex(row, "raw", &raw);
        json_object *rec = json_object_new_object();
        json_object *errs = json_object_new_array();
        json_object *e = json_object_new_object();
        json_object_object_add(e, "code", json_object_get(code));
        json_object_object_add(e, "message", json_object_get(msg));
        json_object_array_add(errs, e);
        json_object_object_add(rec, "_errors", errs);
        if (strcmp(json_object_get_string(code), SL_CODE_UNPARSABLE) == 0) {
            json_object_object_add(rec, "_corrupt_record", json_object_get(raw));
        } else {
            json_object *ve = json_object_new_array();
            json_object *v = json_object_new_object();
            json_object_object_add(v, "message", json_object_get(msg));
            json_object_object_add(v, "pointerToViolation",
                                   ptr != NULL ? json_object_get(ptr)
                                               : json_object_new_string("#"));
            json_object_object_add(v, "causingExceptions", json_object_new_array());
            json_object_array_add(ve, v);
            json_object_object_add(rec, "_validationErrors", ve);
            json_object_object_add(rec, "_raw", json_object_get(raw));
        }
        json_object_array_add(data, rec);
    }
    json_object_put(rows);
    json_object *o = json_object_new_object();
    json_object *pg = json_object_new_object();
    json_object_object_add(pg, "count", json_object_new_int64((int64_t)n));
    json_object_object_add(pg, "limit", json_object_new_int(1000));
    json_object_object_add(o, "data", data);
    json_object_object_add(o, "_page", pg);
    sl_http_reply_json(req, 200, o);
}

/* ---- replays ------------------------------------------------------------------------- */

static json_object *replay_view(json_object *doc)
{
    json_object *v = NULL;
    (void)json_object_deep_copy(doc, &v, NULL);
    return v;
}

void sl__api_flow_replay(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *flow_id = sl_http_param(req, "id");
    const char *from_s = sl_http_query(req, "from");
    const char *to_s = sl_http_query(req, "to");
    const char *run_id = sl_http_query(req, "runId");
    int64_t now = sl_now_ms();
    int64_t from = 0;
    int64_t to = now;
    if (!flow_exists(req, app, flow_id)) {
        return;
    }
    if (app->js != NULL) {
        sl_http_reply_problem(req, 501, "Replay not available in cluster mode",
                              "replay re-reads the local landing log; with --nats the landed "
                              "events are in JetStream, which sluice does not replay from yet");
        return;
    }
    if (run_id != NULL) {
        json_object *rows = NULL;
        sl_err err;
        sl_err_clear(&err);
        sl_sqlv args[] = {SL_SQL_S(run_id), SL_SQL_S(flow_id)};
        if (sl_store_query(app->store,
                           "SELECT window_start_ms FROM runs WHERE id = $1 AND flow_id = $2", args,
                           2, &rows, &err) != SL_OK) {
            sl_http_reply_err(req, &err);
            return;
        }
        if (json_object_array_length(rows) == 0) {
            json_object_put(rows);
            sl_http_reply_problem(req, 404, NULL, "dataflow %s has no run '%.80s'", flow_id,
                                  run_id);
            return;
        }
        json_object *w = NULL;
        (void)json_object_object_get_ex(json_object_array_get_idx(rows, 0), "window_start_ms", &w);
        from = json_object_get_int64(w);
        to = from + SL_RUN_WINDOW_MS;
        json_object_put(rows);
    } else {
        if (from_s == NULL) {
            sl_http_reply_problem(req, 400, "Missing from",
                                  "give ?from=TIME (ISO-8601 or epoch ms) or ?runId=RUN");
            return;
        }
        if (!sl_parse_time(from_s, &from)) {
            sl_http_reply_problem(req, 400, "Invalid from",
                                  "from '%.60s' is neither epoch milliseconds nor ISO-8601",
                                  from_s);
            return;
        }
        if (to_s != NULL && !sl_parse_time(to_s, &to)) {
            sl_http_reply_problem(req, 400, "Invalid to",
                                  "to '%.60s' is neither epoch milliseconds nor ISO-8601", to_s);
            return;
        }
    }
    if (to > now) {
        to = now;
    }
    if (from >= to) {
        sl_http_reply_problem(req, 400, "Empty range", "from must be before to (and before now)");
        return;
    }
    int64_t oldest = now - (int64_t)app->cfg->landing_retention_days * 86400000LL;
    if (sl_run_window(from) < oldest) {
        char iso[40];
        sl_iso8601_ms(oldest, iso, sizeof(iso));
        sl_http_reply_problem(req, 400, "Out of retention",
                              "events received before %s are no longer in the landing log "
                              "(landing.retention_days is %lld); replay whole hours from then on",
                              iso, (long long)app->cfg->landing_retention_days);
        return;
    }
    /* Whole run windows, so that each run's counts stay exact. */
    int64_t wfrom = sl_run_window(from);
    int64_t wto = sl_run_window(to - 1) + SL_RUN_WINDOW_MS;
    char id[SL_UUID_LEN + 1];
    sl_id_uuid(id);
    char iso_from[40], iso_to[40];
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "id", json_object_new_string(id));
    json_object_object_add(doc, "flowId", json_object_new_string(flow_id));
    json_object_object_add(doc, "from", json_object_new_string(sl_iso8601_ms(wfrom, iso_from, 40)));
    json_object_object_add(doc, "to", json_object_new_string(sl_iso8601_ms(wto, iso_to, 40)));
    json_object_object_add(doc, "fromMs", json_object_new_int64(wfrom));
    json_object_object_add(doc, "toMs", json_object_new_int64(wto));
    json_object_object_add(doc, "status", json_object_new_string("queued"));
    json_object_object_add(doc, "createdAt", json_object_new_int64(now));
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_store_doc_put(app->store, "replay", id, doc, NULL, &err);
    if (rc != SL_OK) {
        json_object_put(doc);
        sl_http_reply_err(req, &err);
        return;
    }
    sl_processor_poke_replays(app->processor);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "replayId", json_object_new_string(id));
    json_object_object_add(o, "status", json_object_new_string("queued"));
    json_object_object_add(o, "from", json_object_new_string(iso_from));
    json_object_object_add(o, "to", json_object_new_string(iso_to));
    json_object_put(doc);
    char loc[256];
    (void)snprintf(loc, sizeof(loc), "/data/foundation/flowservice/flows/%s/replays/%s", flow_id,
                   id);
    sl_http_add_header(req, "Location", loc);
    sl_http_reply_json(req, 202, o);
}

void sl__api_flow_replays_list(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *flow_id = sl_http_param(req, "id");
    if (!flow_exists(req, app, flow_id)) {
        return;
    }
    json_object *list = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_list(app->store, "replay", &list, &err) != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    json_object *items = json_object_new_array();
    size_t n = json_object_array_length(list);
    for (size_t i = n; i-- > 0;) {
        json_object *doc = NULL, *f = NULL;
        (void)json_object_object_get_ex(json_object_array_get_idx(list, i), "doc", &doc);
        if (json_object_object_get_ex(doc, "flowId", &f) &&
            strcmp(json_object_get_string(f), flow_id) == 0) {
            json_object_array_add(items, replay_view(doc));
        }
    }
    json_object_put(list);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    sl_http_reply_json(req, 200, o);
}

void sl__api_flow_replay_get(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *flow_id = sl_http_param(req, "id");
    const char *id = sl_http_param(req, "replayId");
    json_object *doc = NULL, *f = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_get(app->store, "replay", id, &doc, NULL, NULL, &err) != SL_OK ||
        !json_object_object_get_ex(doc, "flowId", &f) ||
        strcmp(json_object_get_string(f), flow_id) != 0) {
        json_object_put(doc);
        if (err.code != SL_OK && err.code != SL_ENOTFOUND) {
            sl_http_reply_err(req, &err);
        } else {
            sl_http_reply_problem(req, 404, NULL, "dataflow %.40s has no replay '%.80s'", flow_id,
                                  id);
        }
        return;
    }
    sl_http_reply_json(req, 200, replay_view(doc));
    json_object_put(doc);
}

/* ---- alert subscriptions ------------------------------------------------------------- */

static json_object *sub_view(const sl_app *app, const char *id, json_object *doc, const char *etag,
                             const int64_t times[2])
{
    (void)id;
    json_object *v = NULL;
    (void)json_object_deep_copy(doc, &v, NULL);
    char *secret = NULL;
    sl_err err;
    sl_err_clear(&err);
    bool has = sl_store_secret_get(app->store, id, "secret", &secret, &err) == SL_OK;
    free(secret);
    json_object_object_add(v, "secretSet", json_object_new_boolean(has));
    json_object_object_add(v, "etag", json_object_new_string(etag != NULL ? etag : ""));
    json_object_object_add(v, "createdAt", json_object_new_int64(times[0]));
    json_object_object_add(v, "updatedAt", json_object_new_int64(times[1]));
    return v;
}

/* Validate a subscription document (create body or patched document) in place. */
static int sub_validate(sl_store *st, json_object *doc, sl_err *err)
{
    const char *flow = sl__api_req_str(doc, "/flowId", err);
    const char *url = flow != NULL ? sl__api_req_str(doc, "/url", err) : NULL;
    if (url == NULL) {
        return err->code;
    }
    json_object *fdoc = NULL;
    if (sl_store_doc_get(st, "flow", flow, &fdoc, NULL, NULL, err) != SL_OK) {
        return err->code == SL_ENOTFOUND
                   ? sl_err_set(err, SL_EINVAL, "'flowId' %s names no dataflow", flow)
                   : err->code;
    }
    json_object_put(fdoc);
    if (sl_notifier_check_url(url, err) != SL_OK) {
        char msg[sizeof(err->msg)];
        (void)snprintf(msg, sizeof(msg), "%s", err->msg);
        return sl_err_set(err, SL_EINVAL, "'url': %s", msg);
    }
    json_object *v = NULL;
    if (json_object_object_get_ex(doc, "enabled", &v) &&
        !json_object_is_type(v, json_type_boolean)) {
        return sl_err_set(err, SL_EINVAL, "'enabled' must be true or false");
    }
    if (v == NULL) {
        json_object_object_add(doc, "enabled", json_object_new_boolean(1));
    }
    bool bad = false;
    (void)sl__api_opt_str(doc, "/name", &bad, err);
    if (bad) {
        return err->code;
    }
    if (json_object_object_get_ex(doc, "secret", &v) && v != NULL &&
        (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) < 16 ||
         json_object_get_string_len(v) > 256)) {
        return sl_err_set(err, SL_EINVAL, "'secret' must be a string of 16 to 256 characters");
    }
    return sl_alert_rules_normalise(doc, err);
}

static int sub_create(sl_store *st, json_object *body, char *id_out, sl_err *err)
{
    if (sub_validate(st, body, err) != SL_OK) {
        return err->code;
    }
    char id[SL_UUID_LEN + 1];
    sl_id_uuid(id);
    json_object *doc = NULL;
    (void)json_object_deep_copy(body, &doc, NULL);
    json_object_object_add(doc, "id", json_object_new_string(id));
    json_object *secret = NULL;
    int rc = SL_OK;
    if (json_object_object_get_ex(doc, "secret", &secret) && secret != NULL) {
        rc = sl_store_secret_put(st, id, "secret", json_object_get_string(secret), err);
    }
    json_object_object_del(doc, "secret");
    if (rc == SL_OK) {
        rc = sl_store_doc_put(st, "alertSubscription", id, doc, NULL, err);
    }
    json_object_put(doc);
    if (rc == SL_OK) {
        (void)snprintf(id_out, SL_UUID_LEN + 1, "%s", id);
    }
    return rc;
}

static int sub_check(sl_app *app, const char *id, json_object *old, json_object *next, sl_err *err)
{
    json_object *a = NULL, *b = NULL;
    (void)json_object_object_get_ex(old, "id", &a);
    if (!json_object_object_get_ex(next, "id", &b) || !json_object_equal(a, b)) {
        return sl_err_set(err, SL_EINVAL, "'id' cannot change");
    }
    json_object_object_del(next, "secretSet");
    json_object_object_del(next, "etag");
    json_object_object_del(next, "createdAt");
    json_object_object_del(next, "updatedAt");
    if (sub_validate(app->store, next, err) != SL_OK) {
        return err->code;
    }
    json_object *secret = NULL;
    int rc = SL_OK;
    if (json_object_object_get_ex(next, "secret", &secret)) {
        rc = sl_store_secret_put(app->store, id, "secret",
                                 secret != NULL ? json_object_get_string(secret) : NULL, err);
        json_object_object_del(next, "secret");
    }
    return rc;
}

static void sub_after_delete(sl_app *app, const char *id)
{
    sl_err err;
    sl_err_clear(&err);
    (void)sl_store_secret_put(app->store, id, "secret", NULL, &err);
}

static const sl_resource sub_res = {
    .kind = "alertSubscription",
    .param = "id",
    .noun = "alert subscription",
    .view = sub_view,
    .create = sub_create,
    .check = sub_check,
    .after_delete = sub_after_delete,
    .list_style = SL_LIST_ITEMS,
};

void sl__api_alert_subs_list(sl_http_req *req, void *ud)
{
    sl_resource_list(req, ud, &sub_res);
}

void sl__api_alert_subs_create(sl_http_req *req, void *ud)
{
    sl_resource_create(req, ud, &sub_res);
}

void sl__api_alert_subs_get(sl_http_req *req, void *ud)
{
    sl_resource_get(req, ud, &sub_res);
}

void sl__api_alert_subs_patch(sl_http_req *req, void *ud)
{
    sl_resource_patch(req, ud, &sub_res, false, true);
}

void sl__api_alert_subs_delete(sl_http_req *req, void *ud)
{
    sl_resource_delete(req, ud, &sub_res);
}

/* ---- alerts -------------------------------------------------------------------------- */

static json_object *alert_item(json_object *row)
{
    json_object *doc = NULL;
    (void)json_object_object_get_ex(row, "doc", &doc);
    json_object *o = json_tokener_parse(doc != NULL ? json_object_get_string(doc) : "{}");
    if (o == NULL) {
        o = json_object_new_object();
    }
    static const struct {
        const char *col, *key;
    } cols[] = {{"id", "id"},          {"subscription_id", "subscriptionId"},
                {"flow_id", "flowId"}, {"rule", "rule"},
                {"status", "status"},  {"updated_ms", "updatedAtMs"},
                {"run_id", "runId"}};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
        json_object *v = NULL;
        (void)json_object_object_get_ex(row, cols[i].col, &v);
        json_object_object_add(o, cols[i].key, json_object_get(v));
    }
    return o;
}

void sl__api_alerts_list(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    int limit = parse_limit(req, 100, 1000);
    if (limit < 0) {
        sl_http_reply_problem(req, 400, "Invalid limit", "limit must be an integer from 1 to 1000");
        return;
    }
    const char *flow = sl_http_query(req, "flowId");
    const char *status = sl_http_query(req, "status");
    char sql[256];
    sl_sqlv args[3];
    int n = 0;
    size_t len = (size_t)snprintf(sql, sizeof(sql), "SELECT * FROM alerts WHERE 1 = 1");
    if (flow != NULL) {
        args[n++] = SL_SQL_S(flow);
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND flow_id = $%d", n);
    }
    char canon[16] = "";
    if (status != NULL) {
        for (size_t i = 0; status[i] != '\0' && i + 1 < sizeof(canon); i++) {
            canon[i] = (char)toupper((unsigned char)status[i]);
            canon[i + 1] = '\0';
        }
        args[n++] = SL_SQL_S(canon);
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND status = $%d", n);
    }
    args[n++] = SL_SQL_I(limit);
    (void)snprintf(sql + len, sizeof(sql) - len, " ORDER BY updated_ms DESC, id LIMIT $%d", n);
    reply_items(req, app, sql, args, n, alert_item);
}

void sl__api_alerts_get(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *id = sl_http_param(req, "id");
    json_object *rows = NULL;
    sl_err err;
    sl_err_clear(&err);
    sl_sqlv args[] = {SL_SQL_S(id)};
    if (sl_store_query(app->store, "SELECT * FROM alerts WHERE id = $1", args, 1, &rows, &err) !=
        SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    if (json_object_array_length(rows) == 0) {
        json_object_put(rows);
        sl_http_reply_problem(req, 404, NULL, "no alert with id '%.80s'", id);
        return;
    }
    json_object *o = alert_item(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    json_object *dels = NULL;
    if (sl_store_query(app->store,
                       "SELECT status, attempt, http_status AS \"httpStatus\", error, "
                       "delivered, next_retry_ms AS \"nextRetryMs\", at_ms AS \"atMs\", url "
                       "FROM alert_deliveries WHERE alert_id = $1 ORDER BY id",
                       args, 1, &dels, &err) != SL_OK) {
        json_object_put(o);
        sl_http_reply_err(req, &err);
        return;
    }
    size_t n = json_object_array_length(dels);
    for (size_t i = 0; i < n; i++) {
        json_object *d = json_object_array_get_idx(dels, i);
        json_object *v = NULL;
        (void)json_object_object_get_ex(d, "delivered", &v);
        json_object_object_add(d, "delivered",
                               json_object_new_boolean(json_object_get_int(v) != 0));
    }
    json_object_object_add(o, "deliveries", dels);
    sl_http_reply_json(req, 200, o);
}

/* ---- live tail ----------------------------------------------------------------------------- */

#define TAIL_MAX 100

/* GET /flows/{id}/tail: server-sent events of the flow's landed events after Last-Event-ID (or
 * ?after=SEQ), or the newest 20 on the first call. The answer ends after what is there, with
 * "retry: 1000", so a client (EventSource, or fetch with the API key) reconnects every second
 * with the last id: no admin thread is held by an idle tail. */
void sl__api_flow_tail(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *flow = sl_http_param(req, "id");
    if (!flow_exists(req, app, flow)) {
        return;
    }
    if (app->landing == NULL && app->js == NULL) {
        sl_http_reply_problem(req, 503, NULL, "this node keeps no landing log to tail");
        return;
    }
    const char *last = sl_http_header(req, "Last-Event-ID");
    if (last == NULL) {
        last = sl_http_query(req, "after");
    }
    int64_t after = -1;
    if (last != NULL && *last != '\0') {
        char *end = NULL;
        after = strtoll(last, &end, 10);
        if (end == last || *end != '\0' || after < 0) {
            sl_http_reply_problem(req, 400, "Invalid Last-Event-ID",
                                  "Last-Event-ID (or after) is the seq of the last event seen");
            return;
        }
    }
    sl_landed_batch b;
    sl_err err;
    sl_err_clear(&err);
    size_t max = after < 0 ? 20 : TAIL_MAX;
    int trc = app->js != NULL ? sl_js_tail(app->js, flow, after, max, &b, &err)
                              : sl_landing_tail(app->landing, flow, after, max, &b, &err);
    if (trc != SL_OK) {
        sl_http_reply_err(req, &err);
        return;
    }
    sl_buf out = {0};
    sl_buf_appendf(&out, "retry: 1000\n\n");
    for (size_t i = 0; i < b.len; i++) {
        const sl_landed *ev = &b.items[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "seq", json_object_new_int64(ev->seq));
        json_object_object_add(o, "xactionId", json_object_new_string(ev->xaction_id));
        json_object_object_add(o, "receivedTimeMs", json_object_new_int64(ev->received_ms));
        json_object_object_add(o, "status",
                               json_object_new_string(ev->status == 0 ? "accepted" : "refused"));
        if (ev->detail != NULL) {
            json_object_object_add(o, "detail", json_tokener_parse(ev->detail));
        }
        sl_buf raw = {0};
        sl_utf8_sanitize(ev->body.ptr, ev->body.len, &raw);
        json_object *body = json_tokener_parse(sl_buf_cstr(&raw));
        json_object_object_add(o, "body",
                               body != NULL ? body : json_object_new_string(sl_buf_cstr(&raw)));
        sl_buf_fini(&raw);
        /* One line of JSON: no newline can end the data field early. */
        sl_buf_appendf(&out, "id: %lld\nevent: landed\ndata: %s\n\n", (long long)ev->seq,
                       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    }
    sl_landed_batch_fini(&b);
    sl_http_add_header(req, "Cache-Control", "no-store");
    sl_http_reply_text(req, 200, "text/event-stream; charset=utf-8", sl_buf_cstr(&out), out.len);
    sl_buf_fini(&out);
}
