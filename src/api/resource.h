/* SPDX-License-Identifier: Apache-2.0 */
/* api/resource.h: the CRUD shared by the catalog-backed API resources (source and target
 * connections, flows, datasets, schemas): list with AEP's filters and paging, get, create,
 * JSON-Patch with etags, delete. A family describes its resource once and its handlers call
 * these. Writes are serialised and republish the catalog snapshot. */
#ifndef SL_API_RESOURCE_H
#define SL_API_RESOURCE_H

#include "api/api_int.h"

typedef struct sl_resource {
    const char *kind;  /* store kind, e.g. "flow" */
    const char *param; /* route capture holding the id, e.g. "flowId" */
    const char *noun;  /* for messages: "dataflow" */
    /* Optional: the store key for the route capture (a schema's $id or altId -> its hex). */
    const char *(*key_of)(const char *captured);
    /* The API view of a stored document: a new reference. */
    json_object *(*view)(const sl_app *app, const char *id, json_object *doc, const char *etag,
                         const int64_t times[2]);
    /* Validate a create body and store it; writes the new id. */
    int (*create)(sl_store *st, json_object *body, char *id_out, sl_err *err);
    /* Before a patch: add write-only values to the working copy so paths under them work. */
    void (*before_patch)(const sl_app *app, const char *id, json_object *doc);
    /* Validate a patched document against the stored one (may move parts out of `next`,
     * such as secrets). */
    int (*check)(sl_app *app, const char *id, json_object *old, json_object *next, sl_err *err);
    /* May `id` be deleted? SL_ECONFLICT with the reason when something depends on it. */
    int (*can_delete)(sl_app *app, const char *id, sl_err *err);
    /* After a delete: drop what belongs to it (dataset rows, secrets). */
    void (*after_delete)(sl_app *app, const char *id);
    /* List shape: Flow Service {"items":[...],"_links"}, Catalog (an object keyed by id),
     * Schema Registry {"results":[...],"_page":{...}}, or Data Prep {"data":[...],"_page"}. */
    enum { SL_LIST_ITEMS, SL_LIST_KEYED, SL_LIST_RESULTS, SL_LIST_DATA } list_style;
} sl_resource;

void sl_resource_list(sl_http_req *req, sl_app *app, const sl_resource *r);
/* Filter, order and page `views` (borrowed) by the request's list parameters and answer in
 * `list_style` (an SL_LIST_* value). `props` (when not NULL) replaces the request's `property`
 * filters. */
void sl_resource_reply_list(sl_http_req *req, json_object *views, int list_style,
                            const char *const *props, size_t nprops);
void sl_resource_get(sl_http_req *req, sl_app *app, const sl_resource *r);
/* Creates and answers 201 {"id","etag"}, ["@/dataSets/{id}"] (keyed) or the stored document
 * (results). */
void sl_resource_create(sl_http_req *req, sl_app *app, const sl_resource *r);
/* JSON-Patch (or, when `merge_ok`, a JSON object merged at the top level). `require_etag`:
 * If-Match must be present (428) and current (412). Answers 200 {"id","etag"}. */
void sl_resource_patch(sl_http_req *req, sl_app *app, const sl_resource *r, bool require_etag,
                       bool merge_ok);
void sl_resource_delete(sl_http_req *req, sl_app *app, const sl_resource *r);

/* Set `doc`'s top-level "state" and store it (If-Match honoured when given). */
void sl_resource_set_state(sl_http_req *req, sl_app *app, const sl_resource *r, const char *state);

/* Parse the request body as a JSON object (or array when `array_ok`); on failure replies 400
 * and returns NULL. New reference. */
json_object *sl_resource_body(sl_http_req *req, bool array_ok);

/* Serialise the API's writes (check-then-write must not interleave). */
void sl_resource_write_lock(void);
void sl_resource_write_unlock(void);

#endif
