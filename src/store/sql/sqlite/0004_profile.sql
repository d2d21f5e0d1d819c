-- Real-Time Customer Profile: identities, their graphs, merged attributes and event links.
-- Shared SQL with PostgreSQL (profile/profile.c), so both files keep the same columns.

-- One row per identity seen (xid = "{namespace code}:{normalised value}"). Graphs are kept
-- flat: `root` is the xid that names the identity's graph, updated for every member when two
-- graphs merge (union-find with full path compression; a graph has at most 50 members).
CREATE TABLE id_nodes (
    xid      TEXT    PRIMARY KEY,
    ns       TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    root     TEXT    NOT NULL,
    first_ms INTEGER NOT NULL,
    last_ms  INTEGER NOT NULL
);
CREATE INDEX id_nodes_root ON id_nodes (root);

-- Profile attributes per graph and dataset, each with the event time that set it (newest wins
-- per dataset; the merge policy combines datasets when read).
CREATE TABLE profile_attrs (
    root       TEXT    NOT NULL,
    dataset_id TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    ts_ms      INTEGER NOT NULL,
    PRIMARY KEY (root, dataset_id, path)
);

-- The timeline: every ExperienceEvent row of a Profile dataset, linked to an identity of its
-- record (graph membership then gives the person's events).
CREATE TABLE profile_events (
    dataset_id TEXT    NOT NULL,
    row_id     TEXT    NOT NULL,
    xid        TEXT    NOT NULL,
    ts_ms      INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, row_id)
);
CREATE INDEX profile_events_xid ON profile_events (xid, ts_ms);
