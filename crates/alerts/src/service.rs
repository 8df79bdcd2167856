//! The alert service: raising an alert on the caller's transaction, cancelling it when its cause
//! resolves, acknowledging it, and walking its escalation chain.
//!
//! Each step of the chain resolves its addressees when it fires (the person the raising module
//! named, the attending clinicians from the registry's care providers, the nurses assigned for the
//! shift, whoever is on call for a duty), records them, tells them through `platform::notify`
//! (critical alerts as urgent) and pushes their banner over the live events. The next step is a
//! job with the unique key `alerts:<alert>:<step>`, due when the step's minutes run out or, when
//! every addressee of the step works a shift, when the last of those shifts ends. A step moves
//! the alert with a guarded `UPDATE … WHERE step = <previous> AND status = 'open'` and inserts its
//! `alert_steps (alert, step)` row (primary key): a job run twice, after a restart or by two
//! workers, fires its step once; a step due while no worker ran fires when one does.

use serde_json::json;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{Addressee, ChainStep, NewAlert};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::CurrentUser;
use hearth_core::platform::events;
use hearth_core::platform::jobs::{self, Opts};
use hearth_core::platform::notify::{self, Notice, NotificationKind};
use hearth_core::registry::Registry;

/// The notification kind of alerts (users choose its channels; the banner shows regardless).
pub const NOTICE: NotificationKind =
    NotificationKind { code: "alerts.alert", label: "Clinical alerts addressed to me", email_by_default: false };

/// The live event that refreshes a user's alerts banner; its data is their open-alert count.
pub const EVENT: &str = "alerts";

/// The job that moves an alert to its next step (payload `{alert, step}`).
pub const ESCALATE_JOB: &str = "alerts.escalate";

/// The job that escalates alerts whose addressees have all gone off shift (after a shift was
/// ended early; scheduled too, as a safety net).
pub const OFF_SHIFT_JOB: &str = "alerts.off_shift";

