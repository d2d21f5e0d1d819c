/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_config.c: defaults, the YAML reader, SLUICE_* environment, --flags, their
 * precedence, every kind of problem line and sl_config_finish. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "core/limits.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* field##_src values (config.h) */
enum { SRC_DEFAULT = 0, SRC_FILE = 1, SRC_ENV = 2, SRC_FLAG = 3 };

typedef struct fixture {
    sl_config c;
    sl_buf problems;
} fixture;

static int setup(void **state)
{
    fixture *f = sl_xcalloc(1, sizeof(*f));
    sl_config_init(&f->c);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sl_config_fini(&f->c);
    sl_buf_fini(&f->problems);
    free(f);
    return 0;
}

static int yaml(fixture *f, const char *text)
{
    return sl_config_apply_yaml(&f->c, "sluice.yaml", text, strlen(text), &f->problems);
}

/* Fails with the whole problem buffer shown when `needle` is not in it. */
static void assert_problem(const fixture *f, const char *needle)
{
    const char *all = sl_buf_cstr(&f->problems);
    if (strstr(all, needle) == NULL) {
        print_error("expected problem containing \"%s\", got:\n%s", needle, all);
        fail();
    }
}

static void assert_no_problems(const fixture *f, int n)
{
    if (n != 0) {
        print_error("unexpected problems:\n%s", sl_buf_cstr(&f->problems));
    }
    assert_int_equal(n, 0);
    assert_int_equal(f->problems.len, 0);
}

/* Number of lines in the problem buffer. */
static int problem_lines(const fixture *f)
{
    int n = 0;
    for (const char *p = sl_buf_cstr(&f->problems); *p != '\0'; p++) {
        n += *p == '\n' ? 1 : 0;
    }
    return n;
}

static void assert_list(const sl_strlist *l, size_t n, const char *const *want)
{
    assert_int_equal(l->len, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(l->items[i], want[i]);
    }
}

/* ---- defaults -------------------------------------------------------------------------- */

static void test_config_defaults(void **state)
{
    fixture *f = *state;
    static const char *const roles[] = {"collect", "process", "admin"};
    assert_null(f->c.config_file);
    assert_string_equal(f->c.data, "./data");
    assert_null(f->c.store);
    assert_string_equal(f->c.admin_listen, "127.0.0.1:8080");
    assert_null(f->c.admin_public_url);
    assert_string_equal(f->c.collect_listen, "127.0.0.1:8081");
    assert_null(f->c.public_url);
    assert_int_equal(f->c.max_body_bytes, 1048576);
    assert_int_equal(f->c.max_body_bytes, SL_MAX_BODY_BYTES_DEFAULT);
    assert_int_equal(f->c.cio_timestamp_tolerance, 0);
    assert_int_equal(f->c.cio_signing_keys.len, 0);
    assert_list(&f->c.roles, 3, roles);
    assert_null(f->c.nats);
    assert_int_equal(f->c.threads, 0);
    assert_string_equal(f->c.log_level, "info");
    assert_string_equal(f->c.log_format, "text");
    assert_int_equal(f->c.data_src, SRC_DEFAULT);
    assert_int_equal(f->c.threads_src, SRC_DEFAULT);
    assert_int_equal(f->c.roles_src, SRC_DEFAULT);
}

static void test_config_fini_twice_and_reinit(void **state)
{
    fixture *f = *state;
    sl_config_fini(&f->c);
    sl_config_fini(&f->c);
    assert_null(f->c.data);
    sl_config_init(&f->c);
    assert_string_equal(f->c.data, "./data");
}

/* ---- YAML ------------------------------------------------------------------------------ */

static void test_config_yaml_nested_keys_and_lists(void **state)
{
    fixture *f = *state;
    static const char *const keys[] = {"k-old", "k-new"};
    static const char *const roles[] = {"collect", "admin"};
    int n = yaml(f, "# sluice settings\n"
                    "data: /var/lib/sluice\n"
                    "admin:\n"
                    "  listen: 127.0.0.1:9000\n"
                    "  public_url: https://admin.example.com/\n"
                    "collect:\n"
                    "  listen: '[::1]:9001'\n"
                    "  max_body_bytes: 2048\n"
                    "customerio:\n"
                    "  signing_keys:\n"
                    "    - k-old\n"
                    "    - \" k-new \"\n"
                    "  timestamp_tolerance: 300\n"
                    "roles: collect, admin\n"
                    "nats:\n"
                    "  url: nats://n1:4222,tls://n2:4222\n"
                    "http: {threads: 8}\n"
                    "log:\n"
                    "  level: debug\n"
                    "  format: json\n");
    assert_no_problems(f, n);
    assert_string_equal(f->c.data, "/var/lib/sluice");
    assert_string_equal(f->c.admin_listen, "127.0.0.1:9000");
    assert_string_equal(f->c.admin_public_url, "https://admin.example.com/");
    assert_string_equal(f->c.collect_listen, "[::1]:9001");
    assert_int_equal(f->c.max_body_bytes, 2048);
    assert_list(&f->c.cio_signing_keys, 2, keys);
    assert_int_equal(f->c.cio_timestamp_tolerance, 300);
    assert_list(&f->c.roles, 2, roles);
    assert_string_equal(f->c.nats, "nats://n1:4222,tls://n2:4222");
    assert_int_equal(f->c.threads, 8);
    assert_string_equal(f->c.log_level, "debug");
    assert_string_equal(f->c.log_format, "json");
    assert_int_equal(f->c.admin_listen_src, SRC_FILE);
    assert_int_equal(f->c.cio_signing_keys_src, SRC_FILE);
    assert_int_equal(f->c.store_src, SRC_DEFAULT);
}

