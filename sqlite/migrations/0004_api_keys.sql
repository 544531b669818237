-- 0004_api_keys: API keys of the HTTP service.
--
-- A key's plaintext is shown once, when it is created, and never stored:
-- hash is the SHA-256 of the plaintext, and authentication looks keys up
-- by it, hence UNIQUE (which also indexes it). prefix is the non-secret
-- start of the plaintext ("psk_" and the ID), for people to tell keys
-- apart. Times are nanoseconds since the Unix epoch, as in 0001.

CREATE TABLE api_keys (
    id         TEXT    NOT NULL PRIMARY KEY,
    hash       BLOB    NOT NULL UNIQUE,
    team       TEXT    NOT NULL,
    user_name  TEXT    NOT NULL, -- "user" is reserved in Postgres; see 0001
    scope      TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    prefix     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,          -- NULL until revoked; may lie in the future (rotation grace)
    expires_at INTEGER           -- NULL: never expires
) STRICT;

CREATE INDEX api_keys_by_team ON api_keys (team, created_at DESC, id DESC);
