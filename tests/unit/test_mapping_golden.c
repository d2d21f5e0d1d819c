/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_mapping_golden.c: runs every .test file of tests/mapping (the format is in
 * tests/mapping/README.md), one cmocka test per file. Each case is compiled and evaluated; a
 * mismatch is reported as FILE:LINE with the expected and the actual outcome, and fails the
 * file's test after all its cases ran. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/mem.h"
#include "core/str.h"
#include "mapping/expr.h"

#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SL_TEST_DATA is tests/data; the golden files are its sibling. */
#define GOLDEN_DIR SL_TEST_DATA "/../mapping"

/* The "now" of every case: 2026-01-01T00:00:00Z. */
#define GOLDEN_NOW_MS INT64_C(1767225600000)

typedef struct text_line {
    int no;
    char *text;
} text_line;

typedef struct golden_case {
    const char *file;
    int line; /* of the expression's first line */
    sl_buf expr;
    const char *input;
    const char *expected;
} golden_case;

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }
    sl_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        sl_buf_append(&b, chunk, n);
    }
    (void)fclose(fp);
    sl_buf_append(&b, "", 0);
    return b.ptr != NULL ? b.ptr : sl_xstrdup("");
}

static bool json_same(json_object *a, json_object *b);

static bool json_same_container(json_object *a, json_object *b)
{
    if (json_object_is_type(a, json_type_array)) {
        size_t n = json_object_array_length(a);
        if (n != json_object_array_length(b)) {
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            if (!json_same(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i))) {
                return false;
            }
        }
        return true;
    }
    if (json_object_object_length(a) != json_object_object_length(b)) {
        return false;
    }
    json_object_object_foreach(a, key, va)
    {
        json_object *vb = NULL;
        if (!json_object_object_get_ex(b, key, &vb) || !json_same(va, vb)) {
            return false;
        }
    }
    return true;
}

/* Exact equality of two JSON values: integers and decimals are different types; object members
 * are compared regardless of order. */
static bool json_same(json_object *a, json_object *b)
{
    json_type t = json_object_get_type(a);
    if (t != json_object_get_type(b)) {
        return false;
    }
    switch (t) {
    case json_type_null:
        return true;
    case json_type_boolean:
        return json_object_get_boolean(a) == json_object_get_boolean(b);
    case json_type_int:
        return json_object_get_int64(a) == json_object_get_int64(b) &&
               json_object_get_uint64(a) == json_object_get_uint64(b);
    case json_type_double:
        return json_object_get_double(a) == json_object_get_double(b);
    case json_type_string:
        return json_object_get_string_len(a) == json_object_get_string_len(b) &&
               memcmp(json_object_get_string(a), json_object_get_string(b),
                      (size_t)json_object_get_string_len(a)) == 0;
    default:
        return json_same_container(a, b);
    }
}

/* Parse one JSON value, null included; false when `text` is not exactly one value. */
static bool parse_json(const char *text, json_object **out)
{
    json_tokener *tok = json_tokener_new_ex(256);
    *out = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
    bool ok = json_tokener_get_error(tok) == json_tokener_success;
    for (size_t i = json_tokener_get_parse_end(tok); ok && text[i] != '\0'; i++) {
        ok = text[i] == ' ' || text[i] == '\t';
    }
    json_tokener_free(tok);
    if (!ok) {
        json_object_put(*out);
        *out = NULL;
    }
    return ok;
}

static const char *show(json_object *j)
{
    return j == NULL ? "null"
                     : json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
}

static bool check_compile_error(const golden_case *c, const sl_err *err)
{
    const char *spec = c->expected + strlen("!error ");
    char *end = NULL;
    long line = strncmp(spec, "syntax ", 7) == 0 ? strtol(spec + 7, &end, 10) : 0;
    long col = end != NULL && *end == ':' ? strtol(end + 1, &end, 10) : 0;
    if (line <= 0 || col <= 0 || *end != ':') {
        (void)fprintf(stderr, "%s:%d: bad expectation '%s' (want '!error syntax L:C: TEXT')\n",
                      c->file, c->line, c->expected);
        return false;
    }
    const char *text = end + 1;
    while (*text == ' ') {
        text++;
    }
    char want[320];
    (void)snprintf(want, sizeof(want), "%ld:%ld: %s", line, col, text);
    if (err->loc.line != line || err->loc.col != col || strstr(err->msg, want) == NULL) {
        (void)fprintf(stderr, "%s:%d: expected error \"%s\"\n    got \"%s\" at %d:%d\n", c->file,
                      c->line, want, err->msg, err->loc.line, err->loc.col);
        return false;
    }
    return true;
}

