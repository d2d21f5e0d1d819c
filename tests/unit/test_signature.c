/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_signature.c: X-CIO-Signature signing and verification against the vectors
 * in tests/data/customerio/signing_vectors.json, malformed signatures and key rotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "collect/signature.h"
#include "core/limits.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define VECTORS SL_TEST_DATA "/customerio/signing_vectors.json"

/* The vectors are checked by value, so a file with none would pass silently. */
#define MIN_VECTORS 3

static int load_vectors(void **state)
{
    json_object *doc = json_object_from_file(VECTORS);
    if (doc == NULL) {
        print_error("cannot load %s: %s\n", VECTORS, json_util_get_last_err());
        return -1;
    }
    *state = doc;
    return 0;
}

static int free_vectors(void **state)
{
    json_object_put(*state);
    return 0;
}

static json_object *vector_list(void **state)
{
    json_object *list = NULL;
    assert_true(json_object_object_get_ex(*state, "vectors", &list));
    assert_true(json_object_is_type(list, json_type_array));
    assert_true(json_object_array_length(list) >= MIN_VECTORS);
    return list;
}

/* The string member `name` of `v` as a slice (borrowed from `v`). */
static sl_str member(json_object *v, const char *name)
{
    json_object *m = NULL;
    if (!json_object_object_get_ex(v, name, &m) || !json_object_is_type(m, json_type_string)) {
        print_error("vector member '%s' is missing or not a string\n", name);
        fail();
    }
    sl_str s = {json_object_get_string(m), (size_t)json_object_get_string_len(m)};
    return s;
}

static bool must_verify(json_object *v)
{
    json_object *m = NULL;
    assert_true(json_object_object_get_ex(v, "must_verify", &m));
    assert_true(json_object_is_type(m, json_type_boolean));
    return json_object_get_boolean(m) != 0;
}

static void test_signature_vectors_verify(void **state)
{
    json_object *list = vector_list(state);
    int positives = 0;
    int negatives = 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *v = json_object_array_get_idx(list, i);
        sl_str key = member(v, "signing_key");
        sl_str ts = member(v, "x_cio_timestamp");
        sl_str body = member(v, "body");
        sl_str sig = member(v, "expected_x_cio_signature");
        int want = must_verify(v) ? 0 : -1;
        int got = sl_cio_verify(&key, 1, ts, body, sig);
        if (got != want) {
            print_error("vector %zu (%s): verify returned %d, expected %d\n", i,
                        member(v, "name").ptr, got, want);
            fail();
        }
        positives += want == 0 ? 1 : 0;
        negatives += want == 0 ? 0 : 1;
    }
    assert_true(positives >= 2);
    assert_true(negatives >= 1);
}

static void test_signature_vectors_sign(void **state)
{
    json_object *list = vector_list(state);
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *v = json_object_array_get_idx(list, i);
        char out[65];
        memset(out, 'x', sizeof(out));
        sl_cio_sign(member(v, "signing_key"), member(v, "x_cio_timestamp"), member(v, "body"), out);
        assert_int_equal(out[64], '\0');
        assert_int_equal(strlen(out), 64);
        if (must_verify(v)) {
            assert_string_equal(out, member(v, "expected_x_cio_signature").ptr);
        } else {
            assert_string_not_equal(out, member(v, "expected_x_cio_signature").ptr);
        }
    }
}

/* Same JSON value, different bytes: the signature covers the bytes as received. */
static void test_signature_reserialized_body_does_not_verify(void **state)
{
    json_object *list = vector_list(state);
    int checked = 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *v = json_object_array_get_idx(list, i);
        json_object *neg = NULL;
        if (!json_object_object_get_ex(v, "negative_check", &neg)) {
            continue;
        }
        sl_str key = member(v, "signing_key");
        sl_str ts = member(v, "x_cio_timestamp");
        sl_str body = member(neg, "reserialized_body_without_escaping");
        sl_str sig = member(v, "expected_x_cio_signature");
        assert_int_equal(sl_cio_verify(&key, 1, ts, body, sig), -1);
        /* The file also gives that body's own signature; it must match our signer. */
        char out[65];
        sl_cio_sign(key, ts, body, out);
        assert_string_equal(out, member(neg, "signature_of_reserialized_body").ptr);
        assert_int_equal(sl_cio_verify(&key, 1, ts, body, sl_str_c(out)), 0);
        checked++;
    }
    assert_true(checked >= 1);
}

