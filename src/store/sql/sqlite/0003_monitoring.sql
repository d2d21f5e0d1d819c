-- Monitoring: hourly run windows per flow, error diagnostics, alerts and their deliveries.
-- The SQL the pipeline and the API run on these tables is shared with PostgreSQL
-- (store.h: sl_store_exec), so both files keep the same tables and columns.

-- One row per flow and hour: counters the processor adds to in the transaction that writes
-- the rows. A replay of a window replaces its counters.
CREATE TABLE runs (
    id              TEXT    PRIMARY KEY,
    flow_id         TEXT    NOT NULL,
    window_start_ms INTEGER NOT NULL,
    received        INTEGER NOT NULL DEFAULT 0,
    ingested        INTEGER NOT NULL DEFAULT 0,
    warnings        INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    duplicates      INTEGER NOT NULL DEFAULT 0,
    bytes           INTEGER NOT NULL DEFAULT 0,
    lat_min_ms      INTEGER,
    lat_max_ms      INTEGER,
    lat_sum_ms      INTEGER NOT NULL DEFAULT 0,
    lat_count       INTEGER NOT NULL DEFAULT 0,
    first_ms        INTEGER NOT NULL,
    last_ms         INTEGER NOT NULL,
    UNIQUE (flow_id, window_start_ms)
);

-- Failure and warning counts of a run by error code (the run's failedInfo).
CREATE TABLE run_codes (
    run_id  TEXT    NOT NULL,
    code    TEXT    NOT NULL,
    level   TEXT    NOT NULL,
    message TEXT    NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (run_id, code)
);

-- Error diagnostics: one row per failed record or warning, kept when the flow has
-- errorDiagnosticsEnabled, purged after the retention period.
CREATE TABLE diagnostics (
    id          INTEGER PRIMARY KEY,
    flow_id     TEXT    NOT NULL,
    run_id      TEXT    NOT NULL,
    seq         INTEGER,
    level       TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    pointer     TEXT,
    received_ms INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL,
    raw         TEXT
);
CREATE INDEX diagnostics_flow ON diagnostics (flow_id, id);
CREATE INDEX diagnostics_run ON diagnostics (run_id, id);
CREATE INDEX diagnostics_created ON diagnostics (created_ms);

-- Alerts: flow-run alerts (one per subscription, rule and run) and metric alerts (FIRING until
-- resolved). doc is the AEP payload as delivered.
CREATE TABLE alerts (
    id              TEXT    PRIMARY KEY,
    subscription_id TEXT    NOT NULL,
    flow_id         TEXT    NOT NULL,
    rule            TEXT    NOT NULL,
    run_id          TEXT,
    status          TEXT    NOT NULL,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    resolved_ms     INTEGER,
    doc             TEXT    NOT NULL
);
CREATE INDEX alerts_flow ON alerts (flow_id, created_ms);
CREATE INDEX alerts_sub ON alerts (subscription_id, rule, status);

-- Every delivery attempt of an alert to a subscription's URL, with its outcome.
CREATE TABLE alert_deliveries (
    id              INTEGER PRIMARY KEY,
    alert_id        TEXT    NOT NULL,
    subscription_id TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempt         INTEGER NOT NULL,
    http_status     INTEGER NOT NULL,
    error           TEXT,
    delivered       INTEGER NOT NULL,
    next_retry_ms   INTEGER NOT NULL,
    at_ms           INTEGER NOT NULL
);
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id, id);
