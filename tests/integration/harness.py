# SPDX-License-Identifier: Apache-2.0
"""Shared helpers for sluice's integration tests (Python 3 standard library only).

Every test file imports this module from its own directory. The binary comes from the
environment variable SLUICE_BIN, the sample data from SLUICE_TEST_DATA (path of tests/data).

The store backend comes from SLUICE_TEST_STORE: "sqlite" (default; sluice's own {data}/sluice.db)
or "postgres": then main() starts one throwaway PostgreSQL cluster for the test file
(pgserver.py) and every sluice gets `--store` naming a database of its own, one per data
directory, so a restart on the same directory finds its data and tests stay independent.
Without PostgreSQL the file exits 77 (ctest: skipped), or fails when CI=true.

What lives here:
  * free_port(): a free TCP port on 127.0.0.1 (bind port 0, read it, close).
  * Sluice: one `sluice serve` process on a temporary data directory, with its stderr/stdout in
    a file of that directory, readiness wait, SIGTERM/SIGKILL stop by PID, and small helpers for the
    admin API, the collect endpoint and read-only looks into the store and landing.db.
  * Sluice.store_rows(): one query on whichever store backend is in use (use it, not sluice.db,
    so a test runs on both); store_args(data_dir): the store flags for a CLI run on that data.
  * request(): one HTTP request with http.client (never urllib: it adds a form Content-Type to POSTs).
  * sign()/compact()/ulid(): Customer.io signatures, compact sorted-key JSON, fresh ULID event ids.
  * SluiceTestCase: a unittest.TestCase that stops every process it started, prints the logs of
    those processes when a test failed, and removes the temporary directories afterwards.
"""

import datetime
import glob
import hashlib
import hmac
import http.client as httpclient
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

import pgserver

POLL_LIMIT_S = 10.0  # every wait for rows/readiness is bounded by this
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
INLET_RE = re.compile(r"^[0-9a-f]{64}$")
DATASET_RE = re.compile(r"^[0-9a-f]{24}$")
ISO_Z_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?Z$")


STORE = os.environ.get("SLUICE_TEST_STORE") or "sqlite"
_pg = None        # the PostgreSQL cluster of this test file, started on first use
_pg_urls = {}     # real path of a data directory -> its database URL


def pg_server():
    global _pg
    if _pg is None:
        _pg = pgserver.PgServer().start()
    return _pg


def store_url(data_dir):
    """The --store URL tests give a sluice on `data_dir`: None on SQLite (sluice's default,
    {data}/sluice.db); on PostgreSQL a fresh database, the same one for every start on that
    directory."""
    if STORE != "postgres":
        return None
    key = os.path.realpath(data_dir)
    if key not in _pg_urls:
        _pg_urls[key] = pg_server().create_database()
    return _pg_urls[key]


def store_args(data_dir):
    """Flags that point a sluice command (serve, keys ...) at the store of `data_dir`: [] on
    SQLite, ["--store", URL] on PostgreSQL."""
    url = store_url(data_dir)
    return ["--store", url] if url else []


def store_dump(data_dir):
    """Everything the store of `data_dir` holds, as SQL text (SQLite's iterdump or pg_dump), for
    checks that something is stored nowhere."""
    url = store_url(data_dir)
    if url:
        return pg_server().dump(url)
    con = ro_connect(os.path.join(data_dir, "sluice.db"))
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def sluice_bin():
    path = os.environ.get("SLUICE_BIN")
    if not path:
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, "..", "..", "build", "sluice")
    path = os.path.abspath(path)
    if not os.access(path, os.X_OK):
        raise RuntimeError("sluice binary not found or not executable: %s (set SLUICE_BIN)" % path)
    return path


def test_data_dir():
    path = os.environ.get("SLUICE_TEST_DATA")
    if not path:
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, "..", "data")
    return os.path.abspath(path)


def cio_dir():
    return os.path.join(test_data_dir(), "customerio")


def sample_files():
    """Every event sample: the 69 <object_type>_<metric>.json files, the two special files and the
    variants/. signing_vectors.json is not an event."""
    d = cio_dir()
    files = sorted(glob.glob(os.path.join(d, "*.json"))) + sorted(glob.glob(os.path.join(d, "variants", "*.json")))
    return [f for f in files if os.path.basename(f) != "signing_vectors.json"]


