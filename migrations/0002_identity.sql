-- Facilities, departments, users, roles and the permission catalogue.
CREATE TABLE facilities (
    id          uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9]{2,10}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address     text NOT NULL DEFAULT '',
    timezone    text NOT NULL DEFAULT 'UTC',
    mrn_next    bigint NOT NULL DEFAULT 1,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER facilities_updated_at BEFORE UPDATE ON facilities FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE departments (
    id           uuid PRIMARY KEY,
    facility_id  uuid NOT NULL REFERENCES facilities(id),
    code         text NOT NULL CHECK (code ~ '^[A-Z0-9_-]{1,20}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (facility_id, code)
);

CREATE TABLE users (
    id                    uuid PRIMARY KEY,
    email                 citext NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    display_name          text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    password_hash         text NOT NULL,
    active                boolean NOT NULL DEFAULT true,
    must_change_password  boolean NOT NULL DEFAULT false,
    failed_logins         integer NOT NULL DEFAULT 0,
    locked_until          timestamptz,
    password_changed_at   timestamptz NOT NULL DEFAULT now(),
    -- TOTP secret, field-encrypted (used by the MFA module).
    totp_secret_enc       bytea,
    mfa_enabled           boolean NOT NULL DEFAULT false,
    last_login_at         timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE password_history (
    user_id        uuid NOT NULL REFERENCES users(id),
    password_hash  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_history_user ON password_history (user_id, created_at DESC);

CREATE TABLE permissions (
    code         text PRIMARY KEY CHECK (code ~ '^[a-z_]+\.[a-z_]+$'),
    description  text NOT NULL
);

CREATE TABLE roles (
    code         text PRIMARY KEY CHECK (code ~ '^[a-z_]+$'),
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    sort_order   integer NOT NULL DEFAULT 100
);

CREATE TABLE role_permissions (
    role_code        text NOT NULL REFERENCES roles(code) ON DELETE CASCADE,
    permission_code  text NOT NULL REFERENCES permissions(code) ON DELETE CASCADE,
    PRIMARY KEY (role_code, permission_code)
);

CREATE TABLE user_roles (
    user_id    uuid NOT NULL REFERENCES users(id),
    role_code  text NOT NULL REFERENCES roles(code),
    PRIMARY KEY (user_id, role_code)
);

CREATE TABLE user_facilities (
    user_id      uuid NOT NULL REFERENCES users(id),
    facility_id  uuid NOT NULL REFERENCES facilities(id),
    PRIMARY KEY (user_id, facility_id)
);

CREATE TABLE sessions (
    id            uuid PRIMARY KEY,
    token_hash    bytea NOT NULL UNIQUE,
    user_id       uuid NOT NULL REFERENCES users(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    ip            inet,
    user_agent    text NOT NULL DEFAULT '',
    revoked_at    timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

INSERT INTO permissions (code, description) VALUES
    ('patients.read',     'View patient lists and records'),
    ('patients.write',    'Register and update patients'),
    ('audit.read',        'View and export the audit log'),
    ('users.manage',      'Create, deactivate and assign users'),
    ('roles.manage',      'Edit the role-permission map'),
    ('facilities.manage', 'Manage facilities and departments');

INSERT INTO roles (code, name, description, sort_order) VALUES
    ('super_admin',    'Super admin',      'Full control of the installation',                 1),
    ('hospital_admin', 'Hospital admin',   'Runs users and facilities of a hospital',          2),
    ('doctor',         'Doctor',           'Physicians and other prescribing clinicians',      3),
    ('nurse',          'Nurse',            'Nursing staff',                                    4),
    ('receptionist',   'Receptionist',     'Front desk: registration and scheduling',          5),
    ('pharmacist',     'Pharmacist',       'Pharmacy dispensing and stock',                    6),
    ('lab_technician', 'Lab technician',   'Laboratory specimens and results',                 7),
    ('radiologist',    'Radiologist',      'Imaging studies and reports',                      8),
    ('billing_clerk',  'Billing clerk',    'Charges, invoices and payments',                   9),
    ('ed_coordinator', 'ED coordinator',   'Emergency department flow and triage board',      10);

INSERT INTO role_permissions (role_code, permission_code)
SELECT 'super_admin', code FROM permissions;
INSERT INTO role_permissions (role_code, permission_code) VALUES
    ('hospital_admin', 'patients.read'), ('hospital_admin', 'audit.read'),
    ('hospital_admin', 'users.manage'),  ('hospital_admin', 'facilities.manage'),
    ('doctor', 'patients.read'),         ('doctor', 'patients.write'),
    ('nurse', 'patients.read'),          ('nurse', 'patients.write'),
    ('receptionist', 'patients.read'),   ('receptionist', 'patients.write'),
    ('pharmacist', 'patients.read'),
    ('lab_technician', 'patients.read'),
    ('radiologist', 'patients.read'),
    ('billing_clerk', 'patients.read'),
    ('ed_coordinator', 'patients.read'), ('ed_coordinator', 'patients.write');
