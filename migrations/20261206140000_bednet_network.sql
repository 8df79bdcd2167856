-- City-wide bed network (issue 24, phase 1): network facilities (Hearth's own, linked to a
-- facility, whose counts come live from the inpatient bed board; and external ones, which push
-- reported counts with an as-of time and a sequence number), their managers, emergency bed
-- requests (P1–P4) whose acceptance holds a bed in inpatient's ONE allocation table (Hearth
-- facilities) or a counted place (external facilities), and the `ems_dispatcher` role.

INSERT INTO roles (code, name, description, sort_order)
VALUES ('ems_dispatcher', 'EMS dispatcher', 'Ambulance dispatch: finds and books emergency beds across the network', 12)
ON CONFLICT DO NOTHING;

-- One row: how old an external report may be before it is shown as stale, and the grace a hold
-- gets after the ETA.
CREATE TABLE bednet_settings (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    stale_minutes  integer NOT NULL DEFAULT 30 CHECK (stale_minutes BETWEEN 1 AND 1440),
    grace_minutes  integer NOT NULL DEFAULT 30 CHECK (grace_minutes BETWEEN 0 AND 240)
);
INSERT INTO bednet_settings DEFAULT VALUES;

CREATE TABLE bednet_facilities (
    id           uuid PRIMARY KEY,
    -- A Hearth facility (counts live from its wards) or NULL for an external facility.
    facility_id  uuid UNIQUE REFERENCES facilities(id),
    code         text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9_-]{1,20}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    lat          double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon          double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    address      text NOT NULL DEFAULT '' CHECK (length(address) <= 300),
    services     text[] NOT NULL DEFAULT '{}',
    contact      text NOT NULL DEFAULT '' CHECK (length(contact) <= 200),
    ed_status    text NOT NULL DEFAULT 'normal' CHECK (ed_status IN ('normal', 'advisory', 'diverting')),
    public       boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Who manages an external facility's beds (push counts, accept requests): network-scoped, not
-- tied to a Hearth facility.
CREATE TABLE bednet_managers (
    network_facility_id  uuid NOT NULL REFERENCES bednet_facilities(id),
    user_id              uuid NOT NULL REFERENCES users(id),
    PRIMARY KEY (network_facility_id, user_id)
);

-- The last accepted report of an external facility, per bed type. A report with a sequence
-- number not above the stored one is ignored (the UPDATE names it).
CREATE TABLE bednet_counts (
    network_facility_id  uuid NOT NULL REFERENCES bednet_facilities(id),
    bed_type             text NOT NULL CHECK (bed_type IN ('general', 'critical_care', 'paediatric', 'maternity', 'isolation', 'burns')),
    physical             integer NOT NULL CHECK (physical BETWEEN 0 AND 10000),
    staffed              integer NOT NULL CHECK (staffed BETWEEN 0 AND 10000),
    free                 integer NOT NULL CHECK (free >= 0),
    as_of                timestamptz NOT NULL,
    seq                  bigint NOT NULL CHECK (seq >= 0),
    received_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_facility_id, bed_type),
    CONSTRAINT bednet_counts_consistent CHECK (staffed <= physical AND free <= staffed)
);

-- An emergency bed request. Priority: P1 immediate (life-threatening), P2 very urgent,
-- P3 urgent, P4 standard. Accepting holds a bed: at a Hearth facility a `network` hold in
-- inpatient_bed_allocations (hold_id, bed_id); at an external one a counted place.
CREATE TABLE bednet_requests (
    id                   uuid PRIMARY KEY,
    network_facility_id  uuid NOT NULL REFERENCES bednet_facilities(id),
    bed_type             text NOT NULL CHECK (bed_type IN ('general', 'critical_care', 'paediatric', 'maternity', 'isolation', 'burns')),
    priority             text NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    esi                  smallint NOT NULL CHECK (esi BETWEEN 1 AND 5),
    news2                smallint CHECK (news2 BETWEEN 0 AND 20),
    summary              text NOT NULL CHECK (length(summary) BETWEEN 1 AND 1000),
    eta                  timestamptz NOT NULL,
    status               text NOT NULL DEFAULT 'requested'
                         CHECK (status IN ('requested', 'accepted', 'declined', 'arrived', 'lapsed', 'cancelled')),
    decline_reason       text CHECK (length(decline_reason) BETWEEN 1 AND 500),
    hold_id              uuid REFERENCES inpatient_bed_allocations(id),
    bed_id               uuid REFERENCES inpatient_beds(id),
    hold_until           timestamptz,
    requested_by         uuid REFERENCES users(id),
    decided_by           uuid REFERENCES users(id),
    requested_at         timestamptz NOT NULL DEFAULT now(),
    decided_at           timestamptz,
    CONSTRAINT bednet_requests_declined CHECK ((status = 'declined') = (decline_reason IS NOT NULL)),
    CONSTRAINT bednet_requests_held CHECK (status IN ('requested', 'declined', 'cancelled') OR hold_until IS NOT NULL)
);
CREATE INDEX bednet_requests_open ON bednet_requests (network_facility_id, status, requested_at);
