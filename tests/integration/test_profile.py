#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Real-Time Customer Profile against the real binary (docs/profile.md): Customer.io events of the
first-start flow (a Profile dataset) stitched into identity graphs, newest-event-wins attributes,
the 50-identity guard, e-mail normalisation, test-mode events, timelines, merge policies,
identity namespaces, and privacy delete down to the bytes of the data directory.

Every test uses people of its own (identities with a per-run suffix), so the tests of the shared
sluice do not see each other's profiles. The privacy delete gets a sluice of its own, because it
searches every file of the data directory. Rows are checked through the API and through
store_rows(), so the file runs on SQLite and on PostgreSQL."""

import json
import os
import subprocess
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ISO_Z_RE  # noqa: E402

FS = "/data/foundation/flowservice"
CAT = "/data/foundation/catalog"
SR = "/data/foundation/schemaregistry"
CV = "/data/foundation/conversion"
EXP = "/data/foundation/export"
UPS = "/data/core/ups"
ENTITIES = UPS + "/access/entities"
POLICIES = UPS + "/config/mergePolicies"
NAMESPACES = "/data/core/idnamespace/identities"
MEMBERS = "/data/core/identity/cluster/members"
CIO_SPEC = "96479064-7b8a-4d69-b9ed-21c5683837ea"
LAKE_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
FLOW_SPEC = "e77fde5a-22a8-11ed-861d-0242ac120002"
EVENT_CLASS = "https://ns.adobe.com/xdm/context/experienceevent"
PROFILE_CLASS = "https://ns.adobe.com/xdm/context/profile"
GRAPH_CODE = "PROFILE-1050-400"
NAMESPACE_CODE = "PROFILE-1051-400"

T0 = 1767225600  # 2026-01-01T00:00:00Z, Unix seconds (Customer.io's timestamp unit)
RUN = uuid.uuid4().hex[:8]  # identities of this run


def q(value):
    return urllib.parse.quote(str(value), safe="")


def person_event(template, ts, email=None, cid=None, cio=None, drop_timestamp=False, **data):
    """A Customer.io sample turned into an event of one person: data.identifiers holds exactly
    the identities given, and the sample's other person fields (customer_id, email_address,
    recipient) follow them, so no byte of the sample's Jane Doe is left in the event."""
    ev = harness.make_event(template=template, timestamp=ts)
    d = ev["data"]
    ids = {}
    if email is not None:
        ids["email"] = email
    if cid is not None:
        ids["id"] = cid
    if cio is not None:
        ids["cio_id"] = cio
    d["identifiers"] = ids
    for k in ("email_address", "recipient"):
        if k in d:
            if email is not None:
                d[k] = email
            else:
                del d[k]
    if "customer_id" in d:
        if cid is not None:
            d["customer_id"] = cid
        else:
            del d["customer_id"]
    d.update(data)
    if drop_timestamp:
        del ev["timestamp"]
    return ev


def api(s, method, path, body=None, headers=None):
    h = {}
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    return s.admin(method, path, body=data, headers=h)


def first_flow_enable_diagnostics(s):
    """errorDiagnosticsEnabled on the first-start Customer.io flow."""
    r = s.admin("GET", "%s/flows/%s" % (FS, s.flow_id))
    assert r.status == 200, r
    r = api(s, "PATCH", "%s/flows/%s" % (FS, s.flow_id),
            [{"op": "add", "path": "/options/errorDiagnosticsEnabled", "value": True}],
            headers={"If-Match": r.headers.get("etag", "")})
    assert r.status == 200, r


def lookup(s, ns, value, policy=None):
    p = "%s?schema.name=_xdm.context.profile&entityId=%s&entityIdNS=%s" % (ENTITIES, q(value), q(ns))
    if policy is not None:
        p += "&mergePolicyId=" + q(policy)
    return s.admin("GET", p)


def members(s, ns, value):
    return s.admin("GET", "%s?namespace=%s&id=%s" % (MEMBERS, q(ns), q(value)))


def timeline(s, ns, value, **params):
    p = "%s?schema.name=_xdm.context.experienceevent&relatedEntityId=%s&relatedEntityIdNS=%s" % (
        ENTITIES, q(value), q(ns))
    for k, v in params.items():
        p += "&%s=%s" % (k, q(v))
    return s.admin("GET", p)


def flow_runs(s, flow_id):
    return s.admin_json("%s/runs?property=flowId==%s" % (FS, flow_id))["items"]


def warning_count(s, flow_id, code):
    """recordCount of `code` in warningInfo, summed over every run of the flow (a test may
    straddle an hour)."""
    n = 0
    for run in flow_runs(s, flow_id):
        for w in run["metrics"]["recordSummary"]["warningInfo"]:
            if w["code"] == code:
                n += w["recordCount"]
    return n


def flow_errors(s, flow_id, query="limit=1000"):
    return s.admin_json("%s/flows/%s/errors?%s" % (FS, flow_id, query))["items"]


def make_flow(s, props, klass=EVENT_CLASS, identities=(), mappings=(), name="profile flow", profile=True):
    """Schema (with identity descriptors: (pointer, namespace, primary)), a dataset (Profile on
    unless profile=False), source and target connections, a mapping set and a dataflow made
    through the API. Returns dict flow_id, inlet, dataset_id, schema_id."""
    schema = {"title": name + " schema", "meta:class": klass, "properties": props}
    r = api(s, "POST", SR + "/tenant/schemas", schema)
    assert r.status == 201, r
    sid = r.json()["$id"]
    for ptr, ns, primary in identities:
        r = api(s, "POST", SR + "/tenant/descriptors",
                {"@type": "xdm:descriptorIdentity", "xdm:sourceSchema": sid, "xdm:sourceVersion": 1,
                 "xdm:sourceProperty": ptr, "xdm:namespace": ns, "xdm:property": "xdm:code",
                 "xdm:isPrimary": primary})
        assert r.status == 201, r
    ds_body = {"name": name + " dataset", "schemaRef": {"id": sid}}
    if profile:
        ds_body["tags"] = {"unifiedProfile": ["enabled:true"]}
    r = api(s, "POST", CAT + "/dataSets", ds_body)
    assert r.status == 201, r
    ds = r.json()[0][len("@/dataSets/"):]
    r = api(s, "POST", FS + "/sourceConnections",
            {"name": name + " source", "connectionSpec": {"id": CIO_SPEC, "version": "1.0"},
             "data": {"format": "json"}})
    assert r.status == 201, r
    src = r.json()["id"]
    r = api(s, "POST", FS + "/targetConnections",
            {"name": name + " target", "connectionSpec": {"id": LAKE_SPEC, "version": "1.0"},
             "data": {"format": "json", "schema": {"id": sid}}, "params": {"dataSetId": ds}})
    assert r.status == 201, r
    tgt = r.json()["id"]
    maps = [{"sourceType": "ATTRIBUTE", "source": a, "destination": b} for a, b in mappings]
    r = api(s, "POST", CV + "/mappingSets", {"outputSchema": {"schemaRef": {"id": sid}}, "mappings": maps})
    assert r.status == 201, r
    ms = r.json()["id"]
    r = api(s, "POST", FS + "/flows",
            {"name": name, "flowSpec": {"id": FLOW_SPEC, "version": "1.0"}, "sourceConnectionIds": [src],
             "targetConnectionIds": [tgt],
             "transformations": [{"name": "Mapping", "params": {"mappingId": ms, "mappingVersion": 0}}]})
    assert r.status == 201, r
    fid = r.json()["id"]
    flow = s.admin_json("%s/flows/%s" % (FS, fid))["items"][0]
    return {"flow_id": fid, "inlet": flow["options"]["inletId"], "dataset_id": ds, "schema_id": sid}