static void test_config_yaml_empty_and_null_sections(void **state)
{
    fixture *f = *state;
    assert_no_problems(f, yaml(f, ""));
    assert_no_problems(f, yaml(f, "# only a comment\n"));
    assert_no_problems(f, yaml(f, "---\n"));
    assert_no_problems(f, yaml(f, "admin:\ncollect:\n  listen: 127.0.0.1:1\n"));
    assert_string_equal(f->c.admin_listen, "127.0.0.1:8080");
    assert_string_equal(f->c.collect_listen, "127.0.0.1:1");
    assert_no_problems(f, yaml(f, "customerio:\n  signing_keys: []\n"));
    assert_int_equal(f->c.cio_signing_keys.len, 0);
    assert_int_equal(f->c.cio_signing_keys_src, SRC_FILE);
}

static void test_config_yaml_unknown_key_with_suggestion(void **state)
{
    fixture *f = *state;
    int n = yaml(f, "admin:\n"
                    "  public_url: http://a.example\n"
                    "  lisen: 127.0.0.1:9000\n"
                    "colect:\n"
                    "  listen: 127.0.0.1:1\n"
                    "max_body_bytes: 10\n"
                    "zzz: 1\n");
    assert_int_equal(n, 4);
    assert_problem(f, "sluice.yaml:3: unknown key 'admin.lisen' (did you mean 'admin.listen'?)\n");
    assert_problem(f, "sluice.yaml:4: unknown key 'colect' (did you mean 'collect'");
    assert_problem(f, "sluice.yaml:6: unknown key 'max_body_bytes' (did you mean "
                      "'collect.max_body_bytes'?)\n");
    assert_problem(f, "sluice.yaml:7: unknown key 'zzz'\n");
    /* The good key in the same section still applies. */
    assert_string_equal(f->c.admin_public_url, "http://a.example");
    assert_string_equal(f->c.admin_listen, "127.0.0.1:8080");
}

static void test_config_yaml_wrong_types(void **state)
{
    fixture *f = *state;
    int n = yaml(f, "data:\n"
                    "  path: /x\n"
                    "http:\n"
                    "  threads: [1, 2]\n"
                    "customerio:\n"
                    "  signing_keys:\n"
                    "    - ok\n"
                    "    - {a: b}\n"
                    "admin: 5\n"
                    "store:\n"
                    "roles: {a: b}\n");
    assert_int_equal(n, 6);
    assert_problem(f, "sluice.yaml:2: data: found a mapping, expected a string\n");
    assert_problem(f, "sluice.yaml:4: http.threads: found a sequence, expected an integer in "
                      "0..256\n");
    assert_problem(f, "sluice.yaml:8: customerio.signing_keys: found a mapping inside the "
                      "sequence, expected a sequence of strings\n");
    assert_problem(f, "sluice.yaml:9: admin: found a scalar, expected a mapping with keys "
                      "listen, public_url\n");
    assert_problem(f, "sluice.yaml:10: store: found no value, expected a string\n");
    assert_problem(f, "sluice.yaml:11: roles: found a mapping, expected a sequence of strings "
                      "or a comma-separated string\n");
    /* A half-bad list is not applied. */
    assert_int_equal(f->c.cio_signing_keys.len, 0);
    assert_string_equal(f->c.data, "./data");
}

