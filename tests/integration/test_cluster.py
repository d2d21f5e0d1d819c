#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The scale-out cluster under load and failures: a three-node nats-server JetStream cluster,
one PostgreSQL, an admin node, two collect nodes and two process nodes, all separate processes
on 127.0.0.1. A steady load of signed Customer.io events goes to the collect nodes alternately;
an event that gets no 200 (refused, reset, timed out, 503) is sent again to the other collect
node after a short pause, as Customer.io would. Meanwhile one process node (frozen with SIGSTOP
first, so that it dies holding events), one collect node and the JetStream stream's leader are
each killed with SIGKILL and restarted. Afterwards every acknowledged event must be in the
dataset exactly once; the test prints

    cluster: sent=N acknowledged=A stored=S duplicates=D lost=L retried=R

It also checks that events were acknowledged while the nats node was down, that both process
nodes processed events (/metrics), that every node's /readyz is 200 at the end, and that every
node stops cleanly on SIGTERM (exit 0, no sanitizer report in its log).

PostgreSQL only (the SQLite run skips with 77). Needs nats-server (Debian package nats-server):
without it the test skips (77), except with CI=true where it fails. Node logs (sluice and
nats-server) are printed when the test fails; SLUICE_TEST_KEEP=1 keeps the nats-server
directory for a look afterwards."""

import collections
import glob
import http.client as httpclient
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import compact, make_event, signed_headers  # noqa: E402

STREAM = "SLUICE_LANDING"
KEY = "cluster-test-signing-key"
NATS_SIZE = 3
ACK_WAIT_S = 5            # --nats-ack-wait: a killed process node's events come back after this
LOAD_THREADS = 8
LOAD_RATE = 200           # events/s over all load threads
CLIENT_TIMEOUT_S = 5.0    # a collect answer slower than this counts as failed (Customer.io: 4 s)
RETRY_PAUSE_S = 0.1       # pause before an event is sent again, to the other collect node
START_LIMIT_S = 30.0      # a node (sluice or nats-server) must be ready within this
DRAIN_LIMIT_S = 60.0      # acknowledged events must all be stored within this after the load
# How long the stream leader stays down. nats-server 2.9's raft election timeout is 4-9 s, so the
# other two nodes elect a new stream leader only that long after the old one died; until then
# publishes fail (503) and are retried.
NATS_DOWN_S = 14


nats_server_bin = harness.nats_server_bin
_die_with_parent = harness.die_with_parent


def http_json(port, path, timeout=2.0):
    r = harness.request(port, "GET", path, timeout=timeout)
    if r.status != 200:
        raise ValueError("GET %s on %d -> %r" % (path, port, r))
    return r.json()


class NatsCluster:
    """`size` nats-server processes in one JetStream cluster on 127.0.0.1: client, cluster and
    monitoring ports of their own, file store in a temp dir, one log per node there (appended to
    on restarts). Stopped by PID."""

    def __init__(self, size=NATS_SIZE):
        self.bin = nats_server_bin()
        self.size = size
        self.dir = tempfile.mkdtemp(prefix="sluice-nats-")
        self.ports = [harness.free_port() for _ in range(size)]
        self.cports = [harness.free_port() for _ in range(size)]
        self.mports = [harness.free_port() for _ in range(size)]
        self.procs = [None] * size

    @property
    def urls(self):
        return ",".join("nats://127.0.0.1:%d" % p for p in self.ports)

    def name(self, i):
        return "n%d" % (i + 1)

    def argv(self, i):
        routes = ",".join("nats://127.0.0.1:%d" % self.cports[j] for j in range(self.size) if j != i)
        return [self.bin, "-js", "-sd", os.path.join(self.dir, self.name(i)), "-a", "127.0.0.1",
                "-p", str(self.ports[i]), "-m", str(self.mports[i]), "-n", self.name(i),
                "--cluster_name", "sluice-test", "--cluster", "nats://127.0.0.1:%d" % self.cports[i],
                "--routes", routes]

    def start(self, i):
        assert self.procs[i] is None or self.procs[i].poll() is not None, "%s already running" % self.name(i)
        with open(os.path.join(self.dir, self.name(i) + ".log"), "ab") as log:
            log.write(b"\n===== start at %.3f =====\n" % time.time())
            log.flush()
            self.procs[i] = subprocess.Popen(self.argv(i), stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, cwd=self.dir,
                                             preexec_fn=_die_with_parent)

    def start_all(self):
        for i in range(self.size):
            self.start(i)
        for i in range(self.size):
            self.wait_ready(i)

    def running(self, i):
        return self.procs[i] is not None and self.procs[i].poll() is None

    def wait_ready(self, i, limit=START_LIMIT_S):
        """Node i answers /healthz 200 (JetStream is up and current) and knows the meta leader."""
        last = None
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if not self.running(i):
                raise AssertionError("nats-server %s exited (%r)\n%s"
                                     % (self.name(i), self.procs[i].returncode, self.log_tail()))
            try:
                r = harness.request(self.mports[i], "GET", "/healthz", timeout=2.0)
                last = r
                if r.status == 200:
                    meta = http_json(self.mports[i], "/jsz").get("meta_cluster") or {}
                    last = meta
                    if meta.get("leader"):
                        return
            except (OSError, httpclient.HTTPException, ValueError) as e:
                last = e
            time.sleep(0.1)
        raise AssertionError("nats-server %s not ready within %.0f s (last: %r)\n%s"
                             % (self.name(i), limit, last, self.log_tail()))

    def stream_leader(self, stream=STREAM):
        """Index of the node leading `stream`, as any running node's monitoring endpoint says;
        None when none knows."""
        for i in range(self.size):
            if not self.running(i):
                continue
            try:
                jsz = http_json(self.mports[i], "/jsz?streams=true")
            except (OSError, httpclient.HTTPException, ValueError):
                continue
            for acc in jsz.get("account_details") or []:
                for st in acc.get("stream_detail") or []:
                    leader = (st.get("cluster") or {}).get("leader")
                    if st.get("name") == stream and leader:
                        for j in range(self.size):
                            if self.name(j) == leader:
                                return j
        return None

    def kill9(self, i):
        p = self.procs[i]
        if p is not None and p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            p.wait(timeout=10)

    def stop(self):
        """SIGTERM every running node by PID, SIGKILL what is left after 10 s."""
        for p in self.procs:
            if p is not None and p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            if p is None:
                continue
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(timeout=10)

    def log_tail(self, limit=8000):
        return harness.tail_files([os.path.join(self.dir, self.name(i) + ".log") for i in range(self.size)],
                                  limit)

    def remove(self):
        if os.environ.get("SLUICE_TEST_KEEP"):
            sys.stderr.write("keeping %s\n" % self.dir)
            return
        shutil.rmtree(self.dir, ignore_errors=True)


class Load:
    """Client threads posting signed events, each a new event_id, to the collect nodes in turn at
    about `rate` events/s in all. An event without a 200 goes again to the other collect node
    after RETRY_PAUSE_S, until it is acknowledged or the load stops."""

    def __init__(self, nodes, path, threads=LOAD_THREADS, rate=LOAD_RATE):
        self.ports = [n.collect_port for n in nodes]
        self.path = path
        self.threads = threads
        self.interval = threads / float(rate)  # per thread
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.sent_ids = set()              # events sent at least once
        self.retried = 0                   # attempts after an event's first one
        self.acked = {}                    # event_id -> monotonic time of its 200
        self.failures = collections.Counter()  # why attempts failed
        self.first_failure = {}            # kind -> one example, for the report
        self.workers = []

    def start(self):
        for t in range(self.threads):
            w = threading.Thread(target=self._worker, args=(t,), name="load-%d" % t, daemon=True)
            self.workers.append(w)
            w.start()

    def stop(self):
        self.stop_event.set()
        for w in self.workers:
            w.join(timeout=CLIENT_TIMEOUT_S + 10)
        return not any(w.is_alive() for w in self.workers)

    def _attempt(self, port, body):
        """None when acknowledged, else a short reason."""
        try:
            r = harness.request(port, "POST", self.path, body=body, headers=signed_headers(KEY, body),
                                timeout=CLIENT_TIMEOUT_S)
        except (OSError, httpclient.HTTPException) as e:
            return type(e).__name__, repr(e)
        if r.status == 200:
            return None
        return "HTTP %d" % r.status, repr(r)

    def _worker(self, t):
        n = t  # events of this thread so far, offset so that threads start on different nodes
        due = time.monotonic() + self.interval * t / self.threads
        while not self.stop_event.is_set():
            now = time.monotonic()
            if due > now:
                if self.stop_event.wait(due - now):
                    break
            elif now - due > 1.0:
                due = now  # fell behind (a slow answer): do not burst to catch up
            due += self.interval
            ev = make_event()
            body = compact(ev)
            with self.lock:
                self.sent_ids.add(ev["event_id"])
            node = n % len(self.ports)  # events alternate between the collect nodes
            n += 1
            first = True
            while not self.stop_event.is_set():
                if not first:
                    with self.lock:
                        self.retried += 1
                first = False
                failed = self._attempt(self.ports[node], body)
                if failed is None:
                    with self.lock:
                        self.acked[ev["event_id"]] = time.monotonic()
                    break
                with self.lock:
                    self.failures[failed[0]] += 1
                    self.first_failure.setdefault(failed[0], failed[1][:300])
                node = (node + 1) % len(self.ports)  # again, on the other node
                self.stop_event.wait(RETRY_PAUSE_S)

    def snapshot(self):
        with self.lock:
            return len(self.sent_ids), len(self.acked), self.retried

    def first_ack_after(self, t0):
        """Seconds from t0 to the first acknowledgement after it (None: none)."""
        with self.lock:
            later = [t for t in self.acked.values() if t >= t0]
        return min(later) - t0 if later else None

    def acked_between(self, t0, t1):
        with self.lock:
            return sum(1 for t in self.acked.values() if t0 <= t < t1)


class Cluster(harness.SluiceTestCase):
    def run(self, result=None):
        """As SluiceTestCase.run, plus: nats-server logs printed when the test failed, and the
        nats cluster stopped and its directory removed in every case."""
        if result is None:
            result = self.defaultTestResult()
        self.nats = None
        before = len(result.failures) + len(result.errors)
        try:
            return super().run(result)
        finally:
            if self.nats is not None:
                self.nats.stop()
                if len(result.failures) + len(result.errors) > before:
                    sys.stderr.write("\n===== nats-server logs =====\n%s\n" % self.nats.log_tail())
                self.nats.remove()

    def node(self, name, roles, store=None, keys=None):
        """A sluice node in the cluster (not started): its own data directory and ports, the
        nats servers, and the store `store` (None: a fresh database of the harness's, whose
        helpers such as ds_event_ids then look into it). Stopped by PID in cleanup; its log is
        printed when the test fails."""
        args = ["--roles", roles, "--nats", self.nats.urls, "--nats-replicas", str(NATS_SIZE),
                "--nats-ack-wait", str(ACK_WAIT_S)]
        if store is not None:
            args += ["--store", store]
        s = harness.Sluice(self.tmp(), keys=keys, args=args, name=name)
        self._instances.append(s)
        self.addCleanup(s.stop)
        return s

    def start_node(self, s):
        s.start(limit=START_LIMIT_S)

    def phase(self, load, label, seconds):
        """Keep loading for `seconds`; print what happened meanwhile."""
        s0, a0, r0 = load.snapshot()
        time.sleep(seconds)
        s1, a1, r1 = load.snapshot()
        print("  %-34s %5.1f s: sent %5d, acknowledged %5d, retried %4d" % (label, seconds, s1 - s0, a1 - a0, r1 - r0))
        sys.stdout.flush()

    def processed(self, s):
        return harness.metric_values(s).get("sluice_pipeline_processed_total", 0.0)

    @staticmethod
    def log_warnings(s):
        """{"level msg": count} of the warnings and errors in every log of node `s` (all its
        starts), the usual no-API-keys warning left out."""
        found = collections.Counter()
        for path in sorted(glob.glob(os.path.join(s.tmp_root, "%s-*.log" % s.name))):
            with open(path, "rb") as f:
                for line in f.read().decode("utf-8", "replace").splitlines():
                    m = re.search(r'level=(warn|error) .*?msg="([^"]*)"', line)
                    if m and not m.group(2).startswith("no API keys"):
                        found["%s %s" % (m.group(1), m.group(2))] += 1
        return found

    def test_kill9_under_load_loses_and_duplicates_nothing(self):
        t_begin = time.monotonic()
        self.nats = NatsCluster()
        self.nats.start_all()

        # The admin node first: on the empty store it creates the Customer.io flow.
        admin = self.node("admin", "admin", keys=[KEY])
        self.start_node(admin)
        store = admin.store_url  # every other node shares the admin node's database
        flow_id, inlet, _ = admin.flow()
        path = "/collection/%s?x-adobe-flow-id=%s" % (inlet, flow_id)
        procs = [self.node("process%d" % i, "process", store) for i in (1, 2)]
        collects = [self.node("collect%d" % i, "collect", store, keys=[KEY]) for i in (1, 2)]
        for s in procs + collects:
            self.start_node(s)
        print("cluster up in %.1f s: nats %s; sluice admin, collect x2, process x2"
              % (time.monotonic() - t_begin, self.nats.urls))

        # One event through, before the load: the path works end to end.
        ev = make_event()
        r = collects[0].post_event(ev, key=KEY, inlet=inlet, flow=flow_id)
        self.assertEqual(r.status, 200, r)
        seen = admin.wait_event_ids([ev["event_id"]], limit=30)
        self.assertIn(ev["event_id"], seen, "the first event never reached the dataset")

        load = Load(collects, path)
        load.start()
        nats_down = resumed = None
        try:
            self.phase(load, "steady", 4)
            before_kill = [self.processed(p) for p in procs]

            # Frozen first, so that it holds events when it dies: its pending pull request
            # takes what arrives meanwhile. Those come back only through the ack wait.
            os.kill(procs[0].proc.pid, signal.SIGSTOP)
            self.phase(load, "process1 frozen (SIGSTOP)", 1.5)
            procs[0].kill9()
            self.phase(load, "process1 killed", 4)
            self.start_node(procs[0])
            self.phase(load, "process1 restarted", 3)

            collects[0].kill9()
            self.phase(load, "collect1 killed", 4)
            self.start_node(collects[0])
            self.phase(load, "collect1 restarted", 3)

            victim = harness.poll(lambda: self.nats.stream_leader(), limit=5, what="stream leader")
            how = "the stream leader"
            if victim is None:
                victim, how = 0, "not the leader: no node named one"
            self.nats.kill9(victim)
            t_down = time.monotonic()
            self.phase(load, "nats %s killed (%s)" % (self.nats.name(victim), how), NATS_DOWN_S)
            t_up = time.monotonic()
            nats_down = load.acked_between(t_down, t_up)
            resumed = load.first_ack_after(t_down)
            self.nats.start(victim)
            self.nats.wait_ready(victim)
            self.phase(load, "nats %s restarted" % self.nats.name(victim), 4)
        finally:
            self.assertTrue(load.stop(), "a load thread did not stop")
        sent, _, retried = load.snapshot()
        sent_ids = set(load.sent_ids)
        acked = dict(load.acked)
        if load.failures:
            print("  failed attempts: %s" % ", ".join("%s %d" % kv for kv in sorted(load.failures.items())))
            for kind, example in sorted(load.first_failure.items()):
                print("    e.g. %s: %s" % (kind, example))

        # Every acknowledged event in the dataset, and the shared consumer drained (so a late
        # redelivery cannot add a duplicate after we looked).
        t_drain = time.monotonic()
        backlog = []

        def drained():
            nonlocal backlog
            if not set(acked).issubset(admin.ds_event_ids()):
                return False
            backlog = [harness.metric_values(p).get("sluice_landing_backlog_events") for p in procs]
            return all(b in (None, 0.0) for b in backlog)

        harness.poll(drained, limit=DRAIN_LIMIT_S, interval=0.5, what="acknowledged events stored")
        drain_s = time.monotonic() - t_drain
        seen = admin.ds_event_ids()
        stored = {k: v for k, v in seen.items() if k in sent_ids}
        lost = sorted(set(acked) - set(seen))
        dups = {k: v for k, v in seen.items() if v > 1}
        print("cluster: sent=%d acknowledged=%d stored=%d duplicates=%d lost=%d retried=%d"
              % (sent, len(acked), len(stored), len(dups), len(lost), retried))
        print("  stored: every event sent that is in the dataset (%d sent but never acknowledged);"
              " drained %.1f s after the load; backlog of the process nodes then %r"
              % (sent - len(acked), drain_s, backlog))
        print("  acknowledged while nats %s was down: %d, the first %s after the kill; test took %.0f s"
              % (self.nats.name(victim), nats_down or 0,
                 "never" if resumed is None else "%.1f s" % resumed, time.monotonic() - t_begin))
        slow = admin.ds_query("SELECT count(*), max(_ingested_ms - _received_ms) FROM {ds} "
                              "WHERE _ingested_ms - _received_ms >= ?", (ACK_WAIT_S * 1000,))[0]
        print("  rows stored %d ms or more after their receipt (the ack wait: events a dead process"
              " node held): %d, the slowest %s ms" % (ACK_WAIT_S * 1000, slow[0], slow[1]))
        processed = [self.processed(p) for p in procs]
        for p, was, now in zip(procs, before_kill, processed):
            m = harness.metric_values(p)
            print("  %s: sluice_pipeline_processed_total %.0f before process1 was killed, %.0f at the end"
                  " (since its last start; redelivered %.0f, duplicates %.0f)"
                  % (p.name, was, now, m.get("sluice_pipeline_redelivered_total", 0.0),
                     m.get("sluice_pipeline_duplicates_total", 0.0)))
        for s in [admin] + procs + collects:
            for what, n in sorted(self.log_warnings(s).items()):
                print("  %s log: %s (x%d)" % (s.name, what, n))
        unready = {}
        for s in [admin] + procs + collects:
            if not harness.poll(lambda: s.admin("GET", "/readyz").status == 200, limit=15,
                                what="%s ready" % s.name):
                unready[s.name] = s.admin("GET", "/readyz")
        sys.stdout.flush()

        self.assertEmpty(lost, "acknowledged events not stored")
        self.assertEmpty(dups, "event ids stored more than once")
        self.assertGreater(nats_down or 0, 0, "nothing was acknowledged while one nats node was down")
        for p, was, now in zip(procs, before_kill, processed):
            self.assertGreater(was, 0, "%s processed nothing before process1 was killed" % p.name)
            self.assertGreater(now, 0, "%s processed nothing since its last start" % p.name)
        self.assertEmpty(unready, "nodes not ready at the end")

        # A clean stop of every node (SIGTERM: drain, close the JetStream connection): exit 0
        # within the timeout, and nothing from the sanitizers in an ASan build.
        stopped = {}
        for s in collects + procs + [admin]:
            rc, took, killed = s.stop()
            sanitizer = "Sanitizer" in s.log_tail(limit=1 << 20)
            if rc != 0 or killed or sanitizer:
                stopped[s.name] = "exit %r after %.1f s%s%s" % (rc, took, ", SIGKILLed" if killed else "",
                                                               ", sanitizer report in its log" if sanitizer else "")
        self.assertEmpty(stopped, "nodes that did not stop cleanly")

if __name__ == "__main__":
    if harness.STORE == "postgres" and nats_server_bin() is None:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            sys.stderr.write("FAIL: CI=true, but nats-server is not installed (scripts/deps.sh test)\n")
            sys.exit(1)
        sys.stderr.write("SKIP: nats-server not found (apt-get install nats-server)\n")
        sys.exit(77)
    harness.main(stores=("postgres",))
