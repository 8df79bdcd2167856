-- Procedure history (issue 14): past procedures on the chart, beside the surgery module's
-- operative records. Coded in SNOMED CT, CPT, ICD-10-PCS or the source's own system, or free
-- text; performed at a time or over a period; optionally part of one of the patient's
-- encounters; who recorded it in the source system and when (provenance).
CREATE TABLE procedures (
    id               uuid PRIMARY KEY,
    patient_id       uuid NOT NULL REFERENCES patients(id),
    code_system      text CHECK (code_system ~ '^(https?://|urn:)[^\s]{1,250}$'),
    code             text CHECK (length(code) BETWEEN 1 AND 100 AND code !~ '\s'),
    display          text NOT NULL CHECK (length(display) BETWEEN 1 AND 500),
    status           text NOT NULL DEFAULT 'completed'
        CHECK (status IN ('completed', 'in_progress', 'not_done', 'stopped', 'unknown', 'entered_in_error')),
    performed_start  timestamptz NOT NULL,
    performed_end    timestamptz CHECK (performed_end IS NULL OR performed_end >= performed_start),
    encounter_id     uuid REFERENCES encounters(id),
    note             text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    source_author    text NOT NULL DEFAULT '' CHECK (length(source_author) <= 200),
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    recorded_by      uuid REFERENCES users(id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((code_system IS NULL) = (code IS NULL))
);
CREATE INDEX procedures_patient ON procedures (patient_id, performed_start DESC, id DESC);
CREATE INDEX procedures_encounter ON procedures (encounter_id) WHERE encounter_id IS NOT NULL;
CREATE TRIGGER procedures_updated_at BEFORE UPDATE ON procedures FOR EACH ROW EXECUTE FUNCTION set_updated_at();
