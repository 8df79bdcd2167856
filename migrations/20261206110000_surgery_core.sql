-- Surgery and operating theatres, phase 1: theatres, sessions (lists), the procedure catalogue,
-- cases (booking, readiness, the WHO Surgical Safety Checklist, counts, recovery).
-- btree_gist is enabled by 0001_setup.sql.

CREATE TABLE surgery_theatres (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    code text NOT NULL CHECK (code ~ '^[A-Z0-9-]{1,12}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    specialty text NOT NULL DEFAULT '' CHECK (length(specialty) <= 80),
    equipment text NOT NULL DEFAULT '' CHECK (length(equipment) <= 1000),
    emergency boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT surgery_theatres_code_unique UNIQUE (facility_id, code)
);

CREATE TABLE surgery_sessions (
    id uuid PRIMARY KEY,
    theatre_id uuid NOT NULL REFERENCES surgery_theatres(id),
    surgeon_id uuid REFERENCES users(id),
    specialty text NOT NULL DEFAULT '' CHECK (length(specialty) <= 80),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    CONSTRAINT surgery_sessions_order CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '24 hours'),
    CONSTRAINT surgery_sessions_no_overlap EXCLUDE USING gist (theatre_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
);

CREATE TABLE surgery_procedures (
    code text PRIMARY KEY,
    name text NOT NULL,
    specialty text NOT NULL,
    laterality boolean NOT NULL,
    typical_minutes integer NOT NULL CHECK (typical_minutes BETWEEN 5 AND 1440),
    charge_code text NOT NULL
);

CREATE TABLE surgery_cases (
    id uuid PRIMARY KEY,
    case_no bigint GENERATED ALWAYS AS IDENTITY (START WITH 1001) UNIQUE,
    patient_id uuid NOT NULL REFERENCES patients(id),
    theatre_id uuid NOT NULL REFERENCES surgery_theatres(id),
    session_id uuid REFERENCES surgery_sessions(id),
    procedure_code text NOT NULL REFERENCES surgery_procedures(code),
    side text NOT NULL CHECK (side IN ('left', 'right', 'bilateral', 'not_applicable')),
    site text NOT NULL DEFAULT '' CHECK (length(site) <= 200),
    surgeon_id uuid NOT NULL REFERENCES users(id),
    assistant_id uuid REFERENCES users(id),
    anaesthetist_id uuid NOT NULL REFERENCES users(id),
    nurse_id uuid REFERENCES users(id),
    anaesthesia text NOT NULL CHECK (anaesthesia IN ('general', 'regional', 'spinal', 'local', 'sedation')),
    priority text NOT NULL CHECK (priority IN ('elective', 'urgent', 'emergency')),
    target_at timestamptz,
    admission text NOT NULL CHECK (admission IN ('day_case', 'inpatient')),
    blood text NOT NULL CHECK (blood IN ('none', 'group_and_screen', 'crossmatched')),
    blood_units integer NOT NULL DEFAULT 0 CHECK (blood_units BETWEEN 0 AND 20),
    blood_attested_by uuid REFERENCES users(id),
    planned_start timestamptz NOT NULL,
    planned_end timestamptz NOT NULL,
    expected_minutes integer NOT NULL CHECK (expected_minutes BETWEEN 5 AND 1440),
    status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'in_room', 'anaesthesia', 'incision',
        'closure', 'out_of_room', 'recovery', 'discharged', 'cancelled')),
    in_room_at timestamptz,
    anaesthesia_at timestamptz,
    incision_at timestamptz,
    closure_at timestamptz,
    out_of_room_at timestamptz,
    recovery_at timestamptz,
    discharged_at timestamptz,
    non_compliant boolean NOT NULL DEFAULT false,
    emergency_reason text NOT NULL DEFAULT '' CHECK (length(emergency_reason) <= 1000),
    cancel_reason text CHECK (cancel_reason IN ('patient_unfit', 'no_bed', 'overrun', 'equipment', 'patient_dna', 'other')),
    cancel_note text NOT NULL DEFAULT '' CHECK (length(cancel_note) <= 1000),
    cancelled_at timestamptz,
    rebooked_from uuid REFERENCES surgery_cases(id),
    count_unresolved boolean NOT NULL DEFAULT false,
    count_xray text NOT NULL DEFAULT '' CHECK (length(count_xray) <= 1000),
    count_reason text NOT NULL DEFAULT '' CHECK (length(count_reason) <= 1000),
    recovery_override text NOT NULL DEFAULT '' CHECK (length(recovery_override) <= 1000),
    recovery_override_by uuid REFERENCES users(id),
    created_by uuid REFERENCES users(id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT surgery_cases_times CHECK (planned_end > planned_start),
    CONSTRAINT surgery_cases_target CHECK (priority = 'elective' OR target_at IS NOT NULL),
    CONSTRAINT surgery_cases_cancelled CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
    CONSTRAINT surgery_cases_one_role_each CHECK (
        surgeon_id <> anaesthetist_id
        AND assistant_id IS DISTINCT FROM surgeon_id AND assistant_id IS DISTINCT FROM anaesthetist_id
        AND nurse_id IS DISTINCT FROM surgeon_id AND nurse_id IS DISTINCT FROM anaesthetist_id
        AND (nurse_id IS NULL OR nurse_id IS DISTINCT FROM assistant_id)),
    CONSTRAINT surgery_cases_unresolved_why CHECK (NOT count_unresolved OR (count_xray <> '' AND count_reason <> '')),
    CONSTRAINT surgery_cases_theatre_free EXCLUDE USING gist (
        theatre_id WITH =, tstzrange(planned_start, planned_end) WITH &&) WHERE (status <> 'cancelled')
);
CREATE INDEX surgery_cases_patient ON surgery_cases (patient_id, planned_start DESC, id DESC);
CREATE INDEX surgery_cases_day ON surgery_cases (planned_start);
CREATE INDEX surgery_cases_surgeon ON surgery_cases (surgeon_id, procedure_code, out_of_room_at DESC);

