/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_auth.c: API keys of the admin listener: key format, hashing, name rules,
 * which header wins, loopback addresses, and the open/closed rule against a temporary
 * SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/auth.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_auth_key_format(void **state)
{
    (void)state;
    char a[SL_APIKEY_LEN + 1];
    char b[SL_APIKEY_LEN + 1];
    sl_auth_key_generate(a);
    sl_auth_key_generate(b);
    assert_int_equal(strlen(a), 51);
    assert_memory_equal(a, "sk_", 3);
    for (size_t i = 3; i < strlen(a); i++) {
        assert_non_null(strchr("0123456789abcdef", a[i]));
    }
    assert_string_not_equal(a, b);
}

static void test_auth_key_hash_known_answer(void **state)
{
    (void)state;
    char out[SL_APIKEY_HASH_LEN + 1];
    sl_auth_key_hash(sl_str_c("abc"), out);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sl_auth_key_hash(sl_str_c(""), out);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* a slice: bytes after len do not count */
    sl_str s = {"abcdef", 3};
    sl_auth_key_hash(s, out);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_auth_name_rules(void **state)
{
    (void)state;
    char max[SL_APIKEY_NAME_MAX + 2];
    memset(max, 'a', sizeof(max));
    max[SL_APIKEY_NAME_MAX] = '\0';
    assert_true(sl_auth_name_valid(max));
    max[SL_APIKEY_NAME_MAX] = 'a';
    max[SL_APIKEY_NAME_MAX + 1] = '\0';
    assert_false(sl_auth_name_valid(max));
    assert_true(sl_auth_name_valid("admin"));
    assert_true(sl_auth_name_valid("ci.deploy_2-B"));
    assert_true(sl_auth_name_valid("x"));
    assert_false(sl_auth_name_valid(""));
    assert_false(sl_auth_name_valid("with space"));
    assert_false(sl_auth_name_valid("slash/name"));
    assert_false(sl_auth_name_valid("quote'"));
    assert_false(sl_auth_name_valid("caf\xc3\xa9"));
    assert_false(sl_auth_name_valid("tab\t"));
}

static void test_auth_bearer_wins(void **state)
{
    (void)state;
    sl_str k = {NULL, 0};
    assert_int_equal(sl_auth_presented_key("Bearer sk_1", "sk_2", &k), SL_AUTH_BEARER);
    assert_true(sl_str_eq_c(k, "sk_1"));
    assert_int_equal(sl_auth_presented_key("bearer   sk_1 \t", NULL, &k), SL_AUTH_BEARER);
    assert_true(sl_str_eq_c(k, "sk_1"));
    assert_int_equal(sl_auth_presented_key("  BEARER sk_1", NULL, &k), SL_AUTH_BEARER);
    assert_true(sl_str_eq_c(k, "sk_1"));
    /* an empty Bearer is still a Bearer: the x-api-key does not rescue it */
    assert_int_equal(sl_auth_presented_key("Bearer", "sk_2", &k), SL_AUTH_BEARER);
    assert_int_equal(k.len, 0);
    assert_int_equal(sl_auth_presented_key("Bearer  ", NULL, &k), SL_AUTH_BEARER);
    assert_int_equal(k.len, 0);
}

static void test_auth_x_api_key_and_other_schemes(void **state)
{
    (void)state;
    sl_str k = {NULL, 0};
    assert_int_equal(sl_auth_presented_key(NULL, " sk_2 ", &k), SL_AUTH_X_API_KEY);
    assert_true(sl_str_eq_c(k, "sk_2"));
    assert_int_equal(sl_auth_presented_key("Basic dXNlcjpwdw==", "sk_2", &k), SL_AUTH_X_API_KEY);
    assert_true(sl_str_eq_c(k, "sk_2"));
    assert_int_equal(sl_auth_presented_key("Bearersk_1", "sk_2", &k), SL_AUTH_X_API_KEY);
    assert_true(sl_str_eq_c(k, "sk_2"));
    assert_int_equal(sl_auth_presented_key(NULL, "", &k), SL_AUTH_X_API_KEY);
    assert_int_equal(k.len, 0);
    assert_int_equal(sl_auth_presented_key(NULL, NULL, &k), SL_AUTH_NONE);
    assert_int_equal(sl_auth_presented_key("Basic x", NULL, &k), SL_AUTH_NONE);
}

static void test_auth_loopback_hosts(void **state)
{
    (void)state;
    assert_true(sl_auth_host_is_loopback("127.0.0.1"));
    assert_true(sl_auth_host_is_loopback("127.1.2.3"));
    assert_true(sl_auth_host_is_loopback("::1"));
    assert_true(sl_auth_host_is_loopback("localhost"));
    assert_true(sl_auth_host_is_loopback("LocalHost"));
    assert_true(sl_auth_host_is_loopback("::ffff:127.0.0.1"));
    assert_false(sl_auth_host_is_loopback("0.0.0.0"));
    assert_false(sl_auth_host_is_loopback("::"));
    assert_false(sl_auth_host_is_loopback("128.0.0.1"));
    assert_false(sl_auth_host_is_loopback("10.0.0.1"));
    assert_false(sl_auth_host_is_loopback("::ffff:10.0.0.1"));
    assert_false(sl_auth_host_is_loopback("localhost.example.com"));
    assert_false(sl_auth_host_is_loopback(""));
}

/* ---- the rule, on a real store ---- */

typedef struct fixture {
    char dir[64];
    char db[128];
    sl_store *st;
} fixture;

static int store_setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return -1;
    }
    (void)snprintf(f->dir, sizeof(f->dir), "/tmp/sluice-test-auth-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    (void)snprintf(f->db, sizeof(f->db), "%s/sluice.db", f->dir);
    char url[160];
    (void)snprintf(url, sizeof(url), "sqlite:%s", f->db);
    sl_err err;
    sl_err_clear(&err);
    f->st = sl_store_open(url, &err);
    if (f->st == NULL) {
        print_error("cannot open %s: %s\n", url, err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int store_teardown(void **state)
{
    fixture *f = *state;
    char path[160];
    sl_store_close(f->st);
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        (void)snprintf(path, sizeof(path), "%s%s", f->db, suffixes[i]);
        (void)unlink(path);
    }
    (void)rmdir(f->dir);
    free(f);
    return 0;
}

static void test_auth_check_open_without_keys_then_closed(void **state)
{
    fixture *f = *state;
    char why[256] = "";
    assert_true(sl_auth_check(f->st, NULL, NULL, why, sizeof(why)));
    assert_true(sl_auth_check(f->st, "Bearer anything", NULL, why, sizeof(why)));

    char key[SL_APIKEY_LEN + 1];
    char hash[SL_APIKEY_HASH_LEN + 1];
    char bearer[SL_APIKEY_LEN + 16];
    sl_err err;
    sl_err_clear(&err);
    sl_auth_key_generate(key);
    sl_auth_key_hash(sl_str_c(key), hash);
    assert_int_equal(sl_store_apikey_put(f->st, "admin", hash, &err), SL_OK);
    (void)snprintf(bearer, sizeof(bearer), "Bearer %s", key);

    assert_false(sl_auth_check(f->st, NULL, NULL, why, sizeof(why)));
    assert_non_null(strstr(why, "Authorization: Bearer"));
    assert_false(sl_auth_check(f->st, "Bearer sk_wrong", NULL, why, sizeof(why)));
    assert_non_null(strstr(why, "not valid"));
    assert_false(sl_auth_check(f->st, "Bearer", NULL, why, sizeof(why)));
    assert_true(sl_auth_check(f->st, bearer, NULL, why, sizeof(why)));
    assert_true(sl_auth_check(f->st, NULL, key, why, sizeof(why)));
    /* Bearer first: a wrong Bearer is not rescued by a right x-api-key */
    assert_false(sl_auth_check(f->st, "Bearer sk_wrong", key, why, sizeof(why)));
    assert_true(sl_auth_check(f->st, bearer, "sk_wrong", why, sizeof(why)));

    /* the hash is stored, never the key */
    json_object *list = NULL;
    assert_int_equal(sl_store_apikey_list(f->st, &list, &err), SL_OK);
    assert_null(strstr(json_object_to_json_string(list), key));
    json_object_put(list);

    /* revoked: refused at once */
    assert_int_equal(sl_store_apikey_revoke(f->st, "admin", &err), SL_OK);
    assert_true(sl_auth_check(f->st, NULL, NULL, why, sizeof(why))); /* no keys: open */
    sl_auth_key_hash(sl_str_c("other"), hash);
    assert_int_equal(sl_store_apikey_put(f->st, "other", hash, &err), SL_OK);
    assert_false(sl_auth_check(f->st, bearer, NULL, why, sizeof(why)));
    assert_true(sl_auth_check(f->st, "Bearer other", NULL, why, sizeof(why)));
}

static void test_auth_check_overlong_key_refused(void **state)
{
    fixture *f = *state;
    char why[256] = "";
    sl_err err;
    sl_err_clear(&err);
    char hash[SL_APIKEY_HASH_LEN + 1];
    char *long_key = malloc(SL_APIKEY_MAX_LEN + 2);
    memset(long_key, 'k', SL_APIKEY_MAX_LEN + 1);
    long_key[SL_APIKEY_MAX_LEN + 1] = '\0';
    sl_auth_key_hash(sl_str_c(long_key), hash);
    assert_int_equal(sl_store_apikey_put(f->st, "long", hash, &err), SL_OK);
    assert_false(sl_auth_check(f->st, NULL, long_key, why, sizeof(why)));
    assert_non_null(strstr(why, "too long"));
    assert_int_equal(sl_store_apikey_revoke(f->st, "long", &err), SL_OK);
    free(long_key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_key_format),
        cmocka_unit_test(test_auth_key_hash_known_answer),
        cmocka_unit_test(test_auth_name_rules),
        cmocka_unit_test(test_auth_bearer_wins),
        cmocka_unit_test(test_auth_x_api_key_and_other_schemes),
        cmocka_unit_test(test_auth_loopback_hosts),
        cmocka_unit_test_setup_teardown(test_auth_check_open_without_keys_then_closed, store_setup,
                                        store_teardown),
        cmocka_unit_test_setup_teardown(test_auth_check_overlong_key_refused, store_setup,
                                        store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
