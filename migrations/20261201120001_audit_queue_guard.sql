-- The sealing queue is protected like the log itself (issue 10, finding 9).
--
-- Before this, anyone able to DELETE from audit_unsealed could remove an event's queue entry,
-- and an event deleted together with its queue entry before the sealer ran (about 250 ms) left
-- no trace. Now a queue entry may leave the queue only when its seal exists (the sealer's own
-- delete) or when the sealer has recorded in audit_lost that the queued event had disappeared
-- (an event is queued in its writer's transaction and events are append-only, so a queued id
-- without its event always means tampering; `hearth audit verify` fails on every such row).

CREATE TABLE audit_lost (
    event_id    bigint PRIMARY KEY,
    noticed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_lost_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_lost is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_lost_no_update BEFORE UPDATE OR DELETE ON audit_lost FOR EACH ROW EXECUTE FUNCTION audit_lost_immutable();
CREATE TRIGGER audit_lost_no_truncate BEFORE TRUNCATE ON audit_lost FOR EACH STATEMENT EXECUTE FUNCTION audit_lost_immutable();

CREATE FUNCTION audit_unsealed_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND (EXISTS (SELECT 1 FROM audit_seals WHERE event_id = OLD.event_id)
            OR EXISTS (SELECT 1 FROM audit_lost WHERE event_id = OLD.event_id)) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_unsealed: only the sealer removes an entry, once its event is sealed'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_unsealed_guard BEFORE UPDATE OR DELETE ON audit_unsealed FOR EACH ROW EXECUTE FUNCTION audit_unsealed_guard();
CREATE FUNCTION audit_unsealed_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_unsealed: only the sealer removes an entry, once its event is sealed'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_unsealed_no_truncate BEFORE TRUNCATE ON audit_unsealed FOR EACH STATEMENT EXECUTE FUNCTION audit_unsealed_no_truncate();
