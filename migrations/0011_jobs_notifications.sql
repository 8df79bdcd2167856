-- Background jobs (the outbox), recurring schedules, notifications and their delivery,
-- webhook subscribers, circuit breakers and the live-update event log.

CREATE TABLE jobs (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    payload          jsonb NOT NULL DEFAULT '{}',
    -- queued: waiting for run_at; running: claimed under a lease; failed: last attempt failed,
    -- retried at run_at; done; dead: out of attempts (or discarded), kept for the admin page.
    state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'failed', 'done', 'dead')),
    run_at           timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     integer NOT NULL DEFAULT 8 CHECK (max_attempts BETWEEN 1 AND 100),
    idempotency_key  text UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 300),
    -- The claim token of the worker holding the job; a stale worker cannot finish a job that
    -- was re-claimed after its lease ran out.
    locked_by        uuid,
    locked_until     timestamptz,
    last_error       text,
    schedule         text,
    occurrence       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    CHECK ((schedule IS NULL) = (occurrence IS NULL)),
    CHECK (state <> 'running' OR (locked_by IS NOT NULL AND locked_until IS NOT NULL))
);
-- One job per occurrence of a recurring schedule, whichever replica inserts it first.
CREATE UNIQUE INDEX jobs_schedule_occurrence ON jobs (schedule, occurrence) WHERE schedule IS NOT NULL;
CREATE INDEX jobs_ready ON jobs (run_at) WHERE state IN ('queued', 'failed');
CREATE INDEX jobs_leased ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_admin ON jobs (state, id DESC) WHERE state IN ('queued', 'running', 'failed', 'dead');
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state = 'done';

CREATE TABLE job_schedules (
    name         text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 100),
    cron         text NOT NULL,
    kind         text NOT NULL,
    payload      jsonb NOT NULL DEFAULT '{}',
    next_run_at  timestamptz NOT NULL,
    last_run_at  timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- In-app notifications.
CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        text NOT NULL,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    body        text NOT NULL DEFAULT '',
    link        text,
    urgent      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- Channel choices per user and notification kind (no row: the kind's default).
CREATE TABLE notification_prefs (
    user_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind     text NOT NULL,
    channel  text NOT NULL CHECK (channel IN ('in_app', 'email', 'sms')),
    enabled  boolean NOT NULL,
    PRIMARY KEY (user_id, kind, channel)
);

-- Per-user delivery settings: the SMS number, and quiet hours (minutes after midnight UTC)
-- during which non-urgent email and SMS wait.
CREATE TABLE notification_settings (
    user_id      uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    sms_number   text CHECK (sms_number ~ '^\+[1-9][0-9]{6,14}$'),
    quiet_start  integer CHECK (quiet_start BETWEEN 0 AND 1439),
    quiet_end    integer CHECK (quiet_end BETWEEN 0 AND 1439),
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

CREATE TABLE webhook_subscribers (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    url          text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    event_types  text[] NOT NULL CHECK (cardinality(event_types) > 0),
    secret_enc   bytea NOT NULL,
    active       boolean NOT NULL DEFAULT true,
    created_by   uuid REFERENCES users(id),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per outbound message (email, SMS, webhook call): what it is and how its delivery went.
CREATE TABLE messages (
    id             uuid PRIMARY KEY,
    channel        text NOT NULL CHECK (channel IN ('email', 'sms', 'webhook')),
    kind           text NOT NULL,
    recipient      text NOT NULL,
    user_id        uuid REFERENCES users(id) ON DELETE SET NULL,
    patient_id     uuid REFERENCES patients(id),
    subscriber_id  uuid REFERENCES webhook_subscribers(id) ON DELETE CASCADE,
    subject        text NOT NULL DEFAULT '',
    body           text NOT NULL DEFAULT '',
    link           text,
    urgent         boolean NOT NULL DEFAULT false,
    -- not_sent: no provider configured (recorded and logged only); suppressed: consent or
    -- preference says no.
    status         text NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'sent', 'delivered', 'failed', 'dead', 'not_sent', 'suppressed')),
    provider       text,
    provider_ref   text,
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    response_code  integer,
    created_at     timestamptz NOT NULL DEFAULT now(),
    sent_at        timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_recent ON messages (created_at DESC);
CREATE INDEX messages_patient ON messages (patient_id, created_at DESC) WHERE patient_id IS NOT NULL;
CREATE INDEX messages_subscriber ON messages (subscriber_id, created_at DESC) WHERE subscriber_id IS NOT NULL;
CREATE INDEX messages_provider_ref ON messages (provider, provider_ref) WHERE provider_ref IS NOT NULL;

-- SMS the local provider "sent": the stand-in for a gateway when none is configured.
CREATE TABLE sms_local_outbox (
    id          bigserial PRIMARY KEY,
    message_id  uuid NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    to_number   text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE circuit_breakers (
    provider    text PRIMARY KEY,
    state       text NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open')),
    failures    integer NOT NULL DEFAULT 0,
    open_until  timestamptz,
    last_error  text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Live updates: each event is kept for a day so reconnecting pages resume with Last-Event-ID;
-- NOTIFY carries only the id to every replica.
CREATE TABLE live_events (
    id          bigserial PRIMARY KEY,
    user_id     uuid REFERENCES users(id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_.-]{0,63}$'),
    data        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX live_events_user ON live_events (user_id, id);
CREATE INDEX live_events_created ON live_events (created_at);

INSERT INTO permissions (code, description) VALUES
    ('jobs.manage', 'See background jobs, notification deliveries and webhooks; retry or discard jobs'),
    ('privacy.alerts', 'Be alerted when someone breaks the glass on a restricted record');
INSERT INTO role_permissions (role_code, permission_code) VALUES
    ('super_admin', 'jobs.manage'), ('hospital_admin', 'jobs.manage'), ('super_admin', 'privacy.alerts');
