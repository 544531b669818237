-- 0004_api_keys: API keys of the HTTP service.
--
-- A key's plaintext is shown once, when it is created, and never stored:
-- hash is the SHA-256 of the plaintext, and authentication looks keys up
-- by it, hence UNIQUE (which also indexes it). prefix is the non-secret
-- start of the plaintext ("psk_" and the ID), for people to tell keys
-- apart. Times are nanoseconds since the Unix epoch, as in 0001.

CREATE TABLE api_keys (
    id         text   COLLATE "C" NOT NULL PRIMARY KEY, -- bytewise order, as in SQLite
    hash       bytea  NOT NULL UNIQUE,
    team       text   COLLATE "C" NOT NULL,
    user_name  text   NOT NULL, -- "user" is a reserved word
    scope      text   NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    prefix     text   NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint,          -- NULL until revoked; may lie in the future (rotation grace)
    expires_at bigint           -- NULL: never expires
);

CREATE INDEX api_keys_by_team ON api_keys (team, created_at DESC, id DESC);
