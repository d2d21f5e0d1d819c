/* SPDX-License-Identifier: Apache-2.0 */
#include "collect/inlet.h"

#include "collect/event.h"
#include "collect/signature.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/mem.h"
#include "pipeline/runs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Everything one request keeps between its calls; released when the request ends. */
typedef struct inlet_job {
    sl_catalog *cat;        /* reference held for the request's life */
    const sl_flow_rt *flow; /* request-level flow (in cat); NULL for a batch without one */
    sl_http_req *req;
    sl_collect *c;
    sl_landing_req lr;
    sl_landing_item *items;
    size_t nitems;
    /* batch: per-message result; xaction id when accepted, else status + message */
    json_object *responses;
    char **bodies;                    /* batch: serialised message bodies (owned) */
    char **msg_ids;                   /* batch, cluster mode: the messages' event ids (owned) */
    char event_id[SL_MAX_MSG_ID + 1]; /* single event, cluster mode */
    char xaction[48];
    char batch_id[48];
    bool batch;
    bool sync_validated; /* ?syncValidation=true and the record passed */
} inlet_job;

static void job_release(void *p)
{
    inlet_job *job = p;
    if (job == NULL) {
        return;
    }
    for (size_t i = 0; job->bodies != NULL && i < job->nitems; i++) {
        free(job->bodies[i]);
        free((char *)job->items[i].xaction_id);
        free(job->msg_ids != NULL ? job->msg_ids[i] : NULL);
    }
    free(job->bodies);
    free(job->msg_ids);
    free(job->items);
    json_object_put(job->responses);
    sl_catalog_unref(job->cat);
    free(job);
}

/* The landing log of this node: the local one, or JetStream in cluster mode. */
static void submit(sl_collect *c, sl_landing_req *lr)
{
    if (c->js != NULL) {
        sl_js_submit(c->js, lr);
    } else {
        sl_landing_submit(c->landing, lr);
    }
}

/* The event's own id, for JetStream's deduplication of resends: Customer.io's event_id (a
 * string), when it is one of reasonable length; else NULL (the transaction id is used). */
static const char *event_id_of(json_object *body)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(body, "event_id", &v) ||
        !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    size_t len = (size_t)json_object_get_string_len(v);
    return len > 0 && len <= SL_MAX_MSG_ID ? json_object_get_string(v) : NULL;
}

static void count_refused(sl_collect *c, unsigned status)
{
    int idx = status == 400   ? SL_REFUSED_400
              : status == 401 ? SL_REFUSED_401
              : status == 404 ? SL_REFUSED_404
              : status == 413 ? SL_REFUSED_413
              : status == 415 ? SL_REFUSED_415
                              : SL_REFUSED_503;
    atomic_fetch_add(&c->refused[idx], 1);
}

static void refuse(sl_http_req *req, sl_collect *c, unsigned status, const char *title,
                   const char *detail)
{
    count_refused(c, status);
    if (status == 503) {
        sl_http_add_header(req, "Retry-After", "5");
    }
    sl_http_reply_problem(req, status, title, "%s", detail);
    SL_LOG_DEBUG("collect", "refused status=%u path=%s detail=\"%s\"", status, sl_http_path(req),
                 detail);
}

/* A random tag per process: xaction ids must differ between collect nodes, and processes in
 * containers all have the same pid. */
static char node_tag[9];
static void node_tag_init(void)
{
    char uuid[SL_UUID_LEN + 1];
    sl_id_uuid(uuid);
    memcpy(node_tag, uuid, 8);
    node_tag[8] = '\0';
}

static void next_xaction(sl_collect *c, int64_t ms, char *out, size_t cap)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, node_tag_init);
    uint64_t n = atomic_fetch_add(&c->seq, 1);
    (void)snprintf(out, cap, "%lld:%s:%llu", (long long)ms, node_tag, (unsigned long long)n);
}

/* An event refused after its body was read (not JSON, or synchronous validation failed) is
 * landed too, marked refused, without making the client wait: its run counts it as failed and
 * error diagnostics show it. */
typedef struct refused_req {
    sl_landing_req lr;
    sl_landing_item item;
    char *body;
    char *detail;
    char xaction[48];
    char flow_id[64];
} refused_req;

