/* SPDX-License-Identifier: Apache-2.0 */
/* api/routes.c: the admin listener's route table. docs/api.md and /openapi.json describe it. */
#include "api/api_int.h"
#include "ui/ui.h"

#define FS  "/data/foundation/flowservice"
#define CAT "/data/foundation/catalog"
#define EXP "/data/foundation/export"
#define SR  "/data/foundation/schemaregistry"
#define CV  "/data/foundation/conversion"
#define OBS "/data/infrastructure/observability"
#define UPS "/data/core/ups"
#define IDN "/data/core/idnamespace"

static const sl_http_route routes[] = {
    {"GET", "/healthz", NULL, sl__api_healthz, 0},
    {"GET", "/readyz", NULL, sl__api_readyz, 0},
    {"GET", "/metrics", NULL, sl__api_metrics, 0},
    {"GET", "/openapi.json", NULL, sl__api_openapi, 0},
    /* Web UI */
    {"GET", "/", NULL, sl_ui_redirect, 0},
    {"GET", "/ui", NULL, sl_ui_redirect, 0},
    {"GET", "/ui/", NULL, sl_ui_serve, 0},
    {"GET", "/ui/{path*}", NULL, sl_ui_serve, 0},
    /* Flow Service */
    {"GET", FS "/connectionSpecs", NULL, sl__api_conn_specs_list, 0},
    {"GET", FS "/connectionSpecs/{id}", NULL, sl__api_conn_spec_get, 0},
    {"GET", FS "/flowSpecs", NULL, sl__api_flow_specs_list, 0},
    {"GET", FS "/flowSpecs/{id}", NULL, sl__api_flow_spec_get, 0},
    {"GET", FS "/sourceConnections", NULL, sl__api_sources_list, 0},
    {"POST", FS "/sourceConnections", NULL, sl__api_sources_create, 0},
    {"GET", FS "/sourceConnections/{id}", NULL, sl__api_sources_get, 0},
    {"PATCH", FS "/sourceConnections/{id}", NULL, sl__api_sources_patch, 0},
    {"DELETE", FS "/sourceConnections/{id}", NULL, sl__api_sources_delete, 0},
    {"GET", FS "/targetConnections", NULL, sl__api_targets_list, 0},
    {"POST", FS "/targetConnections", NULL, sl__api_targets_create, 0},
    {"GET", FS "/targetConnections/{id}", NULL, sl__api_targets_get, 0},
    {"PATCH", FS "/targetConnections/{id}", NULL, sl__api_targets_patch, 0},
    {"DELETE", FS "/targetConnections/{id}", NULL, sl__api_targets_delete, 0},
    {"GET", FS "/flows", NULL, sl__api_flows_list, 0},
    {"POST", FS "/flows", NULL, sl__api_flows_create, 0},
    {"GET", FS "/flows/{id}", NULL, sl__api_flows_get, 0},
    {"PATCH", FS "/flows/{id}", NULL, sl__api_flows_patch, 0},
    {"DELETE", FS "/flows/{id}", NULL, sl__api_flows_delete, 0},
    {"POST", FS "/flows/{id}/action", NULL, sl__api_flow_action, 0},
    {"GET", FS "/flows/{id}/errors", NULL, sl__api_flow_errors, 0},
    {"GET", FS "/flows/{id}/tail", NULL, sl__api_flow_tail, 0},
    {"GET", FS "/flows/{id}/replays", NULL, sl__api_flow_replays_list, 0},
    {"GET", FS "/flows/{id}/replays/{replayId}", NULL, sl__api_flow_replay_get, 0},
    {"GET", FS "/runs", NULL, sl__api_runs_list, 0},
    {"GET", FS "/runs/{id}", NULL, sl__api_runs_get, 0},
    {"GET", FS "/runs/{id}/errors", NULL, sl__api_run_errors, 0},
    /* Catalog */
    {"GET", CAT "/dataSets", NULL, sl__api_datasets_list, 0},
    {"POST", CAT "/dataSets", NULL, sl__api_datasets_create, 0},
    {"GET", CAT "/dataSets/{dataSetId}", NULL, sl__api_datasets_get, 0},
    {"PATCH", CAT "/dataSets/{dataSetId}", NULL, sl__api_datasets_patch, 0},
    {"DELETE", CAT "/dataSets/{dataSetId}", NULL, sl__api_datasets_delete, 0},
    /* Data Access */
    {"GET", EXP "/datasets/{dataSetId}/preview", NULL, sl__api_dataset_preview, 0},
    {"GET", EXP "/batches/{id}/failed", NULL, sl__api_batch_failed, 0},
    /* Schema Registry */
    {"GET", SR "/tenant/schemas", NULL, sl__api_schemas_list, 0},
    {"POST", SR "/tenant/schemas", NULL, sl__api_schemas_create, 0},
    {"GET", SR "/tenant/schemas/{id*}", NULL, sl__api_schemas_get, 0},
    {"DELETE", SR "/tenant/schemas/{id*}", NULL, sl__api_schemas_delete, 0},
    {"GET", SR "/tenant/descriptors", NULL, sl__api_descriptors_list, 0},
    {"POST", SR "/tenant/descriptors", NULL, sl__api_descriptors_create, 0},
    {"DELETE", SR "/tenant/descriptors/{id}", NULL, sl__api_descriptors_delete, 0},
    {"POST", SR "/sluice/infer", NULL, sl__api_schema_infer, 0},
    /* Data Prep */
    {"GET", CV "/mappingSets", NULL, sl__api_mapping_sets_list, 0},
    {"POST", CV "/mappingSets", NULL, sl__api_mapping_sets_create, 0},
    {"POST", CV "/mappingSets/validate", NULL, sl__api_mapping_sets_validate, 0},
    {"POST", CV "/mappingSets/preview", NULL, sl__api_mapping_sets_preview, 0},
    {"GET", CV "/mappingSets/{id}", NULL, sl__api_mapping_sets_get_version, 0},
    {"PUT", CV "/mappingSets/{id}", NULL, sl__api_mapping_sets_put, 0},
    {"GET", CV "/mappingSets/{id}/mappings", NULL, sl__api_mapping_sets_mappings, 0},
    {"GET", CV "/mappingSets/{id}/mappings/{mappingId}", NULL, sl__api_mapping_sets_mapping, 0},
    {"GET", CV "/languages/el/functions", NULL, sl__api_el_functions, 0},
    {"GET", CV "/languages/el/operators", NULL, sl__api_el_operators, 0},
    {"POST", CV "/languages/el/validate", NULL, sl__api_el_validate, 0},
    {"POST", CV "/sluice/recommendations", NULL, sl__api_recommendations, 0},
    /* Profile and identities */
    {"GET", IDN "/identities", NULL, sl__api_namespaces_list, 0},
    {"POST", IDN "/identities", NULL, sl__api_namespaces_create, 0},
    {"GET", IDN "/identities/{id}", NULL, sl__api_namespaces_get, 0},
    {"GET", UPS "/config/mergePolicies", NULL, sl__api_policies_list, 0},
    {"POST", UPS "/config/mergePolicies", NULL, sl__api_policies_create, 0},
    {"GET", UPS "/config/mergePolicies/{id}", NULL, sl__api_policies_get, 0},
    {"PATCH", UPS "/config/mergePolicies/{id}", NULL, sl__api_policies_patch, 0},
    {"DELETE", UPS "/config/mergePolicies/{id}", NULL, sl__api_policies_delete, 0},
    {"GET", UPS "/access/entities", NULL, sl__api_entities_get, 0},
    {"DELETE", UPS "/access/entities", NULL, sl__api_entities_delete, 0},
    {"GET", "/data/core/identity/cluster/members", NULL, sl__api_graph_members, 0},
    /* Observability */
    {"GET", OBS "/alerts/subscriptions", NULL, sl__api_alert_subs_list, 0},
    {"POST", OBS "/alerts/subscriptions", NULL, sl__api_alert_subs_create, 0},
    {"GET", OBS "/alerts/subscriptions/{id}", NULL, sl__api_alert_subs_get, 0},
    {"PATCH", OBS "/alerts/subscriptions/{id}", NULL, sl__api_alert_subs_patch, 0},
    {"DELETE", OBS "/alerts/subscriptions/{id}", NULL, sl__api_alert_subs_delete, 0},
    {"GET", OBS "/alerts", NULL, sl__api_alerts_list, 0},
    {"GET", OBS "/alerts/{id}", NULL, sl__api_alerts_get, 0},
};

const sl_http_route *sl_api_routes(size_t *n)
{
    *n = sizeof(routes) / sizeof(routes[0]);
    return routes;
}

static const sl_http_route ops_routes[] = {
    {"GET", "/healthz", NULL, sl__api_healthz, 0},
    {"GET", "/readyz", NULL, sl__api_readyz, 0},
    {"GET", "/metrics", NULL, sl__api_metrics, 0},
};

const sl_http_route *sl_api_ops_routes(size_t *n)
{
    *n = sizeof(ops_routes) / sizeof(ops_routes[0]);
    return ops_routes;
}