static void test_config_yaml_int_out_of_range(void **state)
{
    fixture *f = *state;
    int n = yaml(f, "collect:\n"
                    "  max_body_bytes: 1023\n"
                    "http:\n"
                    "  threads: 257\n"
                    "customerio:\n"
                    "  timestamp_tolerance: 5m\n"
                    "  signing_keys: abc\n");
    assert_int_equal(n, 3);
    assert_problem(f, "sluice.yaml:2: collect.max_body_bytes: found '1023', expected an integer "
                      "in 1024..67108864\n");
    assert_problem(f, "sluice.yaml:4: http.threads: found '257', expected an integer in 0..256\n");
    assert_problem(f, "sluice.yaml:6: customerio.timestamp_tolerance: found '5m', expected an "
                      "integer in 0..31536000\n");
    assert_int_equal(f->c.max_body_bytes, 1048576);
    assert_int_equal(f->c.threads, 0);
    assert_int_equal(f->c.cio_signing_keys.len, 1);

    sl_buf_reset(&f->problems);
    n = yaml(f, "http:\n  threads: 99999999999999999999999\n");
    assert_int_equal(n, 1);
    assert_problem(f, "sluice.yaml:2: http.threads: found '99999999999999999999999'");
    sl_buf_reset(&f->problems);
    assert_no_problems(f, yaml(f, "collect:\n  max_body_bytes: 67108864\nhttp:\n  threads: 0\n"));
    assert_int_equal(f->c.max_body_bytes, 67108864);
}

static void test_config_yaml_bad_enum(void **state)
{
    fixture *f = *state;
    int n = yaml(f, "log:\n  level: loud\n  format: JSON\n");
    assert_int_equal(n, 2);
    assert_problem(f, "sluice.yaml:2: log.level: found 'loud', expected one of: error warn info "
                      "debug trace\n");
    assert_problem(f, "sluice.yaml:3: log.format: found 'JSON', expected one of: text json\n");
    assert_string_equal(f->c.log_level, "info");
}

static void test_config_yaml_bad_hostport(void **state)
{
    static const char *const bad[] = {
        "localhost", "localhost:",   ":8080",          "host:65536", "host:-1",
        "host:80x",  "host name:80", "[::1:80",        "[::1]80",    "[nothex]:80",
        "::1:80",    "host:123456",  "http://host:80", "[]:80"};
    static const char *const good[] = {"127.0.0.1:8080",     "localhost:1", "0.0.0.0:0",
                                       "[::]:65535",         "[::1]:0",     "[fe80::1%eth0]:80",
                                       "sluice_collect:8081"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fixture *f = *state;
        char doc[128];
        (void)snprintf(doc, sizeof(doc), "admin:\n  listen: '%s'\n", bad[i]);
        sl_buf_reset(&f->problems);
        if (yaml(f, doc) != 1) {
            print_error("'%s' was accepted\n", bad[i]);
            fail();
        }
        assert_problem(f, "sluice.yaml:2: admin.listen: found '");
        assert_problem(f, "expected host:port or [ipv6]:port with a port in 0..65535\n");
        assert_string_equal(f->c.admin_listen, "127.0.0.1:8080");
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        fixture *f = *state;
        char doc[128];
        (void)snprintf(doc, sizeof(doc), "collect:\n  listen: '%s'\n", good[i]);
        sl_buf_reset(&f->problems);
        assert_no_problems(f, yaml(f, doc));
        assert_string_equal(f->c.collect_listen, good[i]);
    }
}

static void test_config_yaml_bad_url(void **state)
{
    fixture *f = *state;
    int n = yaml(f, "admin:\n"
                    "  public_url: ftp://admin.example\n"
                    "collect:\n"
                    "  public_url: https://\n"
                    "nats:\n"
                    "  url: http://n1:4222\n");
    assert_int_equal(n, 3);
    assert_problem(f, "sluice.yaml:2: admin.public_url: found 'ftp://admin.example', expected a "
                      "URL starting with http:// or https://\n");
    assert_problem(f, "sluice.yaml:4: collect.public_url: found 'https://'");
    assert_problem(f, "sluice.yaml:6: nats.url: found 'http://n1:4222', expected a URL starting "
                      "with nats:// or tls://\n");
    sl_buf_reset(&f->problems);
    /* Every entry of a NATS server list needs its scheme. */
    assert_int_equal(yaml(f, "nats:\n  url: nats://a:1,http://b:2\n"), 1);
    assert_problem(f, "sluice.yaml:2: nats.url: found 'nats://a:1,http://b:2'");
    sl_buf_reset(&f->problems);
    /* A rejected URL is shown without its user:password@. */
    assert_int_equal(yaml(f, "nats:\n  url: nats://u:s3cr@t@a:1,http://v:pw@b:2\n"), 1);
    assert_problem(f, "sluice.yaml:2: nats.url: found 'nats://***@a:1,http://***@b:2'");
    assert_null(strstr(sl_buf_cstr(&f->problems), "s3cr"));
    assert_null(strstr(sl_buf_cstr(&f->problems), "pw"));
    sl_buf_reset(&f->problems);
    assert_no_problems(f, yaml(f, "nats: {url: 'tls://a:1'}\n"));
    assert_string_equal(f->c.nats, "tls://a:1");
}

