/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_jetstream.c: the JetStream landing log client against a real three-node
 * nats-server cluster on 127.0.0.1 that the test starts (and stops) itself: stream and consumer
 * creation and checks, publish/fetch, dedupe, redelivery, ack, losing one node of three, and
 * readiness with every node down. Without nats-server it exits 77 (skip), except with CI=true.
 * SL_TEST_KEEP=1 keeps the servers' directory and logs for a post-mortem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "landing/jetstream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NODES  3
#define STREAM "SL_TEST_LANDING"

static struct {
    char server[512]; /* the nats-server binary */
    char dir[64];     /* temp dir: one store dir and one log per node */
    int port[NODES];
    int cport[NODES];
    pid_t pid[NODES];
    char urls[256];     /* all three, comma-separated */
    natsConnection *nc; /* the test's own connection, to look at what the client made */
    jsCtx *ctx;
} g;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool find_server(void)
{
    const char *path = getenv("PATH");
    char dirs[1024];
    (void)snprintf(dirs, sizeof dirs, "%s:/usr/sbin:/usr/bin:/usr/local/bin",
                   path != NULL ? path : "");
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
        (void)snprintf(g.server, sizeof g.server, "%s/nats-server", d);
        if (access(g.server, X_OK) == 0) {
            return true;
        }
    }
    return false;
}

/* A port the kernel just handed out, so very likely free. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
        port = ntohs(a.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

static bool port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

static void start_node(int i)
{
    char sd[128], port[16], cluster[64], routes[160], name[16], log[128];
    (void)snprintf(sd, sizeof sd, "%s/n%d", g.dir, i + 1);
    (void)snprintf(port, sizeof port, "%d", g.port[i]);
    (void)snprintf(cluster, sizeof cluster, "nats://127.0.0.1:%d", g.cport[i]);
    (void)snprintf(name, sizeof name, "n%d", i + 1);
    (void)snprintf(log, sizeof log, "%s/n%d.log", g.dir, i + 1);
    routes[0] = '\0';
    for (int j = 0; j < NODES; j++) {
        if (j != i) {
            size_t used = strlen(routes);
            (void)snprintf(routes + used, sizeof routes - used, "%snats://127.0.0.1:%d",
                           used > 0 ? "," : "", g.cport[j]);
        }
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* The servers must not outlive a test binary that crashes. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            (void)dup2(fd, STDOUT_FILENO);
            (void)dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execl(g.server, "nats-server", "-js", "-sd", sd, "-a", "127.0.0.1", "-p", port,
              "--cluster_name", "sl", "--cluster", cluster, "--routes", routes, "-n", name,
              (char *)NULL);
        _exit(127);
    }
    assert_true(pid > 0);
    g.pid[i] = pid;
}

static void kill_node(int i)
{
    if (g.pid[i] > 0) {
        (void)kill(g.pid[i], SIGKILL);
        (void)waitpid(g.pid[i], NULL, 0);
        g.pid[i] = 0;
    }
}

static bool wait_port(int port, int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    while (now_ms() < end) {
        if (port_open(port)) {
            return true;
        }
        sleep_ms(50);
    }
    return false;
}

/* The cluster is usable once it has a meta leader and all three peers: an R3 stream can be
 * created. */
static bool wait_cluster(int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    const char *subjects[] = {"probe.>"};
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = "SL_PROBE";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Replicas = NODES;
    cfg.Storage = js_MemoryStorage;
    while (now_ms() < end) {
        jsStreamInfo *si = NULL;
        if (js_AddStream(&si, g.ctx, &cfg, NULL, NULL) == NATS_OK) {
            jsStreamInfo_Destroy(si);
            (void)js_DeleteStream(g.ctx, "SL_PROBE", NULL, NULL);
            return true;
        }
        sleep_ms(200);
    }
    return false;
}

