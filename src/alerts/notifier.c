/* SPDX-License-Identifier: Apache-2.0 */
#include "alerts/notifier.h"

#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/mem.h"

#include <ctype.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#ifdef SL_VERSION
#define USER_AGENT "sluice/" SL_VERSION
#else
#define USER_AGENT "sluice"
#endif

#define MAX_IN_FLIGHT     8
#define STOP_GRACE_MS     2000
#define IDLE_WAIT_MS      60000
#define MAX_DISCARD_BYTES ((size_t)64 * 1024)

/* One delivery: what to send, how often it was tried, and the attempt in flight. */
typedef struct job {
    char *alert_id;
    char *subscription_id;
    char *url;
    char *secret; /* NULL: no signature */
    char *body;
    size_t body_len;
    int attempts; /* made so far */
    int64_t due;  /* monotonic ms */
    uint64_t seq; /* keeps deliveries due at the same time in arrival order */
    /* The attempt in flight; notifier thread only. */
    CURL *easy;
    struct curl_slist *headers;
    size_t discarded;
    char errbuf[CURL_ERROR_SIZE];
} job;

struct sl_notifier {
    sl_notifier_opts opts; /* defaults filled in */
    pthread_t thread;
    CURLM *multi; /* curl_multi_wakeup is the only call made from other threads */

    pthread_mutex_t lock; /* guards the fields down to `deadline` */
    job **heap;           /* min-heap on (due, seq) of deliveries not in flight */
    size_t nheap;
    size_t capheap;
    int pending; /* in the heap or in flight: what max_pending bounds */
    uint64_t seq;
    bool stopping;
    int64_t stop_at;  /* monotonic ms when stop was called: what is due by then gets a try */
    int64_t deadline; /* monotonic ms when whatever is still in flight is abandoned */

    /* Notifier thread only. */
    job *active[MAX_IN_FLIGHT];
    int nactive;
    uint64_t rng;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void init_curl(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t mono_ms(void)
{
    return sl_mono_ns() / 1000000;
}

/* ---- signature ---------------------------------------------------------------------------- */

/* The same construction as collect/signature.c, kept here so that alerts/ does not depend on
 * collect/; fed in pieces so the body is not copied. */
void sl_notifier_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
                      char out[65])
{
    static const unsigned char empty = 0;
    unsigned char raw[32];
    size_t outlen = 0;
    size_t key_len = secret != NULL ? strlen(secret) : 0;
    const unsigned char *key = key_len != 0 ? (const unsigned char *)secret : &empty;
    const char *ts = timestamp != NULL ? timestamp : "";
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = m != NULL ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    bool ok = ctx != NULL && EVP_MAC_init(ctx, key, key_len, params) == 1 &&
              EVP_MAC_update(ctx, (const unsigned char *)"v0:", 3) == 1 &&
              EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) == 1 &&
              EVP_MAC_update(ctx, (const unsigned char *)":", 1) == 1 &&
              (body_len == 0 || EVP_MAC_update(ctx, (const unsigned char *)body, body_len) == 1) &&
              EVP_MAC_final(ctx, raw, &outlen, sizeof(raw)) == 1 && outlen == sizeof(raw);
    if (!ok) {
        OPENSSL_cleanse(raw, sizeof(raw)); /* a signature no receiver accepts */
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
    sl_hex_encode(raw, sizeof(raw), out);
}

/* ---- URL check ---------------------------------------------------------------------------- */

static bool host_char_ok(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c >= 0x80; /* UTF-8: IDN names */
}

/* The host and port of `auth` (the authority, `len` bytes, no userinfo). */
static int check_host_port(const char *auth, size_t len, sl_err *err)
{
    size_t i = 0;
    if (len > 0 && auth[0] == '[') {
        const char *close = memchr(auth, ']', len);
        if (close == NULL) {
            return sl_err_set(err, SL_EINVAL, "webhook URL has an unterminated [IPv6] host");
        }
        for (const char *p = auth + 1; p < close; p++) {
            if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.') {
                return sl_err_set(err, SL_EINVAL, "webhook URL has an invalid [IPv6] host");
            }
        }
        if (close == auth + 1) {
            return sl_err_set(err, SL_EINVAL, "webhook URL has no host");
        }
        i = (size_t)(close - auth) + 1;
        if (i < len && auth[i] != ':') {
            return sl_err_set(err, SL_EINVAL, "webhook URL has text after its [IPv6] host");
        }
    } else {
        while (i < len && auth[i] != ':') {
            if (!host_char_ok((unsigned char)auth[i])) {
                return sl_err_set(err, SL_EINVAL, "webhook URL host has an invalid character '%c'",
                                  auth[i]);
            }
            i++;
        }
        if (i == 0) {
            return sl_err_set(err, SL_EINVAL, "webhook URL has no host");
        }
    }
    if (i == len) {
        return SL_OK;
    }
    long port = 0;
    size_t digits = 0;
    for (i++; i < len && digits < 6; i++, digits++) {
        if (!isdigit((unsigned char)auth[i])) {
            digits = 0;
            break;
        }
        port = port * 10 + (auth[i] - '0');
    }
    if (digits == 0 || i != len || port < 1 || port > 65535) {
        return sl_err_set(err, SL_EINVAL, "webhook URL port must be a number from 1 to 65535");
    }
    return SL_OK;
}