static void test_config_yaml_duplicate_keys(void **state)
{
    fixture *f = *state;
    int n = yaml(f, "data: /a\n"
                    "admin:\n"
                    "  listen: 127.0.0.1:1\n"
                    "  listen: 127.0.0.1:2\n"
                    "data: /b\n"
                    "admin:\n"
                    "  public_url: http://x\n");
    assert_int_equal(n, 3);
    assert_problem(f, "sluice.yaml:4: duplicate key 'admin.listen' (first on line 3)\n");
    assert_problem(f, "sluice.yaml:5: duplicate key 'data' (first on line 1)\n");
    assert_problem(f, "sluice.yaml:6: duplicate key 'admin' (first on line 2)\n");
    /* The first occurrence wins. */
    assert_string_equal(f->c.data, "/a");
    assert_string_equal(f->c.admin_listen, "127.0.0.1:1");
    assert_null(f->c.admin_public_url);
}

static void test_config_yaml_syntax_error(void **state)
{
    fixture *f = *state;
    int n = yaml(f, "data: /a\n"
                    "admin:\n"
                    "  listen: [127.0.0.1:1\n"
                    "collect:\n");
    assert_int_equal(n, 1);
    assert_problem(f, "sluice.yaml:4: YAML syntax error: ");
    sl_buf_reset(&f->problems);

    n = yaml(f, "data: /a\n"
                "admin:\n"
                "\tlisten: 127.0.0.1:1\n");
    assert_int_equal(n, 1);
    assert_problem(f, "sluice.yaml:3: YAML syntax error: found character that cannot start any "
                      "token");
    sl_buf_reset(&f->problems);

    n = yaml(f, "data: a\n  b: c\n");
    assert_int_equal(n, 1);
    assert_problem(f, "sluice.yaml:2: YAML syntax error: mapping values are not allowed");
    sl_buf_reset(&f->problems);

    /* Bytes that are not UTF-8 fail in libyaml's reader, which reports an offset. */
    n = yaml(f, "data: a\nstore: \xff\n");
    assert_int_equal(n, 1);
    assert_problem(f, "sluice.yaml:2: YAML syntax error: invalid leading UTF-8 octet");
}

static void test_config_yaml_top_level_and_documents(void **state)
{
    fixture *f = *state;
    assert_int_equal(yaml(f, "- a\n- b\n"), 1);
    assert_problem(f, "sluice.yaml:1: found a sequence at the top level, expected a mapping of "
                      "settings\n");
    sl_buf_reset(&f->problems);
    assert_int_equal(yaml(f, "data: /a\n---\ndata: /b\n"), 1);
    assert_problem(f, "sluice.yaml:3: found a second YAML document, expected only one\n");
    assert_string_equal(f->c.data, "/a");
    sl_buf_reset(&f->problems);
    assert_int_equal(yaml(f, "\"data\\0x\": 1\n"), 1);
    assert_problem(f, "sluice.yaml:1: unknown key 'data?x'");
    sl_buf_reset(&f->problems);
    assert_int_equal(yaml(f, "? [a, b]\n: c\n"), 1);
    assert_problem(f, "sluice.yaml:1: found a sequence used as a key, expected a setting name\n");
}

static void test_config_yaml_reports_all_problems(void **state)
{
    fixture *f = *state;
    int n = yaml(f, "admin:\n"
                    "  listen: nope\n"
                    "  lisen: 127.0.0.1:1\n"
                    "http:\n"
                    "  threads: -1\n"
                    "log:\n"
                    "  level: loud\n"
                    "data: /still/applied\n");
    assert_int_equal(n, 4);
    assert_int_equal(problem_lines(f), 4);
    assert_problem(f, "sluice.yaml:2: admin.listen:");
    assert_problem(f, "sluice.yaml:3: unknown key 'admin.lisen'");
    assert_problem(f, "sluice.yaml:5: http.threads: found '-1'");
    assert_problem(f, "sluice.yaml:7: log.level: found 'loud'");
    assert_string_equal(f->c.data, "/still/applied");
}

static void test_config_yaml_problem_cap(void **state)
{
    fixture *f = *state;
    sl_buf doc = {NULL, 0, 0};
    for (int i = 0; i < 300; i++) {
        sl_buf_appendf(&doc, "unknown_%d: x\n", i);
    }
    int n = sl_config_apply_yaml(&f->c, "big.yaml", doc.ptr, doc.len, &f->problems);
    sl_buf_fini(&doc);
    assert_int_equal(n, 101);
    assert_int_equal(problem_lines(f), 101);
    assert_problem(f, "big.yaml:100: unknown key 'unknown_99'\n");
    assert_problem(f, "too many problems; stopped after 100\n");
}

static void test_config_yaml_too_large(void **state)
{
    fixture *f = *state;
    size_t len = (size_t)SL_MAX_CONFIG_BYTES + 1;
    char *doc = sl_xmalloc(len);
    memset(doc, '#', len);
    assert_int_equal(sl_config_apply_yaml(&f->c, "huge.yaml", doc, len, &f->problems), 1);
    free(doc);
    assert_problem(f, "huge.yaml: the file is larger than 1048576 bytes\n");
}