static void remove_dir(void)
{
    if (getenv("SL_TEST_KEEP") != NULL) {
        (void)fprintf(stderr, "keeping %s\n", g.dir);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", g.dir, (char *)NULL);
        _exit(127);
    }
    if (pid > 0) {
        (void)waitpid(pid, NULL, 0);
    }
}

static int cluster_up(void **state)
{
    (void)state;
    (void)snprintf(g.dir, sizeof g.dir, "/tmp/sl-jetstream-XXXXXX");
    if (mkdtemp(g.dir) == NULL) {
        print_error("mkdtemp %s: %s\n", g.dir, strerror(errno));
        return -1;
    }
    size_t used = 0;
    for (int i = 0; i < NODES; i++) {
        g.port[i] = free_port();
        g.cport[i] = free_port();
        if (g.port[i] <= 0 || g.cport[i] <= 0) {
            print_error("no free port on 127.0.0.1\n");
            return -1;
        }
        used += (size_t)snprintf(g.urls + used, sizeof g.urls - used, "%snats://127.0.0.1:%d",
                                 i > 0 ? "," : "", g.port[i]);
    }
    for (int i = 0; i < NODES; i++) {
        start_node(i);
    }
    for (int i = 0; i < NODES; i++) {
        if (!wait_port(g.port[i], 10000)) {
            print_error("nats-server n%d did not listen on %d (see %s/n%d.log)\n", i + 1, g.port[i],
                        g.dir, i + 1);
            return -1;
        }
    }
    natsOptions *o = NULL;
    char u[NODES][32];
    const char *list[NODES];
    for (int i = 0; i < NODES; i++) {
        (void)snprintf(u[i], sizeof u[i], "nats://127.0.0.1:%d", g.port[i]);
        list[i] = u[i];
    }
    if (natsOptions_Create(&o) != NATS_OK || natsOptions_SetServers(o, list, NODES) != NATS_OK ||
        natsOptions_SetMaxReconnect(o, -1) != NATS_OK ||
        natsOptions_SetReconnectWait(o, 100) != NATS_OK ||
        natsConnection_Connect(&g.nc, o) != NATS_OK ||
        natsConnection_JetStream(&g.ctx, g.nc, NULL) != NATS_OK) {
        print_error("connect %s: %s\n", g.urls, nats_GetLastError(NULL));
        natsOptions_Destroy(o);
        return -1;
    }
    natsOptions_Destroy(o);
    if (!wait_cluster(10000)) {
        print_error("no JetStream meta leader within 10 s (see %s/n*.log)\n", g.dir);
        return -1;
    }
    return 0;
}

static int cluster_down(void **state)
{
    (void)state;
    jsCtx_Destroy(g.ctx);
    natsConnection_Destroy(g.nc);
    for (int i = 0; i < NODES; i++) {
        kill_node(i);
    }
    remove_dir();
    return 0;
}

/* Each test starts without the stream: only one stream may hold the subjects landing.>. */
static int drop_stream(void **state)
{
    (void)state;
    (void)js_DeleteStream(g.ctx, STREAM, NULL, NULL);
    return 0;
}

static sl_js *open_js(int ack_wait_ms)
{
    sl_js_opts o = {.url = g.urls, .stream = STREAM, .ack_wait_ms = ack_wait_ms, .consume = true};
    sl_js *js = NULL;
    sl_err err = {0};
    int rc = sl_js_open(&o, &js, &err);
    if (rc != SL_OK) {
        print_error("sl_js_open: %s\n", err.msg);
    }
    assert_int_equal(rc, SL_OK);
    assert_non_null(js);
    return js;
}

static void publish(sl_js *js, const char *flow, const char *id, const char *xid, const char *body,
                    bool *dup)
{
    sl_err err = {0};
    int rc =
        sl_js_publish(js, flow, id, xid, 1700000000123, 0, NULL, sl_str_c(body), 5000, dup, &err);
    if (rc != SL_OK) {
        print_error("sl_js_publish: %s\n", err.msg);
    }
    assert_int_equal(rc, SL_OK);
}

