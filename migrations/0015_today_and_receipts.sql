-- The live "patients of the day" list reads today's registrations and encounters by time.
CREATE INDEX patients_created ON patients (created_at DESC);
CREATE INDEX encounters_starts ON encounters (starts_at DESC);

-- Provider delivery receipts (SMS status callbacks).
ALTER TABLE messages ADD COLUMN delivered_at timestamptz;
ALTER TABLE messages ADD COLUMN provider_status text;