int sl_notifier_check_url(const char *url, sl_err *err)
{
    if (url == NULL || url[0] == '\0') {
        return sl_err_set(err, SL_EINVAL, "webhook URL is empty");
    }
    size_t len = strlen(url);
    if (len > SL_NOTIFIER_MAX_URL) {
        return sl_err_set(err, SL_EINVAL, "webhook URL is %zu bytes long; at most %d are allowed",
                          len, SL_NOTIFIER_MAX_URL);
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f) {
            return sl_err_set(err, SL_EINVAL,
                              "webhook URL has a space or control character at byte %zu", i);
        }
    }
    /* RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    size_t slen = 0;
    while (isalnum((unsigned char)url[slen]) || url[slen] == '+' || url[slen] == '-' ||
           url[slen] == '.') {
        slen++;
    }
    if (slen == 0 || url[slen] != ':' || !isalpha((unsigned char)url[0])) {
        return sl_err_set(err, SL_EINVAL, "webhook URL must start with http:// or https://");
    }
    if (!(slen == 4 && strncasecmp(url, "http", 4) == 0) &&
        !(slen == 5 && strncasecmp(url, "https", 5) == 0)) {
        return sl_err_set(err, SL_EINVAL, "webhook URL scheme must be http or https, not '%.*s'",
                          slen > 32 ? 32 : (int)slen, url);
    }
    if (strncmp(url + slen, "://", 3) != 0) {
        return sl_err_set(err, SL_EINVAL, "webhook URL must start with http:// or https://");
    }
    const char *auth = url + slen + 3;
    size_t alen = strcspn(auth, "/?#");
    if (memchr(auth, '@', alen) != NULL) {
        return sl_err_set(err, SL_EINVAL,
                          "webhook URL must not contain a user name or password (user:pass@host)");
    }
    int rc = check_host_port(auth, alen, err);
    if (rc != SL_OK) {
        return rc;
    }
    /* Last, libcurl's own parser: what passes here is what the notifier will be able to send. */
    CURLU *u = curl_url();
    CURLUcode uc = u != NULL ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OK;
    curl_url_cleanup(u);
    if (uc != CURLUE_OK) {
        return sl_err_set(err, SL_EINVAL, "webhook URL is not valid: %s", curl_url_strerror(uc));
    }
    return SL_OK;
}

/* ---- queue -------------------------------------------------------------------------------- */

static bool job_before(const job *a, const job *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

/* Under n->lock: insert keeping j->seq. */
static void heap_insert(sl_notifier *n, job *j)
{
    if (n->nheap == n->capheap) {
        n->capheap = n->capheap == 0 ? 16 : n->capheap * 2;
        n->heap = sl_xrealloc(n->heap, n->capheap * sizeof(job *));
    }
    size_t i = n->nheap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!job_before(j, n->heap[parent])) {
            break;
        }
        n->heap[i] = n->heap[parent];
        i = parent;
    }
    n->heap[i] = j;
}

/* Under n->lock. The heap never holds more than max_pending entries. */
static void heap_push(sl_notifier *n, job *j)
{
    j->seq = n->seq++;
    heap_insert(n, j);
}

/* Under n->lock; the heap is not empty. */
static job *heap_pop(sl_notifier *n)
{
    job *top = n->heap[0];
    job *last = n->heap[--n->nheap];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n->nheap) {
            break;
        }
        if (child + 1 < n->nheap && job_before(n->heap[child + 1], n->heap[child])) {
            child++;
        }
        if (!job_before(n->heap[child], last)) {
            break;
        }
        n->heap[i] = n->heap[child];
        i = child;
    }
    if (n->nheap > 0) {
        n->heap[i] = last;
    }
    return top;
}