/* Fetches until `want` messages arrived or `timeout_ms` passed. A pull request may answer with
 * the first messages before the rest arrive: after some came, it asks again for up to 200 ms,
 * and stops at the first empty answer (so a message is not also counted when redelivered). */
static size_t fetch(sl_js *js, size_t want, int timeout_ms, sl_js_msg **msgs)
{
    sl_err err = {0};
    sl_js_msg *all = NULL;
    size_t total = 0;
    int64_t end = now_ms() + timeout_ms;
    for (;;) {
        sl_js_msg *m = NULL;
        size_t n = 0;
        int64_t left = end - now_ms();
        int wait = total > 0 ? 200 : (int)(left > 1 ? left : 1);
        int rc = sl_js_fetch(js, want - total, wait, &m, &n, &err);
        if (rc != SL_OK) {
            print_error("sl_js_fetch: %s\n", err.msg);
        }
        assert_int_equal(rc, SL_OK);
        if (n > 0) {
            all = realloc(all, (total + n) * sizeof(*all));
            assert_non_null(all);
            memcpy(all + total, m, n * sizeof(*m));
            total += n;
        }
        free(m); /* the array only: the messages moved to `all` */
        if (total >= want || (n == 0 && (total > 0 || now_ms() >= end))) {
            break;
        }
    }
    *msgs = all != NULL ? all : calloc(1, sizeof(*all));
    return total;
}

static void test_jetstream_open_creates_r3_stream_and_consumer(void **state)
{
    (void)state;
    sl_js *js = open_js(0);
    jsStreamInfo *si = NULL;
    assert_int_equal(js_GetStreamInfo(&si, g.ctx, STREAM, NULL, NULL), NATS_OK);
    assert_int_equal(si->Config->Replicas, 3);
    assert_int_equal(si->Config->Storage, js_FileStorage);
    assert_int_equal(si->Config->SubjectsLen, 1);
    assert_string_equal(si->Config->Subjects[0], "landing.>");
    assert_int_equal(si->Config->MaxAge, INT64_C(7) * 24 * 3600 * 1000 * 1000000);
    assert_int_equal(si->Config->Duplicates, INT64_C(120) * 1000 * 1000000);
    assert_non_null(si->Cluster);
    assert_non_null(si->Cluster->Leader);
    assert_int_equal(si->Cluster->ReplicasLen, 2); /* the leader plus two followers */
    jsStreamInfo_Destroy(si);

    jsConsumerInfo *ci = NULL;
    assert_int_equal(js_GetConsumerInfo(&ci, g.ctx, STREAM, "sluice-processors", NULL, NULL),
                     NATS_OK);
    assert_int_equal(ci->Config->AckPolicy, js_AckExplicit);
    assert_int_equal(ci->Config->MaxAckPending, 4096);
    assert_int_equal(ci->Config->AckWait, INT64_C(30000) * 1000000);
    assert_null(ci->Config->DeliverSubject); /* pull */
    assert_non_null(ci->Cluster);
    assert_int_equal(ci->Cluster->ReplicasLen, 2);
    jsConsumerInfo_Destroy(ci);

    char why[64];
    assert_true(sl_js_ready(js, why, sizeof why));
    sl_js_close(js);

    /* Opening again finds both and accepts them. */
    js = open_js(0);
    sl_js_close(js);
}