def post_to_flow(s, flow, body):
    raw = harness.compact(body)
    return harness.request(s.collect_port, "POST",
                           "/collection/%s?x-adobe-flow-id=%s" % (flow["inlet"], flow["flow_id"]),
                           body=raw, headers={"Content-Type": "application/json"})


class ProfileBase(harness.SluiceTestCase):
    maxDiff = None

    def post(self, s, *events):
        for ev in events:
            r = s.post_event(ev)
            self.assertEqual(r.status, 200, r)
        ids = [ev["event_id"] for ev in events if "timestamp" in ev]
        if ids:
            seen = s.wait_event_ids(ids)
            self.assertEmpty(set(ids) - set(seen), "events never stored")

    def entity(self, s, ns, value, policy=None):
        """The profile of (ns, value): (entityId, the profile object), asserting AEP's shape."""
        r = lookup(s, ns, value, policy)
        self.assertEqual(r.status, 200, "lookup %s=%s: %r" % (ns, value, r))
        self.assertTrue(r.content_type.startswith("application/json"), r)
        j = r.json()
        self.assertEqual(len(j), 1, j)
        eid, prof = next(iter(j.items()))
        self.assertRegex(eid, r"^sl[0-9a-f]{32}$")
        self.assertEqual(prof["entityId"], eid)
        self.assertIsInstance(prof["sources"], list)
        self.assertIsInstance(prof["entity"]["identities"], list)
        self.assertRegex(prof["lastModifiedAt"], ISO_Z_RE)
        return eid, prof

    def identities(self, prof):
        return sorted((i["namespace"]["code"], i["id"]) for i in prof["entity"]["identities"])

    def graph(self, s, ns, value):
        r = members(s, ns, value)
        self.assertEqual(r.status, 200, "members %s=%s: %r" % (ns, value, r))
        j = r.json()
        self.assertEqual(j["count"], len(j["members"]), j)
        return j

    def events_of(self, s, ns, value, **params):
        r = timeline(s, ns, value, **params)
        self.assertEqual(r.status, 200, "timeline %s=%s %r: %r" % (ns, value, params, r))
        j = r.json()
        self.assertEqual(j["_page"]["count"], len(j["children"]), j["_page"])
        return j


