/* SPDX-License-Identifier: Apache-2.0 */
#include "mapping/value.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const sl_val null_val = {.type = SL_VAL_NULL};
static const sl_val true_val = {.type = SL_VAL_BOOL, .u.b = true};
static const sl_val false_val = {.type = SL_VAL_BOOL, .u.b = false};

const sl_val *sl_val_null(void)
{
    return &null_val;
}

const sl_val *sl_val_true(void)
{
    return &true_val;
}

const sl_val *sl_val_false(void)
{
    return &false_val;
}

const sl_val *sl_val_bool(bool b)
{
    return b ? &true_val : &false_val;
}

static sl_val *new_val(sl_arena *a, sl_val_type t)
{
    sl_val *v = sl_arena_alloc(a, sizeof(*v));
    memset(v, 0, sizeof(*v));
    v->type = t;
    return v;
}

const sl_val *sl_val_int(sl_arena *a, int64_t i)
{
    sl_val *v = new_val(a, SL_VAL_INT);
    v->u.i = i;
    return v;
}

const sl_val *sl_val_double(sl_arena *a, double d)
{
    if (!isfinite(d)) {
        return &null_val;
    }
    sl_val *v = new_val(a, SL_VAL_DOUBLE);
    v->u.d = d;
    return v;
}

const sl_val *sl_val_str_owned(sl_arena *a, const char *p, size_t len)
{
    sl_val *v = new_val(a, SL_VAL_STRING);
    v->u.s.ptr = p;
    v->u.s.len = len;
    return v;
}

const sl_val *sl_val_str(sl_arena *a, const char *p, size_t len)
{
    return sl_val_str_owned(a, sl_arena_strndup(a, p, len), len);
}

const sl_val *sl_val_str_c(sl_arena *a, const char *cstr)
{
    return sl_val_str(a, cstr, strlen(cstr));
}

const sl_val *sl_val_datetime(sl_arena *a, const sl_datetime *dt)
{
    sl_val *v = new_val(a, SL_VAL_DATETIME);
    v->u.dt = *dt;
    return v;
}

sl_val *sl_val_array_new(sl_arena *a, size_t cap_hint)
{
    sl_val *v = new_val(a, SL_VAL_ARRAY);
    v->u.arr.cap = cap_hint != 0 ? cap_hint : 4;
    v->u.arr.items = sl_arena_alloc(a, v->u.arr.cap * sizeof(*v->u.arr.items));
    return v;
}

void sl_val_array_push(sl_arena *a, sl_val *arr, const sl_val *item)
{
    if (arr->u.arr.len == arr->u.arr.cap) {
        size_t cap = arr->u.arr.cap * 2;
        const sl_val **items = sl_arena_alloc(a, cap * sizeof(*items));
        memcpy(items, arr->u.arr.items, arr->u.arr.len * sizeof(*items));
        arr->u.arr.items = items;
        arr->u.arr.cap = cap;
    }
    arr->u.arr.items[arr->u.arr.len++] = item != NULL ? item : &null_val;
}

sl_val *sl_val_object_new(sl_arena *a, size_t cap_hint)
{
    sl_val *v = new_val(a, SL_VAL_OBJECT);
    v->u.obj.cap = cap_hint != 0 ? cap_hint : 4;
    v->u.obj.members = sl_arena_alloc(a, v->u.obj.cap * sizeof(*v->u.obj.members));
    return v;
}

void sl_val_object_set(sl_arena *a, sl_val *obj, const char *key, size_t klen, const sl_val *v)
{
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        sl_val_member *m = &obj->u.obj.members[i];
        if (m->klen == klen && memcmp(m->key, key, klen) == 0) {
            m->val = v != NULL ? v : &null_val;
            return;
        }
    }
    if (obj->u.obj.len == obj->u.obj.cap) {
        size_t cap = obj->u.obj.cap * 2;
        sl_val_member *ms = sl_arena_alloc(a, cap * sizeof(*ms));
        memcpy(ms, obj->u.obj.members, obj->u.obj.len * sizeof(*ms));
        obj->u.obj.members = ms;
        obj->u.obj.cap = cap;
    }
    sl_val_member *m = &obj->u.obj.members[obj->u.obj.len++];
    m->key = sl_arena_strndup(a, key, klen);
    m->klen = klen;
    m->val = v != NULL ? v : &null_val;
}

const sl_val *sl_val_object_get(const sl_val *obj, const char *key, size_t klen)
{
    if (obj == NULL || obj->type != SL_VAL_OBJECT) {
        return NULL;
    }
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const sl_val_member *m = &obj->u.obj.members[i];
        if (m->klen == klen && memcmp(m->key, key, klen) == 0) {
            return m->val;
        }
    }
    return NULL;
}

