-- Appointments, clinic schedules and the outpatient queue (module `appointments`, issue 16).
-- Weekly templates (local wall-clock times in the facility's zone) are materialised into
-- sessions (instants) and slots by the `appointments.materialise` job; bookings take one seat of
-- a slot; check-in puts the patient in the facility's queue of the day with a token.

CREATE TABLE appt_templates (
    id              uuid PRIMARY KEY,
    clinician_id    uuid NOT NULL REFERENCES users(id),
    facility_id     uuid NOT NULL REFERENCES facilities(id),
    department_id   uuid NOT NULL REFERENCES departments(id),
    -- ISO weekday: 1 Monday … 7 Sunday.
    weekday         smallint NOT NULL CONSTRAINT appt_templates_weekday CHECK (weekday BETWEEN 1 AND 7),
    start_time      time NOT NULL,
    end_time        time NOT NULL,
    slot_minutes    integer NOT NULL CONSTRAINT appt_templates_slot_minutes CHECK (slot_minutes BETWEEN 5 AND 240),
    capacity        integer NOT NULL DEFAULT 1 CONSTRAINT appt_templates_capacity CHECK (capacity BETWEEN 1 AND 50),
    -- FHIR Appointment.appointmentType / serviceType codes offered in the session.
    visit_types     text[] NOT NULL CONSTRAINT appt_templates_visit_types
                        CHECK (cardinality(visit_types) >= 1
                               AND visit_types <@ ARRAY['new', 'follow_up', 'procedure', 'telemedicine']),
    effective_from  date NOT NULL,
    effective_to    date,
    active          boolean NOT NULL DEFAULT true,
    created_by      uuid REFERENCES users(id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appt_templates_times CHECK (end_time > start_time),
    CONSTRAINT appt_templates_dates CHECK (effective_to IS NULL OR effective_to >= effective_from)
);
CREATE INDEX appt_templates_clinician ON appt_templates (clinician_id);
CREATE INDEX appt_templates_facility ON appt_templates (facility_id, weekday);

-- One clinic session of a clinician on one day (FHIR Schedule's planning horizon, expanded).
CREATE TABLE appt_sessions (
    id              uuid PRIMARY KEY,
    template_id     uuid REFERENCES appt_templates(id),
    clinician_id    uuid NOT NULL REFERENCES users(id),
    facility_id     uuid NOT NULL REFERENCES facilities(id),
    department_id   uuid NOT NULL REFERENCES departments(id),
    -- The local day (facility zone) the session belongs to.
    day             date NOT NULL,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    slot_minutes    integer NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    capacity        integer NOT NULL CHECK (capacity BETWEEN 1 AND 50),
    visit_types     text[] NOT NULL CHECK (cardinality(visit_types) >= 1),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'blocked')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appt_sessions_times CHECK (ends_at > starts_at),
    CONSTRAINT appt_sessions_once UNIQUE (template_id, day),
    -- A clinician is in one session at a time.
    CONSTRAINT appt_sessions_no_overlap EXCLUDE USING gist
        (clinician_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status = 'open')
);
CREATE INDEX appt_sessions_facility_time ON appt_sessions (facility_id, starts_at);
CREATE INDEX appt_sessions_clinician_time ON appt_sessions (clinician_id, starts_at);

-- A bookable time of a session (FHIR Slot). Its seats are taken by appointments.
CREATE TABLE appt_slots (
    id              uuid PRIMARY KEY,
    session_id      uuid NOT NULL REFERENCES appt_sessions(id) ON DELETE CASCADE,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    capacity        integer NOT NULL CHECK (capacity BETWEEN 1 AND 50),
    CONSTRAINT appt_slots_times CHECK (ends_at > starts_at),
    CONSTRAINT appt_slots_once UNIQUE (session_id, starts_at)
);
CREATE INDEX appt_slots_time ON appt_slots (starts_at);

-- An appointment (FHIR Appointment). A booked one holds one seat (1..capacity) of its slot;
-- the unique index below is what refuses a booking beyond capacity, whatever the race. An
-- overbooking (permission appointments.overbook) holds no seat and is flagged.
CREATE TABLE appt_appointments (
    id              uuid PRIMARY KEY,
    patient_id      uuid NOT NULL REFERENCES patients(id),
    slot_id         uuid REFERENCES appt_slots(id),
    seat            integer CHECK (seat >= 1),
    overbooked      boolean NOT NULL DEFAULT false,
    clinician_id    uuid REFERENCES users(id),
    facility_id     uuid NOT NULL REFERENCES facilities(id),
    department_id   uuid REFERENCES departments(id),
    visit_type      text NOT NULL CHECK (visit_type IN ('new', 'follow_up', 'procedure', 'telemedicine')),
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    -- booked, arrived (checked in), fulfilled (seen), noshow, cancelled (FHIR codes, snake case).
    status          text NOT NULL DEFAULT 'booked'
                        CHECK (status IN ('booked', 'arrived', 'fulfilled', 'noshow', 'cancelled')),
    reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    cancel_reason   text CHECK (length(cancel_reason) BETWEEN 1 AND 500),
    encounter_id    uuid,
    booked_by       uuid REFERENCES users(id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appt_appointments_seat_or_overbooked CHECK ((seat IS NULL) = overbooked OR status = 'cancelled'),
    CONSTRAINT appt_appointments_cancel_reason CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
    CONSTRAINT appt_appointments_times CHECK (ends_at > starts_at)
);
CREATE UNIQUE INDEX appt_appointments_seat ON appt_appointments (slot_id, seat) WHERE status <> 'cancelled';
-- A patient holds one booking of a slot.
CREATE UNIQUE INDEX appt_appointments_patient_once ON appt_appointments (patient_id, slot_id) WHERE status <> 'cancelled';
CREATE INDEX appt_appointments_patient_time ON appt_appointments (patient_id, starts_at DESC, id DESC);
CREATE INDEX appt_appointments_facility_time ON appt_appointments (facility_id, starts_at, id);
CREATE INDEX appt_appointments_clinician_time ON appt_appointments (clinician_id, starts_at);
CREATE INDEX appt_appointments_due ON appt_appointments (starts_at) WHERE status = 'booked';

-- Queue tokens: one counter per facility and local day.
CREATE TABLE appt_queue_counters (
    facility_id     uuid NOT NULL REFERENCES facilities(id),
    day             date NOT NULL,
    last            integer NOT NULL CHECK (last >= 0),
    PRIMARY KEY (facility_id, day)
);

-- The outpatient queue: a checked-in appointment or a walk-in.
CREATE TABLE appt_queue (
    id              uuid PRIMARY KEY,
    facility_id     uuid NOT NULL REFERENCES facilities(id),
    day             date NOT NULL,
    number          integer NOT NULL CHECK (number >= 1),
    token           text NOT NULL CHECK (token ~ '^[A-Z]-[0-9]{3,}$'),
    patient_id      uuid NOT NULL REFERENCES patients(id),
    appointment_id  uuid REFERENCES appt_appointments(id),
    clinician_id    uuid REFERENCES users(id),
    department_id   uuid REFERENCES departments(id),
    visit_type      text NOT NULL CHECK (visit_type IN ('new', 'follow_up', 'procedure', 'telemedicine')),
    status          text NOT NULL DEFAULT 'waiting'
                        CHECK (status IN ('waiting', 'called', 'in_consultation', 'done', 'left')),
    encounter_id    uuid,
    checked_in_at   timestamptz NOT NULL DEFAULT now(),
    called_at       timestamptz,
    started_at      timestamptz,
    finished_at     timestamptz,
    called_by       uuid REFERENCES users(id),
    CONSTRAINT appt_queue_token_once UNIQUE (facility_id, day, number),
    CONSTRAINT appt_queue_once_per_appointment UNIQUE (appointment_id)
);
CREATE INDEX appt_queue_day ON appt_queue (facility_id, day, status, number);
CREATE INDEX appt_queue_patient ON appt_queue (patient_id, checked_in_at DESC, id DESC);
