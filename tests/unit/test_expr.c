/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_expr.c: the expression API (mapping/expr.h) beyond what one golden case can
 * show: every diagnostic of a text, error positions, bytes that are not UTF-8, the limits that
 * need big inputs (SL_MAX_EVAL_STEPS, SL_MAX_EVAL_BYTES), lambdas, sharing a compiled
 * expression between threads; and the mapping engine around them (mapping/mapping.h):
 * EXPRESSION sources, [*] and [N] paths, warnings, SL_MAX_MAPPING_PATH_SEGS and
 * SL_MAX_MAPPING_INDEX. The language itself is tested by the golden files of tests/mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/limits.h"
#include "core/mem.h"
#include "core/str.h"
#include "mapping/eval.h"
#include "mapping/expr.h"
#include "mapping/mapping.h"
#include "mapping/parse.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assert_msg(const char *msg, const char *needle)
{
    if (strstr(msg, needle) == NULL) {
        print_error("expected \"%s\" in \"%s\"\n", needle, msg);
        fail();
    }
}

static sl_expr *compile_ok(const char *text)
{
    sl_expr *e = NULL;
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_expr_compile(text, strlen(text), &e, &err);
    if (rc != SL_OK) {
        print_error("%s: %s\n", text, err.msg);
    }
    assert_int_equal(rc, SL_OK);
    assert_non_null(e);
    return e;
}

/* Compile and evaluate `text` over the JSON `input`; the result as compact JSON text in `out`,
 * or the runtime error in `err`. */