static void refused_done(sl_landing_req *lr, int rc)
{
    refused_req *r = lr->ud;
    if (rc != SL_OK) {
        SL_LOG_WARN("collect", "a refused event could not be kept for diagnostics flow=%s",
                    r->flow_id);
    }
    free(r->body);
    free(r->detail);
    free(r);
}

static char *detail_json(const char *code, const char *message, const char *pointer)
{
    json_object *d = json_object_new_object();
    json_object_object_add(d, "code", json_object_new_string(code));
    json_object_object_add(d, "message", json_object_new_string(message));
    if (pointer != NULL) {
        json_object_object_add(d, "pointer", json_object_new_string(pointer));
    }
    char *text = sl_xstrdup(json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
    json_object_put(d);
    return text;
}

static void next_xaction(sl_collect *c, int64_t ms, char *out, size_t cap);

static void land_refused(sl_collect *c, sl_http_req *req, const sl_flow_rt *flow, sl_str body,
                         const char *code, const char *message, const char *pointer)
{
    refused_req *r = sl_xcalloc(1, sizeof(*r));
    r->body = sl_xmalloc(body.len + 1);
    memcpy(r->body, body.ptr != NULL ? body.ptr : "", body.len);
    r->body[body.len] = '\0';
    r->detail = detail_json(code, message, pointer);
    (void)snprintf(r->flow_id, sizeof(r->flow_id), "%s", flow->id);
    next_xaction(c, sl_http_received_ms(req), r->xaction, sizeof(r->xaction));
    r->item.flow_id = r->flow_id;
    r->item.xaction_id = r->xaction;
    r->item.received_ms = sl_http_received_ms(req);
    r->item.body = (sl_str){r->body, body.len};
    r->item.status = 400;
    r->item.detail = r->detail;
    r->lr.items = &r->item;
    r->lr.nitems = 1;
    r->lr.done = refused_done;
    r->lr.ud = r;
    submit(c, &r->lr);
}

static const char *flow_id_of(sl_http_req *req)
{
    const char *id = sl_http_query(req, "x-adobe-flow-id");
    return id != NULL && id[0] != '\0' ? id : sl_http_header(req, "x-adobe-flow-id");
}

/* Headers are in: resolve inlet and flow, before reading the body. */
static void on_headers(sl_http_req *req, void *ud, bool batch)
{
    sl_collect *c = ud;
    const char *inlet = sl_http_param(req, "inletId");
    sl_catalog *cat = sl_catalog_current(c->catalog);
    inlet_job *job = sl_xcalloc(1, sizeof(*job));
    job->cat = cat;
    job->c = c;
    job->req = req;
    job->batch = batch;
    sl_http_set_data(req, job, job_release);
    if (!sl_catalog_has_inlet(cat, inlet)) {
        char detail[256];
        (void)snprintf(detail, sizeof(detail), "no streaming inlet '%.80s'", inlet);
        refuse(req, c, 404, "Unknown inlet", detail);
        return;
    }
    const char *flow_id = flow_id_of(req);
    if (flow_id == NULL || flow_id[0] == '\0') {
        if (!batch) {
            refuse(req, c, 400, "Missing flow id",
                   "give the dataflow id as query parameter x-adobe-flow-id (the webhook URL "
                   "shown for the dataflow has it) or header x-adobe-flow-id");
        }
        return;
    }
    const sl_flow_rt *flow = sl_catalog_flow(cat, flow_id);
    if (flow == NULL || !flow->enabled || strcmp(flow->inlet_id, inlet) != 0) {
        char detail[256];
        (void)snprintf(detail, sizeof(detail), "dataflow '%.64s' %s", flow_id,
                       flow == NULL                         ? "does not exist"
                       : strcmp(flow->inlet_id, inlet) != 0 ? "does not belong to this inlet"
                                                            : "is disabled");
        refuse(req, c, 404, "Unknown dataflow", detail);
        return;
    }
    job->flow = flow;
}

static void on_headers_single(sl_http_req *req, void *ud)
{
    on_headers(req, ud, false);
}

static void on_headers_batch(sl_http_req *req, void *ud)
{
    on_headers(req, ud, true);
}

/* 401 unless the signature matches one of the flow's keys. NULL when it passes. */
static const char *check_signature(sl_http_req *req, const sl_collect *c, const sl_flow_rt *flow)
{
    if (flow->nkeys == 0) {
        return NULL;
    }
    const char *sig = sl_http_header(req, "X-CIO-Signature");
    const char *ts = sl_http_header(req, "X-CIO-Timestamp");
    if (sig == NULL) {
        return "X-CIO-Signature is missing; this source only takes signed Customer.io webhooks";
    }
    if (ts == NULL) {
        return "X-CIO-Timestamp is missing; the signature covers it";
    }
    if (strlen(ts) > SL_MAX_CIO_TIMESTAMP_LEN) {
        return "X-CIO-Timestamp is too long";
    }
    if (c->timestamp_tolerance_s > 0) {
        char *end = NULL;
        long long t = strtoll(ts, &end, 10);
        long long now = sl_now_ms() / 1000;
        if (end == ts || *end != '\0' || llabs(now - t) > c->timestamp_tolerance_s) {
            return "X-CIO-Timestamp is outside the accepted window "
                   "(--cio-timestamp-tolerance)";
        }
    }
    if (sl_cio_verify(flow->keys, flow->nkeys, sl_str_c(ts), sl_http_body(req), sl_str_c(sig)) <
        0) {
        return "X-CIO-Signature does not match the body with any configured signing key";
    }
    return NULL;
}

/* 415 unless the content type is absent, JSON, +json or text/plain. */
static bool media_type_ok(sl_http_req *req)
{
    const char *ct = sl_http_header(req, "Content-Type");
    if (ct == NULL) {
        return true;
    }
    size_t len = strcspn(ct, ";");
    while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t')) {
        len--;
    }
    if ((len == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
        (len == 10 && strncasecmp(ct, "text/plain", 10) == 0) ||
        (len > 5 && strncasecmp(ct + len - 5, "+json", 5) == 0)) {
        return true;
    }
    return false;
}

static json_object *accepted_body(const inlet_job *job)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "inletId",
                           json_object_new_string(sl_http_param(job->req, "inletId")));
    if (job->batch) {
        json_object_object_add(o, "batchId", json_object_new_string(job->batch_id));
    } else {
        json_object_object_add(o, "xactionId", json_object_new_string(job->xaction));
    }
    json_object_object_add(o, "receivedTimeMs",
                           json_object_new_int64(sl_http_received_ms(job->req)));
    if (job->batch) {
        json_object_object_add(o, "responses", json_object_get(job->responses));
    } else {
        json_object *sv = json_object_new_object();
        if (job->sync_validated) {
            json_object_object_add(sv, "status", json_object_new_string("pass"));
        } else {
            json_object_object_add(sv, "skipped", json_object_new_boolean(1));
        }
        json_object_object_add(o, "syncValidation", sv);
    }
    return o;
}

