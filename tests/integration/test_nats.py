#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""One sluice node in cluster mode (--nats) against a one-node nats-server with JetStream that
each test starts on 127.0.0.1 in its own temporary directory: accepted events, resends, refused
bodies and batch messages travel through the JetStream stream SLUICE_LANDING to the dataset
(once each), no landing.db is written, nats-server going away makes /readyz and the collect
listener answer 503 until it is back, a kill -9 of sluice right after a burst loses and double
counts nothing, and neither does one between a batch's commit and its ack (made certain by
holding the store's write lock while nats-server dies: the redelivered batch is only
acknowledged, js_processed), replay answers 501, the live tail reads the stream, and a node asking for another
replica count than the stream has refuses to start. Runs on both stores. Needs nats-server (Debian package nats-server): without it the test
skips (77), except with CI=true where it fails. nats-server's log is printed when a test fails."""

import concurrent.futures
import http.client as httpclient
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FLOWSERVICE, compact, make_event, poll, run_counts, runs_of, signed_headers  # noqa: E402

KEY = "nats-test-" + os.urandom(12).hex()
STREAM = "SLUICE_LANDING"
ACK_WAIT_S = 2  # --nats-ack-wait: a killed node's fetched events come back after this
TEMPLATES = ["email_delivered.json", "email_opened.json", "push_sent.json", "sms_sent.json",
             "webhook_clicked.json", "in_app_opened.json"]


nats_server_bin = harness.nats_server_bin
_die_with_parent = harness.die_with_parent