def load_sample(name):
    with open(os.path.join(cio_dir(), name), "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def signing_vectors():
    with open(os.path.join(cio_dir(), "signing_vectors.json"), "rb") as f:
        return json.loads(f.read().decode("utf-8"))["vectors"]


def compact(obj):
    """Compact, sorted-key serialisation, as Customer.io sends bodies."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(key, timestamp, body):
    """hex HMAC-SHA256(key bytes, "v0:" + timestamp + ":" + raw body)."""
    if isinstance(key, str):
        key = key.encode("utf-8")
    if isinstance(timestamp, int):
        timestamp = str(timestamp)
    return hmac.new(key, b"v0:" + timestamp.encode("ascii") + b":" + body, hashlib.sha256).hexdigest()


def signed_headers(key, body, timestamp=None, content_type="application/json"):
    ts = str(int(time.time())) if timestamp is None else str(timestamp)
    h = {}
    if content_type is not None:
        h["Content-Type"] = content_type
    if key is not None:
        h["X-CIO-Timestamp"] = ts
        h["X-CIO-Signature"] = sign(key, ts, body)
    return h


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_rng = random.SystemRandom()


def ulid(ms=None):
    """A fresh, valid 26-character ULID (48-bit ms time + 80 random bits, Crockford base32)."""
    if ms is None:
        ms = int(time.time() * 1000)
    n = (ms << 80) | _rng.getrandbits(80)
    out = []
    for _ in range(26):
        out.append(_CROCKFORD[n & 31])
        n >>= 5
    return "".join(reversed(out))


def iso_utc(unix_seconds):
    return datetime.datetime.fromtimestamp(unix_seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_event(event_id=None, timestamp=None, template="email_delivered.json", **data_overrides):
    """A sample event with a fresh event_id (and optionally another timestamp / data fields)."""
    ev = load_sample(template)
    ev["event_id"] = event_id or ulid()
    if timestamp is not None:
        ev["timestamp"] = timestamp
    for k, v in data_overrides.items():
        ev["data"][k] = v
    return ev


def nats_server_bin():
    """The nats-server binary: on PATH, or where the Debian package puts it."""
    found = shutil.which("nats-server")
    if found:
        return found
    for d in ("/usr/sbin", "/usr/bin", "/usr/local/bin"):
        p = os.path.join(d, "nats-server")
        if os.access(p, os.X_OK):
            return p
    return None


def die_with_parent():
    """preexec_fn: SIGKILL the child when the test process dies, so no server outlives it."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict, lower-case names
        self.body = body

    @property
    def content_type(self):
        return self.headers.get("content-type", "")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        b = self.body[:600]
        return "<HTTP %d %s %r>" % (self.status, self.content_type, b)


def request(port, method, path, body=None, headers=None, timeout=15.0):
    """One request on a fresh connection. Returns Response. body: bytes or None. A large body goes
    piece by piece so that an early answer (413) is read instead of failing on a broken pipe."""
    if body is not None and len(body) > 65536:
        h = {"Content-Length": str(len(body))}
        h.update(headers or {})
        return send_streaming(port, path, h, [body[i:i + 65536] for i in range(0, len(body), 65536)],
                              timeout=timeout, method=method)
    conn = httpclient.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


def send_streaming(port, path, headers, chunks, chunked=False, timeout=15.0, method="POST"):
    """Send a request body piece by piece with http.client; stop sending as soon as the server has
    answered (it may refuse early, e.g. 413) and return the Response. With chunked=True the body goes
    with Transfer-Encoding: chunked and no Content-Length."""
    import select
    conn = httpclient.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        sock = conn.sock
        try:
            for c in chunks:
                r, _, _ = select.select([sock], [], [], 0)
                if r:
                    break  # the server answered already
                if chunked:
                    conn.send(b"%x\r\n" % len(c) + c + b"\r\n")
                else:
                    conn.send(c)
            else:
                if chunked:
                    conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: its answer should be waiting
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


def ro_connect(path):
    """Read-only SQLite connection (sluice may be running and writing)."""
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5.0)
    con.execute("PRAGMA busy_timeout=5000")
    return con


def poll(fn, limit=POLL_LIMIT_S, interval=0.05, what="condition"):
    """Call fn() until it returns a truthy value or `limit` seconds pass; returns the last value.
    Exceptions from fn (e.g. a table not created yet) count as "not yet"."""
    deadline = time.monotonic() + limit
    last = None
    last_exc = None
    while True:
        try:
            last = fn()
            last_exc = None
            if last:
                return last
        except (sqlite3.Error, pgserver.PgError, OSError, httpclient.HTTPException, ValueError, KeyError) as e:
            last_exc = e
        if time.monotonic() >= deadline:
            if last_exc is not None:
                sys.stderr.write("poll(%s): last error: %r\n" % (what, last_exc))
            return last
        time.sleep(interval)


