/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_funcs_hashing.c: the hashing functions, called through the catalogue. */
#include "fn_harness_text.h"

#include <stdio.h>

static void test_funcs_hashing_rows_are_documented(void **state)
{
    (void)state;
    size_t n = 0;
    for (const sl_func *f = sl_funcs_hashing; f->name != NULL; f++, n++) {
        assert_string_equal(f->category, "Hashing");
        assert_non_null(f->impl);
        assert_int_equal(f->min_args, 1);
        assert_int_equal(f->max_args, 2);
        assert_true(f->syntax[0] != '\0' && f->params[0] != '\0' && f->return_type[0] != '\0');
        assert_true(f->example[0] != '\0' && f->result[0] != '\0' && f->description[0] != '\0');
        assert_ptr_equal(sl_func_find(f->name, strlen(f->name)), f);
        /* The documented example gives the documented result. */
        char quoted[160];
        (void)snprintf(quoted, sizeof(quoted), "\"%s\"", f->result);
        EXPECT(quoted, f->name, str("my text"), str("UTF-8"));
    }
    assert_int_equal(n, 5);
}

static void test_funcs_hashing_documented_examples(void **state)
{
    (void)state;
    EXPECT("\"c3599c11e47719df18a2448690840c5dfcce3c80\"", "sha1", str("my text"), str("UTF-8"));
    EXPECT("\"7330d2b39ca35eaf4cb95fc846c21ee6a39af698154a83a586ee270a0d372104\"", "sha256",
           str("my text"), str("UTF-8"));
    EXPECT("\"a3d7e45a0d9be5fd4e4b9a3b8c9c2163c21ef708bf11b4232bb21d2a8704ada2cdcd7b367dd0788a89a5"
           "c908cfe377aceb1072a7b386b7d4fd2ff68a8fd24d16\"",
           "sha512", str("my text"), str("UTF-8"));
    EXPECT("\"d3b96ce8c9fb4e9bd0198d03ba6852c7\"", "md5", str("my text"), str("UTF-8"));
    EXPECT("\"8df92e80\"", "crc32", str("my text"), str("UTF-8"));
    /* CHARSET is optional, UTF-8 by default, and case-insensitive. */
    EXPECT("\"d3b96ce8c9fb4e9bd0198d03ba6852c7\"", "md5", str("my text"));
    EXPECT("\"d3b96ce8c9fb4e9bd0198d03ba6852c7\"", "md5", str("my text"), str("utf-8"));
    EXPECT("\"8df92e80\"", "crc32", str("my text"));
}

static void test_funcs_hashing_charsets(void **state)
{
    (void)state;
    /* UTF-16 as Java writes it: a big-endian byte-order mark, then big-endian units. */
    EXPECT("\"136874f2acb914216e5f8ff754e285663c3fe7ad2054387cc6508749ed11e14d\"", "sha256",
           str("my text"), str("UTF-16"));
    EXPECT("\"85925c6d7d275f30ebef27331d853e85\"", "md5", str("my text"), str("UTF-16"));
    EXPECT("\"a4decf59\"", "crc32", str("my text"), str("UTF-16"));
    EXPECT("\"1986ba6a56621b24ad3dc9f6231811ab416aff07\"", "sha1", str("😀"), str("UTF-16"));
    /* ISO-8859-1 holds é; US-ASCII does not and hashes '?' instead. */
    EXPECT("\"f424452a9673918c6f09b0cdd35b20be8e6ae7d7\"", "sha1", str("café"), str("UTF-8"));
    EXPECT("\"d2f52bc4406898fc722c0b4e314f9b46fc85cde4\"", "sha1", str("café"), str("ISO-8859-1"));
    EXPECT("\"fa273df572023fbe97fdf4d56071b702204f5b3b\"", "sha1", str("café"), str("US-ASCII"));
    EXPECT("\"ea03fcb8c47822bce772cf6c07d0ebbb\"", "md5", str("日本"), str("ISO-8859-1"));
    EXPECT("\"1bb0b3ab\"", "crc32", str("café"), str("iso-8859-1"));
    EXPECT("\"3df44aa21ecaedcf5b27b2d9ac97347ef57344534798de884593bed4ff920c79213d491eb5b61c07780cc"
           "485be830a1a2f6ef1347e02216d0cb560afd3f392f5\"",
           "sha512", str("日本語"));
    /* An ill-formed byte is hashed as U+FFFD, as Java would have decoded it. */
    EXPECT("\"ff570a76da46e07de99c8cccab5d872ac960f33d\"", "sha1", str("a\xff"));
}

static void test_funcs_hashing_edges(void **state)
{
    (void)state;
    EXPECT("\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"", "sha256",
           str(""));
    EXPECT("\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"", "sha256",
           str(""), str("UTF-16"));
    EXPECT("\"00000000\"", "crc32", str(""));
    EXPECT("\"2639f4cb\"", "crc32", str("123456789"));
    EXPECT("\"43beb7e8\"", "crc32", str("a"));
    EXPECT("\"c20ad4d76fe97759aa27a0c99bff6710\"", "md5", num(12));
    EXPECT("\"8221435bcce913b5c2dc22eaf6cb6590\"", "md5", dec(2.5));
    EXPECT("null", "sha1", NUL);
    EXPECT("null", "sha256", str("x"), NUL);
    EXPECT("null", "crc32", NUL, str("UTF-8"));
    EXPECT_ERR("sha1: CHARSET must be UTF-8, UTF-16, ISO-8859-1 or US-ASCII, not \"EBCDIC\"",
               "sha1", str("x"), str("EBCDIC"));
    EXPECT_ERR("crc32: CHARSET must be UTF-8, UTF-16, ISO-8859-1 or US-ASCII, not \"\"", "crc32",
               str("x"), str(""));
    EXPECT_ERR("md5: CHARSET must be", "md5", str("x"), num(8));
    EXPECT_ERR("sha512: INPUT must be a string, not array", "sha512", ARR(str("a")));
    EXPECT_ERR("sha256: INPUT must be a string, not object", "sha256",
               sl_val_object_new(fn_arena, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_funcs_hashing_rows_are_documented),
        cmocka_unit_test(test_funcs_hashing_documented_examples),
        cmocka_unit_test(test_funcs_hashing_charsets),
        cmocka_unit_test(test_funcs_hashing_edges),
    };
    return cmocka_run_group_tests(tests, fn_setup, fn_teardown);
}
