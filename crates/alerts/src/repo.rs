//! Reading alerts: the lists (a user's, their facilities', a patient's), one alert with its
//! history, and the banner of open alerts addressed to a user. Writes are in [`crate::service`].

use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{AlertDetail, AlertRow, ChainStep, RecipientRow, StepRow};
use hearth_core::platform::auth::CurrentUser;
use hearth_core::web::paging::{PageRequest, Paged, TimeId};
use hearth_patients::access;

/// Rows per page of the alert lists (the API's `limit` goes up to [`PAGE_MAX`]).
pub const PAGE_SIZE: i64 = 50;
pub const PAGE_MAX: i64 = 200;

/// The list filters: which alerts (`status`) of whose (`scope`).
pub const STATUSES: [(&str, &str); 5] = [
    ("open", "Open"),
    ("escalated", "Escalated"),
    ("acknowledged", "Acknowledged"),
    ("cancelled", "Cancelled"),
    ("all", "All"),
];
pub const SCOPES: [(&str, &str); 2] = [("mine", "Addressed to me"), ("facility", "My facilities")];

/// A checked filter (every value one of the lists above; severity one of the three or empty).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: &'static str,
    pub scope: &'static str,
    pub severity: &'static str,
}

impl Filter {
    /// From the query string; anything unknown is `None` (a 400 for the caller).
    pub fn parse(status: &str, scope: &str, severity: &str) -> Option<Filter> {
        let pick = |list: &[(&'static str, &'static str)], v: &str, default: &'static str| {
            if v.is_empty() {
                Some(default)
            } else {
                list.iter().find(|(c, _)| *c == v).map(|(c, _)| *c)
            }
        };
        Some(Filter {
            status: pick(&STATUSES, status, "open")?,
            scope: pick(&SCOPES, scope, "mine")?,
            severity: pick(&crate::model::SEVERITIES, severity, "")?,
        })
    }
}

const COLS: &str = "a.id, a.patient_id, a.kind, a.severity, a.title, a.status, a.step, a.created_at, a.escalated_at,
        a.acknowledged_at, ack.display_name AS acknowledged_by, a.source_module, a.source_id";

/// The patient as `visible_sql($2..$4)` allows the reader to see them.
fn label_sql() -> String {
    format!(
        "CASE WHEN {} THEN p.family_name || ', ' || p.given_name || ' · ' || p.mrn ELSE '' END AS patient_label",
        access::visible_sql(2)
    )
}

/// Alerts of the user's facilities or addressed to them, newest first.
pub async fn list(
    pool: &PgPool,
    user: &CurrentUser,
    f: &Filter,
    req: &PageRequest<TimeId>,
) -> sqlx::Result<Paged<AlertRow>> {
    let mine = "EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.user_id = $3)";
    let scope = match f.scope {
        "mine" => mine.to_string(),
        _ => format!("(a.facility_id = ANY($1) OR {mine})"),
    };
    let status = match f.status {
        "open" => "a.status = 'open'",
        "escalated" => "a.escalated_at IS NOT NULL",
        "acknowledged" => "a.status = 'acknowledged'",
        "cancelled" => "a.status = 'cancelled'",
        _ => "true",
    };
    let after = if req.after.is_some() { "AND (a.created_at, a.id) < ($7, $8)" } else { "" };
    let sql = format!(
        "SELECT {COLS}, {label}
         FROM alerts a JOIN patients p ON p.id = a.patient_id LEFT JOIN users ack ON ack.id = a.acknowledged_by
         WHERE {scope} AND {status} AND ($5 = '' OR a.severity = $5) {after}
         ORDER BY a.created_at DESC, a.id DESC LIMIT $6",
        label = label_sql()
    );
    let (perm, uid, sid) = access::viewer(user);
    let rows: Vec<AlertRow> = sqlx::query_as(&sql)
        .bind(&user.facility_ids)
        .bind(perm)
        .bind(uid)
        .bind(sid)
        .bind(f.severity)
        .bind(req.fetch())
        .bind(req.at())
        .bind(req.id())
        .fetch_all(pool)
        .await?;
    Ok(Paged::from_rows(rows, req.limit, |r: &AlertRow| TimeId(r.created_at, r.id)))
}

/// A patient's alerts, newest first (the caller checked the patient).
pub async fn for_patient(
    pool: &PgPool,
    user: &CurrentUser,
    patient: Uuid,
    req: &PageRequest<TimeId>,
) -> sqlx::Result<Paged<AlertRow>> {
    let base = format!(
        "SELECT {COLS}, {label}
         FROM alerts a JOIN patients p ON p.id = a.patient_id LEFT JOIN users ack ON ack.id = a.acknowledged_by
         WHERE a.patient_id = $1",
        label = label_sql()
    );
    let (perm, uid, sid) = access::viewer(user);
    let rows: Vec<AlertRow> = match (req.at(), req.id()) {
        (Some(at), Some(id)) => {
            sqlx::query_as(&format!(
                "{base} AND (a.created_at, a.id) < ($6, $7) ORDER BY a.created_at DESC, a.id DESC LIMIT $5"
            ))
            .bind(patient)
            .bind(perm)
            .bind(uid)
            .bind(sid)
            .bind(req.fetch())
            .bind(at)
            .bind(id)
            .fetch_all(pool)
            .await?
        }
        _ => {
            sqlx::query_as(&format!("{base} ORDER BY a.created_at DESC, a.id DESC LIMIT $5"))
                .bind(patient)
                .bind(perm)
                .bind(uid)
                .bind(sid)
                .bind(req.fetch())
                .fetch_all(pool)
                .await?
        }
    };
    Ok(Paged::from_rows(rows, req.limit, |r: &AlertRow| TimeId(r.created_at, r.id)))
}