def tail_files(paths, limit=20000):
    """The last `limit` bytes of each file that exists, each under a "----- path -----" line."""
    out = []
    for p in paths:
        try:
            with open(p, "rb") as f:
                data = f.read()
        except OSError:
            continue
        if len(data) > limit:
            data = b"...(cut)...\n" + data[-limit:]
        out.append("----- %s -----\n%s" % (p, data.decode("utf-8", "replace")))
    return "\n".join(out) if out else "(no log)"


class Sluice:
    """One `sluice serve` process.

    data_dir: reuse a directory (restart); otherwise a fresh one under `tmp_root`.
    keys: list of Customer.io signing keys (None: no keys).
    args: extra command-line arguments; env: extra environment variables.
    ports_from_flags: False to not pass --admin/--collect (e.g. env/config precedence tests); then
    admin_port/collect_port must be given to say where the process will listen.
    """

    def __init__(self, tmp_root, data_dir=None, keys=None, args=(), env=None, admin_port=None,
                 collect_port=None, ports_from_flags=True, data_from_flag=True, name="sluice"):
        self.bin = sluice_bin()
        self.tmp_root = tmp_root
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="data-", dir=tmp_root)
        self.keys = list(keys) if keys else []
        self.admin_port = admin_port or free_port()
        self.collect_port = collect_port or free_port()
        self.ports_picked = not admin_port and not collect_port
        self.ever_ready = False
        self.extra_args = list(args)
        self.extra_env = dict(env or {})
        self.ports_from_flags = ports_from_flags
        self.data_from_flag = data_from_flag
        self.name = name
        self.proc = None
        self.log_path = None
        self.log_file = None
        self.returncode = None
        self._flow = None
        self.starts = 0

    # ---- process ----------------------------------------------------------------------------
    def argv(self):
        a = [self.bin, "serve"]
        if self.data_from_flag:
            a += ["--data", self.data_dir]
        if self.ports_from_flags:
            a += ["--admin", "127.0.0.1:%d" % self.admin_port, "--collect", "127.0.0.1:%d" % self.collect_port]
        if self.keys:
            a += ["--cio-signing-keys", ",".join(self.keys)]
        if not self._store_given():
            a += store_args(self.data_dir)
        return a + self.extra_args

    def _store_given(self):
        """The test chose the store itself (a flag or SLUICE_STORE)."""
        return "SLUICE_STORE" in self.extra_env or any(
            x == "--store" or x.startswith("--store=") for x in self.extra_args)

    def start(self, wait=True, limit=None):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        self.log_path = os.path.join(self.tmp_root, "%s-%d.log" % (self.name, self.starts))
        self.log_file = open(self.log_path, "wb")
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("SLUICE_") and k not in ("SLUICE_BIN", "SLUICE_TEST_DATA"):
                del env[k]
        env.update(self.extra_env)
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=self.log_file,
                                     stderr=subprocess.STDOUT, env=env, cwd=self.tmp_root)
        self.returncode = None
        self._flow = None
        if wait:
            try:
                self.wait_ready(**({"limit": limit} if limit else {}))
            except AssertionError:
                # free_port() can lose its port to another process before sluice binds it
                # (tests run in parallel): on a first start, take new ports and try again.
                if not (self.ports_from_flags and self.ports_picked and not self.ever_ready
                        and self.starts <= 3 and self.proc.poll() is not None
                        and "(in use?)" in self.log_tail()):
                    raise
                self.admin_port, self.collect_port = free_port(), free_port()
                return self.start(wait=wait, limit=limit)
        return self

    def wait_ready(self, limit=POLL_LIMIT_S):
        deadline = time.monotonic() + limit
        last = None
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError("sluice exited with %d before it was ready; argv %s\n%s"
                                     % (rc, self.argv(), self.log_tail()))
            try:
                r = request(self.admin_port, "GET", "/readyz", timeout=2.0)
                last = r
                if r.status == 200:
                    self.ever_ready = True
                    return r
            except (OSError, httpclient.HTTPException) as e:
                last = e
            time.sleep(0.05)
        raise AssertionError("sluice not ready within %.0fs (last: %r); argv %s\n%s"
                             % (limit, last, self.argv(), self.log_tail()))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signal by PID, wait up to `timeout`, then SIGKILL. Returns (returncode, seconds, killed)."""
        if self.proc is None:
            return None, 0.0, False
        killed = False
        t0 = time.monotonic()
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                killed = True
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        took = time.monotonic() - t0
        self.returncode = self.proc.returncode
        if self.log_file:
            self.log_file.close()
            self.log_file = None
        return self.returncode, took, killed

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        return self.stop()

    def log_tail(self, limit=20000):
        return tail_files(sorted(glob.glob(os.path.join(self.tmp_root, "%s-*.log" % self.name))), limit)

    # ---- admin API ----------------------------------------------------------------------------
    def admin(self, method, path, body=None, headers=None):
        return request(self.admin_port, method, path, body=body, headers=headers)

    def admin_json(self, path):
        r = self.admin("GET", path)
        if r.status != 200:
            raise AssertionError("GET %s -> %r" % (path, r))
        return r.json()

    def flow(self):
        """(flow_id, inlet_id, inlet_url) of the first-start Customer.io flow."""
        if self._flow is None:
            items = self.admin_json("/data/foundation/flowservice/flows")["items"]
            if len(items) != 1:
                raise AssertionError("expected exactly one flow, got %d: %r" % (len(items), items))
            f = items[0]
            url = f["options"]["inletUrl"]
            inlet = url.rstrip("/").rsplit("/", 1)[-1]
            self._flow = (f["id"], inlet, url)
        return self._flow

    @property
    def flow_id(self):
        return self.flow()[0]

    @property
    def inlet(self):
        return self.flow()[1]

    def datasets(self):
        return self.admin_json("/data/foundation/catalog/dataSets")

    def dataset_id(self):
        """The dataset the Customer.io flow writes to: the only dataset of a fresh data dir. Cached:
        the id stays the same across restarts on the same data directory."""
        if getattr(self, "_dataset_id", None) is None:
            self._dataset_id = self._find_dataset_id()
        return self._dataset_id

    def _find_dataset_id(self):
        ds = self.datasets()
        ids = [k for k in ds if DATASET_RE.match(k)]
        if len(ids) == 1:
            return ids[0]
        # several: prefer one whose table exists
        names = set(self.store_tables())
        with_table = [i for i in ids if "ds_" + i in names]
        if len(with_table) == 1:
            return with_table[0]
        raise AssertionError("cannot tell the Customer.io dataset among %r" % ids)

    # ---- collect --------------------------------------------------------------------------------
    def collect_path(self, inlet=None, flow=None, batch=False, query=True):
        inlet = inlet or self.inlet
        p = ("/collection/batch/%s" if batch else "/collection/%s") % inlet
        if query:
            p += "?x-adobe-flow-id=%s" % (flow or self.flow_id)
        return p

    def post(self, body, key="__default__", headers=None, inlet=None, flow=None, query=True,
             content_type="application/json", batch=False, timestamp=None):
        """POST a raw body to the collect listener. key: signing key (default: the first configured
        key, None: unsigned)."""
        if key == "__default__":
            key = self.keys[0] if self.keys else None
        h = signed_headers(key, body, timestamp=timestamp, content_type=content_type)
        h.update(headers or {})
        return request(self.collect_port, "POST", self.collect_path(inlet, flow, batch, query), body=body, headers=h)

    def post_event(self, ev, **kw):
        return self.post(compact(ev), **kw)

    # ---- storage --------------------------------------------------------------------------------
    @property
    def store_url(self):
        """The --store URL this sluice gets from the harness (None: SQLite in the data dir)."""
        return store_url(self.data_dir)

    @property
    def store_path(self):
        return os.path.join(self.data_dir, "sluice.db")

    @property
    def landing_path(self):
        return os.path.join(self.data_dir, "landing.db")

    def store(self):
        """A read-only connection to sluice.db: SQLite only. Prefer store_rows()."""
        if STORE != "sqlite":
            raise AssertionError("store() opens sluice.db, which a %s run does not have; "
                                 "use store_rows() so the test runs on every backend" % STORE)
        return ro_connect(self.store_path)

    def store_rows(self, sql, args=()):
        """Rows of one query on the store in use, as a list of tuples: sluice.db through sqlite3,
        or PostgreSQL through psql (integers come back as int, text as str, NULL as None). Write
        SQL both understand, with `?` placeholders."""
        if STORE == "postgres":
            return pg_server().query(self.store_url, sql, args)
        con = self.store()
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def store_tables(self):
        """Names of the store's tables."""
        if STORE == "postgres":
            sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type='table'"
        return [r[0] for r in self.store_rows(sql)]

    def landing(self):
        return ro_connect(self.landing_path)

    def ds_query(self, sql, args=(), dataset_id=None):
        ds = dataset_id or self.dataset_id()
        return self.store_rows(sql.replace("{ds}", '"ds_%s"' % ds), args)

    def ds_event_ids(self, dataset_id=None):
        """{event_id: number of rows}"""
        rows = self.ds_query("SELECT event_id, count(*) FROM {ds} GROUP BY event_id", dataset_id=dataset_id)
        return {r[0]: r[1] for r in rows}

    def ds_count(self, dataset_id=None):
        return self.ds_query("SELECT count(*) FROM {ds}", dataset_id=dataset_id)[0][0]

    def ds_record(self, event_id, dataset_id=None):
        rows = self.ds_query("SELECT record, _id FROM {ds} WHERE event_id = ?", (event_id,), dataset_id=dataset_id)
        if not rows:
            return None
        rec = json.loads(rows[0][0])
        return rec

    def wait_event_ids(self, event_ids, limit=POLL_LIMIT_S, dataset_id=None):
        """Poll until every event id is in the dataset table; returns {event_id: rows} (all of the
        table) as last seen."""
        want = set(event_ids)
        seen = {}

        def check():
            nonlocal seen
            seen = self.ds_event_ids(dataset_id)
            return want.issubset(seen.keys())

        poll(check, limit=limit, what="event ids in dataset")
        return seen

    def landing_rows(self, where="1=1", args=()):
        con = self.landing()
        try:
            return con.execute("SELECT seq, flow_id, received_ms, xaction_id, body FROM landing WHERE " + where,
                               args).fetchall()
        finally:
            con.close()

    def landing_count(self):
        con = self.landing()
        try:
            return con.execute("SELECT count(*) FROM landing").fetchone()[0]
        finally:
            con.close()


