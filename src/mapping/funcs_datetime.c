/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_datetime.c: the "Date and time" functions of the Data Prep catalogue.
 *
 * Date-times are sl_datetime values: an instant plus the offset and zone it is shown in. Patterns
 * are written in Java's DateTimeFormatter letters; ICU's udat implements the same letters, and
 * the few differences are bridged here: AEP documents `u` as the ISO day of the week, fractions
 * (`S`) are printed from the nanoseconds ICU does not keep, and `[...]` optional sections are
 * printed when formatting and expanded into alternatives when parsing. Calendars are proleptic
 * Gregorian with ISO weeks (Monday first, four days in the first week), as java.time's are.
 * A string given where a date-time is expected is read the way date() reads it without a format.
 * ICU objects are opened per call, so nothing here is shared between threads. */
#include "mapping/datetime.h"
#include "mapping/func.h"

#include <unicode/ucal.h>
#include <unicode/uchar.h>
#include <unicode/udat.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SL_DT_LOCALE "en_US_POSIX"
/* Longest FORMAT and longest date string, in bytes: both come from mappings or records. */
#define SL_DT_MAX_PATTERN 256
#define SL_DT_MAX_TEXT    256
/* `[...]` sections in a parse pattern: at most 2^4 alternatives are tried. */
#define SL_DT_MAX_OPTIONAL 4
/* ICU's earliest instant: as the Gregorian change date it makes the calendar proleptic. */
#define SL_DT_ICU_MIN_MILLIS (-184303902528000000.0)
/* Years make_date_time and set_date_part build ("written in four digits", the docs say). */
#define SL_DT_MIN_YEAR 1
#define SL_DT_MAX_YEAR 9999
/* Epoch milliseconds dformat accepts: 100 million days either side of 1970 (ECMAScript's). */
#define SL_DT_MAX_EPOCH_MS 8640000000000000LL

/* ---- civil calendar arithmetic (proleptic Gregorian, Howard Hinnant's algorithms) ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return a % b != 0 && (a < 0) != (b < 0) ? q - 1 : q;
}

/* Wall-clock fields of a moment. */
typedef struct civil {
    int64_t year;
    int month;
    int day;
    int hour;
    int minute;
    int second;
    int64_t days; /* since 1970-01-01 */
} civil;

static void civil_of_local(int64_t local, civil *c)
{
    c->days = floor_div(local, 86400);
    int64_t rem = local - c->days * 86400;
    civil_from_days(c->days, &c->year, &c->month, &c->day);
    c->hour = (int)(rem / 3600);
    c->minute = (int)(rem % 3600 / 60);
    c->second = (int)(rem % 60);
}

/* The wall time of `dt` in its own zone. */
static void civil_of(const sl_datetime *dt, civil *c)
{
    civil_of_local(dt->sec + dt->offset_sec, c);
}

static int64_t local_of(const civil *c)
{
    return days_from_civil(c->year, c->month, c->day) * 86400 + (int64_t)c->hour * 3600 +
           (int64_t)c->minute * 60 + c->second;
}

/* ISO day of the week of a day since 1970 (a Thursday): 1 = Monday ... 7 = Sunday. */
static int iso_weekday(int64_t days)
{
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w) + 1;
}

static int day_of_year(const civil *c)
{
    return (int)(days_from_civil(c->year, c->month, c->day) - days_from_civil(c->year, 1, 1)) + 1;
}

static int iso_weeks_in_year(int64_t y)
{
    int jan1 = iso_weekday(days_from_civil(y, 1, 1));
    return jan1 == 4 || (jan1 == 3 && is_leap(y)) ? 53 : 52;
}

static int iso_week(const civil *c)
{
    int week = (day_of_year(c) - iso_weekday(c->days) + 10) / 7;
    if (week < 1) {
        return iso_weeks_in_year(c->year - 1);
    }
    return week > iso_weeks_in_year(c->year) ? 1 : week;
}

/* ---- messages ---- */

/* `s` cut to fit `cap` on a UTF-8 boundary, with "..." when cut. */
static const char *clip(const char *s, size_t len, char *buf, size_t cap)
{
    size_t n = len;
    if (n >= cap) {
        n = cap - 4;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
            n--;
        }
    }
    memcpy(buf, s, n);
    if (n < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

/* A value as a message shows it: a string quoted and clipped, else its type's name. */
static const char *what(const sl_val *v, char *buf, size_t cap)
{
    if (sl_val_is_null(v)) {
        return "null";
    }
    if (v->type != SL_VAL_STRING) {
        return sl_val_type_name(v->type);
    }
    char inner[64];
    (void)snprintf(buf, cap, "\"%s\"", clip(v->u.s.ptr, v->u.s.len, inner, sizeof(inner)));
    return buf;
}

static int icu_fail(sl_err *err, const char *fn, UErrorCode st)
{
    return sl_fn_fail(err, fn, "date library error: %s", u_errorName(st));
}

static int want_string(const char *fn, const char *param, const sl_val *v, sl_err *err)
{
    char buf[80];
    if (!sl_val_is_null(v) && v->type == SL_VAL_STRING) {
        return SL_OK;
    }
    return sl_fn_fail(err, fn, "%s must be a string, not %s", param, what(v, buf, sizeof(buf)));
}

/* ---- zones ---- */

/* A zone ICU can open, and the zone id a result keeps ("" for a fixed offset). */
typedef struct zone_spec {
    char icu[64];
    char keep[48];
} zone_spec;

static void zone_fixed(int32_t off, zone_spec *z)
{
    int a = off < 0 ? -off : off;
    char sign = off < 0 ? '-' : '+';
    z->keep[0] = '\0';
    if (off == 0) {
        (void)snprintf(z->icu, sizeof(z->icu), "UTC");
    } else if (a % 60 != 0) {
        (void)snprintf(z->icu, sizeof(z->icu), "GMT%c%02d:%02d:%02d", sign, a / 3600, a % 3600 / 60,
                       a % 60);
    } else {
        (void)snprintf(z->icu, sizeof(z->icu), "GMT%c%02d:%02d", sign, a / 3600, a % 3600 / 60);
    }
}

static void zone_of(const sl_datetime *dt, zone_spec *z)
{
    if (dt->zone[0] != '\0') {
        (void)snprintf(z->icu, sizeof(z->icu), "%s", dt->zone);
        (void)snprintf(z->keep, sizeof(z->keep), "%s", dt->zone);
    } else {
        zone_fixed(dt->offset_sec, z);
    }
}

static bool two_digits(const char *p, int *v)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') {
        return false;
    }
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return true;
}

/* An offset as Java's ZoneOffset.of reads it: +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss (or
 * with '-'), at most 18 hours. */
static bool parse_offset(const char *s, size_t len, int32_t *off)
{
    int h = 0;
    int m = 0;
    int sec = 0;
    if (len < 2 || (s[0] != '+' && s[0] != '-')) {
        return false;
    }
    const char *p = s + 1;
    size_t n = len - 1;
    bool ok = false;
    if (n == 1) {
        ok = p[0] >= '0' && p[0] <= '9';
        h = p[0] - '0';
    } else if (n == 2) {
        ok = two_digits(p, &h);
    } else if (n == 4 || n == 6) {
        ok = two_digits(p, &h) && two_digits(p + 2, &m) && (n == 4 || two_digits(p + 4, &sec));
    } else if (n == 5 || n == 8) {
        ok = two_digits(p, &h) && p[2] == ':' && two_digits(p + 3, &m) &&
             (n == 5 || (p[5] == ':' && two_digits(p + 6, &sec)));
    }
    if (!ok || m > 59 || sec > 59 || h * 3600 + m * 60 + sec > 18 * 3600) {
        return false;
    }
    *off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60 + sec);
    return true;
}

