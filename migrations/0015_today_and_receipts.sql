-- The live "patients of the day" list reads today's registrations and encounters by time.
CREATE INDEX patients_created ON patients (created_at DESC);
CREATE INDEX encounters_starts ON encounters (starts_at DESC);

-- Provider delivery receipts (SMS status callbacks).
ALTER TABLE messages ADD COLUMN delivered_at timestamptz;
ALTER TABLE messages ADD COLUMN provider_status text;

-- WhatsApp through the same Twilio-compatible gateway as SMS.
ALTER TABLE messages DROP CONSTRAINT messages_channel_check;
ALTER TABLE messages ADD CONSTRAINT messages_channel_check CHECK (channel IN ('email', 'sms', 'whatsapp', 'webhook'));
ALTER TABLE patient_consents DROP CONSTRAINT patient_consents_channel_check;
ALTER TABLE patient_consents ADD CONSTRAINT patient_consents_channel_check
    CHECK (channel IN ('any', 'sms', 'whatsapp', 'email', 'phone', 'post'));

-- Recurring jobs run in a time zone (a facility's), e.g. a daily report at 07:00 local time.
ALTER TABLE job_schedules ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';

-- Facility time zones are now used (schedules, quiet hours) and checked when entered; make any
-- earlier free-text value that PostgreSQL does not know UTC.
UPDATE facilities SET timezone = 'UTC' WHERE timezone NOT IN (SELECT name FROM pg_timezone_names);