class SluiceTestCase(unittest.TestCase):
    """Base class. Use self.sluice(...) in a test (stopped in cleanup) or cls.class_sluice(...) in
    setUpClass (stopped in tearDownClass). Logs are printed when a test failed; temp dirs removed."""

    _class_tmp = None
    _class_instances = None
    _class_failed = False

    # ---- class level ------------------------------------------------------------------------------
    @classmethod
    def class_tmp(cls):
        if cls._class_tmp is None:
            cls._class_tmp = tempfile.mkdtemp(prefix="sluice-it-")
            cls._class_instances = []
        return cls._class_tmp

    @classmethod
    def class_sluice(cls, **kw):
        s = Sluice(cls.class_tmp(), name="class-sluice%d" % len(cls._class_instances or []), **kw)
        cls._class_instances.append(s)
        try:
            s.start()
        except BaseException:
            cls._class_failed = True
            cls.class_teardown()
            raise
        return s

    @classmethod
    def class_teardown(cls):
        for s in cls._class_instances or []:
            s.stop()
        if cls._class_failed:
            for s in cls._class_instances or []:
                sys.stderr.write("\n===== log of %s (%s) =====\n%s\n" % (s.name, cls.__name__, s.log_tail()))
        if cls._class_tmp:
            shutil.rmtree(cls._class_tmp, ignore_errors=True)
        cls._class_tmp = None
        cls._class_instances = []

    @classmethod
    def tearDownClass(cls):
        cls.class_teardown()
        super().tearDownClass()

    # ---- test level -------------------------------------------------------------------------------
    def tmp(self):
        if getattr(self, "_tmp", None) is None:
            self._tmp = tempfile.mkdtemp(prefix="sluice-it-")
        return self._tmp

    def sluice(self, start=True, **kw):
        if not hasattr(self, "_instances"):
            self._instances = []
        s = Sluice(self.tmp(), name="sluice%d" % len(self._instances), **kw)
        self._instances.append(s)
        self.addCleanup(s.stop)
        if start:
            s.start()
        return s

    def run(self, result=None):
        if result is None:
            result = self.defaultTestResult()
        self._tmp = None
        self._instances = []
        before = len(result.failures) + len(result.errors)
        try:
            return super().run(result)
        finally:
            failed = len(result.failures) + len(result.errors) > before
            for s in self._instances:
                s.stop()
            if failed:
                type(self)._class_failed = True
                for s in self._instances:
                    sys.stderr.write("\n===== log of %s (%s) =====\n%s\n" % (s.name, self.id(), s.log_tail()))
                if _pg is not None:
                    sys.stderr.write("\n===== PostgreSQL log (tail) =====\n%s\n" % _pg.log_tail())
            if self._tmp:
                shutil.rmtree(self._tmp, ignore_errors=True)
                self._tmp = None

    # ---- assertions ---------------------------------------------------------------------------------
    def assertEmpty(self, coll, what):
        """Fail with a short listing (at most 8 items) when `coll` is not empty."""
        if coll:
            items = sorted(coll.items()) if isinstance(coll, dict) else sorted(coll)
            self.fail("%s: %d, e.g. %r" % (what, len(items), items[:8]))

    def assertAccepted(self, r, s, msg=""):
        """200 with the contract's collect answer shape."""
        self.assertEqual(r.status, 200, "%s: %r" % (msg, r))
        self.assertTrue(r.content_type.startswith("application/json"), "%s: content type %r" % (msg, r.content_type))
        j = r.json()
        self.assertEqual(j.get("inletId"), s.inlet, msg)
        self.assertIsInstance(j.get("xactionId"), str, msg)
        self.assertTrue(j["xactionId"], msg)
        self.assertIsInstance(j.get("receivedTimeMs"), int, msg)
        now = time.time() * 1000
        self.assertLess(abs(j["receivedTimeMs"] - now), 120000, "%s: receivedTimeMs %r not near now" % (msg, j))
        self.assertEqual(j.get("syncValidation"), {"skipped": True}, msg)
        return j

    def assertProblem(self, r, status, msg=""):
        """A refusal: the status, application/problem+json, {"type","title","status","detail"}."""
        self.assertEqual(r.status, status, "%s: %r" % (msg, r))
        self.assertTrue(r.content_type.startswith("application/problem+json"),
                        "%s: content type %r (%r)" % (msg, r.content_type, r))
        j = r.json()
        for k in ("type", "title", "detail"):
            self.assertIsInstance(j.get(k), str, "%s: problem field %s in %r" % (msg, k, j))
        self.assertEqual(j.get("status"), status, "%s: problem status in %r" % (msg, j))
        return j


