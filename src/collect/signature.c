/* SPDX-License-Identifier: Apache-2.0 */
#include "collect/signature.h"

#include "core/ids.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>

/* HMAC over the three pieces without joining them: the body can be a megabyte. Returns false
 * when OpenSSL fails; the caller must then treat the signature as not matching. */
static bool mac(sl_str key, sl_str timestamp, sl_str body, unsigned char out[32])
{
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = m != NULL ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    size_t outlen = 0;
    static const unsigned char empty = 0;
    const unsigned char *k = key.len != 0 ? (const unsigned char *)key.ptr : &empty;
    bool ok = ctx != NULL && EVP_MAC_init(ctx, k, key.len, params) == 1 &&
              EVP_MAC_update(ctx, (const unsigned char *)"v0:", 3) == 1 &&
              EVP_MAC_update(ctx, (const unsigned char *)timestamp.ptr, timestamp.len) == 1 &&
              EVP_MAC_update(ctx, (const unsigned char *)":", 1) == 1 &&
              EVP_MAC_update(ctx, (const unsigned char *)body.ptr, body.len) == 1 &&
              EVP_MAC_final(ctx, out, &outlen, 32) == 1 && outlen == 32;
    if (!ok) {
        OPENSSL_cleanse(out, 32);
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
    return ok;
}

void sl_cio_sign(sl_str key, sl_str timestamp, sl_str body, char out[65])
{
    unsigned char raw[32];
    (void)mac(key, timestamp, body, raw); /* zeroes on failure: a signature nobody sends */
    sl_hex_encode(raw, sizeof(raw), out);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int sl_cio_verify(const sl_str *keys, size_t nkeys, sl_str timestamp, sl_str body, sl_str signature)
{
    unsigned char want[32];
    if (signature.len != 64) {
        return -1;
    }
    for (size_t i = 0; i < 32; i++) {
        int hi = hexval(signature.ptr[2 * i]);
        int lo = hexval(signature.ptr[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        want[i] = (unsigned char)(hi << 4 | lo);
    }
    int found = -1;
    for (size_t k = 0; k < nkeys; k++) {
        unsigned char got[32];
        bool ok = mac(keys[k], timestamp, body, got);
        if (ok && CRYPTO_memcmp(want, got, sizeof(got)) == 0 && found < 0) {
            found = (int)k;
        }
    }
    return found;
}