/* A zone as Java's ZoneId.of reads it: "Z", an offset, UTC/GMT/UT alone or with an offset, or
 * a region id ICU knows ("Europe/Paris"). */
static bool resolve_zone(const char *s, size_t len, zone_spec *z)
{
    static const char *const prefixes[] = {"UTC", "GMT", "UT", "Z"};
    int32_t off = 0;
    if (len == 0 || len >= sizeof(z->keep) || memchr(s, '\0', len) != NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t pl = strlen(prefixes[i]);
        if (len < pl || memcmp(s, prefixes[i], pl) != 0) {
            continue;
        }
        if (len == pl) {
            zone_fixed(0, z);
            return true;
        }
        if (pl > 1 && parse_offset(s + pl, len - pl, &off)) {
            zone_fixed(off, z);
            return true;
        }
        break;
    }
    if (parse_offset(s, len, &off)) {
        zone_fixed(off, z);
        return true;
    }
    UChar id[64];
    UChar canon[64];
    int32_t idlen = 0;
    UBool system = 0;
    UErrorCode st = U_ZERO_ERROR;
    u_strFromUTF8(id, 64, &idlen, s, (int32_t)len, &st);
    if (U_SUCCESS(st)) {
        (void)ucal_getCanonicalTimeZoneID(id, idlen, canon, 64, &system, &st);
    }
    if (U_FAILURE(st) || !system) {
        return false;
    }
    memcpy(z->icu, s, len);
    z->icu[len] = '\0';
    memcpy(z->keep, s, len);
    z->keep[len] = '\0';
    return true;
}

/* The zone id a parsed date-time keeps: "" for UTC and fixed offsets. */
static void keep_zone(const UChar *zid, int32_t zl, char *out, size_t cap)
{
    static const char *const fixed[] = {"UTC",      "GMT",           "Etc/UTC",      "Etc/GMT",
                                        "UCT",      "Etc/UCT",       "Etc/Unknown",  "Universal",
                                        "Zulu",     "Etc/Universal", "Etc/Zulu",     "GMT0",
                                        "Etc/GMT0", "Greenwich",     "Etc/Greenwich"};
    char id[64];
    int32_t n = 0;
    UErrorCode st = U_ZERO_ERROR;
    out[0] = '\0';
    u_strToUTF8(id, (int32_t)sizeof(id), &n, zid, zl, &st);
    if (U_FAILURE(st) || n <= 0 || (size_t)n >= cap || (size_t)n >= sizeof(id)) {
        return;
    }
    id[n] = '\0';
    if (strncmp(id, "GMT+", 4) == 0 || strncmp(id, "GMT-", 4) == 0) {
        return;
    }
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        if (strcmp(id, fixed[i]) == 0) {
            return;
        }
    }
    memcpy(out, id, (size_t)n + 1);
}

/* A proleptic Gregorian calendar in `zone` with ISO weeks. NULL with `st` set on failure. */
static UCalendar *open_cal(const char *zone, bool lenient, UErrorCode *st)
{
    UChar zid[64];
    int32_t zl = 0;
    u_strFromUTF8(zid, 64, &zl, zone, -1, st);
    if (U_FAILURE(*st)) {
        return NULL;
    }
    UCalendar *cal = ucal_open(zid, zl, SL_DT_LOCALE, UCAL_GREGORIAN, st);
    if (U_FAILURE(*st)) {
        if (cal != NULL) {
            ucal_close(cal);
        }
        return NULL;
    }
    ucal_setGregorianChange(cal, SL_DT_ICU_MIN_MILLIS, st);
    ucal_setAttribute(cal, UCAL_FIRST_DAY_OF_WEEK, UCAL_MONDAY);
    ucal_setAttribute(cal, UCAL_MINIMAL_DAYS_IN_FIRST_WEEK, 4);
    ucal_setAttribute(cal, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
    ucal_setAttribute(cal, UCAL_LENIENT, lenient ? 1 : 0);
    if (U_FAILURE(*st)) {
        ucal_close(cal);
        return NULL;
    }
    return cal;
}

/* The offset (seconds east) of zone `z` at Unix second `sec`. */
static int offset_at(const char *fn, const zone_spec *z, int64_t sec, int32_t *off, sl_err *err)
{
    UErrorCode st = U_ZERO_ERROR;
    UCalendar *cal = open_cal(z->icu, true, &st);
    if (cal != NULL) {
        ucal_setMillis(cal, (double)sec * 1000.0, &st);
        int32_t ms = ucal_get(cal, UCAL_ZONE_OFFSET, &st) + ucal_get(cal, UCAL_DST_OFFSET, &st);
        *off = ms / 1000;
        ucal_close(cal);
    }
    return U_FAILURE(st) ? icu_fail(err, fn, st) : SL_OK;
}

/* The instant of wall time `local` in zone `z`, chosen as java.time's ZonedDateTime.ofLocal
 * chooses it: `prefer` when it is a valid offset there, else the earlier offset of an overlap; a
 * wall time inside a gap moves forward by the gap's length. */
static int from_local(const char *fn, const zone_spec *z, int64_t local, const int32_t *prefer,
                      sl_datetime *dt, sl_err *err)
{
    if (prefer != NULL) {
        int32_t o = 0;
        int rc = offset_at(fn, z, local - *prefer, &o, err);
        if (rc != SL_OK || o == *prefer) {
            dt->sec = local - o;
            dt->offset_sec = o;
            return rc;
        }
    }
    civil c;
    civil_of_local(local, &c);
    UErrorCode st = U_ZERO_ERROR;
    UCalendar *cal = open_cal(z->icu, true, &st);
    if (cal != NULL) {
        ucal_clear(cal);
        ucal_set(cal, UCAL_EXTENDED_YEAR, (int32_t)c.year);
        ucal_set(cal, UCAL_MONTH, c.month - 1);
        ucal_set(cal, UCAL_DATE, c.day);
        ucal_set(cal, UCAL_HOUR_OF_DAY, c.hour);
        ucal_set(cal, UCAL_MINUTE, c.minute);
        ucal_set(cal, UCAL_SECOND, c.second);
        UDate ms = ucal_getMillis(cal, &st);
        int32_t off = ucal_get(cal, UCAL_ZONE_OFFSET, &st) + ucal_get(cal, UCAL_DST_OFFSET, &st);
        dt->sec = (int64_t)floor(ms / 1000.0);
        dt->offset_sec = off / 1000;
        ucal_close(cal);
    }
    return U_FAILURE(st) ? icu_fail(err, fn, st) : SL_OK;
}

/* ---- patterns ---- */

/* Letters both Java and ICU define; anything else Java reserves and ICU would ignore. */
static const char pattern_letters[] = "GyYMLwWDdFEecuaHkKhmsSAzZXxVOQq";

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Java pattern `p` (with no optional sections left when parsing) as an ICU pattern in UTF-16.
 * When formatting `dt`, fractions and `u` are written out as digits, and '[' ']' dropped: all
 * of a date-time's fields are present, so Java prints every optional section. */
static int translate(const char *fn, const char *p, size_t len, const sl_datetime *dt, UChar *out,
                     int32_t cap, int32_t *outlen, sl_err *err)
{
    char buf[SL_DT_MAX_PATTERN + 1];
    const char zero = '0';
    char frac[16] = "000000000";
    char wdigit = '1';
    size_t o = 0;
    bool quoted = false;
    if (dt != NULL) {
        civil c;
        civil_of(dt, &c);
        wdigit = "01234567"[iso_weekday(c.days)];
        (void)snprintf(frac, sizeof(frac), "%09d", (int)dt->nsec);
    }
    for (size_t i = 0; i < len;) {
        char ch = p[i];
        if (ch == '\'' || quoted || !is_letter(ch)) {
            if (ch == '\'') {
                quoted = !quoted;
            } else if (!quoted && (ch == '#' || ch == '{' || ch == '}')) {
                return sl_fn_fail(err, fn, "FORMAT: '%c' is reserved", ch);
            }
            if (quoted || (ch != '[' && ch != ']')) {
                buf[o++] = ch;
            }
            i++;
            continue;
        }
        if (strchr(pattern_letters, ch) == NULL) {
            return sl_fn_fail(err, fn, "FORMAT: pattern letter '%c' is not supported", ch);
        }
        size_t run = 1;
        while (i + run < len && p[i + run] == ch) {
            run++;
        }
        for (size_t k = 0; k < run; k++) {
            if (dt != NULL && ch == 'S' && k < 9) {
                buf[o++] = frac[k];
            } else if (dt != NULL && (ch == 'S' || (ch == 'u' && k + 1 < run))) {
                buf[o++] = zero;
            } else if (dt != NULL && ch == 'u') {
                buf[o++] = wdigit;
            } else if (ch != 'u') {
                buf[o++] = ch;
            } else if (k < 2) {
                buf[o++] = 'e'; /* ICU's local day of week: ISO numbering on our calendars */
            }
        }
        i += run;
    }
    if (quoted) {
        return sl_fn_fail(err, fn, "FORMAT has an unclosed quote");
    }
    UErrorCode st = U_ZERO_ERROR;
    u_strFromUTF8(out, cap, outlen, buf, (int32_t)o, &st);
    if (U_FAILURE(st)) {
        return sl_fn_fail(err, fn, "FORMAT is not valid UTF-8");
    }
    return SL_OK;
}

static int want_format(const char *fn, const sl_val *fmt, sl_err *err)
{
    int rc = want_string(fn, "FORMAT", fmt, err);
    if (rc == SL_OK && fmt->u.s.len > SL_DT_MAX_PATTERN) {
        rc = sl_fn_fail(err, fn, "FORMAT is longer than %d bytes", SL_DT_MAX_PATTERN);
    }
    return rc;
}

/* A UTF-16 result as a string value in the arena. */
static int utf16_val(sl_fn_ctx *cx, const char *fn, const UChar *s, int32_t n, const sl_val **out,
                     sl_err *err)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t need = 0;
    u_strToUTF8(NULL, 0, &need, s, n, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
        return icu_fail(err, fn, st);
    }
    st = U_ZERO_ERROR;
    char *buf = sl_arena_alloc(cx->arena, (size_t)need + 1);
    u_strToUTF8(buf, need + 1, NULL, s, n, &st);
    if (U_FAILURE(st)) {
        return icu_fail(err, fn, st);
    }
    buf[need] = '\0';
    *out = sl_val_str_owned(cx->arena, buf, (size_t)need);
    return SL_OK;
}

