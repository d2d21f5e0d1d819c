/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_useragent.c: the user agent functions of the Data Prep catalogue. AEP parses
 * user agents with a large rule set of its own; sluice has a small table for the common
 * families instead: operating systems Windows, macOS / Mac OS X, iOS, iPadOS, Android, Linux,
 * Chrome OS (and Windows Phone); browsers Chrome, Firefox, Safari, Edge, Opera, Samsung
 * Internet, Internet Explorer (and the old Android Browser); well-known crawlers and any
 * "SomethingBot/1.0" product token; device classes Desktop, Phone, Tablet, Robot. What it
 * does not recognise reads "Unknown", and a version it cannot find "??", as in AEP. */
#include "mapping/func.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNKNOWN_NAME    "Unknown"
#define UNKNOWN_VERSION "??"

typedef struct ua_info {
    const char *os;     /* NULL when unknown */
    char os_ver[32];    /* "" when unknown */
    const char *agent;  /* NULL when unknown */
    char agent_ver[32]; /* "" when unknown */
    const char *device; /* NULL when unknown */
    char bot[48];       /* a crawler's own name, which `agent` then points to */
} ua_info;

typedef struct ua_text {
    const char *p;
    size_t len;
} ua_text;

/* The first `needle` in `t`, case-sensitive (product tokens are written one way), or NULL. */
static const char *ua_find(ua_text t, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; nl <= t.len && i + nl <= t.len; i++) {
        if (t.p[i] == needle[0] && memcmp(t.p + i, needle, nl) == 0) {
            return t.p + i;
        }
    }
    return NULL;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* Does [p, p+n) contain `needle` (lowercase), ignoring ASCII case? */
static bool has_ci(const char *p, size_t n, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; nl <= n && i + nl <= n; i++) {
        size_t k = 0;
        while (k < nl && lower((unsigned char)p[i + k]) == (unsigned char)needle[k]) {
            k++;
        }
        if (k == nl) {
            return true;
        }
    }
    return false;
}

/* Copy the version at `p` ("5_1_1", "10.15.7", "120.0.6099.109") into `out` with dots,
 * without a trailing dot. Empty when `p` holds no version. */
static void read_version(ua_text t, const char *p, char *out, size_t cap)
{
    const char *end = t.p + t.len;
    size_t n = 0;
    while (p != NULL && p < end && n + 1 < cap &&
           ((*p >= '0' && *p <= '9') || *p == '.' || *p == '_')) {
        /* iOS and older macOS write 5_1_1. */
        out[n++] = *p;
        if (*p++ == '_') {
            out[n - 1] = '.';
        }
    }
    while (n > 0 && out[n - 1] == '.') {
        n--;
    }
    out[n] = '\0';
}

/* The version after `token` ("Chrome/"), or "" when the token is absent. */
static bool version_after(ua_text t, const char *token, char *out, size_t cap)
{
    const char *p = ua_find(t, token);
    out[0] = '\0';
    if (p == NULL) {
        return false;
    }
    read_version(t, p + strlen(token), out, cap);
    return true;
}

/* ---- operating system and device ---- */

static void parse_ios(ua_text t, ua_info *u)
{
    /* "CPU iPhone OS 5_1_1 like Mac OS X", "CPU OS 13_2 like Mac OS X" */
    const char *end = t.p + t.len;
    for (const char *p = t.p; (p = ua_find((ua_text){p, (size_t)(end - p)}, " OS ")) != NULL;
         p += 4) {
        if (p + 4 < end && p[4] >= '0' && p[4] <= '9') {
            read_version(t, p + 4, u->os_ver, sizeof(u->os_ver));
            break;
        }
    }
    bool ipad = ua_find(t, "iPad") != NULL;
    /* Apple named the iPad's system iPadOS from version 13 on. */
    u->os = ipad && (int)strtol(u->os_ver, NULL, 10) >= 13 ? "iPadOS" : "iOS";
    u->device = ipad ? "Tablet" : "Phone";
}