/* Landing writer thread: the events are on disk (or could not be written). */
static void on_landed(sl_landing_req *lr, int rc)
{
    inlet_job *job = lr->ud;
    if (rc == SL_OK) {
        atomic_fetch_add(&job->c->accepted, job->nitems);
        sl_http_reply_json(job->req, job->batch ? 207 : 200, accepted_body(job));
    } else if (rc == SL_ETOOBIG) {
        refuse(job->req, job->c, 413, NULL,
               "the event is larger than the NATS servers take (their max_payload); lower "
               "collect.max_body_bytes to match, or raise max_payload");
    } else if (job->c->js != NULL) {
        refuse(job->req, job->c, 503, "Storage unavailable",
               "JetStream did not acknowledge the event in time (NATS servers unreachable, or "
               "the landing stream is electing a leader); retry later");
    } else {
        refuse(job->req, job->c, 503, "Storage unavailable",
               "the landing log cannot take the event right now (disk full or I/O error); "
               "retry later");
    }
    sl_http_resume(job->req);
}

static void land(sl_http_req *req, inlet_job *job)
{
    job->lr.items = job->items;
    job->lr.nitems = job->nitems;
    job->lr.done = on_landed;
    job->lr.ud = job;
    sl_http_suspend(req);
    submit(job->c, &job->lr);
}

/* ?syncValidation=true: map and validate now. Returns true when the record is valid; else
 * answers 400 in AEP's shape, lands the event as refused (counted as failed) and returns false. */