/* `dt` written with Java pattern `fmt`, in the date-time's own zone. */
static int format_dt(sl_fn_ctx *cx, const char *fn, const sl_datetime *dt, const sl_val *fmt,
                     const sl_val **out, sl_err *err)
{
    UChar pat[SL_DT_MAX_PATTERN + 1];
    UChar zid[64];
    UChar small[256];
    UChar *res = small;
    int32_t plen = 0;
    int32_t zl = 0;
    UDateFormat *df = NULL;
    UCalendar *cal = NULL;
    UErrorCode st = U_ZERO_ERROR;
    zone_spec z;
    int rc = want_format(fn, fmt, err);
    if (rc == SL_OK) {
        rc = translate(fn, fmt->u.s.ptr, fmt->u.s.len, dt, pat, SL_DT_MAX_PATTERN + 1, &plen, err);
    }
    if (rc != SL_OK) {
        goto out;
    }
    zone_of(dt, &z);
    u_strFromUTF8(zid, 64, &zl, z.icu, -1, &st);
    cal = open_cal(z.icu, true, &st);
    df = udat_open(UDAT_PATTERN, UDAT_PATTERN, SL_DT_LOCALE, zid, zl, pat, plen, &st);
    if (U_FAILURE(st)) {
        rc = icu_fail(err, fn, st);
        goto out;
    }
    udat_setCalendar(df, cal);
    int64_t whole_ms = dt->sec * 1000 + dt->nsec / 1000000;
    UDate ms = (double)whole_ms;
    int32_t n = udat_format(df, ms, res, 256, NULL, &st);
    if (st == U_BUFFER_OVERFLOW_ERROR) {
        st = U_ZERO_ERROR;
        res = sl_arena_alloc(cx->arena, ((size_t)n + 1) * sizeof(UChar));
        n = udat_format(df, ms, res, n + 1, NULL, &st);
    }
    rc = U_FAILURE(st) ? icu_fail(err, fn, st) : utf16_val(cx, fn, res, n, out, err);
out:
    if (df != NULL) {
        udat_close(df);
    }
    if (cal != NULL) {
        ucal_close(cal);
    }
    return rc;
}

/* One string being tried against patterns. */
typedef struct parser {
    UDateFormat *df;
    UCalendar *cal;
    UChar text[SL_DT_MAX_TEXT + 1];
    int32_t tlen;
} parser;

/* ICU reads any script's digits; java.time reads ASCII ones only. */
static bool has_foreign_digits(const UChar *s, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        UChar32 c = s[i];
        if (U16_IS_LEAD(c) && i + 1 < n && U16_IS_TRAIL(s[i + 1])) {
            c = U16_GET_SUPPLEMENTARY(c, s[i + 1]);
            i++;
        }
        if (c > 0x7f && u_isdigit(c)) {
            return true;
        }
    }
    return false;
}

/* Prepares `ps` for `text`. *usable is false when the text cannot be a date at all (too long,
 * not UTF-8, empty). */
static int parser_open(parser *ps, const char *fn, const char *text, size_t len, bool *usable,
                       sl_err *err)
{
    static const UChar year[] = {'y', 0};
    UErrorCode st = U_ZERO_ERROR;
    memset(ps, 0, sizeof(*ps));
    *usable = false;
    if (len == 0 || len > SL_DT_MAX_TEXT) {
        return SL_OK;
    }
    u_strFromUTF8(ps->text, SL_DT_MAX_TEXT + 1, &ps->tlen, text, (int32_t)len, &st);
    if (U_FAILURE(st)) {
        return SL_OK;
    }
    if (has_foreign_digits(ps->text, ps->tlen)) {
        return SL_OK;
    }
    ps->cal = open_cal("UTC", false, &st);
    ps->df = udat_open(UDAT_PATTERN, UDAT_PATTERN, SL_DT_LOCALE, NULL, 0, year, -1, &st);
    if (U_FAILURE(st)) {
        return icu_fail(err, fn, st);
    }
    udat_setLenient(ps->df, 0);
    *usable = true;
    return SL_OK;
}

