-- Issue 14: an immunization keeps the encounter it was given or reported in (FHIR
-- Immunization.encounter).
ALTER TABLE immunizations ADD COLUMN encounter_id uuid REFERENCES encounters(id);
CREATE INDEX immunizations_encounter ON immunizations (encounter_id) WHERE encounter_id IS NOT NULL;
