-- Chart entry (issue 13): the reason given for a clinical status change (entered in error,
-- resolved, inactive) and for recording a duplicate anyway; the certainty of a problem and,
-- when recorded as a diagnosis of an encounter, its rank (one primary per encounter).
ALTER TABLE allergies
    ADD COLUMN status_reason    text NOT NULL DEFAULT '' CHECK (length(status_reason) <= 500),
    ADD COLUMN duplicate_reason text NOT NULL DEFAULT '' CHECK (length(duplicate_reason) <= 500);

ALTER TABLE problems
    ADD COLUMN status_reason    text NOT NULL DEFAULT '' CHECK (length(status_reason) <= 500),
    ADD COLUMN duplicate_reason text NOT NULL DEFAULT '' CHECK (length(duplicate_reason) <= 500),
    ADD COLUMN certainty        text NOT NULL DEFAULT 'confirmed' CHECK (certainty IN ('confirmed', 'provisional')),
    ADD COLUMN encounter_id     uuid REFERENCES encounters(id),
    ADD COLUMN diagnosis_rank   text CHECK (diagnosis_rank IN ('primary', 'secondary')),
    ADD CONSTRAINT problems_rank_needs_encounter CHECK ((diagnosis_rank IS NULL) = (encounter_id IS NULL));

CREATE INDEX problems_encounter ON problems (encounter_id) WHERE encounter_id IS NOT NULL;
CREATE UNIQUE INDEX problems_one_primary_diagnosis ON problems (encounter_id)
    WHERE diagnosis_rank = 'primary' AND status <> 'entered_in_error';
-- A clinician's recently and frequently used codes (the ICD-10-CM picker).
CREATE INDEX problems_recorded_by ON problems (recorded_by, created_at DESC);
-- Duplicate checks: the patient's active entries.
CREATE INDEX allergies_active ON allergies (patient_id) WHERE status = 'active';
CREATE INDEX problems_active_code ON problems (patient_id, icd_code) WHERE status = 'active';
