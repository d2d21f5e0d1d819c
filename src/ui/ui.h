/* SPDX-License-Identifier: Apache-2.0 */
/* ui/ui.h: the web UI's static files, embedded at build time from ui/ (cmake/embed_ui.cmake),
 * served by the admin listener under /ui/. Every other path under /ui/ without a file
 * extension answers index.html, so the single-page app's own routes survive a reload. */
#ifndef SL_UI_H
#define SL_UI_H

#include "http/server.h"

/* GET /ui/{path*}, /ui and / (a redirect to /ui/). */
void sl_ui_serve(sl_http_req *req, void *ud);
void sl_ui_redirect(sl_http_req *req, void *ud);

#endif
