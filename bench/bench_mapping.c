/* SPDX-License-Identifier: Apache-2.0 */
/* bench/bench_mapping.c: speed of the per-record work of the pipeline (pipeline/processor.c
 * process_one without the store insert) with the default Customer.io mapping set and schema,
 * over the Customer.io sample events. Two stages are measured:
 *   map     sl_mapping_run_opts on an already parsed event (and releasing its output);
 *   record  sl_json_parse of the compact body bytes, sl_mapping_run_opts, sl_schema_apply, the
 *           "_id" fallback and the record's JSON text, as process_one does.
 * Timing mode prints records per second and µs per record of both. --once runs one stage over
 * each sample exactly once with no clock, for callgrind; with --iterations 0 it does only the
 * setup (read, compact and parse the samples, compile the mapping set and the schema), the
 * baseline that bench/mapping.sh subtracts. See bench/README.md. */
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/mem.h"
#include "mapping/mapping.h"
#include "schema/schema.h"

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_DEPTH 256 /* nesting allowed in the mapping-set and schema files */

/* Files in the samples directory that match *_*.json but are not one of the 69
 * <object_type>_<metric> events (tests/data/customerio/README.md, "Special files"). */
static const char *const excluded[] = {
    "signing_vectors.json",              /* HMAC vectors, not an event */
    "test_mode_event.json",              /* inferred "Send Test" shape */
    "email_sent_with_body_content.json", /* a second email_sent, with Body Content */
};

typedef struct sample {
    char *name;          /* file name */
    char *body;          /* compact JSON text, as Customer.io posts it */
    size_t len;          /* bytes of body */
    json_object *parsed; /* body parsed once, the input of the "map" stage */
} sample;

typedef struct bench {
    sl_mapping *mapping;
    sl_schema *schema;
    sample *samples;
    size_t n;
    int64_t now_ms; /* the processor's per-batch "now" */
    /* Sinks, so the work is visibly used; and checks printed with the results. */
    uint64_t warnings_map;
    uint64_t failed;
    uint64_t record_bytes;
} bench;

enum stage { STAGE_NONE, STAGE_MAP, STAGE_RECORD };