static void test_jetstream_open_rejects_mismatched_stream(void **state)
{
    (void)state;
    sl_js_close(open_js(0));
    sl_err err = {0};
    sl_js *js = NULL;

    sl_js_opts o = {.url = g.urls, .stream = STREAM, .replicas = 1};
    assert_int_equal(sl_js_open(&o, &js, &err), SL_ECONFIG);
    assert_null(js);
    assert_non_null(strstr(err.msg, STREAM));
    assert_non_null(strstr(err.msg, "replicas is 3 (want 1)"));

    sl_js_opts c = {.url = g.urls, .stream = STREAM, .ack_wait_ms = 1000};
    assert_int_equal(sl_js_open(&c, &js, &err), SL_ECONFIG);
    assert_non_null(strstr(err.msg, "ack_wait is 30000ms (want 1000)"));

    /* A stream of that name made by someone else for other subjects, in memory. */
    assert_int_equal(js_DeleteStream(g.ctx, STREAM, NULL, NULL), NATS_OK);
    const char *subjects[] = {"other.>"};
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = STREAM;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Replicas = 3;
    cfg.Storage = js_MemoryStorage;
    jsStreamInfo *si = NULL;
    assert_int_equal(js_AddStream(&si, g.ctx, &cfg, NULL, NULL), NATS_OK);
    jsStreamInfo_Destroy(si);
    sl_js_opts d = {.url = g.urls, .stream = STREAM};
    assert_int_equal(sl_js_open(&d, &js, &err), SL_ECONFIG);
    assert_null(js);
    assert_non_null(strstr(err.msg, "subjects are other.> (want landing.>)"));
    assert_non_null(strstr(err.msg, "storage is memory (want file)"));
}

static void test_jetstream_publish_then_fetch_returns_event(void **state)
{
    (void)state;
    sl_js *js = open_js(0);
    bool dup = true;
    publish(js, "flowA", "ev-1", "x-1", "{\"a\":1}", &dup);
    assert_false(dup);
    sl_err err = {0};
    const char *detail = "{\"code\":\"EINVAL\",\"message\":\"not JSON\",\"pointer\":\"\"}";
    assert_int_equal(sl_js_publish(js, "flowB", NULL, "x-2", 1700000000456, 400, detail,
                                   sl_str_c("not json"), 5000, &dup, &err),
                     SL_OK);

    /* A flow id that is not one subject token never reaches the server. */
    assert_int_equal(
        sl_js_publish(js, "a.b", "e", "x", 1, 0, NULL, sl_str_c("{}"), 1000, &dup, &err),
        SL_EINVAL);
    assert_int_equal(
        sl_js_publish(js, "flow*", "e", "x", 1, 0, NULL, sl_str_c("{}"), 1000, &dup, &err),
        SL_EINVAL);

    sl_js_msg *m = NULL;
    size_t n = fetch(js, 10, 3000, &m);
    assert_int_equal(n, 2);
    assert_int_equal(m[0].stream_seq, 1);
    assert_string_equal(m[0].flow_id, "flowA");
    assert_string_equal(m[0].xaction_id, "x-1");
    assert_int_equal(m[0].received_ms, 1700000000123);
    assert_int_equal(m[0].status, 0);
    assert_null(m[0].detail);
    assert_true(sl_str_eq_c(m[0].body, "{\"a\":1}"));
    assert_int_equal(m[1].stream_seq, 2);
    assert_string_equal(m[1].flow_id, "flowB");
    assert_string_equal(m[1].xaction_id, "x-2");
    assert_int_equal(m[1].received_ms, 1700000000456);
    assert_int_equal(m[1].status, 400);
    assert_string_equal(m[1].detail, detail);
    assert_true(sl_str_eq_c(m[1].body, "not json"));
    assert_int_equal(sl_js_ack(js, m, n, &err), SL_OK);
    sl_js_msgs_free(m, n);

    /* The message id the server saw: flow ":" event id. */
    natsMsg *raw = NULL;
    assert_int_equal(js_GetMsg(&raw, g.ctx, STREAM, 1, NULL, NULL), NATS_OK);
    const char *id = NULL;
    assert_int_equal(natsMsgHeader_Get(raw, "Nats-Msg-Id", &id), NATS_OK);
    assert_string_equal(id, "flowA:ev-1");
    natsMsg_Destroy(raw);
    sl_js_close(js);
}

