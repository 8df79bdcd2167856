-- The orders core (module `orders`): one order header for every ordering module (lab tests,
-- imaging, medications, immunizations…), its request status (FHIR's request pattern), signing
-- and countersigning, order sets, released results routed to a clinician's inbox, and the
-- "away, covered by" setting that reroutes them.

-- Order sets: named groups of items an administrator defines and a clinician places together.
CREATE TABLE order_sets (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description  text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    active       boolean NOT NULL DEFAULT true,
    created_by   uuid REFERENCES users(id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX order_sets_name ON order_sets (lower(name));
CREATE TRIGGER order_sets_updated_at BEFORE UPDATE ON order_sets FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE order_set_items (
    id          uuid PRIMARY KEY,
    set_id      uuid NOT NULL REFERENCES order_sets(id) ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position >= 0),
    kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,39}$'),
    code        text NOT NULL CHECK (length(code) BETWEEN 1 AND 60),
    display     text NOT NULL CHECK (length(display) BETWEEN 1 AND 300),
    priority    text NOT NULL DEFAULT 'routine' CHECK (priority IN ('routine', 'urgent', 'asap', 'stat')),
    indication  text NOT NULL DEFAULT '' CHECK (length(indication) <= 1000),
    -- The kind's own defaults (a JSON object handed to its create function).
    options     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(options) = 'object')
);
CREATE INDEX order_set_items_set ON order_set_items (set_id, position, id);

CREATE TABLE orders (
    id             uuid PRIMARY KEY,
    patient_id     uuid NOT NULL REFERENCES patients(id),
    encounter_id   uuid REFERENCES encounters(id),
    -- The kind (declared by a module in the registry) and the module owning the detail row.
    kind           text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,39}$'),
    module         text NOT NULL CHECK (module ~ '^[a-z][a-z0-9_]{0,39}$'),
    detail_id      uuid,
    -- From the module's catalogue, so lists need not read the module's tables.
    code           text NOT NULL CHECK (length(code) BETWEEN 1 AND 60),
    display        text NOT NULL CHECK (length(display) BETWEEN 1 AND 300),
    priority       text NOT NULL CHECK (priority IN ('routine', 'urgent', 'asap', 'stat')),
    indication     text NOT NULL DEFAULT '' CHECK (length(indication) <= 1000),
    -- FHIR request status (RequestStatus without `unknown`).
    status         text NOT NULL CHECK (status IN ('draft', 'active', 'on_hold', 'revoked', 'completed', 'entered_in_error')),
    hold_reason    text CHECK (length(hold_reason) BETWEEN 1 AND 500),
    revoke_reason  text CHECK (length(revoke_reason) BETWEEN 1 AND 500),
    error_reason   text CHECK (length(error_reason) BETWEEN 1 AND 500),
    -- How far the work has got, in the fulfilling module's own words (collected, resulted…).
    fulfilment     text CHECK (length(fulfilment) BETWEEN 1 AND 60),
    fulfilment_at  timestamptz,
    -- The ordering clinician; who typed it in (a nurse for a verbal or telephone order).
    orderer_id     uuid NOT NULL REFERENCES users(id),
    entered_by     uuid REFERENCES users(id),
    entry_mode     text NOT NULL CHECK (entry_mode IN ('electronic', 'verbal', 'telephone')),
    read_back      boolean NOT NULL DEFAULT false,
    -- The ordering clinician's signature (a countersignature for verbal and telephone orders).
    signed_by      uuid REFERENCES users(id),
    signed_at      timestamptz,
    set_id         uuid REFERENCES order_sets(id),
    requested_at   timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    completed_at   timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_signature CHECK ((signed_by IS NULL) = (signed_at IS NULL)),
    CONSTRAINT orders_signed_by_orderer CHECK (signed_by IS NULL OR signed_by = orderer_id),
    CONSTRAINT orders_signed_when_acted_on CHECK (
        entry_mode <> 'electronic' OR signed_at IS NOT NULL OR status IN ('draft', 'revoked', 'entered_in_error')),
    CONSTRAINT orders_on_behalf_read_back CHECK (entry_mode = 'electronic' OR (read_back AND status <> 'draft')),
    CONSTRAINT orders_hold_reason CHECK (status <> 'on_hold' OR hold_reason IS NOT NULL),
    CONSTRAINT orders_revoke_reason CHECK (status <> 'revoked' OR revoke_reason IS NOT NULL),
    CONSTRAINT orders_error_reason CHECK (status <> 'entered_in_error' OR error_reason IS NOT NULL),
    CONSTRAINT orders_completed_at CHECK (status <> 'completed' OR completed_at IS NOT NULL)
);
CREATE INDEX orders_patient ON orders (patient_id, requested_at DESC, id DESC);
-- Verbal and telephone orders waiting for their orderer's countersignature (the start page).
CREATE INDEX orders_countersign ON orders (orderer_id, requested_at DESC, id DESC)
    WHERE entry_mode <> 'electronic' AND signed_at IS NULL AND status <> 'entered_in_error';