/// The unique key of the job that brings `alert` to `step`.
pub fn step_key(alert: Uuid, step: i32) -> String {
    format!("alerts:{alert}:{step}")
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct Alert {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub facility_id: Uuid,
    pub department_id: Option<Uuid>,
    pub severity: String,
    pub title: String,
    pub given_user_id: Option<Uuid>,
    pub chain: Json<Vec<ChainStep>>,
}

const ALERT_COLS: &str = "id, patient_id, facility_id, department_id, severity, title, given_user_id, chain";

/// Somebody a step addresses.
#[derive(Debug, Clone)]
struct Found {
    user: Uuid,
    via: String,
    on_call: Option<Uuid>,
    assignment: Option<Uuid>,
    /// When the shift that makes them the addressee ends (None: not a shift).
    ends_at: Option<OffsetDateTime>,
}

/// The chain an alert of `kind` starts with now: the administrators' (if they set one), else
/// the kind's declared default, else the named person with 30 minutes.
pub async fn chain_for(conn: &mut PgConnection, registry: &Registry, kind: &str) -> sqlx::Result<Vec<ChainStep>> {
    let set: Vec<(String, i32)> =
        sqlx::query_as("SELECT addressee, minutes FROM alert_chain_steps WHERE kind = $1 ORDER BY position")
            .bind(kind)
            .fetch_all(&mut *conn)
            .await?;
    if !set.is_empty() {
        return Ok(set.into_iter().map(|(to, minutes)| ChainStep { to, minutes }).collect());
    }
    Ok(default_chain(registry, kind))
}

/// The declared default chain of a kind.
pub fn default_chain(registry: &Registry, kind: &str) -> Vec<ChainStep> {
    let declared: Vec<ChainStep> = registry
        .alert_kind(kind)
        .map(|k| {
            k.default_chain
                .iter()
                .take(6)
                .map(|s| ChainStep { to: Addressee::from(s.to).code(), minutes: s.minutes.clamp(1, 1440) as i32 })
                .collect()
        })
        .unwrap_or_default();
    if declared.is_empty() {
        vec![ChainStep { to: Addressee::Given.code(), minutes: 30 }]
    } else {
        declared
    }
}

/// Raises an alert on the caller's transaction and fires its first step (the addressees are
/// told when the transaction commits). The same cause (source module, row and kind) raised
/// again while its alert is open returns that alert. Returns the alert's id.
pub async fn raise(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    a: &NewAlert<'_>,
) -> AppResult<Uuid> {
    if registry.alert_kind(a.kind).is_none() {
        return Err(AppError::Internal(anyhow::anyhow!("alert kind {:?} is not declared by any module", a.kind)));
    }
    let title = a.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::Internal(anyhow::anyhow!("an alert title must have 1 to 200 characters")));
    }
    let facility = match a.facility {
        Some(f) => f,
        None => sqlx::query_scalar("SELECT facility_id FROM patients WHERE id = $1")
            .bind(a.patient)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let chain = chain_for(conn, registry, a.kind).await?;
    let inserted: Option<Alert> = sqlx::query_as(&format!(
        "INSERT INTO alerts (id, patient_id, facility_id, department_id, kind, severity, title, source_module, source_id,
                             given_user_id, chain, raised_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (source_module, source_id, kind) WHERE status = 'open' DO NOTHING
         RETURNING {ALERT_COLS}"
    ))
    .bind(Uuid::new_v4())
    .bind(a.patient)
    .bind(facility)
    .bind(a.department)
    .bind(a.kind)
    .bind(a.severity.code())
    .bind(title)
    .bind(a.source_module)
    .bind(a.source_id)
    .bind(a.to)
    .bind(Json(&chain))
    .bind(meta.actor_user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(alert) = inserted else {
        let id: Uuid = sqlx::query_scalar(
            "SELECT id FROM alerts WHERE source_module = $1 AND source_id = $2 AND kind = $3 AND status = 'open'",
        )
        .bind(a.source_module)
        .bind(a.source_id)
        .bind(a.kind)
        .fetch_one(&mut *conn)
        .await?;
        return Ok(id);
    };
    audit::record(
        conn,
        meta,
        Event::new("alerts.alert.raise", "alert", alert.id).patient(a.patient).changes(json!({
            "kind": a.kind, "severity": a.severity.code(), "title": title, "source_module": a.source_module,
            "source_id": a.source_id, "to": a.to, "facility_id": facility, "department_id": a.department,
            "chain": chain,
        })),
    )
    .await?;
    start_step(conn, registry, &alert, 0, "raised").await?;
    Ok(alert.id)
}

/// Cancels the open alerts of a cause that resolved (a repeat value came back normal, the bed
/// hold was kept…), on the caller's transaction; their escalation stops. Returns how many.
pub async fn cancel(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    source_module: &str,
    source_id: Uuid,
    reason: &str,
) -> AppResult<u64> {
    let reason: String = reason.trim().chars().take(300).collect();
    let reason = if reason.is_empty() { "The cause resolved.".to_string() } else { reason };
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE alerts SET status = 'cancelled', cancelled_at = now(), cancel_reason = $3
         WHERE source_module = $1 AND source_id = $2 AND status = 'open' RETURNING id, patient_id",
    )
    .bind(source_module)
    .bind(source_id)
    .bind(&reason)
    .fetch_all(&mut *conn)
    .await?;
    for (id, patient) in &rows {
        audit::record(
            conn,
            meta,
            Event::new("alerts.alert.cancel", "alert", id).patient(*patient).changes(json!({"reason": reason})),
        )
        .await?;
        refresh_recipients(conn, *id).await?;
    }
    Ok(rows.len() as u64)
}

/// What acknowledging returned.
pub struct Acknowledged {
    pub patient_id: Uuid,
}

/// Whether `user` may act on the alert: it is in one of their facilities, or they were told.
/// `None` when there is no such alert.
pub async fn reachable(conn: &mut PgConnection, user: &CurrentUser, id: Uuid) -> sqlx::Result<Option<(bool, String)>> {
    sqlx::query_as(
        "SELECT a.facility_id = ANY($2)
                OR EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.user_id = $3),
                a.severity
         FROM alerts a WHERE a.id = $1",
    )
    .bind(id)
    .bind(&user.facility_ids)
    .bind(user.id)
    .fetch_optional(conn)
    .await
}

