-- Bed requests and placement (issue 17): requests for a bed from the emergency department, the
-- clinics, surgery or a direct admission enter one queue owned by inpatient care; the bed manager
-- assigns a bed (a `bed_request` hold in the one allocation table), then admits the patient into
-- it (the existing admission), or cancels the request with a reason.
CREATE TABLE ip_bed_requests (
    id               uuid PRIMARY KEY,
    patient_id       uuid NOT NULL REFERENCES patients(id),
    facility_id      uuid NOT NULL REFERENCES facilities(id),
    -- Where the patient comes from (the admission's source) and which module asked.
    source           text NOT NULL CHECK (source IN ('clinic', 'ed', 'surgery', 'direct')),
    source_module    text NOT NULL DEFAULT 'inpatient' CHECK (source_module ~ '^[a-z_]{1,40}$'),
    -- The requester's own row (the ED visit), and the job kind the requester handles when the
    -- patient is admitted (the ED departs the visit); both ids and names only.
    source_ref       uuid,
    on_admitted_job  text CHECK (on_admitted_job ~ '^[a-z_]{1,40}\.[a-z_]{1,60}$'),
    ward_kind        text CHECK (ward_kind IN ('general', 'icu', 'hdu', 'paediatric', 'maternity', 'isolation', 'day_care')),
    ward_id          uuid REFERENCES inpatient_wards(id),
    specialty        text NOT NULL DEFAULT '' CHECK (length(specialty) <= 100),
    urgency          text NOT NULL CHECK (urgency IN ('routine', 'urgent', 'emergency')),
    isolation        text NOT NULL DEFAULT 'none' CHECK (isolation IN ('none', 'contact', 'droplet', 'airborne')),
    -- A single room for reasons of gender or privacy (beyond the ward's gender policy).
    single_room      boolean NOT NULL DEFAULT false,
    oxygen           boolean NOT NULL DEFAULT false,
    ventilator       boolean NOT NULL DEFAULT false,
    bariatric        boolean NOT NULL DEFAULT false,
    cot              boolean NOT NULL DEFAULT false,
    notes            text NOT NULL DEFAULT '' CHECK (length(notes) <= 1000),
    status           text NOT NULL CHECK (status IN ('requested', 'assigned', 'admitted', 'cancelled')),
    bed_id           uuid REFERENCES inpatient_beds(id),
    hold_id          uuid REFERENCES inpatient_bed_allocations(id),
    admission_id     uuid REFERENCES inpatient_admissions(id),
    requested_at     timestamptz NOT NULL DEFAULT now(),
    requested_by     uuid REFERENCES users(id),
    assigned_at      timestamptz,
    assigned_by      uuid REFERENCES users(id),
    closed_at        timestamptz,
    closed_by        uuid REFERENCES users(id),
    cancel_reason    text CHECK (length(cancel_reason) BETWEEN 1 AND 500),
    CONSTRAINT ip_bed_requests_assigned CHECK (status NOT IN ('assigned', 'admitted') OR (bed_id IS NOT NULL AND hold_id IS NOT NULL AND assigned_at IS NOT NULL)),
    CONSTRAINT ip_bed_requests_admitted CHECK ((status = 'admitted') = (admission_id IS NOT NULL)),
    CONSTRAINT ip_bed_requests_cancelled CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
    CONSTRAINT ip_bed_requests_closed CHECK ((status IN ('admitted', 'cancelled')) = (closed_at IS NOT NULL))
);
-- At most one open request per patient.
CREATE UNIQUE INDEX ip_bed_requests_one_open ON ip_bed_requests (patient_id) WHERE status IN ('requested', 'assigned');
-- The placement queue of a facility.
CREATE INDEX ip_bed_requests_queue ON ip_bed_requests (facility_id, requested_at) WHERE status IN ('requested', 'assigned');
CREATE INDEX ip_bed_requests_patient ON ip_bed_requests (patient_id, requested_at DESC, id DESC);
CREATE INDEX ip_bed_requests_source ON ip_bed_requests (source_module, source_ref) WHERE source_ref IS NOT NULL;
