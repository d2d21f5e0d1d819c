-- Monitoring: hourly run windows per flow, error diagnostics, alerts and their deliveries.
-- The SQL the pipeline and the API run on these tables is shared with PostgreSQL
-- (store.h: sl_store_exec), so both files keep the same tables and columns.

-- One row per flow and hour: counters the processor adds to in the transaction that writes
-- the rows. A replay of a window replaces its counters.
CREATE TABLE runs (
    id              TEXT    PRIMARY KEY,
    flow_id         TEXT    NOT NULL,
    window_start_ms BIGINT NOT NULL,
    received        BIGINT NOT NULL DEFAULT 0,
    ingested        BIGINT NOT NULL DEFAULT 0,
    warnings        BIGINT NOT NULL DEFAULT 0,
    failed          BIGINT NOT NULL DEFAULT 0,
    duplicates      BIGINT NOT NULL DEFAULT 0,
    bytes           BIGINT NOT NULL DEFAULT 0,
    lat_min_ms      BIGINT ,
    lat_max_ms      BIGINT ,
    lat_sum_ms      BIGINT NOT NULL DEFAULT 0,
    lat_count       BIGINT NOT NULL DEFAULT 0,
    first_ms        BIGINT NOT NULL,
    last_ms         BIGINT NOT NULL,
    UNIQUE (flow_id, window_start_ms)
);

-- Failure and warning counts of a run by error code (the run's failedInfo).
CREATE TABLE run_codes (
    run_id  TEXT    NOT NULL,
    code    TEXT    NOT NULL,
    level   TEXT    NOT NULL,
    message TEXT    NOT NULL,
    count   BIGINT NOT NULL,
    PRIMARY KEY (run_id, code)
);

-- Error diagnostics: one row per failed record or warning, kept when the flow has
-- errorDiagnosticsEnabled, purged after the retention period.
CREATE TABLE diagnostics (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flow_id     TEXT    NOT NULL,
    run_id      TEXT    NOT NULL,
    seq         BIGINT ,
    level       TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    pointer     TEXT,
    received_ms BIGINT NOT NULL,
    created_ms  BIGINT NOT NULL,
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
    created_ms      BIGINT NOT NULL,
    updated_ms      BIGINT NOT NULL,
    resolved_ms     BIGINT ,
    doc             TEXT    NOT NULL
);
CREATE INDEX alerts_flow ON alerts (flow_id, created_ms);
CREATE INDEX alerts_sub ON alerts (subscription_id, rule, status);

-- Every delivery attempt of an alert to a subscription's URL, with its outcome.
CREATE TABLE alert_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id        TEXT    NOT NULL,
    subscription_id TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempt         BIGINT NOT NULL,
    http_status     BIGINT NOT NULL,
    error           TEXT,
    delivered       BIGINT NOT NULL,
    next_retry_ms   BIGINT NOT NULL,
    at_ms           BIGINT NOT NULL
);
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id, id);