static void test_config_yaml_not_nul_terminated(void **state)
{
    fixture *f = *state;
    const char text[] = "data: /a\nthreads-garbage-after-len";
    assert_no_problems(f, sl_config_apply_yaml(&f->c, "s.yaml", text, 9, &f->problems));
    assert_string_equal(f->c.data, "/a");
}

/* Deep nesting is refused before libyaml's scanner, which is quadratic in it, sees it all. */
static void test_config_yaml_nesting_limit(void **state)
{
    fixture *f = *state;
    sl_buf doc = {NULL, 0, 0};
    sl_buf_appendf(&doc, "data: /a\nroles: ");
    for (int i = 0; i < 63; i++) {
        sl_buf_append(&doc, "[", 1);
    }
    sl_buf_append(&doc, "x", 1);
    for (int i = 0; i < 63; i++) {
        sl_buf_append(&doc, "]", 1);
    }
    /* 64 levels with the top mapping: read, and only the type is wrong. */
    assert_int_equal(sl_config_apply_yaml(&f->c, "s.yaml", doc.ptr, doc.len, &f->problems), 1);
    assert_problem(f, "s.yaml:2: roles: found a sequence inside the sequence");
    sl_buf_reset(&f->problems);

    sl_buf_reset(&doc);
    sl_buf_appendf(&doc, "data: /a\nroles:\n  ");
    for (int i = 0; i < 500000; i++) {
        sl_buf_append(&doc, "[", 1);
    }
    assert_int_equal(sl_config_apply_yaml(&f->c, "s.yaml", doc.ptr, doc.len, &f->problems), 1);
    assert_problem(f, "s.yaml:3: found nesting deeper than 64 levels, expected a few levels of "
                      "settings\n");
    sl_buf_fini(&doc);
}

/* ---- files ----------------------------------------------------------------------------- */

static void test_config_file(void **state)
{
    fixture *f = *state;
    char path[] = "/tmp/sluice-test-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "data: /from/file\nhttp:\n  threads: nine\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    assert_int_equal(close(fd), 0);
    int n = sl_config_apply_file(&f->c, path, &f->problems);
    assert_int_equal(n, 1);
    assert_string_equal(f->c.data, "/from/file");
    char want[128];
    (void)snprintf(want, sizeof(want), "%s:3: http.threads: found 'nine'", path);
    assert_problem(f, want);
    assert_int_equal(unlink(path), 0);

    sl_buf_reset(&f->problems);
    assert_int_equal(sl_config_apply_file(&f->c, path, &f->problems), 1);
    (void)snprintf(want, sizeof(want), "%s: cannot read: No such file or directory\n", path);
    assert_problem(f, want);
}

/* ---- environment ----------------------------------------------------------------------- */

static void test_config_env(void **state)
{
    fixture *f = *state;
    char *env[] = {"PATH=/usr/bin",
                   "SLUICE_DATA=/from/env",
                   "SLUICE_ROLES= collect , ,admin,",
                   "SLUICE_CIO_SIGNING_KEYS=k1,k2",
                   "SLUICE_THREADS=4",
                   "SLUICE_STORE=",
                   "SLUICE_UNKNOWN=1",
                   "SLUICE_CONFIG=/etc/sluice.yaml",
                   "SLUICE_NOEQUALS",
                   NULL};
    static const char *const roles[] = {"collect", "admin"};
    static const char *const keys[] = {"k1", "k2"};
    assert_no_problems(f, sl_config_apply_env(&f->c, env, &f->problems));
    assert_string_equal(f->c.data, "/from/env");
    assert_int_equal(f->c.data_src, SRC_ENV);
    assert_list(&f->c.roles, 2, roles);
    assert_list(&f->c.cio_signing_keys, 2, keys);
    assert_int_equal(f->c.threads, 4);
    assert_null(f->c.store); /* empty counts as unset */
    assert_int_equal(f->c.store_src, SRC_DEFAULT);
    assert_string_equal(f->c.config_file, "/etc/sluice.yaml");
}

static void test_config_env_problems(void **state)
{
    fixture *f = *state;
    char *env[] = {"SLUICE_LOG_LEVEL=verbose", "SLUICE_THREADS=many", "SLUICE_ADMIN=:80",
                   "SLUICE_PUBLIC_URL=example.com", NULL};
    int n = sl_config_apply_env(&f->c, env, &f->problems);
    assert_int_equal(n, 4);
    assert_problem(f, "SLUICE_LOG_LEVEL: found 'verbose', expected one of: error warn info debug "
                      "trace\n");
    assert_problem(f, "SLUICE_THREADS: found 'many', expected an integer in 0..256\n");
    assert_problem(f, "SLUICE_ADMIN: found ':80', expected host:port");
    assert_problem(f, "SLUICE_PUBLIC_URL: found 'example.com', expected a URL starting with "
                      "http:// or https://\n");
    assert_string_equal(f->c.log_level, "info");
}

