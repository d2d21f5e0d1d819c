#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""POST /collection/batch/{inlet}: 207 with one response per message in message order, per-message
refusals (400 body not an object, 404 unknown header.flowId) beside accepted messages, dedupe inside a
batch, the signature over the raw batch body, and request-level refusals as problem+json."""

import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import compact, make_event  # noqa: E402

KEY1 = "batch-key-" + os.urandom(12).hex()
KEY2 = "batch-key2-" + os.urandom(12).hex()


class Batch(harness.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = cls.class_sluice(keys=[KEY1, KEY2])

    def post_batch(self, messages, **kw):
        return self.s.post(compact({"messages": messages}), batch=True, **kw)

    def assertBatch(self, r, n, msg=""):
        self.assertEqual(r.status, 207, "%s: %r" % (msg, r))
        self.assertTrue(r.content_type.startswith("application/json"), "%s: %r" % (msg, r.content_type))
        j = r.json()
        self.assertEqual(j.get("inletId"), self.s.inlet, msg)
        self.assertIsInstance(j.get("batchId"), str, msg)
        self.assertTrue(j["batchId"], msg)
        self.assertIsInstance(j.get("receivedTimeMs"), int, msg)
        self.assertLess(abs(j["receivedTimeMs"] - time.time() * 1000), 120000, msg)
        self.assertIsInstance(j.get("responses"), list, msg)
        self.assertEqual(len(j["responses"]), n, "%s: %r" % (msg, j))
        return j["responses"]

    def assertMsgAccepted(self, resp, msg=""):
        self.assertIsInstance(resp.get("xactionId"), str, "%s: %r" % (msg, resp))
        self.assertTrue(resp["xactionId"])
        self.assertNotIn("statusCode", resp, msg)

    def assertMsgRefused(self, resp, status, msg=""):
        self.assertEqual(resp.get("statusCode"), status, "%s: %r" % (msg, resp))
        self.assertIsInstance(resp.get("message"), str, "%s: %r" % (msg, resp))
        self.assertNotIn("xactionId", resp, msg)

    def test_all_accepted(self):
        evs = [make_event(), make_event(template="push_delivered.json"), make_event(template="sms_clicked.json")]
        msgs = [{"header": {"flowId": self.s.flow_id}, "body": evs[0]},
                {"body": evs[1]},  # no header: the request's flow id
                {"header": {}, "body": evs[2]}]
        resps = self.assertBatch(self.post_batch(msgs), 3, "three good messages")
        for i, resp in enumerate(resps):
            self.assertMsgAccepted(resp, "message %d" % i)
        self.assertEqual(len({r["xactionId"] for r in resps}), 3)
        seen = self.s.wait_event_ids([e["event_id"] for e in evs])
        for e in evs:
            self.assertEqual(seen.get(e["event_id"]), 1, e["event_id"])
            rec = self.s.ds_record(e["event_id"])
            self.assertEqual((rec["object_type"], rec["metric"]), (e["object_type"], e["metric"]))
            self.assertEqual(rec["timestamp"], harness.iso_utc(e["timestamp"]))
        # each accepted message is in the landing log under its xactionId
        for e, resp in zip(evs, resps):
            rows = self.s.landing_rows("xaction_id = ?", (resp["xactionId"],))
            self.assertEqual(len(rows), 1, resp)
            self.assertEqual(json.loads(bytes(rows[0][4])), e)
            self.assertEqual(rows[0][1], self.s.flow_id)

    def test_mixed(self):
        good = [make_event(), make_event(template="email_opened.json"), make_event(template="webhook_sent.json")]
        lost_flow = make_event()
        msgs = [{"body": good[0]},
                {"body": [good[0]]},  # an array, not an object
                {"header": {"flowId": self.s.flow_id}, "body": good[1]},
                {"header": {"flowId": str(uuid.uuid4())}, "body": lost_flow},
                {"body": "just a string"},
                {"body": good[2]},
                42]  # not a message object at all
        r = harness.patch_flow(self.s, self.s.flow_id,
                               [{"op": "add", "path": "/options/errorDiagnosticsEnabled", "value": True}])
        self.assertEqual(r.status, 200, r)
        before = harness.metric_values(self.s)
        resps = self.assertBatch(self.post_batch(msgs), 7, "mixed batch")
        self.assertMsgAccepted(resps[0], "message 0")
        self.assertMsgRefused(resps[1], 400, "message 1 (array body)")
        self.assertMsgAccepted(resps[2], "message 2")
        self.assertMsgRefused(resps[3], 404, "message 3 (unknown header.flowId)")
        self.assertMsgRefused(resps[4], 400, "message 4 (string body)")
        self.assertMsgAccepted(resps[5], "message 5")
        self.assertMsgRefused(resps[6], 400, "message 6 (a number)")
        sentinel = make_event()
        self.assertAccepted(self.s.post_event(sentinel), self.s, "sentinel")
        seen = self.s.wait_event_ids([e["event_id"] for e in good] + [sentinel["event_id"]])
        for e in good:
            self.assertEqual(seen.get(e["event_id"]), 1)
        self.assertNotIn(lost_flow["event_id"], seen, "message with an unknown flow was stored")
        for row in self.s.landing_rows():
            self.assertNotIn(lost_flow["event_id"].encode(), bytes(row[4]), "refused message landed")
        # refused messages are counted like refused requests
        after = harness.metric_values(self.s)
        for status, n in (("400", 3), ("404", 1)):
            key = 'sluice_collect_refused_total{status="%s"}' % status
            self.assertEqual(after.get(key, 0) - before.get(key, 0), n, key)
        # the three bodies that are not objects are in the flow's error diagnostics, raw
        def unparsable():
            return [i for i in harness.flow_errors(self.s, self.s.flow_id, "limit=1000")
                    if i["code"] == "INGEST-1401-400"]
        items = harness.poll(lambda: len(unparsable()) >= 3 and unparsable(),
                             what="diagnostics of the refused messages")
        raws = [i["raw"] for i in items or []]
        self.assertIn('"just a string"', raws)
        self.assertIn("42", raws)
        self.assertTrue([r for r in raws if r.startswith("[") and good[0]["event_id"] in r], raws)
        for i in items:
            self.assertRegex(i["message"], "not a JSON object|must be an object")

    def test_duplicates_in_batch(self):
        ev = make_event()
        resps = self.assertBatch(self.post_batch([{"body": ev}, {"body": ev}]), 2, "same event twice")
        self.assertMsgAccepted(resps[0])
        self.assertMsgAccepted(resps[1])
        # and once more as a single event
        self.assertAccepted(self.s.post_event(ev), self.s, "the same event alone")
        sentinel = make_event()
        self.assertAccepted(self.s.post_event(sentinel), self.s, "sentinel")
        seen = self.s.wait_event_ids([ev["event_id"], sentinel["event_id"]])
        self.assertEqual(seen.get(ev["event_id"]), 1, "duplicates inside a batch stored twice")
        self.assertEqual(seen.get(sentinel["event_id"]), 1)

    def test_signature_over_raw_batch_body(self):
        ev = make_event()
        body = compact({"messages": [{"body": ev}]})
        self.assertProblem(self.s.post(body, batch=True, key=None), 401, "unsigned batch")
        self.assertProblem(self.s.post(body, batch=True, key="wrong"), 401, "batch signed with an unknown key")
        # signature of the message body instead of the batch body
        ts = str(int(time.time()))
        h = {"X-CIO-Timestamp": ts, "X-CIO-Signature": harness.sign(KEY1, ts, compact(ev))}
        self.assertProblem(self.s.post(body, batch=True, key=None, headers=h), 401, "signature of the inner body")
        self.assertBatch(self.s.post(body, batch=True, key=KEY2), 1, "batch signed with the second key")
        self.s.wait_event_ids([ev["event_id"]])

    def test_request_refusals(self):
        ev = make_event()
        body = compact({"messages": [{"body": ev}]})
        self.assertProblem(self.s.post(body, batch=True, inlet=os.urandom(32).hex()), 404, "unknown inlet")
        self.assertProblem(self.s.post(body, batch=True, flow=str(uuid.uuid4())), 404, "unknown flow")
        self.assertProblem(self.s.post(body, batch=True, content_type="text/html"), 415, "text/html")
        self.assertProblem(self.s.post(body[:-2], batch=True), 400, "malformed batch")
        big = compact({"messages": [{"body": make_event(padding="x" * 1100000)}]})
        self.assertProblem(self.s.post(big, batch=True), 413, "batch over 1 MiB")

    def test_flow_id_in_header(self):
        ev = make_event()
        r = self.s.post(compact({"messages": [{"body": ev}]}), batch=True, query=False,
                        headers={"x-adobe-flow-id": self.s.flow_id})
        resps = self.assertBatch(r, 1, "flow id in the header")
        self.assertMsgAccepted(resps[0])
        self.s.wait_event_ids([ev["event_id"]])


if __name__ == "__main__":
    harness.main()
