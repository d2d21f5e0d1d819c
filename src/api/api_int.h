/* SPDX-License-Identifier: Apache-2.0 */
/* api/api_int.h: helpers shared by the API families (request-body checks with messages that
 * name the field, AEP list shapes) and the handlers the route table points at. */
#ifndef SL_API_INT_H
#define SL_API_INT_H

#include "api/api.h"

#include <stdbool.h>

/* The string at JSON pointer `ptr` of `body`; NULL with `err` naming the field when absent or
 * not a string (or empty). */
const char *sl__api_req_str(json_object *body, const char *ptr, sl_err *err);
/* The same, but absent is fine (returns NULL, err untouched); wrong type is an error. */
const char *sl__api_opt_str(json_object *body, const char *ptr, bool *bad, sl_err *err);
/* Each pointer of the NULL-terminated `ptrs` that is present in `body` must be a string;
 * otherwise SL_EINVAL naming the first one that is not. */
int sl__api_opt_strings(json_object *body, const char *const *ptrs, sl_err *err);
/* Last path segment of a schema $id ("https://ns.adobe.com/sluice/schemas/HEX" -> "HEX"). */
const char *sl__api_schema_key(const char *schema_id);
/* Reply with `err` as problem+json, for an error from a store or create function. */
void sl__api_reply_err(sl_http_req *req, const sl_err *err);
/* Reload the catalog snapshot after a change and publish it. */
int sl__api_reload(sl_app *app, sl_err *err);

/* Handlers. */
void sl__api_namespaces_list(sl_http_req *req, void *ud);
void sl__api_namespaces_get(sl_http_req *req, void *ud);
void sl__api_namespaces_create(sl_http_req *req, void *ud);
void sl__api_policies_list(sl_http_req *req, void *ud);
void sl__api_policies_create(sl_http_req *req, void *ud);
void sl__api_policies_get(sl_http_req *req, void *ud);
void sl__api_policies_patch(sl_http_req *req, void *ud);
void sl__api_policies_delete(sl_http_req *req, void *ud);
void sl__api_entities_get(sl_http_req *req, void *ud);
void sl__api_entities_delete(sl_http_req *req, void *ud);
void sl__api_graph_members(sl_http_req *req, void *ud);
void sl__api_runs_list(sl_http_req *req, void *ud);
void sl__api_runs_get(sl_http_req *req, void *ud);
void sl__api_run_errors(sl_http_req *req, void *ud);
void sl__api_flow_errors(sl_http_req *req, void *ud);
void sl__api_flow_tail(sl_http_req *req, void *ud);
void sl__api_batch_failed(sl_http_req *req, void *ud);
void sl__api_flow_replay(sl_http_req *req, void *ud);
void sl__api_flow_replays_list(sl_http_req *req, void *ud);
void sl__api_flow_replay_get(sl_http_req *req, void *ud);
void sl__api_alert_subs_list(sl_http_req *req, void *ud);
void sl__api_alert_subs_create(sl_http_req *req, void *ud);
void sl__api_alert_subs_get(sl_http_req *req, void *ud);
void sl__api_alert_subs_patch(sl_http_req *req, void *ud);
void sl__api_alert_subs_delete(sl_http_req *req, void *ud);
void sl__api_alerts_list(sl_http_req *req, void *ud);
void sl__api_alerts_get(sl_http_req *req, void *ud);
void sl__api_healthz(sl_http_req *req, void *ud);
void sl__api_readyz(sl_http_req *req, void *ud);
void sl__api_metrics(sl_http_req *req, void *ud);
void sl__api_openapi(sl_http_req *req, void *ud);
#define SL__API_CRUD_DECL(prefix)                                                                  \
    void sl__api_##prefix##_list(sl_http_req *req, void *ud);                                      \
    void sl__api_##prefix##_get(sl_http_req *req, void *ud);                                       \
    void sl__api_##prefix##_create(sl_http_req *req, void *ud);                                    \
    void sl__api_##prefix##_patch(sl_http_req *req, void *ud);                                     \
    void sl__api_##prefix##_delete(sl_http_req *req, void *ud);
SL__API_CRUD_DECL(sources)
SL__API_CRUD_DECL(targets)
SL__API_CRUD_DECL(flows)
SL__API_CRUD_DECL(datasets)
SL__API_CRUD_DECL(schemas)
void sl__api_flow_action(sl_http_req *req, void *ud);
void sl__api_conn_specs_list(sl_http_req *req, void *ud);
void sl__api_conn_spec_get(sl_http_req *req, void *ud);
void sl__api_flow_specs_list(sl_http_req *req, void *ud);
void sl__api_flow_spec_get(sl_http_req *req, void *ud);
void sl__api_mapping_sets_create(sl_http_req *req, void *ud);
void sl__api_mapping_sets_get(sl_http_req *req, void *ud);
void sl__api_mapping_sets_list(sl_http_req *req, void *ud);
void sl__api_schema_infer(sl_http_req *req, void *ud);
void sl__api_el_functions(sl_http_req *req, void *ud);
void sl__api_el_validate(sl_http_req *req, void *ud);
void sl__api_recommendations(sl_http_req *req, void *ud);
void sl__api_mapping_sets_get_version(sl_http_req *req, void *ud);
void sl__api_mapping_sets_put(sl_http_req *req, void *ud);
void sl__api_mapping_sets_mappings(sl_http_req *req, void *ud);
void sl__api_mapping_sets_mapping(sl_http_req *req, void *ud);
void sl__api_mapping_sets_validate(sl_http_req *req, void *ud);
void sl__api_mapping_sets_preview(sl_http_req *req, void *ud);
void sl__api_el_operators(sl_http_req *req, void *ud);
void sl__api_descriptors_create(sl_http_req *req, void *ud);
void sl__api_descriptors_list(sl_http_req *req, void *ud);
void sl__api_descriptors_delete(sl_http_req *req, void *ud);
void sl__api_dataset_preview(sl_http_req *req, void *ud);

#endif