static void job_free(job *j)
{
    free(j->alert_id);
    free(j->subscription_id);
    free(j->url);
    if (j->secret != NULL) {
        OPENSSL_cleanse(j->secret, strlen(j->secret));
        free(j->secret);
    }
    free(j->body);
    free(j);
}

/* ---- outcomes ----------------------------------------------------------------------------- */

static void report(sl_notifier *n, const job *j, int attempt, int status, const char *error,
                   int64_t at_ms, int64_t next_retry_ms)
{
    sl_delivery d = {
        .alert_id = j->alert_id,
        .subscription_id = j->subscription_id,
        .url = j->url,
        .attempt = attempt,
        .http_status = status,
        .error = error,
        .at_ms = at_ms,
        .next_retry_ms = next_retry_ms,
        .delivered = error == NULL,
    };
    if (d.delivered) {
        SL_LOG_INFO("alerts", "alert delivered alert=%s subscription=%s attempt=%d status=%d",
                    j->alert_id, j->subscription_id, attempt, status);
    } else if (next_retry_ms != 0) {
        SL_LOG_WARN("alerts",
                    "alert delivery failed; will retry alert=%s subscription=%s attempt=%d "
                    "status=%d error=\"%s\" retry_in_ms=%" PRId64,
                    j->alert_id, j->subscription_id, attempt, status, error, next_retry_ms - at_ms);
    } else {
        SL_LOG_WARN("alerts",
                    "alert delivery failed; giving up alert=%s subscription=%s attempt=%d "
                    "status=%d error=\"%s\"",
                    j->alert_id, j->subscription_id, attempt, status, error);
    }
    if (n->opts.on_outcome != NULL) {
        n->opts.on_outcome(n->opts.ud, &d);
    }
}

/* Report `j` as not delivered without (another) try, and forget it. */
static void abandon(sl_notifier *n, job *j, int attempt, const char *why)
{
    report(n, j, attempt, 0, why, sl_now_ms(), 0);
    pthread_mutex_lock(&n->lock);
    n->pending--;
    pthread_mutex_unlock(&n->lock);
    job_free(j);
}

static uint64_t next_rand(sl_notifier *n)
{
    /* xorshift64*: jitter only needs to differ between deliveries, not to be secret */
    n->rng ^= n->rng >> 12;
    n->rng ^= n->rng << 25;
    n->rng ^= n->rng >> 27;
    return n->rng * 0x2545F4914F6CDD1DULL;
}

/* Milliseconds to wait before the attempt after `attempts`. */
static int64_t retry_delay(sl_notifier *n, int attempts, int64_t retry_after_ms)
{
    int64_t cap = n->opts.max_backoff_ms;
    if (retry_after_ms > 0) {
        return retry_after_ms < cap ? retry_after_ms : cap;
    }
    int64_t d = n->opts.backoff_ms;
    for (int i = 1; i < attempts && d < cap; i++) {
        d *= 2;
    }
    /* ±20%: receivers that failed together are not all retried in the same millisecond */
    double f = 0.8 + 0.4 * (double)(next_rand(n) >> 11) / 9007199254740992.0;
    d = (int64_t)((double)(d < cap ? d : cap) * f);
    if (d > cap) {
        d = cap;
    }
    return d > 0 ? d : 1;
}

/* The attempt of `j` ended: report it, then queue the next one or forget the delivery. */
static void conclude(sl_notifier *n, job *j, int status, const char *error, bool retryable,
                     int64_t retry_after_ms)
{
    int64_t at = sl_now_ms();
    pthread_mutex_lock(&n->lock);
    bool stopping = n->stopping;
    pthread_mutex_unlock(&n->lock);
    bool again = error != NULL && retryable && !stopping && j->attempts < n->opts.max_attempts;
    int64_t delay = again ? retry_delay(n, j->attempts, retry_after_ms) : 0;
    report(n, j, j->attempts, status, error, at, again ? at + delay : 0);
    pthread_mutex_lock(&n->lock);
    if (again) {
        /* counted in `pending` all along, so there is room */
        j->due = mono_ms() + delay;
        heap_push(n, j);
        j = NULL;
    } else {
        n->pending--;
    }
    pthread_mutex_unlock(&n->lock);
    if (j != NULL) {
        job_free(j);
    }
}

