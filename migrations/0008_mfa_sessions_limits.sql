-- Multi-factor authentication, session limits and rate limiting.
ALTER TABLE users ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;
-- A secret being enrolled, confirmed by a first code before it replaces totp_secret_enc.
ALTER TABLE users ADD COLUMN totp_pending_enc bytea;

ALTER TABLE roles ADD COLUMN mfa_required boolean NOT NULL DEFAULT false;
-- NULL: no limit. When a sign-in would exceed it, the oldest sessions are revoked.
ALTER TABLE roles ADD COLUMN max_sessions integer CHECK (max_sessions IS NULL OR max_sessions BETWEEN 1 AND 100);
UPDATE roles SET mfa_required = true WHERE code IN ('super_admin', 'hospital_admin', 'doctor', 'pharmacist');

CREATE TABLE mfa_backup_codes (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id),
    code_hash   bytea NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mfa_backup_codes_user ON mfa_backup_codes (user_id) WHERE used_at IS NULL;

-- A session that passed the password but not yet the second factor.
ALTER TABLE sessions ADD COLUMN mfa_pending boolean NOT NULL DEFAULT false;

-- Fixed-window counters shared by every replica.
CREATE TABLE rate_limits (
    key           text PRIMARY KEY,
    window_start  timestamptz NOT NULL,
    hits          integer NOT NULL
);

INSERT INTO permissions (code, description) VALUES
    ('security.read', 'View security events (lockouts, failures, rate limits, new sign-in addresses)');
INSERT INTO role_permissions (role_code, permission_code) VALUES
    ('super_admin', 'security.read'), ('hospital_admin', 'security.read');
