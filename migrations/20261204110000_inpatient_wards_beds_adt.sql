-- Inpatient care (issue 17, phase 1): wards, rooms and beds per facility; one bed-allocation
-- table for occupancy and holds (the bed network adds its holds here); admissions with transfers,
-- leave and discharge; housekeeping's cleaning tasks.

CREATE TABLE inpatient_wards (
    id             uuid PRIMARY KEY,
    facility_id    uuid NOT NULL REFERENCES facilities(id),
    code           text NOT NULL CHECK (code ~ '^[A-Z0-9_-]{1,20}$'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind           text NOT NULL CHECK (kind IN ('general', 'icu', 'hdu', 'paediatric', 'maternity', 'isolation', 'day_care')),
    gender_policy  text NOT NULL DEFAULT 'mixed' CHECK (gender_policy IN ('mixed', 'female', 'male')),
    specialty      text NOT NULL DEFAULT '' CHECK (length(specialty) <= 100),
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inpatient_wards_code_unique UNIQUE (facility_id, code)
);

CREATE TABLE inpatient_rooms (
    id          uuid PRIMARY KEY,
    ward_id     uuid NOT NULL REFERENCES inpatient_wards(id),
    code        text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,20}$'),
    single      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inpatient_rooms_code_unique UNIQUE (ward_id, code)
);

-- A bed's status moves only along the guarded transitions (the UPDATEs name the status they
-- expect): available → reserved | occupied | blocked; reserved → available | occupied;
-- occupied → cleaning (| occupied while a transfer holds it); cleaning → available | blocked;
-- blocked → available.
CREATE TABLE inpatient_beds (
    id                 uuid PRIMARY KEY,
    ward_id            uuid NOT NULL REFERENCES inpatient_wards(id),
    room_id            uuid REFERENCES inpatient_rooms(id),
    code               text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,20}$'),
    bed_type           text NOT NULL DEFAULT 'standard'
                       CHECK (bed_type IN ('standard', 'critical_care', 'cot', 'bariatric', 'maternity', 'recliner')),
    isolation          text NOT NULL DEFAULT 'none'
                       CHECK (isolation IN ('none', 'single_room', 'negative_pressure', 'positive_pressure')),
    oxygen             boolean NOT NULL DEFAULT false,
    ventilator         boolean NOT NULL DEFAULT false,
    bariatric          boolean NOT NULL DEFAULT false,
    cot                boolean NOT NULL DEFAULT false,
    status             text NOT NULL DEFAULT 'available'
                       CHECK (status IN ('available', 'reserved', 'occupied', 'cleaning', 'blocked')),
    blocked_reason     text CHECK (length(blocked_reason) BETWEEN 1 AND 300),
    blocked_until      timestamptz,
    status_changed_at  timestamptz NOT NULL DEFAULT now(),
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inpatient_beds_code_unique UNIQUE (ward_id, code),
    CONSTRAINT inpatient_beds_blocked_reason CHECK ((status = 'blocked') = (blocked_reason IS NOT NULL)),
    CONSTRAINT inpatient_beds_blocked_until CHECK (status = 'blocked' OR blocked_until IS NULL)
);
CREATE INDEX inpatient_beds_ward ON inpatient_beds (ward_id, code);

-- One stay in hospital: opened by an admission (with its inpatient encounter), closed by a
-- discharge. A patient has at most one open stay.
CREATE TABLE inpatient_admissions (
    id                      uuid PRIMARY KEY,
    patient_id              uuid NOT NULL REFERENCES patients(id),
    facility_id             uuid NOT NULL REFERENCES facilities(id),
    encounter_id            uuid REFERENCES encounters(id),
    status                  text NOT NULL CHECK (status IN ('admitted', 'on_leave', 'discharged')),
    source                  text NOT NULL CHECK (source IN ('clinic', 'ed', 'surgery', 'direct')),
    admitting_clinician_id  uuid REFERENCES users(id),
    diagnosis               text NOT NULL DEFAULT '' CHECK (length(diagnosis) <= 500),
    icd_code                text REFERENCES icd10_codes(code),
    isolation               text NOT NULL DEFAULT 'none' CHECK (isolation IN ('none', 'contact', 'droplet', 'airborne')),
    expected_los_days       integer CHECK (expected_los_days BETWEEN 1 AND 365),
    admitted_at             timestamptz NOT NULL,
    -- Where the patient was admitted to, and where they are now (moves with each transfer).
    admitting_ward_id       uuid NOT NULL REFERENCES inpatient_wards(id),
    ward_id                 uuid NOT NULL REFERENCES inpatient_wards(id),
    bed_id                  uuid REFERENCES inpatient_beds(id),
    gender_override_reason  text CHECK (length(gender_override_reason) BETWEEN 1 AND 500),
    leave_until             timestamptz,
    discharged_at           timestamptz,
    disposition             text CHECK (disposition IN ('home', 'transfer_out', 'against_advice', 'deceased')),
    discharge_note          text NOT NULL DEFAULT '' CHECK (length(discharge_note) <= 2000),
    admitted_by             uuid REFERENCES users(id),
    discharged_by           uuid REFERENCES users(id),
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inpatient_admissions_discharge_after CHECK (discharged_at IS NULL OR discharged_at >= admitted_at),
    CONSTRAINT inpatient_admissions_discharged CHECK ((status = 'discharged') = (discharged_at IS NOT NULL AND disposition IS NOT NULL)),
    CONSTRAINT inpatient_admissions_leave CHECK ((status = 'on_leave') = (leave_until IS NOT NULL))
);
CREATE UNIQUE INDEX inpatient_admissions_one_open ON inpatient_admissions (patient_id) WHERE status <> 'discharged';
CREATE INDEX inpatient_admissions_patient ON inpatient_admissions (patient_id, admitted_at DESC, id DESC);
CREATE INDEX inpatient_admissions_open_ward ON inpatient_admissions (ward_id) WHERE status <> 'discharged';

