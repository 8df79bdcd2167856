-- The clinical record (chart): encounters, ICD-10-CM coded problems, allergies, vital signs,
-- clinical notes (encrypted, signed notes locked), home medications; chart permissions.

INSERT INTO permissions (code, description) VALUES
    ('chart.read',  'View the clinical record (chart) of patients'),
    ('chart.write', 'Record encounters, problems, allergies, vital signs, notes and home medications'),
    ('notes.sign',  'Sign clinical notes (signed notes are locked)');

INSERT INTO role_permissions (role_code, permission_code) VALUES
    ('super_admin', 'chart.read'), ('super_admin', 'chart.write'), ('super_admin', 'notes.sign'),
    ('doctor', 'chart.read'), ('doctor', 'chart.write'), ('doctor', 'notes.sign'),
    ('nurse', 'chart.read'), ('nurse', 'chart.write'),
    ('ed_coordinator', 'chart.read'), ('ed_coordinator', 'chart.write'),
    ('pharmacist', 'chart.read'),
    ('lab_technician', 'chart.read'),
    ('radiologist', 'chart.read')
ON CONFLICT DO NOTHING;

-- ICD-10-CM (public domain, CDC/NCHS), loaded from data/icd10cm/codes.csv by ehr::icd::ensure_loaded.
CREATE TABLE icd10_codes (
    code         text PRIMARY KEY,
    description  text NOT NULL,
    parent       text,
    billable     boolean NOT NULL,
    chapter      smallint NOT NULL CHECK (chapter BETWEEN 1 AND 22),
    kind         text NOT NULL CHECK (kind IN ('chapter', 'block', 'category', 'subcategory')),
    code_nodot   text GENERATED ALWAYS AS (replace(code, '.', '')) STORED
);
CREATE INDEX icd10_codes_parent ON icd10_codes (parent, code);
CREATE INDEX icd10_codes_nodot ON icd10_codes (code_nodot text_pattern_ops);
CREATE INDEX icd10_codes_description_trgm ON icd10_codes USING gin (description gin_trgm_ops);