static void parser_close(parser *ps)
{
    if (ps->df != NULL) {
        udat_close(ps->df);
    }
    if (ps->cal != NULL) {
        ucal_close(ps->cal);
    }
}

/* True when ICU pattern `pat` matches the whole text; the result in `out`. A pattern without a
 * zone reads the text as UTC. */
static bool parser_try(parser *ps, const UChar *pat, int32_t plen, sl_datetime *out)
{
    static const UChar utc[] = {'U', 'T', 'C', 0};
    UErrorCode st = U_ZERO_ERROR;
    int32_t pos = 0;
    UChar zid[64];
    udat_applyPattern(ps->df, 0, pat, plen);
    ucal_setTimeZone(ps->cal, utc, -1, &st);
    ucal_clear(ps->cal);
    udat_parseCalendar(ps->df, ps->cal, ps->text, ps->tlen, &pos, &st);
    if (U_FAILURE(st) || pos != ps->tlen) {
        return false;
    }
    UDate ms = ucal_getMillis(ps->cal, &st);
    int32_t off =
        ucal_get(ps->cal, UCAL_ZONE_OFFSET, &st) + ucal_get(ps->cal, UCAL_DST_OFFSET, &st);
    int32_t zl = ucal_getTimeZoneID(ps->cal, zid, 64, &st);
    if (U_FAILURE(st) || !(fabs(ms) < 1e17)) {
        return false;
    }
    double s = floor(ms / 1000.0);
    memset(out, 0, sizeof(*out));
    out->sec = (int64_t)s;
    out->nsec = (int32_t)(ms - s * 1000.0) * 1000000;
    out->offset_sec = off / 1000;
    keep_zone(zid, zl, out->zone, sizeof(out->zone));
    return true;
}

static bool parser_try_ascii(parser *ps, const char *pat, sl_datetime *out)
{
    UChar u[64];
    int32_t n = (int32_t)strlen(pat);
    u_charsToUChars(pat, u, n);
    return parser_try(ps, u, n, out);
}

/* The formats AEP's data-handling guide lists for strings without a format, in its order. */
static const char *const aep_patterns[] = {
    "yyyy-MM-dd HH:mm:ssZ",
    "yyyy-MM-dd HH:mm:ss.SSSZ",
    "yyyy-MM-dd HH:mm:ss.SSS",
    "yyyy-MM-dd'T'HH:mm:ss.SSSX",
    "yyyy-MM-dd'T'HH:mm:ss'Z'",
    "yyyy-MM-dd",
    "yyyy/MM/dd",
    "yyyy.MM.dd",
    "yyyy-MMM-dd",
    "yyyyMMdd",
    "MM-dd-yyyy",
    "MMddyyyy",
    "M/dd/yyyy",
    "dd.M.yyyy",
    "M/dd/yyyy hh:mm:ss a",
    "dd.M.yyyy hh:mm:ss a",
    "dd.MMM.yyyy",
    "dd-MMM-yyyy",
};

/* After the list: the forms of the catalogue's own examples (date("2019-10-23 11:24"),
 * zone_date_to_utc of "2019-10-17T11:55:12 PST"). */
static const char *const extra_patterns[] = {
    "yyyy-MM-dd HH:mm",
    "yyyy-MM-dd'T'HH:mm",
    "yyyy-MM-dd'T'HH:mmX",
    "yyyy-MM-dd HH:mm:ss z",
    "yyyy-MM-dd'T'HH:mm:ss z",
    "yyyy-MM-dd HH:mm:ss.SSS z",
    "yyyy-MM-dd'T'HH:mm:ss.SSS z",
};

/* ISO-8601 as sl_datetime_parse_iso reads it, refusing days the month lacks (it checks 1-31
 * only). Every string it accepts means the same instant under the list's patterns. */
static bool parse_iso(const char *s, size_t len, sl_datetime *out)
{
    int y1 = 0;
    int y2 = 0;
    int m = 0;
    int d = 0;
    if (len >= 10 && two_digits(s, &y1) && two_digits(s + 2, &y2) && s[4] == '-' &&
        two_digits(s + 5, &m) && s[7] == '-' && two_digits(s + 8, &d) && m >= 1 && m <= 12 &&
        d > days_in_month(y1 * 100 + y2, m)) {
        return false;
    }
    return sl_datetime_parse_iso(s, len, out);
}

/* `text` as date() reads it without a format: ISO-8601 first (it keeps nanoseconds the list's
 * patterns would cut to milliseconds), then the AEP list in order, then the extra forms. */
static int parse_auto(const char *fn, const char *text, size_t len, sl_datetime *out, bool *ok,
                      sl_err *err)
{
    parser ps;
    bool usable = false;
    *ok = parse_iso(text, len, out);
    if (*ok) {
        return SL_OK;
    }
    int rc = parser_open(&ps, fn, text, len, &usable, err);
    for (size_t i = 0; rc == SL_OK && usable && !*ok && i < sizeof(aep_patterns) / sizeof(char *);
         i++) {
        *ok = parser_try_ascii(&ps, aep_patterns[i], out);
    }
    for (size_t i = 0; rc == SL_OK && usable && !*ok && i < sizeof(extra_patterns) / sizeof(char *);
         i++) {
        *ok = parser_try_ascii(&ps, extra_patterns[i], out);
    }
    parser_close(&ps);
    return rc;
}

/* The unquoted '[' ']' pairs of pattern `p`: not nested, at most SL_DT_MAX_OPTIONAL. */
static int optional_sections(const char *fn, const char *p, size_t len, size_t *open, size_t *close,
                             int *count, sl_err *err)
{
    bool quoted = false;
    bool inside = false;
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\'') {
            quoted = !quoted;
        } else if (!quoted && p[i] == '[') {
            if (inside || n == SL_DT_MAX_OPTIONAL) {
                return sl_fn_fail(err, fn, "FORMAT: at most %d optional sections, not nested",
                                  SL_DT_MAX_OPTIONAL);
            }
            open[n] = i;
            inside = true;
        } else if (!quoted && p[i] == ']') {
            if (!inside) {
                return sl_fn_fail(err, fn, "FORMAT has ']' without '['");
            }
            close[n++] = i;
            inside = false;
        }
    }
    if (inside) {
        return sl_fn_fail(err, fn, "FORMAT has '[' without ']'");
    }
    *count = n;
    return SL_OK;
}

/* Alternative `mask` of `p`: optional section k kept when bit k is set; brackets removed. */
static size_t alternative(const char *p, size_t len, const size_t *open, const size_t *close, int n,
                          unsigned mask, char *out)
{
    size_t o = 0;
    int k = 0;
    for (size_t i = 0; i < len; i++) {
        if (k < n && i == open[k]) {
            if ((mask & (1u << k)) == 0) {
                i = close[k++];
            }
            continue;
        }
        if (k < n && i == close[k]) {
            k++;
            continue;
        }
        out[o++] = p[i];
    }
    return o;
}

/* `text` read with Java pattern `fmt` (a string), which must match all of it. Optional
 * sections are tried all-in first, then with fewer. */