static void parse_windows(ua_text t, ua_info *u)
{
    static const struct {
        const char *nt;
        const char *name;
    } versions[] = {
        {"10.0", "10"},   {"6.3", "8.1"}, {"6.2", "8"},  {"6.1", "7"},
        {"6.0", "Vista"}, {"5.2", "XP"},  {"5.1", "XP"}, {"5.0", "2000"},
    };
    char nt[32];
    u->os = "Windows";
    u->device = "Desktop";
    if (!version_after(t, "Windows NT ", nt, sizeof(nt))) {
        return;
    }
    /* Windows 11 still says "Windows NT 10.0": the user agent cannot tell them apart. */
    (void)snprintf(u->os_ver, sizeof(u->os_ver), "%s", nt);
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        if (strcmp(nt, versions[i].nt) == 0) {
            (void)snprintf(u->os_ver, sizeof(u->os_ver), "%s", versions[i].name);
            break;
        }
    }
}

static void parse_mac(ua_text t, ua_info *u)
{
    u->device = "Desktop";
    (void)version_after(t, "Mac OS X ", u->os_ver, sizeof(u->os_ver));
    /* Apple's name is "Mac OS X" up to 10.11 and "macOS" from 10.12 (Sierra) on. */
    int major = (int)strtol(u->os_ver, NULL, 10);
    const char *dot = strchr(u->os_ver, '.');
    int minor = dot != NULL ? (int)strtol(dot + 1, NULL, 10) : 0;
    u->os = u->os_ver[0] != '\0' && major == 10 && minor < 12 ? "Mac OS X" : "macOS";
}

static void parse_os(ua_text t, ua_info *u)
{
    const char *p;
    if (ua_find(t, "Windows Phone") != NULL) {
        u->os = "Windows Phone";
        u->device = "Phone";
        if (!version_after(t, "Windows Phone OS ", u->os_ver, sizeof(u->os_ver))) {
            (void)version_after(t, "Windows Phone ", u->os_ver, sizeof(u->os_ver));
        }
    } else if (ua_find(t, "iPhone") != NULL || ua_find(t, "iPad") != NULL ||
               ua_find(t, "iPod") != NULL) {
        parse_ios(t, u);
    } else if ((p = ua_find(t, "CrOS ")) != NULL) {
        /* "CrOS x86_64 14541.0.0": the platform, then the version. */
        u->os = "Chrome OS";
        u->device = "Desktop";
        const char *sp = ua_find((ua_text){p + 5, t.len - (size_t)(p + 5 - t.p)}, " ");
        read_version(t, sp != NULL ? sp + 1 : NULL, u->os_ver, sizeof(u->os_ver));
    } else if (ua_find(t, "Android") != NULL) {
        u->os = "Android";
        (void)version_after(t, "Android ", u->os_ver, sizeof(u->os_ver));
        bool tablet = ua_find(t, "Tablet") != NULL || ua_find(t, "Kindle") != NULL ||
                      ua_find(t, "Silk/") != NULL;
        u->device = !tablet && ua_find(t, "Mobile") != NULL ? "Phone" : "Tablet";
    } else if (ua_find(t, "Windows") != NULL) {
        parse_windows(t, u);
    } else if (ua_find(t, "Mac OS X") != NULL || ua_find(t, "Macintosh") != NULL) {
        parse_mac(t, u);
    } else if (ua_find(t, "Linux") != NULL || ua_find(t, "X11") != NULL) {
        u->os = "Linux";
        u->device = "Desktop";
    }
}

/* ---- crawlers ---- */

/* Is there a "NameBot/1.0"-style product token (bot, crawler or spider in its name)? Tokens
 * inside URLs ("+http://example.com/bot.html") do not count. */
static bool parse_generic_bot(ua_text t, ua_info *u)
{
    for (size_t start = 0; start < t.len; start++) {
        /* A token starts the string or follows a space, ';', '(' or ','; a '/' before it
         * means it is part of a version or a URL. */
        if (start > 0 && strchr(" ;(,", t.p[start - 1]) == NULL) {
            continue;
        }
        size_t i = start;
        while (i < t.len && t.p[i] != '\0' && strchr(" ;(),/:", t.p[i]) == NULL) {
            i++;
        }
        size_t n = i - start;
        if (n == 0 || i >= t.len || t.p[i] != '/') {
            continue;
        }
        if (has_ci(t.p + start, n, "bot") || has_ci(t.p + start, n, "crawler") ||
            has_ci(t.p + start, n, "spider")) {
            n = n < sizeof(u->bot) - 1 ? n : sizeof(u->bot) - 1;
            memcpy(u->bot, t.p + start, n);
            u->bot[n] = '\0';
            read_version(t, t.p + i + 1, u->agent_ver, sizeof(u->agent_ver));
            return true;
        }
    }
    return false;
}

