# SPDX-License-Identifier: Apache-2.0
"""A throwaway PostgreSQL cluster for one test run (Python 3 standard library only).

    srv = PgServer().start()      # initdb + pg_ctl start on 127.0.0.1:<free port>, in a temp dir
    url = srv.create_database()   # postgres://postgres@127.0.0.1:PORT/<fresh name>
    srv.query(url, "SELECT 1")    # rows as tuples of Python values, through psql
    srv.dump(url)                 # the whole database as text, through pg_dump
    srv.pause(); srv.resume()     # a crash and a restart, for reconnect tests
    srv.stop()                    # pg_ctl stop -m immediate, by PID if that fails; removes the dir

The server binaries come from the Debian packages (postgresql, postgresql-client): initdb and
pg_ctl from /usr/lib/postgresql/<version>/bin, psql from there or PATH. PostgreSQL refuses to
run as root, so under euid 0 initdb and pg_ctl run as the `postgres` user the package creates
(runuser), on a temp dir chowned to it. The cluster trusts every local connection: it listens on
127.0.0.1 only and its unix socket sits inside the temp dir. A missing piece raises
PgUnavailable with a message saying what to install.
"""

import atexit
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

START_TIMEOUT_S = 60


class PgUnavailable(Exception):
    """PostgreSQL cannot be started here (not installed, no postgres user, ...)."""


class PgError(Exception):
    """psql failed: a query error, or the server is not reachable."""


def _version_key(path):
    m = re.search(r"/postgresql/(\d+)(?:\.(\d+))?/bin$", path)
    return (int(m.group(1)), int(m.group(2) or 0)) if m else (0, 0)


def find_bindir():
    """The newest /usr/lib/postgresql/*/bin that has initdb and pg_ctl, or None."""
    dirs = [d for d in glob.glob("/usr/lib/postgresql/*/bin")
            if os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "pg_ctl"), os.X_OK)]
    return sorted(dirs, key=_version_key)[-1] if dirs else None


def _free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