class Profile(ProfileBase):
    @classmethod
    def setUpClass(cls):
        cls.s = cls.class_sluice()
        first_flow_enable_diagnostics(cls.s)

    # ---- stitching ---------------------------------------------------------------------------
    def test_stitching_by_id_email_and_both(self):
        s = self.s
        email, cid, cio = "stitch.%s@example.com" % RUN, "stitch-%s" % RUN, "cio-stitch-%s" % RUN
        by_id = person_event("customer_subscribed.json", T0 + 10, cid=cid)
        by_email = person_event("email_opened.json", T0 + 20, email=email)
        self.post(s, by_id, by_email)
        # known by one identity each: two profiles so far
        e1, p1 = self.entity(s, "CIOCustomerId", cid)
        e2, p2 = self.entity(s, "Email", email)
        self.assertNotEqual(e1, e2)
        self.assertEqual(self.identities(p1), [("CIOCustomerId", cid)])
        self.assertEqual(self.identities(p2), [("Email", email)])
        self.assertEqual((p1["entity"].get("customerId"), p1["entity"].get("subscribed")), (cid, True))

        both = person_event("customer_cio_subscription_preferences_changed.json", T0 + 30, email=email, cid=cid,
                            content=json.dumps({"topics": {"news": True, "offers": False}}))
        self.post(s, both)
        got = {}
        for ns, value in (("Email", email), ("email", email), ("EMAIL", email), ("CIOCustomerId", cid),
                          ("ciocustomerid", cid)):
            got[(ns, value)] = self.entity(s, ns, value)
        eids = {eid for eid, _ in got.values()}
        self.assertEqual(len(eids), 1, "lookups by each identity disagree: %r" % got)
        profs = [json.dumps(p, sort_keys=True) for _, p in got.values()]
        self.assertEqual(len(set(profs)), 1, "lookups by each identity give different profiles")
        _, prof = got[("Email", email)]
        self.assertEqual(self.identities(prof), sorted([("CIOCustomerId", cid), ("Email", email)]))
        ent = prof["entity"]
        # the id-only graph's attributes came along when the graphs merged
        self.assertEqual(ent.get("customerId"), cid)
        self.assertEqual(ent.get("email"), email)
        self.assertIs(ent.get("subscribed"), True)
        self.assertEqual(ent.get("subscriptionPreferences"), {"topics": {"news": True, "offers": False}})
        self.assertNotIn("cioId", ent)
        self.assertEqual(prof["sources"], [s.dataset_id()])
        self.assertEqual(prof["lastModifiedAt"], harness.iso_utc(T0 + 30))
        g = self.graph(s, "email", email)
        self.assertEqual(g["xid"], prof["entityId"])
        self.assertEqual(g["count"], 2)
        for m in g["members"]:
            self.assertIsInstance(m["firstSeenMs"], int)
            self.assertIsInstance(m["lastSeenMs"], int)
        seen = {(m["namespace"]["code"], m["id"]): (m["firstSeenMs"], m["lastSeenMs"]) for m in g["members"]}
        self.assertEqual(seen[("CIOCustomerId", cid)], ((T0 + 10) * 1000, (T0 + 30) * 1000))
        self.assertEqual(seen[("Email", email)], ((T0 + 20) * 1000, (T0 + 30) * 1000))
        # every event of the person, whichever identity it came by, is on one timeline
        tl = self.events_of(s, "CIOCustomerId", cid)
        self.assertEqual([c["entityId"] for c in tl["children"]],
                         [both["event_id"], by_email["event_id"], by_id["event_id"]])

        # a second person stays apart
        email2, cid2 = "other.%s@example.com" % RUN, "other-%s" % RUN
        other = person_event("customer_subscribed.json", T0 + 40, email=email2, cid=cid2, cio=cio)
        self.post(s, other)
        e_other, p_other = self.entity(s, "CIOID", cio)
        self.assertNotEqual(e_other, prof["entityId"])
        self.assertEqual(self.identities(p_other),
                         sorted([("CIOCustomerId", cid2), ("CIOID", cio), ("Email", email2)]))
        self.assertEqual(p_other["entity"].get("email"), email2)
        self.assertEqual(p_other["entity"].get("cioId"), cio)
        self.assertEqual(self.entity(s, "Email", email)[1], prof, "the first person changed")
        self.assertEqual([c["entityId"] for c in self.events_of(s, "Email", email2)["children"]],
                         [other["event_id"]])

    # ---- merge order -------------------------------------------------------------------------
    def test_newest_event_wins_whatever_the_arrival_order(self):
        s = self.s
        email, cid, cio = "order.%s@example.com" % RUN, "order-%s" % RUN, "cio-order-%s" % RUN
        ids = dict(email=email, cid=cid, cio=cio)
        self.post(s, person_event("customer_subscribed.json", T0 + 2000, **ids))
        _, p = self.entity(s, "Email", email)
        self.assertIs(p["entity"]["subscribed"], True)
        # a Customer.io retry of an older unsubscribe arrives late: no effect
        self.post(s, person_event("customer_unsubscribed.json", T0 + 1000, **ids))
        _, p = self.entity(s, "Email", email)
        self.assertIs(p["entity"]["subscribed"], True, "an older event overwrote a newer attribute")
        self.assertEqual(p["lastModifiedAt"], harness.iso_utc(T0 + 2000))
        # a newer one does
        self.post(s, person_event("customer_unsubscribed.json", T0 + 3000, **ids))
        _, p = self.entity(s, "CIOID", cio)
        self.assertIs(p["entity"]["subscribed"], False)
        self.assertEqual(p["lastModifiedAt"], harness.iso_utc(T0 + 3000))
        # preferences: newest content wins, per attribute
        new = {"topics": {"a": True}}
        old = {"topics": {"a": False, "b": True}}
        tmpl = "customer_cio_subscription_preferences_changed.json"
        self.post(s, person_event(tmpl, T0 + 5000, content=json.dumps(new), **ids))
        self.post(s, person_event(tmpl, T0 + 4000, content=json.dumps(old), **ids))
        _, p = self.entity(s, "CIOCustomerId", cid)
        self.assertEqual(p["entity"]["subscriptionPreferences"], new)
        self.assertIs(p["entity"]["subscribed"], False, "a preferences event changed 'subscribed'")
        # an older subscribe after all that still changes nothing
        self.post(s, person_event("customer_subscribed.json", T0 + 2500, **ids))
        _, p = self.entity(s, "Email", email)
        self.assertIs(p["entity"]["subscribed"], False)
        self.assertEqual(p["entity"]["subscriptionPreferences"], new)
        self.assertEqual((p["entity"]["email"], p["entity"]["customerId"], p["entity"]["cioId"]), (email, cid, cio))

    def test_first_and_last_seen_by_event_time_whatever_the_arrival_order(self):
        """firstSeenMs/lastSeenMs are event times (ms): the oldest and the newest event that
        carried the identity, also when the older event arrives last."""
        s = self.s
        ids = dict(email="seen.%s@example.com" % RUN, cid="seen-%s" % RUN, cio="cio-seen-%s" % RUN)
        self.post(s, person_event("email_opened.json", T0 + 2000, **ids))
        self.post(s, person_event("email_delivered.json", T0 + 1000, **ids))  # a late, older event
        self.post(s, person_event("email_clicked.json", T0 + 1500, **ids))
        want = ((T0 + 1000) * 1000, (T0 + 2000) * 1000)
        for ns, v in (("Email", ids["email"]), ("CIOID", ids["cio"])):
            seen = {(m["namespace"]["code"], m["id"]): (m["firstSeenMs"], m["lastSeenMs"])
                    for m in self.graph(s, ns, v)["members"]}
            self.assertEqual(seen, {("Email", ids["email"]): want, ("CIOCustomerId", ids["cid"]): want,
                                    ("CIOID", ids["cio"]): want},
                             "(firstSeenMs, lastSeenMs) after a late older event; want %r" % (want,))

    # ---- the 50-identity guard ---------------------------------------------------------------
    def test_graph_guard_at_50_identities(self):
        s = self.s
        email = "guard.%s@example.com" % RUN
        before = warning_count(s, s.flow_id, GRAPH_CODE)
        evs = [person_event("email_opened.json", T0 + 100 + k, email=email, cid="guard-%s-%d" % (RUN, k))
               for k in range(1, 50)]
        self.post(s, *evs)
        g = self.graph(s, "Email", email)
        self.assertEqual(g["count"], 50)
        self.assertEqual(warning_count(s, s.flow_id, GRAPH_CODE), before, "warned below the limit")

        # one identity more: not linked, but the record is ingested, with a warning
        extra = "guard-%s-50" % RUN
        over = person_event("email_opened.json", T0 + 200, email=email, cid=extra)
        self.post(s, over)
        g = self.graph(s, "Email", email)
        self.assertEqual(g["count"], 50, "the graph grew past 50")
        self.assertNotIn(("CIOCustomerId", extra), [(m["namespace"]["code"], m["id"]) for m in g["members"]])
        alone = self.graph(s, "CIOCustomerId", extra)
        self.assertNotEqual(alone["xid"], g["xid"])
        self.assertEqual([(m["namespace"]["code"], m["id"]) for m in alone["members"]], [("CIOCustomerId", extra)])
        rec = s.ds_record(over["event_id"])
        self.assertIsNotNone(rec, "the record over the limit was not ingested")
        self.assertEqual([i["id"] for i in rec["identityMap"]["CIOCustomerId"]], [extra])
        # the record still joins the timeline of its primary identity's person
        tl = self.events_of(s, "Email", email, limit=1)
        self.assertEqual(tl["children"][0]["entityId"], over["event_id"])
        self.assertEqual(self.events_of(s, "Email", email)["_page"]["count"], 50)
        got = harness.poll(lambda: warning_count(s, s.flow_id, GRAPH_CODE) == before + 1, what="graph warning")
        self.assertTrue(got, "run warningInfo: %d %s (want %d)" % (
            warning_count(s, s.flow_id, GRAPH_CODE), GRAPH_CODE, before + 1))
        warns = [i for i in flow_errors(s, s.flow_id, "level=warning&limit=1000") if i["code"] == GRAPH_CODE]
        self.assertIn(harness.compact(over).decode(), [w["raw"] for w in warns], "no diagnostics warning")
        for w in warns:
            self.assertEqual((w["level"], w["pointer"]), ("warning", "#/identityMap"))

        # two graphs whose union would pass 50 stay apart too
        h_email, h_cid = "guard-h.%s@example.com" % RUN, "guard-h-%s" % RUN
        self.post(s, person_event("email_opened.json", T0 + 300, email=h_email, cid=h_cid))
        self.assertEqual(self.graph(s, "Email", h_email)["count"], 2)
        link = person_event("email_opened.json", T0 + 301, email=email, cid=h_cid)
        self.post(s, link)
        self.assertEqual(self.graph(s, "Email", email)["count"], 50)
        self.assertEqual(self.graph(s, "CIOCustomerId", h_cid)["count"], 2)
        self.assertIsNotNone(s.ds_record(link["event_id"]))
        got = harness.poll(lambda: warning_count(s, s.flow_id, GRAPH_CODE) == before + 2, what="graph warning")
        self.assertTrue(got, "run warningInfo: %d %s (want %d)" % (
            warning_count(s, s.flow_id, GRAPH_CODE), GRAPH_CODE, before + 2))
        summaries = [w for run in flow_runs(s, s.flow_id) for w in run["metrics"]["recordSummary"]["warningInfo"]
                     if w["code"] == GRAPH_CODE]
        self.assertTrue(summaries and all(w["message"] for w in summaries), summaries)

    # ---- normalisation, test mode ------------------------------------------------------------
    def test_email_identity_trimmed_and_lower_cased(self):
        s = self.s
        plain = "norm.doe+%s@example.com" % RUN
        mixed = " Norm.Doe+%s@Example.COM " % RUN.upper()
        a = person_event("email_opened.json", T0 + 10, email=mixed, cid="norm-a-%s" % RUN)
        b = person_event("email_clicked.json", T0 + 20, email=plain, cid="norm-b-%s" % RUN)
        self.post(s, a, b)
        g = self.graph(s, "Email", plain)
        self.assertEqual(g["count"], 3, g)
        self.assertEqual([m["id"] for m in g["members"] if m["namespace"]["code"] == "Email"], [plain])
        e1, p1 = self.entity(s, "Email", plain)
        e2, p2 = self.entity(s, "email", mixed)
        self.assertEqual(e1, e2)
        self.assertEqual(p1, p2)
        self.assertEqual(self.graph(s, "EMAIL", mixed.strip())["xid"], e1)
        self.assertEqual(len(self.events_of(s, "Email", mixed)["children"]), 2)
        # the dataset keeps the value as sent; the identity is the normalised one
        rec = s.ds_record(a["event_id"])
        self.assertEqual(rec["email"], mixed)
        self.assertEqual(rec["identityMap"]["Email"], [{"id": plain, "primary": True}])

    def test_test_mode_events_stitch_without_cio_id(self):
        s = self.s
        email, cid = "testmode.%s@example.com" % RUN, "tm-%s" % RUN
        a = person_event("test_mode_event.json", None, cid=cid)
        b = person_event("test_mode_event.json", None, cid=cid, email=email)
        c = person_event("test_mode_event.json", None, email=email)
        self.assertNotIn("cio_id", json.dumps(b))
        self.post(s, a, b, c)
        e1, p1 = self.entity(s, "CIOCustomerId", cid)
        e2, _ = self.entity(s, "Email", email)
        self.assertEqual(e1, e2)
        self.assertEqual(self.identities(p1), sorted([("CIOCustomerId", cid), ("Email", email)]))
        self.assertNotIn("cioId", p1["entity"])
        tl = self.events_of(s, "email", email)
        self.assertEqual(sorted(ch["entityId"] for ch in tl["children"]),
                         sorted([a["event_id"], b["event_id"], c["event_id"]]))
        for ch in tl["children"]:
            self.assertEqual(ch["timestamp"], 1585250305000)
            self.assertEqual(ch["entity"]["timestamp"], "2020-03-26T19:18:25Z")
            self.assertNotIn("CIOID", ch["entity"].get("identityMap", {}))

    # ---- timeline ----------------------------------------------------------------------------
    def test_timeline_order_limit_and_window(self):
        s = self.s
        email, cio = "timeline.%s@example.com" % RUN, "cio-tl-%s" % RUN
        tmpl = ["email_sent.json", "email_delivered.json", "email_opened.json", "email_clicked.json",
                "customer_unsubscribed.json"]
        evs = {}
        for k, ts in ((3, T0 + 300), (1, T0 + 100), (5, T0 + 500), (2, T0 + 200), (4, T0 + 400)):
            evs[k] = person_event(tmpl[k - 1], ts, email=email, cio=cio)
        self.post(s, *[evs[k] for k in (3, 1, 5, 2, 4)])
        eid, _ = self.entity(s, "CIOID", cio)

        def ids(j):
            return [c["entityId"] for c in j["children"]]

        newest = [evs[k]["event_id"] for k in (5, 4, 3, 2, 1)]
        j = self.events_of(s, "Email", email)
        self.assertEqual(ids(j), newest)
        self.assertEqual(j["_page"]["orderby"], "-timestamp")
        self.assertIn("_links", j)
        for c in j["children"]:
            self.assertEqual(c["relatedEntityId"], eid)
            self.assertEqual(c["datasetId"], s.dataset_id())
            self.assertEqual(c["entity"]["_id"], c["entityId"])
            self.assertEqual(c["timestamp"], int(harness.datetime.datetime.strptime(
                c["entity"]["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
                    tzinfo=harness.datetime.timezone.utc).timestamp() * 1000))
        self.assertEqual(j["children"][0]["entity"]["metric"], "unsubscribed")
        self.assertEqual(ids(self.events_of(s, "cioid", cio, orderby="-timestamp")), newest)
        j = self.events_of(s, "Email", email, orderby="timestamp")
        self.assertEqual(ids(j), newest[::-1])
        self.assertEqual(j["_page"]["orderby"], "timestamp")
        self.assertEqual(ids(self.events_of(s, "Email", email, limit=2)), newest[:2])
        self.assertEqual(ids(self.events_of(s, "Email", email, limit=2, orderby="timestamp")), newest[::-1][:2])
        self.assertEqual(ids(self.events_of(s, "Email", email, limit=1000)), newest)
        # startTime/endTime: inclusive, epoch ms or ISO-8601
        self.assertEqual(ids(self.events_of(s, "Email", email, startTime=(T0 + 200) * 1000, endTime=(T0 + 400) * 1000)),
                         newest[1:4])
        self.assertEqual(ids(self.events_of(s, "Email", email, startTime=harness.iso_utc(T0 + 200),
                                            endTime=harness.iso_utc(T0 + 400))), newest[1:4])
        self.assertEqual(ids(self.events_of(s, "Email", email, startTime=(T0 + 201) * 1000)), newest[:3])
        self.assertEqual(ids(self.events_of(s, "Email", email, endTime=harness.iso_utc(T0 + 199))), newest[4:])
        self.assertEqual(ids(self.events_of(s, "Email", email, startTime=(T0 + 200) * 1000, endTime=(T0 + 400) * 1000,
                                            limit=1, orderby="timestamp")), [newest[3]])
        self.assertEqual(ids(self.events_of(s, "Email", email, startTime=(T0 + 600) * 1000)), [])
        # refusals
        for bad in ({"limit": 0}, {"limit": 1001}, {"limit": "ten"}, {"limit": -1}, {"orderby": "metric"},
                    {"startTime": "yesterday"}, {"endTime": "2026-13-45T00:00:00Z"}):
            self.assertProblem(timeline(s, "Email", email, **bad), 400, "timeline %r" % bad)
        self.assertProblem(timeline(s, "Bogus", email), 400, "timeline, unknown namespace")
        self.assertProblem(timeline(s, "Email", "nobody.%s@example.com" % RUN), 404, "timeline, no profile")

    # ---- lookup refusals ---------------------------------------------------------------------
    def test_lookup_errors(self):
        s = self.s
        self.assertProblem(lookup(s, "Email", "nobody.%s@example.com" % RUN), 404, "no profile")
        self.assertProblem(lookup(s, "CIOID", "no-such-cio-%s" % RUN), 404, "no profile")
        self.assertProblem(members(s, "Email", "nobody.%s@example.com" % RUN), 404, "no graph")
        self.assertProblem(lookup(s, "Bogus", "x"), 400, "unknown namespace")
        self.assertProblem(lookup(s, "E-mail", "x"), 400, "unknown namespace")
        self.assertProblem(members(s, "NoSuchNs", "x"), 400, "unknown namespace")
        self.assertProblem(s.admin("GET", ENTITIES + "?schema.name=_xdm.context.profile&entityIdNS=Email"), 400,
                           "no entityId")
        self.assertProblem(s.admin("GET", ENTITIES + "?schema.name=_xdm.context.profile&entityId=a@example.com"), 400,
                           "no entityIdNS")
        self.assertProblem(s.admin("GET", ENTITIES + "?schema.name=_xdm.context.nothing&entityId=a&entityIdNS=Email"),
                           400, "bad schema.name")
        self.assertProblem(lookup(s, "Email", "nobody@example.com", policy="no-such-policy"), 404, "unknown policy")

    # ---- identity namespaces -----------------------------------------------------------------
    def test_namespaces_crud(self):
        s = self.s
        lst = s.admin_json(NAMESPACES)
        self.assertIsInstance(lst, list)
        codes = [n["code"] for n in lst]
        for c in ("Email", "CIOID", "CIOCustomerId", "Phone", "ECID"):
            self.assertIn(c, codes)
        for n in lst:
            for k in ("id", "code", "name", "idType", "status"):
                self.assertIn(k, n, n)
        email = [n for n in lst if n["code"] == "Email"][0]
        self.assertEqual(email["idType"], "EMAIL")
        self.assertIs(email["custom"], False)
        self.assertEqual(s.admin_json(NAMESPACES + "/email"), email)
        self.assertEqual(s.admin_json(NAMESPACES + "/%d" % email["id"]), email)
        self.assertEqual(s.admin_json(NAMESPACES + "/cioid")["code"], "CIOID")
        self.assertProblem(s.admin("GET", NAMESPACES + "/NoSuchNamespace"), 404, "unknown namespace")

        code = "Loyalty" + RUN
        body = {"name": "Loyalty member", "code": code, "idType": "CROSS_DEVICE", "description": "loyalty card"}
        r = api(s, "POST", NAMESPACES, body)
        self.assertEqual(r.status, 201, r)
        made = r.json()
        self.assertEqual((made["code"], made["name"], made["idType"], made["description"]),
                         (code, "Loyalty member", "CROSS_DEVICE", "loyalty card"))
        self.assertIs(made["custom"], True)
        self.assertIsInstance(made["id"], int)
        self.assertNotIn(made["id"], [n["id"] for n in lst])
        self.assertEqual(s.admin_json(NAMESPACES + "/" + code.lower()), made)
        self.assertEqual(s.admin_json(NAMESPACES + "/%d" % made["id"]), made)
        self.assertIn(made, s.admin_json(NAMESPACES))
        # the new namespace is usable at once (400 before it existed would be "unknown namespace")
        self.assertProblem(lookup(s, code.upper(), "card-1"), 404, "known namespace, no profile")

        bad = [
            dict(body, code="Loyal-" + RUN),
            dict(body, code="9Lives" + RUN),
            dict(body, code=""),
            dict(body, code="Has space"),
            dict(body, code="x" * 65),
            dict(body, code="Ok" + RUN, idType="BOGUS"),
            {k: v for k, v in body.items() if k != "name"} | {"code": "NoName" + RUN},
            {k: v for k, v in body.items() if k != "code"},
            {k: v for k, v in body.items() if k != "idType"} | {"code": "NoType" + RUN},
            dict(body, code=42),
        ]
        for b in bad:
            self.assertProblem(api(s, "POST", NAMESPACES, b), 400, "bad namespace %r" % b)
        self.assertProblem(api(s, "POST", NAMESPACES, b"{not json"), 400, "not JSON")
        self.assertProblem(api(s, "POST", NAMESPACES, [body]), 400, "not an object")
        after = [n["code"] for n in s.admin_json(NAMESPACES)]
        self.assertEqual(len(after), len(codes) + 1, after)

    def test_unregistered_namespace_skipped_with_warning(self):
        s = self.s
        code = "Member" + RUN
        flow = make_flow(
            s, {"_id": {"type": "string"}, "event_id": {"type": "string"}, "timestamp": {"type": "date-time"},
                "email": {"type": "string"}, "member": {"type": "string"}},
            identities=[("/email", "Email", True), ("/member", code, False)],
            mappings=[("event_id", "_id"), ("event_id", "event_id"), ("timestamp", "timestamp"),
                      ("email", "email"), ("member", "member")],
            name="member events")
        email = "member.%s@example.com" % RUN
        ev1 = {"event_id": "m1-" + RUN, "timestamp": "2026-01-02T00:00:00Z", "email": email, "member": "M-1"}
        self.assertEqual(post_to_flow(s, flow, ev1).status, 200)
        s.wait_event_ids([ev1["event_id"]], dataset_id=flow["dataset_id"])
        rec = s.ds_record(ev1["event_id"], dataset_id=flow["dataset_id"])
        self.assertEqual(rec["identityMap"].get(code), [{"id": "M-1", "primary": False}], rec)
        g = self.graph(s, "Email", email)
        self.assertEqual([(m["namespace"]["code"], m["id"]) for m in g["members"]], [("Email", email)])
        self.assertProblem(lookup(s, code, "M-1"), 400, "a namespace nobody registered")
        got = harness.poll(lambda: warning_count(s, flow["flow_id"], NAMESPACE_CODE) == 1, what="namespace warning")
        self.assertTrue(got, "no %s in the run's warningInfo: %r" % (
            NAMESPACE_CODE, [r["metrics"]["recordSummary"] for r in flow_runs(s, flow["flow_id"])]))
        # the events of this flow's person are on their timeline, from this dataset
        tl = self.events_of(s, "Email", email)
        self.assertEqual([(c["entityId"], c["datasetId"]) for c in tl["children"]],
                         [(ev1["event_id"], flow["dataset_id"])])

        # registered: the next record links it
        r = api(s, "POST", NAMESPACES, {"name": "Member", "code": code, "idType": "CROSS_DEVICE"})
        self.assertEqual(r.status, 201, r)
        ev2 = {"event_id": "m2-" + RUN, "timestamp": "2026-01-03T00:00:00Z", "email": email, "member": "M-1"}
        self.assertEqual(post_to_flow(s, flow, ev2).status, 200)
        s.wait_event_ids([ev2["event_id"]], dataset_id=flow["dataset_id"])
        g = self.graph(s, code.lower(), "M-1")
        self.assertEqual(sorted((m["namespace"]["code"], m["id"]) for m in g["members"]),
                         sorted([("Email", email), (code, "M-1")]))
        self.assertEqual(self.entity(s, code, "M-1")[0], self.entity(s, "Email", email)[0])
        self.assertEqual(warning_count(s, flow["flow_id"], NAMESPACE_CODE), 1)

    # ---- merge policies ----------------------------------------------------------------------
    def created_policy(self, r):
        """The policy a POST made: its body, with the id from the Location header when the body
        lacks it (test_merge_policy_create_answers_the_policy checks the body itself)."""
        p = dict(r.json())
        loc = r.headers.get("location", "")
        self.assertTrue(loc.startswith(POLICIES + "/"), r.headers)
        p.setdefault("id", loc.rsplit("/", 1)[-1])
        return p

    def test_merge_policy_create_answers_the_policy(self):
        """POST answers the stored policy as GET shows it, with its id (AEP's create response)."""
        s = self.s
        body = {"name": "create answer " + RUN, "schema": {"name": "_xdm.context.profile"},
                "identityGraph": {"type": "pdg"}, "attributeMerge": {"type": "timestampOrdered"}}
        r = api(s, "POST", POLICIES, body)
        self.assertEqual(r.status, 201, r)
        loc_id = r.headers.get("location", "").rsplit("/", 1)[-1]
        got = s.admin_json(POLICIES + "/" + loc_id)
        self.assertEqual(got["name"], body["name"])
        made = r.json()
        self.assertEqual(made.get("id"), loc_id, "POST %s answered a policy without its id: %r" % (POLICIES, made))
        self.assertEqual(made, got)
        self.assertEqual(s.admin("DELETE", POLICIES + "/" + loc_id).status, 204)

    def test_merge_policies_crud_and_lookup(self):
        s = self.s
        lst = s.admin_json(POLICIES)
        self.assertIn("_page", lst)
        by_id = {p["id"]: p for p in lst["children"]}
        self.assertIn("timestamp-ordered-default", by_id)
        dflt = by_id["timestamp-ordered-default"]
        self.assertEqual(dflt["name"], "Default Timestamp-Ordered")
        self.assertEqual(dflt["attributeMerge"]["type"], "timestampOrdered")
        self.assertEqual(dflt["identityGraph"]["type"], "pdg")
        self.assertEqual(dflt["schema"]["name"], "_xdm.context.profile")
        self.assertIs(dflt["default"], True)
        self.assertEqual(s.admin_json(POLICIES + "/timestamp-ordered-default")["name"], "Default Timestamp-Ordered")
        self.assertProblem(s.admin("GET", POLICIES + "/no-such-policy"), 404, "unknown policy")

        # a second Profile dataset (IndividualProfile records) next to the Customer.io one
        prof = make_flow(
            s, {"_id": {"type": "string"}, "email": {"type": "string"}, "subscribed": {"type": "boolean"},
                "tier": {"type": "string"}},
            klass=PROFILE_CLASS, identities=[("/email", "Email", True)],
            mappings=[("pid", "_id"), ("email", "email"), ("subscribed", "subscribed"), ("tier", "tier")],
            name="crm profiles")
        cio_ds = s.dataset_id()
        ts_body = {"name": "newest first " + RUN, "schema": {"name": "_xdm.context.profile"},
                   "identityGraph": {"type": "pdg"}, "attributeMerge": {"type": "timestampOrdered"}}
        ds_body = {"name": "Customer.io first " + RUN, "schema": {"name": "_xdm.context.profile"},
                   "identityGraph": {"type": "pdg"},
                   "attributeMerge": {"type": "dataSetPrecedence", "order": [cio_ds, prof["dataset_id"]]}}

        # refusals
        bad = [
            {k: v for k, v in ts_body.items() if k != "name"},
            dict(ts_body, identityGraph={"type": "none"}),
            {k: v for k, v in ts_body.items() if k != "identityGraph"},
            dict(ts_body, attributeMerge={"type": "newestWins"}),
            {k: v for k, v in ts_body.items() if k != "attributeMerge"},
            dict(ts_body, attributeMerge={"type": "dataSetPrecedence"}),
            dict(ts_body, attributeMerge={"type": "dataSetPrecedence", "order": []}),
            dict(ts_body, attributeMerge={"type": "dataSetPrecedence", "order": [1, 2]}),
            dict(ts_body, schema={"name": "_xdm.context.experienceevent"}),
            dict(ts_body, default="yes"),
        ]
        for b in bad:
            self.assertProblem(api(s, "POST", POLICIES, b), 400, "bad policy %r" % b)
        self.assertProblem(api(s, "POST", POLICIES, b"{nope"), 400, "not JSON")

        r = api(s, "POST", POLICIES, ts_body)
        self.assertEqual(r.status, 201, r)
        p1 = self.created_policy(r)
        self.assertEqual((p1["name"], p1["attributeMerge"]), (ts_body["name"], ts_body["attributeMerge"]))
        self.assertIs(p1.get("default"), False, p1)
        got1 = s.admin_json(POLICIES + "/" + p1["id"])
        self.assertEqual((got1["id"], got1["name"], got1["default"]), (p1["id"], ts_body["name"], False))

        r = api(s, "POST", POLICIES, dict(ds_body, default=True))
        self.assertEqual(r.status, 201, r)
        p2 = self.created_policy(r)
        self.assertIs(p2.get("default"), True, p2)

        def defaults():
            return sorted(p["id"] for p in s.admin_json(POLICIES)["children"] if p.get("default") is True)

        self.assertEqual(defaults(), [p2["id"]], "one default at a time")
        self.assertIs(s.admin_json(POLICIES + "/timestamp-ordered-default")["default"], False)
        self.assertEqual([p["id"] for p in s.admin_json(POLICIES + "?default=true")["children"]], [p2["id"]])

        # PATCH: JSON Patch or a merge object; making p1 the default clears p2
        r = api(s, "PATCH", POLICIES + "/" + p1["id"], [{"op": "replace", "path": "/default", "value": True}])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(defaults(), [p1["id"]])
        r = api(s, "PATCH", POLICIES + "/" + p1["id"], {"name": "renamed " + RUN})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(s.admin_json(POLICIES + "/" + p1["id"])["name"], "renamed " + RUN)
        self.assertProblem(api(s, "PATCH", POLICIES + "/" + p1["id"],
                               [{"op": "replace", "path": "/identityGraph/type", "value": "none"}]), 400, "none")
        self.assertEqual(s.admin_json(POLICIES + "/" + p1["id"])["identityGraph"], {"type": "pdg"})
        self.assertProblem(api(s, "PATCH", POLICIES + "/no-such-policy", {"name": "x"}), 404, "patch unknown")

        # lookups under each policy: the Customer.io dataset says subscribed (January 2026), the
        # CRM dataset says not (a profile record without a timestamp is as new as its ingestion)
        email = "policy.%s@example.com" % RUN
        self.post(s, person_event("customer_subscribed.json", T0 + 50, email=email, cid="policy-" + RUN))
        rec = {"pid": "crm-" + RUN, "email": email, "subscribed": False, "tier": "gold"}
        self.assertEqual(post_to_flow(s, prof, rec).status, 200)
        harness.poll(lambda: s.ds_query("SELECT count(*) FROM {ds}", dataset_id=prof["dataset_id"])[0][0] == 1,
                     what="CRM profile row")
        _, newest = self.entity(s, "Email", email, policy="timestamp-ordered-default")
        self.assertIs(newest["entity"]["subscribed"], False, newest)
        self.assertEqual(newest["entity"]["tier"], "gold")
        self.assertEqual(newest["entity"]["customerId"], "policy-" + RUN)
        self.assertEqual(sorted(newest["sources"]), sorted([cio_ds, prof["dataset_id"]]))
        _, cio_first = self.entity(s, "Email", email, policy=p2["id"])
        self.assertIs(cio_first["entity"]["subscribed"], True, cio_first)
        self.assertEqual(cio_first["entity"]["tier"], "gold", "an attribute only one dataset has")
        _, via_default = self.entity(s, "Email", email)  # p1 is the default: timestamp-ordered
        self.assertIs(via_default["entity"]["subscribed"], False)
        r = api(s, "PATCH", POLICIES + "/" + p2["id"], {"attributeMerge": {
            "type": "dataSetPrecedence", "order": [prof["dataset_id"], cio_ds]}})
        self.assertEqual(r.status, 200, r)
        self.assertIs(self.entity(s, "Email", email, policy=p2["id"])[1]["entity"]["subscribed"], False)
        # the profile record is not an ExperienceEvent: not on the timeline
        self.assertEqual([c["datasetId"] for c in self.events_of(s, "Email", email)["children"]], [cio_ds])

        # DELETE
        r = s.admin("DELETE", POLICIES + "/" + p1["id"])
        self.assertEqual(r.status, 204, r)
        self.assertProblem(s.admin("GET", POLICIES + "/" + p1["id"]), 404, "deleted policy")
        self.assertProblem(s.admin("DELETE", POLICIES + "/" + p1["id"]), 404, "deleted twice")
        self.assertProblem(lookup(s, "Email", email, policy=p1["id"]), 404, "lookup with a deleted policy")
        self.assertNotIn(p1["id"], [p["id"] for p in s.admin_json(POLICIES)["children"]])
        # restore the built-in default for the other tests
        r = api(s, "PATCH", POLICIES + "/timestamp-ordered-default",
                [{"op": "replace", "path": "/default", "value": True}])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(defaults(), ["timestamp-ordered-default"])


class NamespaceConflict(ProfileBase):
    """A code taken already, in any case, answers 409 naming it. A sluice of its own: this once
    read the code after freeing the request body (a use-after-free AddressSanitizer aborts on)."""

    def test_duplicate_code_409(self):
        s = self.sluice()
        code = "Club" + RUN
        body = {"name": "Club", "code": code, "idType": "CROSS_DEVICE"}
        self.assertEqual(api(s, "POST", NAMESPACES, body).status, 201)
        for dup in (code, code.upper(), code.lower(), "email", "CIOID", "ecid", "Phone"):
            j = self.assertProblem(api(s, "POST", NAMESPACES, dict(body, code=dup)), 409, "duplicate code %s" % dup)
            self.assertIn("'%s'" % dup, j["detail"])
        self.assertEqual([n["code"] for n in s.admin_json(NAMESPACES)].count(code), 1)
        self.assertTrue(s.running(), "sluice died answering a duplicate namespace code")


class Restart(ProfileBase):
    def test_profiles_namespaces_and_policies_survive_a_restart(self):
        s = self.sluice()
        email, cid = "restart.%s@example.com" % RUN, "restart-%s" % RUN
        code = "Card" + RUN
        self.post(s, person_event("customer_subscribed.json", T0 + 10, email=email, cid=cid),
                  person_event("email_opened.json", T0 + 20, email=email))
        r = api(s, "POST", NAMESPACES, {"name": "Card", "code": code, "idType": "DEVICE"})
        self.assertEqual(r.status, 201, r)
        r = s.admin("DELETE", POLICIES + "/timestamp-ordered-default")
        self.assertEqual(r.status, 204, r)
        r = api(s, "POST", POLICIES, {"name": "mine", "schema": {"name": "_xdm.context.profile"}, "default": True,
                                      "identityGraph": {"type": "pdg"}, "attributeMerge": {"type": "timestampOrdered"}})
        self.assertEqual(r.status, 201, r)
        before = self.entity(s, "Email", email)
        tl = self.events_of(s, "CIOCustomerId", cid)
        policies = s.admin_json(POLICIES)["children"]
        s.stop()
        s.start()
        self.assertEqual(self.entity(s, "CIOCustomerId", cid), before)
        self.assertEqual(self.events_of(s, "CIOCustomerId", cid), tl)
        self.assertEqual(s.admin_json(NAMESPACES + "/" + code)["code"], code)
        self.assertProblem(lookup(s, code, "x"), 404, "a custom namespace after a restart")
        after = s.admin_json(POLICIES)["children"]
        self.assertEqual(sorted(p["id"] for p in after), sorted(p["id"] for p in policies),
                         "the deleted built-in policy came back, or one went")
        self.assertEqual([p["name"] for p in after if p["default"]], ["mine"])


class PrivacyDelete(ProfileBase):
    """DELETE /data/core/ups/access/entities and `sluice privacy delete` on a sluice of its own."""

    def data_dir_hits(self, s, needles):
        """{(file, needle)} for every file of the data directory holding one of `needles`
        (bytes, searched case-insensitively)."""
        hits = set()
        for name in sorted(os.listdir(s.data_dir)):
            path = os.path.join(s.data_dir, name)
            if not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                data = f.read().lower()
            for n in needles:
                if n.lower() in data:
                    hits.add((name, n.decode()))
        return hits

    def landing_hits(self, s, needles):
        hits = set()
        for seq, _, _, _, body in s.landing_rows():
            for n in needles:
                if n.lower() in bytes(body).lower():
                    hits.add((seq, n.decode()))
        return hits

    def sql_hits(self, s, *needles):
        """{table: rows} of the profile tables, the diagnostics and every dataset table holding
        one of `needles` (case-insensitively), in one query."""
        cols = [("id_nodes", ("xid", "value", "root")), ("profile_attrs", ("value", "root")),
                ("profile_events", ("xid",)), ("diagnostics", ("raw", "message"))]
        cols += [('"%s"' % t, ("record",)) for t in s.store_tables() if t.startswith("ds_")]
        parts, args = [], []
        for table, cs in cols:
            conds = []
            for c in cs:
                for n in needles:
                    conds.append("lower(%s) LIKE ?" % c)
                    args.append("%" + n.lower() + "%")
            parts.append("SELECT '%s' AS tbl, count(*) AS hits FROM %s WHERE %s"
                         % (table.strip('"'), table, " OR ".join(conds)))
        return {t: n for t, n in s.store_rows(" UNION ALL ".join(parts), tuple(args)) if n}

    def test_privacy_delete_leaves_no_trace(self):
        s = self.sluice()
        first_flow_enable_diagnostics(s)
        ds = s.dataset_id()
        a = dict(email="anna.%s@example.com" % RUN, cid="cust-a-%s" % RUN, cio="cio-a-%s" % RUN)
        b = dict(email="bob.%s@example.com" % RUN, cid="cust-b-%s" % RUN, cio="cio-b-%s" % RUN)
        # Carl's customer id is "96", a number every email_delivered event carries as action_id
        c = dict(email="carl.%s@example.com" % RUN, cid="96", cio="cio-c-%s" % RUN)
        d_email = "dora.%s@example.com" % RUN
        a_mixed = " Anna.%s@Example.COM " % RUN.upper()
        a_events = [
            person_event("customer_subscribed.json", T0 + 10, **a),
            person_event("email_delivered.json", T0 + 20, **a),
            person_event("test_mode_event.json", T0 + 30, cid=a["cid"]),
            person_event("email_opened.json", T0 + 40, email=a_mixed, cid=a["cid"]),
        ]
        a_fail = person_event("customer_unsubscribed.json", T0 + 50, drop_timestamp=True, **a)
        b_events = [person_event("customer_subscribed.json", T0 + 10, **b),
                    person_event("email_delivered.json", T0 + 20, **b)]
        b_fail = person_event("email_opened.json", T0 + 50, drop_timestamp=True, **b)
        c_events = [person_event("customer_subscribed.json", T0 + 10, **c)]
        d_fail = person_event("email_clicked.json", T0 + 60, drop_timestamp=True, email=d_email)
        self.post(s, *(a_events + b_events + c_events))
        # a dataset without Profile whose records name people by email only (no identities)
        plain = make_flow(s, {"_id": {"type": "string"}, "note": {"type": "string"}, "contact": {"type": "string"}},
                          mappings=[("id", "_id"), ("note", "note"), ("contact", "contact")],
                          name="notes", profile=False)
        notes = [{"id": "note-a-" + RUN, "note": "called", "contact": a_mixed},
                 {"id": "note-b-" + RUN, "note": "called", "contact": b["email"]}]
        for n in notes:
            self.assertEqual(post_to_flow(s, plain, n).status, 200)
        harness.poll(lambda: s.ds_query("SELECT count(*) FROM {ds}", dataset_id=plain["dataset_id"])[0][0] == 2,
                     what="rows of the plain dataset")
        for ev in (a_fail, b_fail, d_fail):
            self.assertEqual(s.post_event(ev).status, 200)
        fails = [harness.compact(ev).decode() for ev in (a_fail, b_fail, d_fail)]
        got = harness.poll(lambda: sorted(i["raw"] for i in flow_errors(s, s.flow_id)) == sorted(fails),
                           what="diagnostics of the failed events")
        self.assertTrue(got, "diagnostics: %r" % flow_errors(s, s.flow_id))

        b_before = self.entity(s, "Email", b["email"])
        b_timeline = self.events_of(s, "Email", b["email"])
        self.assertEqual(self.graph(s, "Email", a["email"])["count"], 3)
        a_needles = [a["email"].encode(), a_mixed.strip().encode(), a["cid"].encode(), a["cio"].encode()]
        # the checks below would see the person if they were there
        self.assertTrue(self.data_dir_hits(s, a_needles))
        self.assertTrue(self.landing_hits(s, a_needles))
        self.assertTrue(self.sql_hits(s, a["email"]))
        if harness.STORE == "postgres":
            self.assertIn(a["email"], harness.store_dump(s.data_dir).lower())

        r = s.admin("DELETE", "%s?entityId=%s&entityIdNS=email" % (ENTITIES, q(a["email"])))
        self.assertEqual(r.status, 200, r)
        rep = r.json()
        self.assertEqual(rep["deleted"], {"identities": 3, "attributes": 4, "timelineLinks": 4, "datasetRows": 5,
                                          "errorDiagnostics": 1, "landedEvents": 6}, rep)
        self.assertEqual(sorted((i["namespace"]["code"], i["id"]) for i in rep["identities"]),
                         sorted([("CIOCustomerId", a["cid"]), ("CIOID", a["cio"]), ("Email", a["email"])]))

        # a second delete finds nothing more
        r = s.admin("DELETE", "%s?entityId=%s&entityIdNS=CIOID" % (ENTITIES, q(a["cio"])))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"deleted": {"identities": 0, "attributes": 0, "timelineLinks": 0, "datasetRows": 0,
                                                "errorDiagnostics": 0, "landedEvents": 0}, "identities": []})

        # API: no profile, graph, timeline, row or diagnostic of the person
        for ns, v in (("Email", a["email"]), ("Email", a_mixed), ("CIOCustomerId", a["cid"]), ("CIOID", a["cio"])):
            self.assertProblem(lookup(s, ns, v), 404, "profile after delete")
            self.assertProblem(members(s, ns, v), 404, "graph after delete")
            self.assertProblem(timeline(s, ns, v), 404, "timeline after delete")
        preview = s.admin_json("%s/datasets/%s/preview?limit=100" % (EXP, ds))["data"]
        text = json.dumps(preview).lower()
        for n in a_needles:
            self.assertNotIn(n.decode().lower(), text, "preview still shows the person")
        self.assertEqual(sorted(p["event_id"] for p in preview),
                         sorted(ev["event_id"] for ev in b_events + c_events))
        self.assertEqual(sorted(i["raw"] for i in flow_errors(s, s.flow_id)), sorted(fails[1:]))
        # the dataset without Profile: the row whose value is their email (as written) went
        left = [r[0] for r in s.ds_query("SELECT _id FROM {ds}", dataset_id=plain["dataset_id"])]
        self.assertEqual(left, ["note-b-" + RUN])

        # SQL, landing log and (SQLite) every file of the data directory
        self.assertEqual(self.sql_hits(s, *[n.decode() for n in a_needles]), {}, "rows still holding the person")
        self.assertEqual(self.landing_hits(s, a_needles), set(), "landing rows of the person")
        if harness.STORE == "postgres":
            dump = harness.store_dump(s.data_dir).lower()
            for n in a_needles:
                self.assertNotIn(n.decode().lower(), dump, "pg_dump still holds %s" % n)
            files = [f for f in os.listdir(s.data_dir) if f.startswith("landing.db")]
            self.assertTrue(files)
        hits = harness.poll(lambda: not self.data_dir_hits(s, a_needles), what="the person's bytes in the data dir")
        self.assertTrue(hits, "files of the data directory still holding the person: %r"
                        % sorted(self.data_dir_hits(s, a_needles)))

        self.assertEqual(self.graph(s, "CIOID", c["cio"])["count"], 3)
        self.b_intact(s, b, b_before, b_timeline, ds, plain)

        # the CLI: the same through the admin API, from a shell
        p = subprocess.run([harness.sluice_bin(), "privacy", "delete", "--namespace", "cioid", "--id", c["cio"],
                            "--admin", "127.0.0.1:%d" % s.admin_port],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, (out, p.stderr))
        self.assertTrue(out.startswith("deleted:"), out)
        for part in ("identities=3", "attributes=4", "timelineLinks=1", "datasetRows=1", "errorDiagnostics=0",
                     "landedEvents=1"):
            self.assertIn(part, out.split())
        self.assertProblem(lookup(s, "Email", c["email"]), 404, "profile after the CLI delete")
        self.assertEqual(self.landing_hits(s, [c["email"].encode(), c["cio"].encode()]), set())
        self.b_intact(s, b, b_before, b_timeline, ds, plain)  # their events carry 96 as action_id
        p = subprocess.run([harness.sluice_bin(), "privacy", "delete", "--namespace", "Nope", "--id", "x",
                            "--admin", "127.0.0.1:%d" % s.admin_port],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        self.assertNotEqual(p.returncode, 0, p)

        # someone who was never in a Profile dataset: still found in diagnostics and the landing log
        r = s.admin("DELETE", "%s?entityId=%s&entityIdNS=Email" % (ENTITIES, q(d_email.upper())))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["deleted"], {"identities": 0, "attributes": 0, "timelineLinks": 0, "datasetRows": 0,
                                               "errorDiagnostics": 1, "landedEvents": 1}, r.json())
        self.assertEqual(r.json()["identities"], [])
        self.assertEqual(sorted(i["raw"] for i in flow_errors(s, s.flow_id)), [fails[1]])
        hits = harness.poll(lambda: not self.data_dir_hits(s, [d_email.encode()]), what="dora's bytes")
        self.assertTrue(hits, sorted(self.data_dir_hits(s, [d_email.encode()])))

        # refusals
        self.assertProblem(s.admin("DELETE", "%s?entityId=x&entityIdNS=Bogus" % ENTITIES), 400, "unknown namespace")
        self.assertProblem(s.admin("DELETE", "%s?entityIdNS=Email" % ENTITIES), 400, "no entityId")
        self.b_intact(s, b, b_before, b_timeline, ds, plain)

    def test_privacy_delete_while_events_arrive(self):
        """Every delete answers 200 while the pipeline writes (and the store's checkpointer runs):
        for 4 s, two threads post events while the test deletes people, two of them real."""
        import threading
        s = self.sluice()
        s.flow()
        people = [("racer%d.%s@example.com" % (k, RUN), "racer-%d-%s" % (k, RUN)) for k in range(2)]
        self.post(s, *[person_event("customer_subscribed.json", T0 + 1, email=e, cid=c) for e, c in people])
        stop = threading.Event()
        posted = []

        def feed(i):
            k = 0
            while not stop.is_set():
                k += 1
                ev = person_event("email_opened.json", T0 + k, email="feed%d.%d.%s@example.com" % (i, k % 20, RUN),
                                  cid="feed-%d-%d-%s" % (i, k, RUN))
                r = s.post_event(ev)
                posted.append(r.status)

        feeders = [threading.Thread(target=feed, args=(i,), name="feed%d" % i, daemon=True) for i in range(2)]
        for th in feeders:
            th.start()
        answers = []
        try:
            deadline = time.monotonic() + 4.0
            k = 0
            while time.monotonic() < deadline:
                email = people[k][0] if k < len(people) else "nobody.%d.%s@example.com" % (k, RUN)
                r = s.admin("DELETE", "%s?entityId=%s&entityIdNS=Email" % (ENTITIES, q(email)))
                answers.append((email, r.status, r.body[:200]))
                k += 1
        finally:
            stop.set()
            for th in feeders:
                th.join(timeout=10)
        self.assertTrue(posted and all(st == 200 for st in posted), "collect answers: %r" % sorted(set(posted)))
        failed = [a for a in answers if a[1] != 200]
        self.assertEqual(failed, [], "%d of %d privacy deletes failed while events arrived, e.g. %r"
                         % (len(failed), len(answers), failed[:3]))
        for e, c in people:
            self.assertProblem(lookup(s, "CIOCustomerId", c), 404, "deleted while events arrived")

    def b_intact(self, s, b, before, tl, ds, plain):
        """Bob, whom no delete named, has all he had."""
        self.assertEqual(self.entity(s, "Email", b["email"]), before)
        self.assertEqual(self.events_of(s, "Email", b["email"]), tl)
        self.assertEqual(self.graph(s, "CIOCustomerId", b["cid"])["count"], 3)
        self.assertEqual(len(self.landing_hits(s, [b["email"].encode()])), 4)  # 3 events and a note
        hits = self.sql_hits(s, b["email"])
        self.assertEqual((hits.get("ds_" + ds), hits.get("ds_" + plain["dataset_id"]), hits.get("diagnostics")),
                         (2, 1, 1), hits)


if __name__ == "__main__":
    harness.main()