static int parse_format(const char *fn, const char *text, size_t len, const sl_val *fmt,
                        sl_datetime *out, bool *ok, sl_err *err)
{
    size_t open[SL_DT_MAX_OPTIONAL];
    size_t close[SL_DT_MAX_OPTIONAL];
    char alt[SL_DT_MAX_PATTERN + 1];
    UChar pat[SL_DT_MAX_PATTERN + 1];
    int32_t plen = 0;
    int n = 0;
    bool usable = false;
    parser ps;
    *ok = false;
    memset(&ps, 0, sizeof(ps));
    int rc = want_format(fn, fmt, err);
    if (rc == SL_OK) {
        rc = optional_sections(fn, fmt->u.s.ptr, fmt->u.s.len, open, close, &n, err);
    }
    if (rc == SL_OK) {
        rc = parser_open(&ps, fn, text, len, &usable, err);
    }
    for (int mask = (1 << n) - 1; rc == SL_OK && !*ok && mask >= 0; mask--) {
        size_t alen = alternative(fmt->u.s.ptr, fmt->u.s.len, open, close, n, (unsigned)mask, alt);
        rc = translate(fn, alt, alen, NULL, pat, SL_DT_MAX_PATTERN + 1, &plen, err);
        if (rc == SL_OK && usable) {
            *ok = parser_try(&ps, pat, plen, out);
        }
    }
    parser_close(&ps);
    return rc;
}

/* Argument `v` as a date-time: a date-time, or a string date() reads without a format. */
static int arg_datetime(const char *fn, const char *param, const sl_val *v, sl_datetime *dt,
                        sl_err *err)
{
    char buf[80];
    if (!sl_val_is_null(v) && v->type == SL_VAL_DATETIME) {
        *dt = v->u.dt;
        return SL_OK;
    }
    if (sl_val_is_null(v) || v->type != SL_VAL_STRING) {
        bool num = !sl_val_is_null(v) && (v->type == SL_VAL_INT || v->type == SL_VAL_DOUBLE);
        return sl_fn_fail(err, fn, "%s must be a date-time, not %s%s", param,
                          what(v, buf, sizeof(buf)),
                          num ? " (dformat formats epoch milliseconds)" : "");
    }
    bool ok = false;
    int rc = parse_auto(fn, v->u.s.ptr, v->u.s.len, dt, &ok, err);
    if (rc == SL_OK && !ok) {
        rc = sl_fn_fail(err, fn, "%s %s is not a date-time in any supported format", param,
                        what(v, buf, sizeof(buf)));
    }
    return rc;
}

/* ---- now, timestamp ---- */

static int fn_now(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                  sl_err *err)
{
    (void)args;
    (void)nargs;
    (void)err;
    sl_datetime dt = sl_datetime_from_ms(cx->now_ms);
    *out = sl_val_datetime(cx->arena, &dt);
    return SL_OK;
}

static int fn_timestamp(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                        sl_err *err)
{
    (void)args;
    (void)nargs;
    (void)err;
    *out = sl_val_int(cx->arena, cx->now_ms);
    return SL_OK;
}

/* ---- format, dformat ---- */

static int fn_format(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                     sl_err *err)
{
    sl_datetime dt = {0};
    (void)nargs;
    int rc = arg_datetime("format", "DATE", args[0], &dt, err);
    return rc != SL_OK ? rc : format_dt(cx, "format", &dt, args[1], out, err);
}

static int fn_dformat(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                      sl_err *err)
{
    const sl_val *ts = args[0];
    sl_datetime dt = {0};
    int64_t ms = 0;
    char buf[80];
    (void)nargs;
    if (!sl_val_is_null(ts) && ts->type == SL_VAL_DATETIME) {
        dt = ts->u.dt;
    } else if (!sl_val_is_null(ts) && ts->type != SL_VAL_BOOL && sl_val_as_int(ts, &ms)) {
        if (ms > SL_DT_MAX_EPOCH_MS || ms < -SL_DT_MAX_EPOCH_MS) {
            return sl_fn_fail(err, "dformat", "TIMESTAMP %lld is out of range", (long long)ms);
        }
        dt = sl_datetime_from_ms(ms);
    } else {
        return sl_fn_fail(err, "dformat", "TIMESTAMP must be epoch milliseconds, not %s",
                          what(ts, buf, sizeof(buf)));
    }
    return format_dt(cx, "dformat", &dt, args[1], out, err);
}

/* ---- date ---- */

static int fn_date(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                   sl_err *err)
{
    const sl_val *d = args[0];
    const sl_val *fmt = nargs >= 2 ? args[1] : sl_val_null();
    sl_datetime dt = {0};
    char b1[80];
    char b2[80];
    int rc = SL_OK;
    bool ok = false;
    if (sl_val_is_null(d)) {
        if (nargs < 3 || sl_val_is_null(args[2])) {
            *out = sl_val_null();
            return SL_OK;
        }
        rc = arg_datetime("date", "DEFAULT_DATE", args[2], &dt, err);
    } else if (d->type == SL_VAL_DATETIME) {
        *out = d;
        return SL_OK;
    } else if (d->type == SL_VAL_INT) {
        /* A number field holding 20191023: its digits are the text to read. */
        d = sl_fn_str(cx, d);
    } else if (d->type != SL_VAL_STRING) {
        return sl_fn_fail(err, "date", "DATE must be a string, not %s", what(d, b1, sizeof(b1)));
    }
    if (!sl_val_is_null(args[0]) && sl_val_is_null(fmt)) {
        rc = arg_datetime("date", "DATE", d, &dt, err);
    } else if (!sl_val_is_null(args[0])) {
        rc = parse_format("date", d->u.s.ptr, d->u.s.len, fmt, &dt, &ok, err);
        if (rc == SL_OK && !ok) {
            rc = sl_fn_fail(err, "date", "DATE %s does not match FORMAT %s",
                            what(d, b1, sizeof(b1)), what(fmt, b2, sizeof(b2)));
        }
    }
    if (rc == SL_OK) {
        *out = sl_val_datetime(cx->arena, &dt);
    }
    return rc;
}

/* ---- date_part, set_date_part ---- */

typedef enum part {
    PART_YEAR,
    PART_QUARTER,
    PART_MONTH,
    PART_DAYOFYEAR,
    PART_DAY,
    PART_WEEK,
    PART_WEEKDAY,
    PART_HOUR,
    PART_HOUR12,
    PART_MINUTE,
    PART_SECOND,
    PART_MILLISECOND,
} part;

/* AEP's component names, in its order: "w" is listed under week and weekday, week wins. */
static const struct part_name {
    const char *name;
    part part;
    bool settable;
} part_names[] = {
    {"year", PART_YEAR, true},
    {"yyyy", PART_YEAR, true},
    {"yy", PART_YEAR, true},
    {"quarter", PART_QUARTER, false},
    {"qq", PART_QUARTER, false},
    {"q", PART_QUARTER, false},
    {"month", PART_MONTH, true},
    {"mm", PART_MONTH, true},
    {"m", PART_MONTH, true},
    {"dayofyear", PART_DAYOFYEAR, false},
    {"dy", PART_DAYOFYEAR, false},
    {"y", PART_DAYOFYEAR, false},
    {"day", PART_DAY, true},
    {"dd", PART_DAY, true},
    {"d", PART_DAY, true},
    {"week", PART_WEEK, false},
    {"ww", PART_WEEK, false},
    {"w", PART_WEEK, false},
    {"weekday", PART_WEEKDAY, false},
    {"dw", PART_WEEKDAY, false},
    {"hour", PART_HOUR, true},
    {"hh", PART_HOUR, true},
    {"hh24", PART_HOUR, false},
    {"hh12", PART_HOUR12, false},
    {"minute", PART_MINUTE, true},
    {"mi", PART_MINUTE, true},
    {"n", PART_MINUTE, true},
    {"second", PART_SECOND, true},
    {"ss", PART_SECOND, true},
    {"s", PART_SECOND, true},
    {"millisecond", PART_MILLISECOND, false},
    {"ms", PART_MILLISECOND, false},
    {"sss", PART_MILLISECOND, false},
};

