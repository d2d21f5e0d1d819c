/* SPDX-License-Identifier: Apache-2.0 */
/* cli/replay.c: `sluice replay FLOW_ID --from TIME [--to TIME] | --run RUN_ID [--wait]`,
 * through the admin API (POST /flows/{id}/action?op=replay, then GET …/replays/{id}). */
#include "cli/cli.h"
#include "cli/client.h"
#include "core/clock.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    (void)fprintf(out,
                  "usage: sluice replay FLOW_ID --from TIME [--to TIME] [options]\n"
                  "       sluice replay FLOW_ID --run RUN_ID [options]\n\n"
                  "Re-processes a dataflow's landed events with its current mapping set version;\n"
                  "rows are replaced by event_id and the runs of the replayed hours recounted.\n"
                  "TIME is ISO-8601 (2026-11-23T09:00:00Z) or epoch milliseconds; whole hours\n"
                  "are replayed. Works through the admin API.\n\n"
                  "Options:\n"
                  "  --wait            follow the replay until it ends (exit 1 if it fails)\n"
                  "  --admin HOST:PORT admin listener (SLUICE_ADMIN; default 127.0.0.1:8080)\n"
                  "  --api-key KEY     API key (SLUICE_API_KEY)\n");
}

int sl_cli_replay(int argc, char **argv)
{
    if (sl_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    const char *flow = NULL, *from = NULL, *to = NULL, *run = NULL, *admin = NULL, *key = NULL;
    int wait = 0;
    for (int i = 0; i < argc; i++) {
        const char *v = NULL;
        if ((v = sl_cli_opt(argc, argv, &i, "--from")) != NULL) {
            from = v;
        } else if ((v = sl_cli_opt(argc, argv, &i, "--to")) != NULL) {
            to = v;
        } else if ((v = sl_cli_opt(argc, argv, &i, "--run")) != NULL) {
            run = v;
        } else if ((v = sl_cli_opt(argc, argv, &i, "--admin")) != NULL) {
            admin = v;
        } else if ((v = sl_cli_opt(argc, argv, &i, "--api-key")) != NULL) {
            key = v;
        } else if (strcmp(argv[i], "--wait") == 0) {
            wait = 1;
        } else if (argv[i][0] != '-' && flow == NULL) {
            flow = argv[i];
        } else {
            (void)fprintf(stderr, "sluice replay: unexpected argument '%s'\n\n", argv[i]);
            usage(stderr);
            return SL_EXIT_USAGE;
        }
    }
    int64_t ms = 0;
    if (flow == NULL || (from == NULL && run == NULL) || (from != NULL && run != NULL)) {
        (void)fprintf(stderr, "sluice replay: give a FLOW_ID and either --from or --run\n\n");
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    if ((from != NULL && !sl_parse_time(from, &ms)) || (to != NULL && !sl_parse_time(to, &ms))) {
        (void)fprintf(stderr, "sluice replay: TIME must be ISO-8601 or epoch milliseconds\n");
        return SL_EXIT_USAGE;
    }
    sl_cli_client c;
    sl_cli_client_init(&c, admin, key);
    char path[1024], ef[256], ev[128];
    sl_cli_urlencode(flow, ef, sizeof(ef));
    if (run != NULL) {
        sl_cli_urlencode(run, ev, sizeof(ev));
        (void)snprintf(path, sizeof(path),
                       "/data/foundation/flowservice/flows/%s/action?op=replay&runId=%s", ef, ev);
    } else {
        char et[128];
        sl_cli_urlencode(from, ev, sizeof(ev));
        sl_cli_urlencode(to != NULL ? to : "", et, sizeof(et));
        (void)snprintf(path, sizeof(path),
                       "/data/foundation/flowservice/flows/%s/action?op=replay&from=%s%s%s", ef, ev,
                       to != NULL ? "&to=" : "", to != NULL ? et : "");
    }
    sl_buf resp = {0};
    long status = 0;
    sl_err err;
    sl_err_clear(&err);
    if (sl_cli_client_request(&c, "POST", path, NULL, &status, &resp, &err) != SL_OK) {
        (void)fprintf(stderr, "sluice replay: %s\n", err.msg);
        sl_buf_fini(&resp);
        return 1;
    }
    if (status != 202) {
        sl_cli_client_print_problem("replay refused", status, &resp);
        sl_buf_fini(&resp);
        return 1;
    }
    json_object *o = json_tokener_parse(sl_buf_cstr(&resp));
    json_object *id = NULL, *f = NULL, *t = NULL;
    (void)json_object_object_get_ex(o, "replayId", &id);
    (void)json_object_object_get_ex(o, "from", &f);
    (void)json_object_object_get_ex(o, "to", &t);
    char rid[64];
    (void)snprintf(rid, sizeof(rid), "%s", json_object_get_string(id));
    printf("replay %s queued: %s to %s\n", rid, json_object_get_string(f),
           json_object_get_string(t));
    (void)fflush(stdout);
    json_object_put(o);
    int rc = 0;
    while (wait) {
        sl_buf_reset(&resp);
        (void)snprintf(path, sizeof(path), "/data/foundation/flowservice/flows/%s/replays/%s", ef,
                       rid);
        if (sl_cli_client_request(&c, "GET", path, NULL, &status, &resp, &err) != SL_OK ||
            status != 200) {
            (void)fprintf(stderr, "sluice replay: cannot follow the replay: %s\n",
                          err.msg[0] != '\0' ? err.msg : sl_buf_cstr(&resp));
            rc = 1;
            break;
        }
        json_object *r = json_tokener_parse(sl_buf_cstr(&resp));
        json_object *st = NULL, *p = NULL, *v = NULL;
        (void)json_object_object_get_ex(r, "status", &st);
        const char *s = json_object_get_string(st);
        long long done = 0, total = 0, events = 0;
        if (json_object_object_get_ex(r, "progress", &p)) {
            done = json_object_object_get_ex(p, "windowsDone", &v) ? json_object_get_int64(v) : 0;
            total = json_object_object_get_ex(p, "windowsTotal", &v) ? json_object_get_int64(v) : 0;
            events =
                json_object_object_get_ex(p, "eventsProcessed", &v) ? json_object_get_int64(v) : 0;
        }
        printf("%s: %lld/%lld hours, %lld events\n", s != NULL ? s : "?", done, total, events);
        (void)fflush(stdout);
        bool end = s != NULL && (strcmp(s, "completed") == 0 || strcmp(s, "failed") == 0);
        rc = s != NULL && strcmp(s, "failed") == 0 ? 1 : 0;
        json_object_put(r);
        if (end) {
            break;
        }
        sl_sleep_ms(500);
    }
    sl_buf_fini(&resp);
    return rc;
}