static bool parse_bot(ua_text t, ua_info *u)
{
    /* Crawlers whose names do not say bot, crawler or spider. */
    static const struct {
        const char *token;
        const char *name;
    } named[] = {
        {"Yahoo! Slurp", "Yahoo! Slurp"},
        {"facebookexternalhit", "facebookexternalhit"},
        {"Mediapartners-Google", "Mediapartners-Google"},
    };
    bool found = false;
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]) && !found; i++) {
        const char *p = ua_find(t, named[i].token);
        if (p != NULL) {
            (void)snprintf(u->bot, sizeof(u->bot), "%s", named[i].name);
            p += strlen(named[i].token);
            read_version(t, p < t.p + t.len && *p == '/' ? p + 1 : NULL, u->agent_ver,
                         sizeof(u->agent_ver));
            found = true;
        }
    }
    if (!found && !parse_generic_bot(t, u)) {
        return false;
    }
    u->agent = u->bot;
    u->device = "Robot";
    return true;
}

/* ---- browsers ---- */

static void parse_agent(ua_text t, ua_info *u)
{
    /* Order matters: Edge, Opera and Samsung Internet also say Chrome and Safari; Chrome
     * also says Safari. */
    static const struct {
        const char *token;
        const char *name;
    } tokens[] = {
        {"Edg/", "Edge"},
        {"EdgA/", "Edge"},
        {"EdgiOS/", "Edge"},
        {"Edge/", "Edge"},
        {"OPR/", "Opera"},
        {"Opera Mini/", "Opera Mini"},
        {"SamsungBrowser/", "Samsung Internet"},
        {"CriOS/", "Chrome"},
        {"FxiOS/", "Firefox"},
        {"Firefox/", "Firefox"},
    };
    for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        if (version_after(t, tokens[i].token, u->agent_ver, sizeof(u->agent_ver))) {
            u->agent = tokens[i].name;
            return;
        }
    }
    if (ua_find(t, "Opera") != NULL) {
        /* Presto-era Opera: "Opera/9.80 (...) Presto/2.12.388 Version/12.16" */
        u->agent = "Opera";
        if (!version_after(t, "Version/", u->agent_ver, sizeof(u->agent_ver))) {
            (void)version_after(t, "Opera/", u->agent_ver, sizeof(u->agent_ver));
        }
    } else if (version_after(t, "MSIE ", u->agent_ver, sizeof(u->agent_ver))) {
        u->agent = "Internet Explorer";
    } else if (ua_find(t, "Trident/") != NULL) {
        /* IE 11: "Trident/7.0; rv:11.0" */
        u->agent = "Internet Explorer";
        (void)version_after(t, "rv:", u->agent_ver, sizeof(u->agent_ver));
    } else if (version_after(t, "Chrome/", u->agent_ver, sizeof(u->agent_ver))) {
        u->agent = "Chrome";
    } else if (ua_find(t, "Safari/") != NULL) {
        /* The version of Safari (and of the old Android browser) is in "Version/". */
        u->agent = ua_find(t, "Android") != NULL ? "Android Browser" : "Safari";
        (void)version_after(t, "Version/", u->agent_ver, sizeof(u->agent_ver));
    }
}

static void ua_parse(const char *p, size_t len, ua_info *u)
{
    ua_text t = {p, len};
    memset(u, 0, sizeof(*u));
    parse_os(t, u);
    if (!parse_bot(t, u)) {
        parse_agent(t, u);
    }
}

/* ---- the functions ---- */