static int eval_json(const char *text, const char *input, char *out, size_t cap, sl_err *err)
{
    sl_expr *e = compile_ok(text);
    sl_arena *a = sl_arena_create(0);
    json_object *in = json_tokener_parse(input);
    sl_fn_ctx cx = {.arena = a, .now_ms = 0};
    const sl_val *v = NULL;
    int rc = sl_expr_eval(e, sl_val_from_json(a, in), &cx, &v, err);
    if (rc == SL_OK) {
        json_object *j = sl_val_to_json(v);
        (void)snprintf(out, cap, "%s",
                       j == NULL ? "null"
                                 : json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
        json_object_put(j);
    }
    json_object_put(in);
    sl_arena_destroy(a);
    sl_expr_destroy(e);
    return rc;
}

/* ---- compiling ------------------------------------------------------------------------- */

static void test_expr_compile_and_eval(void **state)
{
    (void)state;
    sl_expr *e = compile_ok("concat(upper(first), \" \", last) + \"!\"");
    assert_string_equal(sl_expr_text(e), "concat(upper(first), \" \", last) + \"!\"");
    sl_arena *a = sl_arena_create(0);
    sl_fn_ctx cx = {.arena = a};
    sl_val *in = sl_val_object_new(a, 2);
    sl_val_object_set(a, in, "first", 5, sl_val_str_c(a, "ada"));
    sl_val_object_set(a, in, "last", 4, sl_val_str_c(a, "Lovelace"));
    const sl_val *out = NULL;
    sl_err err;
    assert_int_equal(sl_expr_eval(e, in, &cx, &out, &err), SL_OK);
    assert_int_equal(out->type, SL_VAL_STRING);
    assert_string_equal(out->u.s.ptr, "ADA Lovelace!");
    /* The context is handed back as it came. */
    assert_null(cx.call_lambda);
    assert_null(cx.evaluator);
    /* A NULL input is null: fields are null. */
    assert_int_equal(sl_expr_eval(e, NULL, &cx, &out, &err), SL_OK);
    assert_string_equal(out->u.s.ptr, "!");
    sl_arena_destroy(a);
    sl_expr_destroy(e);
    sl_expr_destroy(NULL);
}

static void test_expr_compile_error_has_position(void **state)
{
    (void)state;
    sl_expr *e = (sl_expr *)1;
    sl_err err;
    const char *text = "concat(a,\n  b c)";
    assert_int_equal(sl_expr_compile(text, strlen(text), &e, &err), SL_EINVAL);
    assert_null(e);
    assert_int_equal(err.code, SL_EINVAL);
    assert_int_equal(err.loc.line, 2);
    assert_int_equal(err.loc.col, 5);
    assert_msg(err.msg, "2:5: expected ',' or ')'");
    /* More errors are counted in the message. */
    text = "f(a b, c d, e f)";
    assert_int_equal(sl_expr_compile(text, strlen(text), &e, &err), SL_EINVAL);
    assert_msg(err.msg, "1:5: expected ',' or ')'");
    assert_msg(err.msg, "(and 3 more errors)");
}

static void test_expr_diagnose_reports_every_error(void **state)
{
    (void)state;
    const char *text = "concat(a b, c d) + upper(";
    sl_expr_diag d[8];
    size_t n = sl_expr_diagnose(text, strlen(text), d, 8);
    assert_int_equal(n, 3);
    assert_int_equal(d[0].line, 1);
    assert_int_equal(d[0].col, 10);
    assert_msg(d[0].msg, "found 'b'");
    assert_int_equal(d[1].col, 15);
    assert_msg(d[1].msg, "found 'd'");
    assert_int_equal(d[2].col, 26);
    assert_msg(d[2].msg, "expected an expression, found end of input");

    /* Errors on several lines, syntax and catalogue errors together. */
    text = "iif(a ==, nope(1),\n"
           "    upper(1, 2))\n"
           "  + \"unterminated";
    n = sl_expr_diagnose(text, strlen(text), d, 8);
    assert_int_equal(n, 4);
    assert_int_equal(d[0].line, 1);
    assert_int_equal(d[0].col, 9);
    assert_msg(d[0].msg, "expected an expression, found ','");
    assert_int_equal(d[1].line, 3);
    assert_int_equal(d[1].col, 5);
    assert_msg(d[1].msg, "unterminated string");
    assert_int_equal(d[2].line, 1);
    assert_int_equal(d[2].col, 11);
    assert_msg(d[2].msg, "unknown function 'nope'");
    assert_int_equal(d[3].line, 2);
    assert_int_equal(d[3].col, 5);
    assert_msg(d[3].msg, "upper takes exactly 1 argument, not 2");

    /* Only `cap` are written; the count is all of them. */
    assert_int_equal(sl_expr_diagnose(text, strlen(text), d, 1), 4);
    assert_int_equal(sl_expr_diagnose(text, strlen(text), NULL, 0), 4);
    assert_int_equal(sl_expr_diagnose("1 + 2", 5, NULL, 0), 0);
    assert_int_equal(sl_expr_diagnose(NULL, 0, d, 8), 1);

    /* Every error is counted; the first 100 keep their text. */
    sl_buf b = {0};
    sl_buf_append(&b, "f(", 2);
    for (int i = 0; i < 300; i++) {
        sl_buf_append(&b, ",", 1);
    }
    sl_buf_append(&b, ")", 1);
    sl_expr_diag many[120];
    assert_int_equal(sl_expr_diagnose(b.ptr, b.len, many, 120), 302); /* and f is unknown */
    assert_int_equal(many[99].col, 102);
    assert_msg(many[99].msg, "expected an expression, found ','");
    sl_buf_fini(&b);
}

static void test_expr_rejects_bytes_that_are_not_utf8(void **state)
{
    (void)state;
    sl_expr *e = NULL;
    sl_err err;
    const char bad_name[] = "a\xff + 1";
    assert_int_equal(sl_expr_compile(bad_name, sizeof(bad_name) - 1, &e, &err), SL_EINVAL);
    assert_msg(err.msg, "1:2: invalid UTF-8 byte 0xff");
    const char bad_string[] = "\"ok \xc3\x28\"";
    assert_int_equal(sl_expr_compile(bad_string, sizeof(bad_string) - 1, &e, &err), SL_EINVAL);
    assert_msg(err.msg, "1:5: invalid UTF-8 in a string");
    const char overlong[] = "\"\xc0\xaf\"";
    assert_int_equal(sl_expr_compile(overlong, sizeof(overlong) - 1, &e, &err), SL_EINVAL);
    const char surrogate[] = "${\xed\xa0\x80}";
    assert_int_equal(sl_expr_compile(surrogate, sizeof(surrogate) - 1, &e, &err), SL_EINVAL);
    assert_msg(err.msg, "invalid UTF-8 in a ${...} field name");
    /* A NUL byte is a character like any other: not part of the language. */
    const char nul[] = "1 +\0 2";
    assert_int_equal(sl_expr_compile(nul, sizeof(nul) - 1, &e, &err), SL_EINVAL);
    assert_msg(err.msg, "1:4: unexpected character U+0000");
    /* Inside a string it stays (strings carry their length). */
    const char nul_str[] = "size(\"a\0b\")";
    e = NULL;
    assert_int_equal(sl_expr_compile(nul_str, sizeof(nul_str) - 1, &e, &err), SL_OK);
    sl_expr_destroy(e);
}

/* ---- limits ---------------------------------------------------------------------------- */

static void test_expr_limit_length(void **state)
{
    (void)state;
    char *text = sl_xmalloc(SL_MAX_EXPR_LEN + 2);
    memset(text, ' ', SL_MAX_EXPR_LEN + 1);
    text[SL_MAX_EXPR_LEN - 1] = '7';
    sl_expr *e = NULL;
    sl_err err;
    assert_int_equal(sl_expr_compile(text, SL_MAX_EXPR_LEN, &e, &err), SL_OK);
    sl_expr_destroy(e);
    text[SL_MAX_EXPR_LEN] = '7';
    assert_int_equal(sl_expr_compile(text, SL_MAX_EXPR_LEN + 1, &e, &err), SL_EINVAL);
    assert_msg(err.msg, "1:1: expression is 4097 bytes long; the limit is 4096");
    assert_int_equal(sl_expr_diagnose(text, SL_MAX_EXPR_LEN + 1, NULL, 0), 1);
    free(text);
}

static void test_expr_limit_depth(void **state)
{
    (void)state;
    /* SL_MAX_EXPR_DEPTH levels compile; one more is one error, however deep the text goes. */
    sl_buf b = {0};
    for (int i = 0; i < SL_MAX_EXPR_DEPTH - 1; i++) {
        sl_buf_append(&b, "(", 1);
    }
    sl_buf_append(&b, "1", 1);
    for (int i = 0; i < SL_MAX_EXPR_DEPTH - 1; i++) {
        sl_buf_append(&b, ")", 1);
    }
    assert_int_equal(sl_expr_diagnose(b.ptr, b.len, NULL, 0), 0);
    sl_buf_reset(&b);
    for (int i = 0; i < 2000; i++) {
        sl_buf_append(&b, "(-", 2);
    }
    sl_expr_diag d[4];
    assert_int_equal(sl_expr_diagnose(b.ptr, b.len, d, 4), 1);
    assert_msg(d[0].msg, "expression nested deeper than 64 levels");
    sl_buf_fini(&b);
}

/* Every node evaluated is a step. Without lambdas a tree is evaluated at most once, so the
 * evaluator's own entry point with a smaller limit shows the count. */
static void test_expr_limit_steps(void **state)
{
    (void)state;
    sl_arena *a = sl_arena_create(0);
    sl_fn_ctx cx = {.arena = a};
    const sl_val *out = NULL;
    sl_err err;
    sl_err_clear(&err);
    const char *text = "(1 + 1) + (1 + 1)";
    sl_arena *ta = sl_arena_create(0);
    sl_diags diags = {.arena = ta};
    sl_ast *root = sl__parse(text, strlen(text), ta, &diags);
    assert_int_equal(diags.n, 0);
    sl_eval_limits lim = {7, (size_t)SL_MAX_EVAL_BYTES}; /* 7 nodes */
    assert_int_equal(sl__eval(root, NULL, &cx, &lim, &out, &err), SL_OK);
    assert_int_equal(out->u.i, 4);
    lim.max_steps = 6;
    assert_int_equal(sl__eval(root, NULL, &cx, &lim, &out, &err), SL_EINVAL);
    assert_msg(err.msg, "evaluation took more than 6 steps");
    sl_arena_destroy(ta);
    sl_arena_destroy(a);
}

/* SL_MAX_EVAL_STEPS itself: only lambdas loop, so this needs a row that takes one. */
static void test_expr_limit_steps_with_lambda(void **state)
{
    (void)state;
    const sl_func *f = sl_func_find("filterArray", 11);
    if (f == NULL || (f->flags & SL_FN_LAMBDA) == 0 || f->impl == NULL) {
        skip();
    }
    sl_arena *a = sl_arena_create(0);
    /* Each call of `x -> x > 0` is 3 steps; 40000 elements take 120000 > SL_MAX_EVAL_STEPS. */
    sl_val *arr = sl_val_array_new(a, 40000);
    for (int i = 0; i < 40000; i++) {
        sl_val_array_push(a, arr, sl_val_int(a, i % 3 - 1));
    }
    sl_val *in = sl_val_object_new(a, 1);
    sl_val_object_set(a, in, "arr", 3, arr);
    sl_expr *e = compile_ok("size(filterArray(arr, x -> x > 0))");
    sl_fn_ctx cx = {.arena = a};
    const sl_val *out = NULL;
    sl_err err;
    assert_int_equal(sl_expr_eval(e, in, &cx, &out, &err), SL_EINVAL);
    assert_msg(err.msg, "evaluation took more than 100000 steps");
    /* 30000 elements: 90000 steps and a few more fit. */
    arr->u.arr.len = 30000;
    assert_int_equal(sl_expr_eval(e, in, &cx, &out, &err), SL_OK);
    assert_int_equal(out->u.i, 10000);
    sl_expr_destroy(e);
    sl_arena_destroy(a);
}

static void test_expr_limit_bytes(void **state)
{
    (void)state;
    /* A 1 MiB string; each '+' builds a new one. s+s+s+s+s allocates 2+3+4+5 = 14 MiB, one
     * more '+ s' 20 MiB: past SL_MAX_EVAL_BYTES (16 MiB). The input itself does not count. */
    size_t mib = 1048576;
    char *big = sl_xmalloc(mib + 1);
    memset(big, 'x', mib);
    big[mib] = '\0';
    sl_arena *a = sl_arena_create(0);
    sl_val *in = sl_val_object_new(a, 1);
    sl_val_object_set(a, in, "s", 1, sl_val_str(a, big, mib));
    free(big);
    sl_fn_ctx cx = {.arena = a};
    const sl_val *out = NULL;
    sl_err err;
    sl_expr *e = compile_ok("s + s + s + s + s");
    assert_int_equal(sl_expr_eval(e, in, &cx, &out, &err), SL_OK);
    assert_int_equal(out->u.s.len, 5 * mib);
    sl_expr_destroy(e);
    e = compile_ok("s + s + s + s + s + s");
    assert_int_equal(sl_expr_eval(e, in, &cx, &out, &err), SL_EINVAL);
    assert_msg(err.msg, "evaluation used more than 16777216 bytes");
    assert_int_equal(err.loc.line, 1);
    assert_int_equal(err.loc.col, 19);
    sl_expr_destroy(e);
    /* The bound applies to each evaluation, not to the arena's life. */
    e = compile_ok("s + s + s + s");
    assert_int_equal(sl_expr_eval(e, in, &cx, &out, &err), SL_OK);
    assert_int_equal(sl_expr_eval(e, in, &cx, &out, &err), SL_OK);
    sl_expr_destroy(e);
    sl_arena_destroy(a);
}

/* ---- evaluation ------------------------------------------------------------------------ */

static void test_expr_runtime_error_position(void **state)
{
    (void)state;
    char out[64];
    sl_err err;
    assert_int_equal(eval_json("n +\n  1 / d", "{\"n\":1,\"d\":0}", out, sizeof(out), &err),
                     SL_EINVAL);
    assert_int_equal(err.code, SL_EINVAL);
    assert_int_equal(err.loc.line, 2);
    assert_int_equal(err.loc.col, 5);
    assert_string_equal(err.msg, "division by zero");
    assert_int_equal(eval_json("upper(x) + 1 + true", "{\"x\":\"a\"}", out, sizeof(out), &err),
                     SL_OK);
    assert_string_equal(out, "\"A1true\"");
}

static void test_expr_lambdas(void **state)
{
    (void)state;
    const sl_func *f = sl_func_find("filterArray", 11);
    const sl_func *t = sl_func_find("transformArray", 14);
    if (f == NULL || t == NULL || f->impl == NULL || t->impl == NULL) {
        skip();
    }
    char out[128];
    sl_err err;
    assert_int_equal(
        eval_json("filterArray([5, -6, 0, 7], x -> x > 0)", "{}", out, sizeof(out), &err), SL_OK);
    assert_string_equal(out, "[5,7]");
    assert_int_equal(
        eval_json("transformArray([5, 6, 7], x -> x + 1)", "{}", out, sizeof(out), &err), SL_OK);
    assert_string_equal(out, "[6,7,8]");
    /* A lambda sees the input's fields, and the parameters of the lambdas around it; a
     * parameter shadows a field of the same name, ${x} does not. */
    assert_int_equal(eval_json("transformArray(rows, r -> filterArray(r, x -> x > min + r[0]))",
                               "{\"rows\":[[1,2,3],[0,5]],\"min\":0}", out, sizeof(out), &err),
                     SL_OK);
    assert_string_equal(out, "[[2,3],[5]]");
    assert_int_equal(
        eval_json("transformArray([1, 2], x -> ${x} + x)", "{\"x\":10}", out, sizeof(out), &err),
        SL_OK);
    assert_string_equal(out, "[11,12]");
    /* (a, b) parameters missing from the call are null. */
    assert_int_equal(
        eval_json("transformArray([1, 2], (a, b) -> b ?? a * 10)", "{}", out, sizeof(out), &err),
        SL_OK);
    assert_string_equal(out, "[10,20]");
    /* A runtime error inside a lambda is the call's error, with the lambda's position. */
    assert_int_equal(eval_json("transformArray([1, 0], x -> 1 / x)", "{}", out, sizeof(out), &err),
                     SL_EINVAL);
    assert_msg(err.msg, "division by zero");
}

typedef struct shared_job {
    const sl_expr *e;
    int64_t n;
    bool ok;
} shared_job;

static void *eval_many(void *arg)
{
    shared_job *job = arg;
    sl_arena *a = sl_arena_create(0);
    job->ok = true;
    for (int i = 0; i < 2000 && job->ok; i++) {
        sl_val *in = sl_val_object_new(a, 1);
        sl_val_object_set(a, in, "n", 1, sl_val_int(a, job->n + i));
        sl_fn_ctx cx = {.arena = a};
        const sl_val *out = NULL;
        sl_err err;
        int rc = sl_expr_eval(job->e, in, &cx, &out, &err);
        job->ok = rc == SL_OK && out->type == SL_VAL_STRING &&
                  strtoll(out->u.s.ptr + 2, NULL, 10) == (job->n + i) * 2;
        sl_arena_reset(a);
    }
    sl_arena_destroy(a);
    return NULL;
}

static void test_expr_shared_between_threads(void **state)
{
    (void)state;
    sl_expr *e = compile_ok("iif(n >= 0, \"n=\" + n * 2, upper(\"negative\"))");
    pthread_t th[4];
    shared_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (shared_job){e, (int64_t)i * 100000, false};
        assert_int_equal(pthread_create(&th[i], NULL, eval_many, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_true(jobs[i].ok);
    }
    sl_expr_destroy(e);
}

/* ---- mapping sets ---------------------------------------------------------------------- */

typedef struct warn_log {
    int n;
    char text[1024];
} warn_log;

static void log_warning(void *ud, const sl_mapping_warning *w)
{
    warn_log *log = ud;
    size_t len = strlen(log->text);
    (void)snprintf(log->text + len, sizeof(log->text) - len, "[%zu %s -> %s: %s]", w->index,
                   w->source, w->destination, w->message);
    log->n++;
}

/* Compile the mapping set `set` (JSON text), run it over `input`; the record as compact JSON
 * in `out`, the warnings in `log`. */
static void run_set(const char *set, const char *input, char *out, size_t cap, warn_log *log)
{
    json_object *doc = json_tokener_parse(set);
    assert_non_null(doc);
    sl_mapping *m = NULL;
    sl_err err;
    sl_err_clear(&err);
    if (sl_mapping_compile(doc, &m, &err) != SL_OK) {
        print_error("%s\n", err.msg);
        fail();
    }
    json_object *in = json_tokener_parse(input);
    sl_arena *a = sl_arena_create(0);
    sl_mapping_opts opts = {.now_ms = 0, .arena = a, .on_warning = log_warning, .ud = log};
    memset(log, 0, sizeof(*log));
    json_object *rec = NULL;
    int warnings = -1;
    assert_int_equal(sl_mapping_run_opts(m, in, &opts, &rec, &warnings, &err), SL_OK);
    assert_int_equal(warnings, log->n);
    (void)snprintf(out, cap, "%s", json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN));
    json_object_put(rec);
    json_object_put(in);
    sl_arena_destroy(a);
    json_object_put(doc);
    sl_mapping_destroy(m);
}

static int compile_set(const char *set, sl_err *err)
{
    json_object *doc = json_tokener_parse(set);
    assert_non_null(doc);
    sl_mapping *m = NULL;
    sl_err_clear(err);
    int rc = sl_mapping_compile(doc, &m, err);
    sl_mapping_destroy(m);
    json_object_put(doc);
    return rc;
}

static void test_mapping_expression_sources(void **state)
{
    (void)state;
    char out[512];
    warn_log log;
    run_set("{\"mappings\":["
            "{\"sourceType\":\"EXPRESSION\",\"source\":\"concat(first, \\\" \\\", last)\","
            "\"destination\":\"person.name\"},"
            "{\"sourceType\":\"expression\",\"source\":\"timestamp * 1000\","
            "\"destination\":\"person.ms\"},"
            "{\"sourceType\":\"EXPRESSION\",\"source\":\"[1, 2.5, null, missing.x]\","
            "\"destination\":\"list\"},"
            "{\"sourceType\":\"EXPRESSION\",\"source\":\"missing\",\"destination\":\"absent\"},"
            "{\"sourceType\":\"STATIC\",\"source\":{\"k\":[true]},\"destination\":\"static\"},"
            "{\"sourceAttribute\":\"first\",\"destinationXdmPath\":\"_tenant.first\"}]}",
            "{\"first\":\"Ada\",\"last\":\"Lovelace\",\"timestamp\":1613063089}", out, sizeof(out),
            &log);
    assert_string_equal(out, "{\"person\":{\"name\":\"Ada Lovelace\",\"ms\":1613063089000},"
                             "\"list\":[1,2.5,null,null],\"static\":{\"k\":[true]},"
                             "\"_tenant\":{\"first\":\"Ada\"}}");
    assert_int_equal(log.n, 0);
}

static void test_mapping_runtime_error_is_a_warning(void **state)
{
    (void)state;
    char out[512];
    warn_log log;
    /* The failing mapping writes nothing; a fallback after it still applies; the record is
     * produced. */
    run_set("{\"mappings\":["
            "{\"sourceType\":\"ATTRIBUTE\",\"source\":\"n\",\"destination\":\"a\"},"
            "{\"sourceType\":\"EXPRESSION\",\"source\":\"10 / d\",\"destination\":\"q\"},"
            "{\"sourceType\":\"EXPRESSION\",\"source\":\"-1\",\"destination\":\"q\"},"
            "{\"sourceType\":\"EXPRESSION\",\"source\":\"n +\\n  true\",\"destination\":\"b\"}]}",
            "{\"n\":1,\"d\":0}", out, sizeof(out), &log);
    assert_string_equal(out, "{\"a\":1,\"q\":-1}");
    assert_int_equal(log.n, 2);
    assert_string_equal(log.text, "[1 10 / d -> q: 1:4: division by zero]"
                                  "[3 n +\n  true -> b: 1:3: cannot apply '+' to integer 1 and "
                                  "boolean true]");
    /* sl_mapping_run puts the first warning into err->msg, still answering SL_OK. */
    json_object *doc =
        json_tokener_parse("{\"mappings\":[{\"sourceType\":\"EXPRESSION\",\"source\":\"x.y / 0\","
                           "\"destination\":\"r.s\"}]}");
    json_object *in = json_tokener_parse("{\"x\":{\"y\":5}}");
    sl_mapping *m = NULL;
    sl_err err;
    sl_err_clear(&err);
    assert_int_equal(sl_mapping_compile(doc, &m, &err), SL_OK);
    json_object *rec = NULL;
    int warnings = 0;
    assert_int_equal(sl_mapping_run(m, in, &rec, &warnings, &err), SL_OK);
    assert_int_equal(warnings, 1);
    assert_int_equal(err.code, SL_OK);
    assert_string_equal(err.msg, "mappings[0] -> r.s: 1:5: division by zero");
    assert_int_equal(json_object_object_length(rec), 0);
    json_object_put(rec);
    json_object_put(in);
    json_object_put(doc);
    sl_mapping_destroy(m);
}

static void test_mapping_compile_errors_name_every_mapping(void **state)
{
    (void)state;
    sl_err err;
    assert_int_equal(compile_set("{\"mappings\":["
                                 "{\"sourceType\":\"EXPRESSION\",\"source\":\"upper(a\","
                                 "\"destination\":\"x\"},"
                                 "{\"sourceType\":\"ATTRIBUTE\",\"source\":\"ok\","
                                 "\"destination\":\"y\"},"
                                 "{\"sourceType\":\"EXPRESSION\",\"source\":\"1 +\\n nope(2)\","
                                 "\"destination\":\"z\"},"
                                 "{\"sourceType\":\"MAGIC\",\"source\":\"a\","
                                 "\"destination\":\"w\"}]}",
                                 &err),
                     SL_EINVAL);
    assert_int_equal(err.code, SL_EINVAL);
    assert_string_equal(err.loc.pointer, "/mappings/0");
    assert_int_equal(err.loc.line, 1);
    assert_int_equal(err.loc.col, 8);
    assert_msg(err.msg, "mappings[0].source: 1:8: expected ')' to close the arguments of upper(");
    assert_msg(err.msg, "; mappings[2].source: 2:2: unknown function 'nope'");
    assert_msg(err.msg, "; mappings[3].sourceType 'MAGIC' is not supported");
    assert_int_equal(compile_set("{\"mappings\":[{\"sourceType\":\"EXPRESSION\","
                                 "\"destination\":\"x\"}]}",
                                 &err),
                     SL_EINVAL);
    assert_msg(err.msg, "mappings[0].source (the expression) is missing");
    assert_int_equal(
        compile_set("{\"mappings\":[{\"source\":\"a\",\"destination\":\"[0].x\"}]}", &err),
        SL_EINVAL);
    assert_msg(err.msg, "mappings[0].destination '[0].x': expected a name");
    assert_int_equal(
        compile_set("{\"mappings\":[{\"source\":\"a..b\",\"destination\":\"x\"}]}", &err),
        SL_EINVAL);
    assert_msg(err.msg, "has an empty segment");
}

static void test_mapping_attribute_wildcards(void **state)
{
    (void)state;
    char out[512];
    warn_log log;
    run_set("{\"mappings\":["
            "{\"source\":\"items[*].sku\",\"destination\":\"skus\"},"
            "{\"source\":\"items[*].tags[*]\",\"destination\":\"tags\"},"
            "{\"source\":\"items[1].sku\",\"destination\":\"second\"},"
            "{\"source\":\"first\\\\.name\",\"destination\":\"dotted\"},"
            "{\"source\":\"scalar[*].x\",\"destination\":\"none\"},"
            "{\"source\":\"items[9].sku\",\"destination\":\"none2\"}]}",
            "{\"items\":[{\"sku\":\"a\",\"tags\":[1,2]},{\"qty\":2,\"tags\":[]},"
            "{\"sku\":\"c\"}],\"first.name\":\"Ada\",\"scalar\":5}",
            out, sizeof(out), &log);
    assert_string_equal(out, "{\"skus\":[\"a\",null,\"c\"],\"tags\":[[1,2],[],null],"
                             "\"dotted\":\"Ada\"}");
    assert_int_equal(log.n, 0);
}

static void test_mapping_destination_arrays(void **state)
{
    (void)state;
    char out[512];
    warn_log log;
    /* Two [*] mappings fill the same elements; nulls keep the positions aligned. */
    run_set("{\"mappings\":["
            "{\"source\":\"items[*].sku\",\"destination\":\"products[*].SKU\"},"
            "{\"source\":\"items[*].qty\",\"destination\":\"products[*].quantity\"},"
            "{\"sourceType\":\"STATIC\",\"source\":\"x\",\"destination\":\"a[2].b[1]\"},"
            "{\"sourceType\":\"STATIC\",\"source\":[1,2],\"destination\":\"flat[*]\"},"
            "{\"sourceType\":\"STATIC\",\"source\":[[1],[2,3]],\"destination\":\"m[*].r[*].v\"}]}",
            "{\"items\":[{\"sku\":\"a\",\"qty\":1},{\"qty\":2},{\"sku\":\"c\"}]}", out, sizeof(out),
            &log);
    assert_string_equal(out, "{\"products\":[{\"SKU\":\"a\",\"quantity\":1},{\"quantity\":2},"
                             "{\"SKU\":\"c\"}],\"a\":[null,null,{\"b\":[null,\"x\"]}],"
                             "\"flat\":[1,2],\"m\":[{\"r\":[{\"v\":1}]},{\"r\":[{\"v\":2},"
                             "{\"v\":3}]}]}");
    assert_int_equal(log.n, 0);
    /* What cannot be written is a warning and leaves the record as it was. */
    run_set("{\"mappings\":["
            "{\"source\":\"s\",\"destination\":\"a\"},"
            "{\"source\":\"s\",\"destination\":\"a.b\"},"
            "{\"source\":\"s\",\"destination\":\"list[*].x\"},"
            "{\"sourceType\":\"STATIC\",\"source\":{},\"destination\":\"o\"},"
            "{\"source\":\"s\",\"destination\":\"o[0]\"}]}",
            "{\"s\":\"text\"}", out, sizeof(out), &log);
    assert_string_equal(out, "{\"a\":\"text\",\"o\":{}}");
    assert_int_equal(log.n, 3);
    assert_msg(log.text, "[1 s -> a.b: the destination a.b is blocked by a value of another type]");
    assert_msg(log.text, "[2 s -> list[*].x: a [*] destination needs an array value]");
    assert_msg(log.text, "[4 s -> o[0]: the destination o[0] is blocked");
}

/* now() is the time the caller gives for the record, the same for every mapping of it. */
static void test_mapping_now_is_the_records(void **state)
{
    (void)state;
    if (sl_func_find("now", 3) == NULL) {
        skip();
    }
    json_object *doc = json_tokener_parse(
        "{\"mappings\":[{\"sourceType\":\"EXPRESSION\",\"source\":\"now()\",\"destination\":\"a\"},"
        "{\"sourceType\":\"EXPRESSION\",\"source\":\"now()\",\"destination\":\"b\"}]}");
    sl_mapping *m = NULL;
    sl_err err;
    assert_int_equal(sl_mapping_compile(doc, &m, &err), SL_OK);
    json_object *in = json_object_new_object();
    sl_mapping_opts opts = {.now_ms = INT64_C(1767225600123)};
    json_object *rec = NULL;
    int warnings = 0;
    assert_int_equal(sl_mapping_run_opts(m, in, &opts, &rec, &warnings, &err), SL_OK);
    assert_int_equal(warnings, 0);
    assert_string_equal(json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN),
                        "{\"a\":\"2026-01-01T00:00:00.123Z\",\"b\":\"2026-01-01T00:00:00.123Z\"}");
    json_object_put(rec);
    json_object_put(in);
    json_object_put(doc);
    sl_mapping_destroy(m);
}