static bool check_value(const golden_case *c, const sl_val *v)
{
    json_object *want = NULL;
    if (!parse_json(c->expected, &want)) {
        (void)fprintf(stderr, "%s:%d: the expected line is not JSON: %s\n", c->file, c->line,
                      c->expected);
        return false;
    }
    json_object *got = sl_val_to_json(v);
    bool same = json_same(want, got);
    if (!same) {
        (void)fprintf(stderr, "%s:%d: %s\n    expected %s\n", c->file, c->line,
                      sl_buf_cstr(&c->expr), show(want));
        (void)fprintf(stderr, "    got      %s (%s)\n", show(got),
                      sl_val_type_name(v != NULL ? v->type : SL_VAL_NULL));
    }
    json_object_put(want);
    json_object_put(got);
    return same;
}

static bool check_eval(const golden_case *c, const sl_expr *e)
{
    json_object *in = NULL;
    if (!parse_json(c->input, &in)) {
        (void)fprintf(stderr, "%s:%d: the input line is not JSON: %s\n", c->file, c->line,
                      c->input);
        return false;
    }
    sl_arena *a = sl_arena_create(0);
    sl_fn_ctx cx = {.arena = a, .now_ms = GOLDEN_NOW_MS};
    const sl_val *out = NULL;
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_expr_eval(e, sl_val_from_json(a, in), &cx, &out, &err);
    bool ok = true;
    if (strncmp(c->expected, "!warning ", 9) == 0) {
        const char *text = c->expected + 9;
        if (strncmp(text, "runtime: ", 9) == 0) {
            text += 9;
        }
        if (rc == SL_OK || strstr(err.msg, text) == NULL) {
            json_object *got = rc == SL_OK ? sl_val_to_json(out) : NULL;
            (void)fprintf(stderr, "%s:%d: %s\n    expected a warning with \"%s\"\n    got %s%s\n",
                          c->file, c->line, sl_buf_cstr(&c->expr), text,
                          rc == SL_OK ? "" : "warning ", rc == SL_OK ? show(got) : err.msg);
            json_object_put(got);
            ok = false;
        }
    } else if (rc != SL_OK) {
        (void)fprintf(stderr, "%s:%d: %s\n    expected %s\n    got warning %s (at %d:%d)\n",
                      c->file, c->line, sl_buf_cstr(&c->expr), c->expected, err.msg, err.loc.line,
                      err.loc.col);
        ok = false;
    } else {
        ok = check_value(c, out);
    }
    sl_arena_destroy(a);
    json_object_put(in);
    return ok;
}

static bool run_case(const golden_case *c)
{
    const char *text = sl_buf_cstr(&c->expr);
    size_t len = c->expr.len;
    sl_expr *e = NULL;
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_expr_compile(text, len, &e, &err);
    sl_expr_diag first;
    size_t nd = sl_expr_diagnose(text, len, &first, 1);
    if ((rc == SL_OK) != (nd == 0) ||
        (nd != 0 && (first.line != err.loc.line || first.col != err.loc.col))) {
        (void)fprintf(stderr, "%s:%d: sl_expr_compile and sl_expr_diagnose disagree\n", c->file,
                      c->line);
        sl_expr_destroy(e);
        return false;
    }
    bool ok;
    if (strncmp(c->expected, "!error ", 7) == 0) {
        ok = rc != SL_OK && check_compile_error(c, &err);
        if (rc == SL_OK) {
            (void)fprintf(stderr, "%s:%d: %s\n    expected %s\n    but it compiled\n", c->file,
                          c->line, text, c->expected);
        }
    } else if (rc != SL_OK) {
        (void)fprintf(stderr, "%s:%d: %s\n    expected %s\n    got compile error %s\n", c->file,
                      c->line, text, c->expected, err.msg);
        ok = false;
    } else {
        ok = check_eval(c, e);
    }
    sl_expr_destroy(e);
    return ok;
}

