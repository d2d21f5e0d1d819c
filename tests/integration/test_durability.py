#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An acknowledged event survives kill -9: a burst of signed events from 16 threads, SIGKILL right
after the last answer (or in the middle of the burst), restart on the same data directory, and every
acknowledged event_id ends up in the dataset exactly once."""

import concurrent.futures
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import compact, make_event, signed_headers  # noqa: E402

KEY = "durable-" + os.urandom(16).hex()
THREADS = 16
PER_THREAD = 200  # 3200 events
TEMPLATES = ["email_delivered.json", "email_opened.json", "push_sent.json", "sms_sent.json",
             "customer_subscribed.json", "webhook_clicked.json", "in_app_opened.json", "whatsapp_delivered.json",
             "email_sent_with_body_content.json"]


class Durability(harness.SluiceTestCase):
    def burst(self, s, kill_after=None, sig=9):
        """Send THREADS x PER_THREAD distinct signed events. Returns (sent, acked, statuses, seconds).
        With kill_after, SIGKILL sluice as soon as that many events are acknowledged (the others
        are in flight or not sent yet); otherwise SIGKILL right after the last answer. sig=15 sends
        SIGTERM instead (and waits up to 10 s for the exit)."""
        path = s.collect_path()
        port = s.collect_port
        events = [[compact(make_event(template=TEMPLATES[(t * PER_THREAD + i) % len(TEMPLATES)]))
                   for i in range(PER_THREAD)] for t in range(THREADS)]
        acked = set()
        sent = set()
        statuses = {}
        lock = threading.Lock()
        start = threading.Barrier(THREADS)
        killed = threading.Event()

        def kill():
            if not killed.is_set():
                killed.set()
                if sig == 9:
                    s.kill9()
                else:
                    s.stop(sig, timeout=10)

        def worker(bodies):
            conn = None
            start.wait()
            for body in bodies:
                if killed.is_set():
                    break
                eid = json.loads(body)["event_id"]
                with lock:
                    sent.add(eid)
                for attempt in range(3):
                    try:
                        if conn is None:
                            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
                        conn.request("POST", path, body=body, headers=signed_headers(KEY, body))
                        r = conn.getresponse()
                        data = r.read()
                        n = None
                        with lock:
                            statuses[r.status] = statuses.get(r.status, 0) + 1
                            if r.status == 200 and json.loads(data).get("xactionId"):
                                acked.add(eid)
                                n = len(acked)
                        if kill_after is not None and n == kill_after:
                            kill()
                        if (r.getheader("connection") or "").lower() == "close":
                            conn.close()
                            conn = None
                        break
                    except (OSError, http.client.HTTPException, ValueError):
                        if conn is not None:
                            conn.close()
                        conn = None
                        if killed.is_set():
                            break
            if conn is not None:
                conn.close()

        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
            for f in [pool.submit(worker, b) for b in events]:
                f.result()
        # the last answer is in: kill at once, the pipeline may still be working
        kill()
        took = time.monotonic() - t0
        if sig == 9:
            self.assertEqual(s.returncode, -9, "sluice was not running any more when killed")
        return sent, acked, statuses, took

    def check_after_restart(self, s, ds, sent, acked):
        # every acknowledged event is in the landing log (durable before the answer)
        landed = set()
        for row in s.landing_rows():
            try:
                landed.add(json.loads(bytes(row[4]))["event_id"])
            except (ValueError, KeyError):
                pass
        self.assertEmpty(acked - landed, "acknowledged events not in landing.db after kill -9")
        # restart on the same data dir: the pipeline catches up
        s.start()
        seen = s.wait_event_ids(acked)
        stored = set(seen)
        print("after restart: stored %d distinct, %d rows" % (len(stored), sum(seen.values())), file=sys.stderr)
        self.assertEmpty(acked - stored, "acknowledged events never stored")
        self.assertEmpty({k: v for k, v in seen.items() if v != 1}, "stored more than once")
        self.assertEmpty(stored - sent, "rows that were never sent")
        self.assertEqual(s.ds_count(ds), len(stored))
        items = s.admin_json("/data/foundation/flowservice/flows")["items"]
        self.assertEqual(len(items), 1, "a restart after kill -9 created another flow")

    def test_kill9_after_last_ack(self):
        s = self.sluice(keys=[KEY])
        ds = s.dataset_id()  # looked up while the admin API runs; the table is read after the kill
        sent, acked, statuses, took = self.burst(s)
        print("\nsent %d, acked %d, statuses %r, burst %.2fs, rows at kill time %d"
              % (len(sent), len(acked), statuses, took, s.ds_count(ds)), file=sys.stderr)
        self.assertEqual(len(sent), THREADS * PER_THREAD)
        self.assertGreaterEqual(len(acked), 2000, "too few acknowledgements to mean anything: %r" % statuses)
        self.check_after_restart(s, ds, sent, acked)

    def test_kill9_mid_burst(self):
        """kill -9 while requests are in flight: what was acknowledged is kept, nothing twice."""
        s = self.sluice(keys=[KEY])
        ds = s.dataset_id()
        sent, acked, statuses, took = self.burst(s, kill_after=THREADS * PER_THREAD // 2)
        print("\nsent %d, acked %d, statuses %r, burst %.2fs, rows at kill time %d"
              % (len(sent), len(acked), statuses, took, s.ds_count(ds)), file=sys.stderr)
        self.assertGreaterEqual(len(acked), THREADS * PER_THREAD // 2)
        self.check_after_restart(s, ds, sent, acked)


    def test_sigterm_mid_burst(self):
        """SIGTERM while requests are in flight: sluice drains and exits 0 within 10 s, and what it
        acknowledged is stored (after a restart at the latest)."""
        s = self.sluice(keys=[KEY])
        ds = s.dataset_id()
        sent, acked, statuses, took = self.burst(s, kill_after=THREADS * PER_THREAD // 2, sig=15)
        print("\nsent %d, acked %d, statuses %r, burst %.2fs, exit %r, rows at exit %d"
              % (len(sent), len(acked), statuses, took, s.returncode, s.ds_count(ds)), file=sys.stderr)
        rc = s.returncode
        self.assertGreaterEqual(len(acked), THREADS * PER_THREAD // 2)
        self.check_after_restart(s, ds, sent, acked)
        self.assertEqual(rc, 0, "exit status after SIGTERM (-9: had to be killed after 10 s, -6: abort)")

    def test_sigterm_with_open_connections(self):
        """SIGTERM with a kept-alive connection open and a request half received: the request whose
        headers came before the signal is answered and stored; a new request on the kept-alive
        connection gets 503 with Retry-After and Connection: close; sluice then exits 0."""
        s = self.sluice(keys=[KEY])
        path, port = s.collect_path(), s.collect_port
        keep = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        first = compact(make_event())
        keep.request("POST", path, body=first, headers=signed_headers(KEY, first))
        r = keep.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        self.assertNotEqual((r.getheader("connection") or "").lower(), "close")

        # headers now, body later: "100 Continue" proves sluice took the request in
        slow_body = compact(make_event())
        head = "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n" \
               "Content-Length: %d\r\nExpect: 100-continue\r\n" % (path, port, len(slow_body))
        for k, v in signed_headers(KEY, slow_body).items():
            if k.lower() != "content-type":
                head += "%s: %s\r\n" % (k, v)
        slow = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.addCleanup(slow.close)
        slow.sendall((head + "\r\n").encode())
        self.assertTrue(slow.recv(4096).startswith(b"HTTP/1.1 100"), "no 100 Continue")

        os.kill(s.proc.pid, signal.SIGTERM)
        harness.poll(lambda: "shutting down" in s.log_tail(), what="the shutdown log line")

        second = compact(make_event())
        keep.request("POST", path, body=second, headers=signed_headers(KEY, second))
        r = keep.getresponse()
        problem = json.loads(r.read())
        self.assertEqual(r.status, 503, problem)
        self.assertEqual(r.getheader("content-type"), "application/problem+json")
        self.assertEqual(problem["status"], 503)
        self.assertIn("shutting down", problem["detail"])
        self.assertEqual(r.getheader("retry-after"), "5")
        self.assertEqual((r.getheader("connection") or "").lower(), "close")
        keep.close()

        slow.sendall(slow_body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = slow.recv(4096)
            if not chunk:
                break
            answer += chunk
        self.assertTrue(answer.startswith(b"HTTP/1.1 200"), answer[:200])
        self.assertIn(b"connection: close", answer.lower())

        try:
            s.proc.wait(timeout=10)  # no second signal: that one means "exit now" (130)
        except subprocess.TimeoutExpired:
            self.fail("sluice did not exit within 10 s of SIGTERM")
        rc, _, _ = s.stop()
        self.assertEqual(rc, 0)
        s.start()
        ids = [json.loads(first)["event_id"], json.loads(slow_body)["event_id"]]
        seen = s.wait_event_ids(set(ids))
        self.assertEqual(sorted(seen), sorted(ids))
        self.assertNotIn(json.loads(second)["event_id"], seen)


if __name__ == "__main__":
    harness.main()