def main(stores=("sqlite", "postgres")):
    """Run the test file's tests on the store SLUICE_TEST_STORE names. A file about one backend
    passes `stores`; on another backend it exits 77 (ctest: skipped)."""
    if STORE not in stores:
        sys.stderr.write("SKIP: these tests are about %s, not %s\n" % (" and ".join(stores), STORE))
        sys.exit(77)
    if STORE == "postgres":
        try:
            pg_server()
        except pgserver.PgUnavailable as e:
            if os.environ.get("CI", "").lower() in ("true", "1"):
                sys.stderr.write("FAIL: SLUICE_TEST_STORE=postgres and CI=true, but PostgreSQL cannot start: %s\n" % e)
                sys.exit(1)
            sys.stderr.write("SKIP: PostgreSQL cannot start here (%s)\n" % e)
            sys.exit(77)
    elif STORE != "sqlite":
        sys.stderr.write("SLUICE_TEST_STORE must be sqlite or postgres, not %r\n" % STORE)
        sys.exit(2)
    # SIGTERM (a test runner giving up) still stops the PostgreSQL cluster through atexit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    unittest.main(verbosity=2)


# ---- monitoring: flows made through the API, runs, diagnostics, alerts ------------------------
# (tests/integration/test_monitoring.py and test_alerts.py; module functions taking a Sluice)

