/* SPDX-License-Identifier: Apache-2.0 */
/* http/server.c: libmicrohttpd glue. MHD calls the access handler several times per request:
 * once with the headers, once per body chunk, once more at the end, and once after each
 * resume. The request object carries the state between those calls. */
#include "http/server.h"

#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_PARAMS  4
#define MAX_HEADERS 8

struct sl_http_server {
    sl_http_config cfg;
    struct MHD_Daemon *daemon;
    MHD_socket quiesced; /* the listen socket after quiesce: closed only after stop */
    unsigned port;
    atomic_uint inflight;
    /* Set by sl_http_quiesce. A request checks it after counting itself in `inflight`, so once
     * sl_http_drain has seen zero no request can still suspend itself (libmicrohttpd aborts
     * when it is stopped with a suspended connection). */
    atomic_bool closing;
    atomic_uint parked;             /* suspended and not yet resumed */
    atomic_uint_fast64_t counts[6]; /* [0] unused, [1..5] status classes */
};

struct sl_http_req {
    sl_http_server *srv;
    struct MHD_Connection *conn;
    const sl_http_route *route;
    const char *method;
    const char *path;
    struct {
        char name[32];
        char *value;
    } params[MAX_PARAMS];
    int nparams;
    sl_buf body;
    size_t max_body;
    bool too_big;
    bool body_done;
    bool suspended;
    bool sent;
    int64_t received_ms;
    int64_t start_ns;
    /* the reply, built by any thread, sent by MHD's thread */
    unsigned status;
    struct MHD_Response *resp;
    struct {
        char *name;
        char *value;
    } headers[MAX_HEADERS];
    int nheaders;
    void *data;
    void (*release)(void *);
};

const char *sl_http_reason(unsigned status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 207:
        return "Multi-Status";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 428:
        return "Precondition Required";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return status < 400 ? "OK" : "Error";
    }
}

/* ---- routing ---- */

