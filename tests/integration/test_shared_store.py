#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Two sluice nodes on one PostgreSQL store, each with its own data directory (landing log):
a catalog change made through one node's API reaches the other within a second (PostgreSQL
LISTEN/NOTIFY; printed), each node's processor keeps its own cursor, and an event sent to both
is stored once. PostgreSQL only (the SQLite run skips with 77)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_event  # noqa: E402

FLOWS = "/data/foundation/flowservice/flows"


class SharedStore(harness.SluiceTestCase):
    def nodes(self):
        a = self.sluice()
        url = harness.store_url(a.data_dir)
        b = self.sluice(args=["--store", url])
        return a, b

    def set_state(self, node, flow_id, op):
        r = node.admin("POST", "%s/%s/action?op=%s" % (FLOWS, flow_id, op))
        self.assertEqual(r.status, 200, r)

    def test_catalog_change_reaches_the_other_node(self):
        a, b = self.nodes()
        flow = a.flow_id
        self.assertEqual(b.flow_id, flow, "the second node created a flow of its own")
        self.assertAccepted(b.post_event(make_event()), b, "before")
        worst = 0.0
        for op, want in (("disable", 404), ("enable", 200), ("disable", 404), ("enable", 200)):
            t0 = time.monotonic()
            self.set_state(a, flow, op)

            def reached():
                return b.post_event(make_event()).status == want
            self.assertTrue(harness.poll(reached, limit=10, interval=0.02, what="%s on node b" % op))
            took = time.monotonic() - t0
            worst = max(worst, took)
            print("catalog change %s reached the other node in %.0f ms" % (op, took * 1000))
        # The target is under a second; the assertion leaves room for a loaded CI machine.
        self.assertLess(worst, 5.0, "a catalog change took %.1f s to reach the other node" % worst)

    def test_failed_reload_is_retried(self):
        """A node whose catalog reload fails (the store refuses it midway) keeps its snapshot and
        tries again at the next poll, so it still learns a change it was told about once."""
        a, b = self.nodes()
        flow = a.flow_id
        self.assertAccepted(b.post_event(make_event()), b, "before")
        # The documents' column goes away (change detection reads other columns), the flow is
        # disabled behind sluice's back, and every node is told: their reloads fail.
        a.store_rows("ALTER TABLE catalog RENAME COLUMN doc TO doc_hidden")
        a.store_rows("UPDATE catalog SET doc_hidden = jsonb_set(doc_hidden::jsonb, '{state}', "
                     "'\"disabled\"')::text, updated_ms = updated_ms + 1 WHERE kind = 'flow' AND id = ?",
                     (flow,))
        a.store_rows("NOTIFY sluice_catalog, 'test'")
        harness.poll(lambda: "cannot reload the catalog" in b.log_tail(), what="node b's failed reload")
        self.assertAccepted(b.post_event(make_event()), b, "the old snapshot stays while reloads fail")
        a.store_rows("ALTER TABLE catalog RENAME COLUMN doc_hidden TO doc")
        for node in (a, b):
            self.assertTrue(harness.poll(lambda: node.post_event(make_event()).status == 404, limit=10,
                                         interval=0.1, what="the disabled flow on %s" % node.name))

    def test_each_node_processes_its_own_landing_log(self):
        a, b = self.nodes()
        ids_a = [make_event() for _ in range(5)]
        ids_b = [make_event() for _ in range(7)]
        for ev in ids_a:
            self.assertAccepted(a.post_event(ev), a, "a")
        for ev in ids_b:
            self.assertAccepted(b.post_event(ev), b, "b")
        both = make_event()
        self.assertAccepted(a.post_event(both), a, "both on a")
        self.assertAccepted(b.post_event(both), b, "both on b")
        want = [e["event_id"] for e in ids_a + ids_b] + [both["event_id"]]
        seen = a.wait_event_ids(want)  # node a's helpers read the shared store
        self.assertEqual(sorted(seen), sorted(want))
        self.assertEqual({k: v for k, v in seen.items() if v != 1}, {}, "stored more than once")
        rows = a.store_rows("SELECT name FROM cursors ORDER BY name")
        names = [r[0] for r in rows]
        self.assertEqual(len([n for n in names if n.startswith("processor:")]), 2, names)


if __name__ == "__main__":
    harness.main(stores=("postgres",))
