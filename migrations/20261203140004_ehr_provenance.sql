-- Provenance and links (issue 14): problems, allergies and home medications keep who recorded
-- them in the source system (`source_author`, empty when recorded here) and when (`recorded_at`,
-- distinct from `created_at`, the time the row was written here; existing rows: created_at);
-- allergies and home medications the encounter they belong to; home medications their RxNorm code.
ALTER TABLE problems
    ADD COLUMN source_author text NOT NULL DEFAULT '' CHECK (length(source_author) <= 200),
    ADD COLUMN recorded_at   timestamptz NOT NULL DEFAULT now();
ALTER TABLE allergies
    ADD COLUMN source_author text NOT NULL DEFAULT '' CHECK (length(source_author) <= 200),
    ADD COLUMN encounter_id  uuid REFERENCES encounters(id);
ALTER TABLE home_medications
    ADD COLUMN source_author text NOT NULL DEFAULT '' CHECK (length(source_author) <= 200),
    ADD COLUMN recorded_at   timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN encounter_id  uuid REFERENCES encounters(id),
    ADD COLUMN rxnorm_code   text CHECK (rxnorm_code ~ '^[0-9]{1,10}$');

ALTER TABLE problems DISABLE TRIGGER problems_updated_at;
UPDATE problems SET recorded_at = created_at;
ALTER TABLE problems ENABLE TRIGGER problems_updated_at;
UPDATE home_medications SET recorded_at = created_at;

CREATE INDEX allergies_encounter ON allergies (encounter_id) WHERE encounter_id IS NOT NULL;
CREATE INDEX home_medications_encounter ON home_medications (encounter_id) WHERE encounter_id IS NOT NULL;