static void test_signature_upper_case_hex_accepted(void **state)
{
    json_object *v = json_object_array_get_idx(vector_list(state), 0);
    sl_str key = member(v, "signing_key");
    sl_str sig = member(v, "expected_x_cio_signature");
    char upper[65];
    char mixed[65];
    for (size_t i = 0; i < 64; i++) {
        upper[i] = (char)toupper((unsigned char)sig.ptr[i]);
        mixed[i] = sig.ptr[i];
        if (i % 2 == 0) {
            mixed[i] = upper[i];
        }
    }
    upper[64] = '\0';
    mixed[64] = '\0';
    assert_int_equal(
        sl_cio_verify(&key, 1, member(v, "x_cio_timestamp"), member(v, "body"), sl_str_c(upper)),
        0);
    assert_int_equal(
        sl_cio_verify(&key, 1, member(v, "x_cio_timestamp"), member(v, "body"), sl_str_c(mixed)),
        0);
}

static const char known_sig[] = "509df9cd2ff84fa1c17aafdb3b60e9d84db059d5b02510bf261300f1c95cb0c3";

static int verify_known(sl_str sig)
{
    sl_str key = sl_str_c("k");
    return sl_cio_verify(&key, 1, sl_str_c("1700000000"), sl_str_c("{\"a\":1}"), sig);
}

static void test_signature_known_answer(void **state)
{
    (void)state;
    char out[65];
    sl_cio_sign(sl_str_c("k"), sl_str_c("1700000000"), sl_str_c("{\"a\":1}"), out);
    assert_string_equal(out, known_sig);
    assert_int_equal(verify_known(sl_str_c(known_sig)), 0);
}

static void test_signature_malformed_rejected(void **state)
{
    (void)state;
    char sig[80];
    sl_str s;

    /* Wrong lengths: one short, one long, empty, and the 64 digits with a trailing newline. */
    s.ptr = known_sig;
    s.len = 63;
    assert_int_equal(verify_known(s), -1);
    (void)snprintf(sig, sizeof(sig), "%s0", known_sig);
    assert_int_equal(verify_known(sl_str_c(sig)), -1);
    assert_int_equal(verify_known(sl_str_c("")), -1);
    (void)snprintf(sig, sizeof(sig), "%s\n", known_sig);
    assert_int_equal(verify_known(sl_str_c(sig)), -1);
    (void)snprintf(sig, sizeof(sig), "sha256=%s", known_sig);
    assert_int_equal(verify_known(sl_str_c(sig)), -1);

    /* Non-hex characters at the start, in the middle (high and low nibble) and at the end. */
    static const size_t at[] = {0, 31, 32, 63};
    static const char bad[] = {'g', 'G', ' ', 'x', '\0', '-'};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        for (size_t k = 0; k < sizeof(bad); k++) {
            memcpy(sig, known_sig, 65);
            sig[at[i]] = bad[k];
            s.ptr = sig;
            s.len = 64;
            assert_int_equal(verify_known(s), -1);
        }
    }

    /* Well-formed but wrong: one digit changed. */
    memcpy(sig, known_sig, 65);
    sig[10] = sig[10] == '0' ? '1' : '0';
    assert_int_equal(verify_known(sl_str_c(sig)), -1);
}

