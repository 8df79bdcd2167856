-- Billing phase 1: facility settings (currency, fiscal year), the chargemaster (versioned price
-- lists), invoices and credit notes with their lines, gapless numbering counters, payments,
-- discount limits per role. See docs/modules/billing.md.

CREATE TABLE billing_settings (
    facility_id        uuid PRIMARY KEY REFERENCES facilities(id),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    exponent           smallint NOT NULL CHECK (exponent IN (0, 2, 3)),
    fiscal_start_month smallint NOT NULL DEFAULT 1 CHECK (fiscal_start_month BETWEEN 1 AND 12)
);

CREATE TABLE billing_price_lists (
    id             uuid PRIMARY KEY,
    facility_id    uuid NOT NULL REFERENCES facilities(id),
    version        integer NOT NULL CHECK (version >= 1),
    effective_from date NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     uuid REFERENCES users(id),
    CONSTRAINT billing_price_lists_version UNIQUE (facility_id, version),
    CONSTRAINT billing_price_lists_one_per_day UNIQUE (facility_id, effective_from)
);

CREATE TABLE billing_price_items (
    price_list_id uuid NOT NULL REFERENCES billing_price_lists(id),
    code          text NOT NULL CHECK (code ~ '^[A-Za-z0-9:._/-]{1,60}$'),
    description   text NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
    unit_price    bigint NOT NULL CHECK (unit_price >= 0),
    -- basis points: 1000 = 10 %
    tax_rate_bp   integer NOT NULL DEFAULT 0 CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    PRIMARY KEY (price_list_id, code)
);

CREATE TABLE billing_discount_limits (
    role           text PRIMARY KEY,
    max_percent_bp integer NOT NULL CHECK (max_percent_bp BETWEEN 0 AND 10000)
);
INSERT INTO billing_discount_limits (role, max_percent_bp) VALUES
    ('billing_clerk', 1000), ('hospital_admin', 10000), ('super_admin', 10000);

CREATE TABLE billing_counters (
    facility_id uuid NOT NULL REFERENCES facilities(id),
    series      text NOT NULL CHECK (series IN ('INV', 'CN')),
    fiscal_year integer NOT NULL,
    next        integer NOT NULL CHECK (next >= 1),
    PRIMARY KEY (facility_id, series, fiscal_year)
);

CREATE TABLE billing_invoices (
    id              uuid PRIMARY KEY,
    facility_id     uuid NOT NULL REFERENCES facilities(id),
    patient_id      uuid NOT NULL REFERENCES patients(id),
    kind            text NOT NULL DEFAULT 'invoice' CHECK (kind IN ('invoice', 'credit_note')),
    credits         uuid REFERENCES billing_invoices(id),
    status          text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'issued', 'partially_paid', 'paid', 'cancelled', 'credited')),
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    exponent        smallint NOT NULL CHECK (exponent IN (0, 2, 3)),
    series          text,
    fiscal_year     integer,
    seq             integer,
    number          text,
    subtotal        bigint NOT NULL DEFAULT 0,
    discount        bigint NOT NULL DEFAULT 0,
    tax             bigint NOT NULL DEFAULT 0,
    total           bigint NOT NULL DEFAULT 0,
    paid            bigint NOT NULL DEFAULT 0 CHECK (paid >= 0),
    discount_kind   text CHECK (discount_kind IN ('percent', 'amount')),
    discount_value  bigint CHECK (discount_value > 0),
    discount_state  text CHECK (discount_state IN ('applied', 'pending')),
    discount_reason text,
    discount_requested_by uuid REFERENCES users(id),
    discount_approved_by  uuid REFERENCES users(id),
    reason          text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      uuid REFERENCES users(id),
    issued_at       timestamptz,
    issued_by       uuid REFERENCES users(id),
    cancelled_at    timestamptz,
    CONSTRAINT billing_invoices_sum CHECK (total = subtotal - discount + tax),
    CONSTRAINT billing_invoices_sign CHECK (
        (kind = 'invoice' AND credits IS NULL AND subtotal >= 0 AND discount BETWEEN 0 AND subtotal AND tax >= 0)
        OR (kind = 'credit_note' AND credits IS NOT NULL AND total <= 0 AND status IN ('draft', 'issued') AND paid = 0)),
    CONSTRAINT billing_invoices_not_overpaid CHECK (kind = 'credit_note' OR paid <= total),
    CONSTRAINT billing_invoices_numbered CHECK ((status IN ('draft', 'cancelled')) = (number IS NULL)
        AND (number IS NULL) = (seq IS NULL) AND (number IS NULL) = (fiscal_year IS NULL)),
    CONSTRAINT billing_invoices_discount_other_approver CHECK (discount_approved_by <> discount_requested_by),
    CONSTRAINT billing_invoices_number UNIQUE (facility_id, series, fiscal_year, seq)
);
CREATE INDEX billing_invoices_patient ON billing_invoices (patient_id, created_at DESC, id DESC);
CREATE INDEX billing_invoices_facility_status ON billing_invoices (facility_id, status, created_at DESC);
CREATE UNIQUE INDEX billing_invoices_credited_once ON billing_invoices (credits) WHERE credits IS NOT NULL;

