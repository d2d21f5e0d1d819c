/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_notifier.c: alert delivery against a real HTTP receiver (libmicrohttpd on
 * 127.0.0.1, ephemeral port): headers and signature, retries with backoff and Retry-After,
 * final failures, connection errors, a full queue, stop, URL checks and a known-answer HMAC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alerts/notifier.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/str.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SEEN 16
#define WAIT_MS  10000
#define SECRET   "whsec_3f9a"
#define BODY     "{\"alertId\":\"a-1\",\"rule\":\"run_failed\"}"

/* ---- the receiver ------------------------------------------------------------------------- */

typedef struct seen_req {
    char method[16];
    char content_type[64];
    char user_agent[64];
    char timestamp[32];
    char signature[80];
    bool has_timestamp;
    bool has_signature;
    char *body;
    size_t body_len;
    int64_t at_ms;
} seen_req;

typedef struct receiver {
    struct MHD_Daemon *daemon;
    int port;
    pthread_mutex_t lock;
    int statuses[8]; /* the answer to request i; 200 after the list */
    int nstatuses;
    const char *retry_after; /* sent with 429 and 503 when not NULL */
    seen_req reqs[MAX_SEEN];
    int nreqs;
} receiver;

static void copy_header(struct MHD_Connection *c, const char *name, char *out, size_t cap,
                        bool *present)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    if (present != NULL) {
        *present = v != NULL;
    }
    (void)snprintf(out, cap, "%s", v != NULL ? v : "");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)url;
    (void)version;
    receiver *r = cls;
    sl_buf *body = *con_cls;
    if (body == NULL) {
        *con_cls = sl_xcalloc(1, sizeof(sl_buf));
        return MHD_YES;
    }
    if (*data_size > 0) {
        sl_buf_append(body, data, *data_size);
        *data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&r->lock);
    int i = r->nreqs;
    int status = i < r->nstatuses ? r->statuses[i] : 200;
    if (i < MAX_SEEN) {
        seen_req *s = &r->reqs[i];
        (void)snprintf(s->method, sizeof(s->method), "%s", method);
        copy_header(c, "Content-Type", s->content_type, sizeof(s->content_type), NULL);
        copy_header(c, "User-Agent", s->user_agent, sizeof(s->user_agent), NULL);
        copy_header(c, "X-Sluice-Timestamp", s->timestamp, sizeof(s->timestamp), &s->has_timestamp);
        copy_header(c, "X-Sluice-Signature", s->signature, sizeof(s->signature), &s->has_signature);
        s->body = sl_xstrdup(sl_buf_cstr(body));
        s->body_len = body->len;
        s->at_ms = sl_now_ms();
        r->nreqs++;
    }
    const char *retry_after = r->retry_after;
    pthread_mutex_unlock(&r->lock);

    static char answer[] = "{}";
    struct MHD_Response *resp = MHD_create_response_from_buffer(2, answer, MHD_RESPMEM_PERSISTENT);
    if ((status == 429 || status == 503) && retry_after != NULL) {
        (void)MHD_add_response_header(resp, "Retry-After", retry_after);
    }
    if (status >= 300 && status < 400) {
        char location[64];
        (void)snprintf(location, sizeof(location), "http://127.0.0.1:%d/moved", r->port);
        (void)MHD_add_response_header(resp, "Location", location);
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    sl_buf *body = *con_cls;
    if (body != NULL) {
        sl_buf_fini(body);
        free(body);
        *con_cls = NULL;
    }
}

static void receiver_start(receiver *r)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    pthread_mutex_init(&r->lock, NULL);
    r->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, r,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    assert_non_null(r->daemon);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    r->port = info->port;
    assert_true(r->port > 0);
}