const char *sl_val_type_name(sl_val_type t)
{
    static const char *const names[] = {"null",      "boolean", "integer", "decimal", "string",
                                        "date-time", "array",   "object",  "lambda"};
    return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

/* ---- JSON ---- */

static void format_double(double d, char *out, size_t cap);

const sl_val *sl_val_from_json(sl_arena *a, json_object *j)
{
    switch (json_object_get_type(j)) {
    case json_type_null:
        return &null_val;
    case json_type_boolean:
        return sl_val_bool(json_object_get_boolean(j) != 0);
    case json_type_int:
        return sl_val_int(a, json_object_get_int64(j));
    case json_type_double:
        return sl_val_double(a, json_object_get_double(j));
    case json_type_string:
        return sl_val_str(a, json_object_get_string(j), (size_t)json_object_get_string_len(j));
    case json_type_array: {
        size_t n = json_object_array_length(j);
        sl_val *arr = sl_val_array_new(a, n);
        for (size_t i = 0; i < n; i++) {
            sl_val_array_push(a, arr, sl_val_from_json(a, json_object_array_get_idx(j, i)));
        }
        return arr;
    }
    case json_type_object: {
        sl_val *obj = sl_val_object_new(a, (size_t)json_object_object_length(j));
        json_object_object_foreach(j, key, val)
        {
            sl_val_object_set(a, obj, key, strlen(key), sl_val_from_json(a, val));
        }
        return obj;
    }
    default:
        return &null_val;
    }
}

json_object *sl_val_to_json(const sl_val *v)
{
    char buf[64];
    if (v == NULL) {
        return NULL;
    }
    switch (v->type) {
    case SL_VAL_BOOL:
        return json_object_new_boolean(v->u.b);
    case SL_VAL_INT:
        return json_object_new_int64(v->u.i);
    case SL_VAL_DOUBLE:
        /* json-c would print 17 significant digits (0.1 as 0.10000000000000001). */
        format_double(v->u.d, buf, sizeof(buf));
        return json_object_new_double_s(v->u.d, buf);
    case SL_VAL_STRING:
        return json_object_new_string_len(v->u.s.ptr, (int)v->u.s.len);
    case SL_VAL_DATETIME:
        return json_object_new_string(sl_datetime_iso(&v->u.dt, buf, sizeof(buf)));
    case SL_VAL_ARRAY: {
        json_object *arr = json_object_new_array_ext((int)v->u.arr.len);
        for (size_t i = 0; i < v->u.arr.len; i++) {
            json_object_array_add(arr, sl_val_to_json(v->u.arr.items[i]));
        }
        return arr;
    }
    case SL_VAL_OBJECT: {
        json_object *obj = json_object_new_object();
        for (size_t i = 0; i < v->u.obj.len; i++) {
            json_object_object_add(obj, v->u.obj.members[i].key,
                                   sl_val_to_json(v->u.obj.members[i].val));
        }
        return obj;
    }
    default:
        return NULL;
    }
}

/* Shortest text that reads back as the same double, always with a '.' or exponent-free
 * digits plus ".0" so it stays a decimal ("2.0"). */
static void format_double(double d, char *out, size_t cap)
{
    for (int prec = 1; prec <= 17; prec++) {
        (void)snprintf(out, cap, "%.*g", prec, d);
        if (strtod(out, NULL) == d) {
            break;
        }
    }
    if (strchr(out, 'e') != NULL || strchr(out, 'E') != NULL) {
        /* Plain notation reads better in mapped records than 1e+21. */
        (void)snprintf(out, cap, "%.17g", d);
        if (fabs(d) < 1e17) {
            (void)snprintf(out, cap, "%f", d);
            size_t n = strlen(out);
            while (n > 0 && out[n - 1] == '0') {
                out[--n] = '\0';
            }
        }
    }
    if (strpbrk(out, ".eEn") == NULL) {
        size_t n = strlen(out);
        (void)snprintf(out + n, cap - n, ".0");
    } else if (out[strlen(out) - 1] == '.') {
        size_t n = strlen(out);
        (void)snprintf(out + n, cap - n, "0");
    }
}

const sl_val *sl_val_to_string(sl_arena *a, const sl_val *v)
{
    char buf[64];
    if (sl_val_is_null(v)) {
        return NULL;
    }
    switch (v->type) {
    case SL_VAL_STRING:
        return v;
    case SL_VAL_BOOL:
        return sl_val_str_owned(a, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
    case SL_VAL_INT:
        (void)snprintf(buf, sizeof(buf), "%" PRId64, v->u.i);
        return sl_val_str_c(a, buf);
    case SL_VAL_DOUBLE:
        format_double(v->u.d, buf, sizeof(buf));
        return sl_val_str_c(a, buf);
    case SL_VAL_DATETIME:
        return sl_val_str_c(a, sl_datetime_iso(&v->u.dt, buf, sizeof(buf)));
    case SL_VAL_ARRAY:
    case SL_VAL_OBJECT: {
        json_object *j = sl_val_to_json(v);
        const sl_val *s =
            sl_val_str_c(a, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(j);
        return s;
    }
    default:
        return NULL;
    }
}

bool sl_val_as_int(const sl_val *v, int64_t *out)
{
    if (v == NULL) {
        return false;
    }
    if (v->type == SL_VAL_INT) {
        *out = v->u.i;
        return true;
    }
    if (v->type == SL_VAL_DOUBLE) {
        if (v->u.d >= -9.2e18 && v->u.d <= 9.2e18) {
            *out = (int64_t)v->u.d;
            return true;
        }
        return false;
    }
    if (v->type == SL_VAL_STRING) {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(v->u.s.ptr, &end, 10);
        if (end != v->u.s.ptr && *end == '\0' && errno == 0) {
            *out = n;
            return true;
        }
    }
    return false;
}

bool sl_val_as_double(const sl_val *v, double *out)
{
    if (v == NULL) {
        return false;
    }
    if (v->type == SL_VAL_INT) {
        *out = (double)v->u.i;
        return true;
    }
    if (v->type == SL_VAL_DOUBLE) {
        *out = v->u.d;
        return true;
    }
    if (v->type == SL_VAL_STRING && v->u.s.len > 0) {
        char *end = NULL;
        errno = 0;
        double d = strtod(v->u.s.ptr, &end);
        if (*end == '\0' && errno == 0 && isfinite(d)) {
            *out = d;
            return true;
        }
    }
    return false;
}

bool sl_val_as_bool(const sl_val *v, bool *out)
{
    static const char *const yes[] = {"y", "yes", "Y", "YES", "on", "ON", "true", "TRUE", NULL};
    static const char *const no[] = {"n", "N", "no", "NO", "off", "OFF", "false", "FALSE", NULL};
    if (v == NULL) {
        return false;
    }
    if (v->type == SL_VAL_BOOL) {
        *out = v->u.b;
        return true;
    }
    if (v->type != SL_VAL_STRING) {
        return false;
    }
    for (int i = 0; yes[i] != NULL; i++) {
        if (strcmp(v->u.s.ptr, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcmp(v->u.s.ptr, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

bool sl_val_compare(const sl_val *a, const sl_val *b, int *cmp)
{
    if (a == NULL || b == NULL) {
        return false;
    }
    bool an = a->type == SL_VAL_INT || a->type == SL_VAL_DOUBLE;
    bool bn = b->type == SL_VAL_INT || b->type == SL_VAL_DOUBLE;
    if (an && bn) {
        if (a->type == SL_VAL_INT && b->type == SL_VAL_INT) {
            *cmp = cmp_i64(a->u.i, b->u.i);
        } else {
            double x = a->type == SL_VAL_INT ? (double)a->u.i : a->u.d;
            double y = b->type == SL_VAL_INT ? (double)b->u.i : b->u.d;
            *cmp = x < y ? -1 : x > y ? 1 : 0;
        }
        return true;
    }
    if (a->type != b->type) {
        return false;
    }
    switch (a->type) {
    case SL_VAL_STRING: {
        size_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
        int c = memcmp(a->u.s.ptr, b->u.s.ptr, n);
        *cmp = c != 0 ? (c < 0 ? -1 : 1) : cmp_i64((int64_t)a->u.s.len, (int64_t)b->u.s.len);
        return true;
    }
    case SL_VAL_BOOL:
        *cmp = (int)a->u.b - (int)b->u.b;
        return true;
    case SL_VAL_DATETIME:
        *cmp = a->u.dt.sec != b->u.dt.sec ? cmp_i64(a->u.dt.sec, b->u.dt.sec)
                                          : cmp_i64(a->u.dt.nsec, b->u.dt.nsec);
        return true;
    default:
        return false;
    }
}

bool sl_val_equal(const sl_val *a, const sl_val *b)
{
    if (sl_val_is_null(a) || sl_val_is_null(b)) {
        return sl_val_is_null(a) && sl_val_is_null(b);
    }
    int c = 0;
    if (a->type == SL_VAL_ARRAY && b->type == SL_VAL_ARRAY) {
        if (a->u.arr.len != b->u.arr.len) {
            return false;
        }
        for (size_t i = 0; i < a->u.arr.len; i++) {
            if (!sl_val_equal(a->u.arr.items[i], b->u.arr.items[i])) {
                return false;
            }
        }
        return true;
    }
    if (a->type == SL_VAL_OBJECT && b->type == SL_VAL_OBJECT) {
        if (a->u.obj.len != b->u.obj.len) {
            return false;
        }
        for (size_t i = 0; i < a->u.obj.len; i++) {
            const sl_val_member *m = &a->u.obj.members[i];
            const sl_val *o = sl_val_object_get(b, m->key, m->klen);
            if (o == NULL || !sl_val_equal(m->val, o)) {
                return false;
            }
        }
        return true;
    }
    return sl_val_compare(a, b, &c) && c == 0;
}

/* ---- date-times ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

char *sl_datetime_iso(const sl_datetime *dt, char *out, size_t cap)
{
    int64_t local = dt->sec + dt->offset_sec;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t rem = local - days * 86400;
    int64_t y;
    unsigned m;
    unsigned d;
    civil_from_days(days, &y, &m, &d);
    char frac[16] = "";
    if (dt->nsec != 0) {
        if (dt->nsec % 1000000 == 0) {
            (void)snprintf(frac, sizeof(frac), ".%03d", dt->nsec / 1000000);
        } else if (dt->nsec % 1000 == 0) {
            (void)snprintf(frac, sizeof(frac), ".%06d", dt->nsec / 1000);
        } else {
            (void)snprintf(frac, sizeof(frac), ".%09d", dt->nsec);
        }
    }
    char zone[16] = "Z";
    if (dt->offset_sec != 0) {
        int off = dt->offset_sec < 0 ? -dt->offset_sec : dt->offset_sec;
        (void)snprintf(zone, sizeof(zone), "%c%02d:%02d", dt->offset_sec < 0 ? '-' : '+',
                       off / 3600, (off % 3600) / 60);
    }
    (void)snprintf(out, cap, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d%s%s", y, m, d,
                   (int)(rem / 3600), (int)(rem % 3600 / 60), (int)(rem % 60), frac, zone);
    return out;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool sl_datetime_parse_iso(const char *s, size_t len, sl_datetime *out)
{
    int y;
    int mo;
    int d;
    int h = 0;
    int mi = 0;
    int se = 0;
    int32_t nsec = 0;
    int32_t off = 0;
    memset(out, 0, sizeof(*out));
    if (len < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
        return false;
    }
    size_t i = 10;
    if (i < len) {
        if ((s[i] != 'T' && s[i] != 't' && s[i] != ' ') || len < i + 9 ||
            !digits(s + i + 1, 2, &h) || s[i + 3] != ':' || !digits(s + i + 4, 2, &mi) ||
            s[i + 6] != ':' || !digits(s + i + 7, 2, &se) || h > 23 || mi > 59 || se > 60) {
            return false;
        }
        i += 9;
        if (i < len && s[i] == '.') {
            i++;
            int nd = 0;
            while (i < len && isdigit((unsigned char)s[i])) {
                if (nd < 9) {
                    nsec = nsec * 10 + (s[i] - '0');
                }
                nd++;
                i++;
            }
            if (nd == 0) {
                return false;
            }
            for (int k = nd; k < 9; k++) {
                nsec *= 10;
            }
        }
        if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
            int oh;
            int om = 0;
            int sign = s[i] == '-' ? -1 : 1;
            if (len < i + 3 || !digits(s + i + 1, 2, &oh)) {
                return false;
            }
            i += 3;
            if (i < len && s[i] == ':') {
                i++;
            }
            if (i + 2 <= len && digits(s + i, 2, &om)) {
                i += 2;
            }
            off = sign * (oh * 3600 + om * 60);
        } else if (i != len) {
            return false;
        }
    }
    if (i != len) {
        return false;
    }
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    out->sec = days * 86400 + h * 3600 + mi * 60 + se - off;
    out->nsec = nsec;
    out->offset_sec = off;
    return true;
}

sl_datetime sl_datetime_from_ms(int64_t epoch_ms)
{
    sl_datetime dt;
    memset(&dt, 0, sizeof(dt));
    int64_t sec = epoch_ms / 1000;
    int64_t ms = epoch_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        sec -= 1;
    }
    dt.sec = sec;
    dt.nsec = (int32_t)(ms * 1000000);
    return dt;
}
