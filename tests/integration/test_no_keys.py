#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Without signing keys, unsigned events are accepted and land; signed ones (any key) too. With keys
from SLUICE_CIO_SIGNING_KEYS the check applies again."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import compact, make_event  # noqa: E402


class NoKeys(harness.SluiceTestCase):
    def test_unsigned_and_signed_accepted(self):
        s = self.sluice()  # no --cio-signing-keys
        unsigned = make_event()
        body_u = compact(unsigned)
        r = s.post(body_u, key=None)
        j = self.assertAccepted(r, s, "unsigned, no keys configured")
        signed = make_event(template="sms_delivered.json")
        self.assertAccepted(s.post_event(signed, key="some-key-sluice-does-not-know"), s, "signed, no keys configured")
        garbage = make_event(template="push_opened.json")
        self.assertAccepted(s.post_event(garbage, key=None, headers={"X-CIO-Signature": "nonsense", "X-CIO-Timestamp": "1"}),
                            s, "garbage signature, no keys configured")
        ids = [unsigned["event_id"], signed["event_id"], garbage["event_id"]]
        seen = s.wait_event_ids(ids)
        for eid in ids:
            self.assertEqual(seen.get(eid), 1, "event %s: %r" % (eid, seen.get(eid)))
        rows = s.landing_rows("xaction_id = ?", (j["xactionId"],))
        self.assertEqual(len(rows), 1)
        self.assertEqual(bytes(rows[0][4]), body_u)
        rec = s.ds_record(unsigned["event_id"])
        self.assertEqual((rec["object_type"], rec["metric"]), ("email", "delivered"))
        rec = s.ds_record(signed["event_id"])
        self.assertEqual((rec["object_type"], rec["metric"]), ("sms", "delivered"))
        # the other refusals still apply without keys
        self.assertProblem(s.post(b"[1]", key=None), 400, "array body, no keys")
        self.assertProblem(s.post(body_u, key=None, content_type="text/html"), 415, "text/html, no keys")

    def test_keys_from_environment(self):
        key = "env-key-" + os.urandom(8).hex()
        s = self.sluice(env={"SLUICE_CIO_SIGNING_KEYS": key + ",second-" + key})
        ev = make_event()
        self.assertProblem(s.post_event(ev, key=None), 401, "unsigned with SLUICE_CIO_SIGNING_KEYS set")
        self.assertProblem(s.post_event(ev, key="wrong"), 401, "wrong key with SLUICE_CIO_SIGNING_KEYS set")
        self.assertAccepted(s.post_event(ev, key=key), s, "first env key")
        ev2 = make_event()
        self.assertAccepted(s.post_event(ev2, key="second-" + key), s, "second env key")
        s.wait_event_ids([ev["event_id"], ev2["event_id"]])


if __name__ == "__main__":
    harness.main()
