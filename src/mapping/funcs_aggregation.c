/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_aggregation.c: the "Aggregation" functions of the Data Prep catalogue, min and
 * max over their arguments in natural order (sl_val_compare). */
#include "mapping/func.h"

#include <stdio.h>

/* A short quoted form of a value for error messages: "\"abc\"", "3", "array". */
static const char *shown(sl_fn_ctx *cx, const sl_val *v, char *buf, size_t cap)
{
    if (sl_val_is_null(v)) {
        return "null";
    }
    if (v->type == SL_VAL_ARRAY || v->type == SL_VAL_OBJECT || v->type == SL_VAL_LAMBDA) {
        return sl_val_type_name(v->type);
    }
    const sl_val *s = sl_fn_str(cx, v);
    const char *q = v->type == SL_VAL_STRING ? "\"" : "";
    (void)snprintf(buf, cap, "%s %s%.40s%s", sl_val_type_name(v->type), q, s->u.s.ptr, q);
    return buf;
}

/* The least (sign -1) or greatest (sign 1) argument; the first of equal ones. */
static int extreme(sl_fn_ctx *cx, const char *fn, int sign, const sl_val *const *args, size_t nargs,
                   const sl_val **out, sl_err *err)
{
    const sl_val *best = args[0];
    for (size_t i = 0; i < nargs; i++) {
        int c = 0;
        /* Comparing the first argument with itself rejects a lone array or object too. */
        if (!sl_val_compare(args[i], best, &c)) {
            char b1[80];
            char b2[80];
            return sl_fn_fail(err, fn, "cannot compare %s with %s", shown(cx, best, b1, sizeof(b1)),
                              shown(cx, args[i], b2, sizeof(b2)));
        }
        if (c * sign > 0) {
            best = args[i];
        }
    }
    *out = best;
    return SL_OK;
}

static int fn_min(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                  sl_err *err)
{
    return extreme(cx, "min", -1, args, nargs, out, err);
}

static int fn_max(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                  sl_err *err)
{
    return extreme(cx, "max", 1, args, nargs, out, err);
}

#define SL_AGG_PARAMS                                                                              \
    "OPTIONS: one or more values of one comparable kind: numbers (integers and decimals mix), "    \
    "strings (ordered by Unicode code point), date-times (ordered by instant) or booleans "        \
    "(false before true)"
#define SL_AGG_DESC                                                                                \
    "Uses natural ordering and returns the winning argument unchanged (an integer stays an "       \
    "integer). Arguments of kinds that cannot be compared with each other (a number and a "        \
    "string, an array, an object) are an error. A null argument makes the result null."

const sl_func sl_funcs_aggregation[] = {
    {
        .name = "min",
        .category = "Aggregation",
        .min_args = 1,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_min,
        .flags = 0,
        .syntax = "T min(T...)",
        .params = SL_AGG_PARAMS,
        .return_type = "Object",
        .example = "min(3, 1, 4)",
        .result = "1",
        .description = "Returns the minimum of the given arguments. " SL_AGG_DESC,
    },
    {
        .name = "max",
        .category = "Aggregation",
        .min_args = 1,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_max,
        .flags = 0,
        .syntax = "T max(T...)",
        .params = SL_AGG_PARAMS,
        .return_type = "Object",
        .example = "max(3, 1, 4)",
        .result = "4",
        .description = "Returns the maximum of the given arguments. " SL_AGG_DESC,
    },
    {0},
};
