-- The immunization record (module `immunizations`): vaccines given here or reported from
-- elsewhere, CVX-coded, with lot, expiry, site, route and dose; or a vaccine not given, with why.

CREATE TABLE vaccines (
    cvx     text PRIMARY KEY CHECK (cvx ~ '^[0-9]{1,3}$'),
    name    text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    active  boolean NOT NULL DEFAULT true
);

CREATE TABLE immunizations (
    id                uuid PRIMARY KEY,
    patient_id        uuid NOT NULL REFERENCES patients(id),
    cvx               text NOT NULL REFERENCES vaccines(cvx),
    -- FHIR Immunization.status: completed, not-done, entered-in-error.
    status            text NOT NULL CHECK (status IN ('completed', 'not_done', 'entered_in_error')),
    occurred_at       timestamptz NOT NULL,
    -- false: reported by the patient or another provider (FHIR primarySource).
    primary_source    boolean NOT NULL DEFAULT true,
    lot_number        text CHECK (length(lot_number) BETWEEN 1 AND 40),
    expiry_date       date,
    site              text CHECK (site IN ('left_arm', 'right_arm', 'left_thigh', 'right_thigh',
                                           'left_buttock', 'right_buttock', 'mouth', 'nose', 'other')),
    route             text CHECK (route IN ('IM', 'SC', 'ID', 'PO', 'IN')),
    dose_ml           numeric(5, 2) CHECK (dose_ml > 0 AND dose_ml <= 10),
    dose_number       integer CHECK (dose_number BETWEEN 1 AND 20),
    performer_id      uuid REFERENCES users(id),
    recorded_by       uuid REFERENCES users(id),
    not_done_reason   text CHECK (not_done_reason IN ('immune', 'medical_precaution', 'patient_objection',
                                                      'vaccine_unavailable', 'other')),
    note              text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    error_reason      text CHECK (length(error_reason) BETWEEN 1 AND 500),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'not_done') = (not_done_reason IS NOT NULL) OR status = 'entered_in_error'),
    CHECK ((status = 'entered_in_error') = (error_reason IS NOT NULL))
);

CREATE INDEX immunizations_patient_time ON immunizations (patient_id, occurred_at DESC, id DESC);

-- The same dose recorded twice (a double click, two nurses at once, a retried import) is refused
-- by the database; an entry marked in error frees the slot.
CREATE UNIQUE INDEX immunizations_once ON immunizations (patient_id, cvx, occurred_at)
    WHERE status <> 'entered_in_error';