/* COMPONENT (case-insensitive) as a part; set_date_part accepts only the settable names. */
static int arg_part(const char *fn, const sl_val *v, bool settable, part *out, sl_err *err)
{
    char buf[80];
    int rc = want_string(fn, "COMPONENT", v, err);
    if (rc != SL_OK) {
        return rc;
    }
    for (size_t i = 0; i < sizeof(part_names) / sizeof(part_names[0]); i++) {
        const struct part_name *pn = &part_names[i];
        if (strlen(pn->name) == v->u.s.len && strcasecmp(pn->name, v->u.s.ptr) == 0 &&
            (pn->settable || !settable)) {
            *out = pn->part;
            return SL_OK;
        }
    }
    return sl_fn_fail(err, fn, "COMPONENT %s is not one of %s", what(v, buf, sizeof(buf)),
                      settable ? "year, month, day, hour, minute, second or their short names"
                               : "year, quarter, month, dayofyear, day, week, weekday, hour, "
                                 "minute, second, millisecond or their short names");
}

static int64_t part_value(const sl_datetime *dt, part p)
{
    civil c;
    civil_of(dt, &c);
    switch (p) {
    case PART_YEAR:
        return c.year;
    case PART_QUARTER:
        return (c.month - 1) / 3 + 1;
    case PART_MONTH:
        return c.month;
    case PART_DAYOFYEAR:
        return day_of_year(&c);
    case PART_DAY:
        return c.day;
    case PART_WEEK:
        return iso_week(&c);
    case PART_WEEKDAY:
        return iso_weekday(c.days);
    case PART_HOUR:
        return c.hour;
    case PART_HOUR12:
        return c.hour % 12 == 0 ? 12 : c.hour % 12;
    case PART_MINUTE:
        return c.minute;
    case PART_SECOND:
        return c.second;
    case PART_MILLISECOND:
        return dt->nsec / 1000000;
    }
    return 0;
}

static int fn_date_part(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                        sl_err *err)
{
    part p = PART_YEAR;
    sl_datetime dt = {0};
    (void)nargs;
    int rc = arg_part("date_part", args[0], false, &p, err);
    if (rc == SL_OK) {
        rc = arg_datetime("date_part", "DATE", args[1], &dt, err);
    }
    if (rc == SL_OK) {
        *out = sl_val_int(cx->arena, part_value(&dt, p));
    }
    return rc;
}

static int check_range(const char *fn, const char *param, int64_t v, int64_t lo, int64_t hi,
                       sl_err *err)
{
    if (v < lo || v > hi) {
        return sl_fn_fail(err, fn, "%s must be between %lld and %lld, not %lld", param,
                          (long long)lo, (long long)hi, (long long)v);
    }
    return SL_OK;
}

/* The wall time `c` with part `p` set to `v`; a changed year or month keeps the day inside the
 * month, as java.time's withYear and withMonth do. */
static int set_part(civil *c, part p, int64_t v, sl_err *err)
{
    static const char fn[] = "set_date_part";
    int rc = SL_OK;
    switch (p) {
    case PART_YEAR:
        rc = check_range(fn, "VALUE", v, SL_DT_MIN_YEAR, SL_DT_MAX_YEAR, err);
        c->year = rc == SL_OK ? v : c->year;
        break;
    case PART_MONTH:
        rc = check_range(fn, "VALUE", v, 1, 12, err);
        c->month = rc == SL_OK ? (int)v : c->month;
        break;
    case PART_DAY:
        rc = check_range(fn, "VALUE", v, 1, days_in_month(c->year, c->month), err);
        c->day = rc == SL_OK ? (int)v : c->day;
        break;
    case PART_HOUR:
        rc = check_range(fn, "VALUE", v, 0, 23, err);
        c->hour = rc == SL_OK ? (int)v : c->hour;
        break;
    case PART_MINUTE:
        rc = check_range(fn, "VALUE", v, 0, 59, err);
        c->minute = rc == SL_OK ? (int)v : c->minute;
        break;
    case PART_SECOND:
        rc = check_range(fn, "VALUE", v, 0, 59, err);
        c->second = rc == SL_OK ? (int)v : c->second;
        break;
    default:
        rc = sl_fn_fail(err, fn, "COMPONENT cannot be set");
        break;
    }
    if (c->day > days_in_month(c->year, c->month)) {
        c->day = days_in_month(c->year, c->month);
    }
    return rc;
}

static int fn_set_date_part(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                            const sl_val **out, sl_err *err)
{
    static const char fn[] = "set_date_part";
    part p = PART_YEAR;
    int64_t v = 0;
    sl_datetime dt = {0};
    civil c;
    zone_spec z;
    (void)nargs;
    int rc = arg_part(fn, args[0], true, &p, err);
    if (rc == SL_OK && !sl_fn_int(args[1], fn, "VALUE", &v, err)) {
        rc = SL_EINVAL;
    }
    if (rc == SL_OK) {
        rc = arg_datetime(fn, "DATE", args[2], &dt, err);
    }
    if (rc == SL_OK) {
        civil_of(&dt, &c);
        rc = set_part(&c, p, v, err);
    }
    if (rc == SL_OK) {
        /* A fixed offset stays; a zone with rules recomputes it for the new wall time. */
        zone_of(&dt, &z);
        int32_t prefer = dt.offset_sec;
        rc = from_local(fn, &z, local_of(&c), &prefer, &dt, err);
        dt.nsec = 0; /* AEP's documented result has no fraction */
    }
    if (rc == SL_OK) {
        *out = sl_val_datetime(cx->arena, &dt);
    }
    return rc;
}

/* ---- make_date_time ---- */

static int fn_make_date_time(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                             const sl_val **out, sl_err *err)
{
    static const char fn[] = "make_date_time";
    static const char *const names[] = {"YEAR",   "MONTH",  "DAY",       "HOUR",
                                        "MINUTE", "SECOND", "NANOSECOND"};
    static const int64_t lo[] = {SL_DT_MIN_YEAR, 1, 1, 0, 0, 0, 0};
    static const int64_t hi[] = {SL_DT_MAX_YEAR, 12, 31, 23, 59, 59, 999999999};
    int64_t v[7];
    char buf[80];
    zone_spec z;
    sl_datetime dt = {0};
    (void)nargs;
    for (size_t i = 0; i < 7; i++) {
        if (!sl_fn_int(args[i], fn, names[i], &v[i], err)) {
            return SL_EINVAL;
        }
        int rc = check_range(fn, names[i], v[i], lo[i], hi[i], err);
        if (rc != SL_OK) {
            return rc;
        }
    }
    if (v[2] > days_in_month(v[0], (int)v[1])) {
        return sl_fn_fail(err, fn, "DAY %lld is not a day of %04lld-%02lld", (long long)v[2],
                          (long long)v[0], (long long)v[1]);
    }
    int rc = want_string(fn, "TIMEZONE", args[7], err);
    if (rc != SL_OK) {
        return rc;
    }
    if (!resolve_zone(args[7]->u.s.ptr, args[7]->u.s.len, &z)) {
        return sl_fn_fail(err, fn, "TIMEZONE %s is not a known time zone",
                          what(args[7], buf, sizeof(buf)));
    }
    civil c = {.year = v[0],
               .month = (int)v[1],
               .day = (int)v[2],
               .hour = (int)v[3],
               .minute = (int)v[4],
               .second = (int)v[5]};
    memset(&dt, 0, sizeof(dt));
    rc = from_local(fn, &z, local_of(&c), NULL, &dt, err);
    if (rc == SL_OK) {
        dt.nsec = (int32_t)v[6];
        (void)snprintf(dt.zone, sizeof(dt.zone), "%s", z.keep);
        *out = sl_val_datetime(cx->arena, &dt);
    }
    return rc;
}