static int receiver_count(receiver *r)
{
    pthread_mutex_lock(&r->lock);
    int n = r->nreqs;
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* ---- outcomes ----------------------------------------------------------------------------- */

typedef struct outcome {
    char alert_id[64];
    char subscription_id[64];
    char url[128];
    int attempt;
    int http_status;
    bool has_error;
    char error[256];
    int64_t at_ms;
    int64_t next_retry_ms;
    bool delivered;
} outcome;

typedef struct fixture {
    receiver rx;
    char url[64];
    sl_notifier *n;
    pthread_mutex_t lock;
    outcome out[MAX_SEEN];
    int nout;
} fixture;

static void on_outcome(void *ud, const sl_delivery *d)
{
    fixture *f = ud;
    pthread_mutex_lock(&f->lock);
    if (f->nout < MAX_SEEN) {
        outcome *o = &f->out[f->nout++];
        (void)snprintf(o->alert_id, sizeof(o->alert_id), "%s", d->alert_id);
        (void)snprintf(o->subscription_id, sizeof(o->subscription_id), "%s", d->subscription_id);
        (void)snprintf(o->url, sizeof(o->url), "%s", d->url);
        o->attempt = d->attempt;
        o->http_status = d->http_status;
        o->has_error = d->error != NULL;
        (void)snprintf(o->error, sizeof(o->error), "%s", d->error != NULL ? d->error : "");
        o->at_ms = d->at_ms;
        o->next_retry_ms = d->next_retry_ms;
        o->delivered = d->delivered;
    }
    pthread_mutex_unlock(&f->lock);
}

static int outcome_count(fixture *f)
{
    pthread_mutex_lock(&f->lock);
    int n = f->nout;
    pthread_mutex_unlock(&f->lock);
    return n;
}

/* Poll (bounded) until at least `n` outcomes have been reported. */
static void wait_outcomes(fixture *f, int n)
{
    int64_t until = sl_now_ms() + WAIT_MS;
    while (outcome_count(f) < n && sl_now_ms() < until) {
        sl_sleep_ms(5);
    }
    if (outcome_count(f) < n) {
        print_error("waited %d ms for %d outcomes, got %d\n", WAIT_MS, n, outcome_count(f));
        fail();
    }
}

static const outcome *find_outcome(fixture *f, const char *alert_id, int attempt)
{
    for (int i = 0; i < f->nout; i++) {
        if (strcmp(f->out[i].alert_id, alert_id) == 0 && f->out[i].attempt == attempt) {
            return &f->out[i];
        }
    }
    print_error("no outcome for alert %s attempt %d\n", alert_id, attempt);
    fail();
    return NULL;
}

static void start_notifier(fixture *f, sl_notifier_opts opts)
{
    sl_err err = {0};
    opts.on_outcome = on_outcome;
    opts.ud = f;
    f->n = sl_notifier_start(&opts, &err);
    if (f->n == NULL) {
        print_error("sl_notifier_start: %s\n", err.msg);
        fail();
    }
}

/* Stop the notifier: afterwards no attempt can still be on its way, so counts are final. */
static int64_t stop_notifier(fixture *f)
{
    int64_t t0 = sl_now_ms();
    sl_notifier_stop(f->n);
    f->n = NULL;
    return sl_now_ms() - t0;
}

static int setup(void **state)
{
    fixture *f = sl_xcalloc(1, sizeof(*f));
    pthread_mutex_init(&f->lock, NULL);
    receiver_start(&f->rx);
    (void)snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d/hook", f->rx.port);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sl_notifier_stop(f->n);
    MHD_stop_daemon(f->rx.daemon);
    for (int i = 0; i < f->rx.nreqs && i < MAX_SEEN; i++) {
        free(f->rx.reqs[i].body);
    }
    pthread_mutex_destroy(&f->rx.lock);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return 0;
}

/* A port on 127.0.0.1 that nothing listens on (bound, then closed). */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    (void)close(fd);
    return ntohs(sa.sin_port);
}

/* ---- delivery ----------------------------------------------------------------------------- */

