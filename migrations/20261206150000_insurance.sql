-- Insurance, phase 1: payers, plans with their coverage rules, patients' policies, eligibility
-- checks, pre-authorisations, the payer/patient split of an invoice (with the running totals per
-- policy and year), claims and remittance. Money in minor units of the plan's currency.

-- An insurance payment is a billing payment of method 'insurance'.
ALTER TABLE billing_payments DROP CONSTRAINT billing_payments_method_check;
ALTER TABLE billing_payments ADD CONSTRAINT billing_payments_method_check
    CHECK (method IN ('cash', 'card', 'bank_transfer', 'insurance'));

CREATE TABLE insurance_payers (
    id         uuid PRIMARY KEY,
    code       text NOT NULL CHECK (code ~ '^[A-Z0-9_-]{2,20}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT insurance_payers_code UNIQUE (code)
);

CREATE TABLE insurance_plans (
    id             uuid PRIMARY KEY,
    payer_id       uuid NOT NULL REFERENCES insurance_payers(id),
    code           text NOT NULL CHECK (code ~ '^[A-Z0-9_-]{2,20}$'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- Fixed co-pay per visit line (codes APPT:*), then the deductible, then co-insurance.
    copay          bigint NOT NULL DEFAULT 0 CHECK (copay >= 0),
    coinsurance_bp integer NOT NULL DEFAULT 0 CHECK (coinsurance_bp BETWEEN 0 AND 10000),
    deductible     bigint NOT NULL DEFAULT 0 CHECK (deductible >= 0),
    annual_limit   bigint CHECK (annual_limit >= 0),
    excluded_codes text[] NOT NULL DEFAULT '{}',
    preauth_codes  text[] NOT NULL DEFAULT '{}',
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT insurance_plans_code UNIQUE (payer_id, code)
);

CREATE TABLE insurance_policies (
    id            uuid PRIMARY KEY,
    patient_id    uuid NOT NULL REFERENCES patients(id),
    plan_id       uuid NOT NULL REFERENCES insurance_plans(id),
    member_id     text NOT NULL CHECK (member_id ~ '^[A-Za-z0-9/_-]{1,40}$'),
    valid_from    date NOT NULL,
    valid_to      date,
    priority      text NOT NULL CHECK (priority IN ('primary', 'secondary')),
    relationship  text NOT NULL CHECK (relationship IN ('self', 'spouse', 'child', 'other')),
    active        boolean NOT NULL DEFAULT true,
    created_by    uuid REFERENCES users(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT insurance_policies_dates CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE UNIQUE INDEX insurance_policies_one_per_priority ON insurance_policies (patient_id, priority) WHERE active;
CREATE INDEX insurance_policies_patient ON insurance_policies (patient_id);

CREATE TABLE insurance_eligibility (
    id           uuid PRIMARY KEY,
    policy_id    uuid NOT NULL REFERENCES insurance_policies(id),
    patient_id   uuid NOT NULL REFERENCES patients(id),
    service_date date NOT NULL,
    eligible     boolean NOT NULL,
    reason       text NOT NULL,
    checked_by   uuid REFERENCES users(id),
    checked_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX insurance_eligibility_policy ON insurance_eligibility (policy_id, checked_at DESC);

CREATE TABLE insurance_preauths (
    id           uuid PRIMARY KEY,
    patient_id   uuid NOT NULL REFERENCES patients(id),
    policy_id    uuid NOT NULL REFERENCES insurance_policies(id),
    code         text NOT NULL CHECK (code ~ '^[A-Za-z0-9:._/-]{1,60}$'),
    status       text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'denied')),
    reference    text CHECK (length(reference) BETWEEN 1 AND 60),
    valid_from   date,
    valid_to     date,
    units        integer CHECK (units >= 1),
    reason       text CHECK (length(reason) BETWEEN 1 AND 500),
    requested_by uuid REFERENCES users(id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_by   uuid REFERENCES users(id),
    decided_at   timestamptz,
    CONSTRAINT insurance_preauths_approved CHECK (status <> 'approved'
        OR (reference IS NOT NULL AND valid_from IS NOT NULL AND valid_to >= valid_from AND units IS NOT NULL)),
    CONSTRAINT insurance_preauths_denied CHECK (status <> 'denied' OR reason IS NOT NULL)
);
CREATE INDEX insurance_preauths_policy ON insurance_preauths (policy_id, code);

-- Running totals per policy and plan year, locked (FOR UPDATE) by every split.
CREATE TABLE insurance_accumulators (
    policy_id       uuid NOT NULL REFERENCES insurance_policies(id),
    year            integer NOT NULL,
    deductible_used bigint NOT NULL DEFAULT 0 CHECK (deductible_used >= 0),
    payer_paid      bigint NOT NULL DEFAULT 0 CHECK (payer_paid >= 0),
    PRIMARY KEY (policy_id, year)
);

CREATE TABLE insurance_splits (
    id            uuid PRIMARY KEY,
    invoice_id    uuid NOT NULL REFERENCES billing_invoices(id),
    policy_id     uuid NOT NULL REFERENCES insurance_policies(id),
    patient_id    uuid NOT NULL REFERENCES patients(id),
    payer_total   bigint NOT NULL CHECK (payer_total >= 0),
    patient_total bigint NOT NULL CHECK (patient_total >= 0),
    created_by    uuid REFERENCES users(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT insurance_splits_once UNIQUE (invoice_id, policy_id)
);

CREATE TABLE insurance_split_lines (
    split_id        uuid NOT NULL REFERENCES insurance_splits(id),
    line_id         uuid NOT NULL REFERENCES billing_invoice_lines(id),
    line_total      bigint NOT NULL,
    payer_share     bigint NOT NULL CHECK (payer_share >= 0),
    patient_share   bigint NOT NULL CHECK (patient_share >= 0),
    copay           bigint NOT NULL DEFAULT 0,
    deductible      bigint NOT NULL DEFAULT 0,
    rule            text NOT NULL CHECK (rule IN ('covered', 'excluded', 'preauth_missing', 'limit_reached')),
    preauth_missing boolean NOT NULL DEFAULT false,
    PRIMARY KEY (split_id, line_id),
    CONSTRAINT insurance_split_lines_sum CHECK (payer_share + patient_share = line_total)
);

CREATE TABLE insurance_claims (
    id           uuid PRIMARY KEY,
    invoice_id   uuid NOT NULL REFERENCES billing_invoices(id),
    policy_id    uuid NOT NULL REFERENCES insurance_policies(id),
    split_id     uuid NOT NULL REFERENCES insurance_splits(id),
    patient_id   uuid NOT NULL REFERENCES patients(id),
    facility_id  uuid NOT NULL REFERENCES facilities(id),
    status       text NOT NULL DEFAULT 'draft'
                 CHECK (status IN ('draft', 'submitted', 'accepted', 'rejected', 'paid', 'partially_paid', 'denied')),
    claimed      bigint NOT NULL CHECK (claimed > 0),
    paid         bigint NOT NULL DEFAULT 0 CHECK (paid >= 0 AND paid <= claimed),
    payment_id   uuid REFERENCES billing_payments(id),
    reason       text CHECK (length(reason) BETWEEN 1 AND 500),
    created_by   uuid REFERENCES users(id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    submitted_at timestamptz,
    decided_at   timestamptz,
    remitted_at  timestamptz,
    CONSTRAINT insurance_claims_once UNIQUE (invoice_id, policy_id)
);
CREATE INDEX insurance_claims_status ON insurance_claims (status, created_at);

CREATE TABLE insurance_claim_lines (
    claim_id        uuid NOT NULL REFERENCES insurance_claims(id),
    line_id         uuid NOT NULL REFERENCES billing_invoice_lines(id),
    claimed         bigint NOT NULL CHECK (claimed > 0),
    paid            bigint CHECK (paid >= 0),
    adjustment_code text,
    PRIMARY KEY (claim_id, line_id),
    CONSTRAINT insurance_claim_lines_not_overpaid CHECK (paid IS NULL OR paid <= claimed)
);
