-- Problems coded in any system (issue 14): a coding (system URI + code) such as SNOMED CT or the
-- source system's own, or free text (no coding); the ICD-10-CM code becomes optional. Today's
-- single ICD-10-CM code is kept and also becomes the problem's coding with its system.
ALTER TABLE problems
    ALTER COLUMN icd_code DROP NOT NULL,
    ADD COLUMN code_system text CHECK (code_system ~ '^(https?://|urn:)[^\s]{1,250}$'),
    ADD COLUMN code        text CHECK (length(code) BETWEEN 1 AND 100 AND code !~ '\s'),
    ADD CONSTRAINT problems_coding_pair CHECK ((code_system IS NULL) = (code IS NULL));

ALTER TABLE problems DISABLE TRIGGER problems_updated_at;
UPDATE problems SET code_system = 'http://hl7.org/fhir/sid/icd-10-cm', code = icd_code WHERE icd_code IS NOT NULL;
ALTER TABLE problems ENABLE TRIGGER problems_updated_at;

-- A row inserted with only its ICD-10-CM code (older code paths, bulk loads) is coded in ICD-10-CM.
CREATE OR REPLACE FUNCTION problems_default_coding() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.code_system IS NULL AND NEW.code IS NULL AND NEW.icd_code IS NOT NULL THEN
        NEW.code_system := 'http://hl7.org/fhir/sid/icd-10-cm';
        NEW.code := NEW.icd_code;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER problems_default_coding BEFORE INSERT ON problems
    FOR EACH ROW EXECUTE FUNCTION problems_default_coding();

-- The ICD-10-CM code, when there is one, stays billable.
CREATE OR REPLACE FUNCTION problems_billable_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.icd_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM icd10_codes WHERE code = NEW.icd_code AND billable) THEN
        RAISE EXCEPTION 'ICD-10-CM code % is not billable', NEW.icd_code USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

-- Duplicate checks per coding system.
CREATE INDEX problems_active_coding ON problems (patient_id, code_system, code) WHERE status = 'active';
