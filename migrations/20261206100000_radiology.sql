-- Radiology phase 1: modalities, rooms per facility, procedures; imaging orders (detail rows of
-- the orders core's `imaging` headers) with protocolling, safety checks and overrides, room
-- bookings that never overlap (exclusion constraint), the technologist's steps with a
-- DB-generated accession number, reports (preliminary → final, immutable once final) and addenda
-- (immutable). The `radiographer` role.

CREATE EXTENSION IF NOT EXISTS btree_gist;

INSERT INTO roles (code, name, description, sort_order)
VALUES ('radiographer', 'Radiographer', 'Imaging technologist: the modality worklist', 11)
ON CONFLICT DO NOTHING;

CREATE TABLE rad_modalities (
    code      text PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
    name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    ionising  boolean NOT NULL
);

CREATE TABLE rad_rooms (
    id           uuid PRIMARY KEY,
    facility_id  uuid NOT NULL REFERENCES facilities(id),
    code         text NOT NULL CHECK (code ~ '^[A-Z0-9-]{1,20}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    modality     text NOT NULL REFERENCES rad_modalities(code),
    active       boolean NOT NULL DEFAULT true,
    CONSTRAINT rad_rooms_code_unique UNIQUE (facility_id, code)
);

CREATE TABLE rad_procedures (
    code                text PRIMARY KEY CHECK (code ~ '^[A-Z0-9-]{2,20}$'),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    modality            text NOT NULL REFERENCES rad_modalities(code),
    body_part           text NOT NULL,
    laterality_required boolean NOT NULL,
    contrast            text NOT NULL CHECK (contrast IN ('none', 'iodinated', 'gadolinium')),
    ionising            boolean NOT NULL,
    duration_min        integer NOT NULL CHECK (duration_min BETWEEN 5 AND 240),
    preparation         text NOT NULL DEFAULT '',
    charge_code         text NOT NULL,
    normal_findings     text NOT NULL DEFAULT '',
    normal_impression   text NOT NULL DEFAULT ''
);

CREATE SEQUENCE rad_accession_seq;

-- 'R' + two-digit year + 7 digits (R260000001).
CREATE FUNCTION rad_next_accession() RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT 'R' || to_char(now() AT TIME ZONE 'UTC', 'YY') || lpad(nextval('rad_accession_seq')::text, 7, '0')
$$;

CREATE TABLE rad_orders (
    id                uuid PRIMARY KEY,
    order_id          uuid NOT NULL REFERENCES orders(id),
    patient_id        uuid NOT NULL REFERENCES patients(id),
    facility_id       uuid NOT NULL REFERENCES facilities(id),
    procedure         text NOT NULL REFERENCES rad_procedures(code),
    laterality        text CHECK (laterality IN ('left', 'right', 'bilateral')),
    clinical_question text NOT NULL CHECK (length(btrim(clinical_question)) BETWEEN 1 AND 1000),
    priority          text NOT NULL,
    orderer_id        uuid NOT NULL REFERENCES users(id),
    ordered_at        timestamptz NOT NULL DEFAULT now(),
    status            text NOT NULL DEFAULT 'requested' CHECK (status IN
                        ('requested', 'protocolled', 'rejected', 'scheduled', 'arrived', 'in_progress', 'completed', 'cancelled')),
    protocol          text,
    protocol_note     text NOT NULL DEFAULT '',
    protocolled_by    uuid REFERENCES users(id),
    protocolled_at    timestamptz,
    reject_reason     text,
    safety            jsonb NOT NULL DEFAULT '{}'::jsonb,
    room_id           uuid REFERENCES rad_rooms(id),
    slot              tstzrange,
    accession         text,
    booked_by         uuid REFERENCES users(id),
    arrived_at        timestamptz,
    started_at        timestamptz,
    completed_at      timestamptz,
    performed_by      uuid REFERENCES users(id),
    CONSTRAINT rad_orders_one_per_header UNIQUE (order_id),
    CONSTRAINT rad_orders_accession_unique UNIQUE (accession),
    CONSTRAINT rad_orders_rejected_reason CHECK (status <> 'rejected' OR length(btrim(coalesce(reject_reason, ''))) > 0),
    CONSTRAINT rad_orders_booked CHECK (status NOT IN ('scheduled', 'arrived', 'in_progress', 'completed')
                                        OR (room_id IS NOT NULL AND slot IS NOT NULL AND accession IS NOT NULL)),
    CONSTRAINT rad_orders_room_free EXCLUDE USING gist (room_id WITH =, slot WITH &&)
        WHERE (slot IS NOT NULL AND status NOT IN ('cancelled', 'rejected'))
);
CREATE INDEX rad_orders_patient ON rad_orders (patient_id, ordered_at DESC, id DESC);
CREATE INDEX rad_orders_status ON rad_orders (facility_id, status, ordered_at);
CREATE INDEX rad_orders_room_day ON rad_orders (room_id, lower(slot));

-- A safety prompt overridden, with its reason (ACR–NKF 2020 checks, pregnancy, prior reaction).
CREATE TABLE rad_overrides (
    id            uuid PRIMARY KEY,
    rad_order_id  uuid NOT NULL REFERENCES rad_orders(id),
    patient_id    uuid NOT NULL REFERENCES patients(id),
    check_code    text NOT NULL,
    reason        text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    by_user       uuid NOT NULL REFERENCES users(id),
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rad_overrides_order ON rad_overrides (rad_order_id);
CREATE INDEX rad_overrides_patient ON rad_overrides (patient_id);

CREATE TABLE rad_reports (
    id            uuid PRIMARY KEY,
    rad_order_id  uuid NOT NULL REFERENCES rad_orders(id),
    patient_id    uuid NOT NULL REFERENCES patients(id),
    status        text NOT NULL CHECK (status IN ('preliminary', 'final')),
    findings      text NOT NULL CHECK (length(findings) <= 10000),
    impression    text NOT NULL CHECK (length(btrim(impression)) BETWEEN 1 AND 4000),
    critical      boolean NOT NULL DEFAULT false,
    author_id     uuid NOT NULL REFERENCES users(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    signed_by     uuid REFERENCES users(id),
    signed_at     timestamptz,
    CONSTRAINT rad_reports_one_per_order UNIQUE (rad_order_id),
    CONSTRAINT rad_reports_final_signed CHECK (status <> 'final' OR (signed_by IS NOT NULL AND signed_at IS NOT NULL))
);
CREATE INDEX rad_reports_patient ON rad_reports (patient_id);

CREATE TABLE rad_addenda (
    id            uuid PRIMARY KEY,
    report_id     uuid NOT NULL REFERENCES rad_reports(id),
    patient_id    uuid NOT NULL REFERENCES patients(id),
    text          text NOT NULL CHECK (length(btrim(text)) BETWEEN 1 AND 4000),
    critical      boolean NOT NULL DEFAULT false,
    signed_by     uuid NOT NULL REFERENCES users(id),
    signed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rad_addenda_report ON rad_addenda (report_id, signed_at);
CREATE INDEX rad_addenda_patient ON rad_addenda (patient_id);

-- A signed report is kept as signed: only a patient merge may move it (patient_id).
CREATE FUNCTION rad_reports_keep_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'final' THEN
            RAISE EXCEPTION 'A signed report cannot be deleted; add an addendum.' USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'final' AND (NEW.findings, NEW.impression, NEW.critical, NEW.status, NEW.signed_by, NEW.signed_at,
                                  NEW.rad_order_id)
                              IS DISTINCT FROM (OLD.findings, OLD.impression, OLD.critical, OLD.status, OLD.signed_by,
                                                OLD.signed_at, OLD.rad_order_id) THEN
        RAISE EXCEPTION 'A signed report cannot be changed; add an addendum.' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER rad_reports_keep_final BEFORE UPDATE OR DELETE ON rad_reports
    FOR EACH ROW EXECUTE FUNCTION rad_reports_keep_final();

CREATE FUNCTION rad_addenda_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (NEW.text, NEW.critical, NEW.signed_by, NEW.signed_at, NEW.report_id)
                            IS DISTINCT FROM (OLD.text, OLD.critical, OLD.signed_by, OLD.signed_at, OLD.report_id) THEN
        RAISE EXCEPTION 'An addendum cannot be changed; add another addendum.' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER rad_addenda_immutable BEFORE UPDATE OR DELETE ON rad_addenda
    FOR EACH ROW EXECUTE FUNCTION rad_addenda_immutable();