/* ---- zone_date_to_utc, zone_date_to_zone ---- */

static int fn_zone_date_to_utc(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                               const sl_val **out, sl_err *err)
{
    sl_datetime dt = {0};
    (void)nargs;
    int rc = arg_datetime("zone_date_to_utc", "DATE", args[0], &dt, err);
    if (rc == SL_OK) {
        dt.offset_sec = 0;
        dt.zone[0] = '\0';
        *out = sl_val_datetime(cx->arena, &dt);
    }
    return rc;
}

static int fn_zone_date_to_zone(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs,
                                const sl_val **out, sl_err *err)
{
    static const char fn[] = "zone_date_to_zone";
    sl_datetime dt = {0};
    zone_spec z;
    char buf[80];
    (void)nargs;
    int rc = arg_datetime(fn, "DATE", args[0], &dt, err);
    if (rc == SL_OK) {
        rc = want_string(fn, "ZONE", args[1], err);
    }
    if (rc == SL_OK && !resolve_zone(args[1]->u.s.ptr, args[1]->u.s.len, &z)) {
        rc = sl_fn_fail(err, fn, "ZONE %s is not a known time zone",
                        what(args[1], buf, sizeof(buf)));
    }
    if (rc == SL_OK) {
        rc = offset_at(fn, &z, dt.sec, &dt.offset_sec, err);
    }
    if (rc == SL_OK) {
        (void)snprintf(dt.zone, sizeof(dt.zone), "%s", z.keep);
        *out = sl_val_datetime(cx->arena, &dt);
    }
    return rc;
}

/* ---- the catalogue rows ---- */

#define SL_DT_PATTERN_DOC                                                                          \
    "Patterns use Java's DateTimeFormatter letters (G y Y M L w W D d F E e c u a H k K h m s S "  \
    "A z Z X x V O Q q): u is the ISO day of the week (1 = Monday) as AEP's guide documents, w "   \
    "and Y are ISO week fields, S gives digits of the fraction, [...] is an optional section, "    \
    "and "                                                                                         \
    "a letter outside that list is an error. Names are English."

#define SL_DT_ZONE_DOC "an IANA zone id (Europe/Paris), an offset (+02:00) or UTC"

