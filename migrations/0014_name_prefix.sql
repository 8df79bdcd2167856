-- Type-ahead by name prefix at any scale: accent-folded family and given names in byte order
-- (COLLATE "C"), so a prefix is a range of one ordinary btree index and the scan stops after
-- the first page of rows, however common the prefix.
ALTER TABLE patients ADD COLUMN family_fold text COLLATE "C"
    GENERATED ALWAYS AS (lower(immutable_unaccent(family_name))) STORED;
ALTER TABLE patients ADD COLUMN given_fold text COLLATE "C"
    GENERATED ALWAYS AS (lower(immutable_unaccent(given_name))) STORED;
CREATE INDEX patients_family_fold ON patients (family_fold, given_fold, id);
CREATE INDEX patients_given_fold ON patients (given_fold, family_fold, id);
-- The dashboard's count of active patients (exact while the registry is small) as an
-- index-only scan.
CREATE INDEX patients_active ON patients (id) WHERE active;
