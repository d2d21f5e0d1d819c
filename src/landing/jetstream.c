/* SPDX-License-Identifier: Apache-2.0 */
/* landing/jetstream.c: the landing log on NATS JetStream. One connection per handle; libnats
 * reconnects by itself (to any server of the URL list), so a dead server costs the requests in
 * flight a timeout (503), never a restart. The stream and consumer are created once and then
 * only checked, so several nodes can start at the same time. */
#include "landing/jetstream.h"

#if SL_WITH_NATS

#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/str.h"

#include <inttypes.h>
#include <limits.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SUBJECTS            "landing.>"
#define SUBJECT_PREFIX      "landing."
#define API_WAIT_MS         5000 /* JetStream API requests (stream/consumer info, create) */
#define ACK_FLUSH_MS        5000
#define NS_PER_MS           INT64_C(1000000)
#define SL_JS_MAX_SERVERS   16
#define PUBLISH_DEADLINE_MS 3000 /* Customer.io gives up after 4 s */
#define PUBLISH_RETRY_MS    100
#define PUBLISHERS_MAX      256
#define MSG_HEADER_ROOM     1024 /* our headers and the message id, generously */

struct sl_js {
    natsOptions *nopts;
    natsConnection *nc;
    jsCtx *ctx;
    natsSubscription *sub;
    char *stream;
    char *consumer;
    char stream_id[300]; /* name@created */
    /* sl_js_submit's queue and its publisher threads */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sl_landing_req *head, *tail;
    bool closing;
    pthread_t *publishers;
    int npublishers;
};

/* libnats' own description of the last failure on this thread, or the status text. */
static const char *nats_text(natsStatus s)
{
    natsStatus last = NATS_OK;
    const char *t = nats_GetLastError(&last);
    return t != NULL && *t != '\0' ? t : natsStatus_GetText(s);
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus s, void *ud)
{
    (void)nc;
    (void)sub;
    (void)ud;
    SL_LOG_WARN("landing", "nats async error: %s", natsStatus_GetText(s));
}

/* libnats may deliver this on its own thread after sl_js_close has freed the handle, so it
 * takes no closure: the connection (kept alive by libnats for the callback) says whether the
 * disconnect is the expected one of a close. */
static void on_disconnected(natsConnection *nc, void *ud)
{
    (void)ud;
    if (natsConnection_IsClosed(nc)) {
        return;
    }
    SL_LOG_WARN("landing", "nats disconnected; reconnecting");
}

static void on_reconnected(natsConnection *nc, void *ud)
{
    char url[256] = "";
    (void)ud;
    (void)natsConnection_GetConnectedUrl(nc, url, sizeof url);
    SL_LOG_INFO("landing", "nats reconnected url=%s", url);
}

/* A flow id becomes one subject token: no separators, wildcards or whitespace. */
static bool valid_token(const char *s, size_t cap)
{
    size_t len = s != NULL ? strlen(s) : 0;
    if (len == 0 || len >= cap) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '.' || c == '*' || c == '>' || c == 0x7f) {
            return false;
        }
    }
    return true;
}

static const char *storage_name(jsStorageType t)
{
    return t == js_FileStorage ? "file" : "memory";
}

