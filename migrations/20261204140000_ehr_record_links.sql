-- Issue 14, the record's remaining links: a vital-sign set keeps the encounter it was measured
-- in (as problems, allergies, medications and procedures already do), and an allergy keeps the
-- coding of its substance when it is coded outside the shipped list (SNOMED CT, RxNorm, the
-- source system's own), as FHIR AllergyIntolerance.code carries it.
ALTER TABLE vitals ADD COLUMN encounter_id uuid REFERENCES encounters(id);
CREATE INDEX vitals_encounter ON vitals (encounter_id) WHERE encounter_id IS NOT NULL;

ALTER TABLE allergies
    ADD COLUMN code_system text CONSTRAINT allergies_code_system_check CHECK (code_system ~ '^(https?://|urn:)[^\s]{1,250}$'),
    ADD COLUMN code text CONSTRAINT allergies_code_check CHECK (length(code) BETWEEN 1 AND 100 AND code !~ '\s'),
    ADD CONSTRAINT allergies_coding_pair CHECK ((code_system IS NULL) = (code IS NULL));