CREATE TABLE billing_invoice_lines (
    id          uuid PRIMARY KEY,
    invoice_id  uuid NOT NULL REFERENCES billing_invoices(id),
    position    integer NOT NULL,
    charge_id   uuid REFERENCES charges(id),
    -- false once the draft is cancelled: its charges may be billed again
    active      boolean NOT NULL DEFAULT true,
    code        text NOT NULL,
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
    service_date date NOT NULL,
    quantity    integer NOT NULL CHECK (quantity <> 0),
    unit_price  bigint NOT NULL CHECK (unit_price >= 0),
    tax_rate_bp integer NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    net         bigint NOT NULL,
    discount    bigint NOT NULL DEFAULT 0,
    tax         bigint NOT NULL DEFAULT 0,
    total       bigint NOT NULL,
    manual      boolean NOT NULL DEFAULT false,
    CONSTRAINT billing_lines_amounts CHECK (net = quantity * unit_price AND total = net - discount + tax),
    CONSTRAINT billing_lines_position UNIQUE (invoice_id, position)
);
CREATE INDEX billing_lines_invoice ON billing_invoice_lines (invoice_id);
-- A captured event is billed at most once: on the active lines that carry it.
CREATE UNIQUE INDEX billing_lines_charge_once ON billing_invoice_lines (charge_id) WHERE charge_id IS NOT NULL AND active;

CREATE TABLE billing_payments (
    id          uuid PRIMARY KEY,
    invoice_id  uuid NOT NULL REFERENCES billing_invoices(id),
    facility_id uuid NOT NULL REFERENCES facilities(id),
    patient_id  uuid NOT NULL REFERENCES patients(id),
    method      text NOT NULL CHECK (method IN ('cash', 'card', 'bank_transfer')),
    amount      bigint NOT NULL CHECK (amount > 0),
    currency    text NOT NULL,
    -- card: the terminal's reference, never a card number (no run of 12+ digits)
    reference   text NOT NULL DEFAULT '' CHECK (length(reference) <= 100 AND reference !~ '[0-9]{12,}'),
    received_at timestamptz NOT NULL DEFAULT now(),
    received_by uuid REFERENCES users(id),
    CONSTRAINT billing_payments_card_reference CHECK (method <> 'card' OR reference <> '')
);
CREATE INDEX billing_payments_invoice ON billing_payments (invoice_id);
CREATE INDEX billing_payments_day ON billing_payments (facility_id, received_at DESC);
CREATE INDEX billing_payments_patient ON billing_payments (patient_id, received_at DESC);