static void test_jetstream_same_msg_id_is_duplicate(void **state)
{
    (void)state;
    sl_js *js = open_js(0);
    bool dup = true;
    publish(js, "flowA", "ev-1", "x-1", "{\"n\":1}", &dup);
    assert_false(dup);
    publish(js, "flowA", "ev-1", "x-1-resent", "{\"n\":1}", &dup);
    assert_true(dup);
    /* The same event id in another flow is another event. */
    publish(js, "flowB", "ev-1", "x-3", "{\"n\":3}", &dup);
    assert_false(dup);
    /* Without an event id the xaction id is the key. */
    publish(js, "flowA", NULL, "x-4", "{\"n\":4}", &dup);
    assert_false(dup);
    publish(js, "flowA", "", "x-4", "{\"n\":4}", &dup);
    assert_true(dup);

    sl_js_msg *m = NULL;
    size_t n = fetch(js, 10, 2000, &m);
    assert_int_equal(n, 3);
    assert_string_equal(m[0].xaction_id, "x-1");
    assert_string_equal(m[1].flow_id, "flowB");
    assert_string_equal(m[2].xaction_id, "x-4");
    sl_err err = {0};
    assert_int_equal(sl_js_ack(js, m, n, &err), SL_OK);
    sl_js_msgs_free(m, n);
    sl_js_close(js);
}

static void test_jetstream_unacked_is_redelivered_acked_is_not(void **state)
{
    (void)state;
    sl_js *js = open_js(1000);
    publish(js, "flowA", "ev-1", "x-1", "{}", NULL);

    sl_js_msg *m = NULL;
    size_t n = fetch(js, 10, 2000, &m);
    assert_int_equal(n, 1);
    uint64_t seq = m[0].stream_seq;
    sl_js_msgs_free(m, n); /* a processor that died before its store commit */

    /* Nothing before ack_wait ... */
    n = fetch(js, 10, 300, &m);
    assert_int_equal(n, 0);
    sl_js_msgs_free(m, n);
    /* ... then the same message again. */
    n = fetch(js, 10, 3000, &m);
    assert_int_equal(n, 1);
    assert_int_equal(m[0].stream_seq, seq);
    sl_err err = {0};
    assert_int_equal(sl_js_ack(js, m, n, &err), SL_OK);
    sl_js_msgs_free(m, n);

    /* Acked: not again, not even after ack_wait. */
    n = fetch(js, 10, 2500, &m);
    assert_int_equal(n, 0);
    sl_js_msgs_free(m, n);
    sl_js_close(js);
}

/* sl_js_submit: a landing request's done callback, from a publisher thread. */
typedef struct submitted {
    sl_landing_req req;
    sl_landing_item items[3];
    int rc;
    atomic_int done;
} submitted;

static void on_submitted(sl_landing_req *req, int rc)
{
    submitted *s = req->ud;
    s->rc = rc;
    atomic_store(&s->done, 1);
}

static void submit_and_wait(sl_js *js, submitted *s, size_t n)
{
    s->req.items = s->items;
    s->req.nitems = n;
    s->req.done = on_submitted;
    s->req.ud = s;
    s->rc = -1;
    atomic_store(&s->done, 0);
    sl_js_submit(js, &s->req);
    for (int64_t end = now_ms() + 10000; !atomic_load(&s->done) && now_ms() < end;) {
        sleep_ms(5);
    }
    assert_true(atomic_load(&s->done));
}

