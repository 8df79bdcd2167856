-- Phone search in everyday forms (issue 13, item 7): the phone blind index now holds the number's
-- canonical international form (+447700968012 for 07700 968012), and a second blind index holds
-- its last six digits so a partial number finds the patient. Blind indexes are HMACs computed in
-- Rust, so existing rows are re-indexed at start-up (`serve`), not here: rows of version 1 are
-- the ones still to do (hearth_patients::repo::reindex_phones, idempotent).
ALTER TABLE patients
    ADD COLUMN phone_tail_bidx bytea,
    ADD COLUMN phone_index_version smallint NOT NULL DEFAULT 1;

CREATE INDEX patients_phone_tail_bidx ON patients (phone_tail_bidx) WHERE phone_tail_bidx IS NOT NULL;
CREATE INDEX patients_phone_reindex ON patients (id) WHERE phone_index_version < 2;