FLOWSERVICE = "/data/foundation/flowservice"
CONVERSION = "/data/foundation/conversion"
ALERTS = "/data/infrastructure/observability/alerts"
HOUR_MS = 3600000
FLOW_SPEC_ID = "e77fde5a-22a8-11ed-861d-0242ac120002"
CIO_SPEC_ID = "96479064-7b8a-4d69-b9ed-21c5683837ea"
LAKE_SPEC_ID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"


def api(s, method, path, body=None, headers=None):
    """One admin request with a JSON body (any JSON value, or None); returns the Response."""
    h = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    return s.admin(method, path, body=data, headers=h)


def api_ok(s, method, path, body=None, status=(200, 201, 202, 204)):
    """api(), asserting a 2xx (or one of `status`); returns the decoded JSON (None when empty)."""
    r = api(s, method, path, body)
    if r.status not in (status if isinstance(status, (tuple, list)) else (status,)):
        raise AssertionError("%s %s -> %r" % (method, path, r))
    return r.json() if r.body else None


def hour_window(ms):
    """Start of the hourly run window `ms` (epoch ms) falls in."""
    return ms - ms % HOUR_MS


def run_id_of(flow_id, window_ms):
    """The run id sluice derives for (flow, window start): SHA-256 of
    "sluice-run:{flow}:{window}", first 16 bytes as a version-8 UUID (core/ids.c)."""
    md = bytearray(hashlib.sha256(("sluice-run:%s:%d" % (flow_id, window_ms)).encode()).digest()[:16])
    md[6] = (md[6] & 0x0F) | 0x80
    md[8] = (md[8] & 0x3F) | 0x80
    h = md.hex()
    return "%s-%s-%s-%s-%s" % (h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])


