/* SPDX-License-Identifier: Apache-2.0 */
/* cli/privacy.c: `sluice privacy delete --namespace NS --id VALUE`, through the admin API
 * (DELETE /data/core/ups/access/entities). Prints what was removed. */
#include "cli/cli.h"
#include "cli/client.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    (void)fprintf(out,
                  "usage: sluice privacy delete --namespace NS --id VALUE [options]\n\n"
                  "Deletes everything sluice holds about the person with this identity: their\n"
                  "identity graph, profile attributes and timeline links, their rows in every\n"
                  "dataset, their error diagnostics and their raw events in the landing log.\n"
                  "NS is a namespace code (Email, CIOID, CIOCustomerId, or a custom one).\n"
                  "Works through the admin API.\n\n"
                  "Options:\n"
                  "  --admin HOST:PORT admin listener (SLUICE_ADMIN; default 127.0.0.1:8080)\n"
                  "  --api-key KEY     API key (SLUICE_API_KEY)\n");
}

int sl_cli_privacy(int argc, char **argv)
{
    if (sl_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    if (argc < 1 || strcmp(argv[0], "delete") != 0) {
        (void)fprintf(stderr, "sluice privacy: the only action is 'delete'\n\n");
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    const char *ns = NULL, *id = NULL, *admin = NULL, *key = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if ((v = sl_cli_opt(argc, argv, &i, "--namespace")) != NULL) {
            ns = v;
        } else if ((v = sl_cli_opt(argc, argv, &i, "--id")) != NULL) {
            id = v;
        } else if ((v = sl_cli_opt(argc, argv, &i, "--admin")) != NULL) {
            admin = v;
        } else if ((v = sl_cli_opt(argc, argv, &i, "--api-key")) != NULL) {
            key = v;
        } else {
            (void)fprintf(stderr, "sluice privacy: unexpected argument '%s'\n\n", argv[i]);
            usage(stderr);
            return SL_EXIT_USAGE;
        }
    }
    if (ns == NULL || id == NULL || *ns == '\0' || *id == '\0') {
        (void)fprintf(stderr, "sluice privacy delete: give --namespace and --id\n\n");
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    sl_cli_client c;
    sl_cli_client_init(&c, admin, key);
    char ens[256], eid[2048], path[2600];
    sl_cli_urlencode(ns, ens, sizeof(ens));
    sl_cli_urlencode(id, eid, sizeof(eid));
    (void)snprintf(path, sizeof(path), "/data/core/ups/access/entities?entityId=%s&entityIdNS=%s",
                   eid, ens);
    sl_buf resp = {0};
    long status = 0;
    sl_err err;
    sl_err_clear(&err);
    if (sl_cli_client_request(&c, "DELETE", path, NULL, &status, &resp, &err) != SL_OK) {
        (void)fprintf(stderr, "sluice privacy: %s\n", err.msg);
        sl_buf_fini(&resp);
        return 1;
    }
    if (status != 200) {
        sl_cli_client_print_problem("privacy delete refused", status, &resp);
        sl_buf_fini(&resp);
        return 1;
    }
    json_object *o = json_tokener_parse(sl_buf_cstr(&resp));
    json_object *d = NULL;
    if (json_object_object_get_ex(o, "deleted", &d)) {
        printf("deleted:");
        json_object_object_foreach(d, k, v)
        {
            printf(" %s=%lld", k, (long long)json_object_get_int64(v));
        }
        printf("\n");
    } else {
        printf("%s\n", sl_buf_cstr(&resp));
    }
    json_object_put(o);
    sl_buf_fini(&resp);
    return 0;
}