static void test_jetstream_submit_publishes_items_then_calls_back(void **state)
{
    (void)state;
    sl_js *js = open_js(0);
    submitted s = {0};
    s.items[0] = (sl_landing_item){.flow_id = "flowA",
                                   .xaction_id = "x-1",
                                   .msg_id = "ev-1",
                                   .received_ms = 1700000000001,
                                   .body = sl_str_c("{\"event_id\":\"ev-1\"}")};
    s.items[1] = (sl_landing_item){.flow_id = "flowB",
                                   .xaction_id = "x-2",
                                   .received_ms = 1700000000002,
                                   .body = sl_str_c("not json"),
                                   .status = 400,
                                   .detail = "{\"code\":\"INGEST-1401-400\"}"};
    submit_and_wait(js, &s, 2);
    assert_int_equal(s.rc, SL_OK);
    /* A resend of ev-1 (new xaction id) is acknowledged too, and dropped by the server. */
    s.items[0].xaction_id = "x-3";
    submit_and_wait(js, &s, 1);
    assert_int_equal(s.rc, SL_OK);

    sl_js_msg *m = NULL;
    size_t n = fetch(js, 10, 2000, &m);
    assert_int_equal(n, 2);
    assert_string_equal(m[0].flow_id, "flowA");
    assert_string_equal(m[0].xaction_id, "x-1");
    assert_int_equal(m[0].received_ms, 1700000000001);
    assert_string_equal(m[1].flow_id, "flowB");
    assert_int_equal(m[1].status, 400);
    assert_string_equal(m[1].detail, "{\"code\":\"INGEST-1401-400\"}");
    assert_memory_equal(m[1].body.ptr, "not json", 8);
    sl_err err = {0};
    assert_int_equal(sl_js_ack(js, m, n, &err), SL_OK);
    sl_js_msgs_free(m, n);

    /* A flow id that cannot be a subject token fails the request (503 at collect). */
    s.items[0].flow_id = "bad.flow";
    submit_and_wait(js, &s, 1);
    assert_int_equal(s.rc, SL_EBUSY);
    sl_js_close(js);

    /* After close began: refused at once. */
    js = open_js(0);
    sl_js_close(js);
}

static void test_jetstream_backlog_counts_unprocessed_per_flow(void **state)
{
    (void)state;
    sl_js *js = open_js(0);
    sl_err err = {0};
    int64_t count = -1, oldest = -1;
    assert_int_equal(sl_js_backlog(js, NULL, &count, &oldest, &err), SL_OK);
    assert_int_equal(count, 0);
    assert_int_equal(oldest, 0);
    publish(js, "flowA", "ev-1", "x-1", "{}", NULL); /* received 1700000000123 */
    publish(js, "flowA", "ev-2", "x-2", "{}", NULL);
    publish(js, "flowB", "ev-3", "x-3", "{}", NULL);
    /* The consumer's leader learns of new messages through the cluster: wait for it. */
    for (int64_t end = now_ms() + 5000; now_ms() < end; sleep_ms(50)) {
        assert_int_equal(sl_js_backlog(js, NULL, &count, &oldest, &err), SL_OK);
        if (count == 3) {
            break;
        }
    }
    assert_int_equal(count, 3);
    assert_int_equal(oldest, 1700000000123);

    /* Process flowA's two: flowA has no backlog any more, flowB still has. */
    sl_js_msg *m = NULL;
    size_t n = fetch(js, 2, 2000, &m);
    assert_int_equal(n, 2);
    assert_int_equal(sl_js_ack(js, m, n, &err), SL_OK);
    sl_js_msgs_free(m, n);
    /* The acks reach the consumer's leader through the cluster: wait for its ack floor. */
    for (int64_t end = now_ms() + 5000; now_ms() < end; sleep_ms(50)) {
        assert_int_equal(sl_js_backlog(js, "flowA", &count, &oldest, &err), SL_OK);
        if (count == 0) {
            break;
        }
    }
    assert_int_equal(count, 0);
    assert_int_equal(oldest, 0);
    assert_int_equal(sl_js_backlog(js, "flowB", &count, &oldest, &err), SL_OK);
    assert_int_equal(count, 1);
    assert_int_equal(oldest, 1700000000123);
    assert_int_equal(sl_js_backlog(js, "flowC", &count, &oldest, &err), SL_OK);
    assert_int_equal(count, 0);

    /* The stream's identity names its incarnation. */
    const char *id = sl_js_stream_id(js);
    assert_int_equal(strncmp(id, STREAM "@", strlen(STREAM) + 1), 0);
    assert_true(strtoll(id + strlen(STREAM) + 1, NULL, 10) > 0);
    sl_js_close(js);
}