static void usage(FILE *fp)
{
    (void)fprintf(
        fp, "usage: bench_mapping --mapping FILE --schema FILE --samples DIR\n"
            "                     [--iterations N] [--seconds S] [--once [--stage S]]\n"
            "  --mapping FILE   mapping-set document (src/api/defaults/customerio-mapping.json)\n"
            "  --schema FILE    target schema (src/api/defaults/customerio-schema.json)\n"
            "  --samples DIR    directory of <object_type>_<metric>.json events\n"
            "                   (tests/data/customerio)\n"
            "  --iterations N   passes over the samples per stage (default: enough for\n"
            "                   both stages to take about --seconds, default 2)\n"
            "  --once           no clock: run --stage over each sample once (or\n"
            "                   --iterations times; 0 = setup only), for callgrind\n"
            "  --stage S        with --once: map, record (default) or none\n");
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        (void)fprintf(stderr, "bench_mapping: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096;
    size_t n = 0;
    char *buf = sl_xmalloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = sl_xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        if (got == 0) {
            break;
        }
        n += got;
    }
    bool bad = ferror(fp) != 0;
    (void)fclose(fp);
    if (bad) {
        (void)fprintf(stderr, "bench_mapping: %s: read error\n", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static json_object *load_json(const char *path, int depth)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (text == NULL) {
        return NULL;
    }
    json_object *doc = NULL;
    sl_err err;
    sl_err_clear(&err);
    sl_str s = {text, len};
    if (sl_json_parse(s, depth, &doc, &err) != SL_OK) {
        (void)fprintf(stderr, "bench_mapping: %s: %s\n", path, err.msg);
        doc = NULL;
    }
    free(text);
    return doc;
}

static bool is_excluded(const char *name)
{
    for (size_t i = 0; i < sizeof(excluded) / sizeof(excluded[0]); i++) {
        if (strcmp(name, excluded[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Load every DIR/ *_*.json event but the excluded files, each as compact JSON text and parsed. */
static int load_samples(bench *b, const char *dir)
{
    size_t plen = strlen(dir) + sizeof("/*_*.json");
    char *pattern = sl_xmalloc(plen);
    (void)snprintf(pattern, plen, "%s/*_*.json", dir);
    glob_t g;
    memset(&g, 0, sizeof(g));
    int grc = glob(pattern, 0, NULL, &g);
    free(pattern);
    if (grc != 0) {
        (void)fprintf(stderr, "bench_mapping: no %s/*_*.json files\n", dir);
        globfree(&g);
        return 1;
    }
    b->samples = sl_xcalloc(g.gl_pathc, sizeof(sample));
    int rc = 0;
    for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
        const char *path = g.gl_pathv[i];
        const char *slash = strrchr(path, '/');
        const char *name = slash != NULL ? slash + 1 : path;
        if (is_excluded(name)) {
            continue;
        }
        json_object *doc = load_json(path, SL_MAX_JSON_DEPTH);
        if (doc == NULL || !json_object_is_type(doc, json_type_object)) {
            (void)fprintf(stderr, "bench_mapping: %s is not a JSON object\n", path);
            json_object_put(doc);
            rc = 1;
            break;
        }
        /* The files are pretty-printed; real bodies are compact. */
        size_t len = 0;
        const char *text = json_object_to_json_string_length(
            doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
        sample *s = &b->samples[b->n++];
        s->name = sl_xstrdup(name);
        s->body = sl_xmalloc(len + 1);
        memcpy(s->body, text, len + 1);
        s->len = len;
        json_object_put(doc);
        sl_err err;
        sl_err_clear(&err);
        sl_str body = {s->body, s->len};
        if (sl_json_parse(body, SL_MAX_JSON_DEPTH, &s->parsed, &err) != SL_OK) {
            (void)fprintf(stderr, "bench_mapping: %s: %s\n", path, err.msg);
            rc = 1;
        }
    }
    globfree(&g);
    if (rc == 0 && b->n == 0) {
        (void)fprintf(stderr, "bench_mapping: no samples left in %s\n", dir);
        rc = 1;
    }
    return rc;
}

static void count_warning(void *ud, const sl_mapping_warning *w)
{
    (void)w;
    (*(uint64_t *)ud)++;
}

/* The mapping step alone over every sample. */
static void pass_map(bench *b)
{
    sl_mapping_opts opts = {
        .now_ms = b->now_ms, .on_warning = count_warning, .ud = &b->warnings_map};
    for (size_t i = 0; i < b->n; i++) {
        json_object *rec = NULL;
        int warn = 0;
        sl_err err;
        sl_err_clear(&err);
        if (sl_mapping_run_opts(b->mapping, b->samples[i].parsed, &opts, &rec, &warn, &err) !=
            SL_OK) {
            b->failed++;
        }
        json_object_put(rec);
    }
}

static const char *str_member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(v);
}

/* What process_one does for one landed event, short of the store insert. */
static void pass_record(bench *b)
{
    sl_mapping_opts opts = {
        .now_ms = b->now_ms, .on_warning = count_warning, .ud = &b->warnings_map};
    for (size_t i = 0; i < b->n; i++) {
        const sample *s = &b->samples[i];
        json_object *in = NULL;
        json_object *rec = NULL;
        sl_err err;
        sl_err_clear(&err);
        sl_str body = {s->body, s->len};
        int warn_map = 0;
        if (sl_json_parse(body, SL_MAX_JSON_DEPTH, &in, &err) != SL_OK ||
            !json_object_is_type(in, json_type_object) ||
            sl_mapping_run_opts(b->mapping, in, &opts, &rec, &warn_map, &err) != SL_OK) {
            b->failed++;
            goto next;
        }
        sl_schema_apply(b->schema, rec);
        if (str_member(rec, "_id") == NULL) {
            json_object_object_add(rec, "_id", json_object_new_string("bench-xaction-id"));
        }
        size_t len = 0;
        const char *text = json_object_to_json_string_length(
            rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
        b->record_bytes += text != NULL ? len : 0;
        if (str_member(rec, "event_id") == NULL || str_member(rec, "timestamp") == NULL) {
            b->failed++; /* every sample has both; their absence means the mapping broke */
        }
next:
        json_object_put(in);
        json_object_put(rec);
    }
}

static void run_passes(bench *b, enum stage st, long passes)
{
    for (long p = 0; p < passes; p++) {
        if (st == STAGE_MAP) {
            pass_map(b);
        } else if (st == STAGE_RECORD) {
            pass_record(b);
        }
    }
}

static double timed(bench *b, enum stage st, long passes)
{
    int64_t t0 = sl_mono_ns();
    run_passes(b, st, passes);
    return (double)(sl_mono_ns() - t0) / 1e9;
}

static void print_row(const char *what, uint64_t records, double secs)
{
    double per_s = secs > 0 ? (double)records / secs : 0;
    double us = records > 0 ? secs * 1e6 / (double)records : 0;
    (void)printf("%-14s %12llu %10.3f %14.0f %12.3f\n", what, (unsigned long long)records, secs,
                 per_s, us);
}

static void bench_fini(bench *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->samples[i].name);
        free(b->samples[i].body);
        json_object_put(b->samples[i].parsed);
    }
    free(b->samples);
    sl_mapping_destroy(b->mapping);
    sl_schema_destroy(b->schema);
}

int main(int argc, char **argv)
{
    const char *mapping_path = NULL;
    const char *schema_path = NULL;
    const char *samples_dir = NULL;
    long iterations = -1;
    double seconds = 2.0;
    bool once = false;
    enum stage once_stage = STAGE_RECORD;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--once") == 0) {
            once = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (v == NULL) {
            usage(stderr);
            return 2;
        }
        i++;
        char *end = NULL;
        if (strcmp(a, "--mapping") == 0) {
            mapping_path = v;
        } else if (strcmp(a, "--schema") == 0) {
            schema_path = v;
        } else if (strcmp(a, "--samples") == 0) {
            samples_dir = v;
        } else if (strcmp(a, "--iterations") == 0) {
            iterations = strtol(v, &end, 10);
            if (*v == '\0' || *end != '\0' || iterations < 0) {
                (void)fprintf(stderr, "bench_mapping: bad --iterations %s\n", v);
                return 2;
            }
        } else if (strcmp(a, "--seconds") == 0) {
            seconds = strtod(v, &end);
            if (*v == '\0' || *end != '\0' || !(seconds > 0)) {
                (void)fprintf(stderr, "bench_mapping: bad --seconds %s\n", v);
                return 2;
            }
        } else if (strcmp(a, "--stage") == 0) {
            if (strcmp(v, "map") == 0) {
                once_stage = STAGE_MAP;
            } else if (strcmp(v, "record") == 0) {
                once_stage = STAGE_RECORD;
            } else if (strcmp(v, "none") == 0) {
                once_stage = STAGE_NONE;
            } else {
                (void)fprintf(stderr, "bench_mapping: bad --stage %s\n", v);
                return 2;
            }
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (mapping_path == NULL || schema_path == NULL || samples_dir == NULL) {
        usage(stderr);
        return 2;
    }

    bench b;
    memset(&b, 0, sizeof(b));
    b.now_ms = 1767269022000; /* 2026-01-01, near the samples' timestamps */
    int rc = 1;
    sl_err err;
    sl_err_clear(&err);
    json_object *ms_doc = load_json(mapping_path, CONFIG_DEPTH);
    json_object *schema_doc = ms_doc != NULL ? load_json(schema_path, CONFIG_DEPTH) : NULL;
    if (schema_doc == NULL) {
        goto out;
    }
    if (sl_mapping_compile(ms_doc, &b.mapping, &err) != SL_OK) {
        (void)fprintf(stderr, "bench_mapping: %s: %s\n", mapping_path, err.msg);
        goto out;
    }
    if (sl_schema_compile(schema_doc, &b.schema, &err) != SL_OK) {
        (void)fprintf(stderr, "bench_mapping: %s: %s\n", schema_path, err.msg);
        goto out;
    }
    if (load_samples(&b, samples_dir) != 0) {
        goto out;
    }

    if (once) {
        long passes = iterations < 0 ? 1 : iterations;
        run_passes(&b, once_stage, passes);
        (void)printf("BENCH samples=%zu passes=%ld stage=%s failed=%llu\n", b.n,
                     once_stage == STAGE_NONE ? 0 : passes,
                     once_stage == STAGE_MAP      ? "map"
                     : once_stage == STAGE_RECORD ? "record"
                                                  : "none",
                     (unsigned long long)b.failed);
        rc = b.failed == 0 ? 0 : 1;
        goto out;
    }

    size_t body_bytes = 0;
    for (size_t i = 0; i < b.n; i++) {
        body_bytes += b.samples[i].len;
    }
    (void)printf("samples: %zu events from %s/*_*.json (left out: %s, %s, %s); "
                 "compact bodies, %zu bytes on average\n",
                 b.n, samples_dir, excluded[0], excluded[1], excluded[2], body_bytes / b.n);
    (void)printf("mapping set: %zu mappings (%s); schema: %s\n", sl_mapping_count(b.mapping),
                 mapping_path, schema_path);

    /* One untimed pass of each stage to warm caches and the allocator, and to check the work:
     * every sample must produce a record. */
    run_passes(&b, STAGE_MAP, 1);
    uint64_t warn_map_pass = b.warnings_map;
    run_passes(&b, STAGE_RECORD, 1);
    uint64_t warn_map_record = b.warnings_map - warn_map_pass;
    (void)printf("per pass: %llu mapping warnings, %llu failed; records %llu bytes on average\n",
                 (unsigned long long)warn_map_record, (unsigned long long)b.failed,
                 (unsigned long long)(b.record_bytes / b.n));
    if (b.failed != 0) {
        (void)fprintf(stderr, "bench_mapping: %llu samples failed\n", (unsigned long long)b.failed);
        goto out;
    }
    if (iterations < 0) {
        /* Both stages together should take about `seconds`: time doubling numbers of passes
         * until a try takes 0.1 s, then scale. */
        double per_pass = 0;
        for (long p = 1; p < (1L << 30); p *= 2) {
            double t = timed(&b, STAGE_MAP, p) + timed(&b, STAGE_RECORD, p);
            if (t >= 0.1) {
                per_pass = t / (double)p;
                break;
            }
        }
        iterations = per_pass > 0 ? (long)(seconds / per_pass) + 1 : 1;
    }
    if (iterations == 0) {
        (void)printf("iterations 0: setup only, nothing timed\n");
        rc = 0;
        goto out;
    }
    uint64_t records = (uint64_t)iterations * b.n;
    (void)printf("iterations: %ld passes x %zu samples = %llu records per stage "
                 "(wall clock, one thread)\n\n",
                 iterations, b.n, (unsigned long long)records);
    (void)printf("%-14s %12s %10s %14s %12s\n", "stage", "records", "seconds", "records/s",
                 "us/record");
    double t_map = timed(&b, STAGE_MAP, iterations);
    print_row("mapping alone", records, t_map);
    double t_rec = timed(&b, STAGE_RECORD, iterations);
    print_row("whole record", records, t_rec);
    (void)printf("\nmapping alone: sl_mapping_run_opts on a parsed event + releasing its output\n"
                 "whole record:  sl_json_parse + sl_mapping_run_opts + sl_schema_apply + "
                 "record to JSON text (process_one without the store)\n");
    (void)printf("BENCH samples=%zu iterations=%ld map_per_s=%.0f map_us=%.3f record_per_s=%.0f "
                 "record_us=%.3f\n",
                 b.n, iterations, (double)records / t_map, t_map * 1e6 / (double)records,
                 (double)records / t_rec, t_rec * 1e6 / (double)records);
    rc = b.failed == 0 ? 0 : 1;
out:
    json_object_put(ms_doc);
    json_object_put(schema_doc);
    bench_fini(&b);
    return rc;
}