static void test_notifier_delivers_signed_and_unsigned(void **state)
{
    fixture *f = *state;
    sl_notifier_opts opts = {0};
    start_notifier(f, opts);

    int64_t before = sl_now_ms();
    sl_notifier_send(f->n, "a-1", "sub-1", f->url, SECRET, BODY);
    wait_outcomes(f, 1);
    sl_notifier_send(f->n, "a-2", "sub-2", f->url, NULL, BODY);
    wait_outcomes(f, 2);
    (void)stop_notifier(f);

    assert_int_equal(outcome_count(f), 2);
    assert_int_equal(receiver_count(&f->rx), 2);
    for (int i = 0; i < 2; i++) {
        const outcome *o = &f->out[i];
        assert_string_equal(o->alert_id, i == 0 ? "a-1" : "a-2");
        assert_string_equal(o->subscription_id, i == 0 ? "sub-1" : "sub-2");
        assert_string_equal(o->url, f->url);
        assert_true(o->delivered);
        assert_false(o->has_error);
        assert_int_equal(o->attempt, 1);
        assert_int_equal(o->http_status, 200);
        assert_int_equal(o->next_retry_ms, 0);
        assert_true(o->at_ms >= before);
    }

    const seen_req *s = &f->rx.reqs[0];
    assert_string_equal(s->method, "POST");
    assert_string_equal(s->body, BODY);
    assert_int_equal(s->body_len, strlen(BODY));
    assert_string_equal(s->content_type, "application/json");
    assert_string_equal(s->user_agent, "sluice/" SL_VERSION);
    assert_true(s->has_timestamp);
    char *end = NULL;
    long long ts = strtoll(s->timestamp, &end, 10);
    assert_true(end != s->timestamp && *end == '\0');
    assert_true(ts >= before / 1000 - 1 && ts <= sl_now_ms() / 1000 + 1);
    assert_true(s->has_signature);
    char want[65];
    sl_notifier_sign(SECRET, s->timestamp, s->body, s->body_len, want);
    assert_string_equal(s->signature, want);

    const seen_req *u = &f->rx.reqs[1];
    assert_string_equal(u->body, BODY);
    assert_true(u->has_timestamp);
    assert_false(u->has_signature);
}

static void test_notifier_retries_5xx_with_backoff(void **state)
{
    fixture *f = *state;
    f->rx.statuses[0] = 500;
    f->rx.statuses[1] = 500;
    f->rx.nstatuses = 2;
    sl_notifier_opts opts = {.backoff_ms = 50};
    start_notifier(f, opts);

    sl_notifier_send(f->n, "a-1", "sub-1", f->url, SECRET, BODY);
    wait_outcomes(f, 3);
    (void)stop_notifier(f);

    assert_int_equal(outcome_count(f), 3);
    assert_int_equal(receiver_count(&f->rx), 3);
    for (int i = 0; i < 2; i++) {
        const outcome *o = &f->out[i];
        assert_int_equal(o->attempt, i + 1);
        assert_false(o->delivered);
        assert_int_equal(o->http_status, 500);
        assert_string_equal(o->error, "HTTP 500");
        assert_true(o->next_retry_ms > 0);
        /* backoff_ms * 2^(attempt-1), ±20% */
        int64_t delay = o->next_retry_ms - o->at_ms;
        int64_t base = 50LL << i;
        assert_true(delay >= base * 8 / 10 && delay <= base * 12 / 10 + 1);
        /* the receiver saw the next attempt no earlier than planned */
        assert_true(f->rx.reqs[i + 1].at_ms - o->at_ms >= base * 8 / 10);
    }
    const outcome *last = &f->out[2];
    assert_int_equal(last->attempt, 3);
    assert_true(last->delivered);
    assert_int_equal(last->http_status, 200);
    assert_int_equal(last->next_retry_ms, 0);
    /* each retry is signed again, with its own timestamp */
    for (int i = 0; i < 3; i++) {
        char want[65];
        const seen_req *s = &f->rx.reqs[i];
        sl_notifier_sign(SECRET, s->timestamp, s->body, s->body_len, want);
        assert_string_equal(s->signature, want);
    }
}