static bool confirm_not_marked(void *ud, sl_str body)
{
    (void)ud;
    for (size_t i = 0; i + 4 <= body.len; i++) {
        if (memcmp(body.ptr + i, "keep", 4) == 0) {
            return false;
        }
    }
    return true;
}

static bool stored(uint64_t seq)
{
    natsMsg *m = NULL;
    natsStatus s = js_GetMsg(&m, g.ctx, STREAM, seq, NULL, NULL);
    natsMsg_Destroy(m);
    return s == NATS_OK;
}

static void test_jetstream_erase_removes_matching_events(void **state)
{
    (void)state;
    sl_js *js = open_js(0);
    sl_err err = {0};
    int64_t deleted = -1;
    const char *needles[] = {"Alice@Example.com", "cio_42"};
    /* An empty stream: nothing to do. */
    assert_int_equal(sl_js_erase(js, needles, 2, confirm_not_marked, NULL, &deleted, &err), SL_OK);
    assert_int_equal(deleted, 0);
    publish(js, "flowA", "e1", "x1", "{\"email\":\"alice@example.com\"}", NULL);
    publish(js, "flowA", "e2", "x2", "{\"email\":\"bob@example.com\"}", NULL);
    publish(js, "flowB", "e3", "x3", "{\"cio_id\":\"cio_42\"}", NULL);
    publish(js, "flowB", "e4", "x4", "{\"email\":\"alice@example.com\",\"keep\":1}", NULL);
    assert_int_equal(sl_js_erase(js, needles, 2, confirm_not_marked, NULL, &deleted, &err), SL_OK);
    assert_int_equal(deleted, 2);
    assert_false(stored(1));
    assert_true(stored(2));
    assert_false(stored(3));
    assert_true(stored(4)); /* contains a needle, but `confirm` said no */
    /* The consumer still delivers what is left, in order. */
    sl_js_msg *m = NULL;
    size_t n = fetch(js, 10, 2000, &m);
    assert_int_equal(n, 2);
    assert_string_equal(m[0].xaction_id, "x2");
    assert_string_equal(m[1].xaction_id, "x4");
    assert_int_equal(sl_js_ack(js, m, n, &err), SL_OK);
    sl_js_msgs_free(m, n);
    sl_js_close(js);
}

/* Retries `publish` for up to 20 s: while a stream leader is re-elected publishes time out. */
static void publish_eventually(sl_js *js, const char *flow, const char *id)
{
    int64_t end = now_ms() + 20000;
    sl_err err = {0};
    int rc = SL_EBUSY;
    while (rc != SL_OK && now_ms() < end) {
        bool dup = false;
        rc = sl_js_publish(js, flow, id, id, 1, 0, NULL, sl_str_c("{}"), 2000, &dup, &err);
        if (rc != SL_OK) {
            assert_int_equal(rc, SL_EBUSY);
            sleep_ms(200);
        }
    }
    if (rc != SL_OK) {
        print_error("publish with one node down: %s\n", err.msg);
    }
    assert_int_equal(rc, SL_OK);
}

