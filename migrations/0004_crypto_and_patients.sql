-- Key versions of the field-encryption key ring (keys themselves are derived from the master key).
CREATE TABLE crypto_key_versions (
    version     integer PRIMARY KEY CHECK (version > 0),
    active      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX crypto_key_versions_one_active ON crypto_key_versions (active) WHERE active;
INSERT INTO crypto_key_versions (version, active) VALUES (1, true);

-- Minimal patient registry for the platform; the patients module grows it.
CREATE TABLE patients (
    id                    uuid PRIMARY KEY,
    facility_id           uuid NOT NULL REFERENCES facilities(id),
    mrn                   text NOT NULL UNIQUE,
    given_name            text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
    family_name           text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
    sex                   text NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    birth_date            date CHECK (birth_date > '1880-01-01'),
    phone_enc             bytea,
    phone_bidx            bytea,
    national_id_enc       bytea,
    national_id_bidx      bytea,
    address_enc           bytea,
    active                boolean NOT NULL DEFAULT true,
    search_name           text GENERATED ALWAYS AS (lower(immutable_unaccent(given_name || ' ' || family_name))) STORED,
    created_by            uuid REFERENCES users(id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER patients_updated_at BEFORE UPDATE ON patients FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE INDEX patients_search_name_trgm ON patients USING gin (search_name gin_trgm_ops);
CREATE INDEX patients_family_prefix ON patients (lower(immutable_unaccent(family_name)) text_pattern_ops, id);
CREATE INDEX patients_name_order ON patients (family_name, given_name, id);
CREATE INDEX patients_phone_bidx ON patients (phone_bidx) WHERE phone_bidx IS NOT NULL;
CREATE INDEX patients_national_id_bidx ON patients (national_id_bidx) WHERE national_id_bidx IS NOT NULL;
CREATE INDEX patients_birth_date ON patients (birth_date);