static void test_mapping_limit_path_segments(void **state)
{
    (void)state;
    sl_buf path = {0};
    sl_buf set = {0};
    sl_err err;
    for (int i = 0; i < SL_MAX_MAPPING_PATH_SEGS; i++) {
        sl_buf_appendf(&path, "%sk", i > 0 ? "." : "");
    }
    sl_buf_appendf(&set, "{\"mappings\":[{\"source\":\"%s\",\"destination\":\"%s\"}]}", path.ptr,
                   path.ptr);
    assert_int_equal(compile_set(set.ptr, &err), SL_OK);
    sl_buf_append(&path, "[0]", 3);
    sl_buf_reset(&set);
    sl_buf_appendf(&set, "{\"mappings\":[{\"source\":\"%s\",\"destination\":\"x\"}]}", path.ptr);
    assert_int_equal(compile_set(set.ptr, &err), SL_EINVAL);
    assert_msg(err.msg, "mappings[0].source has more than 32 segments");
    sl_buf_reset(&set);
    sl_buf_appendf(&set, "{\"mappings\":[{\"source\":\"x\",\"destination\":\"%s\"}]}", path.ptr);
    assert_int_equal(compile_set(set.ptr, &err), SL_EINVAL);
    assert_msg(err.msg, "mappings[0].destination has more than 32 segments");
    sl_buf_fini(&path);
    sl_buf_fini(&set);
}

