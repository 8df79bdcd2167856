//! The append-only, hash-chained audit log. Rows are chained by a trigger in the database
//! (migration 0003), so every writer is covered; `verify` recomputes the chain.

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
        "INSERT INTO audit_events (actor_user_id, actor_label, action, entity_type, entity_id, patient_id, changes, ip, user_agent, session_id, request_id, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '\\x', '\\x')",
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

/// Walks the whole chain in id order and recomputes every hash.
pub async fn verify(pool: &PgPool) -> sqlx::Result<VerifyReport> {
    use futures_util::TryStreamExt;
    let mut rows =
        sqlx::query("SELECT id, prev_hash, hash, audit_event_digest(a) AS recomputed FROM audit_events a ORDER BY id")
            .fetch(pool);
    let mut last: Vec<u8> = Vec::new();
    let mut checked = 0u64;
    while let Some(row) = rows.try_next().await? {
        let id: i64 = row.get("id");
        let prev: Vec<u8> = row.get("prev_hash");
        let hash: Vec<u8> = row.get("hash");
        let recomputed: Vec<u8> = row.get("recomputed");
        if prev != last {
            return Ok(VerifyReport {
                checked,
                first_broken: Some((
                    id,
                    "its link to the previous event is broken (an event was removed or reordered)".into(),
                )),
            });
        }
        if hash != recomputed {
            return Ok(VerifyReport {
                checked,
                first_broken: Some((id, "its content does not match its hash (the event was altered)".into())),
            });
        }
        last = hash;
        checked += 1;
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
