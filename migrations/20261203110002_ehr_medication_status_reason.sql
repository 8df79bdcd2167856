-- Chart entry (issue 13): the reason given when a home medication is stopped or marked entered
-- in error (required on the page for entered in error, after a confirmation step).
ALTER TABLE home_medications
    ADD COLUMN status_reason text NOT NULL DEFAULT '' CHECK (length(status_reason) <= 500);
