-- The emergency department (module `emergency`): ED locations (bays) with capacity, ED visits
-- from arrival to departure, ESI v4 triage with its history.

CREATE TABLE ed_bays (
    id           uuid PRIMARY KEY,
    facility_id  uuid NOT NULL REFERENCES facilities(id),
    code         text NOT NULL CHECK (code ~ '^[A-Z0-9_-]{1,20}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    area         text NOT NULL CHECK (area IN ('resus', 'majors', 'minors', 'paediatric', 'isolation', 'corridor', 'waiting')),
    capacity     integer NOT NULL CHECK (capacity BETWEEN 1 AND 200),
    -- A bay for one patient at a time (the exclusion below reads it through the visit's copy).
    single       boolean GENERATED ALWAYS AS (capacity = 1) STORED,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ed_bays_code_unique UNIQUE (facility_id, code),
    CONSTRAINT ed_bays_id_single UNIQUE (id, single)
);

CREATE TABLE ed_visits (
    id                 uuid PRIMARY KEY,
    patient_id         uuid NOT NULL REFERENCES patients(id),
    facility_id        uuid NOT NULL REFERENCES facilities(id),
    encounter_id       uuid REFERENCES encounters(id),
    arrived_at         timestamptz NOT NULL,
    arrival_mode       text NOT NULL CHECK (arrival_mode IN ('walk_in', 'ambulance', 'police', 'transfer')),
    chief_complaint    text NOT NULL CHECK (length(chief_complaint) BETWEEN 1 AND 200),
    medico_legal       boolean NOT NULL DEFAULT false,
    police_informed    boolean NOT NULL DEFAULT false,
    -- waiting (for triage), triaged (waiting for a clinician), in_treatment, boarding (admitted,
    -- still in the department), departed.
    status             text NOT NULL DEFAULT 'waiting'
                       CHECK (status IN ('waiting', 'triaged', 'in_treatment', 'boarding', 'departed')),
    -- The latest triage's level and time (the history is ed_triages).
    esi                smallint CHECK (esi BETWEEN 1 AND 5),
    triaged_at         timestamptz,
    -- The clock of the current step (waiting for triage, for a clinician, treatment, boarding).
    step_since         timestamptz NOT NULL,
    bay_id             uuid,
    -- The bay's single-occupancy flag, kept equal to the bay's by the foreign key below.
    bay_single         boolean,
    nurse_id           uuid REFERENCES users(id),
    clinician_id       uuid REFERENCES users(id),
    -- First seen by a clinician (restarts when a re-triage raises the level).
    seen_at            timestamptz,
    disposition        text CHECK (disposition IN ('admit', 'transfer', 'discharge', 'lwbs', 'lama', 'deceased')),
    disposition_at     timestamptz,
    disposition_by     uuid REFERENCES users(id),
    disposition_note   text NOT NULL DEFAULT '' CHECK (length(disposition_note) <= 4000),
    admit_department_id uuid REFERENCES departments(id),
    transfer_to        text CHECK (length(transfer_to) BETWEEN 1 AND 200),
    departed_at        timestamptz,
    -- When the timers' alerts were raised (once per breach; an upgrade re-arms the wait's).
    wait_alerted_at    timestamptz,
    los_alerted_at     timestamptz,
    created_by         uuid REFERENCES users(id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ed_visits_bay FOREIGN KEY (bay_id, bay_single) REFERENCES ed_bays (id, single),
    CONSTRAINT ed_visits_bay_pair CHECK ((bay_id IS NULL) = (bay_single IS NULL)),
    CONSTRAINT ed_visits_departed CHECK ((status = 'departed') = (departed_at IS NOT NULL)),
    CONSTRAINT ed_visits_boarding CHECK (status <> 'boarding' OR disposition = 'admit'),
    CONSTRAINT ed_visits_disposition CHECK ((disposition IS NULL) = (disposition_at IS NULL)),
    CONSTRAINT ed_visits_departed_has_disposition CHECK (departed_at IS NULL OR disposition IS NOT NULL),
    CONSTRAINT ed_visits_departed_no_bay CHECK (departed_at IS NULL OR bay_id IS NULL),
    CONSTRAINT ed_visits_order CHECK (departed_at IS NULL OR departed_at >= arrived_at)
);

-- One open ED visit per patient (two clerks registering the same arrival at once).
CREATE UNIQUE INDEX ed_visits_one_open ON ed_visits (patient_id) WHERE departed_at IS NULL;
-- One patient at a time in a single-occupancy bay.
CREATE UNIQUE INDEX ed_visits_single_bay ON ed_visits (bay_id) WHERE bay_single;
-- The board: the department's open visits.
CREATE INDEX ed_visits_open ON ed_visits (facility_id, arrived_at) WHERE departed_at IS NULL;
CREATE INDEX ed_visits_patient_time ON ed_visits (patient_id, arrived_at DESC, id DESC);
CREATE INDEX ed_visits_bay_open ON ed_visits (bay_id) WHERE bay_id IS NOT NULL;

CREATE TABLE ed_triages (
    id                 uuid PRIMARY KEY,
    visit_id           uuid NOT NULL REFERENCES ed_visits(id),
    patient_id         uuid NOT NULL REFERENCES patients(id),
    triaged_at         timestamptz NOT NULL DEFAULT now(),
    triaged_by         uuid REFERENCES users(id),
    -- The age band the algorithm used, and whether it was estimated (age unknown).
    age_band           text NOT NULL CHECK (age_band IN ('neonate', 'under_3m', '3m_3y', '3y_8y', '8y_16y', 'adult')),
    age_estimated      boolean NOT NULL,
    -- (A) (B) (C) (D): the answers, as recorded.
    life_saving        boolean NOT NULL,
    avpu               text CHECK (avpu IN ('A', 'V', 'P', 'U')),
    high_risk          boolean NOT NULL,
    confused           boolean NOT NULL,
    severe_pain        boolean NOT NULL,
    pain               smallint CHECK (pain BETWEEN 0 AND 10),
    resources          text[] NOT NULL DEFAULT '{}',
    resource_count     smallint NOT NULL CHECK (resource_count BETWEEN 0 AND 50),
    danger_zone        boolean NOT NULL,
    upgrade_accepted   boolean NOT NULL DEFAULT false,
    -- The algorithm's level, the nurse's final level and, when they differ, why.
    computed_esi       smallint NOT NULL CHECK (computed_esi BETWEEN 1 AND 5),
    esi                smallint NOT NULL CHECK (esi BETWEEN 1 AND 5),
    override_reason    text CHECK (length(override_reason) BETWEEN 1 AND 500),
    -- The path through the decision points and the prompts shown (JSON, no PHI beyond this row).
    path               jsonb NOT NULL,
    weight_kg          numeric(5, 2) CHECK (weight_kg > 0 AND weight_kg <= 400),
    weight_estimated   boolean NOT NULL DEFAULT false,
    pregnancy          text NOT NULL CHECK (pregnancy IN ('not_applicable', 'unknown', 'not_pregnant', 'pregnant')),
    fever_cough        boolean NOT NULL DEFAULT false,
    rash               boolean NOT NULL DEFAULT false,
    recent_travel      boolean NOT NULL DEFAULT false,
    allergies_note     text NOT NULL DEFAULT '' CHECK (length(allergies_note) <= 500),
    -- The chart's vital-signs set recorded with this triage, and its NEWS2 (adults).
    vitals_id          uuid REFERENCES vitals(id),
    news2              smallint,
    CONSTRAINT ed_triages_reason CHECK (esi = computed_esi OR override_reason IS NOT NULL)
);

CREATE INDEX ed_triages_visit ON ed_triages (visit_id, triaged_at DESC, id DESC);
CREATE INDEX ed_triages_patient ON ed_triages (patient_id, triaged_at DESC, id DESC);
