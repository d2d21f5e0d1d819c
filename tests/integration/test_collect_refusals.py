#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every refusal of POST /collection/{inlet}, in the contract's order (404, 400, 413, 401, 415, 400),
each as application/problem+json; the signature rules (rotation, upper-case hex, the signing vectors);
the body-size limits; and that a refused event never reaches the landing log or the dataset."""

import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import compact, make_event, sign  # noqa: E402

KEY1 = "refusal-key-" + os.urandom(12).hex()
VECTORS = harness.signing_vectors()
KEY2 = VECTORS[0]["signing_key"]  # the rotated key; also the key of the signing vectors


def nested_event(depth, leaf_scalar=True):
    """An event object whose nesting (objects inside objects, the outermost counting 1) is `depth`.
    With leaf_scalar the innermost object holds a scalar, else it is empty."""
    ev = make_event()
    inner = {"leaf": 1} if leaf_scalar else {}
    for _ in range(depth - 3):  # outermost event (1) + data (1) + depth-2 levels below data
        inner = {"n": inner}
    ev["data"] = {"identifiers": {"id": "42"}, "n": inner} if depth > 2 else {}
    return ev


def nesting(obj):
    if isinstance(obj, dict):
        return 1 + max([nesting(v) for v in obj.values()] or [0])
    if isinstance(obj, list):
        return 1 + max([nesting(v) for v in obj] or [0])
    return 0


class Refusals(harness.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = cls.class_sluice(keys=[KEY1, KEY2])
        cls.refused_ids = set()  # event ids of bodies that were refused: must never be stored

    def event(self):
        ev = make_event()
        type(self).refused_ids.add(ev["event_id"])
        return ev

    def refused(self, r, status, msg):
        return self.assertProblem(r, status, msg)

    # ---- 404 ------------------------------------------------------------------------------------
    def test_01_unknown_inlet(self):
        body = compact(self.event())
        r = self.s.post(body, inlet=os.urandom(32).hex())
        self.refused(r, 404, "unknown inlet")

    def test_02_unknown_flow(self):
        body = compact(self.event())
        self.refused(self.s.post(body, flow=str(uuid.uuid4())), 404, "flow of no inlet (random uuid)")
        self.refused(self.s.post(body, flow="not-a-flow"), 404, "flow id that is not a uuid")

    def test_03_unknown_flow_in_header(self):
        body = compact(self.event())
        r = self.s.post(body, query=False, headers={"x-adobe-flow-id": str(uuid.uuid4())})
        self.refused(r, 404, "unknown flow in the header")

    # ---- 400 no flow id -------------------------------------------------------------------------
    def test_04_no_flow_id(self):
        body = compact(self.event())
        self.refused(self.s.post(body, query=False), 400, "no flow id")

    def test_05_flow_id_in_header_accepted(self):
        ev = make_event()
        r = self.s.post(compact(ev), query=False, headers={"x-adobe-flow-id": self.s.flow_id})
        self.assertAccepted(r, self.s, "flow id in the header")
        self.s.wait_event_ids([ev["event_id"]])
        self.assertIn(ev["event_id"], self.s.ds_event_ids())

    # ---- 413 ------------------------------------------------------------------------------------
    def big_body(self, size):
        """A valid, signed-able event body of exactly `size` bytes."""
        ev = self.event()
        ev["data"]["padding"] = ""
        base = len(compact(ev))
        ev["data"]["padding"] = "x" * (size - base)
        b = compact(ev)
        self.assertEqual(len(b), size)
        return b

    def test_06_body_over_default_limit(self):
        body = self.big_body(2 * 1024 * 1024)
        h = harness.signed_headers(KEY1, body)
        r = harness.send_streaming(self.s.collect_port, self.s.collect_path(), h | {"Content-Length": str(len(body))},
                                   [body[i:i + 65536] for i in range(0, len(body), 65536)])
        self.refused(r, 413, "2 MiB body with Content-Length")

    def test_07_body_at_default_limit(self):
        ev = make_event()  # exactly 1,048,576 bytes is not "over" the limit
        ev["data"]["padding"] = ""
        ev["data"]["padding"] = "x" * (1048576 - len(compact(ev)))
        body = compact(ev)
        self.assertEqual(len(body), 1048576)
        self.assertAccepted(self.s.post(body), self.s, "body of exactly 1,048,576 bytes")
        self.refused(self.s.post(self.big_body(1048577)), 413, "body of 1,048,577 bytes")

    def test_08_chunked_over_limit(self):
        body = self.big_body(2 * 1024 * 1024)
        h = harness.signed_headers(KEY1, body)
        r = harness.send_streaming(self.s.collect_port, self.s.collect_path(), h,
                                   [body[i:i + 65536] for i in range(0, len(body), 65536)], chunked=True)
        self.refused(r, 413, "2 MiB chunked body without Content-Length")

    def test_09_chunked_small_accepted(self):
        ev = make_event()
        body = compact(ev)
        h = harness.signed_headers(KEY1, body)
        r = harness.send_streaming(self.s.collect_port, self.s.collect_path(), h,
                                   [body[:100], body[100:]], chunked=True)
        self.assertAccepted(r, self.s, "small chunked body")
        self.s.wait_event_ids([ev["event_id"]])
        self.assertIn(ev["event_id"], self.s.ds_event_ids())

    # ---- 401 ------------------------------------------------------------------------------------
    def test_10_missing_signature(self):
        body = compact(self.event())
        self.refused(self.s.post(body, key=None), 401, "no X-CIO-Signature")
        # timestamp but no signature
        self.refused(self.s.post(body, key=None, headers={"X-CIO-Timestamp": "1767269061"}), 401,
                     "X-CIO-Timestamp without X-CIO-Signature")

    def test_11_wrong_signature(self):
        body = compact(self.event())
        self.refused(self.s.post(body, key="not-the-key"), 401, "signed with an unknown key")
        self.refused(self.s.post(body, headers={"X-CIO-Signature": "0" * 64}), 401, "64 zeros")
        self.refused(self.s.post(body, headers={"X-CIO-Signature": "zz"}), 401, "not hex")
        ts = "1767269061"
        good = sign(KEY1, ts, body)
        self.refused(self.s.post(body, headers={"X-CIO-Timestamp": "1767269062", "X-CIO-Signature": good}), 401,
                     "signature of another timestamp")
        self.refused(self.s.post(body, headers={"X-CIO-Timestamp": ts, "X-CIO-Signature": good[:-2]}), 401,
                     "truncated signature")
        self.refused(self.s.post(body, headers={"X-CIO-Timestamp": ts, "X-CIO-Signature": "v0=" + good}), 401,
                     "v0= prefixed signature")
        self.refused(self.s.post(body + b" ", headers={"X-CIO-Timestamp": ts, "X-CIO-Signature": good}), 401,
                     "signature of other bytes")

    def test_12_rotated_key_accepted(self):
        ev = make_event()
        self.assertAccepted(self.s.post_event(ev, key=KEY2), self.s, "second key")
        ev2 = make_event()
        self.assertAccepted(self.s.post_event(ev2, key=KEY1), self.s, "first key")
        self.s.wait_event_ids([ev["event_id"], ev2["event_id"]])

    def test_13_uppercase_hex_accepted(self):
        ev = make_event()
        body = compact(ev)
        ts = "1767269100"
        r = self.s.post(body, headers={"X-CIO-Timestamp": ts, "X-CIO-Signature": sign(KEY1, ts, body).upper()})
        self.assertAccepted(r, self.s, "upper-case hex signature")

    def test_14_signing_vectors(self):
        """The published vectors: the key is used as its ASCII bytes, bytes verified as received."""
        for v in VECTORS:
            with self.subTest(vector=v["name"]):
                body = v["body"].encode("utf-8")
                h = {"Content-Type": "application/json", "X-CIO-Timestamp": v["x_cio_timestamp"],
                     "X-CIO-Signature": v["expected_x_cio_signature"]}
                r = harness.request(self.s.collect_port, "POST", self.s.collect_path(), body=body, headers=h)
                if v["must_verify"]:
                    self.assertAccepted(r, self.s, v["name"])
                else:
                    self.refused(r, 401, v["name"])
                neg = v.get("negative_check")
                if neg:
                    rb = neg["reserialized_body_without_escaping"].encode("utf-8")
                    r = harness.request(self.s.collect_port, "POST", self.s.collect_path(), body=rb, headers=h)
                    self.refused(r, 401, "re-serialised body with the original signature")

    # ---- 415 ------------------------------------------------------------------------------------
    def test_15_content_type(self):
        ev = self.event()
        body = compact(ev)
        for ct in ("text/html", "application/x-www-form-urlencoded", "application/xml"):
            self.refused(self.s.post(body, content_type=ct), 415, ct)
        for ct in ("application/json", "application/json; charset=utf-8", "application/vnd.example+json",
                   "text/plain", None):
            e = make_event()
            self.assertAccepted(self.s.post_event(e, content_type=ct), self.s, "Content-Type %r" % ct)

    # ---- 400 body ---------------------------------------------------------------------------------
    def test_16_malformed_json(self):
        ev = self.event()
        good = compact(ev)
        for name, body in (("truncated", good[:-1]), ("trailing garbage", good + b"x"),
                           ("two values", good + good), ("empty", b""), ("not json", b"hello")):
            with self.subTest(case=name):
                self.refused(self.s.post(body), 400, name)

    def test_17_not_an_object(self):
        ev = self.event()
        for name, body in (("array", compact([ev])), ("string", b'"x"'), ("number", b"42"), ("null", b"null")):
            with self.subTest(case=name):
                self.refused(self.s.post(body), 400, name)

    def test_18_depth(self):
        # nesting = containers inside containers, the event object counting 1 (a scalar member
        # adds no level): {"a":1} is 1 deep, {"a":{"b":1}} is 2 deep
        for leaf in (False, True):
            with self.subTest(depth=64, scalar_in_innermost=leaf):
                ok = nested_event(64, leaf_scalar=leaf)
                self.assertEqual(nesting(ok), 64)
                self.assertAccepted(self.s.post_event(ok), self.s, "nesting 64, scalar in innermost: %s" % leaf)
        bad = nested_event(65, leaf_scalar=False)
        type(self).refused_ids.add(bad["event_id"])
        self.assertEqual(nesting(bad), 65)
        self.refused(self.s.post_event(bad), 400, "nesting 65")
        # the same with arrays
        ev = self.event()
        arr = []
        for _ in range(62):
            arr = [arr]
        ev["data"]["a"] = arr  # event 1 + data 1 + 63 arrays -> 65
        self.assertEqual(nesting(ev), 65)
        self.refused(self.s.post_event(ev), 400, "nesting 65 with arrays")

    def test_19_invalid_utf8(self):
        ev = self.event()
        base = compact(ev)
        for name, bad in (("0xff", b"\xff"), ("lone continuation", b"\x80"), ("overlong", b"\xc0\xaf"),
                          ("surrogate", b"\xed\xa0\x80"), ("truncated sequence", b"\xe2\x82")):
            with self.subTest(case=name):
                body = base.replace(b'"Your January update"', b'"Your ' + bad + b' update"')
                self.assertNotEqual(body, base)
                self.refused(self.s.post(body), 400, "invalid UTF-8: " + name)
        ok = make_event(subject="Caf\u00e9 \u2615 \U0001F600")
        self.assertAccepted(self.s.post_event(ok), self.s, "valid multi-byte UTF-8")

    # ---- order ------------------------------------------------------------------------------------
    def test_20_check_order(self):
        """Where two checks fail, the earlier one in the contract's table answers."""
        ev = self.event()
        body = compact(ev)
        big = self.big_body(1048577)
        # unknown inlet beats no flow id
        self.refused(self.s.post(body, inlet=os.urandom(32).hex(), query=False), 404, "unknown inlet, no flow id")
        # no flow id beats body size
        self.refused(self.s.post(big, query=False), 400, "no flow id, too big")
        # body size beats signature
        self.refused(self.s.post(big, key=None), 413, "too big, unsigned")
        # signature beats content type
        self.refused(self.s.post(body, key=None, content_type="text/html"), 401, "unsigned, text/html")
        # content type beats JSON syntax
        self.refused(self.s.post(b"{not json", content_type="text/html"), 415, "text/html, malformed")
        # unknown flow beats a bad signature
        self.refused(self.s.post(body, flow=str(uuid.uuid4()), key="wrong"), 404, "unknown flow, bad signature")

    # ---- nothing refused was kept -----------------------------------------------------------------
    def test_99_refused_events_not_landed(self):
        sentinel = make_event()
        r = self.s.post_event(sentinel)
        self.assertAccepted(r, self.s, "sentinel")
        x = r.json()["xactionId"]
        self.assertTrue(self.s.landing_rows("xaction_id = ?", (x,)), "the sentinel is not in landing.db")
        # A 400 after the signature passed is kept as a refused event (status 400), so that its
        # run counts it as failed and error diagnostics show it; nothing refused is ever
        # landed as accepted.
        bodies = [bytes(row[4]) for row in self.s.landing_rows("status = 0")]
        for eid in sorted(self.refused_ids):
            hits = [b[:120] for b in bodies if eid.encode() in b]
            self.assertFalse(hits, "refused event %s is in landing.db as accepted" % eid)
        seen = self.s.wait_event_ids([sentinel["event_id"]])
        self.assertIn(sentinel["event_id"], seen)
        self.assertEmpty(self.refused_ids & set(seen), "refused events in the dataset")


