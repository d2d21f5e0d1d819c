/* SPDX-License-Identifier: Apache-2.0 */
/* api/openapi.c: GET /openapi.json, built from the route table itself so that every routed
 * path is described: a route without an entry in `docs` below still appears, with a generic
 * summary, and tests/integration/test_openapi.py fails on it. */
#include "api/api_int.h"

#include "core/str.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct route_doc {
    const char *method;
    const char *suffix; /* the pattern's tail that identifies it */
    const char *tag;
    const char *summary;
    int status; /* success status */
} route_doc;

static const route_doc docs[] = {
    {"GET", "/healthz", "Operations", "Liveness: always 200 while the process runs", 200},
    {"GET", "/readyz", "Operations", "Readiness: the store answers and the listeners run", 200},
    {"GET", "/metrics", "Operations", "Prometheus metrics (every name prefixed sluice_)", 200},
    {"GET", "/openapi.json", "Operations", "This document", 200},
    {"GET", "/", "Web UI", "Redirect to the web UI", 302},
    {"GET", "/ui", "Web UI", "Redirect to the web UI", 302},
    {"GET", "/ui/", "Web UI", "The web UI", 200},
    {"GET", "/ui/{path*}", "Web UI",
     "The web UI's files (single-page app routes answer index.html)", 200},
    {"GET", "/flows/{id}/tail", "Monitoring",
     "Live tail of a flow's landed events (text/event-stream; reconnect with Last-Event-ID)", 200},
    {"GET", "/connectionSpecs", "Flow Service",
     "List connection specs (Customer.io, HTTP API, data lake)", 200},
    {"GET", "/connectionSpecs/{id}", "Flow Service", "Get one connection spec", 200},
    {"GET", "/flowSpecs", "Flow Service", "List flow specs", 200},
    {"GET", "/flowSpecs/{id}", "Flow Service", "Get one flow spec", 200},
    {"GET", "/sourceConnections", "Flow Service",
     "List source connections (property, orderby, limit, continuationToken, count)", 200},
    {"POST", "/sourceConnections", "Flow Service",
     "Create a source connection; params.signingKeys is write-only", 201},
    {"GET", "/sourceConnections/{id}", "Flow Service", "Get a source connection", 200},
    {"PATCH", "/sourceConnections/{id}", "Flow Service",
     "JSON-Patch a source connection (If-Match required); rotate signing keys", 200},
    {"DELETE", "/sourceConnections/{id}", "Flow Service",
     "Delete a source connection not used by a dataflow", 204},
    {"GET", "/targetConnections", "Flow Service", "List target connections", 200},
    {"POST", "/targetConnections", "Flow Service", "Create a target connection to a dataset", 201},
    {"GET", "/targetConnections/{id}", "Flow Service", "Get a target connection", 200},
    {"PATCH", "/targetConnections/{id}", "Flow Service",
     "JSON-Patch a target connection (If-Match required)", 200},
    {"DELETE", "/targetConnections/{id}", "Flow Service",
     "Delete a target connection not used by a dataflow", 204},
    {"GET", "/flows", "Flow Service", "List dataflows", 200},
    {"POST", "/flows", "Flow Service", "Create a dataflow; it accepts events at once", 201},
    {"GET", "/flows/{id}", "Flow Service", "Get a dataflow with options.inletUrl", 200},
    {"PATCH", "/flows/{id}", "Flow Service", "JSON-Patch a dataflow (If-Match required)", 200},
    {"DELETE", "/flows/{id}", "Flow Service", "Delete a dataflow; its dataset stays", 204},
    {"POST", "/flows/{id}/action", "Flow Service", "op=enable|disable a dataflow", 200},
    {"GET", "/dataSets", "Catalog", "List datasets, keyed by id (property, limit, start)", 200},
    {"POST", "/dataSets", "Catalog",
     "Create a dataset from a schema; answers [\"@/dataSets/{id}\"]", 201},
    {"GET", "/dataSets/{dataSetId}", "Catalog", "Get a dataset", 200},
    {"PATCH", "/dataSets/{dataSetId}", "Catalog",
     "Patch name, description or tags (JSON-Patch or JSON; If-Match optional)", 200},
    {"DELETE", "/dataSets/{dataSetId}", "Catalog", "Delete a dataset and its rows", 204},
    {"GET", "/datasets/{dataSetId}/preview", "Data Access",
     "The newest records of a dataset (limit, at most 100)", 200},
    {"GET", "/tenant/schemas", "Schema Registry", "List tenant schemas", 200},
    {"POST", "/tenant/schemas", "Schema Registry",
     "Create a schema (ExperienceEvent or IndividualProfile)", 201},
    {"GET", "/tenant/schemas/{id*}", "Schema Registry",
     "Get a schema by $id (URL-encoded), meta:altId or hex id", 200},
    {"DELETE", "/tenant/schemas/{id*}", "Schema Registry", "Delete a schema no dataset uses", 204},
    {"GET", "/tenant/descriptors", "Schema Registry", "List identity descriptors", 200},
    {"POST", "/tenant/descriptors", "Schema Registry",
     "Create an identity descriptor (xdm:descriptorIdentity)", 201},
    {"DELETE", "/tenant/descriptors/{id}", "Schema Registry", "Delete an identity descriptor", 204},
    {"POST", "/sluice/infer", "Schema Registry",
     "Infer a source schema from a sample JSON document (sluice extension)", 200},
    {"GET", "/mappingSets", "Data Prep", "List mapping sets", 200},
    {"POST", "/mappingSets", "Data Prep", "Create a mapping set", 201},
    {"GET", "/mappingSets/{id}", "Data Prep", "Get a mapping set (?version=N for an older one)",
     200},
    {"PUT", "/mappingSets/{id}", "Data Prep", "Replace the mappings: a new version", 200},
    {"GET", "/mappingSets/{id}/mappings", "Data Prep", "The mappings of a mapping set", 200},
    {"GET", "/mappingSets/{id}/mappings/{mappingId}", "Data Prep", "One mapping", 200},
    {"POST", "/mappingSets/validate", "Data Prep", "Validate each mapping of a mapping set", 200},
    {"POST", "/mappingSets/preview", "Data Prep", "Run a mapping set over sample rows", 200},
    {"GET", "/languages/el/functions", "Data Prep", "The function catalogue (?category=)", 200},
    {"GET", "/languages/el/operators", "Data Prep", "The operators of the expression language",
     200},
    {"POST", "/languages/el/validate", "Data Prep",
     "Check an expression; every error with its line and column", 200},
    {"POST", "/sluice/recommendations", "Data Prep",
     "Suggested mappings from a source schema or sample to a target schema (sluice extension)",
     200},
    {"GET", "/flows/{id}/errors", "Monitoring",
     "Error diagnostics of a dataflow, newest first (runId, since, level, limit; sluice extension)",
     200},
    {"GET", "/flows/{id}/replays", "Monitoring", "Replays of a dataflow, newest first", 200},
    {"GET", "/flows/{id}/replays/{replayId}", "Monitoring", "Progress of one replay", 200},
    {"GET", "/runs", "Monitoring",
     "Hourly flow runs with AEP's run object (property=flowId==..., "
     "metrics.statusSummary.status==failed, orderby, limit, count)",
     200},
    {"GET", "/runs/{id}", "Monitoring", "One flow run", 200},
    {"GET", "/runs/{id}/errors", "Monitoring", "Error diagnostics of one run (sluice extension)",
     200},
    {"GET", "/batches/{id}/failed", "Monitoring",
     "Failed records of a run (the run id as batch id), in AEP's Data Access shape", 200},
    {"GET", "/alerts/subscriptions", "Alerts", "List alert subscriptions", 200},
    {"POST", "/alerts/subscriptions", "Alerts",
     "Subscribe a webhook URL to a dataflow's alert rules; secret is write-only", 201},
    {"GET", "/alerts/subscriptions/{id}", "Alerts", "Get an alert subscription", 200},
    {"PATCH", "/alerts/subscriptions/{id}", "Alerts",
     "Change an alert subscription (JSON-Patch or merge object)", 200},
    {"DELETE", "/alerts/subscriptions/{id}", "Alerts", "Delete an alert subscription", 204},
    {"GET", "/alerts", "Alerts", "Alerts raised, newest first (flowId, status=FIRING, limit)", 200},
    {"GET", "/alerts/{id}", "Alerts", "One alert with every delivery attempt", 200},
    {"GET", "/idnamespace/identities", "Profile", "Identity namespaces, built-in and custom", 200},
    {"POST", "/idnamespace/identities", "Profile",
     "Create a custom identity namespace {name, code, idType, description}", 201},
    {"GET", "/idnamespace/identities/{id}", "Profile", "One namespace, by id or code", 200},
    {"GET", "/config/mergePolicies", "Profile", "Merge policies ({_page, children})", 200},
    {"POST", "/config/mergePolicies", "Profile",
     "Create a merge policy (timestampOrdered or dataSetPrecedence)", 201},
    {"GET", "/config/mergePolicies/{id}", "Profile", "One merge policy", 200},
    {"PATCH", "/config/mergePolicies/{id}", "Profile", "Change a merge policy", 200},
    {"DELETE", "/config/mergePolicies/{id}", "Profile", "Delete a merge policy", 204},
    {"GET", "/access/entities", "Profile",
     "Merged profile (schema.name=_xdm.context.profile&entityId=&entityIdNS=) or timeline "
     "(schema.name=_xdm.context.experienceevent&relatedEntityId=&relatedEntityIdNS=)",
     200},
    {"DELETE", "/access/entities", "Profile",
     "Privacy delete of a person: graph, attributes, timeline, dataset rows, diagnostics, landed "
     "events",
     200},
    {"GET", "/cluster/members", "Profile", "The members of an identity's graph", 200},
};

