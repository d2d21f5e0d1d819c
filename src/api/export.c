/* SPDX-License-Identifier: Apache-2.0 */
/* api/export.c: Data Access (/data/foundation/export): the dataset preview. */
#include "api/api_int.h"

#include "core/limits.h"

#include <stdlib.h>

void sl__api_dataset_preview(sl_http_req *req, void *ud)
{
    sl_app *app = ud;
    const char *id = sl_http_param(req, "dataSetId");
    const char *lim = sl_http_query(req, "limit");
    long limit = SL_MAX_PREVIEW_ROWS;
    if (lim != NULL) {
        char *end = NULL;
        limit = strtol(lim, &end, 10);
        if (end == lim || *end != '\0' || limit < 1 || limit > SL_MAX_PREVIEW_ROWS) {
            sl_http_reply_problem(req, 400, "Invalid limit",
                                  "'limit' must be an integer from 1 to %d, not '%.40s'",
                                  SL_MAX_PREVIEW_ROWS, lim);
            return;
        }
    }
    json_object *doc = NULL;
    json_object *rows = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_store_doc_get(app->store, "dataset", id, &doc, NULL, NULL, &err) != SL_OK ||
        sl_store_dataset_preview(app->store, id, (int)limit, &rows, &err) != SL_OK) {
        json_object_put(doc);
        sl__api_reply_err(req, &err);
        return;
    }
    json_object_put(doc);
    json_object *out = json_object_new_object();
    json_object_object_add(out, "data", rows);
    sl_http_reply_json(req, 200, out);
}
