-- Medication administration (eMAR), phase 1 (issue 23): wristband tokens, the order
-- acknowledgements, the materialised schedule of doses and the administration records.

-- A printed wristband: its barcode carries `token` (opaque, random; never the name or MRN).
-- Reprinting revokes the previous band; a revoked token is refused when scanned.
CREATE TABLE emar_wristbands (
    id             uuid PRIMARY KEY,
    patient_id     uuid NOT NULL REFERENCES patients(id),
    token          text NOT NULL CHECK (token ~ '^[A-Z0-9]{16,40}$'),
    issued_at      timestamptz NOT NULL DEFAULT now(),
    issued_by      uuid REFERENCES users(id),
    revoked_at     timestamptz,
    revoked_by     uuid REFERENCES users(id),
    CONSTRAINT emar_wristbands_token_unique UNIQUE (token)
);
CREATE UNIQUE INDEX emar_wristbands_one_current ON emar_wristbands (patient_id) WHERE revoked_at IS NULL;

-- A nurse's acknowledgement of a medication order (new or STAT) before its first dose.
CREATE TABLE emar_order_acks (
    rx_order_id      uuid PRIMARY KEY REFERENCES rx_orders(id),
    patient_id       uuid NOT NULL REFERENCES patients(id),
    acknowledged_by  uuid NOT NULL REFERENCES users(id),
    acknowledged_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX emar_order_acks_patient ON emar_order_acks (patient_id);

-- A dose: scheduled (materialised from a verified order, unique per order and due time so that
-- regenerating never moves or duplicates one), once (STAT/ONCE, due at the order's start) or
-- prn (created when given on demand; no due time).
CREATE TABLE emar_doses (
    id              uuid PRIMARY KEY,
    patient_id      uuid NOT NULL REFERENCES patients(id),
    rx_order_id     uuid NOT NULL REFERENCES rx_orders(id),
    kind            text NOT NULL CHECK (kind IN ('scheduled', 'once', 'prn')),
    -- The order as it read when the dose was planned ("Paracetamol 500 mg tablets · 1 g PO QDS").
    medication      text NOT NULL CHECK (length(medication) BETWEEN 1 AND 400),
    due_at          timestamptz,
    -- The ISMP window in minutes either side of the due time (0: as soon as possible).
    window_minutes  integer NOT NULL CHECK (window_minutes BETWEEN 0 AND 240),
    status          text NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'given', 'not_given', 'cancelled')),
    overdue_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT emar_doses_due_time CHECK ((kind = 'prn') = (due_at IS NULL)),
    CONSTRAINT emar_doses_order_time_unique UNIQUE (rx_order_id, due_at)
);
CREATE INDEX emar_doses_patient ON emar_doses (patient_id, due_at DESC, id DESC);
CREATE INDEX emar_doses_open ON emar_doses (due_at) WHERE status = 'due' AND overdue_at IS NULL;

-- What happened to a dose: one record per dose (the unique constraint settles two nurses
-- recording the same dose at once).
CREATE TABLE emar_administrations (
    id                  uuid PRIMARY KEY,
    dose_id             uuid NOT NULL REFERENCES emar_doses(id),
    patient_id          uuid NOT NULL REFERENCES patients(id),
    rx_order_id         uuid NOT NULL REFERENCES rx_orders(id),
    outcome             text NOT NULL CHECK (outcome IN ('given', 'not_given')),
    dose                numeric CHECK (dose > 0),
    dose_unit           text NOT NULL DEFAULT '' CHECK (length(dose_unit) <= 20),
    route               text NOT NULL DEFAULT '' CHECK (length(route) <= 10),
    site                text NOT NULL DEFAULT '' CHECK (length(site) <= 100),
    at                  timestamptz NOT NULL,
    timing              text NOT NULL CHECK (timing IN ('on_time', 'early', 'late', 'asap', 'prn')),
    timing_reason       text NOT NULL DEFAULT '' CHECK (length(timing_reason) <= 500),
    not_given_reason    text CHECK (not_given_reason IN
                        ('refused', 'npo', 'held', 'unavailable', 'off_ward', 'vomited', 'no_iv_access')),
    note                text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    override_reason     text NOT NULL DEFAULT '' CHECK (length(override_reason) <= 500),
    scanned_patient     boolean NOT NULL,
    scanned_medication  boolean NOT NULL,
    dispense_id         uuid,
    recorded_by         uuid NOT NULL REFERENCES users(id),
    recorded_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT emar_administrations_one_per_dose UNIQUE (dose_id),
    CONSTRAINT emar_administrations_given CHECK (outcome <> 'given' OR (dose IS NOT NULL AND not_given_reason IS NULL)),
    CONSTRAINT emar_administrations_not_given_reason CHECK (outcome <> 'not_given' OR not_given_reason IS NOT NULL),
    CONSTRAINT emar_administrations_timing_reason CHECK (timing NOT IN ('early', 'late') OR outcome <> 'given'
                                                         OR length(timing_reason) > 0)
);
CREATE INDEX emar_administrations_patient ON emar_administrations (patient_id, at DESC, id DESC);
CREATE INDEX emar_administrations_order ON emar_administrations (rx_order_id, at DESC);
