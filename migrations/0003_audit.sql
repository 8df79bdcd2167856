-- Append-only, hash-chained audit log.
CREATE TABLE audit_events (
    id             bigserial PRIMARY KEY,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    actor_user_id  uuid,
    actor_label    text NOT NULL,
    action         text NOT NULL,
    entity_type    text NOT NULL,
    entity_id      text,
    patient_id     uuid,
    changes        jsonb,
    ip             inet,
    user_agent     text,
    session_id     uuid,
    request_id     text,
    prev_hash      bytea NOT NULL,
    hash           bytea NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (occurred_at DESC, id DESC);
CREATE INDEX audit_events_actor ON audit_events (actor_user_id, id DESC);
CREATE INDEX audit_events_actor_label ON audit_events (actor_label, id DESC);
CREATE INDEX audit_events_patient ON audit_events (patient_id, id DESC) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, id DESC);
CREATE INDEX audit_events_action ON audit_events (action, id DESC);

-- The digest covers every column but the hash itself; the verifier recomputes it with the same function.
CREATE OR REPLACE FUNCTION audit_event_digest(e audit_events) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(
        e.prev_hash ||
        convert_to(concat_ws(E'\x1f',
            e.id::text,
            to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
            coalesce(e.actor_user_id::text, ''),
            e.actor_label,
            e.action,
            e.entity_type,
            coalesce(e.entity_id, ''),
            coalesce(e.patient_id::text, ''),
            coalesce(e.changes::text, ''),
            coalesce(host(e.ip), ''),
            coalesce(e.user_agent, ''),
            coalesce(e.session_id::text, ''),
            coalesce(e.request_id, '')
        ), 'UTF8'))
$$;

-- Chains each new event to the last one. The advisory lock (held to commit) serialises writers,
-- and the id is drawn under the lock so id order is chain order.
CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(7311001);
    NEW.id := nextval(pg_get_serial_sequence('audit_events', 'id'));
    SELECT hash INTO last_hash FROM audit_events ORDER BY id DESC LIMIT 1;
    NEW.prev_hash := coalesce(last_hash, '\x'::bytea);
    NEW.hash := audit_event_digest(NEW);
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

CREATE OR REPLACE FUNCTION audit_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_immutable();