-- Pre-operative readiness: one row per item (the latest recording wins).
CREATE TABLE surgery_readiness (
    case_id uuid NOT NULL REFERENCES surgery_cases(id),
    item text NOT NULL CHECK (item IN ('consent', 'assessment', 'fasting', 'site_marked', 'allergies', 'identity')),
    value text NOT NULL CHECK (length(value) BETWEEN 1 AND 40),
    recorded_by uuid NOT NULL REFERENCES users(id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, item)
);

-- The WHO Surgical Safety Checklist: one confirmation per item and case.
CREATE TABLE surgery_checklist (
    case_id uuid NOT NULL REFERENCES surgery_cases(id),
    phase text NOT NULL CHECK (phase IN ('sign_in', 'time_out', 'sign_out')),
    item text NOT NULL,
    answer text NOT NULL CHECK (length(answer) BETWEEN 1 AND 40),
    team_role text NOT NULL CHECK (team_role IN ('surgeon', 'assistant', 'anaesthetist', 'nurse')),
    confirmed_by uuid NOT NULL REFERENCES users(id),
    confirmed_at timestamptz NOT NULL DEFAULT now(),
    late boolean NOT NULL DEFAULT false,
    CONSTRAINT surgery_checklist_once PRIMARY KEY (case_id, item)
);

-- Instrument, sponge and needle counts.
CREATE TABLE surgery_counts (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES surgery_cases(id),
    stage text NOT NULL CHECK (stage IN ('baseline', 'cavity_closure', 'skin_closure', 'relief')),
    sponges integer NOT NULL CHECK (sponges BETWEEN 0 AND 1000),
    needles integer NOT NULL CHECK (needles BETWEEN 0 AND 1000),
    instruments integer NOT NULL CHECK (instruments BETWEEN 0 AND 1000),
    discrepancy boolean NOT NULL,
    resolution text CHECK (resolution IN ('recount', 'xray', 'surgeon_decision')),
    resolution_note text NOT NULL DEFAULT '' CHECK (length(resolution_note) <= 1000),
    recorded_by uuid NOT NULL REFERENCES users(id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT surgery_counts_resolution CHECK (resolution IS NULL OR discrepancy)
);
CREATE INDEX surgery_counts_case ON surgery_counts (case_id, recorded_at);

-- Recovery: the modified Aldrete score.
CREATE TABLE surgery_aldrete (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES surgery_cases(id),
    activity smallint NOT NULL CHECK (activity BETWEEN 0 AND 2),
    respiration smallint NOT NULL CHECK (respiration BETWEEN 0 AND 2),
    circulation smallint NOT NULL CHECK (circulation BETWEEN 0 AND 2),
    consciousness smallint NOT NULL CHECK (consciousness BETWEEN 0 AND 2),
    spo2 smallint NOT NULL CHECK (spo2 BETWEEN 0 AND 2),
    total smallint GENERATED ALWAYS AS (activity + respiration + circulation + consciousness + spo2) STORED,
    recorded_by uuid NOT NULL REFERENCES users(id),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX surgery_aldrete_case ON surgery_aldrete (case_id, recorded_at DESC);