/// Acknowledges an open alert with the read-back note: escalation stops, every addressee's
/// banner clears. The transition is guarded in the UPDATE, so of two acknowledgements at once
/// one wins and the other answers 409.
pub async fn acknowledge(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    user: &CurrentUser,
    id: Uuid,
    note: &str,
) -> AppResult<Acknowledged> {
    let row: Option<(Uuid, i32, i64)> = sqlx::query_as(
        "UPDATE alerts SET status = 'acknowledged', acknowledged_by = $2, acknowledged_at = now(), ack_note = $3
         WHERE id = $1 AND status = 'open'
         RETURNING patient_id, step, extract(epoch FROM now() - created_at)::bigint",
    )
    .bind(id)
    .bind(user.id)
    .bind(note)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient_id, step, seconds)) = row else {
        let status: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT status, cancel_reason FROM alerts WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        return Err(match status {
            None => AppError::NotFound,
            Some((s, _)) if s == "acknowledged" => AppError::Conflict("This alert is already acknowledged.".into()),
            Some((_, reason)) => AppError::Conflict(format!(
                "This alert was cancelled: {}",
                reason.unwrap_or_else(|| "its cause resolved.".into())
            )),
        });
    };
    audit::record(
        conn,
        meta,
        Event::new("alerts.alert.acknowledge", "alert", id)
            .patient(patient_id)
            .changes(json!({"step": step, "seconds_to_acknowledge": seconds, "note": note})),
    )
    .await?;
    refresh_recipients(conn, id).await?;
    Ok(Acknowledged { patient_id })
}

/// Moves an open alert from step `from` to the next and fires that step. `false` when the
/// alert is no longer at `from` (another run moved it, it was acknowledged or cancelled, or
/// `from` is the last step): nothing happens.
pub(crate) async fn advance(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    id: Uuid,
    from: i32,
    reason: &'static str,
) -> sqlx::Result<bool> {
    let alert: Option<Alert> = sqlx::query_as(&format!(
        "UPDATE alerts SET step = step + 1, step_at = now(), escalated_at = coalesce(escalated_at, now())
         WHERE id = $1 AND status = 'open' AND step = $2 AND step + 1 < jsonb_array_length(chain)
         RETURNING {ALERT_COLS}"
    ))
    .bind(id)
    .bind(from)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(alert) = alert else { return Ok(false) };
    audit::record(
        conn,
        meta,
        Event::new("alerts.alert.escalate", "alert", id)
            .patient(alert.patient_id)
            .changes(json!({"from_step": from, "to_step": from + 1, "reason": reason})),
    )
    .await?;
    start_step(conn, registry, &alert, from.max(0) as usize + 1, reason).await?;
    Ok(true)
}

