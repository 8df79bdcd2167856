-- The registry holds what another system recorded about a patient: other identifiers (the
-- previous system's MRN above all), other names (maiden, alias, nickname), birth sex, marital
-- status, race and ethnicity (only where the installation records them) and a structured address.
--
-- The existing free-text address (patients.address_enc) becomes line 1 of the structured address
-- as it is: nothing is rewritten, so nothing can be lost. The other parts are new.

ALTER TABLE patients
    ADD COLUMN birth_sex          text CHECK (birth_sex IN ('female', 'male', 'unknown')),
    -- FHIR marital-status value set (HL7 v3 MaritalStatus codes and UNK).
    ADD COLUMN marital_status     text CHECK (marital_status IN ('A', 'D', 'I', 'L', 'M', 'C', 'P', 'T', 'U', 'S', 'W', 'UNK')),
    -- Encrypted (special-category data); written only when HEARTH_RECORD_RACE_ETHNICITY is on.
    ADD COLUMN race_enc           bytea,
    ADD COLUMN ethnicity_enc      bytea,
    -- Address line 2, city, district, state, postcode and country as one encrypted JSON object.
    ADD COLUMN address_parts_enc  bytea;

CREATE TABLE patient_identifiers (
    id            uuid PRIMARY KEY,
    patient_id    uuid NOT NULL REFERENCES patients(id),
    kind          text NOT NULL CHECK (kind IN ('previous_mrn', 'passport', 'driving_licence', 'national_health',
                                                'insurance_member', 'other')),
    issuer        text NOT NULL DEFAULT '' CHECK (length(issuer) <= 200),
    value_enc     bytea NOT NULL,
    value_bidx    bytea NOT NULL,
    period_start  date,
    period_end    date,
    created_by    uuid REFERENCES users(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT patient_identifiers_period CHECK (period_start IS NULL OR period_end IS NULL OR period_end >= period_start)
);
CREATE INDEX patient_identifiers_patient ON patient_identifiers (patient_id);
CREATE INDEX patient_identifiers_value_bidx ON patient_identifiers (value_bidx);

CREATE TABLE patient_names (
    id            uuid PRIMARY KEY,
    patient_id    uuid NOT NULL REFERENCES patients(id),
    -- FHIR HumanName.use, without "official" (the official name stays on patients).
    use           text NOT NULL CHECK (use IN ('usual', 'nickname', 'maiden', 'old', 'temp', 'anonymous')),
    given_enc     bytea,
    family_enc    bytea,
    period_start  date,
    period_end    date,
    created_by    uuid REFERENCES users(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT patient_names_some_name CHECK (given_enc IS NOT NULL OR family_enc IS NOT NULL),
    CONSTRAINT patient_names_period CHECK (period_start IS NULL OR period_end IS NULL OR period_end >= period_start)
);
CREATE INDEX patient_names_patient ON patient_names (patient_id);
