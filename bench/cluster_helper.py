#!/usr/bin/env python3
"""Helpers for bench/cluster.sh (standard library only; every wait is bounded). The generic ones
(ports, wait-http, inlet) are in helper.py; these are about nats-server and PostgreSQL.

  cluster_helper.py nats-ready SECS MON_PORT...
        wait until every nats-server answers /healthz 200 and knows its JetStream meta leader
  cluster_helper.py stream-messages STREAM SECS MON_PORT...
        print the number of messages in STREAM, once two looks 500 ms apart agree (so publishes
        still in flight when the load stopped are counted)
  cluster_helper.py drain PSQL PG_URL ADMIN_URL TARGET T0 SECS
        poll the Customer.io dataset table until it holds TARGET rows or SECS pass since unix
        time T0; print a report and one "DRAIN ..." line for cluster.sh
  cluster_helper.py metric ADMIN_URL NAME
        print the value of one /metrics line (0 when absent)
"""

import json
import subprocess
import sys
import time

from helper import dataset_tables, http_get


def jsz(port: int):
    status, body = http_get(f"http://127.0.0.1:{port}/jsz?streams=true", timeout=2.0)
    if status != 200:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def cmd_nats_ready(secs: str, *ports: str) -> int:
    deadline = time.monotonic() + float(secs)
    pending = [int(p) for p in ports]
    while pending and time.monotonic() < deadline:
        port = pending[0]
        status, _ = http_get(f"http://127.0.0.1:{port}/healthz", timeout=1.0)
        info = jsz(port) if status == 200 else None
        if info and (info.get("meta_cluster") or {}).get("leader"):
            pending.pop(0)
            continue
        time.sleep(0.1)
    if pending:
        print(f"cluster_helper: nats-server with monitoring port {pending[0]} not ready within {secs}s",
              file=sys.stderr)
        return 1
    return 0


def stream_messages(stream: str, ports: list):
    """Messages in `stream` as the first node that hosts it reports, or None."""
    for port in ports:
        info = jsz(int(port))
        for acc in (info or {}).get("account_details") or []:
            for st in acc.get("stream_detail") or []:
                if st.get("name") == stream:
                    return int((st.get("state") or {}).get("messages", 0))
    return None


def cmd_stream_messages(stream: str, secs: str, *ports: str) -> int:
    deadline = time.monotonic() + float(secs)
    last = None
    while time.monotonic() < deadline:
        n = stream_messages(stream, list(ports))
        if n is not None and n == last:
            print(n)
            return 0
        last = n
        time.sleep(0.5)
    print(f"cluster_helper: no stable message count for stream {stream} within {secs}s (last {last})",
          file=sys.stderr)
    return 1


def psql_rows(psql: str, url: str, sql: str) -> list:
    p = subprocess.run([psql, "-X", "-q", "-A", "-t", "-F", " ", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode(errors="replace").strip())
    return [line.split(" ") for line in p.stdout.decode().splitlines() if line]


def cmd_drain(psql: str, url: str, admin: str, target: str, t0: str, secs: str) -> int:
    """Poll every 100 ms until the dataset holds TARGET rows. The rate is taken from the rows
    themselves (_ingested_ms, the processor's clock when it wrote the row), so it does not
    depend on the polling interval: rows written after the first commit / time from the first
    commit to the last."""
    target, t0, secs = int(target), float(t0), float(secs)
    tables, rows, done_at = [], 0, None
    while True:
        now = time.time()
        if not tables:
            tables = dataset_tables(admin)
        if tables:
            try:
                rows = int(psql_rows(psql, url, f'SELECT count(*) FROM "{tables[0]}"')[0][0])
            except (RuntimeError, IndexError, ValueError):
                pass  # the table may not exist yet (a processor creates it with the first row)
        if rows >= target:
            done_at = now
            break
        if now - t0 > secs:
            break
        time.sleep(0.1)
    first_ms = last_ms = distinct = after_first = 0
    if tables and rows:
        t = tables[0]
        r = psql_rows(psql, url, f'SELECT count(DISTINCT event_id), min(_ingested_ms), max(_ingested_ms), '
                                 f'count(*) FILTER (WHERE _ingested_ms > (SELECT min(_ingested_ms) FROM "{t}")) '
                                 f'FROM "{t}"')[0]
        distinct, first_ms, last_ms, after_first = (int(x) for x in r)
    # Rows committed after the first commit, over the time since it: the first batch's own work
    # happened before its timestamp, so it is left out of both.
    span = (last_ms - first_ms) / 1000.0
    rate = after_first / span if span > 0 else 0.0
    done = f"{done_at - t0:.2f}" if done_at is not None else "timeout"
    first = f"{first_ms / 1000.0 - t0:.2f}" if first_ms else "none"
    print(f"DRAIN rows={rows} target={target} distinct={distinct} first_row_s={first} "
          f"span_s={span:.3f} rate={rate:.0f} done_s={done}")
    return 0 if done_at is not None else 1


def cmd_metric(admin: str, name: str) -> int:
    status, body = http_get(admin.rstrip("/") + "/metrics")
    value = "0"
    if status == 200:
        for line in body.decode("utf-8", "replace").splitlines():
            if line.startswith(name + " "):
                value = line.split(" ", 1)[1]
    print(value)
    return 0


def main(argv: list) -> int:
    cmds = {"nats-ready": (cmd_nats_ready, 2, True), "stream-messages": (cmd_stream_messages, 3, True),
            "drain": (cmd_drain, 6, False), "metric": (cmd_metric, 2, False)}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    fn, nargs, more = cmds[argv[1]]
    if len(argv) - 2 < nargs or (not more and len(argv) - 2 != nargs):
        print(__doc__, file=sys.stderr)
        return 2
    return fn(*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
