/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_conversion.c: the type conversions of the Data Prep catalogue.
 *
 * Strings are read as Java reads them: to_integer and to_bigint take digits with an optional
 * sign and nothing around them (Integer.parseInt, new BigDecimal); to_decimal and to_float
 * also skip surrounding whitespace (Double.parseDouble). Decimal text is plain or scientific
 * notation; NaN, infinities and hex forms are refused, since they are not values here. */
#include "mapping/func.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the text of a number looks like. */
typedef enum numtext { NUM_BAD, NUM_INTEGER, NUM_DECIMAL } numtext;

/* Classify s[0..n): an optional sign and digits is NUM_INTEGER; with a fraction and/or an
 * exponent it is NUM_DECIMAL; anything else NUM_BAD. */
static numtext classify(const char *s, size_t n)
{
    size_t i = 0;
    size_t digits = 0;
    bool decimal = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        i++;
    }
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (i < n && s[i] == '.') {
        decimal = true;
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0) {
        return NUM_BAD;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        decimal = true;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0) {
            return NUM_BAD;
        }
    }
    if (i != n) {
        return NUM_BAD;
    }
    return decimal ? NUM_DECIMAL : NUM_INTEGER;
}

/* s[0..n) without the ASCII whitespace and control characters around it (Java's trim). */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (unsigned char)(*s)[0] <= ' ') {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && (unsigned char)(*s)[*n - 1] <= ' ') {
        (*n)--;
    }
}

/* A NUL-terminated copy of s[0..n) for strtod and friends, in the arena. */
static const char *cstr(sl_fn_ctx *cx, const char *s, size_t n)
{
    return sl_arena_strndup(cx->arena, s, n);
}

static int not_a(sl_err *err, const char *fn, const sl_val *v, const char *what)
{
    if (v->type == SL_VAL_STRING) {
        return sl_fn_fail(err, fn, "\"%.60s\" is not %s", v->u.s.ptr, what);
    }
    return sl_fn_fail(err, fn, "STRING must be a string or a number, not %s",
                      sl_val_type_name(v->type));
}

/* The integer text s[0..n) (already classified) as int64; false when out of range. */
static bool parse_i64(sl_fn_ctx *cx, const char *s, size_t n, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(cstr(cx, s, n), &end, 10);
    if (errno == ERANGE) {
        return false;
    }
    *out = v;
    return true;
}

/* ---- to_integer: a 32-bit Integer ---- */

static int fn_to_integer(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                         sl_err *err)
{
    (void)nargs;
    const sl_val *v = args[0];
    int64_t i = 0;
    if (v->type == SL_VAL_INT) {
        i = v->u.i;
    } else if (v->type == SL_VAL_DOUBLE) {
        if (v->u.d != floor(v->u.d) || fabs(v->u.d) > 9.2e18) {
            return sl_fn_fail(err, "to_integer", "%.17g is not an integer", v->u.d);
        }
        i = (int64_t)v->u.d;
    } else if (v->type == SL_VAL_STRING) {
        if (classify(v->u.s.ptr, v->u.s.len) != NUM_INTEGER) {
            return not_a(err, "to_integer", v, "an integer");
        }
        if (!parse_i64(cx, v->u.s.ptr, v->u.s.len, &i)) {
            i = INT64_MAX; /* out of range either way */
        }
    } else {
        return not_a(err, "to_integer", v, "an integer");
    }
    if (i < INT32_MIN || i > INT32_MAX) {
        const sl_val *shown = sl_fn_str(cx, v);
        return sl_fn_fail(err, "to_integer",
                          "%.60s is out of range for an integer (-2147483648 to 2147483647)",
                          shown->u.s.ptr);
    }
    *out = v->type == SL_VAL_INT ? v : sl_val_int(cx->arena, i);
    return SL_OK;
}

/* ---- to_bigint ---- */

static int fn_to_bigint(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                        sl_err *err)
{
    (void)nargs;
    const sl_val *v = args[0];
    double d = 0;
    if (v->type == SL_VAL_INT) {
        *out = v;
        return SL_OK;
    }
    if (v->type == SL_VAL_DOUBLE) {
        d = v->u.d;
    } else if (v->type == SL_VAL_STRING) {
        numtext t = classify(v->u.s.ptr, v->u.s.len);
        int64_t i = 0;
        if (t == NUM_BAD) {
            return not_a(err, "to_bigint", v, "a number");
        }
        if (t == NUM_INTEGER) {
            if (!parse_i64(cx, v->u.s.ptr, v->u.s.len, &i)) {
                return sl_fn_fail(err, "to_bigint",
                                  "\"%.60s\" is out of range for a 64-bit integer", v->u.s.ptr);
            }
            *out = sl_val_int(cx->arena, i);
            return SL_OK;
        }
        errno = 0;
        d = strtod(cstr(cx, v->u.s.ptr, v->u.s.len), NULL);
        if (!isfinite(d)) {
            return sl_fn_fail(err, "to_bigint", "\"%.60s\" is out of range for a number",
                              v->u.s.ptr);
        }
    } else {
        return not_a(err, "to_bigint", v, "a number");
    }
    /* An integral value is an integer; a fraction is kept, as the documented example
     * (to_bigint("1000000.34") is 1000000.34) shows. */
    if (d == floor(d)) {
        if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
            const sl_val *shown = sl_fn_str(cx, v);
            return sl_fn_fail(err, "to_bigint", "%.60s is out of range for a 64-bit integer",
                              shown->u.s.ptr);
        }
        *out = sl_val_int(cx->arena, (int64_t)d);
        return SL_OK;
    }
    *out = v->type == SL_VAL_DOUBLE ? v : sl_val_double(cx->arena, d);
    return SL_OK;
}

