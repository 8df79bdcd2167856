-- Patient safety flags shown in the banner: code status (resuscitation decision), isolation
-- precautions and the need for an interpreter. A history: every change is a new row, the latest
-- per patient is current (nothing is overwritten; a merge moves the rows to the survivor).
CREATE TABLE patient_flags (
    id                  uuid PRIMARY KEY,
    patient_id          uuid NOT NULL REFERENCES patients(id),
    code_status         text NOT NULL CHECK (code_status IN ('not_recorded', 'full_code', 'dnacpr', 'treatment_limits')),
    isolation           text[] NOT NULL DEFAULT '{}' CHECK (isolation <@ ARRAY['contact', 'droplet', 'airborne']::text[]),
    interpreter_needed  boolean NOT NULL DEFAULT false,
    note                text NOT NULL DEFAULT '' CHECK (length(note) <= 300),
    recorded_by         uuid REFERENCES users(id),
    recorded_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_flags_patient ON patient_flags (patient_id, recorded_at DESC, id DESC);
