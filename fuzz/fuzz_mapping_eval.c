/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz/fuzz_mapping_eval.c: compile the first line of the input as an expression and evaluate
 * it over the rest, read as JSON (or over null when the rest is not JSON), with the whole
 * function catalogue reachable. Checks the evaluator's contract (a value or SL_EINVAL with a
 * message) and that the result converts back to JSON; SL_MAX_EVAL_STEPS and SL_MAX_EVAL_BYTES
 * bound the work. The same expression also runs as an EXPRESSION mapping. */
#include "core/json.h"
#include "core/limits.h"
#include "mapping/expr.h"
#include "mapping/mapping.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run `e` once as the mapping {"sourceType":"EXPRESSION","destination":"out"}. */
static void run_as_mapping(const char *text, size_t len, json_object *in)
{
    json_object *set = json_object_new_object();
    json_object *arr = json_object_new_array();
    json_object *one = json_object_new_object();
    json_object_object_add(one, "sourceType", json_object_new_string("EXPRESSION"));
    json_object_object_add(one, "source", json_object_new_string_len(text, (int)len));
    json_object_object_add(one, "destination", json_object_new_string("out[*].v"));
    json_object_array_add(arr, one);
    json_object_object_add(set, "mappings", arr);
    sl_mapping *m = NULL;
    if (sl_mapping_compile(set, &m, NULL) == SL_OK) {
        sl_mapping_opts opts = {.now_ms = 1767225600000};
        json_object *rec = NULL;
        int warnings = 0;
        if (sl_mapping_run_opts(m, in, &opts, &rec, &warnings, NULL) != SL_OK || rec == NULL ||
            warnings < 0 || warnings > 1) {
            abort();
        }
        json_object_put(rec);
    }
    sl_mapping_destroy(m);
    json_object_put(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t len = nl != NULL ? (size_t)(nl - text) : size;
    sl_expr *e = NULL;
    if (sl_expr_compile(text, len, &e, NULL) != SL_OK) {
        return 0;
    }
    json_object *in = NULL;
    if (nl != NULL) {
        sl_str rest = {nl + 1, size - len - 1};
        (void)sl_json_parse(rest, SL_MAX_JSON_DEPTH, &in, NULL);
    }
    sl_arena *a = sl_arena_create(0);
    sl_fn_ctx cx = {.arena = a, .now_ms = 1767225600000};
    const sl_val *out = NULL;
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_expr_eval(e, sl_val_from_json(a, in), &cx, &out, &err);
    if (rc == SL_OK) {
        if (out == NULL || cx.call_lambda != NULL || cx.evaluator != NULL) {
            abort();
        }
        json_object_put(sl_val_to_json(out));
        (void)sl_val_to_string(a, out);
    } else if (rc != SL_EINVAL || err.msg[0] == '\0' || memchr(err.msg, '\0', 256) == NULL) {
        abort();
    }
    sl_arena_destroy(a);
    if (in == NULL || json_object_is_type(in, json_type_object)) {
        run_as_mapping(text, len, in);
    }
    json_object_put(in);
    sl_expr_destroy(e);
    return 0;
}