typedef enum ua_field {
    UA_OS_NAME,
    UA_OS_VERSION,
    UA_OS_VERSION_MAJOR,
    UA_OS_NAME_VERSION,
    UA_AGENT_NAME,
    UA_AGENT_VERSION,
    UA_AGENT_VERSION_MAJOR,
    UA_DEVICE_CLASS,
} ua_field;

/* "5.1.1" -> "5" */
static int major_len(const char *ver)
{
    const char *dot = strchr(ver, '.');
    return dot != NULL ? (int)(dot - ver) : (int)strlen(ver);
}

static int ua_answer(sl_fn_ctx *cx, const sl_val *arg, const char *fn, ua_field f,
                     const sl_val **out, sl_err *err)
{
    if (arg->type == SL_VAL_ARRAY || arg->type == SL_VAL_OBJECT || arg->type == SL_VAL_LAMBDA) {
        return sl_fn_fail(err, fn, "USER_AGENT must be a string, not %s",
                          sl_val_type_name(arg->type));
    }
    const sl_val *s = sl_fn_str(cx, arg);
    ua_info u;
    ua_parse(s->u.s.ptr, s->u.s.len, &u);
    const char *os = u.os != NULL ? u.os : UNKNOWN_NAME;
    const char *os_ver = u.os_ver[0] != '\0' ? u.os_ver : UNKNOWN_VERSION;
    const char *agent = u.agent != NULL ? u.agent : UNKNOWN_NAME;
    const char *agent_ver = u.agent_ver[0] != '\0' ? u.agent_ver : UNKNOWN_VERSION;
    char buf[128];
    switch (f) {
    case UA_OS_NAME:
        (void)snprintf(buf, sizeof(buf), "%s", os);
        break;
    case UA_OS_VERSION:
        (void)snprintf(buf, sizeof(buf), "%s", os_ver);
        break;
    case UA_OS_VERSION_MAJOR:
        (void)snprintf(buf, sizeof(buf), "%s %.*s", os, major_len(os_ver), os_ver);
        break;
    case UA_OS_NAME_VERSION:
        (void)snprintf(buf, sizeof(buf), "%s %s", os, os_ver);
        break;
    case UA_AGENT_NAME:
        (void)snprintf(buf, sizeof(buf), "%s", agent);
        break;
    case UA_AGENT_VERSION:
        (void)snprintf(buf, sizeof(buf), "%s", agent_ver);
        break;
    case UA_AGENT_VERSION_MAJOR:
        (void)snprintf(buf, sizeof(buf), "%s %.*s", agent, major_len(agent_ver), agent_ver);
        break;
    default:
        (void)snprintf(buf, sizeof(buf), "%s", u.device != NULL ? u.device : UNKNOWN_NAME);
        break;
    }
    *out = sl_val_str_c(cx->arena, buf);
    return SL_OK;
}

#define UA_FN(cname, fname, field)                                                                 \
    static int cname(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,   \
                     sl_err *err)                                                                  \
    {                                                                                              \
        (void)nargs;                                                                               \
        return ua_answer(cx, args[0], fname, field, out, err);                                     \
    }

UA_FN(fn_ua_os_name, "ua_os_name", UA_OS_NAME)
UA_FN(fn_ua_os_version_major, "ua_os_version_major", UA_OS_VERSION_MAJOR)
UA_FN(fn_ua_os_version, "ua_os_version", UA_OS_VERSION)
UA_FN(fn_ua_os_name_version, "ua_os_name_version", UA_OS_NAME_VERSION)
UA_FN(fn_ua_agent_version, "ua_agent_version", UA_AGENT_VERSION)
UA_FN(fn_ua_agent_version_major, "ua_agent_version_major", UA_AGENT_VERSION_MAJOR)
UA_FN(fn_ua_agent_name, "ua_agent_name", UA_AGENT_NAME)
UA_FN(fn_ua_device_class, "ua_device_class", UA_DEVICE_CLASS)

#define CAT       "User agent"
#define UA_PARAMS "USER_AGENT: the user agent string (required)"
#define UA_EXAMPLE_ARG                                                                             \
    "(\"Mozilla/5.0 (iPhone; CPU iPhone OS 5_1_1 like Mac OS X) AppleWebKit/534.46 (KHTML, "       \
    "like Gecko) Version/5.1 Mobile/9B206 Safari/7534.48.3\")"

