-- Emergency access: a reason chosen from a list (plus the free text), and the privacy review.
ALTER TABLE patient_break_glass ADD COLUMN reason_code text NOT NULL DEFAULT 'other'
    CHECK (reason_code IN ('emergency_treatment', 'urgent_consultation', 'patient_safety', 'continuity_of_care', 'other'));
ALTER TABLE patient_break_glass ADD COLUMN reviewed_by uuid REFERENCES users(id);
ALTER TABLE patient_break_glass ADD COLUMN reviewed_at timestamptz;
ALTER TABLE patient_break_glass ADD COLUMN review_note text CHECK (review_note IS NULL OR length(review_note) <= 1000);
CREATE INDEX patient_break_glass_review ON patient_break_glass (created_at DESC) WHERE reviewed_at IS NULL;