/* Match `path` against `pattern`; on success fill the request's captures. */
static bool route_match(const char *pattern, const char *path, sl_http_req *req)
{
    const char *p = pattern;
    const char *s = path;
    int n = 0;
    while (*p != '\0' && *s != '\0') {
        if (*p != '/' || *s != '/') {
            return false;
        }
        p++;
        s++;
        const char *pend = strchr(p, '/');
        const char *send = strchr(s, '/');
        size_t plen = pend != NULL ? (size_t)(pend - p) : strlen(p);
        size_t slen = send != NULL ? (size_t)(send - s) : strlen(s);
        size_t padv = plen;
        if (plen > 3 && p[0] == '{' && p[plen - 2] == '*' && p[plen - 1] == '}') {
            /* {name*}: the rest of the path, slashes included (a schema's $id) */
            slen = strlen(s);
            plen--;
        }
        if (plen > 2 && p[0] == '{' && (p[plen - 1] == '}' || p[plen - 1] == '*')) {
            if (slen == 0 || n == MAX_PARAMS) {
                return false;
            }
            if (req != NULL) {
                size_t nl = plen - 2 < sizeof(req->params[0].name) - 1
                                ? plen - 2
                                : sizeof(req->params[0].name) - 1;
                memcpy(req->params[n].name, p + 1, nl);
                req->params[n].name[nl] = '\0';
                req->params[n].value = sl_strndup((sl_str){s, slen});
            }
            n++;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        p += padv;
        s += slen;
    }
    if (*p != '\0' || *s != '\0') {
        return false;
    }
    if (req != NULL) {
        req->nparams = n;
    }
    return true;
}

static void free_params(sl_http_req *req)
{
    for (int i = 0; i < req->nparams; i++) {
        free(req->params[i].value);
        req->params[i].value = NULL;
    }
    req->nparams = 0;
}

/* ---- replies ---- */

static void set_reply(sl_http_req *req, unsigned status, const char *content_type, const void *data,
                      size_t len)
{
    if (req->resp != NULL || req->sent) {
        return;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        SL_LOG_ERROR("http", "cannot create a response status=%u", status);
        return;
    }
    (void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    for (int i = 0; i < req->nheaders; i++) {
        (void)MHD_add_response_header(r, req->headers[i].name, req->headers[i].value);
    }
    req->status = status;
    req->resp = r;
}

void sl_http_reply_text(sl_http_req *req, unsigned status, const char *content_type,
                        const char *text, size_t len)
{
    set_reply(req, status, content_type, text, len);
}

void sl_http_reply_json_type(sl_http_req *req, unsigned status, const char *content_type,
                             json_object *body)
{
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    set_reply(req, status, content_type, text, len);
    json_object_put(body);
}

void sl_http_reply_json(sl_http_req *req, unsigned status, json_object *body)
{
    sl_http_reply_json_type(req, status, "application/json", body);
}

static void reply_problem_v(sl_http_req *req, unsigned status, const char *title, const char *fmt,
                            va_list ap) __attribute__((format(printf, 4, 0)));
static void reply_problem_v(sl_http_req *req, unsigned status, const char *title, const char *fmt,
                            va_list ap)
{
    char detail[512];
    (void)vsnprintf(detail, sizeof(detail), fmt, ap);
    json_object *o = json_object_new_object();
    char type[96];
    (void)snprintf(type, sizeof(type), "https://sluice.dev/problems/%u", status);
    json_object_object_add(o, "type", json_object_new_string(type));
    json_object_object_add(o, "title",
                           json_object_new_string(title != NULL ? title : sl_http_reason(status)));
    json_object_object_add(o, "status", json_object_new_int((int)status));
    json_object_object_add(o, "detail", json_object_new_string(detail));
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    set_reply(req, status, "application/problem+json", text, len);
    json_object_put(o);
}

void sl_http_reply_problem(sl_http_req *req, unsigned status, const char *title, const char *fmt,
                           ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply_problem_v(req, status, title, fmt, ap);
    va_end(ap);
}

void sl_http_reply_err(sl_http_req *req, const sl_err *err)
{
    unsigned status = (unsigned)sl_err_status(err->code);
    if (err->code == SL_EBUSY) {
        sl_http_add_header(req, "Retry-After", "5");
    }
    sl_http_reply_problem(req, status, NULL, "%s",
                          err->msg[0] != '\0' ? err->msg : sl_err_text(err->code));
}

void sl_http_add_header(sl_http_req *req, const char *name, const char *value)
{
    if (req->resp != NULL) {
        (void)MHD_add_response_header(req->resp, name, value);
        return;
    }
    if (req->nheaders < MAX_HEADERS) {
        req->headers[req->nheaders].name = sl_xstrdup(name);
        req->headers[req->nheaders].value = sl_xstrdup(value);
        req->nheaders++;
    }
}

bool sl_http_replied(const sl_http_req *req)
{
    return req->resp != NULL || req->sent;
}

/* ---- accessors ---- */

const char *sl_http_method(const sl_http_req *req)
{
    return req->method;
}

const char *sl_http_path(const sl_http_req *req)
{
    return req->path;
}

const char *sl_http_param(const sl_http_req *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++) {
        if (strcmp(req->params[i].name, name) == 0) {
            return req->params[i].value;
        }
    }
    return NULL;
}

const char *sl_http_query(const sl_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct query_walk {
    const char *name;
    const char **out;
    size_t max;
    size_t n;
} query_walk;

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    query_walk *w = cls;
    if (key != NULL && value != NULL && strcmp(key, w->name) == 0 && w->n < w->max) {
        w->out[w->n++] = value;
    }
    return MHD_YES;
}

size_t sl_http_query_values(const sl_http_req *req, const char *name, const char **out, size_t max)
{
    query_walk w = {name, out, max, 0};
    (void)MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_query, &w);
    return w.n;
}