/* ---- flags ----------------------------------------------------------------------------- */

static void test_config_args_both_forms(void **state)
{
    fixture *f = *state;
    char *argv[] = {"--data",   "/from/flag",  "--threads=12",
                    "--admin",  "[::1]:80",    "--roles=",
                    "--config", "/etc/s.yaml", "--store=sqlite:/x.db"};
    int n = sl_config_apply_args(&f->c, 9, argv, &f->problems);
    assert_no_problems(f, n);
    assert_string_equal(f->c.data, "/from/flag");
    assert_int_equal(f->c.threads, 12);
    assert_string_equal(f->c.admin_listen, "[::1]:80");
    assert_int_equal(f->c.roles.len, 0);
    assert_string_equal(f->c.config_file, "/etc/s.yaml");
    assert_string_equal(f->c.store, "sqlite:/x.db");
    assert_int_equal(f->c.data_src, SRC_FLAG);
    assert_int_equal(f->c.threads_src, SRC_FLAG);
    assert_int_equal(f->c.roles_src, SRC_FLAG);
}

static void test_config_args_missing_value(void **state)
{
    fixture *f = *state;
    char *argv[] = {"--admin", "--data", "/d", "--threads"};
    int n = sl_config_apply_args(&f->c, 4, argv, &f->problems);
    assert_int_equal(n, 2);
    assert_problem(f, "--admin: missing value, expected host:port");
    assert_problem(f, "--threads: missing value, expected an integer in 0..256\n");
    assert_string_equal(f->c.data, "/d");
    assert_string_equal(f->c.admin_listen, "127.0.0.1:8080");
    sl_buf_reset(&f->problems);
    char *argv2[] = {"--config"};
    assert_int_equal(sl_config_apply_args(&f->c, 1, argv2, &f->problems), 1);
    assert_problem(f, "--config: missing value, expected a YAML file name\n");
}

static void test_config_args_unknown_and_stray(void **state)
{
    fixture *f = *state;
    char *argv[] = {"--xyz", "--admn", "127.0.0.1:1", "--log-levl=debug",
                    "serve", "-h",     "--data",      "/d"};
    int n = sl_config_apply_args(&f->c, 8, argv, &f->problems);
    assert_int_equal(n, 5);
    assert_problem(f, "--xyz: unknown option (see sluice serve --help)\n");
    assert_problem(f, "--admn: unknown option (see sluice serve --help); did you mean --admin?\n");
    assert_problem(f, "--log-levl: unknown option (see sluice serve --help); did you mean "
                      "--log-level?\n");
    assert_problem(f, "serve: unexpected argument (see sluice serve --help)\n");
    assert_problem(f, "-h: unknown option (see sluice serve --help)\n");
    /* "127.0.0.1:1" went with the unknown --admn, not reported again. */
    assert_null(strstr(sl_buf_cstr(&f->problems), "127.0.0.1:1"));
    assert_string_equal(f->c.data, "/d");
}

static void test_config_args_bad_values(void **state)
{
    fixture *f = *state;
    char *argv[] = {"--threads",    "300",           "--max-body-bytes=64",
                    "--log-format", "yaml",          "--collect=localhost:99999",
                    "--nats",       "https://n:4222"};
    int n = sl_config_apply_args(&f->c, 8, argv, &f->problems);
    assert_int_equal(n, 5);
    assert_problem(f, "--threads: found '300', expected an integer in 0..256\n");
    assert_problem(f, "--max-body-bytes: found '64', expected an integer in 1024..67108864\n");
    assert_problem(f, "--log-format: found 'yaml', expected one of: text json\n");
    assert_problem(f, "--collect: found 'localhost:99999', expected host:port");
    assert_problem(f, "--nats: found 'https://n:4222', expected a URL starting with nats:// or "
                      "tls://\n");
    assert_int_equal(f->c.threads, 0);
    assert_int_equal(f->c.threads_src, SRC_DEFAULT);
}

/* ---- precedence ------------------------------------------------------------------------ */

static void check_precedence(const fixture *f)
{
    assert_int_equal(f->c.threads, 3); /* file, env and flag: flag */
    assert_int_equal(f->c.threads_src, SRC_FLAG);
    assert_string_equal(f->c.log_level, "warn"); /* file and env: env */
    assert_int_equal(f->c.log_level_src, SRC_ENV);
    assert_string_equal(f->c.data, "/file"); /* file only */
    assert_int_equal(f->c.data_src, SRC_FILE);
    assert_string_equal(f->c.log_format, "json"); /* env and flag: flag */
    assert_int_equal(f->c.log_format_src, SRC_FLAG);
    assert_string_equal(f->c.admin_listen, "127.0.0.1:8080"); /* default */
    assert_int_equal(f->c.admin_listen_src, SRC_DEFAULT);
}