/* ---- to_decimal, to_float ---- */

/* The decimal view of `v` (a number, or a string of one with whitespace around it). */
static int decimal_of(sl_fn_ctx *cx, const sl_val *v, const char *fn, bool as_float, double *out,
                      sl_err *err)
{
    if (v->type == SL_VAL_INT) {
        *out = (double)v->u.i;
        return SL_OK;
    }
    if (v->type == SL_VAL_DOUBLE) {
        *out = v->u.d;
        return SL_OK;
    }
    if (v->type != SL_VAL_STRING) {
        return not_a(err, fn, v, "a number");
    }
    const char *s = v->u.s.ptr;
    size_t n = v->u.s.len;
    trim(&s, &n);
    if (classify(s, n) == NUM_BAD) {
        return not_a(err, fn, v, "a number");
    }
    const char *text = cstr(cx, s, n);
    double d = as_float ? (double)strtof(text, NULL) : strtod(text, NULL);
    if (!isfinite(d)) {
        return sl_fn_fail(err, fn, "\"%.60s\" is out of range for a %s", v->u.s.ptr,
                          as_float ? "float" : "decimal");
    }
    *out = d;
    return SL_OK;
}

static int fn_to_decimal(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                         sl_err *err)
{
    (void)nargs;
    double d = 0;
    int rc = decimal_of(cx, args[0], "to_decimal", false, &d, err);
    if (rc == SL_OK) {
        *out = args[0]->type == SL_VAL_DOUBLE ? args[0] : sl_val_double(cx->arena, d);
    }
    return rc;
}

/* The float nearest `d`, widened to the double whose shortest text is the float's shortest
 * text: to_float("12.3456") is 12.3456, not 12.345600128173828. */
static double float_value(double d)
{
    float f = (float)d;
    char buf[32];
    for (int prec = 1; prec <= 9; prec++) {
        (void)snprintf(buf, sizeof(buf), "%.*g", prec, (double)f);
        if (strtof(buf, NULL) == f) {
            break;
        }
    }
    return strtod(buf, NULL);
}

static int fn_to_float(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                       sl_err *err)
{
    (void)nargs;
    double d = 0;
    int rc = decimal_of(cx, args[0], "to_float", true, &d, err);
    if (rc != SL_OK) {
        return rc;
    }
    if (fabs(d) > FLT_MAX) {
        const sl_val *shown = sl_fn_str(cx, args[0]);
        return sl_fn_fail(err, "to_float", "%.60s is out of range for a float", shown->u.s.ptr);
    }
    *out = sl_val_double(cx->arena, float_value(d));
    return SL_OK;
}

const sl_func sl_funcs_conversion[] = {
    {"to_bigint", "Type conversions", 1, 1, fn_to_bigint, 0, "BigInteger to_bigint(String)",
     "STRING: the text of the number to convert", "BigInteger", "to_bigint(\"1000000.34\")",
     "1000000.34",
     "Converts a string to a 64-bit integer. As the documented example shows, a value with a "
     "fraction keeps it (the result is then a decimal); an integral value (\"12\", \"12.0\", "
     "\"1e3\") is an integer. Text that is not a number, or an integral value beyond 64 bits, "
     "is an error."},
    {"to_decimal", "Type conversions", 1, 1, fn_to_decimal, 0, "Double to_decimal(String)",
     "STRING: the text of the number to convert", "Double", "to_decimal(\"20.5\")", "20.5",
     "Converts a string to a double-precision decimal. Surrounding whitespace is ignored and "
     "scientific notation (\"2.05e1\") is read. Text that is not a number, or a value beyond "
     "the double range, is an error."},
    {"to_float", "Type conversions", 1, 1, fn_to_float, 0, "Float to_float(String)",
     "STRING: the text of the number to convert", "Float", "to_float(\"12.3456\")", "12.3456",
     "Converts a string to a single-precision decimal, rounded to float precision and "
     "written with the shortest digits that read back as that float. The documentation "
     "prints 12.34566 for the example, one digit too many (a typo): sluice returns 12.3456. "
     "Text that is not a number, or a value beyond the float range, is an error."},
    {"to_integer", "Type conversions", 1, 1, fn_to_integer, 0, "Integer to_integer(String)",
     "STRING: the text of the integer to convert", "Integer", "to_integer(\"12\")", "12",
     "Converts a string of digits with an optional sign to a 32-bit integer, as Java's "
     "Integer does. Text with a fraction or that is not a number, and values outside "
     "-2147483648 to 2147483647, are errors (use to_bigint for larger integers)."},
    {0},
};