static bool sync_validate(sl_http_req *req, sl_collect *c, inlet_job *job, json_object *doc)
{
    const sl_flow_rt *flow = job->flow;
    json_object *rec = NULL;
    int warnings = 0;
    sl_err err;
    sl_err_clear(&err);
    sl_mapping_opts mopts = {.now_ms = sl_now_ms()};
    sl_violation viol[SL_VIOLATIONS_MAX];
    size_t nviol = 0;
    const char *code = SL_CODE_INVALID;
    char message[1024] = "";
    bool mapped = sl_mapping_run_opts(flow->mapping, doc, &mopts, &rec, &warnings, &err) == SL_OK;
    if (mapped) {
        sl_schema_apply(flow->schema, rec);
    }
    if (!mapped) {
        code = SL_CODE_MAPPER;
        (void)snprintf(message, sizeof(message), "%s", err.msg);
    } else if ((nviol = sl_schema_validate(flow->schema, rec, viol, SL_VIOLATIONS_MAX)) > 0) {
        code = strcmp(viol[0].keyword, "required") == 0 ? SL_CODE_REQUIRED : SL_CODE_INVALID;
        size_t len = 0;
        for (size_t i = 0; i < nviol && i < SL_VIOLATIONS_MAX && len + 1 < sizeof(message); i++) {
            int w = snprintf(message + len, sizeof(message) - len, "%s%s: %s", i > 0 ? "; " : "",
                             viol[i].keyword, viol[i].message);
            len += w > 0 ? (size_t)w : 0;
        }
    } else {
        json_object_put(rec);
        job->sync_validated = true;
        return true;
    }
    json_object_put(rec);
    land_refused(c, req, flow, sl_http_body(req), code, message,
                 nviol > 0 ? viol[0].pointer : NULL);
    atomic_fetch_add(&c->refused[SL_REFUSED_400], 1);
    json_object *causes = json_object_new_array();
    for (size_t i = 0; i < nviol && i < SL_VIOLATIONS_MAX; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "schemaLocation",
                               json_object_new_string(viol[i].schema_location));
        json_object_object_add(e, "pointerToViolation", json_object_new_string(viol[i].pointer));
        json_object_object_add(e, "causingExceptions", json_object_new_array());
        json_object_object_add(e, "keyword", json_object_new_string(viol[i].keyword));
        json_object_object_add(e, "message", json_object_new_string(viol[i].message));
        json_object_array_add(causes, e);
    }
    if (nviol == 0) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "schemaLocation", json_object_new_string("#"));
        json_object_object_add(e, "pointerToViolation", json_object_new_string("#"));
        json_object_object_add(e, "causingExceptions", json_object_new_array());
        json_object_object_add(e, "keyword", json_object_new_string("mapping"));
        json_object_object_add(e, "message", json_object_new_string(message));
        json_object_array_add(causes, e);
    }
    char summary[64];
    (void)snprintf(summary, sizeof(summary), "%zu schema violation%s found", nviol > 0 ? nviol : 1,
                   nviol == 1 || nviol == 0 ? "" : "s");
    json_object *sv = json_object_new_object();
    json_object_object_add(sv, "schemaLocation", json_object_new_string("#"));
    json_object_object_add(sv, "pointerToViolation", json_object_new_string("#"));
    json_object_object_add(sv, "causingExceptions", causes);
    json_object_object_add(sv, "message", json_object_new_string(summary));
    json_object *list = json_object_new_array();
    json_object_array_add(list, sv);
    json_object *cause = json_object_new_object();
    json_object_object_add(cause, "_streamingValidation", list);
    char rmsg[256];
    (void)snprintf(rmsg, sizeof(rmsg), "inletId: [%s] flowId: [%s] Message is invalid",
                   sl_http_param(req, "inletId"), flow->id);
    json_object *report = json_object_new_object();
    json_object_object_add(report, "message", json_object_new_string(rmsg));
    json_object_object_add(report, "cause", cause);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type",
                           json_object_new_string("http://ns.adobe.com/adobecloud/problem/"
                                                  "data-collection-service/inlet"));
    json_object_object_add(o, "title", json_object_new_string("Invalid XDM Message Format"));
    json_object_object_add(o, "status", json_object_new_int(400));
    json_object_object_add(o, "detail", json_object_new_string(message));
    json_object_object_add(o, "code", json_object_new_string(code));
    json_object_object_add(o, "report", report);
    sl_http_reply_json_type(req, 400, "application/problem+json", o);
    return false;
}