def create_flow(s, properties, required=None, mappings=None, options=None, name="monitoring flow"):
    """A schema with `properties` (and `required`), a dataset, source and target connections, a
    mapping set (`mappings`: list of dicts; default one ATTRIBUTE mapping per top-level property,
    same name) and a dataflow with `options`. Returns a dict: flow_id, inlet, dataset_id,
    mapping_id, schema_id, source_id, target_id."""
    schema = {"title": name + " schema", "meta:class": "https://ns.adobe.com/xdm/context/experienceevent",
              "properties": properties}
    if required:
        schema["required"] = list(required)
    sid = api_ok(s, "POST", "/data/foundation/schemaregistry/tenant/schemas", schema, 201)["$id"]
    refs = api_ok(s, "POST", "/data/foundation/catalog/dataSets",
                  {"name": name + " dataset", "schemaRef": {"id": sid}}, 201)
    ds = refs[0][len("@/dataSets/"):]
    src = api_ok(s, "POST", FLOWSERVICE + "/sourceConnections",
                 {"name": name + " source", "connectionSpec": {"id": CIO_SPEC_ID, "version": "1.0"},
                  "data": {"format": "json"}}, 201)["id"]
    tgt = api_ok(s, "POST", FLOWSERVICE + "/targetConnections",
                 {"name": name + " target", "connectionSpec": {"id": LAKE_SPEC_ID, "version": "1.0"},
                  "data": {"format": "json", "schema": {"id": sid}}, "params": {"dataSetId": ds}}, 201)["id"]
    if mappings is None:
        mappings = [{"sourceType": "ATTRIBUTE", "source": k, "destination": k} for k in properties]
    ms = api_ok(s, "POST", CONVERSION + "/mappingSets",
                {"outputSchema": {"schemaRef": {"id": sid}}, "mappings": mappings}, 201)["id"]
    body = {"name": name, "flowSpec": {"id": FLOW_SPEC_ID, "version": "1.0"},
            "sourceConnectionIds": [src], "targetConnectionIds": [tgt],
            "transformations": [{"name": "Mapping", "params": {"mappingId": ms, "mappingVersion": 0}}]}
    if options is not None:
        body["options"] = options
    fid = api_ok(s, "POST", FLOWSERVICE + "/flows", body, 201)["id"]
    flow = api_ok(s, "GET", "%s/flows/%s" % (FLOWSERVICE, fid))["items"][0]
    return {"flow_id": fid, "inlet": flow["options"]["inletId"], "dataset_id": ds, "mapping_id": ms,
            "schema_id": sid, "source_id": src, "target_id": tgt}


def patch_flow(s, flow_id, ops):
    """JSON-Patch a dataflow with its current etag; returns the Response."""
    got = s.admin("GET", "%s/flows/%s" % (FLOWSERVICE, flow_id))
    if got.status != 200:
        raise AssertionError("GET flow %s -> %r" % (flow_id, got))
    return api(s, "PATCH", "%s/flows/%s" % (FLOWSERVICE, flow_id), ops,
               headers={"If-Match": got.headers.get("etag", "")})


