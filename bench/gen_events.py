#!/usr/bin/env python3
"""Generate signed Customer.io reporting-webhook requests for the benchmark.

Reads the pretty-printed sample events in tests/data/customerio/*.json (every file that is
one event object, i.e. has an "event_id"), and writes N distinct events, cycling through
the templates in file-name order.  Each event

  * is the template with a fresh, unique `event_id` (26 Crockford base32 characters,
    ULID layout: 48-bit millisecond time that matches `timestamp`, then 80 bits that are
    a per-run salt plus the event's index, so ids never repeat within a file) and a
    `timestamp` spread over the ten minutes before generation;
  * is serialised compactly with sorted keys, as Customer.io sends it (including Go's
    HTML-safe escaping of <, > and & as \\u003c, \\u003e, \\u0026);
  * is signed like Customer.io does it: X-CIO-Timestamp is the generation time in unix
    seconds, X-CIO-Signature = hex(HMAC-SHA256(key, "v0:" + X-CIO-Timestamp + ":" + body)).

Output: one request per line, three tab-separated fields

    <X-CIO-Timestamp> TAB <X-CIO-Signature> TAB <body>

Compact JSON never contains a raw tab or newline, so the format needs no escaping.  The
wrk script bench/post.lua reads this file.  Standard library only.

With --customers N every event is about one of N synthetic customers (picked at random)
instead of the one or two people of the samples: data.customer_id, data.identifiers (id,
cio_id, email), data.email_address and an e-mail data.recipient are rewritten consistently, so
profiles and identity graphs see N people (bench/cluster.sh: processors do not all update the
same few profile rows).

Usage: gen_events.py --key KEY --count N --out FILE [--templates DIR] [--seed S] [--customers N]
"""

import argparse
import glob
import hashlib
import hmac
import json
import os
import random
import sys
import time

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(ms: int, rand80: int) -> str:
    """Encode a 128-bit ULID (48-bit ms time, 80 random bits) as 26 Crockford base32 chars."""
    value = ((ms & ((1 << 48) - 1)) << 80) | (rand80 & ((1 << 80) - 1))
    out = []
    for _ in range(26):  # 26 * 5 = 130 bits; the top two are always zero
        out.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))


def load_templates(directory: str) -> list:
    """Every *.json in `directory` that is a single event object, in file-name order."""
    templates = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
        if isinstance(obj, dict) and "event_id" in obj and "timestamp" in obj:
            templates.append((os.path.basename(path), obj))
    return templates


def go_html_escape(s: str) -> str:
    """Escape <, > and & the way Go's encoding/json does by default (Customer.io is Go).
    These characters can only occur inside JSON strings, so a plain replace is safe."""
    return s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def as_customer(data: dict, k: int) -> dict:
    """A copy of an event's `data` whose person is synthetic customer number k."""
    data = dict(data)
    cid, email = str(1000000 + k), f"customer{k}@example.com"
    old_emails = {data.get("email_address"), (data.get("identifiers") or {}).get("email")} - {None}
    if "customer_id" in data:
        data["customer_id"] = cid
    if isinstance(data.get("identifiers"), dict):
        ids = dict(data["identifiers"])
        if "id" in ids:
            ids["id"] = cid
        if "cio_id" in ids:
            ids["cio_id"] = f"c{k:011x}"
        if "email" in ids:
            ids["email"] = email
        data["identifiers"] = ids
    if "email_address" in data:
        data["email_address"] = email
    if data.get("recipient") in old_emails:
        data["recipient"] = email
    return data


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    default_templates = os.path.join(here, "..", "tests", "data", "customerio")

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--key", required=True, help="Customer.io signing key (used as raw bytes)")
    ap.add_argument("--count", type=int, default=200000, help="number of events (default 200000)")
    ap.add_argument("--out", required=True, help="output file")
    ap.add_argument("--templates", default=default_templates, help="directory of sample events")
    ap.add_argument("--seed", type=int, default=None, help="RNG seed (default: random)")
    ap.add_argument("--now", type=int, default=None, help="generation time, unix s (default: now)")
    ap.add_argument("--customers", type=int, default=0,
                    help="spread the events over this many synthetic customers (default 0: the samples' own)")
    args = ap.parse_args()

    if args.count < 1:
        ap.error("--count must be at least 1")
    if args.customers < 0:
        ap.error("--customers must not be negative")
    templates = load_templates(args.templates)
    if not templates:
        print(f"gen_events: no event templates in {args.templates}", file=sys.stderr)
        return 1

    rng = random.Random(args.seed)
    now = args.now if args.now is not None else int(time.time())
    header_ts = str(now)
    key = args.key.encode("utf-8")
    prefix = b"v0:" + header_ts.encode("ascii") + b":"
    # 80-bit ULID tail = 48-bit per-run salt << 32 | event index: unique within the file,
    # and two runs collide only if their salts do.
    salt = rng.getrandbits(48) << 32
    if args.count >= 1 << 32:
        ap.error("--count must be below 2**32")

    total_bytes = 0
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as out:
        for i in range(args.count):
            _, tpl = templates[i % len(templates)]
            ts = now - rng.randrange(600)           # event time: the last ten minutes
            ev = dict(tpl)                           # shallow copy: only top-level keys change
            ev["timestamp"] = ts
            ev["event_id"] = ulid(ts * 1000 + rng.randrange(1000), salt | i)
            if args.customers > 0 and isinstance(ev.get("data"), dict):
                ev["data"] = as_customer(ev["data"], rng.randrange(args.customers))
            body = go_html_escape(
                json.dumps(ev, separators=(",", ":"), sort_keys=True)).encode("utf-8")
            sig = hmac.new(key, prefix + body, hashlib.sha256).hexdigest()
            out.write(header_ts.encode("ascii") + b"\t" + sig.encode("ascii") + b"\t" + body + b"\n")
            total_bytes += len(body)
    os.replace(tmp, args.out)

    print(f"gen_events: {args.count} events from {len(templates)} templates"
          f"{f', {args.customers} customers' if args.customers else ''}, "
          f"mean body {total_bytes / args.count:.0f} B, X-CIO-Timestamp {header_ts}, "
          f"-> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
