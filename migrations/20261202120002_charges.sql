-- Charge capture (module `charges`): the platform ledger of billable events. A module writes an
-- entry in the same transaction as the clinical act (`charges::capture`); the billing issue maps
-- the module's catalogue codes to prices and builds invoices on it. Append-only: a correction is
-- a compensating entry (negative quantity, referencing the original), never an update or delete.

CREATE TABLE charges (
    id             uuid PRIMARY KEY,
    patient_id     uuid NOT NULL REFERENCES patients(id),
    encounter_id   uuid REFERENCES encounters(id),
    facility_id    uuid NOT NULL REFERENCES facilities(id),
    -- The module that captured it and its row for the act (an immunization, a dispense…).
    source_module  text NOT NULL CHECK (source_module ~ '^[a-z][a-z_]{0,39}$'),
    source_row     uuid NOT NULL,
    -- What about that row is billed (administration, dispense, result…): one act, several kinds.
    kind           text NOT NULL CHECK (kind ~ '^[a-z][a-z_]{0,39}$'),
    -- The module's own catalogue code ("CVX:140"); billing maps it to a price.
    code           text NOT NULL CHECK (length(code) BETWEEN 1 AND 60 AND code !~ '\s'),
    -- The catalogue's name for it when captured, for people reading the ledger.
    description    text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    -- Whole units of the catalogue item (a module billing fractions defines a smaller unit).
    -- Positive for a charge, negative for its reversal.
    quantity       integer NOT NULL CHECK (quantity <> 0 AND abs(quantity) <= 100000),
    performed_at   timestamptz NOT NULL,
    performer_id   uuid REFERENCES users(id),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    recorded_by    uuid REFERENCES users(id),
    -- A reversal: the entry it compensates, and why.
    reverses       uuid REFERENCES charges(id),
    reason         text CHECK (length(reason) BETWEEN 1 AND 500),
    -- A corrected capture: the reversed entry of the same act it takes the place of.
    replaces       uuid REFERENCES charges(id),
    CONSTRAINT charges_reversal_has_reason CHECK ((reverses IS NULL) = (reason IS NULL)),
    CONSTRAINT charges_sign CHECK ((reverses IS NULL) = (quantity > 0)),
    CONSTRAINT charges_reversal_replaces_nothing CHECK (reverses IS NULL OR replaces IS NULL)
);

-- A retry never charges twice: one original entry per act and kind; a correction takes the place
-- of a reversed one, once.
CREATE UNIQUE INDEX charges_once ON charges (source_module, source_row, kind)
    WHERE reverses IS NULL AND replaces IS NULL;
CREATE UNIQUE INDEX charges_replaced_once ON charges (replaces) WHERE replaces IS NOT NULL;
-- Reversing twice is refused.
CREATE UNIQUE INDEX charges_reversed_once ON charges (reverses) WHERE reverses IS NOT NULL;

CREATE INDEX charges_patient ON charges (patient_id, performed_at DESC, id DESC);
CREATE INDEX charges_facility ON charges (facility_id, performed_at DESC, id DESC);
CREATE INDEX charges_time ON charges (performed_at DESC, id DESC);
CREATE INDEX charges_encounter ON charges (encounter_id) WHERE encounter_id IS NOT NULL;
CREATE INDEX charges_source ON charges (source_row);

-- A reversal mirrors its original exactly (same patient, act, kind and code; the opposite
-- quantity) and reverses an entry that is not itself a reversal; a correction replaces a reversed
-- entry of the same act and kind.
CREATE FUNCTION charges_check_links() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o charges;
BEGIN
    IF NEW.reverses IS NOT NULL THEN
        SELECT * INTO o FROM charges WHERE id = NEW.reverses;
        IF o.reverses IS NOT NULL THEN
            RAISE EXCEPTION 'a reversal cannot itself be reversed' USING ERRCODE = 'check_violation';
        END IF;
        IF (NEW.patient_id, NEW.source_module, NEW.source_row, NEW.kind, NEW.code, NEW.quantity)
           IS DISTINCT FROM (o.patient_id, o.source_module, o.source_row, o.kind, o.code, -o.quantity) THEN
            RAISE EXCEPTION 'a reversal mirrors the charge it reverses' USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF NEW.replaces IS NOT NULL THEN
        SELECT * INTO o FROM charges WHERE id = NEW.replaces;
        IF (NEW.source_module, NEW.source_row, NEW.kind) IS DISTINCT FROM (o.source_module, o.source_row, o.kind)
           OR NOT EXISTS (SELECT 1 FROM charges r WHERE r.reverses = NEW.replaces) THEN
            RAISE EXCEPTION 'a correction replaces a reversed charge of the same act' USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER charges_check_links BEFORE INSERT ON charges FOR EACH ROW EXECUTE FUNCTION charges_check_links();

-- Append-only. The one change allowed is the patient, along a merge link: a merge moves the merged
-- record's entries to the survivor (the merged record already points to it) and an unmerge moves
-- them back (before it stops pointing). Nothing else is ever updated; nothing is deleted.
CREATE FUNCTION charges_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'patient_id') = (to_jsonb(OLD) - 'patient_id')
       AND EXISTS (SELECT 1 FROM patients p
                   WHERE (p.id = OLD.patient_id AND p.merged_into = NEW.patient_id)
                      OR (p.id = NEW.patient_id AND p.merged_into = OLD.patient_id)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the charge ledger is append-only; reverse a charge instead' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER charges_no_update BEFORE UPDATE OR DELETE ON charges FOR EACH ROW EXECUTE FUNCTION charges_immutable();
CREATE TRIGGER charges_no_truncate BEFORE TRUNCATE ON charges FOR EACH STATEMENT EXECUTE FUNCTION charges_immutable();
