-- Issue 14: the official name's prefix and suffix (FHIR HumanName.prefix/suffix: "Dr.", "Mrs.",
-- "Jr.", "III"), which imported records carry and letters and wristbands print.
ALTER TABLE patients
    ADD COLUMN name_prefix text CONSTRAINT patients_name_prefix_check CHECK (length(name_prefix) BETWEEN 1 AND 40),
    ADD COLUMN name_suffix text CONSTRAINT patients_name_suffix_check CHECK (length(name_suffix) BETWEEN 1 AND 40);
