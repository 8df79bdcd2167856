-- Vital signs: values stored at the precision measured (numeric instead of whole numbers and
-- binary floating point), a reading of one parameter alone (a palpated systolic pressure, one
-- observation of an imported panel), the NEWS2 inputs "air or oxygen" and ACVPU consciousness,
-- and each set's flags as assessed when it was recorded (see crates/ehr/src/vitals/ranges.rs).

-- The BMI is generated from weight and height: drop it while their types change.
ALTER TABLE vitals DROP COLUMN bmi;
ALTER TABLE vitals
    ALTER COLUMN temperature_c TYPE numeric USING temperature_c::numeric,
    ALTER COLUMN pulse TYPE numeric USING pulse::numeric,
    ALTER COLUMN resp_rate TYPE numeric USING resp_rate::numeric,
    ALTER COLUMN bp_systolic TYPE numeric USING bp_systolic::numeric,
    ALTER COLUMN bp_diastolic TYPE numeric USING bp_diastolic::numeric,
    ALTER COLUMN spo2 TYPE numeric USING spo2::numeric,
    ALTER COLUMN weight_kg TYPE numeric USING weight_kg::numeric,
    ALTER COLUMN height_cm TYPE numeric USING height_cm::numeric,
    ALTER COLUMN pain TYPE numeric USING pain::numeric;
ALTER TABLE vitals ADD COLUMN bmi double precision GENERATED ALWAYS AS
    (round(weight_kg / ((height_cm / 100.0) ^ 2), 1)::double precision) STORED;

-- One of the pressures alone is a reading (systolic by palpation); both: systolic above diastolic.
ALTER TABLE vitals DROP CONSTRAINT vitals_check;

ALTER TABLE vitals
    -- NEWS2 "air or oxygen": true when on supplemental oxygen; NULL: not recorded.
    ADD COLUMN on_oxygen boolean,
    -- NEWS2 consciousness (ACVPU): Alert, new Confusion, Voice, Pain, Unresponsive.
    ADD COLUMN consciousness text CHECK (consciousness IN ('A', 'C', 'V', 'P', 'U')),
    -- The worst reading of the set for the patient's age band; NULL: recorded before flags.
    ADD COLUMN flag text CHECK (flag IN ('normal', 'abnormal', 'critical')),
    -- Each reading's flag by field ({"pulse": "critical", …}).
    ADD COLUMN flags jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- NEWS2 (adults): the total when every parameter was recorded.
    ADD COLUMN news2 smallint CHECK (news2 BETWEEN 0 AND 20),
    -- NEWS2 band: low, low_medium, medium, high; incomplete when a parameter is missing.
    ADD COLUMN news2_band text CHECK (news2_band IN ('low', 'low_medium', 'medium', 'high', 'incomplete')),
    -- Implausible changes against earlier measurements (height, weight), as sentences.
    ADD COLUMN warnings text[] NOT NULL DEFAULT '{}';

ALTER TABLE vitals DROP CONSTRAINT vitals_check2;
ALTER TABLE vitals ADD CONSTRAINT vitals_some_reading
    CHECK (num_nonnulls(temperature_c, pulse, resp_rate, bp_systolic, bp_diastolic, spo2, weight_kg, height_cm,
                        pain, on_oxygen, consciousness) > 0);

-- The sets still to assess (recorded before flags, or bulk-inserted): `hearth migrate`/`serve`
-- assess them in batches (`vitals::assess_unflagged`); each leaves this index once assessed.
CREATE INDEX vitals_unassessed ON vitals (id)
    WHERE flag IS NULL AND news2_band IS NULL
      AND num_nonnulls(temperature_c, pulse, resp_rate, bp_systolic, bp_diastolic, spo2, pain, consciousness) > 0;