/// Fires step `k` of an alert already at that step: resolves and tells its addressees and
/// queues the next step. A step with nobody to address passes at once to the next; when no step
/// found anybody, the facility's alert managers are told.
async fn start_step(
    conn: &mut PgConnection,
    registry: &Registry,
    alert: &Alert,
    mut k: usize,
    mut reason: &'static str,
) -> sqlx::Result<()> {
    let chain = &alert.chain.0;
    let anyone_before: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM alert_recipients WHERE alert_id = $1)")
        .bind(alert.id)
        .fetch_one(&mut *conn)
        .await?;
    loop {
        let step = &chain[k];
        let to = Addressee::parse(&step.to).unwrap_or(Addressee::Given);
        let mut found = resolve(conn, registry, alert, &to).await?;
        if k == 0 {
            if let Some(u) = alert.given_user_id.filter(|u| !found.iter().any(|f| f.user == *u)) {
                found.extend(active(conn, &[u]).await?.into_iter().map(|user| Found {
                    user,
                    via: "given".into(),
                    on_call: None,
                    assignment: None,
                    ends_at: None,
                }));
            }
        }
        let last = k + 1 >= chain.len();
        if found.is_empty() && last && !anyone_before {
            found = managers(conn, alert.facility_id).await?;
        }
        sqlx::query(
            "INSERT INTO alert_steps (alert_id, step, addressee, reason, notified) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(alert.id)
        .bind(k as i32)
        .bind(&step.to)
        .bind(reason)
        .bind(found.len() as i32)
        .execute(&mut *conn)
        .await?;
        if found.is_empty() && !last {
            sqlx::query(
                "UPDATE alerts SET step = $2 + 1, step_at = now(), escalated_at = coalesce(escalated_at, now())
                 WHERE id = $1 AND step = $2",
            )
            .bind(alert.id)
            .bind(k as i32)
            .execute(&mut *conn)
            .await?;
            k += 1;
            reason = "nobody";
            continue;
        }
        let critical = alert.severity == "critical";
        let title = match (k, critical) {
            (0, true) => format!("Critical: {}", alert.title),
            (0, false) => alert.title.clone(),
            (_, true) => format!("Escalated, critical: {}", alert.title),
            (_, false) => format!("Escalated: {}", alert.title),
        };
        let body = "A clinical alert needs your acknowledgement in Hearth.";
        for f in &found {
            sqlx::query(
                "INSERT INTO alert_recipients (alert_id, step, user_id, via, on_call_id, assignment_id)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(alert.id)
            .bind(k as i32)
            .bind(f.user)
            .bind(&f.via)
            .bind(f.on_call)
            .bind(f.assignment)
            .execute(&mut *conn)
            .await?;
            let notice = Notice {
                kind: &NOTICE,
                title: &title,
                body,
                link: Some(format!("/alerts/{}", alert.id)),
                urgent: critical,
            };
            notify::notify_user(conn, f.user, &notice).await?;
            raise_count(conn, f.user).await?;
        }
        if !last && !found.is_empty() {
            let due = OffsetDateTime::now_utc() + time::Duration::minutes(step.minutes.max(1) as i64);
            let shift_end = if found.iter().all(|f| f.ends_at.is_some()) {
                found.iter().filter_map(|f| f.ends_at).max()
            } else {
                None
            };
            let run_at = shift_end.filter(|e| *e < due).unwrap_or(due);
            jobs::enqueue(
                conn,
                ESCALATE_JOB,
                json!({"alert": alert.id, "step": k + 1}),
                Opts::key(step_key(alert.id, k as i32 + 1)).at(run_at).attempts(20),
            )
            .await?;
        }
        return Ok(());
    }
}

/// The step's addressees, now.
async fn resolve(
    conn: &mut PgConnection,
    registry: &Registry,
    alert: &Alert,
    to: &Addressee,
) -> sqlx::Result<Vec<Found>> {
    let plain = |via: &str, users: Vec<Uuid>| {
        users
            .into_iter()
            .map(|user| Found { user, via: via.to_string(), on_call: None, assignment: None, ends_at: None })
            .collect::<Vec<_>>()
    };
    Ok(match to {
        Addressee::Given => match alert.given_user_id {
            Some(u) => plain("given", active(conn, &[u]).await?),
            None => Vec::new(),
        },
        Addressee::Attending => {
            let ids: Vec<Uuid> = registry
                .care_providers(conn, alert.patient_id)
                .await?
                .into_iter()
                .filter(|c| c.role == "attending")
                .map(|c| c.user_id)
                .collect();
            plain("attending", active(conn, &ids).await?)
        }
        Addressee::AssignedNurse => {
            let rows: Vec<(Uuid, Uuid, OffsetDateTime)> = sqlx::query_as(
                "SELECT DISTINCT ON (n.nurse_id) n.id, n.nurse_id, n.ends_at
                 FROM alert_nurse_assignments n JOIN users u ON u.id = n.nurse_id AND u.active
                 WHERE n.patient_id = $1 AND n.starts_at <= now() AND n.ends_at > now()
                 ORDER BY n.nurse_id, n.ends_at DESC",
            )
            .bind(alert.patient_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.into_iter()
                .map(|(id, user, ends)| Found {
                    user,
                    via: "assigned_nurse".into(),
                    on_call: None,
                    assignment: Some(id),
                    ends_at: Some(ends),
                })
                .collect()
        }
        Addressee::OnCall(duty) => {
            let row: Option<(Uuid, Uuid, OffsetDateTime)> = sqlx::query_as(
                "SELECT o.id, o.user_id, o.ends_at
                 FROM alert_on_call o JOIN users u ON u.id = o.user_id AND u.active
                 WHERE o.facility_id = $1 AND o.duty = $2 AND o.starts_at <= now() AND o.ends_at > now()
                   AND (o.department_id = $3 OR o.department_id IS NULL)
                 ORDER BY (o.department_id IS NULL), o.starts_at LIMIT 1",
            )
            .bind(alert.facility_id)
            .bind(duty)
            .bind(alert.department_id)
            .fetch_optional(&mut *conn)
            .await?;
            row.into_iter()
                .map(|(id, user, ends)| Found {
                    user,
                    via: format!("on_call:{duty}"),
                    on_call: Some(id),
                    assignment: None,
                    ends_at: Some(ends),
                })
                .collect()
        }
    })
}

/// The active users among `ids`, in that order.
async fn active(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ok: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE id = ANY($1) AND active")
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    Ok(ids.iter().copied().filter(|i| ok.contains(i)).collect())
}

/// The facility's alert managers: the last resort when no step of a chain found anybody.
async fn managers(conn: &mut PgConnection, facility: Uuid) -> sqlx::Result<Vec<Found>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT u.id FROM users u
         JOIN user_roles ur ON ur.user_id = u.id
         JOIN role_permissions rp ON rp.role_code = ur.role_code AND rp.permission_code = $2
         JOIN user_facilities uf ON uf.user_id = u.id AND uf.facility_id = $1
         WHERE u.active ORDER BY u.id LIMIT 20",
    )
    .bind(facility)
    .bind(crate::perms::MANAGE.code())
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids
        .into_iter()
        .map(|user| Found { user, via: "fallback".into(), on_call: None, assignment: None, ends_at: None })
        .collect())
}

