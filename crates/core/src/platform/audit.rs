//! The append-only, hash-chained audit log. Events are written on the caller's transaction with
//! no lock; a trigger queues each one, and the sealer ([`seal`], run in the background by every
//! replica and before [`verify`]) chains queued events in batches after commit (migration 0016:
//! `audit_seals` holds each event's place, previous hash and hash). `verify` recomputes the
//! chain.

use serde_json::{json, Map, Value};
use sqlx::types::ipnetwork::IpNetwork;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

/// Who did it, from where; taken from the request.
#[derive(Debug, Clone, Default)]
pub struct AuditMeta {
    pub actor_user_id: Option<Uuid>,
    pub actor_label: String,
    pub ip: Option<IpNetwork>,
    pub user_agent: Option<String>,
    pub session_id: Option<Uuid>,
    pub request_id: Option<String>,
}

impl AuditMeta {
    pub fn system(label: &str) -> Self {
        AuditMeta { actor_label: label.to_string(), ..Default::default() }
    }
}

#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub patient_id: Option<Uuid>,
    pub changes: Option<Value>,
}

impl<'a> Event<'a> {
    pub fn new(action: &'a str, entity_type: &'a str, entity_id: impl ToString) -> Self {
        Event { action, entity_type, entity_id: Some(entity_id.to_string()), patient_id: None, changes: None }
    }
    pub fn patient(mut self, id: Uuid) -> Self {
        self.patient_id = Some(id);
        self
    }
    pub fn changes(mut self, v: Value) -> Self {
        self.changes = Some(v);
        self
    }
}

/// Upper bounds (in characters) of what one event stores. Callers pass request facts and user
/// input (client ids, user agents, labels), so every value is cut here, where no caller can
/// forget it: a longer value keeps its first `limit - 1` characters and ends in `…`.
pub const MAX_ACTOR_LABEL: usize = 200;
pub const MAX_ACTION: usize = 100;
pub const MAX_ENTITY_TYPE: usize = 100;
pub const MAX_ENTITY_ID: usize = 200;
pub const MAX_USER_AGENT: usize = 400;
pub const MAX_REQUEST_ID: usize = 100;
/// Each string inside `changes` (keys and values).
pub const MAX_CHANGE_TEXT: usize = 4000;
/// The whole `changes` document, serialised, in bytes; above it only a marker is kept.
pub const MAX_CHANGES_BYTES: usize = 64 * 1024;