static void test_jetstream_survives_one_node_killed(void **state)
{
    (void)state;
    sl_js *js = open_js(0);
    publish(js, "flowA", "before", "x-0", "{}", NULL);

    /* Kill the stream's leader, so the other two must elect a new one. */
    jsStreamInfo *si = NULL;
    assert_int_equal(js_GetStreamInfo(&si, g.ctx, STREAM, NULL, NULL), NATS_OK);
    assert_non_null(si->Cluster);
    assert_non_null(si->Cluster->Leader);
    int victim = (int)strtol(si->Cluster->Leader + 1, NULL, 10) - 1; /* "n2" -> 1 */
    jsStreamInfo_Destroy(si);
    assert_in_range(victim, 0, NODES - 1);
    kill_node(victim);
    publish_eventually(js, "flowA", "during-1");
    publish_eventually(js, "flowA", "during-2");

    int64_t end = now_ms() + 20000;
    size_t got = 0;
    sl_err err = {0};
    while (got < 3 && now_ms() < end) {
        sl_js_msg *m = NULL;
        size_t n = 0;
        if (sl_js_fetch(js, 10, 1000, &m, &n, &err) == SL_OK && n > 0 &&
            sl_js_ack(js, m, n, &err) == SL_OK) {
            got += n;
        }
        sl_js_msgs_free(m, n);
    }
    assert_int_equal(got, 3);

    start_node(victim);
    assert_true(wait_port(g.port[victim], 10000));
    publish_eventually(js, "flowA", "after");
    sl_js_close(js);
}

static void test_jetstream_not_ready_when_all_nodes_down(void **state)
{
    (void)state;
    sl_js *js = open_js(0);
    char why[64] = "";
    assert_true(sl_js_ready(js, why, sizeof why));
    for (int i = 0; i < NODES; i++) {
        kill_node(i);
    }
    int64_t end = now_ms() + 10000;
    bool ready = true;
    while (ready && now_ms() < end) {
        ready = sl_js_ready(js, why, sizeof why);
        if (ready) {
            sleep_ms(50);
        }
    }
    assert_false(ready);
    assert_non_null(strstr(why, "nats"));

    sl_err err = {0};
    bool dup = false;
    assert_int_equal(
        sl_js_publish(js, "flowA", "e", "x", 1, 0, NULL, sl_str_c("{}"), 300, &dup, &err),
        SL_EBUSY);
    sl_js_close(js);

    /* Nothing to connect to: a startup error, not a hang. */
    sl_js_opts o = {.url = g.urls, .stream = STREAM, .consume = true};
    assert_int_equal(sl_js_open(&o, &js, &err), SL_EIO);
    assert_null(js);
}

int main(void)
{
    if (!find_server()) {
        const char *ci = getenv("CI");
        if (ci != NULL && strcmp(ci, "true") == 0) {
            (void)fprintf(stderr, "test_jetstream: nats-server not found and CI=true: failing\n");
            return 1;
        }
        (void)fprintf(stderr,
                      "test_jetstream: nats-server not found (apt-get install nats-server); "
                      "skipping\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_jetstream_open_creates_r3_stream_and_consumer, drop_stream),
        cmocka_unit_test_teardown(test_jetstream_open_rejects_mismatched_stream, drop_stream),
        cmocka_unit_test_teardown(test_jetstream_publish_then_fetch_returns_event, drop_stream),
        cmocka_unit_test_teardown(test_jetstream_same_msg_id_is_duplicate, drop_stream),
        cmocka_unit_test_teardown(test_jetstream_unacked_is_redelivered_acked_is_not, drop_stream),
        cmocka_unit_test_teardown(test_jetstream_submit_publishes_items_then_calls_back,
                                  drop_stream),
        cmocka_unit_test_teardown(test_jetstream_backlog_counts_unprocessed_per_flow, drop_stream),
        cmocka_unit_test_teardown(test_jetstream_erase_removes_matching_events, drop_stream),
        cmocka_unit_test_teardown(test_jetstream_survives_one_node_killed, drop_stream),
        /* Last: it stops every node. */
        cmocka_unit_test(test_jetstream_not_ready_when_all_nodes_down),
    };
    int failed = cmocka_run_group_tests(tests, cluster_up, cluster_down);
    nats_CloseAndWait(5000);
    return failed;
}
