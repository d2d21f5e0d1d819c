/* SPDX-License-Identifier: Apache-2.0 */
/* cli/serve.c: `sluice serve`. Opens the store and the landing log, creates the Customer.io
 * dataflow on first start, starts the processor and both listeners, then waits for SIGTERM or
 * SIGINT: the first drains in-flight requests and flushes, a second exits at once. */
#include "alerts/alerts.h"
#include "api/api.h"
#include "api/auth.h"
#include "cli/cli.h"
#include "collect/inlet.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/mem.h"
#include "mapping/datetime.h"
#include "schema/schema.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DRAIN_MS 10000

typedef struct runtime {
    sl_config cfg;
    sl_app app;
    sl_collect collect;
    char *public_url;
    char admin_host[256];       /* host of admin.public_url, when set */
    const char *admin_hosts[5]; /* the admin listener's allowed Host names */
} runtime;

static int make_dirs(const char *path)
{
    char buf[4096];
    (void)snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0750) != 0 && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    return mkdir(buf, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

static void *second_signal(void *arg)
{
    sigset_t *set = arg;
    int sig = 0;
    (void)sigwait(set, &sig);
    static const char msg[] = "level=warn module=main msg=\"second signal; exiting now\"\n";
    ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)n;
    _exit(130);
}

static int start_listener(const char *name, const char *listen, const sl_config *cfg,
                          const sl_http_route *routes, size_t nroutes, size_t max_body, void *ud,
                          const char *const *allowed_hosts,
                          unsigned (*authorize)(sl_http_req *, void *, char *, size_t),
                          void *authorize_ud, sl_http_server **out, sl_err *err)
{
    char host[256];
    unsigned port = 0;
    if (sl_config_split_hostport(listen, host, sizeof(host), &port) != 0) {
        return sl_err_set(err, SL_ECONFIG, "%s: '%s' is not HOST:PORT", name, listen);
    }
    sl_http_config hc = {
        .name = name,
        .host = host,
        .port = port,
        .threads = (unsigned)cfg->threads,
        .max_body = max_body,
        .routes = routes,
        .nroutes = nroutes,
        .ud = ud,
        .allowed_hosts = allowed_hosts,
        .authorize = authorize,
        .authorize_ud = authorize_ud,
    };
    *out = sl_http_start(&hc, err);
    return *out != NULL ? SL_OK : err->code;
}

static void print_banner(runtime *rt, const char *flow_id)
{
    char host[256];
    unsigned port = 0;
    (void)sl_config_split_hostport(rt->cfg.admin_listen, host, sizeof(host), &port);
    sl_catalog *cat = sl_catalog_current(rt->app.catalog);
    const sl_flow_rt *flow = sl_catalog_flow(cat, flow_id);
    printf("sluice %s is running\n", SL_VERSION);
    printf("  admin API:   http://%s:%u\n", host, sl_http_port(rt->app.admin_srv));
    printf("  collect:     %s\n", rt->public_url);
    if (flow != NULL) {
        printf("  Customer.io webhook URL (Data & Integrations > Reporting Webhooks):\n"
               "    %s/collection/%s?x-adobe-flow-id=%s\n",
               rt->public_url, flow->inlet_id, flow->id);
        printf("  signing keys: %s\n", flow->nkeys > 0 ? "configured: webhooks must be signed"
                                                       : "none: unsigned webhooks are accepted "
                                                         "(set --cio-signing-keys)");
    }
    if (rt->app.js != NULL) {
        printf("  landing:     NATS JetStream stream %s\n", sl_js_stream_id(rt->app.js));
    } else {
        printf("  data:        %s\n", rt->cfg.data);
    }
    (void)fflush(stdout);
    sl_catalog_unref(cat);
}

static void shutdown_all(runtime *rt)
{
    sl_app *app = &rt->app;
    sl_http_quiesce(app->collect_srv);
    sl_http_quiesce(app->admin_srv);
    unsigned left = sl_http_drain(app->collect_srv, DRAIN_MS);
    /* Cluster mode: answer what still waits for JetStream before the listener goes away (a
     * suspended request must be resumed before libmicrohttpd stops). */
    sl_js_quiesce(app->js);
    if (app->js != NULL) {
        left = sl_http_drain(app->collect_srv, 2000);
    }
    left += sl_http_drain(app->admin_srv, 1000);
    if (left > 0) {
        SL_LOG_WARN("main", "requests still in flight at shutdown count=%u", left);
    }
    sl_http_stop(app->collect_srv);
    sl_http_stop(app->admin_srv);
    sl_alerts_stop(app->alerts);
    sl_processor_stop(app->processor);
    sl_landing_close(app->landing);
    sl_js_close(app->js);
    sl_store_unwatch(app->store);
    sl_catalog_holder_destroy(app->catalog);
    sl_store_close(app->store);
    free(rt->public_url);
    sl_config_fini(&rt->cfg);
}