static void test_signature_key_rotation(void **state)
{
    (void)state;
    sl_str ts = sl_str_c("1700000000");
    sl_str body = sl_str_c("{\"a\":1}");
    sl_str sig = sl_str_c(known_sig);
    sl_str wrong_right[] = {sl_str_c("wrong"), sl_str_c("k")};
    sl_str right_wrong[] = {sl_str_c("k"), sl_str_c("wrong")};
    sl_str right_right[] = {sl_str_c("k"), sl_str_c("k")};
    sl_str wrong_wrong[] = {sl_str_c("wrong"), sl_str_c("K")};
    assert_int_equal(sl_cio_verify(wrong_right, 2, ts, body, sig), 1);
    assert_int_equal(sl_cio_verify(right_wrong, 2, ts, body, sig), 0);
    assert_int_equal(sl_cio_verify(right_right, 2, ts, body, sig), 0);
    assert_int_equal(sl_cio_verify(wrong_wrong, 2, ts, body, sig), -1);

    /* The last of SL_MAX_SIGNING_KEYS keys is found too. */
    sl_str many[SL_MAX_SIGNING_KEYS];
    for (size_t i = 0; i < SL_MAX_SIGNING_KEYS; i++) {
        many[i] = sl_str_c("wrong");
    }
    many[SL_MAX_SIGNING_KEYS - 1] = sl_str_c("k");
    assert_int_equal(sl_cio_verify(many, SL_MAX_SIGNING_KEYS, ts, body, sig),
                     SL_MAX_SIGNING_KEYS - 1);
}

static void test_signature_no_keys(void **state)
{
    (void)state;
    sl_str key = sl_str_c("k");
    assert_int_equal(
        sl_cio_verify(NULL, 0, sl_str_c("1700000000"), sl_str_c("{\"a\":1}"), sl_str_c(known_sig)),
        -1);
    assert_int_equal(
        sl_cio_verify(&key, 0, sl_str_c("1700000000"), sl_str_c("{\"a\":1}"), sl_str_c(known_sig)),
        -1);
}

static void test_signature_empty_key_and_parts(void **state)
{
    (void)state;
    static const char want[] = "54f0a8b98a851e48b546287cc574ad8548c86312225cf7792b67ba3617e0565c";
    sl_str empty = {NULL, 0};
    char out[65];
    sl_cio_sign(empty, empty, empty, out);
    assert_string_equal(out, want);
    assert_int_equal(sl_cio_verify(&empty, 1, empty, empty, sl_str_c(want)), 0);
}

/* Bodies are slices: bytes after len are not signed, and NUL bytes inside are. */
static void test_signature_body_is_a_slice(void **state)
{
    (void)state;
    static const char want[] = "d3268a75e3ba6ec0b39c26124e11ed03ac81bf3f7d9630c525af520a7005d64e";
    static const char raw[] = "a\0bEXTRA";
    sl_str key = sl_str_c("k");
    sl_str body = {raw, 3};
    char out[65];
    sl_cio_sign(key, sl_str_c("1"), body, out);
    assert_string_equal(out, want);
    assert_int_equal(sl_cio_verify(&key, 1, sl_str_c("1"), body, sl_str_c(want)), 0);
    body.len = 4;
    assert_int_equal(sl_cio_verify(&key, 1, sl_str_c("1"), body, sl_str_c(want)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_vectors_verify),
        cmocka_unit_test(test_signature_vectors_sign),
        cmocka_unit_test(test_signature_reserialized_body_does_not_verify),
        cmocka_unit_test(test_signature_upper_case_hex_accepted),
        cmocka_unit_test(test_signature_known_answer),
        cmocka_unit_test(test_signature_malformed_rejected),
        cmocka_unit_test(test_signature_key_rotation),
        cmocka_unit_test(test_signature_no_keys),
        cmocka_unit_test(test_signature_empty_key_and_parts),
        cmocka_unit_test(test_signature_body_is_a_slice),
    };
    return cmocka_run_group_tests(tests, load_vectors, free_vectors);
}