static void on_body_single(sl_http_req *req, void *ud)
{
    sl_collect *c = ud;
    inlet_job *job = sl_http_data(req);
    const char *why = check_signature(req, c, job->flow);
    if (why != NULL) {
        refuse(req, c, 401, "Invalid signature", why);
        return;
    }
    if (!media_type_ok(req)) {
        char detail[200];
        (void)snprintf(detail, sizeof(detail),
                       "Content-Type '%.80s' is not JSON; send application/json",
                       sl_http_header(req, "Content-Type"));
        refuse(req, c, 415, NULL, detail);
        return;
    }
    sl_err err;
    sl_err_clear(&err);
    const char *sync = sl_http_query(req, "syncValidation");
    bool want_sync = sync != NULL && strcasecmp(sync, "true") == 0;
    json_object *doc = NULL;
    bool want_doc = want_sync || c->js != NULL;
    if (sl_event_parse(sl_http_body(req), SL_MAX_JSON_DEPTH, want_doc ? &doc : NULL, &err) !=
        SL_OK) {
        land_refused(c, req, job->flow, sl_http_body(req), SL_CODE_UNPARSABLE, err.msg, NULL);
        refuse(req, c, 400, "Malformed event", err.msg);
        return;
    }
    const char *eid = doc != NULL ? event_id_of(doc) : NULL;
    if (eid != NULL) {
        (void)snprintf(job->event_id, sizeof(job->event_id), "%s", eid);
    }
    bool pass = !want_sync || sync_validate(req, c, job, doc);
    json_object_put(doc);
    if (!pass) {
        return;
    }
    next_xaction(c, sl_http_received_ms(req), job->xaction, sizeof(job->xaction));
    job->items = sl_xcalloc(1, sizeof(*job->items));
    job->nitems = 1;
    job->items[0].flow_id = job->flow->id;
    job->items[0].xaction_id = job->xaction;
    job->items[0].msg_id = job->event_id[0] != '\0' ? job->event_id : NULL;
    job->items[0].received_ms = sl_http_received_ms(req);
    job->items[0].body = sl_http_body(req);
    land(req, job);
}

/* One message of a batch refused: its entry in the 207, counted like a refused request. */
static void batch_fail(sl_collect *c, json_object *responses, int status, const char *msg)
{
    count_refused(c, (unsigned)status);
    json_object *r = json_object_new_object();
    json_object_object_add(r, "statusCode", json_object_new_int(status));
    json_object_object_add(r, "message", json_object_new_string(msg));
    json_object_array_add(responses, r);
}