/* The admin listener answers for loopback names and the host of admin.public_url only, so a
 * web page cannot reach it through DNS rebinding. */
static void admin_allowed_hosts(runtime *rt)
{
    int n = 0;
    rt->admin_hosts[n++] = "127.0.0.1";
    rt->admin_hosts[n++] = "localhost";
    rt->admin_hosts[n++] = "[::1]";
    const char *url = rt->cfg.admin_public_url;
    const char *p = url != NULL ? strstr(url, "://") : NULL;
    if (p != NULL) {
        p += 3;
        size_t len = p[0] == '[' ? strcspn(p, "]") + 1 : strcspn(p, ":/");
        if (len > 0 && len < sizeof(rt->admin_host)) {
            memcpy(rt->admin_host, p, len);
            rt->admin_host[len] = '\0';
            rt->admin_hosts[n++] = rt->admin_host;
        }
    }
    rt->admin_hosts[n] = NULL;
}

/* Without API keys the admin API is open, which is tolerable only where other machines cannot
 * reach it. Returns 0, or the exit status when the admin listener must not start. */
static int admin_key_rule(runtime *rt)
{
    char host[256] = "";
    unsigned port = 0;
    int64_t nkeys = 0;
    sl_err err;
    sl_err_clear(&err);
    (void)sl_config_split_hostport(rt->cfg.admin_listen, host, sizeof(host), &port);
    if (sl_store_apikey_count(rt->app.store, &nkeys, &err) != SL_OK) {
        SL_LOG_ERROR("main", "cannot count API keys error=\"%s\"", err.msg);
        return 1;
    }
    /* Name the store as the user did, without printing a URL that may hold a password. */
    char where[4200];
    (void)snprintf(where, sizeof(where), "%s %s", rt->cfg.store_src != 0 ? "--store" : "--data",
                   rt->cfg.store_src != 0 ? "URL" : rt->cfg.data);
    if (nkeys > 0) {
        SL_LOG_INFO("main", "admin API requires an API key keys=%lld", (long long)nkeys);
    } else if (sl_auth_host_is_loopback(host)) {
        SL_LOG_WARN("main",
                    "no API keys: the admin API is open to anyone on this machine; create one with "
                    "'sluice keys create --name admin %s' listen=%s",
                    where, rt->cfg.admin_listen);
    } else {
        SL_LOG_ERROR("main",
                     "refusing to start: the admin listener is not on a loopback address and no "
                     "API key exists; create one with 'sluice keys create --name admin %s' "
                     "listen=%s",
                     where, rt->cfg.admin_listen);
        return SL_EXIT_CONFIG;
    }
    return 0;
}

/* public_url, or http://{collect} with the port actually bound when it was 0. */
static char *effective_public_url(const runtime *rt)
{
    if (rt->cfg.public_url_src != 0) {
        return sl_xstrdup(rt->cfg.public_url);
    }
    char host[256];
    unsigned port = 0;
    (void)sl_config_split_hostport(rt->cfg.collect_listen, host, sizeof(host), &port);
    char buf[512];
    bool v6 = strchr(host, ':') != NULL;
    unsigned bound = sl_http_port(rt->app.collect_srv);
    (void)snprintf(buf, sizeof(buf), "http://%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
                   bound != 0 ? bound : port);
    return sl_xstrdup(buf);
}

static bool has_role(const sl_config *cfg, const char *role)
{
    for (size_t i = 0; i < cfg->roles.len; i++) {
        if (strcmp(cfg->roles.items[i], role) == 0) {
            return true;
        }
    }
    return false;
}

/* Another node changed the catalog (PostgreSQL NOTIFY or polling): take the new snapshot.
 * Returns false when the store failed midway (the current snapshot stays; the watcher asks
 * again at its next poll). */
