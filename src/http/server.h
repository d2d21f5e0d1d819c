/* SPDX-License-Identifier: Apache-2.0 */
/* http/server.h: a listener on libmicrohttpd (epoll, a pool of threads) with a small router.
 * Handlers run on MHD's threads. A handler either replies before it returns, or suspends the
 * request and replies later from any thread with sl_http_resume (the landing writer does this
 * after its group commit), so no request thread ever waits for the disk. */
#ifndef SL_HTTP_SERVER_H
#define SL_HTTP_SERVER_H

#include "core/err.h"
#include "core/str.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sl_http_server sl_http_server;
typedef struct sl_http_req sl_http_req;

typedef void (*sl_http_handler)(sl_http_req *req, void *ud);

typedef struct sl_http_route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/collection/{inletId}": literal segments and {name} captures */
    /* Optional: runs once the headers are in, before any body byte is read; it may reply at
     * once (for example 404 for an unknown inlet) and then the body is never read. */
    sl_http_handler on_headers;
    sl_http_handler on_body; /* runs when the whole body is in */
    size_t max_body;         /* larger bodies are answered 413; 0: the server's default */
} sl_http_route;

typedef struct sl_http_config {
    const char *name; /* "collect", "admin": for logs and metrics */
    const char *host;
    unsigned port; /* 0: any free port, see sl_http_port */
    unsigned threads;
    size_t max_body;
    const sl_http_route *routes;
    size_t nroutes;
    void *ud; /* passed to every handler */
    /* NULL-terminated host names a request's Host header must name (any port), or NULL to
     * accept any Host. /healthz and /readyz are always answered. */
    const char *const *allowed_hosts;
    /* Optional access check, called with `authorize_ud` for every request except /healthz and
     * /readyz and the UI's static files, after the Host check and before routing (so unknown
     * paths reveal nothing). Returns 0 to let the request pass, else the status to refuse it
     * with: 401 (with `WWW-Authenticate: Bearer`) or 503 (with `Retry-After`), as problem+json
     * with `why` (a NUL-terminated reason of at most `cap` bytes) as detail. Runs on request
     * threads. */
    unsigned (*authorize)(sl_http_req *req, void *ud, char *why, size_t cap);
    void *authorize_ud;
} sl_http_config;

/* Bind and start serving. Returns an owned server (release with sl_http_stop) or NULL. */
sl_http_server *sl_http_start(const sl_http_config *cfg, sl_err *err);

/* The bound port (useful with port 0). */
unsigned sl_http_port(const sl_http_server *srv);

/* Stop accepting new connections; requests in flight go on. A request that arrives after
 * this on a kept-alive connection gets 503 (Retry-After), and every reply from then on closes
 * its connection. */
void sl_http_quiesce(sl_http_server *srv);

/* Wait until no request is in flight, at most `timeout_ms`. Returns the number left. */
unsigned sl_http_drain(sl_http_server *srv, int timeout_ms);

/* Stop the threads and close every connection. NULL is a no-op. A listener that still has a
 * suspended request is left running (logged): stopping it would abort the process. */
void sl_http_stop(sl_http_server *srv);

/* Totals since start, by status class, for logs and /metrics. */
void sl_http_counts(const sl_http_server *srv, uint64_t counts[6]);

/* Request accessors. Strings are borrowed from the request and valid until it ends. */
const char *sl_http_method(const sl_http_req *req);
const char *sl_http_path(const sl_http_req *req);
/* A {name} capture of the route; NULL when the route has none of that name. */
const char *sl_http_param(const sl_http_req *req, const char *name);
const char *sl_http_query(const sl_http_req *req, const char *name);
/* Every value of a repeated query parameter, in order, up to `max`. Returns how many. */
size_t sl_http_query_values(const sl_http_req *req, const char *name, const char **out, size_t max);
const char *sl_http_header(const sl_http_req *req, const char *name);
sl_str sl_http_body(const sl_http_req *req);
int64_t sl_http_received_ms(const sl_http_req *req);

/* Attach a value with a destructor, called when the request ends. */
void sl_http_set_data(sl_http_req *req, void *data, void (*release)(void *));
void *sl_http_data(const sl_http_req *req);

/* Reply. The first reply wins; later ones are ignored. `body` is taken over (put). */
void sl_http_reply_json(sl_http_req *req, unsigned status, json_object *body);
/* The same with another JSON media type (application/problem+json for problem bodies with
 * extra members). */
void sl_http_reply_json_type(sl_http_req *req, unsigned status, const char *content_type,
                             json_object *body);
void sl_http_reply_text(sl_http_req *req, unsigned status, const char *content_type,
                        const char *text, size_t len);
/* application/problem+json {"type","title","status","detail"}; `title` NULL picks the
 * standard reason phrase. */
void sl_http_reply_problem(sl_http_req *req, unsigned status, const char *title, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));
/* A problem reply for `err`: its code gives the status, its message the detail. */
void sl_http_reply_err(sl_http_req *req, const sl_err *err);
/* Add a response header (before or with the reply). */
void sl_http_add_header(sl_http_req *req, const char *name, const char *value);
bool sl_http_replied(const sl_http_req *req);

/* Park the request: the handler returns without a reply, and some thread replies later, then
 * calls sl_http_resume. Call sl_http_suspend before handing the request to another thread. */
void sl_http_suspend(sl_http_req *req);
void sl_http_resume(sl_http_req *req);

/* The reason phrase of `status` ("Not Found"). */
const char *sl_http_reason(unsigned status);

#endif
