/* SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include "core/clock.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t clock_offset_ms;

void sl_clock_set_offset_ms(int64_t offset)
{
    atomic_store(&clock_offset_ms, offset);
}

int64_t sl_now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&clock_offset_ms);
}

int64_t sl_mono_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sl_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

char *sl_iso8601_ms(int64_t ms, char *out, size_t cap)
{
    int64_t secs = ms / 1000;
    int64_t frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        (void)snprintf(out, cap, "1970-01-01T00:00:00Z");
        return out;
    }
    char base[32];
    (void)strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac != 0) {
        (void)snprintf(out, cap, "%s.%03dZ", base, (int)frac);
    } else {
        (void)snprintf(out, cap, "%sZ", base);
    }
    return out;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool sl_parse_time(const char *text, int64_t *ms)
{
    if (text == NULL || *text == '\0') {
        return false;
    }
    size_t len = strlen(text);
    if (strspn(text, "0123456789") == len) {
        if (len > 15) {
            return false;
        }
        *ms = strtoll(text, NULL, 10);
        return true;
    }
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (len < 10 || !digits(text, 4, &y) || text[4] != '-' || !digits(text + 5, 2, &mo) ||
        text[7] != '-' || !digits(text + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
        return false;
    }
    const char *p = text + 10;
    int64_t frac_ms = 0;
    int off_min = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi) || p[6] != ':' ||
            !digits(p + 7, 2, &sec) || h > 23 || mi > 59 || sec > 60) {
            return false;
        }
        p += 9;
        if (*p == '.') {
            p++;
            int n = 0;
            int64_t scale = 100;
            while (*p >= '0' && *p <= '9') {
                if (n < 3) {
                    frac_ms += (*p - '0') * scale;
                    scale /= 10;
                }
                n++;
                p++;
            }
            if (n == 0 || n > 9) {
                return false;
            }
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh = 0, om = 0;
            if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
                om > 59) {
                return false;
            }
            off_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
            p += 6;
        } else {
            return false;
        }
    }
    if (*p != '\0') {
        return false;
    }
    /* Days from the civil date (H. Hinnant's algorithm), so no time zone is involved. */
    int yy = y - (mo <= 2);
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    int64_t t = days * 86400 + h * 3600 + mi * 60 + sec;
    *ms = t * 1000 + frac_ms - (int64_t)off_min * 60000;
    return true;
}