-- A module's detail row belongs to one order.
CREATE UNIQUE INDEX orders_detail ON orders (module, detail_id) WHERE detail_id IS NOT NULL;

-- The request status moves only along FHIR's request flow; the header's facts never change
-- (the patient moves only with a merge); orders are never deleted (entered in error instead).
CREATE FUNCTION orders_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'Orders are never deleted; mark the order entered in error.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status <> OLD.status AND NOT (
           (OLD.status = 'draft' AND NEW.status IN ('active', 'revoked', 'entered_in_error'))
        OR (OLD.status = 'active' AND NEW.status IN ('on_hold', 'revoked', 'completed', 'entered_in_error'))
        OR (OLD.status = 'on_hold' AND NEW.status IN ('active', 'revoked', 'entered_in_error'))
        OR (OLD.status IN ('revoked', 'completed') AND NEW.status = 'entered_in_error')) THEN
        RAISE EXCEPTION 'An order that is % cannot become %.',
            replace(OLD.status, '_', ' '), replace(NEW.status, '_', ' ')
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.kind <> OLD.kind OR NEW.module <> OLD.module OR NEW.code <> OLD.code
       OR NEW.orderer_id <> OLD.orderer_id OR NEW.entry_mode <> OLD.entry_mode
       OR NEW.requested_at <> OLD.requested_at OR NEW.detail_id IS DISTINCT FROM OLD.detail_id THEN
        RAISE EXCEPTION 'An order''s kind, code, orderer, entry and time are fixed; enter a new order instead.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.updated_at = now();
    RETURN NEW;
END $$;
CREATE TRIGGER orders_guard BEFORE UPDATE OR DELETE ON orders FOR EACH ROW EXECUTE FUNCTION orders_guard();

-- Results released by the fulfilling module, routed to a clinician's inbox for sign-off.
CREATE TABLE order_results (
    id               uuid PRIMARY KEY,
    order_id         uuid NOT NULL REFERENCES orders(id),
    summary          text NOT NULL CHECK (length(summary) BETWEEN 1 AND 2000),
    released_at      timestamptz NOT NULL DEFAULT now(),
    released_by      uuid REFERENCES users(id),
    -- Whose inbox it is in: the orderer, or who covers for them.
    assigned_to      uuid NOT NULL REFERENCES users(id),
    reassigned_from  uuid REFERENCES users(id),
    reassigned_at    timestamptz,
    signed_off_by    uuid REFERENCES users(id),
    signed_off_at    timestamptz,
    signoff_note     text NOT NULL DEFAULT '' CHECK (length(signoff_note) <= 1000),
    CONSTRAINT order_results_signoff CHECK ((signed_off_by IS NULL) = (signed_off_at IS NULL)),
    CONSTRAINT order_results_signed_by_assignee CHECK (signed_off_by IS NULL OR signed_off_by = assigned_to)
);
CREATE INDEX order_results_inbox ON order_results (assigned_to, released_at DESC, id DESC) WHERE signed_off_at IS NULL;
CREATE INDEX order_results_done ON order_results (assigned_to, released_at DESC, id DESC) WHERE signed_off_at IS NOT NULL;
CREATE INDEX order_results_order ON order_results (order_id, released_at DESC);

-- "Away until …, covered by …": results released meanwhile go to the covering clinician, and
-- those waiting in the inbox move there when it is set.
CREATE TABLE clinician_away (
    user_id     uuid PRIMARY KEY REFERENCES users(id),
    away_until  timestamptz NOT NULL,
    covered_by  uuid NOT NULL REFERENCES users(id),
    set_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT clinician_away_not_self CHECK (covered_by <> user_id)
);
