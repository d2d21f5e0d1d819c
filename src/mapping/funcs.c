/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs.c: the catalogue, joined from the family tables, and helpers for them. */
#include "mapping/func.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const sl_func *const families[] = {
    sl_funcs_string,     sl_funcs_regex, sl_funcs_hashing, sl_funcs_url,       sl_funcs_datetime,
    sl_funcs_object,     sl_funcs_array, sl_funcs_map,     sl_funcs_logical,   sl_funcs_aggregation,
    sl_funcs_conversion, sl_funcs_json,  sl_funcs_special, sl_funcs_useragent, sl_funcs_analytics,
};

size_t sl_func_count(void)
{
    size_t n = 0;
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
        for (const sl_func *r = families[f]; r->name != NULL; r++) {
            n++;
        }
    }
    return n;
}

const sl_func *sl_func_at(size_t i)
{
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
        for (const sl_func *r = families[f]; r->name != NULL; r++) {
            if (i-- == 0) {
                return r;
            }
        }
    }
    return NULL;
}

const sl_func *sl_func_find(const char *name, size_t len)
{
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
        for (const sl_func *r = families[f]; r->name != NULL; r++) {
            if (strlen(r->name) == len && memcmp(r->name, name, len) == 0) {
                return r;
            }
        }
    }
    return NULL;
}

int sl_fn_fail(sl_err *err, const char *fn, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sl_err_set(err, SL_EINVAL, "%s: %s", fn, msg);
}

const sl_val *sl_fn_str(sl_fn_ctx *cx, const sl_val *v)
{
    return sl_val_to_string(cx->arena, v);
}

bool sl_fn_int(const sl_val *v, const char *fn, const char *param, int64_t *out, sl_err *err)
{
    if (sl_val_as_int(v, out)) {
        return true;
    }
    const char *shown = v != NULL && v->type == SL_VAL_STRING ? v->u.s.ptr : NULL;
    (void)sl_fn_fail(err, fn, "%s must be an integer, not %s%s%s", param,
                     shown != NULL ? "\"" : sl_val_type_name(v != NULL ? v->type : SL_VAL_NULL),
                     shown != NULL ? shown : "", shown != NULL ? "\"" : "");
    return false;
}
