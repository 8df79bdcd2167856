//! Escalation chains per alert kind: the modules declare each kind with a default chain
//! (`Module::alert_kinds`); administrators may set another one. An alert keeps the chain it was
//! raised with.

use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::model::{Addressee, ChainStep};
use crate::service::default_chain;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::registry::Registry;
use hearth_core::web::FieldErrors;

/// At most this many steps.
pub const MAX_STEPS: usize = 6;

/// An alert kind with its chain as it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KindChain {
    pub kind: String,
    pub label: String,
    /// The module declaring the kind.
    pub module: String,
    pub chain: Vec<ChainStep>,
    /// false: the declared default chain; true: administrators set this one.
    pub customised: bool,
    pub default_chain: Vec<ChainStep>,
}

/// Every declared kind with its chain.
pub async fn all(pool: &PgPool, registry: &Registry) -> sqlx::Result<Vec<KindChain>> {
    let set: Vec<(String, String, i32)> =
        sqlx::query_as("SELECT kind, addressee, minutes FROM alert_chain_steps ORDER BY kind, position")
            .fetch_all(pool)
            .await?;
    let mut out = Vec::new();
    for m in registry.modules() {
        for k in m.alert_kinds {
            let custom: Vec<ChainStep> = set
                .iter()
                .filter(|(kind, _, _)| kind == k.kind)
                .map(|(_, to, minutes)| ChainStep { to: to.clone(), minutes: *minutes })
                .collect();
            let default = default_chain(registry, k.kind);
            out.push(KindChain {
                kind: k.kind.to_string(),
                label: k.label.to_string(),
                module: m.name.to_string(),
                customised: !custom.is_empty(),
                chain: if custom.is_empty() { default.clone() } else { custom },
                default_chain: default,
            });
        }
    }
    Ok(out)
}

/// One declared kind with its chain, `None` when no module declares it.
pub async fn one(pool: &PgPool, registry: &Registry, kind: &str) -> sqlx::Result<Option<KindChain>> {
    Ok(all(pool, registry).await?.into_iter().find(|k| k.kind == kind))
}

/// Checks a chain: 1 to 6 steps, each a known addressee with 1 to 1,440 minutes. Errors name
/// `to` and `minutes` (the step's number in the message).
pub fn validate(steps: &[(String, String)]) -> Result<Vec<ChainStep>, FieldErrors> {
    let mut e = FieldErrors::default();
    let mut out = Vec::new();
    for (i, (to, minutes)) in steps.iter().enumerate() {
        let (to, minutes) = (to.trim(), minutes.trim());
        if to.is_empty() && minutes.is_empty() {
            continue;
        }
        let n = i + 1;
        if Addressee::parse(to).is_none() {
            e.add("to", format!("Step {n}: choose whom to tell."));
        }
        match minutes.parse::<i32>() {
            Ok(m) if (1..=1440).contains(&m) => out.push(ChainStep { to: to.to_string(), minutes: m }),
            _ => e.add("minutes", format!("Step {n}: give the minutes to acknowledge, 1 to 1,440.")),
        }
    }
    if out.is_empty() && e.is_empty() {
        e.add("to", "A chain has at least one step.");
    }
    if out.len() > MAX_STEPS {
        e.add("to", format!("A chain has at most {MAX_STEPS} steps."));
    }
    if e.is_empty() {
        Ok(out)
    } else {
        Err(e)
    }
}

/// Sets a kind's chain (alerts raised from now on use it).
pub async fn set(conn: &mut PgConnection, meta: &AuditMeta, kind: &str, chain: &[ChainStep]) -> AppResult<()> {
    let before: Vec<(String, i32)> =
        sqlx::query_as("SELECT addressee, minutes FROM alert_chain_steps WHERE kind = $1 ORDER BY position FOR UPDATE")
            .bind(kind)
            .fetch_all(&mut *conn)
            .await?;
    sqlx::query("DELETE FROM alert_chain_steps WHERE kind = $1").bind(kind).execute(&mut *conn).await?;
    for (i, s) in chain.iter().enumerate() {
        sqlx::query(
            "INSERT INTO alert_chain_steps (kind, position, addressee, minutes, updated_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(kind)
        .bind(i as i32)
        .bind(&s.to)
        .bind(s.minutes)
        .bind(meta.actor_user_id)
        .execute(&mut *conn)
        .await?;
    }
    let before: Vec<ChainStep> = before.into_iter().map(|(to, minutes)| ChainStep { to, minutes }).collect();
    audit::record(
        conn,
        meta,
        Event::new("alerts.chain.update", "alert_kind", kind).changes(json!({"from": before, "to": chain})),
    )
    .await?;
    Ok(())
}

/// Goes back to the declared default chain.
pub async fn reset(conn: &mut PgConnection, meta: &AuditMeta, kind: &str) -> AppResult<()> {
    let n = sqlx::query("DELETE FROM alert_chain_steps WHERE kind = $1").bind(kind).execute(&mut *conn).await?;
    if n.rows_affected() > 0 {
        audit::record(conn, meta, Event::new("alerts.chain.reset", "alert_kind", kind)).await?;
    }
    Ok(())
}
