-- The immediate adverse reaction to a dose given (example module; a systemic reaction or
-- anaphylaxis raises a clinical alert to the patient's attending clinician).
ALTER TABLE immunizations ADD COLUMN reaction text NOT NULL DEFAULT 'none'
    CONSTRAINT immunizations_reaction CHECK (reaction IN ('none', 'local', 'systemic', 'anaphylaxis'));
ALTER TABLE immunizations ADD CONSTRAINT immunizations_reaction_given CHECK (reaction = 'none' OR status <> 'not_done');
