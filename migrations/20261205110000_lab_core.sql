-- Laboratory, phase 1: catalogue (sections, tests, panels, reference ranges), lab orders (the
-- detail rows of the orders core's `lab_test` headers), specimens with DB-generated accession
-- numbers, results with verification and amendment, and the lab's critical-value phone calls.

CREATE TABLE lab_sections (
    code            text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,30}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- A second person must verify results before release (never the person who entered them).
    second_verifier boolean NOT NULL DEFAULT false
);

CREATE TABLE lab_tests (
    code               text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_]{1,20}$'),
    loinc              text NOT NULL CHECK (loinc ~ '^[0-9]{1,7}-[0-9]$'),
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    section            text NOT NULL REFERENCES lab_sections (code),
    specimen           text NOT NULL,
    container          text NOT NULL,
    -- UCUM unit ('' for unitless ratios).
    unit               text NOT NULL DEFAULT '',
    decimals           int NOT NULL DEFAULT 1 CHECK (decimals BETWEEN 0 AND 4),
    critical_low       numeric,
    critical_high      numeric,
    -- Largest change from the patient's previous released value before the result is held.
    delta_limit        numeric CHECK (delta_limit > 0),
    tat_minutes        int NOT NULL CHECK (tat_minutes > 0),
    tat_stat_minutes   int CHECK (tat_stat_minutes > 0),
    charge_code        text NOT NULL CHECK (charge_code <> ''),
    -- Ordering the test again within this many hours warns (0: never).
    min_interval_hours int NOT NULL DEFAULT 0 CHECK (min_interval_hours >= 0),
    -- Computed from other results (eGFR), never ordered on its own.
    calculated         boolean NOT NULL DEFAULT false,
    active             boolean NOT NULL DEFAULT true,
    CONSTRAINT lab_tests_critical_order CHECK (critical_low IS NULL OR critical_high IS NULL OR critical_low < critical_high)
);

CREATE TABLE lab_ranges (
    id           bigserial PRIMARY KEY,
    test         text NOT NULL REFERENCES lab_tests (code) ON DELETE CASCADE,
    sex          text NOT NULL CHECK (sex IN ('any', 'female', 'male')),
    -- Age band in days: from (inclusive) to (exclusive; NULL: no upper bound).
    age_min_days int NOT NULL DEFAULT 0 CHECK (age_min_days >= 0),
    age_max_days int,
    low          numeric,
    high         numeric,
    CONSTRAINT lab_ranges_bounds CHECK (low IS NOT NULL OR high IS NOT NULL),
    CONSTRAINT lab_ranges_order CHECK (low IS NULL OR high IS NULL OR low < high),
    CONSTRAINT lab_ranges_band CHECK (age_max_days IS NULL OR age_max_days > age_min_days),
    CONSTRAINT lab_ranges_once UNIQUE (test, sex, age_min_days)
);

CREATE TABLE lab_panels (
    code               text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_]{1,20}$'),
    loinc              text NOT NULL CHECK (loinc ~ '^[0-9]{1,7}-[0-9]$'),
    name               text NOT NULL,
    charge_code        text NOT NULL CHECK (charge_code <> ''),
    min_interval_hours int NOT NULL DEFAULT 0 CHECK (min_interval_hours >= 0),
    active             boolean NOT NULL DEFAULT true
);

CREATE TABLE lab_panel_tests (
    panel    text NOT NULL REFERENCES lab_panels (code) ON DELETE CASCADE,
    test     text NOT NULL REFERENCES lab_tests (code),
    position int NOT NULL,
    PRIMARY KEY (panel, test)
);

-- One row per lab_test order header of the orders core: a test or a panel.
CREATE TABLE lab_orders (
    id          uuid PRIMARY KEY,
    patient_id  uuid NOT NULL REFERENCES patients (id),
    order_id    uuid NOT NULL REFERENCES orders (id),
    code        text NOT NULL,
    is_panel    boolean NOT NULL,
    display     text NOT NULL,
    section     text NOT NULL REFERENCES lab_sections (code),
    priority    text NOT NULL CHECK (priority IN ('routine', 'urgent', 'asap', 'stat')),
    orderer_id  uuid NOT NULL REFERENCES users (id),
    ordered_at  timestamptz NOT NULL DEFAULT now(),
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'released', 'cancelled')),
    CONSTRAINT lab_orders_one_per_header UNIQUE (order_id)
);
CREATE INDEX lab_orders_patient ON lab_orders (patient_id, ordered_at DESC, id DESC);
CREATE INDEX lab_orders_recent ON lab_orders (patient_id, code, ordered_at DESC);

CREATE SEQUENCE lab_accession_seq;

-- Accession numbers: 'L', the two-digit year, and a sequence number (unique, from the database).
CREATE FUNCTION lab_next_accession() RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT 'L' || to_char(now() AT TIME ZONE 'UTC', 'YY') || lpad(nextval('lab_accession_seq')::text, 7, '0')
$$;