static const route_doc *doc_for(const sl_http_route *r)
{
    size_t plen = strlen(r->pattern);
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        size_t slen = strlen(docs[i].suffix);
        if (strcmp(docs[i].method, r->method) == 0 && slen <= plen &&
            strcmp(r->pattern + plen - slen, docs[i].suffix) == 0) {
            return &docs[i];
        }
    }
    return NULL;
}

/* "/a/{id*}" -> "/a/{id}", and collect the parameter names. */
static void openapi_path(const char *pattern, char *out, size_t cap, json_object *params)
{
    sl_buf b = {0};
    for (const char *p = pattern; *p != '\0'; p++) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            size_t n = (size_t)(end - p - 1);
            if (n > 0 && p[n] == '*') {
                n--;
            }
            char name[64];
            (void)snprintf(name, sizeof(name), "%.*s", (int)n, p + 1);
            sl_buf_appendf(&b, "{%s}", name);
            json_object *prm = json_object_new_object();
            json_object_object_add(prm, "name", json_object_new_string(name));
            json_object_object_add(prm, "in", json_object_new_string("path"));
            json_object_object_add(prm, "required", json_object_new_boolean(1));
            json_object *sch = json_object_new_object();
            json_object_object_add(sch, "type", json_object_new_string("string"));
            json_object_object_add(prm, "schema", sch);
            json_object_array_add(params, prm);
            p = end;
            continue;
        }
        sl_buf_append(&b, p, 1);
    }
    (void)snprintf(out, cap, "%s", sl_buf_cstr(&b));
    sl_buf_fini(&b);
}