/// Pushes `user`'s open-alert count to their pages (the banner re-fetches itself).
async fn raise_count(conn: &mut PgConnection, user: Uuid) -> sqlx::Result<()> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT a.id) FROM alert_recipients r JOIN alerts a ON a.id = r.alert_id
         WHERE r.user_id = $1 AND a.status = 'open'",
    )
    .bind(user)
    .fetch_one(&mut *conn)
    .await?;
    events::raise(conn, Some(user), EVENT, &n.to_string()).await?;
    Ok(())
}

/// Refreshes the banner of everyone an alert was addressed to.
async fn refresh_recipients(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    let users: Vec<Uuid> =
        sqlx::query_scalar("SELECT DISTINCT user_id FROM alert_recipients WHERE alert_id = $1 ORDER BY user_id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    for u in users {
        raise_count(conn, u).await?;
    }
    Ok(())
}

/// When the addressees of an alert's `step` go off shift: the end of the last of their shifts
/// when every one of them is there by a shift (on call, assigned), else `None`. A shift removed
/// since counts as over.
pub(crate) async fn shift_end(conn: &mut PgConnection, id: Uuid, step: i32) -> sqlx::Result<Option<OffsetDateTime>> {
    let (all_shifts, latest): (Option<bool>, Option<OffsetDateTime>) = sqlx::query_as(
        "SELECT bool_and(r.via LIKE 'on_call:%' OR r.via = 'assigned_nurse'),
                coalesce(max(coalesce(o.ends_at, n.ends_at)), now())
         FROM alert_recipients r
         LEFT JOIN alert_on_call o ON o.id = r.on_call_id
         LEFT JOIN alert_nurse_assignments n ON n.id = r.assignment_id
         WHERE r.alert_id = $1 AND r.step = $2",
    )
    .bind(id)
    .bind(step)
    .fetch_one(conn)
    .await?;
    Ok(if all_shifts == Some(true) { latest } else { None })
}