/* Split `text` into lines, numbered from 1. */
static text_line *split_lines(char *text, size_t *n)
{
    size_t cap = 64;
    text_line *lines = sl_xmalloc(cap * sizeof(*lines));
    *n = 0;
    int no = 1;
    for (char *p = text; *p != '\0' || p == text;) {
        char *end = strchr(p, '\n');
        if (end != NULL) {
            *end = '\0';
        }
        size_t len = strlen(p);
        if (len > 0 && p[len - 1] == '\r') {
            p[len - 1] = '\0';
        }
        if (*n == cap) {
            cap *= 2;
            lines = sl_xrealloc(lines, cap * sizeof(*lines));
        }
        lines[(*n)++] = (text_line){no++, p};
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
    return lines;
}

/* Run the case made of the non-comment lines [from, to). Returns false on a mismatch. */
static bool run_block(const char *file, text_line *lines, size_t from, size_t to, int *cases)
{
    text_line *keep[512];
    size_t k = 0;
    for (size_t i = from; i < to && k < sizeof(keep) / sizeof(keep[0]); i++) {
        if (lines[i].text[0] != '#') {
            keep[k++] = &lines[i];
        }
    }
    if (k == 0) {
        return true;
    }
    if (k < 3) {
        (void)fprintf(stderr, "%s:%d: a case needs an expression, an input and an expectation\n",
                      file, keep[0]->no);
        return false;
    }
    golden_case c = {.file = file, .line = keep[0]->no};
    for (size_t i = 0; i + 2 < k; i++) {
        if (i > 0) {
            sl_buf_append(&c.expr, "\n", 1);
        }
        sl_buf_append(&c.expr, keep[i]->text, strlen(keep[i]->text));
    }
    c.input = keep[k - 2]->text;
    c.expected = keep[k - 1]->text;
    (*cases)++;
    bool ok = run_case(&c);
    sl_buf_fini(&c.expr);
    return ok;
}

static void test_golden_file(void **state)
{
    const char *path = *state;
    const char *name = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
    char shown[256];
    (void)snprintf(shown, sizeof(shown), "tests/mapping/%s", name);
    char *text = read_file(path);
    assert_non_null(text);
    size_t n = 0;
    text_line *lines = split_lines(text, &n);
    int cases = 0;
    int failed = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || lines[i].text[0] == '\0') {
            failed += run_block(shown, lines, start, i, &cases) ? 0 : 1;
            start = i + 1;
        }
    }
    printf("%s: %d cases, %d failed\n", shown, cases, failed);
    free(lines);
    free(text);
    assert_true(cases > 0);
    assert_int_equal(failed, 0);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    DIR *d = opendir(GOLDEN_DIR);
    if (d == NULL) {
        (void)fprintf(stderr, "cannot open %s\n", GOLDEN_DIR);
        return 1;
    }
    char **paths = NULL;
    size_t n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (len > 5 && strcmp(ent->d_name + len - 5, ".test") == 0) {
            paths = sl_xrealloc(paths, (n + 1) * sizeof(*paths));
            size_t plen = strlen(GOLDEN_DIR) + len + 2;
            paths[n] = sl_xmalloc(plen);
            (void)snprintf(paths[n], plen, "%s/%s", GOLDEN_DIR, ent->d_name);
            n++;
        }
    }
    (void)closedir(d);
    if (n > 1) {
        qsort(paths, n, sizeof(*paths), by_name);
    }
    struct CMUnitTest *tests = sl_xcalloc(n != 0 ? n : 1, sizeof(*tests));
    for (size_t i = 0; i < n; i++) {
        tests[i].name = strrchr(paths[i], '/') + 1;
        tests[i].test_func = test_golden_file;
        tests[i].initial_state = paths[i];
    }
    int rc = n == 0 ? 1 : _cmocka_run_group_tests("mapping_golden", tests, n, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        free(paths[i]);
    }
    free(paths);
    free(tests);
    return rc;
}
