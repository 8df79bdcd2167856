-- Clinical alerts (module `alerts`): an alert about a patient that must be acknowledged and that
-- escalates along a chain while nobody does; the minimum of assignment the chains address (who is
-- on call when, per facility and department; nurse–patient assignments per ward shift); and the
-- chains administrators set per alert kind (the declared defaults otherwise).

-- Who is on call for a duty (`doctor`, `charge_nurse`…) in a department, or facility-wide.
CREATE TABLE alert_on_call (
    id             uuid PRIMARY KEY,
    facility_id    uuid NOT NULL REFERENCES facilities(id),
    department_id  uuid REFERENCES departments(id),
    duty           text NOT NULL CHECK (duty ~ '^[a-z][a-z_]{1,39}$'),
    user_id        uuid NOT NULL REFERENCES users(id),
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL,
    note           text NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    created_by     uuid REFERENCES users(id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT alert_on_call_period CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '7 days'),
    -- One person on call per duty, department (or the whole facility) and moment: the chain's
    -- "on-call doctor" is somebody, never a choice.
    CONSTRAINT alert_on_call_one_at_a_time EXCLUDE USING gist (
        facility_id WITH =,
        (coalesce(department_id, '00000000-0000-0000-0000-000000000000'::uuid)) WITH =,
        duty WITH =,
        tstzrange(starts_at, ends_at) WITH &&)
);
CREATE INDEX alert_on_call_list ON alert_on_call (facility_id, ends_at, starts_at);
CREATE INDEX alert_on_call_user ON alert_on_call (user_id, ends_at);

-- The nurses looking after a patient during a ward shift.
CREATE TABLE alert_nurse_assignments (
    id             uuid PRIMARY KEY,
    patient_id     uuid NOT NULL REFERENCES patients(id),
    nurse_id       uuid NOT NULL REFERENCES users(id),
    facility_id    uuid NOT NULL REFERENCES facilities(id),
    department_id  uuid REFERENCES departments(id),
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL,
    created_by     uuid REFERENCES users(id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT alert_nurse_assignments_period CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '24 hours')
);
CREATE INDEX alert_nurse_assignments_patient ON alert_nurse_assignments (patient_id, ends_at DESC);
CREATE INDEX alert_nurse_assignments_list ON alert_nurse_assignments (facility_id, ends_at, starts_at);

-- An administrator's chain for an alert kind (no rows: the kind's declared default chain).
CREATE TABLE alert_chain_steps (
    kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$'),
    position    integer NOT NULL CHECK (position BETWEEN 0 AND 5),
    addressee   text NOT NULL CHECK (addressee ~ '^(given|attending|assigned_nurse|on_call:[a-z][a-z_]{1,39})$'),
    minutes     integer NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    updated_by  uuid REFERENCES users(id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, position)
);

CREATE TABLE alerts (
    id               uuid PRIMARY KEY,
    patient_id       uuid NOT NULL REFERENCES patients(id),
    facility_id      uuid NOT NULL REFERENCES facilities(id),
    department_id    uuid REFERENCES departments(id),
    kind             text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$'),
    severity         text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    -- Written by the raising module for the addressees: no PHI beyond what they may see.
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    source_module    text NOT NULL CHECK (source_module ~ '^[a-z][a-z0-9_]{0,39}$'),
    source_id        uuid NOT NULL,
    -- The person the raising module addressed (the ordering clinician…), if any.
    given_user_id    uuid REFERENCES users(id),
    -- The escalation chain as it was when the alert was raised: [{"to": "attending", "minutes": 10}, …].
    chain            jsonb NOT NULL CHECK (jsonb_typeof(chain) = 'array' AND jsonb_array_length(chain) BETWEEN 1 AND 6),
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'cancelled')),
    -- The chain's current step and when it began.
    step             integer NOT NULL DEFAULT 0 CHECK (step >= 0),
    step_at          timestamptz NOT NULL DEFAULT now(),
    escalated_at     timestamptz,
    raised_by        uuid REFERENCES users(id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    acknowledged_by  uuid REFERENCES users(id),
    acknowledged_at  timestamptz,
    ack_note         text CHECK (length(ack_note) <= 1000),
    cancelled_at     timestamptz,
    cancel_reason    text CHECK (length(cancel_reason) BETWEEN 1 AND 300),
    CONSTRAINT alerts_step_in_chain CHECK (step < jsonb_array_length(chain)),
    CONSTRAINT alerts_acknowledged CHECK ((status = 'acknowledged') = (acknowledged_at IS NOT NULL AND acknowledged_by IS NOT NULL)),
    CONSTRAINT alerts_cancelled CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
-- The same cause raised twice while open (a retried request) is one alert.
CREATE UNIQUE INDEX alerts_one_open ON alerts (source_module, source_id, kind) WHERE status = 'open';
CREATE INDEX alerts_patient ON alerts (patient_id, created_at DESC, id DESC);
CREATE INDEX alerts_facility ON alerts (facility_id, created_at DESC, id DESC);
CREATE INDEX alerts_open ON alerts (step_at) WHERE status = 'open';
CREATE INDEX alerts_source ON alerts (source_module, source_id);

-- Each step of an alert's chain that fired: one row per (alert, step), so a step fires once.
CREATE TABLE alert_steps (
    alert_id    uuid NOT NULL REFERENCES alerts(id),
    step        integer NOT NULL CHECK (step BETWEEN 0 AND 5),
    addressee   text NOT NULL,
    -- Why the chain came to this step: raised; the previous step's time ran out; its addressees
    -- went off shift; it had nobody to address.
    reason      text NOT NULL CHECK (reason IN ('raised', 'timeout', 'off_shift', 'nobody')),
    started_at  timestamptz NOT NULL DEFAULT now(),
    notified    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (alert_id, step)
);

-- Who was told at each step (and sees the alert's banner until it is acknowledged).
CREATE TABLE alert_recipients (
    alert_id       uuid NOT NULL,
    step           integer NOT NULL,
    user_id        uuid NOT NULL REFERENCES users(id),
    -- given, attending, assigned_nurse, on_call:<duty>, fallback (managers: nobody else was found).
    via            text NOT NULL,
    on_call_id     uuid REFERENCES alert_on_call(id) ON DELETE SET NULL,
    assignment_id  uuid REFERENCES alert_nurse_assignments(id) ON DELETE SET NULL,
    notified_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alert_id, step, user_id),
    FOREIGN KEY (alert_id, step) REFERENCES alert_steps (alert_id, step)
);
CREATE INDEX alert_recipients_user ON alert_recipients (user_id, alert_id);
CREATE INDEX alert_recipients_on_call ON alert_recipients (on_call_id) WHERE on_call_id IS NOT NULL;
CREATE INDEX alert_recipients_assignment ON alert_recipients (assignment_id) WHERE assignment_id IS NOT NULL;
