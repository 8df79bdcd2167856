-- Email one-time codes, the fallback second factor: one live code per pending sign-in session,
-- stored as a keyed hash, valid for 10 minutes, usable once.
CREATE TABLE mfa_email_codes (
    session_id  uuid PRIMARY KEY REFERENCES sessions(id),
    user_id     uuid NOT NULL REFERENCES users(id),
    code_hash   bytea NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
