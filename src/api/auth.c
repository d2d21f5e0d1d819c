/* SPDX-License-Identifier: Apache-2.0 */
/* api/auth.c: API keys. A presented key is hashed and looked up; the store never sees the key
 * itself, and comparing hashes of a 192-bit random key leaks nothing useful through timing. */
#include "api/auth.h"

#include "core/ids.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sl_auth_key_generate(char *out)
{
    memcpy(out, SL_APIKEY_PREFIX, sizeof(SL_APIKEY_PREFIX) - 1);
    sl_id_hex(out + sizeof(SL_APIKEY_PREFIX) - 1, SL_APIKEY_HEX); /* RAND_bytes */
}

void sl_auth_key_hash(sl_str key, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(key.len != 0 ? key.ptr : "", key.len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
        mdlen != SL_APIKEY_HASH_LEN / 2) {
        (void)fprintf(stderr, "level=error module=auth msg=\"SHA-256 failed\"\n");
        abort();
    }
    sl_hex_encode(md, mdlen, out);
}

bool sl_auth_name_valid(const char *name)
{
    size_t n = 0;
    for (const char *p = name; *p != '\0'; p++, n++) {
        char c = *p;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok || n >= SL_APIKEY_NAME_MAX) {
            return false;
        }
    }
    return n > 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static sl_str trim(const char *s)
{
    while (is_blank(*s)) {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && is_blank(s[n - 1])) {
        n--;
    }
    sl_str out = {s, n};
    return out;
}

sl_auth_source sl_auth_presented_key(const char *authorization, const char *x_api_key, sl_str *key)
{
    if (authorization != NULL) {
        const char *a = authorization;
        while (is_blank(*a)) {
            a++;
        }
        /* "Bearer" followed by at least one blank, or by nothing (an empty token) */
        if (strncasecmp(a, "Bearer", 6) == 0 && (a[6] == '\0' || is_blank(a[6]))) {
            *key = trim(a + 6);
            return SL_AUTH_BEARER;
        }
    }
    if (x_api_key != NULL) {
        *key = trim(x_api_key);
        return SL_AUTH_X_API_KEY;
    }
    return SL_AUTH_NONE;
}

/* Why a request without a valid key is refused, in words a user can act on. */
static void refusal(sl_auth_source src, sl_str key, char *why, size_t cap)
{
    const char *header = src == SL_AUTH_BEARER ? "Authorization" : "x-api-key";
    if (src == SL_AUTH_NONE) {
        (void)snprintf(why, cap,
                       "this API needs an API key: send 'Authorization: Bearer KEY' or "
                       "'x-api-key: KEY' (create one with 'sluice keys create --name NAME')");
    } else if (key.len == 0) {
        (void)snprintf(why, cap, "the %s header holds no key", header);
    } else if (key.len > SL_APIKEY_MAX_LEN) {
        (void)snprintf(why, cap, "the API key in the %s header is too long to be valid", header);
    } else {
        (void)snprintf(why, cap, "the API key in the %s header is not valid (unknown or revoked)",
                       header);
    }
}

/* Look `key` up by its hash: SL_OK when it is a key, SL_ENOTFOUND when not, else a store
 * error in `err`. */
static int find_key(sl_store *st, sl_str key, sl_err *err)
{
    char hash[SL_APIKEY_HASH_LEN + 1];
    char *name = NULL;
    sl_auth_key_hash(key, hash);
    int rc = sl_store_apikey_find(st, hash, &name, err);
    if (rc == SL_OK) {
        SL_LOG_DEBUG("auth", "API key accepted key=%s", name);
    }
    free(name);
    return rc;
}

/* 0 when the request may pass, 401 without a valid key, 503 when the store cannot tell. */
static unsigned check(sl_store *st, const char *authorization, const char *x_api_key, char *why,
                      size_t cap)
{
    sl_err err;
    sl_err_clear(&err);
    sl_str key = {NULL, 0};
    sl_auth_source src = sl_auth_presented_key(authorization, x_api_key, &key);
    int rc = SL_ENOTFOUND;
    int64_t count = 0;
    if (src != SL_AUTH_NONE && key.len > 0 && key.len <= SL_APIKEY_MAX_LEN) {
        rc = find_key(st, key, &err);
    }
    /* Without a valid key, a request passes only while the store holds no key at all. */
    if (rc == SL_ENOTFOUND) {
        rc = sl_store_apikey_count(st, &count, &err);
        if (rc == SL_OK && count > 0) {
            refusal(src, key, why, cap);
            return 401;
        }
    }
    if (rc != SL_OK) {
        SL_LOG_ERROR("auth", "cannot check an API key error=\"%s\"", err.msg);
        (void)snprintf(why, cap,
                       "API keys cannot be checked right now (the store is unavailable): %s",
                       err.msg);
        return 503;
    }
    return 0;
}

bool sl_auth_check(sl_store *st, const char *authorization, const char *x_api_key, char *why,
                   size_t cap)
{
    return check(st, authorization, x_api_key, why, cap) == 0;
}

unsigned sl_auth_authorize(sl_http_req *req, void *ud, char *why, size_t cap)
{
    return check(ud, sl_http_header(req, "Authorization"), sl_http_header(req, "x-api-key"), why,
                 cap);
}

bool sl_auth_host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (strcasecmp(host, "localhost") == 0) {
        return true;
    }
    if (inet_pton(AF_INET, host, &a4) == 1) {
        return (ntohl(a4.s_addr) >> 24) == 127;
    }
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6)) {
            return true;
        }
        return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    return false;
}
