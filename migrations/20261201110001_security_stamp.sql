-- A per-user security stamp: bumped when the account's credentials or rights change
-- (deactivation, password change or reset, role change, MFA reset, sign-out everywhere). API
-- tokens carry the stamp they were issued under (claim `sst`) and are refused once it is older
-- than the user's stamp, so a token does not survive such a change (e.g. deactivate + reactivate).
ALTER TABLE users ADD COLUMN security_stamp timestamptz NOT NULL DEFAULT now();