-- The ONE bed-allocation table: occupancy (a patient in a bed) and holds (a bed kept for a
-- transfer, a reservation, or — later — the bed network), each over a period. Exclusion
-- constraints: one allocation per bed at any instant; one occupied bed per patient at any
-- instant. A hold with an expiry has it as the period's upper bound, so it lapses by itself.
CREATE TABLE inpatient_bed_allocations (
    id             uuid PRIMARY KEY,
    bed_id         uuid NOT NULL REFERENCES inpatient_beds(id),
    kind           text NOT NULL CHECK (kind IN ('occupancy', 'hold')),
    patient_id     uuid REFERENCES patients(id),
    admission_id   uuid REFERENCES inpatient_admissions(id),
    period         tstzrange NOT NULL CHECK (NOT isempty(period) OR released_at IS NOT NULL),
    expires_at     timestamptz,
    hold_reason    text CHECK (hold_reason IN ('transfer', 'reservation', 'bed_request', 'network')),
    source_module  text NOT NULL DEFAULT 'inpatient' CHECK (length(source_module) BETWEEN 1 AND 40),
    released_at    timestamptz,
    created_by     uuid REFERENCES users(id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inpatient_bed_allocations_kind CHECK (
        (kind = 'occupancy' AND patient_id IS NOT NULL AND admission_id IS NOT NULL AND expires_at IS NULL AND hold_reason IS NULL)
        OR (kind = 'hold' AND hold_reason IS NOT NULL)),
    CONSTRAINT inpatient_bed_allocations_one_per_bed EXCLUDE USING gist (bed_id WITH =, period WITH &&),
    CONSTRAINT inpatient_bed_allocations_one_bed_per_patient
        EXCLUDE USING gist (patient_id WITH =, period WITH &&) WHERE (kind = 'occupancy')
);
CREATE INDEX inpatient_bed_allocations_admission ON inpatient_bed_allocations (admission_id);
CREATE INDEX inpatient_bed_allocations_patient ON inpatient_bed_allocations (patient_id);

-- A transfer between beds or wards: sent, then received by the receiving ward (the source bed
-- stays held meanwhile), or cancelled.
CREATE TABLE inpatient_transfers (
    id            uuid PRIMARY KEY,
    admission_id  uuid NOT NULL REFERENCES inpatient_admissions(id),
    patient_id    uuid NOT NULL REFERENCES patients(id),
    from_bed_id   uuid NOT NULL REFERENCES inpatient_beds(id),
    to_bed_id     uuid NOT NULL REFERENCES inpatient_beds(id),
    hold_id       uuid NOT NULL REFERENCES inpatient_bed_allocations(id),
    reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    status        text NOT NULL CHECK (status IN ('sent', 'received', 'cancelled')),
    gender_override_reason text CHECK (length(gender_override_reason) BETWEEN 1 AND 500),
    sent_at       timestamptz NOT NULL,
    sent_by       uuid REFERENCES users(id),
    received_at   timestamptz CHECK (received_at IS NULL OR received_at >= sent_at),
    received_by   uuid REFERENCES users(id),
    CONSTRAINT inpatient_transfers_other_bed CHECK (from_bed_id <> to_bed_id)
);
CREATE UNIQUE INDEX inpatient_transfers_one_open ON inpatient_transfers (admission_id) WHERE status = 'sent';
CREATE INDEX inpatient_transfers_patient ON inpatient_transfers (patient_id);

-- Housekeeping: a vacated bed gets a cleaning task (terminal after isolation or a death).
CREATE TABLE inpatient_cleaning_tasks (
    id          uuid PRIMARY KEY,
    bed_id      uuid NOT NULL REFERENCES inpatient_beds(id),
    kind        text NOT NULL CHECK (kind IN ('routine', 'terminal')),
    status      text NOT NULL CHECK (status IN ('open', 'done')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    done_at     timestamptz,
    done_by     uuid REFERENCES users(id),
    CONSTRAINT inpatient_cleaning_tasks_done CHECK ((status = 'done') = (done_at IS NOT NULL) AND (done_at IS NULL OR done_at >= created_at))
);
CREATE UNIQUE INDEX inpatient_cleaning_tasks_one_open ON inpatient_cleaning_tasks (bed_id) WHERE status = 'open';
CREATE INDEX inpatient_cleaning_tasks_done ON inpatient_cleaning_tasks (done_at DESC) WHERE status = 'done';