CREATE TABLE lab_specimens (
    id            uuid PRIMARY KEY,
    lab_order_id  uuid NOT NULL REFERENCES lab_orders (id),
    patient_id    uuid NOT NULL REFERENCES patients (id),
    specimen      text NOT NULL,
    container     text NOT NULL,
    status        text NOT NULL DEFAULT 'to_collect'
                  CHECK (status IN ('to_collect', 'collected', 'received', 'rejected', 'cancelled')),
    accession     text,
    collected_at  timestamptz,
    collected_by  uuid REFERENCES users (id),
    received_at   timestamptz,
    received_by   uuid REFERENCES users (id),
    rejected_at   timestamptz,
    rejected_by   uuid REFERENCES users (id),
    reject_reason text CHECK (reject_reason IN ('haemolysed', 'clotted', 'insufficient', 'unlabelled', 'wrong_container')),
    reject_note   text NOT NULL DEFAULT '',
    -- The rejected specimen this one recollects.
    recollect_of  uuid REFERENCES lab_specimens (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT lab_specimens_accession_unique UNIQUE (accession),
    CONSTRAINT lab_specimens_one_recollection UNIQUE (recollect_of),
    CONSTRAINT lab_specimens_collected CHECK (
        status IN ('to_collect', 'cancelled') OR (accession IS NOT NULL AND collected_at IS NOT NULL AND collected_by IS NOT NULL)),
    CONSTRAINT lab_specimens_received CHECK (status <> 'received' OR (received_at IS NOT NULL AND received_by IS NOT NULL)),
    CONSTRAINT lab_specimens_rejected CHECK (
        status <> 'rejected' OR (rejected_at IS NOT NULL AND rejected_by IS NOT NULL AND reject_reason IS NOT NULL))
);
-- One live specimen per lab order (a rejected one is replaced by its recollection).
CREATE UNIQUE INDEX lab_specimens_one_live ON lab_specimens (lab_order_id) WHERE status NOT IN ('rejected', 'cancelled');
CREATE INDEX lab_specimens_status ON lab_specimens (status, created_at);
CREATE INDEX lab_specimens_patient ON lab_specimens (patient_id);

CREATE TABLE lab_results (
    id            uuid PRIMARY KEY,
    lab_order_id  uuid NOT NULL REFERENCES lab_orders (id),
    specimen_id   uuid NOT NULL REFERENCES lab_specimens (id),
    patient_id    uuid NOT NULL REFERENCES patients (id),
    test          text NOT NULL REFERENCES lab_tests (code),
    value_num     numeric,
    -- A censored value: '<' or '>' the number (below or above the measuring range).
    censor        text CHECK (censor IN ('<', '>')),
    unit          text NOT NULL,
    ref_low       numeric,
    ref_high      numeric,
    flag          text CHECK (flag IN ('L', 'H', 'LL', 'HH')),
    critical      boolean NOT NULL DEFAULT false,
    calculated    boolean NOT NULL DEFAULT false,
    comment       text NOT NULL DEFAULT '' CHECK (length(comment) <= 500),
    status        text NOT NULL CHECK (status IN ('entered', 'held', 'verified', 'released', 'superseded')),
    -- Delta check: the patient's previous released value and whether the change exceeded the limit.
    delta_prev    numeric,
    delta_failed  boolean NOT NULL DEFAULT false,
    reviewed_by   uuid REFERENCES users (id),
    entered_by    uuid NOT NULL REFERENCES users (id),
    entered_at    timestamptz NOT NULL DEFAULT now(),
    verified_by   uuid REFERENCES users (id),
    verified_at   timestamptz,
    released_by   uuid REFERENCES users (id),
    released_at   timestamptz,
    -- An amendment: the released result it corrects (kept, superseded) and why.
    replaces      uuid REFERENCES lab_results (id),
    amend_reason  text,
    CONSTRAINT lab_results_value CHECK (value_num IS NOT NULL OR comment <> ''),
    CONSTRAINT lab_results_censor_value CHECK (censor IS NULL OR value_num IS NOT NULL),
    CONSTRAINT lab_results_verifier_not_enterer CHECK (verified_by IS NULL OR verified_by <> entered_by),
    CONSTRAINT lab_results_released CHECK (status NOT IN ('released', 'superseded') OR (released_at IS NOT NULL AND released_by IS NOT NULL)),
    CONSTRAINT lab_results_amendment CHECK (replaces IS NULL OR amend_reason IS NOT NULL),
    CONSTRAINT lab_results_one_amendment UNIQUE (replaces)
);
-- One current result per test of a specimen (an amendment supersedes the one it corrects).
CREATE UNIQUE INDEX lab_results_one_current ON lab_results (specimen_id, test) WHERE status <> 'superseded';
CREATE INDEX lab_results_chart ON lab_results (patient_id, released_at DESC, id DESC) WHERE status IN ('released', 'superseded');
CREATE INDEX lab_results_history ON lab_results (patient_id, test, released_at DESC) WHERE status = 'released';
CREATE INDEX lab_results_work ON lab_results (status) WHERE status IN ('entered', 'held', 'verified');

-- The lab's phone call of a critical result to the ward or clinician.
CREATE TABLE lab_calls (
    id         uuid PRIMARY KEY,
    result_id  uuid NOT NULL REFERENCES lab_results (id),
    patient_id uuid NOT NULL REFERENCES patients (id),
    caller_id  uuid NOT NULL REFERENCES users (id),
    receiver   text NOT NULL CHECK (length(receiver) BETWEEN 1 AND 200),
    read_back  boolean NOT NULL CONSTRAINT lab_calls_read_back CHECK (read_back),
    called_at  timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lab_calls_result ON lab_calls (result_id);
CREATE INDEX lab_calls_patient ON lab_calls (patient_id);
