#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""AEP's "Customer.io source: API tutorial", replayed against a fresh sluice with sluice's base URL:
schema -> dataset -> source connection -> target connection -> mapping set -> dataflow ->
GET /flows/{id} -> every sample event posted to options.inletUrl?x-adobe-flow-id=... -> one row per
event in the dataset, with the mapped values.

The request bodies are the tutorial's (copied here; tests never read ../shared), with only the ids
swapped for the ones this sluice returned, and the mapping destinations pointed at the schema made
here. Two runs: unsigned (no signing keys anywhere) with flat destinations, and signed (the source
connection carries params.signingKeys; the server has no --cio-signing-keys) with the tutorial's
tenant-object destinations (`_sluice.email` where the tutorial has `_extconndev.email`).

Rows are read through the Data Access preview API only, so the test runs on every store backend."""

import json
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DATASET_RE, INLET_RE, UUID_RE  # noqa: E402

FS = "/data/foundation/flowservice"
CAT = "/data/foundation/catalog"
SR = "/data/foundation/schemaregistry"
CV = "/data/foundation/conversion"
EXP = "/data/foundation/export"

CIO_SPEC = "96479064-7b8a-4d69-b9ed-21c5683837ea"
LAKE_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
FLOW_SPEC = "e77fde5a-22a8-11ed-861d-0242ac120002"
PROVIDER = "521eee4d-8cbe-4906-bb48-fb6bd4450033"
XED = "application/vnd.adobe.xed-full+json;version=1"
EVENT_CLASS = "https://ns.adobe.com/xdm/context/experienceevent"
SCHEMA_ID_RE = re.compile(r"^https://ns\.adobe\.com/sluice/schemas/([0-9a-f]{32})$")
HEX32_RE = re.compile(r"^[0-9a-f]{32}$")

# ---- the tutorial's bodies (aep-api.md §1.1, §1.3, §1.4, §1.5) ----------------------------------

SOURCE_BODY = {
    "name": "Streaming Source Connection for Customer.io",
    "providerId": PROVIDER,
    "description": "Streaming Source Connection for customer.io",
    "connectionSpec": {"id": CIO_SPEC, "version": "1.0"},
    "data": {"format": "json"},
}


def target_body(schema_id, dataset_id):
    return {
        "name": "Streaming Target Connection for Customer.io",
        "description": "Streaming Target Connection for Customer.io",
        "connectionSpec": {"id": LAKE_SPEC, "version": "1.0"},
        "data": {"format": "json", "schema": {"id": schema_id, "version": XED}},
        "params": {"dataSetId": dataset_id},
    }


# (destination field, source attribute) in the tutorial's order; the tutorial's destinations are
# _extconndev.cio_id, _extconndev.email, _extconndev.event_id0, _extconndev.metricx,
# _extconndev.object_type1, _extconndev.timestampx - fields of its own schema.
TUTORIAL_MAPPINGS = [
    ("cio_id", "data.identifiers.cio_id"),
    ("email", "data.identifiers.email"),
    ("event_id", "event_id"),
    ("metric", "metric"),
    ("object_type", "object_type"),
    ("timestamp", "timestamp"),
]


def mapping_body(schema_id, prefix):
    return {
        "outputSchema": {"schemaRef": {"id": schema_id, "contentType": XED}},
        "mappings": [
            {"destinationXdmPath": prefix + dst, "sourceAttribute": src, "identity": False, "version": 0}
            for dst, src in TUTORIAL_MAPPINGS
        ],
    }


def flow_body(source_id, target_id, mapping_id):
    return {
        "name": "Streaming Dataflow for Customer.io",
        "description": "Streaming Dataflow for Customer.io",
        "flowSpec": {"id": FLOW_SPEC, "version": "1.0"},
        "sourceConnectionIds": [source_id],
        "targetConnectionIds": [target_id],
        "transformations": [{"name": "Mapping", "params": {"mappingId": mapping_id, "mappingVersion": 0}}],
    }


FIELDS = {
    "cio_id": {"type": "string"},
    "email": {"type": "string", "format": "email"},
    "event_id": {"type": "string"},
    "metric": {"type": "string"},
    "object_type": {"type": "string"},
    "timestamp": {"type": "date-time"},
}


def schema_body(nested):
    props = json.loads(json.dumps(FIELDS))
    if nested:
        props = {"_sluice": {"type": "object", "properties": props}}
    return {
        "title": "Customer.io events (tutorial)",
        "description": "Target schema of the Customer.io API tutorial",
        "meta:class": EVENT_CLASS,
        "properties": props,
    }


def top_level_events():
    """Every event sample of tests/data/customerio/*.json (not the variants/), as (name, event)."""
    out = []
    for path in harness.sample_files():
        if os.path.dirname(path) != harness.cio_dir():
            continue
        with open(path, "rb") as f:
            out.append((os.path.basename(path), json.loads(f.read().decode("utf-8"))))
    return out


class ApiTutorial(harness.SluiceTestCase):

    # ---- small HTTP helpers ------------------------------------------------------------------
    def call(self, s, method, path, body=None, headers=None):
        h = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        return s.admin(method, path, body=data, headers=h)

    def created(self, r, what):
        self.assertEqual(r.status, 201, "%s: %r" % (what, r))
        self.assertTrue(r.content_type.startswith("application/json"), "%s: %r" % (what, r))
        return r.json()

    def preview(self, s, dataset_id):
        r = s.admin("GET", "%s/datasets/%s/preview?limit=100" % (EXP, dataset_id))
        self.assertEqual(r.status, 200, "preview: %r" % r)
        return r.json()["data"]

    # ---- the tutorial --------------------------------------------------------------------------
    def replay(self, signing_key=None, nested=False):
        s = self.sluice()  # never --cio-signing-keys: keys, if any, are the source connection's
        prefix = "_sluice." if nested else ""

        # 1.2 schema (Schema Registry) and dataset (Catalog)
        r = self.call(s, "POST", SR + "/tenant/schemas", schema_body(nested))
        schema = self.created(r, "create schema")
        m = SCHEMA_ID_RE.match(schema.get("$id", ""))
        self.assertTrue(m, "schema $id: %r" % schema)
        self.assertEqual(schema.get("meta:altId"), "_sluice.schemas." + m.group(1), schema)
        self.assertIn("version", schema)
        schema_id = schema["$id"]

        r = self.call(s, "POST", CAT + "/dataSets",
                      {"name": "Customer.io tutorial events", "schemaRef": {"id": schema_id, "contentType": XED}})
        refs = self.created(r, "create dataset")
        self.assertIsInstance(refs, list, refs)
        self.assertEqual(len(refs), 1, refs)
        self.assertTrue(refs[0].startswith("@/dataSets/"), refs)
        dataset_id = refs[0][len("@/dataSets/"):]
        self.assertRegex(dataset_id, DATASET_RE)
        got = s.admin_json("%s/dataSets/%s" % (CAT, dataset_id))
        self.assertEqual(got[dataset_id]["schemaRef"]["id"], schema_id, got)

        # 1.1 source connection
        body = json.loads(json.dumps(SOURCE_BODY))
        if signing_key is not None:
            body["params"] = {"signingKeys": [signing_key]}
        r = self.call(s, "POST", FS + "/sourceConnections", body)
        src = self.created(r, "create source connection")
        self.assertRegex(src.get("id", ""), UUID_RE)
        self.assertIsInstance(src.get("etag"), str)
        self.assertTrue(src["etag"])
        self.assertEqual(r.headers.get("etag"), src["etag"], r.headers)
        self.assertTrue(r.headers.get("location", "").endswith("/sourceConnections/" + src["id"]), r.headers)
        r = s.admin("GET", "%s/sourceConnections/%s" % (FS, src["id"]))
        self.assertEqual(r.status, 200, r)
        item = r.json()["items"][0]
        self.assertEqual(item["id"], src["id"])
        self.assertEqual(item["name"], SOURCE_BODY["name"])
        self.assertEqual(item["connectionSpec"]["id"], CIO_SPEC)
        self.assertEqual(item["data"]["format"], "json")
        if signing_key is not None:
            self.assertNotIn(signing_key.encode(), r.body, "the signing key is write-only")
            self.assertNotIn("signingKeys", item.get("params", {}), item)
            self.assertIs(item["params"].get("signingKeysSet"), True, item)

        # 1.3 target connection
        r = self.call(s, "POST", FS + "/targetConnections", target_body(schema_id, dataset_id))
        tgt = self.created(r, "create target connection")
        self.assertRegex(tgt.get("id", ""), UUID_RE)
        self.assertTrue(tgt.get("etag"))

        # 1.4 mapping set (legacy field names, as the tutorial)
        r = self.call(s, "POST", CV + "/mappingSets", mapping_body(schema_id, prefix))
        ms = self.created(r, "create mapping set")
        self.assertRegex(ms.get("id", ""), HEX32_RE)
        self.assertEqual(ms.get("version"), 0, ms)
        self.assertIsInstance(ms.get("createdDate"), int, ms)
        self.assertIsInstance(ms.get("modifiedDate"), int, ms)

        # 1.5 dataflow
        r = self.call(s, "POST", FS + "/flows", flow_body(src["id"], tgt["id"], ms["id"]))
        flow = self.created(r, "create flow")
        self.assertRegex(flow.get("id", ""), UUID_RE)
        self.assertTrue(flow.get("etag"))
        flow_id = flow["id"]

        # 1.6 the streaming endpoint
        r = s.admin("GET", "%s/flows/%s" % (FS, flow_id))
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers.get("etag"), r.headers)
        items = r.json()["items"]
        self.assertEqual(len(items), 1, items)
        f = items[0]
        self.assertEqual(f["id"], flow_id)
        self.assertEqual(f["name"], "Streaming Dataflow for Customer.io")
        self.assertEqual(f["state"], "enabled")
        self.assertEqual(f["flowSpec"]["id"], FLOW_SPEC)
        self.assertEqual(f["sourceConnectionIds"], [src["id"]])
        self.assertEqual(f["targetConnectionIds"], [tgt["id"]])
        self.assertEqual(f["transformations"][0]["params"]["mappingId"], ms["id"])
        inlet_url = f["options"]["inletUrl"]
        m = re.match(r"^http://127\.0\.0\.1:(\d+)/collection/([0-9a-f]{64})$", inlet_url)
        self.assertTrue(m, "options.inletUrl %r" % inlet_url)
        self.assertEqual(int(m.group(1)), s.collect_port, inlet_url)
        inlet = m.group(2)
        self.assertRegex(inlet, INLET_RE)
        self.assertEqual(f["options"].get("inletId"), inlet, f["options"])

        # the webhook URL a user pastes into Customer.io
        webhook = inlet_url + "?x-adobe-flow-id=" + flow_id
        u = urllib.parse.urlsplit(webhook)
        port = u.port
        path = u.path + "?" + u.query

        events = top_level_events()
        self.assertGreaterEqual(len(events), 69)
        if signing_key is not None:
            first = harness.compact(events[0][1])
            r = harness.request(port, "POST", path, body=first, headers=harness.signed_headers(None, first))
            self.assertProblem(r, 401, "unsigned event to a flow whose source has signing keys")
            r = harness.request(port, "POST", path, body=first,
                                headers=harness.signed_headers("not-" + signing_key, first))
            self.assertProblem(r, 401, "event signed with another key")
        for name, ev in events:
            body = harness.compact(ev)
            r = harness.request(port, "POST", path, body=body, headers=harness.signed_headers(signing_key, body))
            self.assertEqual(r.status, 200, "%s: %r" % (name, r))
            j = r.json()
            self.assertEqual(j.get("inletId"), inlet, name)
            self.assertIsInstance(j.get("xactionId"), str, name)

        # rows: exactly one per event
        want = {ev["event_id"]: ev for _, ev in events}
        rows = []

        def enough():
            nonlocal rows
            rows = self.preview(s, dataset_id)
            return len(rows) >= len(want)

        harness.poll(enough, what="rows in the tutorial dataset")
        time.sleep(0.3)  # anything extra (a duplicate) would land right behind
        rows = self.preview(s, dataset_id)

        def field(rec, name):
            return (rec.get("_sluice") or {}).get(name) if nested else rec.get(name)

        seen = {}
        for rec in rows:
            eid = field(rec, "event_id")
            seen[eid] = seen.get(eid, 0) + 1
        self.assertEqual(len(rows), len(want), "rows %d, events %d" % (len(rows), len(want)))
        self.assertEmpty({k: v for k, v in seen.items() if v != 1}, "event ids with more than one row")
        self.assertEmpty(set(want) - set(seen), "events without a row")
        self.assertEmpty(set(seen) - set(want), "rows of no posted event")

        for rec in rows:
            ev = want[field(rec, "event_id")]
            ident = ev["data"].get("identifiers", {})
            ctx = ev["event_id"]
            self.assertIsInstance(rec.get("_id"), str, ctx)
            self.assertEqual(field(rec, "metric"), ev["metric"], ctx)
            self.assertEqual(field(rec, "object_type"), ev["object_type"], ctx)
            self.assertEqual(field(rec, "timestamp"), harness.iso_utc(ev["timestamp"]), ctx)
            self.assertRegex(field(rec, "timestamp"), harness.ISO_Z_RE)
            if "email" in ident:
                self.assertEqual(field(rec, "email"), ident["email"], ctx)
            else:
                self.assertIsNone(field(rec, "email"), ctx)
            if "cio_id" in ident:
                self.assertEqual(field(rec, "cio_id"), ident["cio_id"], ctx)
            else:
                self.assertIsNone(field(rec, "cio_id"), ctx)
            if nested:
                for k in FIELDS:
                    self.assertNotIn(k, rec, "%s: %s mapped at the top level, not under _sluice" % (ctx, k))

        # nothing went to the first-start Customer.io dataset
        for ds_id in s.admin_json(CAT + "/dataSets"):
            if ds_id != dataset_id:
                self.assertEqual(self.preview(s, ds_id), [], "rows in dataset %s" % ds_id)

    def test_tutorial_unsigned_flat_destinations(self):
        self.replay(signing_key=None, nested=False)

    def test_tutorial_signed_by_source_connection_keys_tenant_object(self):
        self.replay(signing_key="tutorial-signing-key-" + harness.ulid().lower(), nested=True)


if __name__ == "__main__":
    harness.main()
