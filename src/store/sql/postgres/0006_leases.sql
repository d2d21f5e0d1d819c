-- Leases: work only one node of a cluster should do at a time (the monitor thread: alert rules
-- and store-wide retention). A node holds a lease while it renews it before `until_ms`; another
-- node takes it over once it has expired. Shared SQL with SQLite (alerts/alerts.c).
CREATE TABLE leases (
    name     TEXT   PRIMARY KEY,
    holder   TEXT   NOT NULL,
    until_ms BIGINT NOT NULL
);