#[derive(FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    alert: AlertRow,
    facility_id: Uuid,
    department_id: Option<Uuid>,
    ack_note: Option<String>,
    cancelled_at: Option<OffsetDateTime>,
    cancel_reason: Option<String>,
    chain: sqlx::types::Json<Vec<ChainStep>>,
}

/// One alert with its chain, the steps that fired and who was told, if the user may reach it
/// (their facility's, or addressed to them).
pub async fn detail(pool: &PgPool, user: &CurrentUser, id: Uuid) -> sqlx::Result<Option<AlertDetail>> {
    let (perm, uid, sid) = access::viewer(user);
    let row: Option<DetailRow> = sqlx::query_as(&format!(
        "SELECT {COLS}, {label}, a.facility_id, a.department_id, a.ack_note, a.cancelled_at, a.cancel_reason, a.chain
         FROM alerts a JOIN patients p ON p.id = a.patient_id LEFT JOIN users ack ON ack.id = a.acknowledged_by
         WHERE a.id = $1 AND (a.facility_id = ANY($5)
               OR EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.user_id = $3))",
        label = label_sql()
    ))
    .bind(id)
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .bind(&user.facility_ids)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let steps: Vec<StepRow> = sqlx::query_as(
        "SELECT step, addressee, reason, started_at, notified FROM alert_steps WHERE alert_id = $1 ORDER BY step",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let recipients: Vec<RecipientRow> = sqlx::query_as(
        "SELECT r.step, r.user_id, u.display_name AS name, r.via, r.notified_at
         FROM alert_recipients r JOIN users u ON u.id = r.user_id WHERE r.alert_id = $1 ORDER BY r.step, u.display_name",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(Some(AlertDetail {
        alert: r.alert,
        facility_id: r.facility_id,
        department_id: r.department_id,
        ack_note: r.ack_note,
        cancelled_at: r.cancelled_at,
        cancel_reason: r.cancel_reason,
        chain: r.chain.0,
        steps,
        recipients,
    }))
}

/// An open alert in the banner (title and severity only: the banner names no patient).
#[derive(Debug, Clone, FromRow)]
pub struct BannerAlert {
    pub id: Uuid,
    pub severity: String,
    pub title: String,
    pub created_at: OffsetDateTime,
    pub escalated: bool,
}

impl BannerAlert {
    pub fn severity_label(&self) -> &'static str {
        crate::model::severity_label(&self.severity)
    }
    pub fn severity_badge(&self) -> &'static str {
        crate::model::severity_badge(&self.severity)
    }
}

/// The open alerts addressed to `user` (critical first, then oldest), at most `limit`, and how
/// many there are.
pub async fn banner(pool: &PgPool, user: Uuid, limit: i64) -> sqlx::Result<(Vec<BannerAlert>, i64)> {
    let rows: Vec<BannerAlert> = sqlx::query_as(
        "SELECT a.id, a.severity, a.title, a.created_at, a.escalated_at IS NOT NULL AS escalated
         FROM alerts a
         WHERE a.status = 'open' AND a.id IN (SELECT r.alert_id FROM alert_recipients r WHERE r.user_id = $1)
         ORDER BY (a.severity = 'critical') DESC, a.created_at, a.id LIMIT $2",
    )
    .bind(user)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let n: i64 = if (rows.len() as i64) < limit {
        rows.len() as i64
    } else {
        sqlx::query_scalar(
            "SELECT count(*) FROM alerts a
             WHERE a.status = 'open' AND a.id IN (SELECT r.alert_id FROM alert_recipients r WHERE r.user_id = $1)",
        )
        .bind(user)
        .fetch_one(pool)
        .await?
    };
    Ok((rows, n))
}

/// An alert in the whole-record export.
#[derive(Debug, FromRow, serde::Serialize)]
struct ExportRow {
    id: Uuid,
    kind: String,
    severity: String,
    title: String,
    status: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    acknowledged_at: Option<OffsetDateTime>,
    ack_note: Option<String>,
}

/// A patient's alerts for the whole-record export (at most 1,000, newest first).
pub async fn export(pool: &PgPool, patient: Uuid) -> sqlx::Result<serde_json::Value> {
    let rows: Vec<ExportRow> = sqlx::query_as(
        "SELECT id, kind, severity, title, status, created_at, acknowledged_at, ack_note FROM alerts
         WHERE patient_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1000",
    )
    .bind(patient)
    .fetch_all(pool)
    .await?;
    Ok(serde_json::to_value(rows).unwrap_or_default())
}