-- Encounters: visits and other contacts. Status moves only forward (see trigger).
CREATE TABLE encounters (
    id             uuid PRIMARY KEY,
    patient_id     uuid NOT NULL REFERENCES patients(id),
    kind           text NOT NULL CHECK (kind IN ('outpatient', 'emergency', 'inpatient', 'telephone', 'virtual', 'home_visit')),
    status         text NOT NULL CHECK (status IN ('planned', 'arrived', 'in_progress', 'finished', 'cancelled')),
    department_id  uuid REFERENCES departments(id),
    clinician_id   uuid REFERENCES users(id),
    reason         text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    starts_at      timestamptz NOT NULL,
    ended_at       timestamptz CHECK (ended_at IS NULL OR ended_at >= starts_at),
    created_by     uuid REFERENCES users(id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX encounters_patient ON encounters (patient_id, starts_at DESC, id DESC);
CREATE TRIGGER encounters_updated_at BEFORE UPDATE ON encounters FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE OR REPLACE FUNCTION encounters_status_flow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
           (OLD.status = 'planned'     AND NEW.status IN ('arrived', 'cancelled'))
        OR (OLD.status = 'arrived'     AND NEW.status IN ('in_progress', 'cancelled'))
        OR (OLD.status = 'in_progress' AND NEW.status IN ('finished', 'cancelled'))
    ) THEN
        RAISE EXCEPTION 'encounter status cannot change from % to %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER encounters_status_flow BEFORE UPDATE ON encounters FOR EACH ROW EXECUTE FUNCTION encounters_status_flow();

-- Problem list, coded with billable ICD-10-CM codes.
CREATE TABLE problems (
    id             uuid PRIMARY KEY,
    patient_id     uuid NOT NULL REFERENCES patients(id),
    icd_code       text NOT NULL REFERENCES icd10_codes(code),
    description    text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    status         text NOT NULL CHECK (status IN ('active', 'resolved', 'entered_in_error')),
    onset_date     date,
    resolved_date  date CHECK (resolved_date IS NULL OR onset_date IS NULL OR resolved_date >= onset_date),
    comment        text NOT NULL DEFAULT '' CHECK (length(comment) <= 500),
    recorded_by    uuid REFERENCES users(id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX problems_patient ON problems (patient_id, created_at DESC, id DESC);
CREATE TRIGGER problems_updated_at BEFORE UPDATE ON problems FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE OR REPLACE FUNCTION problems_billable_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM icd10_codes WHERE code = NEW.icd_code AND billable) THEN
        RAISE EXCEPTION 'ICD-10-CM code % is not billable', NEW.icd_code USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER problems_billable_code BEFORE INSERT OR UPDATE OF icd_code ON problems
    FOR EACH ROW EXECUTE FUNCTION problems_billable_code();

-- Allergies and intolerances.
CREATE TABLE allergies (
    id              uuid PRIMARY KEY,
    patient_id      uuid NOT NULL REFERENCES patients(id),
    substance       text NOT NULL CHECK (length(substance) BETWEEN 1 AND 200),
    substance_code  text CHECK (substance_code ~ '^[a-z0-9_]{1,40}$'),
    category        text NOT NULL CHECK (category IN ('drug', 'food', 'environment', 'other')),
    kind            text NOT NULL DEFAULT 'allergy' CHECK (kind IN ('allergy', 'intolerance')),
    reaction        text NOT NULL DEFAULT '' CHECK (length(reaction) <= 300),
    severity        text NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe', 'life_threatening')),
    status          text NOT NULL CHECK (status IN ('active', 'inactive', 'entered_in_error')),
    recorded_by     uuid REFERENCES users(id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX allergies_patient ON allergies (patient_id, created_at DESC, id DESC);
CREATE TRIGGER allergies_updated_at BEFORE UPDATE ON allergies FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- "No known allergies", explicitly recorded (absence of a row means "not recorded").
CREATE TABLE allergy_nka (
    patient_id   uuid PRIMARY KEY REFERENCES patients(id),
    recorded_by  uuid REFERENCES users(id),
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- Vital signs with physiological plausibility limits.
CREATE TABLE vitals (
    id             uuid PRIMARY KEY,
    patient_id     uuid NOT NULL REFERENCES patients(id),
    taken_at       timestamptz NOT NULL,
    temperature_c  double precision CHECK (temperature_c BETWEEN 25 AND 45),
    pulse          integer CHECK (pulse BETWEEN 20 AND 250),
    resp_rate      integer CHECK (resp_rate BETWEEN 4 AND 80),
    bp_systolic    integer CHECK (bp_systolic BETWEEN 50 AND 260),
    bp_diastolic   integer CHECK (bp_diastolic BETWEEN 20 AND 160),
    spo2           integer CHECK (spo2 BETWEEN 50 AND 100),
    weight_kg      double precision CHECK (weight_kg BETWEEN 0.3 AND 400),
    height_cm      double precision CHECK (height_cm BETWEEN 20 AND 250),
    pain           smallint CHECK (pain BETWEEN 0 AND 10),
    bmi            double precision GENERATED ALWAYS AS
                       (round((weight_kg / ((height_cm / 100.0) ^ 2))::numeric, 1)::double precision) STORED,
    recorded_by    uuid REFERENCES users(id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((bp_systolic IS NULL) = (bp_diastolic IS NULL)),
    CHECK (bp_systolic IS NULL OR bp_systolic > bp_diastolic),
    CHECK (num_nonnulls(temperature_c, pulse, resp_rate, bp_systolic, spo2, weight_kg, height_cm, pain) > 0)
);
CREATE INDEX vitals_patient ON vitals (patient_id, taken_at DESC, id DESC);

-- Clinical notes. The body is field-encrypted (AAD "notes.body"); a signed note is locked:
-- the only change the database allows is re-encryption of the body under a newer key version.
CREATE TABLE notes (
    id            uuid PRIMARY KEY,
    patient_id    uuid NOT NULL REFERENCES patients(id),
    encounter_id  uuid REFERENCES encounters(id),
    template      text NOT NULL CHECK (template IN ('soap', 'progress', 'procedure', 'free')),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body_enc      bytea NOT NULL,
    status        text NOT NULL CHECK (status IN ('draft', 'signed')),
    author_id     uuid NOT NULL REFERENCES users(id),
    signed_by     uuid REFERENCES users(id),
    signed_at     timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'signed') = (signed_by IS NOT NULL AND signed_at IS NOT NULL))
);
CREATE INDEX notes_patient ON notes (patient_id, created_at DESC, id DESC);
CREATE TRIGGER notes_updated_at BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE OR REPLACE FUNCTION notes_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'clinical notes are never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Allowed on a signed note: re-encryption under a newer key, and moving it to the surviving
    -- record when two patient records are merged. Nothing else.
    IF OLD.status = 'signed' AND (
           (to_jsonb(NEW) - 'body_enc' - 'updated_at' - 'patient_id')
               IS DISTINCT FROM (to_jsonb(OLD) - 'body_enc' - 'updated_at' - 'patient_id')
        OR (NEW.body_enc IS DISTINCT FROM OLD.body_enc
            AND substring(NEW.body_enc FROM 1 FOR 4) <= substring(OLD.body_enc FROM 1 FOR 4))
    ) THEN
        RAISE EXCEPTION 'signed note % is locked; add an addendum instead', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER notes_locked BEFORE UPDATE OR DELETE ON notes FOR EACH ROW EXECUTE FUNCTION notes_locked();

-- Addenda: the only way to correct a signed note. Encrypted (AAD "note_addenda.body"), immutable.
CREATE TABLE note_addenda (
    id          uuid PRIMARY KEY,
    note_id     uuid NOT NULL REFERENCES notes(id),
    body_enc    bytea NOT NULL,
    author_id   uuid NOT NULL REFERENCES users(id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX note_addenda_note ON note_addenda (note_id, created_at, id);

CREATE OR REPLACE FUNCTION note_addenda_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM notes WHERE id = NEW.note_id AND status = 'signed') THEN
            RAISE EXCEPTION 'addenda are only added to signed notes' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' OR (to_jsonb(NEW) - 'body_enc') IS DISTINCT FROM (to_jsonb(OLD) - 'body_enc')
       OR substring(NEW.body_enc FROM 1 FOR 4) <= substring(OLD.body_enc FROM 1 FOR 4) THEN
        RAISE EXCEPTION 'addenda are immutable' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER note_addenda_guard BEFORE INSERT OR UPDATE OR DELETE ON note_addenda
    FOR EACH ROW EXECUTE FUNCTION note_addenda_guard();

-- Home medication list (what the patient takes; prescribing comes with pharmacy).
CREATE TABLE home_medications (
    id           uuid PRIMARY KEY,
    patient_id   uuid NOT NULL REFERENCES patients(id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    dose         text NOT NULL DEFAULT '' CHECK (length(dose) <= 100),
    route        text NOT NULL CHECK (route IN ('oral', 'sublingual', 'inhaled', 'topical', 'transdermal', 'subcutaneous',
                                                'intramuscular', 'intravenous', 'rectal', 'nasal', 'ophthalmic', 'otic', 'vaginal', 'other')),
    frequency    text NOT NULL DEFAULT '' CHECK (length(frequency) <= 100),
    start_date   date,
    stop_date    date CHECK (stop_date IS NULL OR start_date IS NULL OR stop_date >= start_date),
    status       text NOT NULL CHECK (status IN ('active', 'stopped', 'entered_in_error')),
    comment      text NOT NULL DEFAULT '' CHECK (length(comment) <= 500),
    recorded_by  uuid REFERENCES users(id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX home_medications_patient ON home_medications (patient_id, created_at DESC, id DESC);
CREATE TRIGGER home_medications_updated_at BEFORE UPDATE ON home_medications FOR EACH ROW EXECUTE FUNCTION set_updated_at();