static void test_notifier_400_is_final(void **state)
{
    fixture *f = *state;
    f->rx.statuses[0] = 400;
    f->rx.nstatuses = 1;
    sl_notifier_opts opts = {.backoff_ms = 20};
    start_notifier(f, opts);

    sl_notifier_send(f->n, "a-1", "sub-1", f->url, NULL, BODY);
    wait_outcomes(f, 1);
    (void)stop_notifier(f);

    assert_int_equal(outcome_count(f), 1);
    assert_int_equal(receiver_count(&f->rx), 1);
    const outcome *o = &f->out[0];
    assert_int_equal(o->attempt, 1);
    assert_false(o->delivered);
    assert_int_equal(o->http_status, 400);
    assert_string_equal(o->error, "HTTP 400");
    assert_int_equal(o->next_retry_ms, 0);
}

static void test_notifier_does_not_follow_redirects(void **state)
{
    fixture *f = *state;
    f->rx.statuses[0] = 302;
    f->rx.nstatuses = 1;
    sl_notifier_opts opts = {.backoff_ms = 20};
    start_notifier(f, opts);

    sl_notifier_send(f->n, "a-1", "sub-1", f->url, NULL, BODY);
    wait_outcomes(f, 1);
    (void)stop_notifier(f);

    assert_int_equal(outcome_count(f), 1);
    assert_int_equal(receiver_count(&f->rx), 1);
    assert_int_equal(f->out[0].http_status, 302);
    assert_string_equal(f->out[0].error, "HTTP 302");
    assert_false(f->out[0].delivered);
    assert_int_equal(f->out[0].next_retry_ms, 0);
}

