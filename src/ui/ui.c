/* SPDX-License-Identifier: Apache-2.0 */
#include "ui/ui.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct sl_ui_asset {
    const char *path;
    const unsigned char *data;
    size_t len;
} sl_ui_asset;
extern const sl_ui_asset sl_ui_assets[];

static const sl_ui_asset *find(const char *path)
{
    for (const sl_ui_asset *a = sl_ui_assets; a->path != NULL; a++) {
        if (strcmp(a->path, path) == 0) {
            return a;
        }
    }
    return NULL;
}

static const char *media_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    static const struct {
        const char *ext, *type;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".css", "text/css; charset=utf-8"},
                 {".svg", "image/svg+xml"},
                 {".json", "application/json"}};
    for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(dot, types[i].ext) == 0) {
            return types[i].type;
        }
    }
    return "application/octet-stream";
}

void sl_ui_serve(sl_http_req *req, void *ud)
{
    (void)ud;
    const char *path = sl_http_param(req, "path");
    if (path == NULL || *path == '\0') {
        path = "index.html";
    }
    const sl_ui_asset *a = find(path);
    const char *slash = strrchr(path, '/');
    bool has_ext = strchr(slash != NULL ? slash : path, '.') != NULL;
    if (a == NULL && !has_ext) {
        a = find("index.html"); /* a route of the single-page app */
        path = "index.html";
    }
    if (a == NULL) {
        sl_http_reply_problem(req, 404, NULL, "no file '%.100s' in the web UI", path);
        return;
    }
    /* Everything the UI loads comes from this listener; nothing from other sites. */
    sl_http_add_header(req, "Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                       "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
                       "base-uri 'none'; form-action 'self'");
    sl_http_add_header(req, "X-Content-Type-Options", "nosniff");
    sl_http_add_header(req, "Referrer-Policy", "no-referrer");
    sl_http_add_header(req, "Cache-Control", "no-cache");
    sl_http_reply_text(req, 200, media_type(path), (const char *)a->data, a->len);
}

void sl_ui_redirect(sl_http_req *req, void *ud)
{
    (void)ud;
    sl_http_add_header(req, "Location", "/ui/");
    sl_http_reply_text(req, 302, "text/plain; charset=utf-8", "see /ui/\n", 9);
}
