/* SPDX-License-Identifier: Apache-2.0 */
/* api/routes.c: the admin listener's route table. */
#include "api/api_int.h"

#define FS  "/data/foundation/flowservice"
#define CAT "/data/foundation/catalog"
#define EXP "/data/foundation/export"

static const sl_http_route routes[] = {
    {"GET", "/healthz", NULL, sl__api_healthz, 0},
    {"GET", "/readyz", NULL, sl__api_readyz, 0},
    {"GET", "/metrics", NULL, sl__api_metrics, 0},
    {"GET", FS "/flows", NULL, sl__api_flows_list, 0},
    {"GET", FS "/flows/{flowId}", NULL, sl__api_flow_get, 0},
    {"GET", CAT "/dataSets", NULL, sl__api_datasets_list, 0},
    {"GET", CAT "/dataSets/{dataSetId}", NULL, sl__api_dataset_get, 0},
    {"GET", EXP "/datasets/{dataSetId}/preview", NULL, sl__api_dataset_preview, 0},
};

const sl_http_route *sl_api_routes(size_t *n)
{
    *n = sizeof(routes) / sizeof(routes[0]);
    return routes;
}