static void test_mapping_limit_index(void **state)
{
    (void)state;
    char out[512];
    warn_log log;
    sl_err err;
    char set[256];
    (void)snprintf(set, sizeof(set),
                   "{\"mappings\":[{\"source\":\"a[%d]\",\"destination\":\"b[%d]\"}]}",
                   SL_MAX_MAPPING_INDEX, SL_MAX_MAPPING_INDEX);
    assert_int_equal(compile_set(set, &err), SL_OK);
    (void)snprintf(set, sizeof(set),
                   "{\"mappings\":[{\"source\":\"a[%d]\",\"destination\":\"b\"}]}",
                   SL_MAX_MAPPING_INDEX + 1);
    assert_int_equal(compile_set(set, &err), SL_EINVAL);
    assert_msg(err.msg, "indexes like [0] (at most 65535) or [*]");
    (void)snprintf(set, sizeof(set),
                   "{\"mappings\":[{\"source\":\"a\",\"destination\":\"b[%d]\"}]}",
                   SL_MAX_MAPPING_INDEX + 1);
    assert_int_equal(compile_set(set, &err), SL_EINVAL);
    run_set("{\"mappings\":[{\"source\":\"a\",\"destination\":\"b[3]\"}]}", "{\"a\":1}", out,
            sizeof(out), &log);
    assert_string_equal(out, "{\"b\":[null,null,null,1]}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr_compile_and_eval),
        cmocka_unit_test(test_expr_compile_error_has_position),
        cmocka_unit_test(test_expr_diagnose_reports_every_error),
        cmocka_unit_test(test_expr_rejects_bytes_that_are_not_utf8),
        cmocka_unit_test(test_expr_limit_length),
        cmocka_unit_test(test_expr_limit_depth),
        cmocka_unit_test(test_expr_limit_steps),
        cmocka_unit_test(test_expr_limit_steps_with_lambda),
        cmocka_unit_test(test_expr_limit_bytes),
        cmocka_unit_test(test_expr_runtime_error_position),
        cmocka_unit_test(test_expr_lambdas),
        cmocka_unit_test(test_expr_shared_between_threads),
        cmocka_unit_test(test_mapping_expression_sources),
        cmocka_unit_test(test_mapping_runtime_error_is_a_warning),
        cmocka_unit_test(test_mapping_compile_errors_name_every_mapping),
        cmocka_unit_test(test_mapping_attribute_wildcards),
        cmocka_unit_test(test_mapping_destination_arrays),
        cmocka_unit_test(test_mapping_now_is_the_records),
        cmocka_unit_test(test_mapping_limit_path_segments),
        cmocka_unit_test(test_mapping_limit_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