/* Appends "; what" to the mismatch list in `buf`. */
static void add_diff(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_diff(char *buf, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 3 >= cap) {
        return;
    }
    if (used > 0) {
        memcpy(buf + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

static int check_stream(const sl_js_opts *o, const jsStreamConfig *c, sl_err *err)
{
    char diff[200] = "";
    if (c->SubjectsLen != 1 || strcmp(c->Subjects[0], SUBJECTS) != 0) {
        add_diff(diff, sizeof diff, "subjects are %s%s (want %s)",
                 c->SubjectsLen > 0 ? c->Subjects[0] : "none", c->SubjectsLen > 1 ? ",..." : "",
                 SUBJECTS);
    }
    if (c->Storage != js_FileStorage) {
        add_diff(diff, sizeof diff, "storage is %s (want file)", storage_name(c->Storage));
    }
    if (c->Replicas != o->replicas) {
        add_diff(diff, sizeof diff, "replicas is %" PRId64 " (want %d)", c->Replicas, o->replicas);
    }
    if (diff[0] != '\0') {
        return sl_err_set(err, SL_ECONFIG, "nats stream %s does not match: %s", o->stream, diff);
    }
    if (c->MaxAge != o->max_age_ms * NS_PER_MS ||
        c->Duplicates != (int64_t)o->dedupe_window_ms * NS_PER_MS) {
        SL_LOG_WARN("landing",
                    "nats stream %s keeps its max_age=%" PRId64 "ms dedupe_window=%" PRId64
                    "ms (configured %" PRId64 "ms, %dms)",
                    o->stream, c->MaxAge / NS_PER_MS, c->Duplicates / NS_PER_MS, o->max_age_ms,
                    o->dedupe_window_ms);
    }
    return SL_OK;
}

static int ensure_stream(sl_js *js, const sl_js_opts *o, sl_err *err)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    int rc = SL_OK;
    natsStatus s = js_GetStreamInfo(&si, js->ctx, o->stream, NULL, &jerr);
    if (s == NATS_OK) {
        rc = check_stream(o, si->Config, err);
        (void)snprintf(js->stream_id, sizeof js->stream_id, "%s@%" PRId64, o->stream, si->Created);
        goto out;
    }
    if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) {
        rc = sl_err_set(err, SL_EIO, "nats stream %s info: %s", o->stream, nats_text(s));
        goto out;
    }
    const char *subjects[] = {SUBJECTS};
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = o->stream;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Retention = js_LimitsPolicy;
    cfg.Replicas = o->replicas;
    cfg.MaxAge = o->max_age_ms * NS_PER_MS;
    cfg.Duplicates = (int64_t)o->dedupe_window_ms * NS_PER_MS;
    s = js_AddStream(&si, js->ctx, &cfg, NULL, &jerr);
    if (s != NATS_OK) {
        /* Another node may have created it between our two requests: check that one. */
        jsStreamInfo_Destroy(si);
        si = NULL;
        if (js_GetStreamInfo(&si, js->ctx, o->stream, NULL, NULL) == NATS_OK) {
            rc = check_stream(o, si->Config, err);
            (void)snprintf(js->stream_id, sizeof js->stream_id, "%s@%" PRId64, o->stream,
                           si->Created);
            goto out;
        }
        rc = sl_err_set(err, SL_EIO, "nats create stream %s (replicas=%d): %s (code %d)", o->stream,
                        o->replicas, nats_text(s), (int)jerr);
        goto out;
    }
    (void)snprintf(js->stream_id, sizeof js->stream_id, "%s@%" PRId64, o->stream, si->Created);
    SL_LOG_INFO("landing", "nats stream created stream=%s replicas=%d", o->stream, o->replicas);
out:
    jsStreamInfo_Destroy(si);
    return rc;
}

static int check_consumer(const sl_js_opts *o, const jsConsumerConfig *c, sl_err *err)
{
    char diff[200] = "";
    if (c->DeliverSubject != NULL && c->DeliverSubject[0] != '\0') {
        add_diff(diff, sizeof diff, "it is a push consumer (want pull)");
    }
    if (c->AckPolicy != js_AckExplicit) {
        add_diff(diff, sizeof diff, "ack policy is not explicit");
    }
    if (c->AckWait != (int64_t)o->ack_wait_ms * NS_PER_MS) {
        add_diff(diff, sizeof diff, "ack_wait is %" PRId64 "ms (want %d)", c->AckWait / NS_PER_MS,
                 o->ack_wait_ms);
    }
    if (c->MaxAckPending != o->max_ack_pending) {
        add_diff(diff, sizeof diff, "max_ack_pending is %" PRId64 " (want %d)", c->MaxAckPending,
                 o->max_ack_pending);
    }
    if (diff[0] != '\0') {
        return sl_err_set(err, SL_ECONFIG, "nats consumer %s of stream %s does not match: %s",
                          o->consumer, o->stream, diff);
    }
    return SL_OK;
}

static int ensure_consumer(sl_js *js, const sl_js_opts *o, sl_err *err)
{
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    int rc = SL_OK;
    natsStatus s = js_GetConsumerInfo(&ci, js->ctx, o->stream, o->consumer, NULL, &jerr);
    if (s == NATS_OK) {
        rc = check_consumer(o, ci->Config, err);
        goto out;
    }
    if (s != NATS_NOT_FOUND && jerr != JSConsumerNotFoundErr) {
        rc = sl_err_set(err, SL_EIO, "nats consumer %s info: %s", o->consumer, nats_text(s));
        goto out;
    }
    jsConsumerConfig cfg;
    jsConsumerConfig_Init(&cfg);
    cfg.Durable = o->consumer;
    cfg.AckPolicy = js_AckExplicit;
    cfg.AckWait = (int64_t)o->ack_wait_ms * NS_PER_MS;
    cfg.MaxAckPending = o->max_ack_pending;
    cfg.DeliverPolicy = js_DeliverAll;
    cfg.FilterSubject = SUBJECTS;
    s = js_AddConsumer(&ci, js->ctx, o->stream, &cfg, NULL, &jerr);
    if (s != NATS_OK) {
        jsConsumerInfo_Destroy(ci);
        ci = NULL;
        if (js_GetConsumerInfo(&ci, js->ctx, o->stream, o->consumer, NULL, NULL) == NATS_OK) {
            rc = check_consumer(o, ci->Config, err);
            goto out;
        }
        rc = sl_err_set(err, SL_EIO, "nats create consumer %s: %s (code %d)", o->consumer,
                        nats_text(s), (int)jerr);
        goto out;
    }
    SL_LOG_INFO("landing", "nats consumer created stream=%s consumer=%s", o->stream, o->consumer);
out:
    jsConsumerInfo_Destroy(ci);
    return rc;
}

/* natsOptions_SetURL takes one URL: a comma-separated list goes to natsOptions_SetServers. */
static natsStatus set_servers(natsOptions *no, const char *url)
{
    char *copy = sl_xstrdup(url);
    const char *list[SL_JS_MAX_SERVERS];
    int n = 0;
    char *save = NULL;
    for (char *u = strtok_r(copy, ", ", &save); u != NULL && n < SL_JS_MAX_SERVERS;
         u = strtok_r(NULL, ", ", &save)) {
        list[n++] = u;
    }
    natsStatus s = n > 0 ? natsOptions_SetServers(no, list, n) : NATS_INVALID_ARG;
    free(copy);
    return s;
}

static int connect_nats(sl_js *js, const char *url, sl_err *err)
{
    char shown[512];
    sl_url_hide_credentials(url, shown, sizeof shown);
    natsStatus s = natsOptions_Create(&js->nopts);
    if (s == NATS_OK) {
        s = set_servers(js->nopts, url);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetName(js->nopts, "sluice");
    }
    if (s == NATS_OK) {
        s = natsOptions_SetTimeout(js->nopts, 2000);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetMaxReconnect(js->nopts, -1); /* forever: a cluster comes back */
    }
    if (s == NATS_OK) {
        s = natsOptions_SetReconnectWait(js->nopts, 250);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetPingInterval(js->nopts, 5000);
    }
    if (s == NATS_OK) {
        /* No publishing into a buffer while reconnecting: a publish that cannot go out now
         * fails (and is retried until its deadline), so an event answered 503 is never sent
         * later behind the client's back. */
        s = natsOptions_SetReconnectBufSize(js->nopts, 1);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetErrorHandler(js->nopts, on_async_error, NULL);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetDisconnectedCB(js->nopts, on_disconnected, NULL);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetReconnectedCB(js->nopts, on_reconnected, NULL);
    }
    if (s != NATS_OK) {
        return sl_err_set(err, SL_ECONFIG, "nats url %s: %s", shown, nats_text(s));
    }
    s = natsConnection_Connect(&js->nc, js->nopts);
    if (s != NATS_OK) {
        return sl_err_set(err, SL_EIO, "nats connect %s: %s", shown, nats_text(s));
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = API_WAIT_MS;
    s = natsConnection_JetStream(&js->ctx, js->nc, &jo);
    if (s != NATS_OK) {
        return sl_err_set(err, SL_EIO, "nats jetstream context: %s", nats_text(s));
    }
    return SL_OK;
}

static int64_t int_header(natsMsg *m, const char *key);
static bool decode(natsMsg *m, sl_js_msg *out);

/* ---- publishing for the collect listener ------------------------------------------------- */

/* Publish one landing item, retrying until the deadline while JetStream cannot take it (a
 * server went away and libnats is reconnecting, the stream is electing a leader). Retrying is
 * safe: the message id makes the server drop a copy that did land. */
static int publish_item(sl_js *js, const sl_landing_item *it, sl_err *err)
{
    int64_t deadline = sl_mono_ns() + (int64_t)PUBLISH_DEADLINE_MS * NS_PER_MS;
    for (int attempt = 1;; attempt++) {
        int64_t left_ms = (deadline - sl_mono_ns()) / NS_PER_MS;
        sl_err_clear(err);
        int rc = SL_EBUSY;
        if (natsConnection_Status(js->nc) != NATS_CONN_STATUS_CONNECTED) {
            (void)sl_err_set(err, SL_EBUSY, "nats not connected");
        } else {
            rc = sl_js_publish(js, it->flow_id, it->msg_id, it->xaction_id, it->received_ms,
                               it->status, it->detail, it->body, (int)(left_ms > 1 ? left_ms : 1),
                               NULL, err);
        }
        if (rc != SL_EBUSY) {
            return rc;
        }
        left_ms = (deadline - sl_mono_ns()) / NS_PER_MS;
        pthread_mutex_lock(&js->mu);
        bool closing = js->closing;
        pthread_mutex_unlock(&js->mu);
        if (left_ms <= PUBLISH_RETRY_MS || closing) {
            SL_LOG_WARN("landing", "nats publish gave up attempts=%d flow=%s error=\"%s\"", attempt,
                        it->flow_id, err->msg);
            return rc;
        }
        sl_sleep_ms(PUBLISH_RETRY_MS);
    }
}

static void *publisher_main(void *arg)
{
    sl_js *js = arg;
    sl_thread_name("sl-js-publish");
    for (;;) {
        pthread_mutex_lock(&js->mu);
        while (js->head == NULL && !js->closing) {
            pthread_cond_wait(&js->cv, &js->mu);
        }
        sl_landing_req *req = js->head;
        if (req != NULL) {
            js->head = req->next;
            if (js->head == NULL) {
                js->tail = NULL;
            }
        }
        bool closing = js->closing;
        pthread_mutex_unlock(&js->mu);
        if (req == NULL) {
            return NULL; /* closing and nothing queued */
        }
        req->next = NULL;
        int rc = SL_OK;
        sl_err err;
        for (size_t i = 0; i < req->nitems && rc == SL_OK; i++) {
            rc = closing ? SL_EBUSY : publish_item(js, &req->items[i], &err);
        }
        req->done(req, rc == SL_OK || rc == SL_ETOOBIG ? rc : SL_EBUSY);
    }
}

static int start_publishers(sl_js *js, int n, sl_err *err)
{
    js->publishers = sl_xcalloc((size_t)n, sizeof *js->publishers);
    for (int i = 0; i < n; i++) {
        if (pthread_create(&js->publishers[i], NULL, publisher_main, js) != 0) {
            return sl_err_set(err, SL_EIO, "nats: cannot start publisher thread %d", i);
        }
        js->npublishers++;
    }
    return SL_OK;
}

void sl_js_submit(sl_js *js, sl_landing_req *req)
{
    req->next = NULL;
    pthread_mutex_lock(&js->mu);
    if (js->closing) {
        pthread_mutex_unlock(&js->mu);
        req->done(req, SL_EBUSY);
        return;
    }
    if (js->tail != NULL) {
        js->tail->next = req;
    } else {
        js->head = req;
    }
    js->tail = req;
    pthread_cond_signal(&js->cv);
    pthread_mutex_unlock(&js->mu);
}

const char *sl_js_stream_id(const sl_js *js)
{
    return js->stream_id;
}

void sl_js_quiesce(sl_js *js)
{
    if (js == NULL) {
        return;
    }
    pthread_mutex_lock(&js->mu);
    js->closing = true;
    pthread_cond_broadcast(&js->cv);
    pthread_mutex_unlock(&js->mu);
    for (int i = 0; i < js->npublishers; i++) {
        pthread_join(js->publishers[i], NULL);
    }
    js->npublishers = 0;
}

int sl_js_backlog(sl_js *js, const char *flow_id, int64_t *count, int64_t *oldest_ms, sl_err *err)
{
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    *count = 0;
    *oldest_ms = 0;
    natsStatus s = js_GetConsumerInfo(&ci, js->ctx, js->stream, js->consumer, NULL, &jerr);
    if (s != NATS_OK) {
        return sl_err_set(err, SL_EBUSY, "nats consumer %s info: %s (code %d)", js->consumer,
                          nats_text(s), (int)jerr);
    }
    int64_t waiting = (int64_t)ci->NumPending + ci->NumAckPending;
    uint64_t first = ci->AckFloor.Stream + 1;
    jsConsumerInfo_Destroy(ci);
    if (waiting == 0) {
        return SL_OK;
    }
    if (flow_id != NULL) {
        char subject[sizeof SUBJECT_PREFIX + 64];
        if (!valid_token(flow_id, 64)) {
            return SL_OK;
        }
        (void)snprintf(subject, sizeof subject, SUBJECT_PREFIX "%s", flow_id);
        natsMsg *last = NULL;
        if (js_GetLastMsg(&last, js->ctx, js->stream, subject, NULL, NULL) != NATS_OK) {
            return SL_OK; /* no event of this flow in the stream */
        }
        uint64_t seq = natsMsg_GetSequence(last);
        natsMsg_Destroy(last);
        if (seq != 0 && seq < first) {
            return SL_OK; /* the flow's newest event is processed */
        }
    }
    *count = waiting;
    /* Delivery is in stream order, so the first message after the ack floor is the oldest not
     * processed (unless it was deleted: then the age is not known). */
    natsMsg *m = NULL;
    if (js_GetMsg(&m, js->ctx, js->stream, first, NULL, NULL) == NATS_OK) {
        *oldest_ms = int_header(m, "Sluice-Received-Ms");
        natsMsg_Destroy(m);
    }
    return SL_OK;
}

/* ---- reading the stream (tail, privacy erase) ----------------------------------------------- */

/* A short-lived ordered consumer on `subject` from stream sequence `start` (0: the first). */
static natsStatus ordered_reader(sl_js *js, const char *subject, uint64_t start,
                                 natsSubscription **sub, jsErrCode *jerr)
{
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = js->stream;
    so.Ordered = true;
    so.Config.DeliverPolicy = start > 0 ? js_DeliverByStartSequence : js_DeliverAll;
    so.Config.OptStartSeq = start;
    return js_SubscribeSync(sub, js->ctx, subject, NULL, &so, jerr);
}

/* The stream sequence number of a message read by a consumer (0 when it has none). */
static uint64_t stream_seq_of(natsMsg *m)
{
    jsMsgMetaData *meta = NULL;
    uint64_t seq = 0;
    if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
        seq = meta->Sequence.Stream;
        jsMsgMetaData_Destroy(meta);
    }
    return seq;
}

/* ---- live tail ---------------------------------------------------------------------------- */

#define TAIL_WINDOW  5000 /* stream messages looked through for a flow's newest events */
#define TAIL_WAIT_MS 2000 /* longest wait for a message known to be there */

/* Copies `msgs` (oldest first) into `out`: one array and one arena, as sl_landed_batch wants. */
static void tail_batch(natsMsg **msgs, size_t n, sl_landed_batch *out)
{
    size_t total = 0;
    sl_js_msg *dec = sl_xcalloc(n > 0 ? n : 1, sizeof(*dec));
    for (size_t i = 0; i < n; i++) {
        (void)decode(msgs[i], &dec[i]);
        total += strlen(dec[i].flow_id) + strlen(dec[i].xaction_id) + dec[i].body.len + 3 +
                 (dec[i].detail != NULL ? strlen(dec[i].detail) + 1 : 0);
    }
    out->items = sl_xcalloc(n > 0 ? n : 1, sizeof(*out->items));
    out->arena = sl_xmalloc(total > 0 ? total : 1);
    out->len = n;
    char *p = out->arena;
    for (size_t i = 0; i < n; i++) {
        sl_landed *l = &out->items[i];
        l->seq = (int64_t)dec[i].stream_seq;
        l->received_ms = dec[i].received_ms;
        l->status = dec[i].status;
        size_t k = strlen(dec[i].flow_id) + 1;
        memcpy(p, dec[i].flow_id, k);
        l->flow_id = p;
        p += k;
        k = strlen(dec[i].xaction_id) + 1;
        memcpy(p, dec[i].xaction_id, k);
        l->xaction_id = p;
        p += k;
        if (dec[i].body.len > 0) {
            memcpy(p, dec[i].body.ptr, dec[i].body.len);
        }
        p[dec[i].body.len] = '\0';
        l->body = (sl_str){p, dec[i].body.len};
        p += dec[i].body.len + 1;
        if (dec[i].detail != NULL) {
            k = strlen(dec[i].detail) + 1;
            memcpy(p, dec[i].detail, k);
            l->detail = p;
            p += k;
        }
    }
    free(dec);
}

int sl_js_tail(sl_js *js, const char *flow_id, int64_t after, size_t max, sl_landed_batch *out,
               sl_err *err)
{
    memset(out, 0, sizeof(*out));
    char subject[sizeof SUBJECT_PREFIX + 64];
    if (!valid_token(flow_id, 64) || max == 0) {
        tail_batch(NULL, 0, out);
        return SL_OK;
    }
    (void)snprintf(subject, sizeof subject, SUBJECT_PREFIX "%s", flow_id);
    /* The flow's newest message says whether there is anything to read, and where to stop. */
    natsMsg *lm = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetLastMsg(&lm, js->ctx, js->stream, subject, NULL, &jerr);
    if (s != NATS_OK) {
        tail_batch(NULL, 0, out);
        if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr) {
            return SL_OK;
        }
        return sl_err_set(err, SL_EBUSY, "nats tail %s: %s (code %d)", subject, nats_text(s),
                          (int)jerr);
    }
    uint64_t last = natsMsg_GetSequence(lm);
    natsMsg_Destroy(lm);
    if (after >= 0 && (uint64_t)after >= last) {
        tail_batch(NULL, 0, out);
        return SL_OK;
    }
    uint64_t start =
        after >= 0 ? (uint64_t)after + 1 : (last > TAIL_WINDOW ? last - TAIL_WINDOW : 1);
    natsSubscription *sub = NULL;
    s = ordered_reader(js, subject, start, &sub, &jerr);
    if (s != NATS_OK) {
        tail_batch(NULL, 0, out);
        return sl_err_set(err, SL_EBUSY, "nats tail %s: %s (code %d)", subject, nats_text(s),
                          (int)jerr);
    }
    /* Oldest first; for the newest `max`, a ring of the last `max` read. */
    natsMsg **ring = sl_xcalloc(max, sizeof(*ring));
    size_t got = 0;
    for (;;) {
        natsMsg *m = NULL;
        if (natsSubscription_NextMsg(&m, sub, TAIL_WAIT_MS) != NATS_OK) {
            break; /* erased meanwhile, or the servers went away: what was read is the answer */
        }
        uint64_t seq = stream_seq_of(m);
        sl_js_msg probe;
        if (!decode(m, &probe)) {
            natsMsg_Destroy(m);
        } else if (after >= 0) {
            ring[got++] = m;
        } else {
            natsMsg_Destroy(ring[got % max]);
            ring[got % max] = m;
            got++;
        }
        if (seq >= last || (after >= 0 && got == max)) {
            break;
        }
    }
    (void)natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    size_t n = got < max ? got : max;
    natsMsg **ordered = sl_xcalloc(n > 0 ? n : 1, sizeof(*ordered));
    for (size_t i = 0; i < n; i++) {
        ordered[i] = after >= 0 || got <= max ? ring[i] : ring[(got + i) % max];
    }
    tail_batch(ordered, n, out);
    for (size_t i = 0; i < n; i++) {
        natsMsg_Destroy(ordered[i]);
    }
    free(ordered);
    free(ring);
    return SL_OK;
}