/* ---- attempts ----------------------------------------------------------------------------- */

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    job *j = ud;
    size_t len = size * nmemb;
    j->discarded += len;
    /* A receiver that streams an endless answer does not keep the slot until the timeout. */
    return j->discarded <= MAX_DISCARD_BYTES ? len : 0;
}

static struct curl_slist *header_add(struct curl_slist *list, const char *line)
{
    struct curl_slist *l = curl_slist_append(list, line);
    if (l == NULL) {
        (void)fprintf(stderr, "sluice: out of memory (curl_slist_append)\n");
        abort();
    }
    return l;
}

/* Build the request of `j` on a new easy handle. Returns NULL when libcurl cannot make one. */
static CURL *prepare(sl_notifier *n, job *j)
{
    char ts[24];
    char line[96];
    (void)snprintf(ts, sizeof(ts), "%" PRId64, sl_now_ms() / 1000);
    j->headers = header_add(NULL, "Content-Type: application/json");
    (void)snprintf(line, sizeof(line), "X-Sluice-Timestamp: %s", ts);
    j->headers = header_add(j->headers, line);
    if (j->secret != NULL) {
        char sig[65];
        sl_notifier_sign(j->secret, ts, j->body, j->body_len, sig);
        (void)snprintf(line, sizeof(line), "X-Sluice-Signature: %s", sig);
        j->headers = header_add(j->headers, line);
    }
    /* No "Expect: 100-continue" round trip: receivers answer the POST itself. */
    j->headers = header_add(j->headers, "Expect:");
    j->discarded = 0;
    j->errbuf[0] = '\0';

    CURL *h = curl_easy_init();
    if (h == NULL) {
        return NULL;
    }
    (void)curl_easy_setopt(h, CURLOPT_URL, j->url);
    (void)curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    (void)curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    (void)curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    (void)curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    (void)curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)n->opts.timeout_ms);
    (void)curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)n->opts.timeout_ms);
    (void)curl_easy_setopt(h, CURLOPT_POST, 1L);
    (void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, j->body);
    (void)curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len);
    (void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, j->headers);
    (void)curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT);
    (void)curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    (void)curl_easy_setopt(h, CURLOPT_WRITEDATA, j);
    (void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, j->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075700
    /* An attempt abandoned at stop must not wait for a name lookup to finish. */
    (void)curl_easy_setopt(h, CURLOPT_QUICK_EXIT, 1L);
#endif
    return h;
}

/* Release the easy handle of `j` and take it off the active list. */
static void detach(sl_notifier *n, job *j)
{
    for (int i = 0; i < n->nactive; i++) {
        if (n->active[i] == j) {
            n->active[i] = n->active[--n->nactive];
            break;
        }
    }
    (void)curl_multi_remove_handle(n->multi, j->easy);
    curl_easy_cleanup(j->easy);
    j->easy = NULL;
    curl_slist_free_all(j->headers);
    j->headers = NULL;
}

static void start_attempt(sl_notifier *n, job *j)
{
    sl_err e;
    j->attempts++;
    /* Checked again here: a subscription stored before the check existed, or a caller that
     * skipped it, must not make the notifier speak another protocol or send credentials. */
    if (sl_notifier_check_url(j->url, &e) != SL_OK) {
        conclude(n, j, 0, e.msg, false, 0);
        return;
    }
    j->easy = prepare(n, j);
    CURLMcode mc = j->easy != NULL ? curl_multi_add_handle(n->multi, j->easy) : CURLM_OUT_OF_MEMORY;
    if (mc != CURLM_OK) {
        curl_easy_cleanup(j->easy);
        j->easy = NULL;
        curl_slist_free_all(j->headers);
        j->headers = NULL;
        conclude(n, j, 0, curl_multi_strerror(mc), true, 0);
        return;
    }
    n->active[n->nactive++] = j;
}

/* Transport errors worth another try: everything but a request libcurl can never send. */
static bool transport_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_FAILED_INIT:
        return false;
    default:
        return true;
    }
}

static job *find_active(sl_notifier *n, CURL *easy)
{
    for (int i = 0; i < n->nactive; i++) {
        if (n->active[i]->easy == easy) {
            return n->active[i];
        }
    }
    return NULL;
}

