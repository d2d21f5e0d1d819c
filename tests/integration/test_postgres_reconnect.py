#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The PostgreSQL store survives losing its server: connections cut under a running sluice, and
the server crashing and coming back. Acknowledged events are landed locally either way, so every
one ends up in the dataset exactly once, and the admin API answers again without a restart of
sluice. PostgreSQL only (the SQLite run skips with 77)."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_event  # noqa: E402

FLOWS = "/data/foundation/flowservice/flows"


class PostgresReconnect(harness.SluiceTestCase):
    def post_and_store(self, s, n=3):
        evs = [make_event() for _ in range(n)]
        for ev in evs:
            self.assertAccepted(s.post_event(ev), s, ev["event_id"])
        return [ev["event_id"] for ev in evs]

    def assert_stored_once(self, s, ids):
        seen = s.wait_event_ids(ids)
        self.assertEmpty(set(ids) - set(seen), "acknowledged events never stored")
        self.assertEmpty({k: v for k, v in seen.items() if v != 1}, "stored more than once")

    def test_connections_cut(self):
        s = self.sluice()
        before = self.post_and_store(s)
        self.assert_stored_once(s, before)
        for _ in range(4):  # fill the read pool
            self.assertEqual(s.admin("GET", FLOWS).status, 200)
        harness.pg_server().terminate_connections(s.store_url)
        # a read right after the cut: the dead pooled connection is replaced, no error shows
        r = s.admin("GET", FLOWS)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json()["items"]), 1)
        after = self.post_and_store(s)
        self.assert_stored_once(s, before + after)
        self.assertEqual(s.ds_count(), len(before + after))
        data = s.admin_json("/data/foundation/export/datasets/%s/preview?limit=1" % s.dataset_id())["data"]
        self.assertEqual([d.get("event_id") for d in data], [after[-1]], "preview after reconnect")

    def test_server_crash_and_return(self):
        s = self.sluice()
        pg = harness.pg_server()
        before = self.post_and_store(s)
        self.assert_stored_once(s, before)
        flow = s.flow_id
        pg.pause()
        try:
            # the collect side lands locally: events are still acknowledged
            during = self.post_and_store(s)
            r = s.admin("GET", FLOWS)
            self.assertGreaterEqual(r.status, 400, "the catalog was read from a stopped server: %r" % r)
            self.assertTrue(r.content_type.startswith("application/problem+json"), r)
        finally:
            pg.resume()
        back = harness.poll(lambda: s.admin("GET", FLOWS).status == 200, what="admin API back")
        self.assertTrue(back, "the admin API did not recover after the server came back")
        r = s.admin("GET", FLOWS)
        self.assertEqual([f["id"] for f in r.json()["items"]], [flow])
        after = self.post_and_store(s)
        self.assert_stored_once(s, before + during + after)
        self.assertEqual(s.ds_count(), len(before + during + after))
        self.assertTrue(s.running(), "sluice exited while the store was away")

    def test_keys_unverifiable_is_503(self):
        """With API keys in a store that does not answer, the admin API says "try again" (503
        with Retry-After), not "your key is wrong" (401), and /readyz says not ready."""
        s = self.sluice(start=False)
        key = subprocess.run([harness.sluice_bin(), "keys", "create", "--name", "ops", "--data", s.data_dir]
                             + harness.store_args(s.data_dir), capture_output=True, text=True, timeout=20,
                             stdin=subprocess.DEVNULL).stdout.strip()
        self.assertTrue(key.startswith("sk_"), key)
        s.start()
        auth = {"Authorization": "Bearer " + key}
        self.assertEqual(s.admin("GET", FLOWS, headers=auth).status, 200)
        pg = harness.pg_server()
        pg.pause()
        try:
            r = s.admin("GET", FLOWS, headers=auth)
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.headers.get("retry-after"), "5", r)
            self.assertTrue(r.content_type.startswith("application/problem+json"), r)
            self.assertEqual(s.admin("GET", "/readyz").status, 503)
        finally:
            pg.resume()
        self.assertTrue(harness.poll(lambda: s.admin("GET", FLOWS, headers=auth).status == 200,
                                     what="admin API back"))


if __name__ == "__main__":
    harness.main(stores=("postgres",))