/* ---- privacy delete ------------------------------------------------------------------------ */

#define ERASE_IDLE_MS 5000 /* no message for this long: the rest of the stream was deleted */

static bool contains_ci(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0 || n > len) {
        return false;
    }
    for (size_t i = 0; i + n <= len; i++) {
        if (strncasecmp(hay + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

int sl_js_erase(sl_js *js, const char *const *needles, size_t n,
                bool (*confirm)(void *ud, sl_str body), void *ud, int64_t *deleted, sl_err *err)
{
    *deleted = 0;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetStreamInfo(&si, js->ctx, js->stream, NULL, &jerr);
    if (s != NATS_OK) {
        return sl_err_set(err, SL_EBUSY, "nats stream %s info: %s (code %d)", js->stream,
                          nats_text(s), (int)jerr);
    }
    uint64_t last = si->State.LastSeq;
    uint64_t msgs = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    if (msgs == 0 || n == 0) {
        return SL_OK;
    }
    natsSubscription *sub = NULL;
    s = ordered_reader(js, SUBJECTS, 0, &sub, &jerr);
    if (s != NATS_OK) {
        return sl_err_set(err, SL_EBUSY, "nats ordered consumer on %s: %s (code %d)", js->stream,
                          nats_text(s), (int)jerr);
    }
    int rc = SL_OK;
    uint64_t seen = 0;
    for (;;) {
        natsMsg *m = NULL;
        s = natsSubscription_NextMsg(&m, sub, ERASE_IDLE_MS);
        if (s == NATS_TIMEOUT) {
            /* Nothing more came: the rest up to `last` was deleted meanwhile, or the servers
             * stalled. Only the consumer's own count can tell: ask the stream. */
            jsStreamInfo *now = NULL;
            if (js_GetStreamInfo(&now, js->ctx, js->stream, NULL, NULL) != NATS_OK ||
                (now->State.Msgs > 0 && now->State.FirstSeq <= last &&
                 seen < (now->State.LastSeq < last ? now->State.LastSeq : last))) {
                rc = sl_err_set(err, SL_EBUSY,
                                "nats: the stream %s could not be read to its end (read up to "
                                "seq %" PRIu64 " of %" PRIu64 "); retry the delete",
                                js->stream, seen, last);
            }
            jsStreamInfo_Destroy(now);
            break;
        }
        if (s != NATS_OK) {
            rc = sl_err_set(err, SL_EBUSY, "nats reading %s: %s", js->stream, nats_text(s));
            break;
        }
        uint64_t seq = stream_seq_of(m);
        seen = seq > seen ? seq : seen;
        const char *body = natsMsg_GetData(m);
        size_t len = (size_t)natsMsg_GetDataLength(m);
        bool hit = false;
        for (size_t i = 0; !hit && i < n; i++) {
            hit = needles[i] != NULL && contains_ci(body, len, needles[i]);
        }
        if (hit && seq != 0 && confirm(ud, (sl_str){body, len})) {
            s = js_EraseMsg(js->ctx, js->stream, seq, NULL, &jerr);
            if (s != NATS_OK && jerr != JSSequenceNotFoundErr && jerr != JSNoMessageFoundErr) {
                rc = sl_err_set(err, SL_EBUSY, "nats erase %s seq %" PRIu64 ": %s (code %d)",
                                js->stream, seq, nats_text(s), (int)jerr);
                natsMsg_Destroy(m);
                break;
            }
            (*deleted)++;
        }
        natsMsg_Destroy(m);
        if (seq >= last) {
            break;
        }
    }
    (void)natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    return rc;
}

int sl_js_open(const sl_js_opts *o, sl_js **out, sl_err *err)
{
    *out = NULL;
    sl_js_opts d = *o;
    if (d.url == NULL || d.url[0] == '\0') {
        return sl_err_set(err, SL_ECONFIG, "nats: no server URL");
    }
    d.stream = d.stream != NULL && d.stream[0] != '\0' ? d.stream : "SLUICE_LANDING";
    d.consumer = d.consumer != NULL && d.consumer[0] != '\0' ? d.consumer : "sluice-processors";
    d.replicas = d.replicas > 0 ? d.replicas : 3;
    d.max_age_ms = d.max_age_ms > 0 ? d.max_age_ms : INT64_C(7) * 24 * 3600 * 1000;
    d.dedupe_window_ms = d.dedupe_window_ms > 0 ? d.dedupe_window_ms : 2 * 60 * 1000;
    d.max_ack_pending = d.max_ack_pending > 0 ? d.max_ack_pending : 4096;
    d.ack_wait_ms = d.ack_wait_ms > 0 ? d.ack_wait_ms : 30000;
    d.publishers =
        d.publishers > 0 ? (d.publishers < PUBLISHERS_MAX ? d.publishers : PUBLISHERS_MAX) : 16;
    if (!valid_token(d.stream, 256) || !valid_token(d.consumer, 256)) {
        return sl_err_set(err, SL_ECONFIG, "nats: invalid stream or consumer name");
    }
    if (d.replicas > 5 || d.max_age_ms > INT64_MAX / NS_PER_MS) {
        return sl_err_set(err, SL_ECONFIG, "nats: replicas must be 1..5 and max_age bounded");
    }

    sl_js *js = sl_xcalloc(1, sizeof *js);
    js->stream = sl_xstrdup(d.stream);
    js->consumer = sl_xstrdup(d.consumer);
    pthread_mutex_init(&js->mu, NULL);
    pthread_cond_init(&js->cv, NULL);
    int rc = connect_nats(js, d.url, err);
    if (rc == SL_OK) {
        rc = ensure_stream(js, &d, err);
    }
    if (rc == SL_OK) {
        rc = ensure_consumer(js, &d, err);
    }
    if (rc == SL_OK && d.consume) {
        jsSubOptions so;
        jsSubOptions_Init(&so);
        so.Stream = js->stream;
        so.Consumer = js->consumer; /* bind: never create or delete it from here */
        jsErrCode jerr = 0;
        natsStatus s =
            js_PullSubscribe(&js->sub, js->ctx, SUBJECTS, js->consumer, NULL, &so, &jerr);
        if (s != NATS_OK) {
            rc = sl_err_set(err, SL_EIO, "nats pull subscribe %s: %s (code %d)", js->consumer,
                            nats_text(s), (int)jerr);
        }
    }
    if (rc == SL_OK && d.max_body_bytes > 0) {
        int64_t maxp = natsConnection_GetMaxPayload(js->nc);
        if (maxp > 0 && d.max_body_bytes + MSG_HEADER_ROOM > maxp) {
            SL_LOG_WARN("landing",
                        "the NATS servers take messages up to max_payload=%lld bytes: events "
                        "larger than about %lld bytes are refused with 413 although "
                        "--max-body-bytes is %lld; raise max_payload in nats-server or lower "
                        "--max-body-bytes",
                        (long long)maxp, (long long)(maxp - MSG_HEADER_ROOM),
                        (long long)d.max_body_bytes);
        }
    }
    if (rc == SL_OK) {
        rc = start_publishers(js, d.publishers, err);
    }
    if (rc != SL_OK) {
        sl_js_close(js);
        return rc;
    }
    *out = js;
    return SL_OK;
}

void sl_js_close(sl_js *js)
{
    if (js == NULL) {
        return;
    }
    sl_js_quiesce(js);
    free(js->publishers);
    pthread_cond_destroy(&js->cv);
    pthread_mutex_destroy(&js->mu);
    /* Destroy without unsubscribing: the durable consumer outlives this process. */
    natsSubscription_Destroy(js->sub);
    jsCtx_Destroy(js->ctx);
    natsConnection_Destroy(js->nc);
    natsOptions_Destroy(js->nopts);
    free(js->stream);
    free(js->consumer);
    free(js);
}

static natsStatus set_headers(natsMsg *m, const char *xaction_id, int64_t received_ms, int status,
                              const char *detail)
{
    char num[32];
    natsStatus s = natsMsgHeader_Set(m, "Sluice-Xaction-Id", xaction_id != NULL ? xaction_id : "");
    if (s == NATS_OK) {
        (void)snprintf(num, sizeof num, "%" PRId64, received_ms);
        s = natsMsgHeader_Set(m, "Sluice-Received-Ms", num);
    }
    if (s == NATS_OK) {
        (void)snprintf(num, sizeof num, "%d", status);
        s = natsMsgHeader_Set(m, "Sluice-Status", num);
    }
    if (s == NATS_OK && detail != NULL) {
        s = natsMsgHeader_Set(m, "Sluice-Detail", detail);
    }
    return s;
}

int sl_js_publish(sl_js *js, const char *flow_id, const char *msg_id, const char *xaction_id,
                  int64_t received_ms, int status, const char *detail, sl_str body, int timeout_ms,
                  bool *duplicate, sl_err *err)
{
    char subject[sizeof SUBJECT_PREFIX + 64];
    char *id = NULL;
    natsMsg *m = NULL;
    jsPubAck *pa = NULL;
    int rc = SL_OK;
    if (duplicate != NULL) {
        *duplicate = false;
    }
    if (!valid_token(flow_id, sizeof((sl_js_msg *)NULL)->flow_id)) {
        return sl_err_set(err, SL_EINVAL, "nats: flow id is not a subject token");
    }
    if (body.len > INT_MAX) {
        return sl_err_set(err, SL_ETOOBIG, "nats: body of %zu bytes", body.len);
    }
    const char *key = msg_id != NULL && msg_id[0] != '\0' ? msg_id : xaction_id;
    if (key == NULL || key[0] == '\0') {
        return sl_err_set(err, SL_EINVAL, "nats: event without event id or xaction id");
    }
    (void)snprintf(subject, sizeof subject, SUBJECT_PREFIX "%s", flow_id);
    size_t idlen = strlen(flow_id) + 1 + strlen(key) + 1;
    id = sl_xmalloc(idlen);
    (void)snprintf(id, idlen, "%s:%s", flow_id, key);

    natsStatus s = natsMsg_Create(&m, subject, NULL, body.ptr, (int)body.len);
    if (s == NATS_OK) {
        s = set_headers(m, xaction_id, received_ms, status, detail);
    }
    if (s != NATS_OK) {
        rc = sl_err_set(err, SL_EINVAL, "nats message: %s", nats_text(s));
        goto out;
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = id;
    po.ExpectStream = js->stream;
    po.MaxWait = timeout_ms > 0 ? timeout_ms : 1;
    jsErrCode jerr = 0;
    s = js_PublishMsg(&pa, js->ctx, m, &po, &jerr);
    if (s == NATS_MAX_PAYLOAD) {
        rc = sl_err_set(err, SL_ETOOBIG,
                        "nats publish %s: the event (%zu bytes with its headers) is larger than "
                        "the server's max_payload",
                        subject, body.len);
        goto out;
    }
    if (s != NATS_OK) {
        rc = sl_err_set(err, SL_EBUSY, "nats publish %s: %s (code %d)", subject, nats_text(s),
                        (int)jerr);
        goto out;
    }
    if (duplicate != NULL) {
        *duplicate = pa->Duplicate;
    }
out:
    jsPubAck_Destroy(pa);
    natsMsg_Destroy(m);
    free(id);
    return rc;
}

static void copy_header(natsMsg *m, const char *key, char *dst, size_t cap)
{
    const char *v = NULL;
    dst[0] = '\0';
    if (natsMsgHeader_Get(m, key, &v) == NATS_OK && v != NULL) {
        (void)snprintf(dst, cap, "%s", v);
    }
}

static int64_t int_header(natsMsg *m, const char *key)
{
    const char *v = NULL;
    if (natsMsgHeader_Get(m, key, &v) != NATS_OK || v == NULL) {
        return 0;
    }
    return strtoll(v, NULL, 10);
}

/* Fills `out` from `m`; false when `m` is not a landing event. */
static bool decode(natsMsg *m, sl_js_msg *out)
{
    const char *subj = natsMsg_GetSubject(m);
    if (subj == NULL || strncmp(subj, SUBJECT_PREFIX, strlen(SUBJECT_PREFIX)) != 0 ||
        !valid_token(subj + strlen(SUBJECT_PREFIX), sizeof out->flow_id)) {
        return false;
    }
    jsMsgMetaData *meta = NULL;
    if (natsMsg_GetMetaData(&meta, m) != NATS_OK) {
        return false;
    }
    out->stream_seq = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
    (void)snprintf(out->flow_id, sizeof out->flow_id, "%s", subj + strlen(SUBJECT_PREFIX));
    copy_header(m, "Sluice-Xaction-Id", out->xaction_id, sizeof out->xaction_id);
    out->received_ms = int_header(m, "Sluice-Received-Ms");
    out->status = (int)int_header(m, "Sluice-Status");
    const char *detail = NULL;
    out->detail = natsMsgHeader_Get(m, "Sluice-Detail", &detail) == NATS_OK ? detail : NULL;
    out->body.ptr = natsMsg_GetData(m);
    out->body.len = (size_t)natsMsg_GetDataLength(m);
    out->handle = m;
    return true;
}

int sl_js_fetch(sl_js *js, size_t max, int timeout_ms, sl_js_msg **msgs, size_t *n, sl_err *err)
{
    natsMsgList list = {NULL, 0};
    jsErrCode jerr = 0;
    *msgs = NULL;
    *n = 0;
    if (js->sub == NULL) {
        return sl_err_set(err, SL_EINVAL, "nats: opened without consume; cannot fetch");
    }
    if (max == 0) {
        return SL_OK;
    }
    int batch = max > INT_MAX ? INT_MAX : (int)max;
    natsStatus s =
        natsSubscription_Fetch(&list, js->sub, batch, timeout_ms > 0 ? timeout_ms : 1, &jerr);
    if (s == NATS_TIMEOUT) {
        return SL_OK; /* nothing arrived in time */
    }
    if (s != NATS_OK) {
        return sl_err_set(err, SL_EBUSY, "nats fetch %s: %s (code %d)", js->consumer, nats_text(s),
                          (int)jerr);
    }
    sl_js_msg *out = sl_xcalloc(list.Count > 0 ? (size_t)list.Count : 1, sizeof *out);
    size_t k = 0;
    for (int i = 0; i < list.Count; i++) {
        natsMsg *m = list.Msgs[i];
        list.Msgs[i] = NULL; /* ours now, or destroyed below */
        if (decode(m, &out[k])) {
            k++;
            continue;
        }
        SL_LOG_WARN("landing", "nats: not a landing event, terminated subject=%s",
                    natsMsg_GetSubject(m) != NULL ? natsMsg_GetSubject(m) : "");
        (void)natsMsg_Term(m, NULL);
        natsMsg_Destroy(m);
    }
    natsMsgList_Destroy(&list);
    *msgs = out;
    *n = k;
    return SL_OK;
}

int sl_js_ack(sl_js *js, sl_js_msg *msgs, size_t n, sl_err *err)
{
    for (size_t i = 0; i < n; i++) {
        natsStatus s = natsMsg_Ack(msgs[i].handle, NULL);
        if (s != NATS_OK) {
            return sl_err_set(err, SL_EBUSY, "nats ack seq %" PRIu64 ": %s", msgs[i].stream_seq,
                              nats_text(s));
        }
    }
    /* Acks are fire-and-forget; the flush round-trip proves the server has read them. */
    natsStatus s = natsConnection_FlushTimeout(js->nc, ACK_FLUSH_MS);
    if (s != NATS_OK) {
        return sl_err_set(err, SL_EBUSY, "nats ack flush: %s", nats_text(s));
    }
    return SL_OK;
}

void sl_js_msgs_free(sl_js_msg *msgs, size_t n)
{
    if (msgs == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        natsMsg_Destroy(msgs[i].handle);
    }
    free(msgs);
}

bool sl_js_ready(sl_js *js, char *why, size_t cap)
{
    natsConnStatus st = natsConnection_Status(js->nc);
    if (st == NATS_CONN_STATUS_CONNECTED) {
        return true;
    }
    const char *what = st == NATS_CONN_STATUS_RECONNECTING ? "reconnecting"
                       : st == NATS_CONN_STATUS_CONNECTING ? "connecting"
                       : st == NATS_CONN_STATUS_CLOSED     ? "connection closed"
                                                           : "disconnected";
    if (why != NULL && cap > 0) {
        (void)snprintf(why, cap, "nats %s", what);
    }
    return false;
}

#else /* !SL_WITH_NATS: a build without libnats refuses --nats plainly */

#include <stdio.h>
#include <string.h>

int sl_js_open(const sl_js_opts *o, sl_js **out, sl_err *err)
{
    (void)o;
    *out = NULL;
    return sl_err_set(err, SL_ECONFIG,
                      "this sluice was built without NATS support (cmake -DSLUICE_WITH_NATS=ON "
                      "with libnats-dev installed); --nats cannot be used");
}

void sl_js_close(sl_js *js)
{
    (void)js;
}

int sl_js_publish(sl_js *js, const char *flow_id, const char *msg_id, const char *xaction_id,
                  int64_t received_ms, int status, const char *detail, sl_str body, int timeout_ms,
                  bool *duplicate, sl_err *err)
{
    (void)js, (void)flow_id, (void)msg_id, (void)xaction_id, (void)received_ms, (void)status;
    (void)detail, (void)body, (void)timeout_ms, (void)duplicate;
    return sl_err_set(err, SL_ECONFIG, "built without NATS support");
}

void sl_js_submit(sl_js *js, sl_landing_req *req)
{
    (void)js;
    req->done(req, SL_EBUSY);
}

void sl_js_quiesce(sl_js *js)
{
    (void)js;
}

const char *sl_js_stream_id(const sl_js *js)
{
    (void)js;
    return "";
}

int sl_js_backlog(sl_js *js, const char *flow_id, int64_t *count, int64_t *oldest_ms, sl_err *err)
{
    (void)js, (void)flow_id;
    *count = 0;
    *oldest_ms = 0;
    return sl_err_set(err, SL_ECONFIG, "built without NATS support");
}

int sl_js_fetch(sl_js *js, size_t max, int timeout_ms, sl_js_msg **msgs, size_t *n, sl_err *err)
{
    (void)js, (void)max, (void)timeout_ms;
    *msgs = NULL;
    *n = 0;
    return sl_err_set(err, SL_ECONFIG, "built without NATS support");
}

int sl_js_ack(sl_js *js, sl_js_msg *msgs, size_t n, sl_err *err)
{
    (void)js, (void)msgs, (void)n;
    return sl_err_set(err, SL_ECONFIG, "built without NATS support");
}

void sl_js_msgs_free(sl_js_msg *msgs, size_t n)
{
    (void)msgs, (void)n;
}

int sl_js_tail(sl_js *js, const char *flow_id, int64_t after, size_t max, sl_landed_batch *out,
               sl_err *err)
{
    (void)js, (void)flow_id, (void)after, (void)max;
    memset(out, 0, sizeof(*out));
    return sl_err_set(err, SL_ECONFIG, "built without NATS support");
}

int sl_js_erase(sl_js *js, const char *const *needles, size_t n,
                bool (*confirm)(void *ud, sl_str body), void *ud, int64_t *deleted, sl_err *err)
{
    (void)js, (void)needles, (void)n, (void)confirm, (void)ud;
    *deleted = 0;
    return sl_err_set(err, SL_ECONFIG, "built without NATS support");
}

bool sl_js_ready(sl_js *js, char *why, size_t cap)
{
    (void)js;
    (void)snprintf(why, cap, "built without NATS support");
    return false;
}

#endif
