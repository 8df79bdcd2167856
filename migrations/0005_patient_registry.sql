-- The full patient registry: richer demographics, MRN formats, unidentified patients, merge,
-- death and deactivation, restricted records with care team and break-glass, consents,
-- emergency contacts, photos, rights-of-the-patient requests.

-- MRN template per facility: {CODE} and exactly one {SEQ} or {SEQ:n} (zero-padded to n).
ALTER TABLE facilities ADD COLUMN mrn_format text NOT NULL DEFAULT '{CODE}-{SEQ:6}'
    CHECK (length(mrn_format) <= 40 AND mrn_format LIKE '%{CODE}%' AND mrn_format ~ '\{SEQ(:[1-9][0-9]?)?\}');

ALTER TABLE patients
    ADD COLUMN middle_name           text CHECK (length(middle_name) BETWEEN 1 AND 100),
    ADD COLUMN preferred_name        text CHECK (length(preferred_name) BETWEEN 1 AND 100),
    ADD COLUMN gender_identity       text CHECK (length(gender_identity) BETWEEN 1 AND 100),
    ADD COLUMN birth_date_estimated  boolean NOT NULL DEFAULT false,
    ADD COLUMN email_enc             bytea,
    ADD COLUMN email_bidx            bytea,
    ADD COLUMN insurance_enc         bytea,
    ADD COLUMN insurance_bidx        bytea,
    ADD COLUMN preferred_language    text CHECK (length(preferred_language) BETWEEN 1 AND 50),
    ADD COLUMN unidentified          boolean NOT NULL DEFAULT false,
    ADD COLUMN unidentified_note     text CHECK (length(unidentified_note) <= 500),
    ADD COLUMN restricted            boolean NOT NULL DEFAULT false,
    ADD COLUMN merged_into           uuid REFERENCES patients(id),
    ADD COLUMN merged_at             timestamptz,
    ADD COLUMN deactivated_reason    text CHECK (length(deactivated_reason) <= 500),
    ADD COLUMN deceased_at           timestamptz,
    ADD COLUMN cause_of_death        text CHECK (length(cause_of_death) <= 500),
    ADD COLUMN erased_at             timestamptz,
    ADD CONSTRAINT patients_not_merged_into_self CHECK (merged_into <> id),
    ADD CONSTRAINT patients_merged_is_inactive CHECK (merged_into IS NULL OR NOT active),
    ADD CONSTRAINT patients_deceased_is_inactive CHECK (deceased_at IS NULL OR NOT active),
    -- Death before birth is impossible (compared in UTC; the app checks the local date too).
    ADD CONSTRAINT patients_death_after_birth
        CHECK (deceased_at IS NULL OR birth_date IS NULL OR deceased_at >= (birth_date::timestamp AT TIME ZONE 'UTC') - interval '1 day');

-- The searchable name now covers middle and preferred names too.
DROP INDEX patients_search_name_trgm;
ALTER TABLE patients DROP COLUMN search_name;
ALTER TABLE patients ADD COLUMN search_name text GENERATED ALWAYS AS (
    lower(immutable_unaccent(given_name || ' ' || coalesce(middle_name || ' ', '') || family_name
          || coalesce(' ' || preferred_name, '')))) STORED;
CREATE INDEX patients_search_name_trgm ON patients USING gin (search_name gin_trgm_ops);
CREATE INDEX patients_email_bidx ON patients (email_bidx) WHERE email_bidx IS NOT NULL;
CREATE INDEX patients_insurance_bidx ON patients (insurance_bidx) WHERE insurance_bidx IS NOT NULL;
CREATE INDEX patients_merged_into ON patients (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX patients_restricted ON patients (id) WHERE restricted;

CREATE TABLE patient_emergency_contacts (
    id            uuid PRIMARY KEY,
    patient_id    uuid NOT NULL REFERENCES patients(id),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    relationship  text NOT NULL DEFAULT '' CHECK (length(relationship) <= 100),
    phone_enc     bytea,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_emergency_contacts_patient ON patient_emergency_contacts (patient_id);

CREATE TABLE patient_photos (
    patient_id    uuid PRIMARY KEY REFERENCES patients(id),
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    data          bytea NOT NULL CHECK (length(data) <= 524288),
    sha256        bytea NOT NULL,
    uploaded_by   uuid REFERENCES users(id),
    uploaded_at   timestamptz NOT NULL DEFAULT now()
);

-- Consent history: nothing is overwritten; the latest record per (kind, channel) wins.
CREATE TABLE patient_consents (
    id           uuid PRIMARY KEY,
    patient_id   uuid NOT NULL REFERENCES patients(id),
    kind         text NOT NULL CHECK (kind IN ('treatment', 'data_sharing', 'communications')),
    channel      text NOT NULL DEFAULT 'any' CHECK (channel IN ('any', 'sms', 'email', 'phone', 'post')),
    granted      boolean NOT NULL,
    note         text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    recorded_by  uuid REFERENCES users(id),
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (kind = 'communications' OR channel = 'any')
);
CREATE INDEX patient_consents_latest ON patient_consents (patient_id, kind, channel, recorded_at DESC);

CREATE TABLE patient_care_team (
    patient_id  uuid NOT NULL REFERENCES patients(id),
    user_id     uuid NOT NULL REFERENCES users(id),
    role        text NOT NULL DEFAULT '' CHECK (length(role) <= 100),
    added_by    uuid REFERENCES users(id),
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (patient_id, user_id)
);
CREATE INDEX patient_care_team_user ON patient_care_team (user_id);

-- Break-glass access to a restricted record: one hour, for the session (or API user) that asked.
CREATE TABLE patient_break_glass (
    id          uuid PRIMARY KEY,
    patient_id  uuid NOT NULL REFERENCES patients(id),
    user_id     uuid NOT NULL REFERENCES users(id),
    session_id  uuid,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 10 AND 500),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX patient_break_glass_active ON patient_break_glass (user_id, patient_id, expires_at DESC);

CREATE TABLE patient_rights_requests (
    id             uuid PRIMARY KEY,
    patient_id     uuid NOT NULL REFERENCES patients(id),
    kind           text NOT NULL CHECK (kind IN ('rectification', 'erasure')),
    details        text NOT NULL CHECK (length(details) BETWEEN 1 AND 2000),
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by   uuid REFERENCES users(id),
    requested_at   timestamptz NOT NULL DEFAULT now(),
    decided_by     uuid REFERENCES users(id),
    decided_at     timestamptz,
    decision_note  text NOT NULL DEFAULT '' CHECK (length(decision_note) <= 1000),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX patient_rights_requests_patient ON patient_rights_requests (patient_id, requested_at DESC);

INSERT INTO permissions (code, description) VALUES
    ('patients.merge',      'Merge duplicate patient records'),
    ('patients.restricted', 'See restricted (VIP/sensitive) patient records without breaking glass'),
    ('patients.import',     'Bulk-import patients from CSV'),
    ('patients.rights',     'Decide erasure and rectification requests');
INSERT INTO role_permissions (role_code, permission_code) VALUES
    ('super_admin', 'patients.merge'), ('super_admin', 'patients.restricted'),
    ('super_admin', 'patients.import'), ('super_admin', 'patients.rights'),
    ('hospital_admin', 'patients.merge'), ('hospital_admin', 'patients.import'),
    ('hospital_admin', 'patients.rights'),
    ('doctor', 'patients.merge'),
    ('receptionist', 'patients.import');