const sl_func sl_funcs_datetime[] = {
    {
        .name = "now",
        .category = "Date and time",
        .min_args = 0,
        .max_args = 0,
        .impl = fn_now,
        .flags = SL_FN_VOLATILE,
        .syntax = "ZonedDateTime now()",
        .params = "",
        .return_type = "ZonedDateTime",
        .example = "now()",
        .result = "2021-10-26T10:10:24Z",
        .description = "Retrieves the current time, in UTC. It is fixed while one record is "
                       "mapped: every now() and timestamp() of a record gives the same instant.",
    },
    {
        .name = "timestamp",
        .category = "Date and time",
        .min_args = 0,
        .max_args = 0,
        .impl = fn_timestamp,
        .flags = SL_FN_VOLATILE,
        .syntax = "Long timestamp()",
        .params = "",
        .return_type = "Long",
        .example = "timestamp()",
        .result = "1571850624571",
        .description = "Retrieves the current Unix time in milliseconds (the instant of now()).",
    },
    {
        .name = "format",
        .category = "Date and time",
        .min_args = 2,
        .max_args = 2,
        .impl = fn_format,
        .flags = 0,
        .syntax = "String format(ZonedDateTime, String)",
        .params = "DATE: the date-time to format (a string is read as date() reads it)"
                  "; FORMAT: the output pattern, e.g. yyyy-MM-dd HH:mm:ss",
        .return_type = "String",
        .example = "format(2019-10-23T11:24:00+00:00, \"yyyy-MM-dd HH:mm:ss\")",
        .result = "2019-10-23 11:24:00",
        .description = "Formats a date-time according to a pattern, in the date-time's own "
                       "zone. " SL_DT_PATTERN_DOC " AEP's page shows 2019-10-23 11:24:35 for this "
                       "example although its input has 00 seconds: sluice prints the seconds it "
                       "is given. A number is refused (dformat formats epoch milliseconds).",
    },
    {
        .name = "dformat",
        .category = "Date and time",
        .min_args = 2,
        .max_args = 2,
        .impl = fn_dformat,
        .flags = 0,
        .syntax = "String dformat(Long, String)",
        .params = "TIMESTAMP: Unix time in milliseconds (an integer or a numeric string)"
                  "; FORMAT: the output pattern",
        .return_type = "String",
        .example = "dformat(1571829875000, \"yyyy-MM-dd'T'HH:mm:ss.SSSX\")",
        .result = "2019-10-23T11:24:35.000Z",
        .description =
            "Converts a timestamp in epoch milliseconds to a string in UTC according "
            "to a pattern (a date-time is formatted in its own zone). " SL_DT_PATTERN_DOC,
    },
    {
        .name = "date",
        .category = "Date and time",
        .min_args = 1,
        .max_args = 3,
        .impl = fn_date,
        .flags = SL_FN_TAKES_NULL,
        .syntax = "ZonedDateTime date(String, String, ZonedDateTime)",
        .params =
            "DATE: the string that represents the date (an integer is read as its digits, "
            "a date-time is returned unchanged)"
            "; FORMAT: optional, the pattern of the source string (not of the result), "
            "which must match all of it, and when it is omitted or null the supported formats "
            "are tried"
            "; DEFAULT_DATE: optional, returned when DATE is null",
        .return_type = "ZonedDateTime",
        .example = "date(\"2019-10-23 11:24\", \"yyyy-MM-dd HH:mm\", now())",
        .result = "2019-10-23T11:24:00Z",
        .description =
            "Converts a string into a date-time (ISO-8601 out), in three forms: date(DATE), "
            "date(DATE, FORMAT) and date(DATE, FORMAT, DEFAULT_DATE); date(\"2019-10-23 11:24\") "
            "is also 2019-10-23T11:24:00Z. Without a format, an ISO-8601 date-time is read as "
            "such, then AEP's formats are tried in its order, first match wins: yyyy-MM-dd "
            "HH:mm:ssZ, yyyy-MM-dd HH:mm:ss.SSSZ, yyyy-MM-dd HH:mm:ss.SSS, "
            "yyyy-MM-dd'T'HH:mm:ss.SSSX, yyyy-MM-dd'T'HH:mm:ss'Z', yyyy-MM-dd, yyyy/MM/dd, "
            "yyyy.MM.dd, yyyy-MMM-dd, yyyyMMdd, MM-dd-yyyy, MMddyyyy, M/dd/yyyy, dd.M.yyyy, "
            "M/dd/yyyy hh:mm:ss a, dd.M.yyyy hh:mm:ss a, dd.MMM.yyyy, dd-MMM-yyyy (so 12112020 "
            "is December 11), and last the forms of the documented examples: yyyy-MM-dd HH:mm, "
            "yyyy-MM-dd'T'HH:mm[X] and a date-time followed by a zone name (yyyy-MM-dd'T'HH:mm:ss "
            "z, PST is UTC-8). ISO-8601 strings mean the same instants under those patterns; "
            "reading them first keeps nanoseconds. A string without a zone is UTC, a parsed "
            "offset or zone is kept. DEFAULT_DATE is used only when DATE is null: a DATE that "
            "does not parse is an error. " SL_DT_PATTERN_DOC,
    },
    {
        .name = "date_part",
        .category = "Date and time",
        .min_args = 2,
        .max_args = 2,
        .impl = fn_date_part,
        .flags = 0,
        .syntax = "Integer date_part(String, ZonedDateTime)",
        .params = "COMPONENT: year|yyyy|yy, quarter|qq|q, month|mm|m, dayofyear|dy|y, day|dd|d, "
                  "week|ww|w, weekday|dw, hour|hh|hh24, hh12, minute|mi|n, second|ss|s, "
                  "millisecond|ms|SSS, case-insensitive"
                  "; DATE: the date-time (a string is read as date() reads it)",
        .return_type = "Integer",
        .example = "date_part(\"MM\", date(\"2019-10-17 11:55:12\"))",
        .result = "10",
        .description = "Retrieves one part of a date-time, read in its own zone. Component names "
                       "ignore case (\"MM\" is the month). week is the ISO-8601 week of the year "
                       "and weekday the ISO day of the week (1 = Monday, 7 = Sunday). AEP lists w "
                       "under both week and weekday: it means week, listed first. hh12 is the "
                       "hour on a 12-hour clock (1 to 12), the other hour names count 0 to 23. "
                       "millisecond also answers to SSS, the name of an older revision.",
    },
    {
        .name = "set_date_part",
        .category = "Date and time",
        .min_args = 3,
        .max_args = 3,
        .impl = fn_set_date_part,
        .flags = 0,
        .syntax = "ZonedDateTime set_date_part(String, Integer, ZonedDateTime)",
        .params = "COMPONENT: year|yyyy|yy, month|mm|m, day|dd|d, hour|hh, minute|mi|n, "
                  "second|ss|s, case-insensitive"
                  "; VALUE: the new value of the component"
                  "; DATE: the date-time (a string is read as date() reads it)",
        .return_type = "ZonedDateTime",
        .example = "set_date_part(\"m\", 4, date(\"2016-11-09T11:44:44.797\"))",
        .result = "\"2016-04-09T11:44:44Z\"",
        .description = "Replaces one component of a date-time's wall time in its own zone. A new "
                       "year or month keeps the day inside the month (2020-02-29 with year 2021 "
                       "is 2021-02-28). The result has no fraction of a second, as AEP's "
                       "documented output shows. A VALUE outside the component's range (month "
                       "13, day 31 in April, hour 24, a year outside 1 to 9999) is an error.",
    },
    {
        .name = "make_date_time",
        .category = "Date and time",
        .min_args = 8,
        .max_args = 8,
        .impl = fn_make_date_time,
        .flags = 0,
        .syntax = "ZonedDateTime make_date_time(Integer, Integer, Integer, Integer, Integer, "
                  "Integer, Integer, String)",
        .params = "YEAR: the year, 1 to 9999; MONTH: 1 to 12; DAY: 1 to 31, a day of that month"
                  "; HOUR: 0 to 23; MINUTE: 0 to 59; SECOND: 0 to 59"
                  "; NANOSECOND: 0 to 999999999; TIMEZONE: " SL_DT_ZONE_DOC,
        .return_type = "ZonedDateTime",
        .example = "make_date_time(2019, 10, 17, 11, 55, 12, 999, \"America/Los_Angeles\")",
        .result = "2019-10-17T11:55:12.000000999-07:00",
        .description = "Creates a date-time from its parts, as wall time in the given zone "
                       "(make_timestamp is the same function). A wall time skipped by a "
                       "daylight-saving change moves forward by the gap; a repeated one takes "
                       "the earlier offset, as java.time does. AEP's page shows "
                       "2019-10-17T11:55:12Z, the Los Angeles wall time with a UTC designator and "
                       "without the 999 nanoseconds: sluice returns that wall time with its real "
                       "offset and the nanoseconds.",
    },
    {
        .name = "make_timestamp",
        .category = "Date and time",
        .min_args = 8,
        .max_args = 8,
        .impl = fn_make_date_time,
        .flags = 0,
        .syntax = "ZonedDateTime make_timestamp(Integer, Integer, Integer, Integer, Integer, "
                  "Integer, Integer, String)",
        .params = "YEAR: the year, 1 to 9999; MONTH: 1 to 12; DAY: 1 to 31, a day of that month"
                  "; HOUR: 0 to 23; MINUTE: 0 to 59; SECOND: 0 to 59"
                  "; NANOSECOND: 0 to 999999999; TIMEZONE: " SL_DT_ZONE_DOC,
        .return_type = "ZonedDateTime",
        .example = "make_timestamp(2019, 10, 17, 11, 55, 12, 999, \"America/Los_Angeles\")",
        .result = "2019-10-17T11:55:12.000000999-07:00",
        .description = "Another name of make_date_time, which AEP documents as callable this way.",
    },
    {
        .name = "zone_date_to_utc",
        .category = "Date and time",
        .min_args = 1,
        .max_args = 1,
        .impl = fn_zone_date_to_utc,
        .flags = 0,
        .syntax = "ZonedDateTime zone_date_to_utc(ZonedDateTime)",
        .params = "DATE: the date-time to convert (a string is read as date() reads it)",
        .return_type = "ZonedDateTime",
        .example = "zone_date_to_utc(2019-10-17T11:55:12 PST)",
        .result = "2019-10-17T19:55:12Z",
        .description = "Converts a date-time in any zone to the same instant in UTC. The "
                       "documented example writes its input without quotes: as the string "
                       "\"2019-10-17T11:55:12 PST\" it is read with PST as UTC-8.",
    },
    {
        .name = "zone_date_to_zone",
        .category = "Date and time",
        .min_args = 2,
        .max_args = 2,
        .impl = fn_zone_date_to_zone,
        .flags = 0,
        .syntax = "ZonedDateTime zone_date_to_zone(ZonedDateTime, String)",
        .params = "DATE: the date-time to convert (a string is read as date() reads it)"
                  "; ZONE: the zone to convert to, " SL_DT_ZONE_DOC,
        .return_type = "ZonedDateTime",
        .example = "zone_date_to_zone(now(), \"Europe/Paris\")",
        .result = "2021-10-26T15:43:59+02:00",
        .description = "Converts a date-time to the same instant in another zone. AEP's page "
                       "shows 2021-10-26T15:43:59Z, the Paris wall time with a UTC designator "
                       "(and an older revision calls zone_date_to_utc there): sluice writes the "
                       "Paris time with its offset.",
    },
    {0},
};

bool sl_datetime_from_text(const char *text, size_t len, sl_datetime *out)
{
    bool ok = false;
    sl_err err;
    sl_err_clear(&err);
    return parse_auto("date", text, len, out, &ok, &err) == SL_OK && ok;
}

bool sl_datetime_text_to_iso(const char *text, size_t len, char *iso, size_t cap)
{
    sl_datetime dt;
    if (!sl_datetime_from_text(text, len, &dt)) {
        return false;
    }
    (void)sl_datetime_iso(&dt, iso, cap);
    return true;
}
