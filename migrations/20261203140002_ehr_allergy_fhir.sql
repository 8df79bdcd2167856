-- Allergies as FHIR models them (issue 14): criticality, verification status, reactions each
-- with a severity, onset and recorded dates; the old single severity becomes optional and is
-- kept as recorded. Existing rows: criticality from the severity (mild/moderate: low; severe,
-- life-threatening: high), their reaction with the severity (life-threatening: severe), verified
-- (confirmed; entered in error stays so), recorded when created.
ALTER TABLE allergies
    ALTER COLUMN severity DROP NOT NULL,
    DROP CONSTRAINT allergies_category_check,
    ADD CONSTRAINT allergies_category_check
        CHECK (category IN ('drug', 'medication', 'food', 'environment', 'biologic', 'other')),
    ADD COLUMN criticality         text CHECK (criticality IN ('low', 'high', 'unable_to_assess')),
    ADD COLUMN verification_status text NOT NULL DEFAULT 'confirmed'
        CHECK (verification_status IN ('unconfirmed', 'confirmed', 'refuted', 'entered_in_error')),
    ADD COLUMN reaction_severity   text CHECK (reaction_severity IN ('mild', 'moderate', 'severe')),
    ADD COLUMN reactions           jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(reactions) = 'array'),
    ADD COLUMN onset_date          date,
    ADD COLUMN recorded_at         timestamptz NOT NULL DEFAULT now();

ALTER TABLE allergies DISABLE TRIGGER allergies_updated_at;
UPDATE allergies SET
    criticality = CASE severity WHEN 'mild' THEN 'low' WHEN 'moderate' THEN 'low' ELSE 'high' END,
    reaction_severity = CASE severity WHEN 'life_threatening' THEN 'severe' ELSE severity END,
    reactions = CASE WHEN reaction <> '' THEN jsonb_build_array(jsonb_build_object(
                    'manifestation', reaction,
                    'severity', CASE severity WHEN 'life_threatening' THEN 'severe' ELSE severity END))
                ELSE '[]'::jsonb END,
    verification_status = CASE status WHEN 'entered_in_error' THEN 'entered_in_error' ELSE 'confirmed' END,
    recorded_at = created_at;
ALTER TABLE allergies ENABLE TRIGGER allergies_updated_at;