class SmallLimit(harness.SluiceTestCase):
    """--max-body-bytes 2048."""

    def test_limit_flag(self):
        s = self.sluice(keys=[KEY1], args=["--max-body-bytes", "2048"])
        ev = make_event()
        ev["data"]["padding"] = ""
        ev["data"]["padding"] = "x" * (3072 - len(compact(ev)))
        body = compact(ev)
        self.assertEqual(len(body), 3072)
        self.assertProblem(s.post(body), 413, "3 KB body with --max-body-bytes 2048")
        ev2 = make_event()
        ev2["data"]["padding"] = ""
        ev2["data"]["padding"] = "x" * (2048 - len(compact(ev2)))
        self.assertAccepted(s.post_event(ev2), s, "2048-byte body with --max-body-bytes 2048")
        ev3 = make_event()
        ev3["data"]["padding"] = ""
        ev3["data"]["padding"] = "x" * (2049 - len(compact(ev3)))
        self.assertProblem(s.post_event(ev3), 413, "2049-byte body with --max-body-bytes 2048")
        h = harness.signed_headers(KEY1, body)
        r = harness.send_streaming(s.collect_port, s.collect_path(), h, [body[:1000], body[1000:2000], body[2000:]],
                                   chunked=True)
        self.assertProblem(r, 413, "3 KB chunked body with --max-body-bytes 2048")
        seen = s.wait_event_ids([ev2["event_id"]])
        self.assertIn(ev2["event_id"], seen)
        self.assertNotIn(ev["event_id"], seen)
        self.assertNotIn(ev3["event_id"], seen)
        for row in s.landing_rows():
            self.assertNotIn(ev["event_id"].encode(), bytes(row[4]))
            self.assertNotIn(ev3["event_id"].encode(), bytes(row[4]))

    def test_limit_env(self):
        s = self.sluice(keys=[KEY1], env={"SLUICE_MAX_BODY_BYTES": "2048"})
        ev = make_event()
        ev["data"]["padding"] = "x" * 3000
        self.assertProblem(s.post_event(ev), 413, "3 KB body with SLUICE_MAX_BODY_BYTES=2048")


if __name__ == "__main__":
    harness.main()
