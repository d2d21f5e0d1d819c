/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/fn_harness_check.c: catalogue calls checked by the kind of their result. */
#include "fn_harness_check.h"

#include <stdio.h>

int fn_last_rc;
int64_t fn_now_ms = FN_NOW_MS;

const sl_val *call_val(const char *name, const sl_val *const *args, size_t n)
{
    const sl_val *out = NULL;
    fn_cx.now_ms = fn_now_ms;
    fn_last_rc = fn_invoke(name, args, n, &out);
    if (fn_last_rc != SL_OK) {
        assert_int_equal(fn_last_rc, SL_EINVAL);
        return NULL;
    }
    return out;
}

const sl_val *ok(const sl_val *v)
{
    if (v == NULL) {
        fail_msg("unexpected error: %s", fn_err.msg);
    }
    return v;
}

void check_str(const sl_val *v, const char *want)
{
    v = ok(v);
    assert_int_equal(v->type, SL_VAL_STRING);
    assert_string_equal(v->u.s.ptr, want);
    assert_int_equal(v->u.s.len, strlen(want));
}

void check_iso(const sl_val *v, const char *want)
{
    char buf[64];
    v = ok(v);
    assert_int_equal(v->type, SL_VAL_DATETIME);
    assert_string_equal(sl_datetime_iso(&v->u.dt, buf, sizeof(buf)), want);
}

void check_int(const sl_val *v, int64_t want)
{
    v = ok(v);
    assert_int_equal(v->type, SL_VAL_INT);
    assert_int_equal(v->u.i, want);
}

void check_null(const sl_val *v)
{
    assert_non_null(v);
    assert_true(sl_val_is_null(v));
}

void check_err(const sl_val *v, const char *fn, const char *part)
{
    if (v != NULL) {
        fail_msg("expected an error containing '%s'", part);
    }
    assert_int_equal(fn_last_rc, SL_EINVAL);
    assert_int_equal(strncmp(fn_err.msg, fn, strlen(fn)), 0);
    if (strstr(fn_err.msg, part) == NULL) {
        fail_msg("message '%s' lacks '%s'", fn_err.msg, part);
    }
}

int check_documented(const sl_func *f, const char *category)
{
    assert_string_equal(f->category, category);
    assert_non_null(f->impl);
    assert_true(f->syntax != NULL && f->syntax[0] != '\0');
    assert_non_null(f->params);
    assert_true(f->return_type != NULL && f->return_type[0] != '\0');
    assert_true(f->example != NULL && f->example[0] != '\0');
    assert_true(f->result != NULL && f->result[0] != '\0');
    assert_true(f->description != NULL && f->description[0] != '\0');
    char buf[1024];
    (void)snprintf(buf, sizeof(buf), "%s", f->params);
    char *save = NULL;
    int count = 0;
    for (char *p = strtok_r(buf, ";", &save); p != NULL; p = strtok_r(NULL, ";", &save)) {
        assert_non_null(strchr(p, ':'));
        count++;
    }
    return count;
}

void check_named_rows(const char *const *names, size_t n, const char *category)
{
    for (size_t i = 0; i < n; i++) {
        const sl_func *f = sl_func_find(names[i], strlen(names[i]));
        assert_non_null(f);
        (void)check_documented(f, category);
    }
}
