-- A value derived from the master key, so a server started with the wrong HEARTH_MASTER_KEY
-- refuses to run instead of silently failing to decrypt (and writing under a second key).
CREATE TABLE crypto_key_check (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    check_value  bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