/// Writes one event on the caller's connection, so it commits or rolls back with the change.
/// Every value is bounded first (see [`MAX_ACTOR_LABEL`] and the limits beside it).
pub async fn record(conn: &mut PgConnection, meta: &AuditMeta, ev: Event<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (actor_user_id, actor_label, action, entity_type, entity_id, patient_id, changes, ip, user_agent, session_id, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(meta.actor_user_id)
    .bind(bounded(&meta.actor_label, MAX_ACTOR_LABEL))
    .bind(bounded(ev.action, MAX_ACTION))
    .bind(bounded(ev.entity_type, MAX_ENTITY_TYPE))
    .bind(ev.entity_id.as_deref().map(|s| bounded(s, MAX_ENTITY_ID)))
    .bind(ev.patient_id)
    .bind(ev.changes.map(bound_changes))
    .bind(meta.ip)
    .bind(meta.user_agent.as_deref().map(|s| bounded(s, MAX_USER_AGENT)))
    .bind(meta.session_id)
    .bind(meta.request_id.as_deref().map(|s| bounded(s, MAX_REQUEST_ID)))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records an event in its own transaction (reads, sign-in events).
pub async fn record_now(pool: &PgPool, meta: &AuditMeta, ev: Event<'_>) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    record(&mut conn, meta, ev).await
}

/// `s` cut to at most `max` characters (the last one `…` when something was cut).
pub fn bounded(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(s),
        Some(_) => {
            let keep = s.char_indices().nth(max.saturating_sub(1)).map(|(i, _)| i).unwrap_or(0);
            std::borrow::Cow::Owned(format!("{}…", &s[..keep]))
        }
    }
}

/// Bounds every string inside a `changes` document, then the document's total size.
fn bound_changes(v: Value) -> Value {
    fn walk(v: Value) -> Value {
        match v {
            Value::String(s) => match bounded(&s, MAX_CHANGE_TEXT) {
                std::borrow::Cow::Borrowed(_) => Value::String(s),
                std::borrow::Cow::Owned(cut) => Value::String(cut),
            },
            Value::Array(a) => Value::Array(a.into_iter().map(walk).collect()),
            Value::Object(o) => Value::Object(
                o.into_iter().map(|(k, v)| (bounded(&k, MAX_CHANGE_TEXT).into_owned(), walk(v))).collect(),
            ),
            other => other,
        }
    }
    let v = walk(v);
    let size = v.to_string().len();
    if size > MAX_CHANGES_BYTES {
        json!({"truncated": true, "bytes": size})
    } else {
        v
    }
}

/// Field-by-field difference of two JSON objects. Fields named in `encrypted` are recorded as
/// changed without their values.
pub fn diff(before: &Value, after: &Value, encrypted: &[&str]) -> Value {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let (old, new) = (b.get(k).unwrap_or(&Value::Null), a.get(k).unwrap_or(&Value::Null));
        if old != new {
            if encrypted.contains(&k.as_str()) {
                out.insert(k.clone(), json!({"changed": true, "encrypted": true}));
            } else {
                out.insert(k.clone(), json!({"from": old, "to": new}));
            }
        }
    }
    Value::Object(out)
}

#[derive(Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub checked: u64,
    /// The first event whose hash or link is wrong, with the reason.
    pub first_broken: Option<(i64, String)>,
    /// The newest seal: the chain's head, to be recorded outside the database.
    pub head: Option<Head>,
    /// The head the operator expected (`--expect-head`) is missing or differs: the newest events
    /// and their seals were removed, or the chain was rewritten.
    pub head_problem: Option<String>,
    /// Event ids between the oldest and the newest event that no event holds. Normal for
    /// rolled-back transactions, so reported rather than failed (see [`verify_with`]).
    pub unused_event_ids: i64,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.first_broken.is_none() && self.head_problem.is_none()
    }
}

/// A seal's place and hash, written `SEQ:HEXHASH` (what `hearth audit verify` prints and
/// `--expect-head` takes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: Vec<u8>,
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, hex::encode(&self.hash))
    }
}

impl std::str::FromStr for Head {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!("expected SEQ:HASH (a seal number and 64 hex digits, as `hearth audit verify` prints), not {s:?}")
        };
        let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        let seq: i64 = seq.parse().ok().filter(|n| *n >= 1).ok_or_else(bad)?;
        let hash = hex::decode(hash).ok().filter(|h| h.len() == 32).ok_or_else(bad)?;
        Ok(Head { seq, hash })
    }
}

/// The newest seal, if any event was sealed.
pub async fn head(pool: &PgPool) -> sqlx::Result<Option<Head>> {
    let row: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, hash FROM audit_seals ORDER BY seq DESC LIMIT 1").fetch_optional(pool).await?;
    Ok(row.map(|(seq, hash)| Head { seq, hash }))
}

/// The advisory lock that makes one sealer at a time extend the chain.
const CHAIN_LOCK: i64 = 7311001;

/// sha256(prev || canonical text): the chain hash of an event sealed after `prev`.
fn chain_hash(prev: &[u8], content: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(prev);
    h.update(content.as_bytes());
    h.finalize().to_vec()
}