const sl_func sl_funcs_useragent[] = {
    {
        .name = "ua_os_name",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_ua_os_name,
        .syntax = "String ua_os_name(String)",
        .params = UA_PARAMS,
        .return_type = "String",
        .example = "ua_os_name" UA_EXAMPLE_ARG,
        .result = "iOS",
        .description = "Extracts the operating system name from the user agent: Windows, macOS, "
                       "Mac OS X (before 10.12), iOS, iPadOS (iPad, 13 and later), Android, Linux, "
                       "Chrome OS, Windows Phone, or Unknown.",
    },
    {
        .name = "ua_os_version_major",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_ua_os_version_major,
        .syntax = "String ua_os_version_major(String)",
        .params = UA_PARAMS,
        .return_type = "String",
        .example = "ua_os_version_major" UA_EXAMPLE_ARG,
        .result = "iOS 5",
        .description =
            "Extracts the operating system name and major version from the user agent; unknown "
            "parts read Unknown and ??. Windows versions are named as Microsoft names them "
            "(Windows 10, Windows 7, Windows XP); Windows 11 sends the same user agent as Windows "
            "10. Adobe's example misspells the name as ua_os_version_majors.",
    },
    {
        .name = "ua_os_version",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_ua_os_version,
        .syntax = "String ua_os_version(String)",
        .params = UA_PARAMS,
        .return_type = "String",
        .example = "ua_os_version" UA_EXAMPLE_ARG,
        .result = "5.1.1",
        .description = "Extracts the operating system version from the user agent, or ?? when it "
                       "gives none (Linux never does).",
    },
    {
        .name = "ua_os_name_version",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_ua_os_name_version,
        .syntax = "String ua_os_name_version(String)",
        .params = UA_PARAMS,
        .return_type = "String",
        .example = "ua_os_name_version" UA_EXAMPLE_ARG,
        .result = "iOS 5.1.1",
        .description = "Extracts the operating system name and version from the user agent; "
                       "unknown parts read Unknown and ??.",
    },
    {
        .name = "ua_agent_version",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_ua_agent_version,
        .syntax = "String ua_agent_version(String)",
        .params = UA_PARAMS,
        .return_type = "String",
        .example = "ua_agent_version" UA_EXAMPLE_ARG,
        .result = "5.1",
        .description =
            "Extracts the browser (or crawler) version from the user agent, or ?? when it gives "
            "none. Safari's version is the one in Version/, not the WebKit build.",
    },
    {
        .name = "ua_agent_version_major",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_ua_agent_version_major,
        .syntax = "String ua_agent_version_major(String)",
        .params = UA_PARAMS,
        .return_type = "String",
        .example = "ua_agent_version_major" UA_EXAMPLE_ARG,
        .result = "Safari 5",
        .description = "Extracts the browser (or crawler) name and major version from the user "
                       "agent; unknown parts read Unknown and ??.",
    },
    {
        .name = "ua_agent_name",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_ua_agent_name,
        .syntax = "String ua_agent_name(String)",
        .params = UA_PARAMS,
        .return_type = "String",
        .example = "ua_agent_name" UA_EXAMPLE_ARG,
        .result = "Safari",
        .description =
            "Extracts the browser (or crawler) name from the user agent: Chrome, Firefox, Safari, "
            "Edge, Opera, Opera Mini, Samsung Internet, Internet Explorer, Android Browser, a "
            "crawler's own name (Googlebot, bingbot, ...), or Unknown.",
    },
    {
        .name = "ua_device_class",
        .category = CAT,
        .min_args = 1,
        .max_args = 1,
        .impl = fn_ua_device_class,
        .syntax = "String ua_device_class(String)",
        .params = UA_PARAMS,
        .return_type = "String",
        .example = "ua_device_class" UA_EXAMPLE_ARG,
        .result = "Phone",
        .description = "Extracts the device class from the user agent: Desktop, Phone, Tablet, "
                       "Robot (crawlers) or Unknown. sluice does not tell apart the finer classes "
                       "AEP can return (Watch, TV, Game Console, ...).",
    },
    {0},
};
