/* SPDX-License-Identifier: Apache-2.0 */
#include "core/ids.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void random_bytes(unsigned char *buf, size_t n)
{
    if (RAND_bytes(buf, (int)n) != 1) {
        (void)fprintf(stderr, "level=error module=core msg=\"RAND_bytes failed\"\n");
        abort();
    }
}

void sl_hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0F];
    }
    out[2 * len] = '\0';
}

void sl_id_hex(char *out, size_t nhex)
{
    unsigned char buf[64];
    size_t nbytes = (nhex + 1) / 2;
    if (nbytes > sizeof(buf)) {
        nbytes = sizeof(buf);
        nhex = 2 * nbytes;
    }
    random_bytes(buf, nbytes);
    char tmp[2 * sizeof(buf) + 1];
    sl_hex_encode(buf, nbytes, tmp);
    for (size_t i = 0; i < nhex; i++) {
        out[i] = tmp[i];
    }
    out[nhex] = '\0';
}

void sl_id_uuid(char *out)
{
    unsigned char b[16];
    random_bytes(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    char hex[33];
    sl_hex_encode(b, sizeof(b), hex);
    (void)snprintf(out, SL_UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
                   hex + 16, hex + 20);
}

static void format_uuid(unsigned char b[16], char *out)
{
    char hex[33];
    sl_hex_encode(b, 16, hex);
    (void)snprintf(out, SL_UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
                   hex + 16, hex + 20);
}

void sl_id_uuid_named(const char *name, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(name, strlen(name), md, &n, EVP_sha256(), NULL) != 1) {
        (void)fprintf(stderr, "level=error module=core msg=\"SHA-256 failed\"\n");
        abort();
    }
    md[6] = (unsigned char)((md[6] & 0x0F) | 0x80);
    md[8] = (unsigned char)((md[8] & 0x3F) | 0x80);
    format_uuid(md, out);
}
