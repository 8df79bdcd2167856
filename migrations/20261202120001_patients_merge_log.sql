-- The merge log (module `patients`): what each merge did, so that a mistaken merge can be undone.
-- One row per merge: who and when, both records, the survivor's state before (which identifiers
-- it took from the merged record, its restriction), the merged record's state before, the keys of
-- the rows moved per table, the survivor's own rows at the time (to tell rows created on it since
-- from both), each merge step's data for its inverse; and, once undone, who, when and why.
-- Merges made before this table existed have no entry and cannot be undone.

CREATE TABLE patient_merges (
    id                 uuid PRIMARY KEY,
    survivor_id        uuid NOT NULL REFERENCES patients(id),
    merged_id          uuid NOT NULL REFERENCES patients(id),
    merged_at          timestamptz NOT NULL,
    merged_by          uuid REFERENCES users(id),
    merged_by_label    text NOT NULL,
    -- {"filled": ["phone_enc", "birth_date", …], "restricted": false}
    survivor_before    jsonb NOT NULL,
    -- {"active": true}
    merged_before      jsonb NOT NULL,
    -- {"<table>": ["<key>", …]}: rows moved to the survivor (tables that follow a merge)
    moved              jsonb NOT NULL,
    -- {"<table>": ["<key>", …]}: the survivor's own rows at the merge
    kept               jsonb NOT NULL,
    -- {"<step>": <data>}: what each merge step keeps for its undo
    steps              jsonb NOT NULL,
    unmerged_at        timestamptz,
    unmerged_by        uuid REFERENCES users(id),
    unmerged_by_label  text,
    unmerge_reason     text CHECK (length(unmerge_reason) BETWEEN 1 AND 500),
    -- {"<table>": n}: rows moved back, and rows created since that the user chose to move too
    unmerge_result     jsonb,
    CONSTRAINT patient_merges_two_records CHECK (survivor_id <> merged_id),
    CONSTRAINT patient_merges_undone_whole CHECK (
        (unmerged_at IS NULL) = (unmerge_reason IS NULL)
        AND (unmerged_at IS NULL) = (unmerged_by_label IS NULL)
        AND (unmerged_at IS NULL) = (unmerge_result IS NULL))
);
CREATE INDEX patient_merges_survivor ON patient_merges (survivor_id, merged_at DESC, id DESC);
CREATE INDEX patient_merges_merged ON patient_merges (merged_id, merged_at DESC, id DESC);
-- A record is merged into another at most once at a time (an undone merge frees it).
CREATE UNIQUE INDEX patient_merges_one_open ON patient_merges (merged_id) WHERE unmerged_at IS NULL;

-- The log is append-only but for the undo, which happens once: the undo columns are set from
-- NULL, nothing else ever changes, nothing is deleted.
CREATE FUNCTION patient_merges_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'the merge log is never deleted from' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.unmerged_at IS NOT NULL THEN
        RAISE EXCEPTION 'this merge has already been undone' USING ERRCODE = 'check_violation';
    END IF;
    IF (to_jsonb(NEW) - 'unmerged_at' - 'unmerged_by' - 'unmerged_by_label' - 'unmerge_reason' - 'unmerge_result')
       IS DISTINCT FROM
       (to_jsonb(OLD) - 'unmerged_at' - 'unmerged_by' - 'unmerged_by_label' - 'unmerge_reason' - 'unmerge_result') THEN
        RAISE EXCEPTION 'a merge log entry only records its undo' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER patient_merges_guard BEFORE UPDATE OR DELETE ON patient_merges
    FOR EACH ROW EXECUTE FUNCTION patient_merges_guard();
CREATE TRIGGER patient_merges_no_truncate BEFORE TRUNCATE ON patient_merges
    FOR EACH STATEMENT EXECUTE FUNCTION patient_merges_guard();