class NatsServer:
    """One nats-server with JetStream (file store in `root`/nats) on 127.0.0.1: a client port and
    a monitoring port of its own, kept across restarts; its log (appended to on restarts) beside
    the store. Stopped by PID."""

    def __init__(self, root):
        self.bin = nats_server_bin()
        self.dir = os.path.join(root, "nats")
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(self.dir, "nats-server.log")
        self.port = harness.free_port()
        self.mport = harness.free_port()
        self.proc = None
        self.saved_log = None

    @property
    def url(self):
        return "nats://127.0.0.1:%d" % self.port

    def start(self):
        assert self.proc is None or self.proc.poll() is not None, "nats-server already running"
        with open(self.log_path, "ab") as log:
            log.write(b"\n===== start at %.3f =====\n" % time.time())
            log.flush()
            self.proc = subprocess.Popen(
                [self.bin, "-js", "-sd", os.path.join(self.dir, "store"), "-a", "127.0.0.1",
                 "-p", str(self.port), "-m", str(self.mport)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                preexec_fn=_die_with_parent)
        deadline = time.monotonic() + harness.POLL_LIMIT_S
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("nats-server exited with %r\n%s" % (self.proc.returncode, self.log_tail()))
            try:
                # 200 once JetStream is up (and has recovered its store after a restart)
                last = harness.request(self.mport, "GET", "/healthz", timeout=2.0)
                if last.status == 200:
                    return self
            except (OSError, httpclient.HTTPException) as e:
                last = e
            time.sleep(0.05)
        raise AssertionError("nats-server not ready within %.0f s (last %r)\n%s"
                             % (harness.POLL_LIMIT_S, last, self.log_tail()))

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def stream_messages(self):
        """Messages in the landing stream, as the server's monitoring endpoint counts them."""
        r = harness.request(self.mport, "GET", "/jsz?streams=true", timeout=2.0)
        for acc in r.json().get("account_details") or []:
            for st in acc.get("stream_detail") or []:
                if st.get("name") == STREAM:
                    return st["state"]["messages"]
        raise AssertionError("no stream %s on the server: %r" % (STREAM, r))

    def ack_pending(self):
        """Messages the processors' consumer delivered and has not had acknowledged yet."""
        r = harness.request(self.mport, "GET", "/jsz?consumers=true", timeout=2.0)
        for acc in r.json().get("account_details") or []:
            for st in acc.get("stream_detail") or []:
                for c in st.get("consumer_detail") or []:
                    if st.get("name") == STREAM and c.get("name") == "sluice-processors":
                        return c["num_ack_pending"]
        raise AssertionError("no consumer sluice-processors on the server: %r" % r)

    def log_tail(self, limit=20000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError:
            return "(no log)"
        if len(data) > limit:
            data = b"...(cut)...\n" + data[-limit:]
        return data.decode("utf-8", "replace")


class StoreWriteLock:
    """Holds back the processor's commits until release(): on SQLite a transaction holding the
    write lock (sluice's BEGIN IMMEDIATE waits, fails after its busy timeout and is retried), on
    PostgreSQL js_processed locked against writes in an open psql session (the insert waits)."""

    def __init__(self, s):
        self.proc = None
        self.con = None
        if harness.STORE == "postgres":
            self.proc = subprocess.Popen([harness.pg_server().psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                          "-d", s.store_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
            self.proc.stdin.write(b"BEGIN;\nLOCK TABLE js_processed IN EXCLUSIVE MODE;\nSELECT 'locked';\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            if line.strip() != b"locked":
                self.release()
                raise AssertionError("cannot lock js_processed: %r" % line)
        else:
            self.con = sqlite3.connect(s.store_path, isolation_level=None, timeout=10)
            self.con.execute("BEGIN IMMEDIATE")

    def release(self):
        if self.proc is not None:
            try:
                self.proc.stdin.write(b"COMMIT;\n")
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None
        if self.con is not None:
            self.con.execute("ROLLBACK")
            self.con.close()
            self.con = None


class Nats(harness.SluiceTestCase):
    def run(self, result=None):
        if result is None:
            result = self.defaultTestResult()
        self._nats = []
        before = len(result.failures) + len(result.errors)
        try:
            return super().run(result)
        finally:
            if len(result.failures) + len(result.errors) > before:
                for n in self._nats:
                    sys.stderr.write("\n===== nats-server log (%s) =====\n%s\n" % (self.id(), n.saved_log))

    def nats(self):
        n = NatsServer(self.tmp())
        self._nats.append(n)

        def stop():
            n.stop()
            n.saved_log = n.log_tail()  # the directory is gone when the log is printed
        self.addCleanup(stop)
        return n.start()

    def node(self, n, replicas=1, start=True):
        return self.sluice(keys=[KEY], start=start,
                           args=["--nats", n.url, "--nats-replicas", str(replicas),
                                 "--nats-ack-wait", str(ACK_WAIT_S)])

    # ---- helpers ------------------------------------------------------------------------------
    def post_all(self, s, events, what):
        for ev in events:
            self.assertAccepted(s.post_event(ev), s, "%s %s" % (what, ev["event_id"]))
        return [ev["event_id"] for ev in events]

    def assertStoredOnce(self, s, ids, what):
        seen = s.wait_event_ids(ids)
        self.assertEmpty(set(ids) - set(seen), "%s: acknowledged events never stored" % what)
        self.assertEmpty({k: v for k, v in seen.items() if v != 1}, "%s: stored more than once" % what)
        return seen

    def flow_totals(self, s):
        """(received, ingested, failed, duplicates, warnings) summed over the flow's runs, and the
        failed records' codes."""
        total = [0, 0, 0, 0, 0]
        codes = {}
        for run in runs_of(s, s.flow_id):
            for i, v in enumerate(run_counts(run)):
                total[i] += v
            for info in run["metrics"]["recordSummary"].get("failedInfo") or []:
                codes[info["code"]] = codes.get(info["code"], 0) + info["recordCount"]
        return tuple(total), codes

    def readyz(self, s):
        r = s.admin("GET", "/readyz")
        return r.status, r.json()

    # ---- 1, 2: events through JetStream; no local landing log ---------------------------------
    def test_events_resends_refusals_and_batches_go_through_jetstream(self):
        n = self.nats()
        s = self.node(n)
        singles = [make_event(template=t) for t in TEMPLATES[:5]]
        ids = self.post_all(s, singles, "single")
        # a resend (Customer.io retrying) carries the same event_id: JetStream drops it
        self.assertAccepted(s.post_event(singles[0]), s, "resend")
        # a malformed body is refused, and still goes through the stream to be counted as failed
        self.assertProblem(s.post(b'{"event_id": "not closed'), 400, "malformed body")
        batch = [make_event(template=t) for t in TEMPLATES[:3]]
        r = s.post(compact({"messages": [{"body": ev} for ev in batch]}), batch=True)
        self.assertEqual(r.status, 207, r)
        resps = r.json()["responses"]
        self.assertEqual(len(resps), 3, resps)
        for resp in resps:
            self.assertTrue(resp.get("xactionId"), resps)
        ids += [ev["event_id"] for ev in batch]
        seen = self.assertStoredOnce(s, ids, "singles and batch")
        self.assertEqual(sorted(seen), sorted(ids), "rows that were never sent")
        # 5 single events, the refused body and 3 batch messages; not the resend
        self.assertEqual(poll(lambda: n.stream_messages() == 9, what="stream messages"), True,
                         "messages in %s: %r, want 9" % (STREAM, n.stream_messages()))
        want = (9, 8, 1, 0, 0)  # received, ingested, failed, duplicates, warnings

        def counted():
            return self.flow_totals(s)[0] == want
        poll(counted, what="run counts")
        totals, codes = self.flow_totals(s)
        self.assertEqual(totals, want, "run counts (received, ingested, failed, duplicates, warnings)")
        self.assertEqual(codes, {"INGEST-1401-400": 1}, "failed records by code")
        # no local landing log: SQLite keeps only the store in the data directory, PostgreSQL
        # nothing at all (a cluster node on PostgreSQL is stateless)
        files = sorted(os.listdir(s.data_dir))
        self.assertFalse(os.path.exists(s.landing_path), files)
        if harness.STORE == "sqlite":
            self.assertEmpty(set(files) - {"sluice.db", "sluice.db-wal", "sluice.db-shm"},
                             "files besides the store in the data directory")
        else:
            self.assertEqual(files, [], "a stateless node wrote into the data directory")
        m = harness.metric_values(s)
        self.assertEqual(m.get("sluice_nats_connected"), 1.0, "sluice_nats_connected")
        self.assertTrue(poll(lambda: harness.metric_values(s).get("sluice_landing_backlog_events") == 0.0,
                             what="backlog 0"), "sluice_landing_backlog_events after processing")
        self.assertEqual(self.readyz(s), (200, {"status": "ready"}))
        rc, took, killed = s.stop()
        self.assertEqual((rc, killed), (0, False), "exit after SIGTERM (took %.1f s)" % took)

    # ---- 3: nats-server going away and coming back ------------------------------------------------
    def test_nats_server_down_and_back(self):
        n = self.nats()
        s = self.node(n)
        before = self.post_all(s, [make_event(template=TEMPLATES[i % 6]) for i in range(20)], "before")
        # kill -9 right after the acknowledgements, before they are necessarily processed
        n.stop(signal.SIGKILL)

        def not_ready():
            status, body = self.readyz(s)
            return status == 503 and body.get("status") == "not ready" and \
                body.get("checks", {}).get("nats") not in (None, "ok")
        self.assertTrue(poll(not_ready, what="/readyz 503"), "/readyz with nats-server down: %r"
                        % (self.readyz(s),))
        status, body = self.readyz(s)
        print("\n/readyz with nats-server down: %d %s" % (status, json.dumps(body)), file=sys.stderr)
        self.assertEqual(body["checks"].get("store"), "ok", body)
        self.assertEqual(harness.metric_values(s).get("sluice_nats_connected"), 0.0, "sluice_nats_connected")

        refused = make_event()
        t0 = time.monotonic()
        r = s.post_event(refused)
        took = time.monotonic() - t0
        self.assertProblem(r, 503, "POST with nats-server down")
        self.assertTrue((r.headers.get("retry-after") or "").isdigit(), "Retry-After: %r" % r.headers)
        self.assertLess(took, 4.0, "the 503 came after %.1f s (Customer.io gives up after 4 s)" % took)
        print("503 after %.2f s: %s" % (took, r.body.decode()), file=sys.stderr)

        n.start()  # same port, same store directory
        self.assertTrue(poll(lambda: self.readyz(s)[0] == 200, what="/readyz 200"),
                        "/readyz after nats-server came back: %r" % (self.readyz(s),))
        self.assertEqual(harness.metric_values(s).get("sluice_nats_connected"), 1.0)
        after = self.post_all(s, [make_event() for _ in range(10)], "after")
        seen = self.assertStoredOnce(s, before + after, "before and after the outage")
        # A publish that could not go out is not buffered by libnats and sent after the
        # reconnect: an event answered 503 never lands behind the client's back.
        self.assertNotIn(refused["event_id"], seen,
                         "the event answered 503 reached the dataset without being resent")
        # the event refused with 503 is sent again, as Customer.io would: stored once
        self.assertAccepted(s.post_event(refused), s, "resend of the 503")
        seen = self.assertStoredOnce(s, before + after + [refused["event_id"]], "with the resend")
        self.assertEqual(s.ds_count(), len(seen))
        self.assertTrue(s.running(), "sluice exited while nats-server was away")

    # ---- 4: kill -9 of sluice right after a burst -------------------------------------------------
    def burst(self, s, count, threads=8):
        """`count` distinct signed events from `threads` connections as fast as they go; returns
        the acknowledged event ids."""
        path = s.collect_path()
        bodies = [compact(make_event(template=TEMPLATES[i % len(TEMPLATES)])) for i in range(count)]
        acked = []
        lock = threading.Lock()

        def worker(part):
            conn = httpclient.HTTPConnection("127.0.0.1", s.collect_port, timeout=15)
            try:
                for body in part:
                    conn.request("POST", path, body=body, headers=signed_headers(KEY, body))
                    r = conn.getresponse()
                    r.read()
                    if r.status == 200:
                        with lock:
                            acked.append(json.loads(body)["event_id"])
            finally:
                conn.close()

        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            for f in [pool.submit(worker, bodies[i::threads]) for i in range(threads)]:
                f.result()
        return acked

    def wait_drained(self, s, count):
        """Wait until the backlog is empty and the flow's runs count `count` events received."""
        def drained():
            m = harness.metric_values(s)
            return m.get("sluice_landing_backlog_events") == 0.0 and self.flow_totals(s)[0][0] >= count
        poll(drained, what="backlog 0 and every event counted")

    def test_kill9_after_burst_stores_and_counts_each_event_once(self):
        n = self.nats()
        s = self.node(n)
        ds = s.dataset_id()
        flow = s.flow_id
        count = 400
        acked = self.burst(s, count)
        s.kill9()  # at once: the processor is likely between its fetch and its ack
        self.assertEqual(len(acked), count, "not every event of the burst was acknowledged")
        at_kill = s.ds_count(ds)
        s.start()
        self.assertEqual(s.flow_id, flow)
        seen = self.assertStoredOnce(s, acked, "after kill -9 and restart")
        self.assertEqual(sorted(seen), sorted(acked), "rows that were never sent")
        self.wait_drained(s, count)
        # past another ack wait: a late redelivery would show now
        time.sleep(ACK_WAIT_S + 1)
        totals, _ = self.flow_totals(s)
        m = harness.metric_values(s)
        print("\nburst %d, rows at kill %d, redelivered after the restart %d, runs %r"
              % (count, at_kill, m.get("sluice_pipeline_redelivered_total", -1), totals), file=sys.stderr)
        self.assertEqual(m.get("sluice_landing_backlog_events"), 0.0, "backlog after the restart")
        self.assertEqual(totals, (count, count, 0, 0, 0),
                         "run counts (received, ingested, failed, duplicates, warnings) after kill -9")
        self.assertEqual(s.ds_count(ds), count)

    def test_kill9_between_commit_and_ack(self):
        """The window js_processed is for, made certain: the processor has fetched events and
        cannot commit them (the store's write lock is held); nats-server dies; the lock goes and
        the batch commits, but its ack cannot reach a server; sluice is killed. After both come
        back JetStream redelivers that batch, and sluice only acknowledges it."""
        n = self.nats()
        s = self.node(n)
        ds = s.dataset_id()
        count = 100
        lock = StoreWriteLock(s)
        try:
            acked = self.burst(s, count)
            self.assertEqual(len(acked), count, "not every event of the burst was acknowledged")
            self.assertTrue(poll(lambda: n.ack_pending() > 0, what="a batch fetched"),
                            "the processor fetched nothing while the store was locked")
            self.assertEqual(s.ds_count(ds), 0, "committed through the lock")
            n.stop(signal.SIGKILL)
        finally:
            lock.release()
        self.assertTrue(poll(lambda: s.ds_count(ds) > 0, what="the fetched batch committed"),
                        "the fetched batch was not committed after the lock went")
        time.sleep(0.3)  # the ack attempt fails (no server); let a late commit finish too
        s.kill9()
        committed = s.ds_count(ds)
        n.start()
        s.start()
        seen = self.assertStoredOnce(s, acked, "after the redelivery")
        self.assertEqual(sorted(seen), sorted(acked), "rows that were never sent")
        self.wait_drained(s, count)
        totals, _ = self.flow_totals(s)
        redelivered = harness.metric_values(s).get("sluice_pipeline_redelivered_total", -1)
        print("\ncommitted before the kill %d, redelivered and only acknowledged %d, runs %r"
              % (committed, redelivered, totals), file=sys.stderr)
        self.assertEqual(redelivered, committed, "redelivered events recognised as processed")
        self.assertEqual(totals, (count, count, 0, 0, 0),
                         "run counts (received, ingested, failed, duplicates, warnings) after the redelivery")
        self.assertEqual(s.ds_count(ds), count)

    # ---- 5, 6: what cluster mode does not do ------------------------------------------------------
    def tail(self, s, flow, last_id=None):
        """The live tail's events: [(id, data)]."""
        h = {"Accept": "text/event-stream"}
        if last_id is not None:
            h["Last-Event-ID"] = str(last_id)
        r = s.admin("GET", "%s/flows/%s/tail" % (FLOWSERVICE, flow), headers=h)
        self.assertEqual(r.status, 200, r)
        text = r.body.decode()
        self.assertTrue(text.startswith("retry: 1000"), text[:80])
        out = []
        for block in text.split("\n\n"):
            fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
            if fields.get("event") == "landed":
                out.append((int(fields["id"]), json.loads(fields["data"])))
        return out

    def test_replay_is_501_tail_reads_jetstream_and_a_replica_mismatch_refuses_to_start(self):
        n = self.nats()
        s = self.node(n)
        flow = s.flow_id
        now = int(time.time() * 1000)
        replay = "%s/flows/%s/action?op=replay&from=%d" % (FLOWSERVICE, flow, now - 60000)
        j = self.assertProblem(s.admin("POST", replay), 501, "replay")
        print("\nreplay: %s" % json.dumps(j), file=sys.stderr)

        # The live tail reads the stream: nothing yet, then the newest 20 oldest first with their
        # stream sequence as id, then only what came after Last-Event-ID (refused events too).
        self.assertEqual(self.tail(s, flow), [])
        events = [make_event() for _ in range(25)]
        self.post_all(s, events, "for the tail")
        r = s.post(b"not json")
        self.assertEqual(r.status, 400, r)
        newest = self.tail(s, flow)
        self.assertEqual(len(newest), 20, newest)
        ids = [i for i, _ in newest]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual([d["body"]["event_id"] for _, d in newest[:-1]],
                         [e["event_id"] for e in events[-19:]])
        self.assertEqual(newest[-1][1]["status"], "refused")
        self.assertEqual(newest[-1][1]["detail"]["code"], "INGEST-1401-400")
        after = self.tail(s, flow, last_id=ids[-3])
        self.assertEqual([i for i, _ in after], ids[-2:])
        self.assertEqual(self.tail(s, flow, last_id=ids[-1]), [])

        other = self.node(n, replicas=3, start=False)
        other.start(wait=False)
        try:
            rc = other.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        other.stop()
        log = other.log_tail()
        self.assertIsNotNone(rc, "a node wanting 3 replicas of a 1-replica stream kept running\n" + log)
        self.assertNotEqual(rc, 0, log)
        self.assertIn("replicas is 1 (want 3)", log)
        # the stream was left alone: the first node still lands and stores
        self.assertEqual(self.readyz(s), (200, {"status": "ready"}))
        self.assertStoredOnce(s, self.post_all(s, [make_event()], "after the refused node"), "after")


if __name__ == "__main__":
    if nats_server_bin() is None:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            sys.stderr.write("FAIL: nats-server not found and CI=true\n")
            sys.exit(1)
        sys.stderr.write("SKIP: nats-server not found (apt-get install nats-server)\n")
        sys.exit(77)
    harness.main()