const char *sl_http_header(const sl_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

sl_str sl_http_body(const sl_http_req *req)
{
    sl_str s = {req->body.ptr != NULL ? req->body.ptr : "", req->body.len};
    return s;
}

int64_t sl_http_received_ms(const sl_http_req *req)
{
    return req->received_ms;
}

void sl_http_set_data(sl_http_req *req, void *data, void (*release)(void *))
{
    if (req->release != NULL) {
        req->release(req->data);
    }
    req->data = data;
    req->release = release;
}

void *sl_http_data(const sl_http_req *req)
{
    return req->data;
}

void sl_http_suspend(sl_http_req *req)
{
    req->suspended = true;
    atomic_fetch_add(&req->srv->parked, 1);
    MHD_suspend_connection(req->conn);
}

void sl_http_resume(sl_http_req *req)
{
    /* `req` may be freed as soon as the connection resumes; the server is not, since
     * sl_http_stop leaves a listener with parked requests alone. */
    sl_http_server *srv = req->srv;
    MHD_resume_connection(req->conn);
    atomic_fetch_sub(&srv->parked, 1);
}

/* ---- MHD callbacks ---- */

static enum MHD_Result send_reply(sl_http_req *req)
{
    if (req->resp == NULL) {
        sl_http_reply_problem(req, 500, NULL, "the handler for %s %s gave no reply", req->method,
                              req->path);
    }
    if (req->resp == NULL) {
        return MHD_NO;
    }
    if (atomic_load(&req->srv->closing)) {
        /* Keep-alive connections outlive the quiesced listener: tell the client to go. */
        (void)MHD_add_response_header(req->resp, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    enum MHD_Result ret = MHD_queue_response(req->conn, req->status, req->resp);
    MHD_destroy_response(req->resp);
    req->resp = NULL;
    req->sent = true;
    unsigned cls = req->status / 100;
    if (cls >= 1 && cls <= 5) {
        atomic_fetch_add(&req->srv->counts[cls], 1);
    }
    SL_LOG_DEBUG("http", "request listener=%s method=%s path=%s status=%u us=%lld",
                 req->srv->cfg.name, req->method, req->path, req->status,
                 (long long)((sl_mono_ns() - req->start_ns) / 1000));
    return ret;
}

static const sl_http_route *find_route(sl_http_server *srv, const char *method, const char *path,
                                       sl_http_req *req, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < srv->cfg.nroutes; i++) {
        const sl_http_route *r = &srv->cfg.routes[i];
        if (!route_match(r->pattern, path, NULL)) {
            continue;
        }
        *path_known = true;
        if (strcmp(r->method, method) == 0) {
            (void)route_match(r->pattern, path, req);
            return r;
        }
    }
    return NULL;
}

static void allowed_methods(sl_http_server *srv, const char *path, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < srv->cfg.nroutes; i++) {
        const sl_http_route *r = &srv->cfg.routes[i];
        if (route_match(r->pattern, path, NULL) && strstr(out, r->method) == NULL) {
            size_t used = strlen(out);
            (void)snprintf(out + used, cap - used, "%s%s", used != 0 ? ", " : "", r->method);
        }
    }
}

/* The host part of a Host header value: "[::1]:8080" -> "[::1]", "a.b:80" -> "a.b". */
static size_t host_len(const char *h)
{
    if (h[0] == '[') {
        const char *end = strchr(h, ']');
        return end != NULL ? (size_t)(end - h) + 1 : strlen(h);
    }
    const char *colon = strchr(h, ':');
    return colon != NULL ? (size_t)(colon - h) : strlen(h);
}

/* Health probes skip the Host and API key checks: load balancers and orchestrators send the
 * node's address and no credentials. */
static bool is_probe(const sl_http_req *req)
{
    return strcmp(req->path, "/healthz") == 0 || strcmp(req->path, "/readyz") == 0;
}

/* The web UI's static files hold no data: the browser must load them before it can log in. */
static bool is_public_asset(const sl_http_req *req)
{
    return strcmp(req->method, "GET") == 0 &&
           (strcmp(req->path, "/") == 0 || strcmp(req->path, "/ui") == 0 ||
            strncmp(req->path, "/ui/", 4) == 0);
}

/* DNS rebinding guard: a listener with allowed_hosts answers only requests whose Host names one
 * of them (any port). */
static bool name_allowed(const sl_http_server *srv, const char *name, size_t len)
{
    for (const char *const *a = srv->cfg.allowed_hosts; *a != NULL; a++) {
        if (strlen(*a) == len && strncasecmp(*a, name, len) == 0) {
            return true;
        }
    }
    return false;
}

static bool host_allowed(const sl_http_server *srv, const sl_http_req *req)
{
    if (srv->cfg.allowed_hosts == NULL || is_probe(req)) {
        return true;
    }
    const char *host = sl_http_header(req, MHD_HTTP_HEADER_HOST);
    return host != NULL && name_allowed(srv, host, host_len(host));
}

/* A browser names the page that sent a request in Origin. A page of another site may still
 * send a request whose Host passes (it targets http://127.0.0.1:8080 directly, CSRF), so a
 * present Origin must name an allowed host too. Non-browser clients send no Origin. */
static bool origin_allowed(const sl_http_server *srv, const sl_http_req *req)
{
    if (srv->cfg.allowed_hosts == NULL || is_probe(req)) {
        return true;
    }
    const char *origin = sl_http_header(req, "Origin");
    if (origin == NULL) {
        return true;
    }
    const char *p = strstr(origin, "://");
    if (p == NULL) {
        return false; /* "null" (sandboxed frames, file: pages) and garbage */
    }
    p += 3;
    return name_allowed(srv, p, host_len(p));
}

static enum MHD_Result on_first_call(sl_http_server *srv, sl_http_req *req)
{
    bool path_known = false;
    if (atomic_load(&srv->closing)) {
        /* A request on a kept-alive connection after shutdown began (one whose headers came
         * earlier is in flight and goes on). */
        sl_http_add_header(req, "Retry-After", "5");
        sl_http_reply_problem(req, 503, "Shutting down",
                              "sluice is shutting down and takes no new requests; retry later");
        return send_reply(req);
    }
    if (!host_allowed(srv, req)) {
        sl_http_reply_problem(req, 403, "Host not allowed",
                              "this listener answers only for Host 127.0.0.1, localhost, [::1] "
                              "or the host of its configured public URL");
        return send_reply(req);
    }
    if (!origin_allowed(srv, req)) {
        sl_http_reply_problem(req, 403, "Origin not allowed",
                              "requests from web pages are accepted only from pages served by "
                              "this listener (Origin 127.0.0.1, localhost, [::1] or its public "
                              "URL)");
        return send_reply(req);
    }
    if (srv->cfg.authorize != NULL && !is_probe(req) && !is_public_asset(req)) {
        char why[256] = "";
        unsigned refuse = srv->cfg.authorize(req, srv->cfg.authorize_ud, why, sizeof(why));
        if (refuse != 0) {
            sl_http_add_header(req, refuse == 401 ? "WWW-Authenticate" : "Retry-After",
                               refuse == 401 ? "Bearer" : "5");
            sl_http_reply_problem(req, refuse, NULL, "%s",
                                  why[0] != '\0' ? why : "a valid API key is required");
            return send_reply(req);
        }
    }
    req->route = find_route(srv, req->method, req->path, req, &path_known);
    if (req->route == NULL) {
        if (path_known) {
            char allow[128];
            allowed_methods(srv, req->path, allow, sizeof(allow));
            sl_http_add_header(req, "Allow", allow);
            sl_http_reply_problem(req, 405, NULL, "%s is not allowed on %s; allowed: %s",
                                  req->method, req->path, allow);
        } else {
            sl_http_reply_problem(req, 404, NULL, "no such path: %s", req->path);
        }
        return send_reply(req);
    }
    req->max_body = req->route->max_body != 0 ? req->route->max_body : srv->cfg.max_body;
    if (req->route->on_headers != NULL) {
        req->route->on_headers(req, srv->cfg.ud);
        if (sl_http_replied(req)) {
            return send_reply(req);
        }
    }
    const char *cl = sl_http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL && strtoull(cl, NULL, 10) > req->max_body) {
        sl_http_reply_problem(req, 413, NULL,
                              "the body has %s bytes; the limit is %zu bytes (--max-body-bytes)",
                              cl, req->max_body);
        return send_reply(req);
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    sl_http_server *srv = cls;
    sl_http_req *req = *con_cls;
    if (req == NULL) {
        req = sl_xcalloc(1, sizeof(*req));
        req->srv = srv;
        req->conn = conn;
        req->method = method;
        req->path = url;
        req->received_ms = sl_now_ms();
        req->start_ns = sl_mono_ns();
        *con_cls = req;
        atomic_fetch_add(&srv->inflight, 1);
        return on_first_call(srv, req);
    }
    if (req->sent) {
        *upload_data_size = 0; /* replied early: discard the rest of the body */
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        if (!req->too_big && req->body.len + *upload_data_size <= req->max_body) {
            sl_buf_append(&req->body, upload_data, *upload_data_size);
        } else {
            req->too_big = true;
            sl_buf_fini(&req->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->suspended) {
        /* Called again after sl_http_resume: the reply is ready. */
        req->suspended = false;
        return send_reply(req);
    }
    if (req->body_done) {
        return send_reply(req);
    }
    req->body_done = true;
    if (req->too_big) {
        sl_http_reply_problem(req, 413, NULL,
                              "the body is larger than the limit of %zu bytes (--max-body-bytes)",
                              req->max_body);
        return send_reply(req);
    }
    req->route->on_body(req, srv->cfg.ud);
    if (req->suspended) {
        return MHD_YES;
    }
    return send_reply(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    sl_http_server *srv = cls;
    sl_http_req *req = *con_cls;
    if (req == NULL) {
        return;
    }
    if (req->release != NULL) {
        req->release(req->data);
    }
    if (req->resp != NULL) {
        MHD_destroy_response(req->resp);
    }
    for (int i = 0; i < req->nheaders; i++) {
        free(req->headers[i].name);
        free(req->headers[i].value);
    }
    free_params(req);
    sl_buf_fini(&req->body);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    sl_http_server *srv = cls;
    char msg[512];
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) {
        msg[--n] = '\0';
    }
    SL_LOG_WARN("http", "libmicrohttpd: %s listener=%s", msg, srv->cfg.name);
}

sl_http_server *sl_http_start(const sl_http_config *cfg, sl_err *err)
{
    sl_http_server *srv = sl_xcalloc(1, sizeof(*srv));
    srv->cfg = *cfg;
    srv->quiesced = MHD_INVALID_SOCKET;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    const char *host = cfg->host;
    if (strcmp(host, "localhost") == 0) {
        host = "127.0.0.1";
    }
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        (void)sl_err_set(err, SL_ECONFIG, "%s listener: '%s' is not an IP address", cfg->name,
                         cfg->host);
        free(srv);
        return NULL;
    }
    unsigned threads = cfg->threads != 0 ? cfg->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    threads = threads != 0 ? threads : 1;
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
        on_mhd_log, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
        threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        (void)sl_err_set(err, SL_EIO, "%s listener: cannot listen on %s:%u (in use?)", cfg->name,
                         cfg->host, cfg->port);
        free(srv);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info != NULL ? info->port : cfg->port;
    return srv;
}

unsigned sl_http_port(const sl_http_server *srv)
{
    return srv != NULL ? srv->port : 0;
}

void sl_http_quiesce(sl_http_server *srv)
{
    if (srv != NULL && srv->daemon != NULL && !atomic_exchange(&srv->closing, true)) {
        /* With internal threads the socket must stay open until MHD_stop_daemon. */
        srv->quiesced = MHD_quiesce_daemon(srv->daemon);
    }
}

unsigned sl_http_drain(sl_http_server *srv, int timeout_ms)
{
    if (srv == NULL) {
        return 0;
    }
    int64_t deadline = sl_mono_ns() + (int64_t)timeout_ms * 1000000;
    while (atomic_load(&srv->inflight) != 0 && sl_mono_ns() < deadline) {
        sl_sleep_ms(10);
    }
    return atomic_load(&srv->inflight);
}

void sl_http_stop(sl_http_server *srv)
{
    if (srv == NULL) {
        return;
    }
    unsigned parked = atomic_load(&srv->parked);
    if (parked > 0) {
        /* libmicrohttpd aborts the process when stopped with a parked request; leave the
         * listener to the process exit instead (the owner of each parked request still
         * answers it when its work ends). */
        SL_LOG_ERROR("http", "listener not stopped: requests still parked listener=%s count=%u",
                     srv->cfg.name, parked);
        return;
    }
    MHD_stop_daemon(srv->daemon);
    if (srv->quiesced != MHD_INVALID_SOCKET) {
        (void)close(srv->quiesced);
    }
    free(srv);
}

void sl_http_counts(const sl_http_server *srv, uint64_t counts[6])
{
    for (int i = 0; i < 6; i++) {
        counts[i] = atomic_load(&((sl_http_server *)srv)->counts[i]);
    }
}