static void test_notifier_connection_refused_gives_up(void **state)
{
    fixture *f = *state;
    char url[64];
    (void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", closed_port());
    sl_notifier_opts opts = {.max_attempts = 3, .backoff_ms = 20};
    start_notifier(f, opts);

    sl_notifier_send(f->n, "a-1", "sub-1", url, SECRET, BODY);
    wait_outcomes(f, 3);
    (void)stop_notifier(f);

    assert_int_equal(outcome_count(f), 3);
    for (int i = 0; i < 3; i++) {
        const outcome *o = &f->out[i];
        assert_int_equal(o->attempt, i + 1);
        assert_false(o->delivered);
        assert_int_equal(o->http_status, 0);
        assert_true(o->has_error);
        assert_true(strlen(o->error) > 0);
        if (i < 2) {
            assert_true(o->next_retry_ms > o->at_ms);
        } else {
            assert_int_equal(o->next_retry_ms, 0);
        }
    }
}

static void test_notifier_retry_after_is_capped(void **state)
{
    fixture *f = *state;
    f->rx.statuses[0] = 429;
    f->rx.nstatuses = 1;
    f->rx.retry_after = "3600";
    sl_notifier_opts opts = {.backoff_ms = 50, .max_backoff_ms = 200};
    start_notifier(f, opts);

    sl_notifier_send(f->n, "a-1", "sub-1", f->url, NULL, BODY);
    wait_outcomes(f, 2);
    (void)stop_notifier(f);

    const outcome *first = &f->out[0];
    assert_int_equal(first->http_status, 429);
    assert_string_equal(first->error, "HTTP 429");
    /* Retry-After (an hour) rather than backoff_ms, capped at max_backoff_ms, no jitter */
    assert_int_equal(first->next_retry_ms - first->at_ms, 200);
    assert_true(f->rx.reqs[1].at_ms - first->at_ms >= 200);
    assert_true(f->out[1].delivered);
    assert_int_equal(f->out[1].attempt, 2);
}

static void test_notifier_stop_abandons_waiting_retry(void **state)
{
    fixture *f = *state;
    f->rx.statuses[0] = 503;
    f->rx.nstatuses = 1;
    f->rx.retry_after = "1";
    sl_notifier_opts opts = {.backoff_ms = 50};
    start_notifier(f, opts);

    sl_notifier_send(f->n, "a-1", "sub-1", f->url, NULL, BODY);
    wait_outcomes(f, 1);
    int64_t took = stop_notifier(f);

    assert_true(took < 1000); /* the retry was not due: nothing to wait for */
    assert_int_equal(outcome_count(f), 2);
    assert_int_equal(receiver_count(&f->rx), 1);
    const outcome *first = &f->out[0];
    assert_int_equal(first->http_status, 503);
    assert_int_equal(first->next_retry_ms - first->at_ms, 1000); /* Retry-After: 1 */
    const outcome *last = &f->out[1];
    assert_int_equal(last->attempt, 2);
    assert_false(last->delivered);
    assert_int_equal(last->http_status, 0);
    assert_string_equal(last->error, "shutting down");
    assert_int_equal(last->next_retry_ms, 0);
}

static void test_notifier_stop_is_bounded(void **state)
{
    fixture *f = *state;
    /* A listener that never accepts: the connection is made, the answer never comes. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 8), 0);
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    char url[64];
    (void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", ntohs(sa.sin_port));

    sl_notifier_opts opts = {.timeout_ms = 10000};
    start_notifier(f, opts);
    sl_notifier_send(f->n, "a-1", "sub-1", url, NULL, BODY);
    int64_t took = stop_notifier(f);
    (void)close(fd);

    assert_true(took < 3000);
    assert_int_equal(outcome_count(f), 1);
    const outcome *o = &f->out[0];
    assert_int_equal(o->attempt, 1);
    assert_false(o->delivered);
    assert_int_equal(o->http_status, 0);
    assert_string_equal(o->error, "shutting down");
    assert_int_equal(o->next_retry_ms, 0);
}

static void test_notifier_queue_full(void **state)
{
    fixture *f = *state;
    char url[64];
    (void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", closed_port());
    sl_notifier_opts opts = {.max_pending = 1, .max_attempts = 2, .backoff_ms = 60000};
    start_notifier(f, opts);

    sl_notifier_send(f->n, "a-1", "sub-1", url, NULL, BODY);
    sl_notifier_send(f->n, "a-2", "sub-2", url, NULL, BODY); /* a-1 is still pending */
    wait_outcomes(f, 2);
    (void)stop_notifier(f);

    assert_int_equal(outcome_count(f), 3);
    const outcome *dropped = find_outcome(f, "a-2", 1);
    assert_false(dropped->delivered);
    assert_string_equal(dropped->error, "queue full");
    assert_int_equal(dropped->next_retry_ms, 0);
    const outcome *first = find_outcome(f, "a-1", 1);
    assert_false(first->delivered);
    assert_true(first->next_retry_ms > first->at_ms);
    const outcome *last = find_outcome(f, "a-1", 2);
    assert_string_equal(last->error, "shutting down");
    assert_int_equal(last->next_retry_ms, 0);
}

static void test_notifier_rejects_bad_url_at_send(void **state)
{
    fixture *f = *state;
    sl_notifier_opts opts = {.backoff_ms = 20};
    start_notifier(f, opts);
    sl_notifier_send(f->n, "a-1", "sub-1", "file:///etc/passwd", NULL, BODY);
    wait_outcomes(f, 1);
    (void)stop_notifier(f);
    assert_int_equal(outcome_count(f), 1);
    assert_false(f->out[0].delivered);
    assert_int_equal(f->out[0].next_retry_ms, 0);
    assert_non_null(strstr(f->out[0].error, "http or https"));
}

static void test_notifier_rejects_negative_options(void **state)
{
    (void)state;
    sl_err err = {0};
    sl_notifier_opts opts = {.backoff_ms = -1};
    assert_null(sl_notifier_start(&opts, &err));
    assert_int_equal(err.code, SL_EINVAL);
    assert_non_null(strstr(err.msg, "backoff_ms"));
    sl_notifier_stop(NULL);
}

/* ---- URL check and signature -------------------------------------------------------------- */

static void test_notifier_check_url_accepts(void **state)
{
    (void)state;
    static const char *const good[] = {
        "http://example.com",
        "https://hooks.example.com/services/T000/B000/XXXX",
        "HTTPS://Example.COM:8443/a?b=c#frag",
        "http://127.0.0.1:9000/hook",
        "http://[::1]:8080/hook",
        "https://xn--bcher-kva.example/hook",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        sl_err err = {0};
        int rc = sl_notifier_check_url(good[i], &err);
        if (rc != SL_OK) {
            print_error("%s: %s\n", good[i], err.msg);
        }
        assert_int_equal(rc, SL_OK);
    }
}

static void test_notifier_check_url_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        const char *msg;
    } bad[] = {
        {"", "empty"},
        {"ftp://example.com/hook", "must be http or https, not 'ftp'"},
        {"file:///etc/passwd", "must be http or https, not 'file'"},
        {"gopher://example.com", "not 'gopher'"},
        {"example.com/hook", "must start with http:// or https://"},
        {"http:example.com", "must start with http:// or https://"},
        {"http://", "no host"},
        {"http:///hook", "no host"},
        {"https://:443/hook", "no host"},
        {"http://user:pass@example.com/", "user name or password"},
        {"http://user@example.com/", "user name or password"},
        {"http://example.com:0/", "port"},
        {"http://example.com:65536/", "port"},
        {"http://example.com:/", "port"},
        {"http://example.com:80x/", "port"},
        {"http://exa mple.com/", "space or control character"},
        {"http://example.com/\n", "space or control character"},
        {"http://exa%6dple.com/", "invalid character '%'"},
        {"http://[::1/", "unterminated"},
        {"http://[zz::1]/", "invalid [IPv6]"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sl_err err = {0};
        int rc = sl_notifier_check_url(bad[i].url, &err);
        if (rc != SL_EINVAL || strstr(err.msg, bad[i].msg) == NULL) {
            print_error("'%s': rc=%d msg='%s', want '%s'\n", bad[i].url, rc, err.msg, bad[i].msg);
            fail();
        }
    }
    sl_err err = {0};
    assert_int_equal(sl_notifier_check_url(NULL, &err), SL_EINVAL);

    /* the limit itself is allowed, one byte more is not */
    char *url = sl_xmalloc(SL_NOTIFIER_MAX_URL + 2);
    size_t prefix = strlen("https://example.com/");
    memcpy(url, "https://example.com/", prefix);
    memset(url + prefix, 'a', SL_NOTIFIER_MAX_URL - prefix);
    url[SL_NOTIFIER_MAX_URL] = '\0';
    assert_int_equal(sl_notifier_check_url(url, &err), SL_OK);
    url[SL_NOTIFIER_MAX_URL] = 'a';
    url[SL_NOTIFIER_MAX_URL + 1] = '\0';
    assert_int_equal(sl_notifier_check_url(url, &err), SL_EINVAL);
    assert_non_null(strstr(err.msg, "2049 bytes"));
    free(url);
}

