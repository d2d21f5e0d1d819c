-- API keys for the admin listener. Only the SHA-256 of a key is kept; the key itself is shown
-- once, when it is created.
CREATE TABLE api_keys (
    name       TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL
);
