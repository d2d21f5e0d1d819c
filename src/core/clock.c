/* SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include "core/clock.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

int64_t sl_now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
