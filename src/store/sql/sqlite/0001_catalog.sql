-- The catalog: AEP-shaped resources kept as JSON documents, one row each.
-- kind: connectionSpec | flowSpec | sourceConnection | targetConnection | flow | dataset |
--       schema | mappingSet
CREATE TABLE catalog (
    kind       TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    etag       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);

-- Write-only values (Customer.io signing keys): never returned by the API.
CREATE TABLE secrets (
    owner_id TEXT NOT NULL,
    name     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (owner_id, name)
);

-- How far each processor has read the landing log. Updated in the same transaction as the
-- rows it wrote, so nothing is processed twice or skipped.
CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