static json_object *json_content(const char *ref)
{
    json_object *content = json_object_new_object();
    json_object *mt = json_object_new_object();
    json_object *schema = json_object_new_object();
    json_object_object_add(schema, "$ref", json_object_new_string(ref));
    json_object_object_add(mt, "schema", schema);
    json_object_object_add(
        content, strstr(ref, "Problem") != NULL ? "application/problem+json" : "application/json",
        mt);
    return content;
}

static json_object *operation(const sl_http_route *r, json_object *params)
{
    const route_doc *d = doc_for(r);
    json_object *op = json_object_new_object();
    json_object *tags = json_object_new_array();
    json_object_array_add(tags, json_object_new_string(d != NULL ? d->tag : "Other"));
    json_object_object_add(op, "tags", tags);
    char summary[160];
    (void)snprintf(summary, sizeof(summary), "%s", d != NULL ? d->summary : r->pattern);
    json_object_object_add(op, "summary", json_object_new_string(summary));
    json_object_object_add(op, "parameters", params);
    if (strcmp(r->method, "POST") == 0 || strcmp(r->method, "PATCH") == 0 ||
        strcmp(r->method, "PUT") == 0) {
        json_object *body = json_object_new_object();
        json_object_object_add(body, "required", json_object_new_boolean(1));
        json_object_object_add(body, "content",
                               json_content(strcmp(r->method, "PATCH") == 0
                                                ? "#/components/schemas/JsonPatch"
                                                : "#/components/schemas/Object"));
        json_object_object_add(op, "requestBody", body);
    }
    json_object *responses = json_object_new_object();
    char status[8];
    (void)snprintf(status, sizeof(status), "%d", d != NULL ? d->status : 200);
    json_object *ok = json_object_new_object();
    json_object_object_add(
        ok, "description",
        json_object_new_string(sl_http_reason((unsigned)(d != NULL ? d->status : 200))));
    if (strcmp(status, "204") != 0) {
        json_object_object_add(ok, "content", json_content("#/components/schemas/Object"));
    }
    json_object_object_add(responses, status, ok);
    json_object *def = json_object_new_object();
    json_object_object_add(def, "description", json_object_new_string("A problem"));
    json_object_object_add(def, "content", json_content("#/components/schemas/Problem"));
    json_object_object_add(responses, "default", def);
    json_object_object_add(op, "responses", responses);
    return op;
}