/* Collect the attempts libcurl has finished. */
static void reap(sl_notifier *n)
{
    CURLMsg *msg = NULL;
    int left = 0;
    while ((msg = curl_multi_info_read(n->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        CURLcode rc = msg->data.result;
        job *j = find_active(n, msg->easy_handle);
        if (j == NULL) {
            continue;
        }
        long status = 0;
        curl_off_t retry_after = 0;
        (void)curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
        (void)curl_easy_getinfo(j->easy, CURLINFO_RETRY_AFTER, &retry_after);
        detach(n, j); /* msg is invalid from here on */

        char text[32];
        if (status >= 100) {
            /* The receiver answered: its status decides, whatever happened to the body after. */
            if (status >= 200 && status <= 299) {
                conclude(n, j, (int)status, NULL, false, 0);
                continue;
            }
            (void)snprintf(text, sizeof(text), "HTTP %ld", status);
            bool retryable = status == 408 || status == 429 || (status >= 500 && status <= 599);
            int64_t ra_ms = 0;
            if ((status == 429 || status == 503) && retry_after > 0) {
                ra_ms = retry_after > INT32_MAX ? INT64_MAX : (int64_t)retry_after * 1000;
            }
            conclude(n, j, (int)status, text, retryable, ra_ms);
        } else if (rc == CURLE_OK) {
            conclude(n, j, 0, "no HTTP answer", true, 0);
        } else {
            const char *why = j->errbuf[0] != '\0' ? j->errbuf : curl_easy_strerror(rc);
            conclude(n, j, 0, why, transport_retryable(rc), 0);
        }
    }
}

/* Abandon the attempts in flight (the stop deadline has passed). */
static void abort_active(sl_notifier *n)
{
    while (n->nactive > 0) {
        job *j = n->active[n->nactive - 1];
        detach(n, j);
        abandon(n, j, j->attempts, "shutting down");
    }
}

/* Start what is due, abandon what stop leaves behind. Returns how long to wait for the network
 * (ms), 0 to run libcurl at once, or -1 once stopped with nothing left. */
static int schedule(sl_notifier *n)
{
    bool started = false;
    for (;;) {
        int64_t now = mono_ms();
        job *drop = NULL;
        job *start = NULL;
        int64_t wait = IDLE_WAIT_MS;
        pthread_mutex_lock(&n->lock);
        bool stopping = n->stopping;
        bool expired = stopping && now >= n->deadline;
        bool empty = n->nheap == 0;
        if (!empty) {
            const job *top = n->heap[0];
            if (stopping && (expired || top->due > n->stop_at)) {
                drop = heap_pop(n);
            } else if (top->due <= now && n->nactive < MAX_IN_FLIGHT) {
                start = heap_pop(n);
            } else if (n->nactive < MAX_IN_FLIGHT) {
                wait = top->due - now;
            }
        }
        if (stopping && n->deadline - now < wait) {
            wait = n->deadline - now;
        }
        pthread_mutex_unlock(&n->lock);

        if (drop != NULL) {
            abandon(n, drop, drop->attempts + 1, "shutting down");
        } else if (start != NULL) {
            start_attempt(n, start);
            started = true;
        } else if (expired && n->nactive > 0) {
            abort_active(n);
        } else if (stopping && empty && n->nactive == 0) {
            return -1;
        } else {
            return started ? 0 : (int)(wait > 1 ? wait : 1);
        }
    }
}

static void *notifier_main(void *arg)
{
    sl_notifier *n = arg;
    sl_thread_name("sl-notifier");
    for (;;) {
        int running = 0;
        (void)curl_multi_perform(n->multi, &running);
        reap(n);
        int wait = schedule(n);
        if (wait < 0) {
            break;
        }
        if (wait > 0) {
            /* sl_notifier_send and sl_notifier_stop interrupt this with curl_multi_wakeup */
            (void)curl_multi_poll(n->multi, NULL, 0, wait, NULL);
        }
    }
    return NULL;
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static int fill_opts(sl_notifier_opts *o, sl_err *err)
{
    struct {
        int *v;
        const char *name;
        int def;
    } fields[] = {
        {&o->max_attempts, "max_attempts", 6},          {&o->backoff_ms, "backoff_ms", 1000},
        {&o->max_backoff_ms, "max_backoff_ms", 300000}, {&o->timeout_ms, "timeout_ms", 10000},
        {&o->max_pending, "max_pending", 10000},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (*fields[i].v < 0) {
            return sl_err_set(err, SL_EINVAL, "notifier option %s must not be negative (got %d)",
                              fields[i].name, *fields[i].v);
        }
        if (*fields[i].v == 0) {
            *fields[i].v = fields[i].def;
        }
    }
    return SL_OK;
}

sl_notifier *sl_notifier_start(const sl_notifier_opts *opts, sl_err *err)
{
    sl_notifier_opts o = {0};
    if (opts != NULL) {
        o = *opts;
    }
    if (fill_opts(&o, err) != SL_OK) {
        return NULL;
    }
    (void)pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK) {
        (void)sl_err_set(err, SL_EIO, "cannot start the alert notifier: curl_global_init: %s",
                         curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    sl_notifier *n = sl_xcalloc(1, sizeof(*n));
    n->opts = o;
    n->rng = ((uint64_t)sl_mono_ns() ^ (uint64_t)(uintptr_t)n) | 1;
    n->multi = curl_multi_init();
    if (n->multi == NULL) {
        (void)sl_err_set(err, SL_EIO, "cannot start the alert notifier: curl_multi_init failed");
        free(n);
        return NULL;
    }
    pthread_mutex_init(&n->lock, NULL);
    if (pthread_create(&n->thread, NULL, notifier_main, n) != 0) {
        (void)sl_err_set(err, SL_EIO, "cannot start the alert notifier thread");
        pthread_mutex_destroy(&n->lock);
        (void)curl_multi_cleanup(n->multi);
        free(n);
        return NULL;
    }
    return n;
}

void sl_notifier_send(sl_notifier *n, const char *alert_id, const char *subscription_id,
                      const char *url, const char *secret, const char *body)
{
    if (n == NULL) {
        return;
    }
    job *j = sl_xcalloc(1, sizeof(*j));
    j->alert_id = sl_xstrdup(alert_id != NULL ? alert_id : "");
    j->subscription_id = sl_xstrdup(subscription_id != NULL ? subscription_id : "");
    j->url = sl_xstrdup(url != NULL ? url : "");
    j->secret = secret != NULL && secret[0] != '\0' ? sl_xstrdup(secret) : NULL;
    j->body = sl_xstrdup(body != NULL ? body : "");
    j->body_len = strlen(j->body);
    j->due = mono_ms();

    pthread_mutex_lock(&n->lock);
    bool full = n->pending >= n->opts.max_pending;
    if (!full) {
        n->pending++;
        heap_push(n, j);
    }
    pthread_mutex_unlock(&n->lock);
    if (full) {
        /* Reported here rather than queued: keeping it would unbound the queue. */
        report(n, j, 1, 0, "queue full", sl_now_ms(), 0);
        job_free(j);
        return;
    }
    (void)curl_multi_wakeup(n->multi);
}

int sl_notifier_cancel(sl_notifier *n, const char *alert_id)
{
    if (n == NULL) {
        return 0;
    }
    job *gone[64];
    int ngone = 0;
    pthread_mutex_lock(&n->lock);
    /* Take out the matching jobs and re-heapify what stays (rare and small: a rebuild). */
    size_t keep = 0;
    for (size_t i = 0; i < n->nheap; i++) {
        job *j = n->heap[i];
        if (strcmp(j->alert_id, alert_id) == 0 && ngone < (int)(sizeof(gone) / sizeof(gone[0]))) {
            gone[ngone++] = j;
            n->pending--;
        } else {
            n->heap[keep++] = j;
        }
    }
    size_t total = keep;
    n->nheap = 0;
    for (size_t i = 0; i < total; i++) {
        heap_insert(n, n->heap[i]); /* in place: entry i is read before slot i is written */
    }
    pthread_mutex_unlock(&n->lock);
    for (int i = 0; i < ngone; i++) {
        report(n, gone[i], gone[i]->attempts + 1, 0, "superseded", sl_now_ms(), 0);
        job_free(gone[i]);
    }
    return ngone;
}

void sl_notifier_stop(sl_notifier *n)
{
    if (n == NULL) {
        return;
    }
    pthread_mutex_lock(&n->lock);
    n->stopping = true;
    n->stop_at = mono_ms();
    n->deadline = n->stop_at + STOP_GRACE_MS;
    pthread_mutex_unlock(&n->lock);
    (void)curl_multi_wakeup(n->multi);
    pthread_join(n->thread, NULL);
    (void)curl_multi_cleanup(n->multi);
    free(n->heap);
    pthread_mutex_destroy(&n->lock);
    free(n);
}
