-- Start-page panels (issue 13 item 13): a clinician's encounters of the day and their drafts.
CREATE INDEX encounters_clinician ON encounters (clinician_id, starts_at DESC) WHERE clinician_id IS NOT NULL;
CREATE INDEX notes_author_drafts ON notes (author_id, updated_at) WHERE status = 'draft';
