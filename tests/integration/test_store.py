#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The store as the command line sees it: which --store URLs open what, that a bad URL says what
is expected without echoing a password, that both backends have the same migrations, and (on
PostgreSQL) that several processes opening a fresh database at once migrate it exactly once."""

import concurrent.futures
import glob
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SQL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "store", "sql")


def run_cli(args, timeout=30):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_") or k in ("SLUICE_BIN",)}
    return subprocess.run([harness.sluice_bin()] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          env=env, timeout=timeout, cwd=tempfile.gettempdir())


def migrations(backend):
    return sorted(os.path.basename(f) for f in glob.glob(os.path.join(SQL_DIR, backend, "*.sql")))


class Store(harness.SluiceTestCase):
    def test_unknown_scheme_names_both_forms(self):
        for url in ("mysql://db/x", "sluice.db", "sqlite3:x.db", "postgres:/x"):
            with self.subTest(url=url):
                p = run_cli(["keys", "list", "--store", url])
                self.assertNotEqual(p.returncode, 0, p)
                err = p.stderr.decode()
                self.assertIn("sqlite:PATH", err)
                self.assertIn("postgres://", err)

    def test_sqlite_url_opens_that_file(self):
        path = os.path.join(self.tmp(), "elsewhere.db")
        p = run_cli(["keys", "list", "--store", "sqlite:" + path])
        self.assertEqual(p.returncode, 0, p)
        self.assertTrue(os.path.exists(path), "sqlite:PATH did not create PATH")

    def test_bad_postgres_url_hides_the_password(self):
        for url in ("postgres://u:s3cr3t-pw@[::1/x", "postgresql://u:s3cr3t-pw@h/x?no_such_option=1"):
            with self.subTest(url=url):
                p = run_cli(["keys", "list", "--store", url])
                self.assertNotEqual(p.returncode, 0, p)
                out = p.stderr.decode() + p.stdout.decode()
                self.assertIn("store URL", out)
                self.assertNotIn("s3cr3t-pw", out, "the password was printed")

    def test_both_backends_have_the_same_migrations(self):
        lite, pg = migrations("sqlite"), migrations("postgres")
        self.assertTrue(lite, "no SQLite migrations found under %s" % SQL_DIR)
        self.assertEqual(lite, pg, "every migration needs a SQLite and a PostgreSQL version")

    def test_concurrent_first_opens_migrate_once(self):
        if harness.STORE != "postgres":
            self.skipTest("PostgreSQL only: the advisory lock around migrations")
        url = harness.pg_server().create_database("race")
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            runs = list(pool.map(lambda _: run_cli(["keys", "list", "--store", url]), range(8)))
        for p in runs:
            self.assertEqual(p.returncode, 0, p)
        rows = harness.pg_server().query(url, "SELECT version, name FROM schema_migrations ORDER BY version")
        want = migrations("postgres")
        self.assertEqual(rows, [(i + 1, n) for i, n in enumerate(want)])


if __name__ == "__main__":
    harness.main()
