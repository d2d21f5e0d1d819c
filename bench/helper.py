#!/usr/bin/env python3
"""Small helpers for bench/run.sh (standard library only; every wait is bounded).

  helper.py ports N                      print N free TCP ports on 127.0.0.1, one per line
  helper.py wait-http URL STATUS SECS    poll GET URL until it answers STATUS; exit 1 on timeout
  helper.py inlet ADMIN_URL SECS         print "PATH?x-adobe-flow-id=FLOW" of sluice's first
                                         flow that has an inletUrl
  helper.py echo-check URL EVENTS_FILE   POST the first event's body to URL (nginx's echo
                                         location) and check the answer is that body
  helper.py visible DATA ADMIN_URL ACKED SENT T0 SECS
                                         poll until every landed event is visible in the
                                         dataset tables; print a report and one "VISIBLE ..."
                                         line for run.sh
"""

import json
import os
import socket
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def http_get(url: str, timeout: float = 2.0):
    """(status, body bytes) of GET url; (None, b"") when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError):
        return None, b""


def cmd_ports(n: str) -> int:
    # Hold every socket open until all are bound, so the N ports are distinct.
    socks = []
    for _ in range(int(n)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    for s in socks:
        print(s.getsockname()[1])
        s.close()
    return 0


def cmd_wait_http(url: str, status: str, secs: str) -> int:
    deadline = time.monotonic() + float(secs)
    last = None
    while time.monotonic() < deadline:
        last, _ = http_get(url, timeout=1.0)
        if last == int(status):
            return 0
        time.sleep(0.05)
    print(f"helper: {url} did not answer {status} within {secs}s (last: {last})", file=sys.stderr)
    return 1


def cmd_inlet(admin: str, secs: str) -> int:
    url = admin.rstrip("/") + "/data/foundation/flowservice/flows"
    deadline = time.monotonic() + float(secs)
    body = b""
    while time.monotonic() < deadline:
        status, body = http_get(url)
        if status == 200:
            try:
                items = json.loads(body).get("items", [])
            except ValueError:
                items = []
            for flow in items:
                inlet = (flow.get("options") or {}).get("inletUrl")
                if inlet and flow.get("id"):
                    path = urllib.parse.urlsplit(inlet).path
                    query = urllib.parse.urlencode({"x-adobe-flow-id": flow["id"]})
                    print(f"{path}?{query}")
                    return 0
        time.sleep(0.1)
    print(f"helper: no flow with an inletUrl at {url} within {secs}s; last answer: "
          f"{body[:300]!r}", file=sys.stderr)
    return 1


def cmd_echo_check(url: str, events_file: str) -> int:
    with open(events_file, "rb") as f:
        body = f.readline().rstrip(b"\n").split(b"\t", 2)[2]
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            got = r.read()
    except (urllib.error.URLError, OSError) as e:
        print(f"helper: echo-check {url}: {e}", file=sys.stderr)
        return 1
    if got.rstrip(b"\n") != body:
        print(f"helper: echo-check: nginx answered {got[:100]!r}..., not the body it was sent",
              file=sys.stderr)
        return 1
    print(f"nginx: self-check: it read the whole {len(body)}-byte body")
    return 0


def count_rows(db_path: str, tables: list) -> int:
    """Sum of count(*) over `tables` that exist in db_path (read-only; 0 if it is missing)."""
    if not os.path.exists(db_path):
        return 0
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=2.0)
    try:
        have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return sum(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                   for t in tables if t in have)
    finally:
        con.close()


def dataset_tables(admin: str) -> list:
    """ds_<id> for every dataset in the catalog (an object keyed by dataset id)."""
    status, body = http_get(admin.rstrip("/") + "/data/foundation/catalog/dataSets")
    if status != 200:
        return []
    try:
        obj = json.loads(body)
    except ValueError:
        return []
    return [f"ds_{k}" for k in obj] if isinstance(obj, dict) else []


def cmd_visible(data: str, admin: str, acked: str, sent: str, t0: str, secs: str) -> int:
    """Poll landing.db (table landing) and sluice.db (tables ds_<datasetId>) every 50 ms until
    the dataset holds every landed event (and at least every acknowledged one), or SECS pass
    since T0 (the unix time at which the load ended)."""
    acked, sent, t0, secs = int(acked), int(sent), float(t0), float(secs)
    landing_db = os.path.join(data, "landing.db")
    store_db = os.path.join(data, "sluice.db")
    tables, landed, visible, seen_at = [], 0, 0, None
    candidate = None     # (time, landed) of a poll that looked complete, awaiting confirmation
    while True:
        now = time.time()
        if not tables:
            tables = dataset_tables(admin)
        try:
            landed = count_rows(landing_db, ["landing"])
            visible = count_rows(store_db, tables) if tables else 0
        except sqlite3.Error as e:          # e.g. busy or mid-migration: just poll again
            print(f"helper: sqlite: {e}", file=sys.stderr)
        complete = visible >= max(landed, acked) and landed >= acked
        if complete and candidate is not None and candidate[1] == landed:
            seen_at = candidate[0]          # confirmed: nothing more landed in the meantime
            break
        # Requests in flight when wrk stopped may still be landing: a complete-looking poll
        # counts once a second poll, 200 ms later, finds no more landed rows.
        candidate = (now, landed) if complete else None
        if now - t0 > secs:
            break
        time.sleep(0.2 if complete else 0.05)

    lag = f"{seen_at - t0:.3f}" if seen_at is not None else "timeout"
    print(f"landed rows (landing.db): {landed}; acknowledged (2xx): {acked}; sent: {sent}")
    if landed == acked:
        print("landed == acknowledged: yes")
    elif acked <= landed <= sent:
        print(f"landed == acknowledged: no, {landed - acked} more landed than wrk saw acknowledged "
              f"(in flight when wrk stopped reading; sent - acknowledged = {sent - acked})")
    else:
        print(f"landed == acknowledged: NO ({landed} landed, {acked} acknowledged, {sent} sent)")
    print(f"events visible in dataset: {visible} of {max(landed, acked)} "
          f"({', '.join(tables) or 'no dataset found'})")
    if seen_at is not None:
        print(f"all visible {lag} s after the end of the load")
    else:
        print(f"NOT all visible {secs:.0f} s after the end of the load")
    print(f"VISIBLE landed={landed} acked={acked} sent={sent} visible={visible} lag_s={lag}")
    return 0


def main(argv: list) -> int:
    cmds = {"ports": (cmd_ports, 1), "wait-http": (cmd_wait_http, 3), "inlet": (cmd_inlet, 2),
            "echo-check": (cmd_echo_check, 2),
            "visible": (cmd_visible, 6)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    fn, _ = cmds[argv[1]]
    return fn(*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