/* Vectors computed independently:
 *   printf '%s' 'v0:1700000000:{"alertId":"a-1","rule":"run_failed"}' \
 *     | openssl dgst -sha256 -hmac 'whsec_3f9a'
 *   printf '%s' 'v0:1712345678:' | openssl dgst -sha256 -hmac 'k' */
static void test_notifier_sign_known_answer(void **state)
{
    (void)state;
    char out[65];
    sl_notifier_sign(SECRET, "1700000000", BODY, strlen(BODY), out);
    assert_string_equal(out, "c70b2a93139aaa92b5dc30d394785279b7d529f18c02f7bb218b2ab8c745353e");
    sl_notifier_sign("k", "1712345678", "", 0, out);
    assert_string_equal(out, "37629d6b3711dec01afb2f86a22442ddd39ea0cd8a0829b309369c441ed9ff8b");
    /* only body_len bytes are signed */
    sl_notifier_sign(SECRET, "1700000000", BODY "trailing", strlen(BODY), out);
    assert_string_equal(out, "c70b2a93139aaa92b5dc30d394785279b7d529f18c02f7bb218b2ab8c745353e");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notifier_sign_known_answer),
        cmocka_unit_test(test_notifier_check_url_accepts),
        cmocka_unit_test(test_notifier_check_url_rejects),
        cmocka_unit_test(test_notifier_rejects_negative_options),
        cmocka_unit_test_setup_teardown(test_notifier_delivers_signed_and_unsigned, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_notifier_retries_5xx_with_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notifier_400_is_final, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notifier_does_not_follow_redirects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notifier_connection_refused_gives_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notifier_retry_after_is_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notifier_stop_abandons_waiting_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notifier_stop_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notifier_queue_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notifier_rejects_bad_url_at_send, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