/* Decide one batch message; on acceptance append it to the job's items. */
static void batch_message(sl_http_req *req, sl_collect *c, inlet_job *job, json_object *msg,
                          const sl_flow_rt **verified, size_t nverified)
{
    json_object *header = NULL;
    json_object *body = NULL;
    json_object *fid = NULL;
    const sl_flow_rt *flow = job->flow;
    const char *inlet = sl_http_param(req, "inletId");
    if (!json_object_is_type(msg, json_type_object)) {
        static const char why[] = "a message must be an object {\"header\", \"body\"}";
        if (flow != NULL) { /* the request's flow, its signature checked already */
            const char *raw = json_object_to_json_string_ext(
                msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
            land_refused(c, req, flow, sl_str_c(raw), SL_CODE_UNPARSABLE, why, NULL);
        }
        batch_fail(c, job->responses, 400, why);
        return;
    }
    if (json_object_object_get_ex(msg, "header", &header) &&
        json_object_object_get_ex(header, "flowId", &fid) &&
        json_object_is_type(fid, json_type_string)) {
        flow = sl_catalog_flow(job->cat, json_object_get_string(fid));
        if (flow == NULL || !flow->enabled || strcmp(flow->inlet_id, inlet) != 0) {
            batch_fail(c, job->responses, 404,
                       "header.flowId names no enabled dataflow of this inlet");
            return;
        }
    }
    if (flow == NULL) {
        batch_fail(c, job->responses, 400,
                   "no flow id: give header.flowId or the request's x-adobe-flow-id");
        return;
    }
    bool ok = flow->nkeys == 0;
    for (size_t i = 0; !ok && i < nverified; i++) {
        ok = verified[i] == flow;
    }
    if (!ok) {
        const char *why = check_signature(req, c, flow);
        if (why != NULL) {
            batch_fail(c, job->responses, 401, why);
            return;
        }
    }
    if (!json_object_object_get_ex(msg, "body", &body) ||
        !json_object_is_type(body, json_type_object)) {
        /* Kept for the flow's error diagnostics, as an unparsable single event is: the raw
         * body (or the whole message when it has none). */
        static const char why[] = "message body is missing or not a JSON object";
        const char *raw = json_object_to_json_string_ext(
            body != NULL ? body : msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        land_refused(c, req, flow, sl_str_c(raw), SL_CODE_UNPARSABLE, why, NULL);
        batch_fail(c, job->responses, 400, why);
        return;
    }
    size_t i = job->nitems++;
    char *xa = sl_xmalloc(48);
    next_xaction(c, sl_http_received_ms(req), xa, 48);
    job->bodies[i] = sl_xstrdup(json_object_to_json_string_ext(
        body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    job->items[i].flow_id = flow->id;
    job->items[i].xaction_id = xa;
    if (c->js != NULL) {
        const char *eid = event_id_of(body);
        job->msg_ids[i] = eid != NULL ? sl_xstrdup(eid) : NULL;
        job->items[i].msg_id = job->msg_ids[i];
    }
    job->items[i].received_ms = sl_http_received_ms(req);
    job->items[i].body = sl_str_c(job->bodies[i]);
    json_object *r = json_object_new_object();
    json_object_object_add(r, "xactionId", json_object_new_string(xa));
    json_object_array_add(job->responses, r);
}

static void on_body_batch(sl_http_req *req, void *ud)
{
    sl_collect *c = ud;
    inlet_job *job = sl_http_data(req);
    json_object *doc = NULL;
    json_object *msgs = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (job->flow != NULL) {
        const char *why = check_signature(req, c, job->flow);
        if (why != NULL) {
            refuse(req, c, 401, "Invalid signature", why);
            return;
        }
    }
    if (!media_type_ok(req)) {
        refuse(req, c, 415, NULL, "the batch must be sent as application/json");
        return;
    }
    if (sl_event_parse(sl_http_body(req), SL_MAX_JSON_DEPTH + 3, &doc, &err) != SL_OK) {
        refuse(req, c, 400, "Malformed batch", err.msg);
        return;
    }
    if (!json_object_object_get_ex(doc, "messages", &msgs) ||
        !json_object_is_type(msgs, json_type_array)) {
        json_object_put(doc);
        refuse(req, c, 400, "Malformed batch", "expected {\"messages\": [...]}");
        return;
    }
    size_t n = json_object_array_length(msgs);
    if (n == 0 || n > SL_MAX_BATCH_MESSAGES) {
        char detail[128];
        (void)snprintf(detail, sizeof(detail), "a batch holds 1 to %d messages; this one has %zu",
                       SL_MAX_BATCH_MESSAGES, n);
        json_object_put(doc);
        refuse(req, c, 400, "Malformed batch", detail);
        return;
    }
    job->responses = json_object_new_array();
    job->items = sl_xcalloc(n, sizeof(*job->items));
    job->bodies = sl_xcalloc(n, sizeof(*job->bodies));
    job->msg_ids = sl_xcalloc(n, sizeof(*job->msg_ids));
    const sl_flow_rt *verified[1] = {job->flow};
    for (size_t i = 0; i < n; i++) {
        batch_message(req, c, job, json_object_array_get_idx(msgs, i), verified,
                      job->flow != NULL ? 1 : 0);
    }
    json_object_put(doc);
    next_xaction(c, sl_http_received_ms(req), job->batch_id, sizeof(job->batch_id));
    if (job->nitems == 0) {
        sl_http_reply_json(req, 207, accepted_body(job));
        return;
    }
    land(req, job);
}

static void on_health(sl_http_req *req, void *ud)
{
    (void)ud;
    sl_http_reply_text(req, 200, "application/json", "{\"status\":\"ok\"}", 15);
}

static const sl_http_route routes[] = {
    {"POST", "/collection/batch/{inletId}", on_headers_batch, on_body_batch, 0},
    {"POST", "/collection/{inletId}", on_headers_single, on_body_single, 0},
    {"GET", "/healthz", NULL, on_health, 0},
};

const sl_http_route *sl_collect_routes(size_t *n)
{
    *n = sizeof(routes) / sizeof(routes[0]);
    return routes;
}