/// Seals up to `max` queued events, in id order, in one transaction: reads their canonical
/// text (`audit_content`), chains the hashes here, appends the seals with one statement and
/// clears them from the queue. Returns how many queue entries were processed (sealed, or
/// dropped because their event is gone), or `None` when another sealer (another replica) holds
/// the chain and `wait` is false.
pub async fn seal(pool: &PgPool, max: i32, wait: bool) -> sqlx::Result<Option<i32>> {
    let mut tx = pool.begin().await?;
    if wait {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(CHAIN_LOCK).execute(&mut *tx).await?;
    } else {
        let got: bool =
            sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(CHAIN_LOCK).fetch_one(&mut *tx).await?;
        if !got {
            // End the transaction here rather than by drop: a dropped transaction's rollback is
            // only sent when its connection is next used.
            tx.rollback().await?;
            return Ok(None);
        }
    }
    // The queue's ids first (its primary key, in order), then the events by id: index lookups
    // whatever the queue's statistics say (a join could walk the whole events index).
    let queued: Vec<i64> = sqlx::query_scalar("SELECT event_id FROM audit_unsealed ORDER BY event_id LIMIT $1")
        .bind(i64::from(max))
        .fetch_all(&mut *tx)
        .await?;
    if queued.is_empty() {
        // Release the chain lock at once (dropping the transaction would leave the lock held
        // until the connection is next used, which can be never).
        tx.commit().await?;
        return Ok(Some(0));
    }
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT e.id, audit_content(e) FROM audit_events e WHERE e.id = ANY($1) ORDER BY e.id")
            .bind(&queued)
            .fetch_all(&mut *tx)
            .await?;
    // A queued id without its event: the event was deleted before it was sealed (events are
    // append-only and queued in their writer's transaction, so this is always tampering).
    // Recorded in audit_lost, which `verify` fails on; only then may the entry leave the queue.
    if rows.len() < queued.len() {
        let found: std::collections::HashSet<i64> = rows.iter().map(|(id, _)| *id).collect();
        let lost: Vec<i64> = queued.iter().copied().filter(|id| !found.contains(id)).collect();
        sqlx::query("INSERT INTO audit_lost (event_id) SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING")
            .bind(&lost)
            .execute(&mut *tx)
            .await?;
        tracing::error!(
            count = lost.len(),
            first_event_id = lost[0],
            "queued audit events were removed before they were sealed"
        );
    }
    let last: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, hash FROM audit_seals ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *tx).await?;
    let (mut seq, mut prev) = last.unwrap_or((0, Vec::new()));
    let n = rows.len();
    let (mut seqs, mut ids, mut prevs, mut hashes) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for (id, content) in rows {
        let h = chain_hash(&prev, &content);
        seq += 1;
        seqs.push(seq);
        ids.push(id);
        prevs.push(std::mem::replace(&mut prev, h.clone()));
        hashes.push(h);
    }
    if !ids.is_empty() {
        sqlx::query(
            "INSERT INTO audit_seals (seq, event_id, prev_hash, hash)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[])",
        )
        .bind(&seqs)
        .bind(&ids)
        .bind(&prevs)
        .bind(&hashes)
        .execute(&mut *tx)
        .await?;
    }
    // Sealed or recorded as lost: the queue's guard trigger (migration 20261201120001) lets
    // exactly these entries go.
    sqlx::query("DELETE FROM audit_unsealed WHERE event_id = ANY($1)").bind(&queued).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(Some(queued.len() as i32))
}

/// Seals everything queued so far (waiting for any other sealer).
pub async fn seal_all(pool: &PgPool) -> sqlx::Result<u64> {
    let mut total = 0u64;
    loop {
        match seal(pool, 10_000, true).await? {
            Some(0) | None => return Ok(total),
            Some(n) => total += n as u64,
        }
    }
}