static const char precedence_yaml[] = "data: /file\nhttp: {threads: 1}\nlog: {level: error}\n";
static char *precedence_env[] = {"SLUICE_THREADS=2", "SLUICE_LOG_LEVEL=warn",
                                 "SLUICE_LOG_FORMAT=text", NULL};
static char *precedence_args[] = {"--threads", "3", "--log-format=json"};

static void test_config_precedence_in_order(void **state)
{
    fixture *f = *state;
    assert_no_problems(f, yaml(f, precedence_yaml));
    assert_no_problems(f, sl_config_apply_env(&f->c, precedence_env, &f->problems));
    assert_no_problems(f, sl_config_apply_args(&f->c, 3, precedence_args, &f->problems));
    check_precedence(f);
}

static void test_config_precedence_any_call_order(void **state)
{
    fixture *f = *state;
    /* main() reads the flags first to find --config; the file must not win over them. */
    assert_no_problems(f, sl_config_apply_args(&f->c, 3, precedence_args, &f->problems));
    assert_no_problems(f, sl_config_apply_env(&f->c, precedence_env, &f->problems));
    assert_no_problems(f, yaml(f, precedence_yaml));
    check_precedence(f);
}

static void test_config_precedence_still_checks_lower_sources(void **state)
{
    fixture *f = *state;
    char *argv[] = {"--threads=5"};
    assert_no_problems(f, sl_config_apply_args(&f->c, 1, argv, &f->problems));
    assert_int_equal(yaml(f, "http:\n  threads: lots\n"), 1);
    assert_problem(f, "sluice.yaml:2: http.threads: found 'lots'");
    assert_int_equal(f->c.threads, 5);
}

static void test_config_config_file_flag_beats_env(void **state)
{
    fixture *f = *state;
    char *env[] = {"SLUICE_CONFIG=/env.yaml", NULL};
    char *argv[] = {"--config=/flag.yaml"};
    assert_no_problems(f, sl_config_apply_args(&f->c, 1, argv, &f->problems));
    assert_no_problems(f, sl_config_apply_env(&f->c, env, &f->problems));
    assert_string_equal(f->c.config_file, "/flag.yaml");
}

/* ---- finish ---------------------------------------------------------------------------- */

static void test_config_finish_derives_store_and_public_url(void **state)
{
    fixture *f = *state;
    assert_no_problems(f, sl_config_finish(&f->c, &f->problems));
    assert_string_equal(f->c.store, "sqlite:./data/sluice.db");
    assert_string_equal(f->c.public_url, "http://127.0.0.1:8081");
    assert_null(f->c.admin_public_url);
    assert_int_equal(f->c.store_src, SRC_DEFAULT);
    assert_int_equal(f->c.public_url_src, SRC_DEFAULT);
}

static void test_config_finish_follows_data_and_collect(void **state)
{
    fixture *f = *state;
    char *argv[] = {"--data", "/var/lib/sluice/", "--collect", "[::1]:9001"};
    assert_no_problems(f, sl_config_apply_args(&f->c, 4, argv, &f->problems));
    assert_no_problems(f, sl_config_finish(&f->c, &f->problems));
    assert_string_equal(f->c.store, "sqlite:/var/lib/sluice/sluice.db");
    assert_string_equal(f->c.public_url, "http://[::1]:9001");
}

static void test_config_finish_checks_roles(void **state)
{
    fixture *f = *state;
    char *good[] = {"--roles", "process,admin"};
    assert_no_problems(f, sl_config_apply_args(&f->c, 2, good, &f->problems));
    assert_no_problems(f, sl_config_finish(&f->c, &f->problems));
    char *bad[] = {"--roles", "collect,procss"};
    assert_no_problems(f, sl_config_apply_args(&f->c, 2, bad, &f->problems));
    assert_int_equal(sl_config_finish(&f->c, &f->problems), 1);
    assert_problem(f, "--roles: found 'procss', expected collect, process or admin\n");
}

static void test_config_finish_keeps_explicit_values(void **state)
{
    fixture *f = *state;
    char *argv[] = {"--store", "postgres://db/sluice", "--public-url", "https://in.example.com"};
    assert_no_problems(f, sl_config_apply_args(&f->c, 4, argv, &f->problems));
    assert_no_problems(f, sl_config_finish(&f->c, &f->problems));
    assert_string_equal(f->c.store, "postgres://db/sluice");
    assert_string_equal(f->c.public_url, "https://in.example.com");
}

