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

/// Writes one event on the caller's connection, so it commits or rolls back with the change.
pub async fn record(conn: &mut PgConnection, meta: &AuditMeta, ev: Event<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (actor_user_id, actor_label, action, entity_type, entity_id, patient_id, changes, ip, user_agent, session_id, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(meta.actor_user_id)
    .bind(&meta.actor_label)
    .bind(ev.action)
    .bind(ev.entity_type)
    .bind(ev.entity_id)
    .bind(ev.patient_id)
    .bind(ev.changes)
    .bind(meta.ip)
    .bind(meta.user_agent.as_deref().map(|s| truncate(s, 400)))
    .bind(meta.session_id)
    .bind(&meta.request_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records an event in its own transaction (reads, sign-in events).
pub async fn record_now(pool: &PgPool, meta: &AuditMeta, ev: Event<'_>) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    record(&mut conn, meta, ev).await
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
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
        return Ok(Some(0));
    }
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT e.id, audit_content(e) FROM audit_events e WHERE e.id = ANY($1) ORDER BY e.id")
            .bind(&queued)
            .fetch_all(&mut *tx)
            .await?;
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
    // Queue entries whose event is gone (removed before sealing) leave the queue too; verify
    // cannot see such an event, as with any event removed before it was sealed.
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

/// Seals what is queued, then walks the whole chain in seal order and recomputes every hash;
/// finally checks that no event escaped sealing.
pub async fn verify(pool: &PgPool) -> sqlx::Result<VerifyReport> {
    use futures_util::TryStreamExt;
    seal_all(pool).await?;
    let mut rows = sqlx::query(
        "SELECT s.event_id, s.prev_hash, s.hash, CASE WHEN e.id IS NULL THEN NULL ELSE audit_content(e) END AS content
         FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id ORDER BY s.seq",
    )
    .fetch(pool);
    let mut last: Vec<u8> = Vec::new();
    let mut checked = 0u64;
    let broken = |checked, id, why: &str| Ok(VerifyReport { checked, first_broken: Some((id, why.to_string())) });
    while let Some(row) = rows.try_next().await? {
        let id: i64 = row.get("event_id");
        let prev: Vec<u8> = row.get("prev_hash");
        let hash: Vec<u8> = row.get("hash");
        if prev != last {
            return broken(
                checked,
                id,
                "its link to the previous event is broken (an event and its seal were removed, or reordered)",
            );
        }
        let Some(content) = row.get::<Option<String>, _>("content") else {
            return broken(checked, id, "the event was removed (its seal remains)");
        };
        if hash != chain_hash(&prev, &content) {
            return broken(checked, id, "its content does not match its hash (the event was altered)");
        }
        last = hash;
        checked += 1;
    }
    drop(rows);
    let unsealed: Option<i64> = sqlx::query_scalar(
        "SELECT min(e.id) FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)",
    )
    .fetch_one(pool)
    .await?;
    if let Some(id) = unsealed {
        return broken(checked, id, "the event was never sealed (written around the audit queue)");
    }
    Ok(VerifyReport { checked, first_broken: None })
}

#[cfg(test)]
mod tests {
    use super::*;

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