/// The background sealer: every `every`, seal what was queued (in batches while there is
/// more). Replicas race harmlessly: a replica that finds the chain locked skips its turn.
pub async fn run_sealer(pool: PgPool, every: std::time::Duration, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    let mut last_vacuum = std::time::Instant::now();
    loop {
        // The queue is written and emptied all day: vacuum it every minute ourselves rather than
        // rely on autovacuum being on (dead rows would slow every batch's index scan).
        if last_vacuum.elapsed() >= std::time::Duration::from_secs(60) {
            last_vacuum = std::time::Instant::now();
            if let Err(e) = sqlx::query("VACUUM (SKIP_LOCKED) audit_unsealed").execute(&pool).await {
                tracing::warn!(error = %e, "vacuuming the audit seal queue failed");
            }
        }
        loop {
            match seal(&pool, 5_000, false).await {
                Ok(Some(5_000)) => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::error!(error = %e, "sealing the audit chain failed; retrying");
                    break;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = &mut stop => {
                // Seal what the last requests wrote before the process ends.
                if let Err(e) = seal_all(&pool).await {
                    tracing::error!(error = %e, "final audit seal failed");
                }
                return;
            }
        }
    }
}

/// [`verify_with`] without an expected head.
pub async fn verify(pool: &PgPool) -> sqlx::Result<VerifyReport> {
    verify_with(pool, None).await
}

/// Seals what is queued, then walks the whole chain in seal order and recomputes every hash.
/// Fails (names the first broken event) when a link, an event or a hash is wrong, when seal
/// numbers are not contiguous from 1 (a seal was removed), when the sealer recorded a queued
/// event as removed before sealing (`audit_lost`), or when an event escaped sealing. With
/// `expect`, a head recorded earlier outside the database, the seal of that number must exist
/// with that hash: deleting the newest events together with their seals leaves a shorter chain
/// that is consistent in itself, and only a head kept elsewhere shows it. Gaps in event ids are
/// counted, not failed: a rolled-back transaction leaves one, and every sealed id is checked.
pub async fn verify_with(pool: &PgPool, expect: Option<&Head>) -> sqlx::Result<VerifyReport> {
    use futures_util::TryStreamExt;
    seal_all(pool).await?;
    let (count, min_id, max_id): (i64, Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT count(*), min(id), max(id) FROM audit_events").fetch_one(pool).await?;
    let unused_event_ids = match (min_id, max_id) {
        (Some(lo), Some(hi)) => (hi - lo + 1 - count).max(0),
        _ => 0,
    };
    let mut report = VerifyReport { checked: 0, first_broken: None, head: None, head_problem: None, unused_event_ids };
    let mut rows = sqlx::query(
        "SELECT s.seq, s.event_id, s.prev_hash, s.hash, CASE WHEN e.id IS NULL THEN NULL ELSE audit_content(e) END AS content
         FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id ORDER BY s.seq",
    )
    .fetch(pool);
    let mut last: Vec<u8> = Vec::new();
    let mut last_seq = 0i64;
    let mut expected_seen = false;
    while let Some(row) = rows.try_next().await? {
        let seq: i64 = row.get("seq");
        let id: i64 = row.get("event_id");
        let prev: Vec<u8> = row.get("prev_hash");
        let hash: Vec<u8> = row.get("hash");
        let why = if prev != last {
            Some(
                "its link to the previous event is broken (an event and its seal were removed, or reordered)"
                    .to_string(),
            )
        } else if seq != last_seq + 1 {
            Some(format!("the seal numbers jump from {last_seq} to {seq} (seals were removed)"))
        } else {
            match row.get::<Option<String>, _>("content") {
                None => Some("the event was removed (its seal remains)".to_string()),
                Some(content) if hash != chain_hash(&prev, &content) => {
                    Some("its content does not match its hash (the event was altered)".to_string())
                }
                Some(_) => None,
            }
        };
        if let Some(why) = why {
            report.first_broken = Some((id, why));
            break;
        }
        if let Some(e) = expect.filter(|e| e.seq == seq) {
            expected_seen = true;
            if e.hash != hash {
                report.head_problem = Some(format!(
                    "seal {seq} has hash {}, not the expected {} (the chain was rewritten)",
                    hex::encode(&hash),
                    hex::encode(&e.hash)
                ));
            }
        }
        last_seq = seq;
        last = hash;
        report.checked += 1;
    }
    drop(rows);
    if last_seq > 0 {
        report.head = Some(Head { seq: last_seq, hash: last.clone() });
    }
    if report.first_broken.is_some() {
        return Ok(report);
    }
    if let Some(e) = expect.filter(|_| !expected_seen) {
        report.head_problem = Some(format!(
            "the chain ends at seal {last_seq}, before the expected head seal {} (the newest events and their seals were removed)",
            e.seq
        ));
    }
    let lost: Option<i64> = sqlx::query_scalar("SELECT min(event_id) FROM audit_lost").fetch_one(pool).await?;
    if let Some(id) = lost {
        report.first_broken =
            Some((id, "the event was removed before it was sealed (the sealer found it missing)".into()));
        return Ok(report);
    }
    let unsealed: Option<i64> = sqlx::query_scalar(
        "SELECT min(e.id) FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)",
    )
    .fetch_one(pool)
    .await?;
    if let Some(id) = unsealed {
        report.first_broken = Some((id, "the event was never sealed (written around the audit queue)".into()));
    }
    Ok(report)
}

/// Publishes the chain's head (job `audit.publish_head`, on a schedule): a structured log line
/// (`audit_head=SEQ:HASH`) and an `audit.head` event to webhook subscribers of that type, signed
/// like every webhook. Copies kept outside the database let `hearth audit verify --expect-head`
/// notice the removal of the newest events with their seals.
pub async fn publish_head(state: &crate::app::AppState) -> anyhow::Result<Option<Head>> {
    let row: Option<(i64, Vec<u8>, i64, time::OffsetDateTime)> =
        sqlx::query_as("SELECT seq, hash, event_id, sealed_at FROM audit_seals ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&state.pool)
            .await?;
    let Some((seq, hash, event_id, sealed_at)) = row else { return Ok(None) };
    let head = Head { seq, hash };
    tracing::info!(target: "hearth::audit", audit_head = %head, seq, event_id, "audit chain head");
    let sealed = sealed_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let mut tx = state.pool.begin().await?;
    crate::platform::notify::webhook::emit(
        &mut tx,
        "audit.head",
        json!({"head": head.to_string(), "seq": seq, "hash": hex::encode(&head.hash), "event_id": event_id, "sealed_at": sealed}),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(head))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_and_print() {
        let h: Head = format!("12:{}", "ab".repeat(32)).parse().unwrap();
        assert_eq!(h.seq, 12);
        assert_eq!(h.to_string(), format!("12:{}", "ab".repeat(32)));
        for bad in ["", "12", "x:ab", "0:ab", "12:zz", "12:abab"] {
            assert!(bad.parse::<Head>().is_err(), "{bad}");
        }
    }

    #[test]
    fn values_are_bounded() {
        assert_eq!(bounded("abc", 3), "abc");
        assert_eq!(bounded("abcd", 3), "ab…");
        assert_eq!(bounded("ééééé", 2).chars().count(), 2);
        let long = "x".repeat(MAX_CHANGE_TEXT + 10);
        let v = bound_changes(json!({"a": long, "b": [long], "c": 1}));
        assert_eq!(v["a"].as_str().unwrap().chars().count(), MAX_CHANGE_TEXT);
        assert_eq!(v["b"][0].as_str().unwrap().chars().count(), MAX_CHANGE_TEXT);
        assert_eq!(v["c"], 1);
        let huge = Value::Object(
            (0..40).map(|i| (i.to_string(), Value::String(long.clone()))).collect::<Map<String, Value>>(),
        );
        assert_eq!(bound_changes(huge)["truncated"], true);
    }

    #[test]
    fn diff_hides_encrypted_values() {
        let d = diff(
            &json!({"given_name": "Ann", "national_id": "X1", "sex": "female"}),
            &json!({"given_name": "Anne", "national_id": "X2", "sex": "female"}),
            &["national_id"],
        );
        assert_eq!(d["given_name"], json!({"from": "Ann", "to": "Anne"}));
        assert_eq!(d["national_id"], json!({"changed": true, "encrypted": true}));
        assert!(d.get("sex").is_none());
        assert!(!d.to_string().contains("X2"));
    }
}
