-- Idempotency keys for POST requests under /api/v1 (platform::idempotency). A request with an
-- `Idempotency-Key` header claims (caller, key) before it runs; a successful answer is stored
-- with the claim (for patient registration in the same transaction as the new record), so a
-- repeat gets the first answer instead of creating a second record. Rows expire after 24 hours
-- (the hourly `api.idempotency_expire` job; older rows are also ignored when a key is claimed).
CREATE TABLE api_idempotency (
    -- `user:<uuid>` or `client:<client id>`: keys are scoped to whoever sent them.
    caller        text NOT NULL,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- sha256 of method, path and query, content type and body.
    request_hash  bytea NOT NULL,
    method        text NOT NULL,
    path          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- NULL while the first request is in flight.
    status        smallint,
    content_type  text,
    body          bytea,
    completed_at  timestamptz,
    PRIMARY KEY (caller, key)
);

CREATE INDEX api_idempotency_created ON api_idempotency (created_at);