static bool on_catalog_changed(void *ud)
{
    sl_app *app = ud;
    sl_err err;
    sl_err_clear(&err);
    int64_t t0 = sl_mono_ns();
    if (sl_api_reload_catalog(app, &err) != SL_OK) {
        SL_LOG_WARN("main", "cannot reload the catalog; retrying in 2 s error=\"%s\"", err.msg);
        return false;
    }
    SL_LOG_DEBUG("main", "catalog reloaded after a change took_us=%lld",
                 (long long)((sl_mono_ns() - t0) / 1000));
    return true;
}

static int serve(runtime *rt)
{
    sl_err err;
    sl_err_clear(&err);
    sl_app *app = &rt->app;
    char flow_id[40] = "";
    char path[4200];
    sl_catalog *cat = NULL;

    /* In cluster mode on PostgreSQL a node keeps no local state: no data directory. */
    bool stateless = rt->cfg.nats != NULL && strncmp(rt->cfg.store, "postgres", 8) == 0;
    if (!stateless && make_dirs(rt->cfg.data) != 0) {
        SL_LOG_ERROR("main", "cannot create the data directory dir=%s error=\"%s\"", rt->cfg.data,
                     strerror(errno));
        return 1;
    }
    app->cfg = &rt->cfg;
    bool collect_role = has_role(&rt->cfg, "collect");
    bool process_role = has_role(&rt->cfg, "process");
    bool admin_role = has_role(&rt->cfg, "admin");
    /* Cluster mode: the stream and consumer are checked before anything is written to the
     * store, so a misconfigured node leaves no trace. */
    int64_t retention_ms = (int64_t)rt->cfg.landing_retention_days * 86400000LL;
    if (rt->cfg.nats != NULL) {
        sl_js_opts jo = {.url = rt->cfg.nats,
                         .replicas = (int)rt->cfg.nats_replicas,
                         .max_age_ms = retention_ms,
                         .ack_wait_ms = (int)rt->cfg.nats_ack_wait * 1000,
                         .consume = process_role,
                         .max_body_bytes = collect_role ? (int64_t)rt->cfg.max_body_bytes : 0};
        if (sl_js_open(&jo, &app->js, &err) != SL_OK) {
            goto fail;
        }
        SL_LOG_INFO("main", "landing log is NATS JetStream stream=%s replicas=%lld",
                    sl_js_stream_id(app->js), (long long)rt->cfg.nats_replicas);
    }
    if ((app->store = sl_store_open(rt->cfg.store, &err)) == NULL ||
        sl_api_bootstrap(app->store, flow_id, &err) != SL_OK ||
        sl_api_ensure_defaults(app->store, &err) != SL_OK ||
        sl_catalog_load(app->store, &rt->cfg.cio_signing_keys, &cat, &err) != SL_OK) {
        goto fail;
    }
    app->catalog = sl_catalog_holder_create(cat);
    if (sl_store_watch(app->store, on_catalog_changed, app, &err) != SL_OK) {
        goto fail;
    }
    int krc = admin_key_rule(rt);
    if (krc != 0) {
        return krc;
    }
    if (app->js != NULL) {
        if (process_role && (app->processor = sl_processor_start_js(
                                 app->store, app->js, app->catalog, retention_ms, &err)) == NULL) {
            goto fail;
        }
    } else {
        (void)snprintf(path, sizeof(path), "%s/landing.db", rt->cfg.data);
        if ((app->landing = sl_landing_open(path, &err)) == NULL ||
            (process_role && (app->processor = sl_processor_start(app->store, app->landing,
                                                                  app->catalog, &err)) == NULL)) {
            goto fail;
        }
    }
    if (!process_role) {
        SL_LOG_INFO("main", "no process role: landed events wait for a node that processes them");
    }
    rt->collect.catalog = app->catalog;
    rt->collect.landing = app->landing;
    rt->collect.js = app->js;
    app->collect_role = collect_role;
    rt->collect.timestamp_tolerance_s = rt->cfg.cio_timestamp_tolerance;
    app->collect = &rt->collect;
    size_t ncr = 0;
    size_t nar = 0;
    const sl_http_route *cr = sl_collect_routes(&ncr);
    /* A node without the admin role still answers /healthz, /readyz and /metrics. */
    const sl_http_route *ar = admin_role ? sl_api_routes(&nar) : sl_api_ops_routes(&nar);
    admin_allowed_hosts(rt);
    if (collect_role && start_listener("collect", rt->cfg.collect_listen, &rt->cfg, cr, ncr,
                                       (size_t)rt->cfg.max_body_bytes, &rt->collect, NULL, NULL,
                                       NULL, &app->collect_srv, &err) != SL_OK) {
        goto fail;
    }
    /* Known before the admin listener answers its first request: flows show it. */
    rt->public_url = effective_public_url(rt);
    app->public_url = rt->public_url;
    if (start_listener("admin", rt->cfg.admin_listen, &rt->cfg, ar, nar, SL_MAX_ADMIN_BODY_BYTES,
                       app, rt->admin_hosts, sl_auth_authorize, app->store, &app->admin_srv,
                       &err) != SL_OK) {
        goto fail;
    }
    if (admin_role) {
        char admin_url[512];
        if (rt->cfg.admin_public_url != NULL) {
            (void)snprintf(admin_url, sizeof(admin_url), "%s", rt->cfg.admin_public_url);
        } else {
            (void)snprintf(admin_url, sizeof(admin_url), "http://127.0.0.1:%u",
                           sl_http_port(app->admin_srv));
        }
        sl_alerts_opts ao = {.st = app->store,
                             .landing = app->landing,
                             .js = app->js,
                             .cat = app->catalog,
                             .interval_s = (int)rt->cfg.alerts_interval,
                             .landing_retention_days = (int)rt->cfg.landing_retention_days,
                             .diagnostics_retention_days = (int)rt->cfg.diagnostics_retention_days,
                             .admin_url = admin_url};
        if ((app->alerts = sl_alerts_start(&ao, &err)) == NULL) {
            goto fail;
        }
    }
    SL_LOG_INFO("main", "ready admin_port=%u collect=%s data=%s", sl_http_port(app->admin_srv),
                rt->public_url, rt->cfg.data);
    print_banner(rt, flow_id);
    return 0;
fail:
    SL_LOG_ERROR("main", "cannot start error=\"%s\"", err.msg);
    return 1;
}