-- Finalised documents are immutable. A draft may change freely; an issued invoice may only move
-- forward in its payment state (paid amount) or be credited; nothing is ever deleted once issued.
CREATE FUNCTION billing_invoices_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'A finalised invoice cannot be deleted; issue a credit note.' USING ERRCODE = '42501';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'cancelled' THEN
        RAISE EXCEPTION 'A cancelled invoice cannot be changed.' USING ERRCODE = '42501';
    END IF;
    IF OLD.status = 'draft' THEN
        RETURN NEW;
    END IF;
    IF (NEW.id, NEW.facility_id, NEW.patient_id, NEW.kind, NEW.credits, NEW.currency, NEW.exponent, NEW.series,
        NEW.fiscal_year, NEW.seq, NEW.number, NEW.subtotal, NEW.discount, NEW.tax, NEW.total, NEW.discount_kind,
        NEW.discount_value, NEW.discount_state, NEW.created_at, NEW.issued_at, NEW.issued_by, NEW.reason,
        NEW.discount_reason, NEW.discount_requested_by, NEW.discount_approved_by, NEW.created_by, NEW.cancelled_at)
       IS DISTINCT FROM
       (OLD.id, OLD.facility_id, OLD.patient_id, OLD.kind, OLD.credits, OLD.currency, OLD.exponent, OLD.series,
        OLD.fiscal_year, OLD.seq, OLD.number, OLD.subtotal, OLD.discount, OLD.tax, OLD.total, OLD.discount_kind,
        OLD.discount_value, OLD.discount_state, OLD.created_at, OLD.issued_at, OLD.issued_by, OLD.reason,
        OLD.discount_reason, OLD.discount_requested_by, OLD.discount_approved_by, OLD.created_by, OLD.cancelled_at) THEN
        RAISE EXCEPTION 'A finalised invoice cannot be changed; issue a credit note.' USING ERRCODE = '42501';
    END IF;
    IF NEW.paid < OLD.paid THEN
        RAISE EXCEPTION 'Payments on a finalised invoice cannot be undone here.' USING ERRCODE = '42501';
    END IF;
    IF OLD.status IN ('paid', 'credited') AND NEW.status <> OLD.status THEN
        RAISE EXCEPTION 'This invoice is closed.' USING ERRCODE = '42501';
    END IF;
    IF NEW.status = 'credited' AND OLD.paid > 0 THEN
        RAISE EXCEPTION 'An invoice with payments cannot be credited in this version.' USING ERRCODE = '42501';
    END IF;
    IF NEW.status NOT IN ('credited', 'draft', 'cancelled') AND NEW.kind = 'invoice' THEN
        NEW.status := CASE WHEN NEW.paid = 0 THEN 'issued' WHEN NEW.paid < NEW.total THEN 'partially_paid' ELSE 'paid' END;
    END IF;
    IF NEW.status IN ('draft', 'cancelled') THEN
        RAISE EXCEPTION 'A finalised invoice cannot go back to a draft.' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER billing_invoices_guard BEFORE UPDATE OR DELETE ON billing_invoices
    FOR EACH ROW EXECUTE FUNCTION billing_invoices_guard();

CREATE FUNCTION billing_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE st text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT status INTO st FROM billing_invoices WHERE id = OLD.invoice_id;
    ELSE
        SELECT status INTO st FROM billing_invoices WHERE id = NEW.invoice_id;
    END IF;
    IF st IS DISTINCT FROM 'draft' THEN
        RAISE EXCEPTION 'The lines of a finalised or cancelled invoice cannot be changed.' USING ERRCODE = '42501';
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.invoice_id <> OLD.invoice_id OR NEW.charge_id IS DISTINCT FROM OLD.charge_id) THEN
        RAISE EXCEPTION 'A line stays on its invoice and its charge.' USING ERRCODE = '42501';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER billing_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON billing_invoice_lines
    FOR EACH ROW EXECUTE FUNCTION billing_lines_guard();

-- Stored totals equal their lines, checked at commit (after every line of the transaction).
CREATE FUNCTION billing_totals_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE inv uuid; s record; i record;
BEGIN
    IF TG_TABLE_NAME = 'billing_invoices' THEN
        inv := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        inv := OLD.invoice_id;
    ELSE
        inv := NEW.invoice_id;
    END IF;
    SELECT coalesce(sum(net), 0) AS net, coalesce(sum(discount), 0) AS discount, coalesce(sum(tax), 0) AS tax,
           coalesce(sum(total), 0) AS total
      INTO s FROM billing_invoice_lines WHERE invoice_id = inv;
    SELECT subtotal, discount, tax, total INTO i FROM billing_invoices WHERE id = inv;
    IF FOUND AND (i.subtotal, i.discount, i.tax, i.total) IS DISTINCT FROM (s.net, s.discount, s.tax, s.total) THEN
        RAISE EXCEPTION 'An invoice''s totals must equal the sum of its lines.' USING ERRCODE = '23514',
            CONSTRAINT = 'billing_invoices_totals';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER billing_invoices_totals AFTER INSERT OR UPDATE ON billing_invoices
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION billing_totals_check();
CREATE CONSTRAINT TRIGGER billing_lines_totals AFTER INSERT OR UPDATE OR DELETE ON billing_invoice_lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION billing_totals_check();
