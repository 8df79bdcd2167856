-- The audit chain is sealed after commit, in batches, instead of inside every writer's
-- transaction under one lock (which serialised every audited request, reads included, through
-- its commit and WAL flush). Events are inserted plainly; an AFTER INSERT trigger queues each
-- id in audit_unsealed (same transaction: a rolled-back event is never queued); the sealer
-- (platform::audit::seal, run by every replica in the background and by `hearth audit verify`)
-- hashes the queued events in id order under an advisory lock and appends them to audit_seals. The chain
-- order is the seal order (seq), so an event committed late simply joins a later batch.

CREATE TABLE audit_seals (
    seq        bigint PRIMARY KEY,
    -- No foreign key: a removed event must show up in `hearth audit verify`, not be prevented
    -- only for those who cannot disable triggers.
    event_id   bigint NOT NULL UNIQUE,
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL,
    sealed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_unsealed (
    event_id  bigint PRIMARY KEY
);

-- The canonical text of an event (every column, unit-separated). The chain hash of an event
-- sealed after `prev` is sha256(prev || this text): the same bytes the old trigger hashed, so the
-- existing chain carries over unchanged. The sealer and `hearth audit verify` read this text and
-- hash in the application; audit_digest does the same in SQL for ad-hoc checks.
CREATE FUNCTION audit_content(e audit_events) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws(E'\x1f',
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
    )
$$;
CREATE FUNCTION audit_digest(prev bytea, e audit_events) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$ SELECT sha256(prev || convert_to(audit_content(e), 'UTF8')) $$;

-- Existing events keep their place and hashes as the first seals.
INSERT INTO audit_seals (seq, event_id, prev_hash, hash, sealed_at)
SELECT row_number() OVER (ORDER BY id), id, prev_hash, hash, occurred_at FROM audit_events ORDER BY id;

DROP TRIGGER audit_events_chain ON audit_events;
DROP FUNCTION audit_events_chain();
DROP FUNCTION audit_event_digest(audit_events);
ALTER TABLE audit_events DROP COLUMN prev_hash, DROP COLUMN hash;

CREATE FUNCTION audit_events_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_unsealed (event_id) VALUES (NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER audit_events_enqueue AFTER INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_enqueue();

CREATE FUNCTION audit_seals_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_seals is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_seals_no_update BEFORE UPDATE OR DELETE ON audit_seals FOR EACH ROW EXECUTE FUNCTION audit_seals_immutable();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals FOR EACH STATEMENT EXECUTE FUNCTION audit_seals_immutable();