int sl_cli_serve(int argc, char **argv)
{
    if (sl_cli_wants_help(argc, argv)) {
        printf("usage: sluice serve [--config FILE] [options]\n\n"
               "Runs the collect listener (Customer.io webhooks), the admin listener (API,\n"
               "/healthz, /readyz, /metrics) and the pipeline on one data directory. On first\n"
               "start it creates a ready Customer.io dataflow and prints its webhook URL.\n"
               "Precedence: built-in default < YAML file < SLUICE_* environment < flags.\n"
               "SIGTERM/SIGINT drain in-flight requests and exit; a second signal exits at "
               "once.\n\nOptions:\n");
        sl_config_print_help(stdout);
        return 0;
    }
    runtime *rt = sl_xcalloc(1, sizeof(*rt));
    if (sl_cli_load_config(&rt->cfg, argc, argv) != 0) {
        sl_config_fini(&rt->cfg);
        free(rt);
        return SL_EXIT_CONFIG;
    }
    sl_log_level lvl = SL_LOG_LEVEL_INFO;
    (void)sl_log_level_parse(rt->cfg.log_level, &lvl);
    sl_log_threshold = (int)lvl;
    (void)sl_log_format_set(rt->cfg.log_format);

    /* Every thread inherits this mask, so only sigwait() below sees the signals. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Tests of hourly run windows shift the clock (docs/internals.md). */
    const char *offset = getenv("SLUICE_CLOCK_OFFSET_MS");
    if (offset != NULL && *offset != '\0') {
        sl_clock_set_offset_ms(strtoll(offset, NULL, 10));
        SL_LOG_WARN("main", "clock shifted by SLUICE_CLOCK_OFFSET_MS offset_ms=%s", offset);
    }
    /* Strings mapped to date-time fields are read as Data Prep's date() reads them. */
    sl_schema_set_date_parser(sl_datetime_text_to_iso);
    int rc = serve(rt);
    if (rc == 0) {
        int sig = 0;
        (void)sigwait(&set, &sig);
        /* Logged once the listeners refuse new requests, so whoever reads it can rely on it. */
        sl_http_quiesce(rt->app.collect_srv);
        sl_http_quiesce(rt->app.admin_srv);
        SL_LOG_INFO("main", "shutting down; draining in-flight requests signal=%d", sig);
        pthread_t t;
        if (pthread_create(&t, NULL, second_signal, &set) == 0) {
            (void)pthread_detach(t);
        }
    }
    shutdown_all(rt);
    if (rc == 0) {
        SL_LOG_INFO("main", "stopped");
    }
    free(rt);
    return rc;
}