static json_object *components(void)
{
    const char *text =
        "{\"schemas\":{\"Object\":{\"type\":\"object\"},"
        "\"JsonPatch\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"op\","
        "\"path\"],\"properties\":{\"op\":{\"type\":\"string\",\"enum\":[\"add\",\"remove\","
        "\"replace\",\"move\",\"copy\",\"test\"]},\"path\":{\"type\":\"string\"},\"from\":{"
        "\"type\":\"string\"},\"value\":{}}}},"
        "\"Problem\":{\"type\":\"object\",\"required\":[\"type\",\"title\",\"status\","
        "\"detail\"],\"properties\":{\"type\":{\"type\":\"string\"},\"title\":{\"type\":"
        "\"string\"},\"status\":{\"type\":\"integer\"},\"detail\":{\"type\":\"string\"}}}},"
        "\"securitySchemes\":{\"bearer\":{\"type\":\"http\",\"scheme\":\"bearer\"},"
        "\"apiKey\":{\"type\":\"apiKey\",\"in\":\"header\",\"name\":\"x-api-key\"}}}";
    return json_tokener_parse(text);
}

void sl__api_openapi(sl_http_req *req, void *ud)
{
    (void)ud;
    size_t n = 0;
    const sl_http_route *routes = sl_api_routes(&n);
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "openapi", json_object_new_string("3.0.3"));
    json_object *info = json_object_new_object();
    json_object_object_add(info, "title", json_object_new_string("sluice admin API"));
    json_object_object_add(info, "version", json_object_new_string(SL_VERSION));
    json_object_object_add(
        info, "description",
        json_object_new_string("AEP-compatible management API of sluice: Flow Service, Catalog, "
                               "Schema Registry, Data Prep and Data Access. Errors are "
                               "application/problem+json."));
    json_object_object_add(doc, "info", info);
    json_object *paths = json_object_new_object();
    for (size_t i = 0; i < n; i++) {
        char path[256];
        json_object *params = json_object_new_array();
        openapi_path(routes[i].pattern, path, sizeof(path), params);
        json_object *item = NULL;
        if (!json_object_object_get_ex(paths, path, &item)) {
            item = json_object_new_object();
            json_object_object_add(paths, path, item);
        }
        char method[16];
        size_t ml = strlen(routes[i].method);
        for (size_t k = 0; k < ml && k < sizeof(method) - 1; k++) {
            method[k] = (char)(routes[i].method[k] | 0x20);
        }
        method[ml < sizeof(method) - 1 ? ml : sizeof(method) - 1] = '\0';
        json_object_object_add(item, method, operation(&routes[i], params));
    }
    json_object_object_add(doc, "paths", paths);
    json_object_object_add(doc, "components", components());
    json_object *sec = json_object_new_array();
    json_object *s1 = json_object_new_object();
    json_object_object_add(s1, "bearer", json_object_new_array());
    json_object *s2 = json_object_new_object();
    json_object_object_add(s2, "apiKey", json_object_new_array());
    json_object_array_add(sec, s1);
    json_object_array_add(sec, s2);
    json_object_object_add(doc, "security", sec);
    sl_http_reply_json(req, 200, doc);
}