class PgServer:
    def __init__(self):
        self.bindir = None
        self.psql = None
        self.tmp = None
        self.datadir = None
        self.sockdir = None
        self.port = None
        self.pid = None
        self.as_postgres = os.geteuid() == 0
        self._dbs = 0

    # ---- lifecycle ----------------------------------------------------------------------------
    def _check(self):
        self.bindir = find_bindir()
        if self.bindir is None:
            raise PgUnavailable("no initdb/pg_ctl under /usr/lib/postgresql/*/bin "
                                "(install the Debian package 'postgresql': scripts/deps.sh test)")
        psql = os.path.join(self.bindir, "psql")
        self.psql = psql if os.access(psql, os.X_OK) else shutil.which("psql")
        if self.psql is None:
            raise PgUnavailable("psql not found (install 'postgresql-client')")
        if self.as_postgres:
            if shutil.which("runuser") is None:
                raise PgUnavailable("running as root and runuser(1) is missing")
            try:
                import pwd
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root and there is no 'postgres' user "
                                    "(the Debian package 'postgresql' creates it)") from None
            self._uid, self._gid = pw.pw_uid, pw.pw_gid

    def _cmd(self, argv):
        """argv as the cluster's owner: ourselves, or `postgres` when we are root."""
        if self.as_postgres:
            return ["runuser", "-u", "postgres", "--"] + argv
        return argv

    def _run(self, argv, timeout=START_TIMEOUT_S):
        p = subprocess.run(self._cmd(argv), stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                           cwd=self.tmp)
        if p.returncode != 0:
            raise PgUnavailable("%s failed (%d): %s%s" % (os.path.basename(argv[0]), p.returncode,
                                                          p.stdout.decode(errors="replace")[-2000:],
                                                          p.stderr.decode(errors="replace")[-2000:]))
        return p

    def _make_tmp(self):
        # The postgres user must be able to reach the directory: under root, a TMPDIR inside
        # /root would not do, so fall back to /tmp.
        for base in (tempfile.gettempdir(), "/tmp"):
            tmp = tempfile.mkdtemp(prefix="sluice-pg-", dir=base)
            if not self.as_postgres:
                return tmp
            os.chown(tmp, self._uid, self._gid)
            ok = subprocess.run(self._cmd(["test", "-w", tmp]), stdin=subprocess.DEVNULL).returncode == 0
            if ok:
                return tmp
            shutil.rmtree(tmp, ignore_errors=True)
        raise PgUnavailable("no temp directory the postgres user can write to")

    def start(self):
        self._check()
        self.tmp = self._make_tmp()
        atexit.register(self.stop)
        self.datadir = os.path.join(self.tmp, "data")
        self.sockdir = os.path.join(self.tmp, "sock")
        os.mkdir(self.sockdir, 0o700)
        if self.as_postgres:
            os.chown(self.sockdir, self._uid, self._gid)
        self._run([os.path.join(self.bindir, "initdb"), "-D", self.datadir, "-U", "postgres", "--auth=trust",
                   "-E", "UTF8", "--locale=C", "--no-sync"])
        last = None
        for _ in range(3):  # the free port may be taken between finding and binding it
            self.port = _free_port()
            # fsync=off: only the machine crashing could lose data, and then nothing here matters.
            # synchronous_commit stays on: a server crash (pause()) must keep what was committed.
            self._opts = opts = ("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off "
                                 "-c full_page_writes=off -c shared_buffers=32MB -c max_connections=200"
                                 % (self.port, self.sockdir))
            p = subprocess.run(self._cmd([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-l",
                                          os.path.join(self.tmp, "server.log"), "-w", "-t", str(START_TIMEOUT_S),
                                          "-o", opts, "start"]),
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=START_TIMEOUT_S + 10,
                               cwd=self.tmp)
            if p.returncode == 0:
                self.pid = self._read_pid()
                return self
            last = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace") + self.log_tail()
        self.stop()
        raise PgUnavailable("pg_ctl start failed: %s" % last[-3000:])

    def _read_pid(self):
        try:
            with open(os.path.join(self.datadir, "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def log_tail(self, limit=4000):
        try:
            with open(os.path.join(self.tmp, "server.log"), "rb") as f:
                return f.read()[-limit:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        """Immediate shutdown (nothing here needs to survive), then remove the directory."""
        if self.tmp is None:
            return
        if self.pid is not None:
            subprocess.run(self._cmd([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-m", "immediate",
                                      "-w", "-t", "20", "stop"]),
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=40, cwd="/")
            deadline = time.monotonic() + 10
            while self._alive(self.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if self._alive(self.pid):
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.pid = None
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp = None

    def _pg_ctl(self, *args):
        return self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-w", "-t",
                          str(START_TIMEOUT_S)] + list(args))

    def pause(self):
        """Stop the server the way a crash would (immediate: every connection drops at once),
        keeping its data for resume()."""
        self._pg_ctl("-m", "immediate", "stop")
        self.pid = None

    def resume(self):
        """Start the paused server again, on the same port and data."""
        self._pg_ctl("-l", os.path.join(self.tmp, "server.log"), "-o", self._opts, "start")
        self.pid = self._read_pid()

    def terminate_connections(self, url):
        """Cut every other connection to the database of `url` (pg_terminate_backend)."""
        self.query(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()")

    @staticmethod
    def _alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        # a zombie is not a server any more
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().split(") ", 1)[1][:1] != "Z"
        except (OSError, IndexError):
            return True

    # ---- databases and queries ------------------------------------------------------------------
    def url(self, db):
        return "postgres://postgres@127.0.0.1:%d/%s" % (self.port, db)

    def create_database(self, prefix="sluice"):
        """A new, empty database; returns its URL."""
        self._dbs += 1
        name = "%s_%d_%s" % (prefix, self._dbs, uuid.uuid4().hex[:8])
        self.query(self.url("postgres"), 'CREATE DATABASE "%s"' % name)
        return self.url(name)

    def query(self, url, sql, args=()):
        """Run one statement through psql. For a query (SELECT/WITH/VALUES) returns its rows as
        tuples, columns in order, values as JSON gives them (bigint is int, text is str, NULL is
        None); for anything else returns []. `?` placeholders take `args`, which psql quotes
        itself (:'pN'), so values are never pasted into the SQL text."""
        count = [0]

        def placeholder(_m):
            count[0] += 1
            return ":'p%d'" % count[0]

        body = re.sub(r"\?", placeholder, sql.strip().rstrip(";"))
        if count[0] != len(args):
            raise ValueError("%d placeholders for %d arguments in %r" % (count[0], len(args), sql))
        argv = [self.psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url]
        for i, a in enumerate(args, 1):
            argv += ["-v", "p%d=%s" % (i, a)]
        if not re.match(r"(?is)^(select|with|values)\b", body):
            self._psql(argv, body + ";\n")
            return []
        # json_agg of whole rows keeps column order, and duplicate names, as JSON object members
        out = self._psql(argv, "SELECT coalesce(json_agg(t), '[]'::json) FROM (%s) t;\n" % body)
        rows = json.loads(out, object_pairs_hook=lambda pairs: pairs)
        return [tuple(v for _, v in row) for row in rows]

    def dump(self, url):
        """pg_dump of the database at `url` (schema and rows) as text."""
        pg_dump = os.path.join(self.bindir, "pg_dump")
        p = subprocess.run([pg_dump if os.access(pg_dump, os.X_OK) else "pg_dump", "--no-owner", "-d", url],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        if p.returncode != 0:
            raise PgError("pg_dump: %s" % p.stderr.decode(errors="replace").strip())
        return p.stdout.decode("utf-8")

    def _psql(self, argv, script):
        p = subprocess.run(argv, input=script.encode("utf-8"), capture_output=True, timeout=30,
                           env=dict(os.environ, PGCONNECT_TIMEOUT="10"))
        if p.returncode != 0:
            raise PgError("psql: %s" % p.stderr.decode(errors="replace").strip())
        return p.stdout.decode("utf-8")
