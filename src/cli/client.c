/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/client.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sl_cli_client_init(sl_cli_client *c, const char *admin, const char *key)
{
    if (admin == NULL) {
        admin = getenv("SLUICE_ADMIN");
    }
    if (admin == NULL || *admin == '\0') {
        admin = "127.0.0.1:8080";
    }
    if (strstr(admin, "://") != NULL) {
        (void)snprintf(c->base, sizeof(c->base), "%s", admin);
    } else {
        (void)snprintf(c->base, sizeof(c->base), "http://%s", admin);
    }
    size_t n = strlen(c->base);
    if (n > 0 && c->base[n - 1] == '/') {
        c->base[n - 1] = '\0';
    }
    c->api_key = key != NULL ? key : getenv("SLUICE_API_KEY");
}

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
    sl_buf_append(ud, ptr, size * n);
    return size * n;
}

int sl_cli_client_request(const sl_cli_client *c, const char *method, const char *path,
                          const char *body, long *status, sl_buf *resp, sl_err *err)
{
    CURL *h = curl_easy_init();
    if (h == NULL) {
        return sl_err_set(err, SL_EIO, "cannot start libcurl");
    }
    char url[2048];
    (void)snprintf(url, sizeof(url), "%s%s", c->base, path);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    char auth[512];
    if (c->api_key != NULL && *c->api_key != '\0') {
        (void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->api_key);
        hdrs = curl_slist_append(hdrs, auth);
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    (void)curl_easy_setopt(h, CURLOPT_URL, url);
    (void)curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    (void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    (void)curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    (void)curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    (void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    (void)curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    (void)curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (body != NULL) {
        (void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    } else if (strcmp(method, "POST") == 0) {
        (void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    }
    CURLcode rc = curl_easy_perform(h);
    int out = SL_OK;
    if (rc != CURLE_OK) {
        out = sl_err_set(err, SL_EIO, "cannot reach the admin API at %s: %s", c->base,
                         errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
    } else {
        (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return out;
}

void sl_cli_client_print_problem(const char *what, long status, const sl_buf *resp)
{
    json_object *o = json_tokener_parse(sl_buf_cstr(resp));
    json_object *d = NULL;
    if (o != NULL && json_object_object_get_ex(o, "detail", &d)) {
        (void)fprintf(stderr, "sluice: %s: %ld %s\n", what, status, json_object_get_string(d));
    } else {
        (void)fprintf(stderr, "sluice: %s: HTTP %ld %s\n", what, status, sl_buf_cstr(resp));
    }
    json_object_put(o);
}

const char *sl_cli_opt(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=') {
        return argv[*i] + n + 1;
    }
    if (strcmp(argv[*i], name) == 0 && *i + 1 < argc) {
        return argv[++*i];
    }
    return NULL;
}

void sl_cli_urlencode(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p != '\0' && n + 4 < cap; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            out[n++] = (char)*p;
        } else {
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
        }
    }
    out[n] = '\0';
}