static void test_config_finish_strips_one_trailing_slash(void **state)
{
    fixture *f = *state;
    char *argv[] = {"--public-url", "https://in.example.com/hooks//", "--admin-public-url",
                    "https://admin.example.com/"};
    assert_no_problems(f, sl_config_apply_args(&f->c, 4, argv, &f->problems));
    assert_no_problems(f, sl_config_finish(&f->c, &f->problems));
    assert_string_equal(f->c.public_url, "https://in.example.com/hooks/");
    assert_string_equal(f->c.admin_public_url, "https://admin.example.com");
}

static void test_config_finish_checks_listen_addresses(void **state)
{
    fixture *f = *state;
    /* Values normally pass the same check when set; write them directly to reach finish. */
    free(f->c.admin_listen);
    f->c.admin_listen = sl_xstrdup("no-port");
    f->c.admin_listen_src = SRC_ENV;
    free(f->c.collect_listen);
    f->c.collect_listen = sl_xstrdup("[::1]");
    free(f->c.data);
    f->c.data = sl_xstrdup("");
    int n = sl_config_finish(&f->c, &f->problems);
    assert_int_equal(n, 3);
    assert_problem(f, "SLUICE_ADMIN: found 'no-port', expected host:port");
    assert_problem(f, "collect.listen: found '[::1]', expected host:port");
    assert_problem(f, "data: found '', expected a directory\n");
}

/* ---- helpers --------------------------------------------------------------------------- */

static void test_config_split_hostport(void **state)
{
    (void)state;
    char host[16];
    unsigned port = 1;
    assert_int_equal(sl_config_split_hostport("127.0.0.1:8080", host, sizeof(host), &port), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8080);
    assert_int_equal(sl_config_split_hostport("[::1]:0", host, sizeof(host), &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 0);
    assert_int_equal(sl_config_split_hostport("a-very-long-host-name:1", host, sizeof(host), &port),
                     -1);
    assert_int_equal(sl_config_split_hostport("a-very-long-host-name:1", NULL, 0, NULL), 0);
    assert_int_equal(sl_config_split_hostport("h:65535", host, sizeof(host), &port), 0);
    assert_int_equal(port, 65535);
    assert_int_equal(sl_config_split_hostport("h:65536", host, sizeof(host), &port), -1);
    assert_int_equal(sl_config_split_hostport(NULL, host, sizeof(host), &port), -1);
}

static void test_config_print_help(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    sl_config_print_help(out);
    assert_int_equal(fclose(out), 0);
    assert_non_null(strstr(text, "--admin HOST:PORT"));
    assert_non_null(strstr(text, "--log-level error|warn|info|debug|trace"));
    assert_non_null(strstr(text, "--config FILE"));
    assert_non_null(strstr(text, "collect.max_body_bytes"));
    assert_non_null(strstr(text, "largest accepted event body in bytes (1024..67108864)"));
    /* Aligned: the environment column starts at the same offset on every option row. */
    long col = -1;
    int rows = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        const char *env = strstr(line, "SLUICE_");
        if (strncmp(line, "  --", 4) != 0 || env == NULL) {
            continue;
        }
        if (col < 0) {
            col = env - line;
        }
        assert_int_equal(env - line, col);
        rows++;
    }
    assert_int_equal(rows, 20);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_config_defaults),
        T(test_config_fini_twice_and_reinit),
        T(test_config_yaml_nested_keys_and_lists),
        T(test_config_yaml_empty_and_null_sections),
        T(test_config_yaml_unknown_key_with_suggestion),
        T(test_config_yaml_wrong_types),
        T(test_config_yaml_int_out_of_range),
        T(test_config_yaml_bad_enum),
        T(test_config_yaml_bad_hostport),
        T(test_config_yaml_bad_url),
        T(test_config_yaml_duplicate_keys),
        T(test_config_yaml_syntax_error),
        T(test_config_yaml_top_level_and_documents),
        T(test_config_yaml_reports_all_problems),
        T(test_config_yaml_problem_cap),
        T(test_config_yaml_too_large),
        T(test_config_yaml_not_nul_terminated),
        T(test_config_yaml_nesting_limit),
        T(test_config_file),
        T(test_config_env),
        T(test_config_env_problems),
        T(test_config_args_both_forms),
        T(test_config_args_missing_value),
        T(test_config_args_unknown_and_stray),
        T(test_config_args_bad_values),
        T(test_config_precedence_in_order),
        T(test_config_precedence_any_call_order),
        T(test_config_precedence_still_checks_lower_sources),
        T(test_config_config_file_flag_beats_env),
        T(test_config_finish_derives_store_and_public_url),
        T(test_config_finish_follows_data_and_collect),
        T(test_config_finish_checks_roles),
        T(test_config_finish_keeps_explicit_values),
        T(test_config_finish_strips_one_trailing_slash),
        T(test_config_finish_checks_listen_addresses),
        T(test_config_split_hostport),
        T(test_config_print_help),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