def new_mapping_version(s, flow_id, mappings):
    """PUT `mappings` as a new version of the flow's mapping set and pin the flow to it; returns
    the version number."""
    flow = api_ok(s, "GET", "%s/flows/%s" % (FLOWSERVICE, flow_id))["items"][0]
    ms_id = flow["transformations"][0]["params"]["mappingId"]
    got = api_ok(s, "PUT", "%s/mappingSets/%s" % (CONVERSION, ms_id), {"mappings": mappings})
    version = got.get("version") if isinstance(got, dict) else None
    if version is None:
        version = api_ok(s, "GET", "%s/mappingSets/%s" % (CONVERSION, ms_id))["version"]
    r = patch_flow(s, flow_id, [{"op": "replace", "path": "/transformations/0/params/mappingVersion",
                                 "value": version}])
    if r.status != 200:
        raise AssertionError("pin mapping version %r -> %r" % (version, r))
    return version


def post_to_flow(s, flow, body, sync=False, key=None):
    """POST raw `body` (bytes, or a dict sent compact) to `flow` (a create_flow dict) on the
    collect listener; returns the Response."""
    if not isinstance(body, (bytes, bytearray)):
        body = compact(body)
    path = "/collection/%s?x-adobe-flow-id=%s" % (flow["inlet"], flow["flow_id"])
    if sync:
        path += "&syncValidation=true"
    return request(s.collect_port, "POST", path, body=body, headers=signed_headers(key, body))


def runs_of(s, flow_id):
    """The runs of a flow, newest window first."""
    return s.admin_json("%s/runs?property=flowId==%s" % (FLOWSERVICE, flow_id))["items"]


def run_by_id(s, run_id):
    """One run object, or None (404)."""
    r = s.admin("GET", "%s/runs/%s" % (FLOWSERVICE, run_id))
    if r.status == 404:
        return None
    if r.status != 200:
        raise AssertionError("GET run %s -> %r" % (run_id, r))
    return r.json()["items"][0]


def run_counts(run):
    """(received, ingested, failed, duplicates, warnings) of a run object."""
    rs = run["metrics"]["recordSummary"]
    return (rs["inputRecordCount"], rs["outputRecordCount"], rs["failedRecordCount"],
            rs["duplicateRecordCount"], rs["warningRecordCount"])


def wait_run(s, run_id, pred, limit=POLL_LIMIT_S, what="run"):
    """Poll GET /runs/{id} until pred(run) holds; returns the last run seen (None: never found)."""
    last = [None]

    def check():
        last[0] = run_by_id(s, run_id)
        return last[0] is not None and pred(last[0])

    poll(check, limit=limit, what=what)
    return last[0]


def flow_errors(s, flow_id, query=""):
    """GET /flows/{id}/errors[?query] items."""
    return s.admin_json("%s/flows/%s/errors%s" % (FLOWSERVICE, flow_id, ("?" + query) if query else ""))["items"]


def metric_values(s):
    """GET /metrics parsed to {"name{labels}": float} (comments skipped)."""
    out = {}
    for line in s.admin("GET", "/metrics").body.decode("utf-8", "replace").splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, val = line.rpartition(" ")
        try:
            out[key] = float(val)
        except ValueError:
            continue
    return out


def mid_hour_offset(minutes=10):
    """A SLUICE_CLOCK_OFFSET_MS that puts sluice's clock `minutes` past the start of the current
    hour, so a test's events all fall in one run window however close to the hour it runs. Add
    HOUR_MS to it (and restart) to close that window."""
    now = int(time.time() * 1000)
    return hour_window(now) + minutes * 60000 - now


def clock_offset_for(target_ms, lead_ms):
    """The SLUICE_CLOCK_OFFSET_MS that makes sluice's clock read `target_ms` `lead_ms` from now."""
    return target_ms - (int(time.time() * 1000) + lead_ms)


class WebhookReceiver:
    """A local HTTP receiver on 127.0.0.1 in a thread: records every POST (headers, body) and
    answers with the next status of `statuses` (then `then` for all later requests); a status
    may be a (status, {header: value}) pair, e.g. (503, {"Retry-After": "4"})."""

    def __init__(self, statuses=(), then=200):
        import http.server
        import threading
        self.statuses = list(statuses)
        self.then = then
        self.requests = []  # (path, {header: value} lower-case, body, answered status, monotonic s)
        self.lock = threading.Lock()
        recv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                with recv.lock:
                    status = recv.statuses.pop(0) if recv.statuses else recv.then
                    status, extra = status if isinstance(status, tuple) else (status, {})
                    recv.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()},
                                          body, status, time.monotonic()))
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)
        self.thread.start()

    def received(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
