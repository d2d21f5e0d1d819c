#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every Customer.io sample through the collect endpoint, signed: the answers, one dataset row per
event_id, the mapped records, the raw bytes in the landing log, and dedupe of resends."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import compact, iso_utc, ISO_Z_RE  # noqa: E402

KEY1 = "k1-" + os.urandom(16).hex()
KEY2 = "k2-" + os.urandom(16).hex()


class CollectSamples(harness.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = cls.class_sluice(keys=[KEY1, KEY2])
        cls.samples = []  # (relative name, event dict, bytes sent, response)
        base = harness.cio_dir()
        for path in harness.sample_files():
            with open(path, "rb") as f:
                ev = json.loads(f.read().decode("utf-8"))
            body = compact(ev)
            r = cls.s.post(body, key=KEY1)
            cls.samples.append((os.path.relpath(path, base), ev, body, r))
        cls.posted_ids = [ev["event_id"] for _, ev, _, _ in cls.samples]
        cls.extra_ids = set()  # events posted by the tests below

    def wait_all(self):
        return self.s.wait_event_ids(set(self.posted_ids))

    def record(self, event_id):
        rec = self.s.ds_record(event_id)
        self.assertIsNotNone(rec, "no dataset row for %s" % event_id)
        return rec

    def sample(self, name):
        for n, ev, body, r in self.samples:
            if n == name:
                return ev, body, r
        raise KeyError(name)

    # -------------------------------------------------------------------------------------------
    def test_a_sample_set(self):
        """82 events: 69 pairs + 2 special files + 11 variants; their event ids are distinct."""
        self.assertEqual(len(self.samples), 82, [n for n, _, _, _ in self.samples])
        self.assertEqual(len(set(self.posted_ids)), len(self.posted_ids), "samples share an event_id")

    def test_b_every_sample_accepted(self):
        xids = set()
        for name, ev, body, r in self.samples:
            j = self.assertAccepted(r, self.s, name)
            xids.add(j["xactionId"])
        self.assertEqual(len(xids), len(self.samples), "xactionIds are not distinct")

    def test_c_one_row_per_event(self):
        seen = self.wait_all()
        want = set(self.posted_ids) | self.extra_ids
        missing = set(self.posted_ids) - set(seen)
        self.assertEmpty(missing, "never stored")
        self.assertEqual(set(seen), want, "dataset has event ids that were not posted")
        dup = {k: v for k, v in seen.items() if v != 1}
        self.assertEmpty(dup, "event ids stored more than once")
        self.assertEqual(self.s.ds_count(), len(want))
        # system columns: _id = event_id, _flow_id = the flow, _ingested_ms set
        rows = self.s.ds_query("SELECT _id, event_id, _flow_id, _ingested_ms, timestamp FROM {ds}")
        for _id, eid, flow, ing, ts in rows:
            self.assertEqual(_id, eid)
            self.assertEqual(flow, self.s.flow_id)
            self.assertIsInstance(ing, int)
            self.assertIsNotNone(ts, eid)

    def test_d_mapped_records(self):
        """Every sample: object_type, metric, event_id, _id, ISO timestamp, person ids, identityMap."""
        self.wait_all()
        for name, ev, body, r in self.samples:
            with self.subTest(sample=name):
                rec = self.record(ev["event_id"])
                self.assertEqual(rec.get("event_id"), ev["event_id"])
                self.assertEqual(rec.get("_id"), ev["event_id"])
                self.assertEqual(rec.get("object_type"), ev["object_type"])
                self.assertEqual(rec.get("metric"), ev["metric"])
                self.assertIsInstance(rec.get("timestamp"), str)
                self.assertRegex(rec["timestamp"], ISO_Z_RE)
                self.assertEqual(rec["timestamp"], iso_utc(ev["timestamp"]))
                ids = ev["data"].get("identifiers") or {}
                imap = rec.get("identityMap") or {}
                self.assertIsInstance(imap, dict)
                if ids.get("email"):
                    self.assertEqual(rec.get("email"), ids["email"])
                    self.assertIn("Email", imap, rec)
                    self.assertIn(ids["email"].strip().lower(), [i.get("id") for i in imap["Email"]])
                if ids.get("cio_id"):
                    self.assertEqual(rec.get("cio_id"), ids["cio_id"])
                    self.assertIn("CIOID", imap, rec)
                    self.assertIn(ids["cio_id"], [i.get("id") for i in imap["CIOID"]])
                else:
                    self.assertIsNone(rec.get("cio_id"), "cio_id without data.identifiers.cio_id")
                    self.assertFalse(imap.get("CIOID"), "CIOID identity without a cio_id: %r" % imap)
                if ids.get("id"):
                    self.assertEqual(rec.get("id"), ids["id"])
                    self.assertIn("CIOCustomerId", imap, rec)
                    self.assertIn(ids["id"], [i.get("id") for i in imap["CIOCustomerId"]])
                else:
                    self.assertFalse(rec.get("id"), "id without data.identifiers.id: %r" % rec.get("id"))
                    self.assertFalse(imap.get("CIOCustomerId"), "CIOCustomerId without an id: %r" % imap)
                if ev["data"].get("delivery_id"):
                    self.assertEqual(rec.get("delivery_id"), ev["data"]["delivery_id"])
                for ns, entries in imap.items():
                    self.assertIsInstance(entries, list, ns)
                    for e in entries:
                        self.assertIsInstance(e.get("id"), str, (ns, e))
                        self.assertTrue(e["id"], "empty identity in %s: %r" % (ns, imap))

    def test_e_known_values(self):
        """Spot checks with literal expected values (not derived from the sample by the same code)."""
        self.wait_all()
        rec = self.record("01KDWQ3JDZE1V4FHPK0C4C5522")  # email_delivered.json
        self.assertEqual(rec["timestamp"], "2026-01-01T12:04:19Z")
        self.assertEqual((rec["object_type"], rec["metric"]), ("email", "delivered"))
        self.assertEqual((rec.get("id"), rec.get("email"), rec.get("cio_id")), ("42", "jane.doe@example.com", "d9c106000001"))
        self.assertEqual(rec.get("delivery_id"), "RPILAqLbgxWKzJxMrkN8EU297qZ8")
        self.assertEqual([i["id"] for i in rec["identityMap"]["Email"]], ["jane.doe@example.com"])
        self.assertEqual([i["id"] for i in rec["identityMap"]["CIOID"]], ["d9c106000001"])
        self.assertEqual([i["id"] for i in rec["identityMap"]["CIOCustomerId"]], ["42"])
        # test-mode event: 2020 timestamp, identifiers {id} only -> no cio_id
        tm = self.record("01E4C4G1S0AMNG0XVF2M7RPH5S")
        self.assertEqual(tm["timestamp"], "2020-03-26T19:18:25Z")
        self.assertEqual(tm.get("id"), "0200102")
        self.assertIsNone(tm.get("cio_id"))
        self.assertFalse((tm.get("identityMap") or {}).get("CIOID"))
        # email-only person: identifiers.id null, customer_id ""
        eo = self.record("01KDWSHFNC1T40H8CCZA89CESX")
        self.assertEqual((eo["object_type"], eo["metric"]), ("customer", "subscribed"))
        self.assertEqual(eo.get("cio_id"), "d9c106000002")
        self.assertEqual([i["id"] for i in eo["identityMap"]["Email"]], ["lead@example.com"])

    def test_f_delivery_fields(self):
        """data.* delivery fields are carried into the record when present."""
        self.wait_all()
        ev, _, _ = self.sample("email_clicked.json")
        rec = self.record(ev["event_id"])
        for f in ("delivery_id", "campaign_id", "action_id", "journey_id", "recipient", "subject", "href", "link_id"):
            self.assertIn(f, rec, "field %s missing from %r" % (f, rec))
            self.assertEqual(str(rec[f]), str(ev["data"][f]), f)
        ev, _, _ = self.sample("email_bounced.json")
        rec = self.record(ev["event_id"])
        self.assertEqual(rec.get("failure_message"), ev["data"]["failure_message"])
        ev, _, _ = self.sample("test_mode_event.json")
        rec = self.record(ev["event_id"])
        self.assertEqual(str(rec.get("broadcast_id")), "9")

    def test_g_landing_bytes(self):
        """landing.db keeps each body exactly as sent, under its flow and xactionId."""
        rows = self.s.landing_rows()
        by_x = {r[3]: r for r in rows}
        for name, ev, body, r in self.samples:
            with self.subTest(sample=name):
                self.assertEqual(r.status, 200)
                x = r.json()["xactionId"]
                self.assertIn(x, by_x, "no landing row with xaction_id %s" % x)
                seq, flow, received_ms, xid, lbody = by_x[x]
                self.assertEqual(bytes(lbody), body)
                self.assertEqual(flow, self.s.flow_id)
                self.assertIsInstance(received_ms, int)

    def test_h_email_identity_normalised(self):
        """The Email identity is lower-cased and trimmed."""
        ev = harness.make_event(identifiers={"cio_id": "d9c1060000ff", "email": "  Mixed.Case@Example.COM ", "id": "77"})
        self.assertAccepted(self.s.post_event(ev, key=KEY2), self.s, "signed with the second key")
        type(self).extra_ids.add(ev["event_id"])
        self.s.wait_event_ids([ev["event_id"]])
        rec = self.record(ev["event_id"])
        self.assertEqual([i["id"] for i in rec["identityMap"]["Email"]], ["mixed.case@example.com"])

    def test_z_resend_is_deduplicated(self):
        """Resending every sample: 200 each, landed again, but no second dataset row. A fresh event
        posted after the resends must appear: the pipeline processes the landing log in order, so
        by then every resend has been handled."""
        self.wait_all()
        before = self.s.ds_event_ids()
        self.assertTrue(set(self.posted_ids).issubset(before))
        landing_before = self.s.landing_count()
        for name, ev, body, _ in self.samples:
            # a resend carries a new X-CIO-Timestamp and so a new signature, the same body
            r = self.s.post(body, key=KEY1, timestamp=int(time.time()) + 1)
            self.assertAccepted(r, self.s, "resend of " + name)
        self.assertEqual(self.s.landing_count(), landing_before + len(self.samples),
                         "every acknowledged resend is in the landing log")
        sentinel = harness.make_event()
        self.assertAccepted(self.s.post_event(sentinel), self.s, "sentinel")
        after = self.s.wait_event_ids([sentinel["event_id"]])
        self.assertIn(sentinel["event_id"], after, "the event after the resends never arrived")
        type(self).extra_ids.add(sentinel["event_id"])
        dup = {k: v for k, v in after.items() if v != 1}
        self.assertEmpty(dup, "stored twice")
        self.assertEqual(set(after), set(before) | {sentinel["event_id"]})
        self.assertEqual(self.s.ds_count(), len(before) + 1)
        # the preview (newest first, at most 100) shows no duplicate either
        ds = self.s.dataset_id()
        prev = self.s.admin_json("/data/foundation/export/datasets/%s/preview" % ds)["data"]
        ids = [p.get("event_id") for p in prev]
        self.assertEqual(len(ids), len(set(ids)), "duplicate records in preview")
        self.assertEqual(len(prev), min(100, len(before) + 1))
        self.assertEqual(prev[0].get("event_id"), sentinel["event_id"], "newest first")


if __name__ == "__main__":
    harness.main()
