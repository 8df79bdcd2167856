//! Security events: lockouts, failed sign-ins and codes, rate limits, admin sign-ins from new
//! addresses, MFA resets. A view over the audit log for the people who watch the front door.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use sqlx::FromRow;
use time::OffsetDateTime;

use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::paging::{PageParams, PageRequest, Paged, Pager};
use hearth_core::web::{self, Page};

pub const ACTIONS: &[&str] = &[
    "auth.lockout",
    "auth.login_failed",
    "auth.login_locked",
    "auth.mfa_failed",
    "security.rate_limited",
    "security.new_ip",
    "mfa.reset",
    "session.admin_revoke",
    "patient.break_glass",
];

#[derive(FromRow)]
pub struct EventRow {
    pub id: i64,
    pub occurred_at: OffsetDateTime,
    pub actor_label: String,
    pub action: String,
    pub ip: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/security.html")]
struct EventsPage {
    page: Page,
    counts: Vec<(String, i64)>,
    rows: Vec<EventRow>,
    pager: Pager,
}

/// Security events per page.
const EVENTS_PAGE: i64 = 100;

/// Sign-ins, lockouts, MFA and role changes, newest first (keyset: the audit event id).
pub async fn events(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<PageParams>,
) -> AppResult<Response> {
    auth.require(crate::perms::SECURITY_READ)?;
    let req: PageRequest<i64> = PageRequest::parse(q.after.as_deref(), None, EVENTS_PAGE, EVENTS_PAGE)?;
    let actions: Vec<String> = ACTIONS.iter().map(|s| s.to_string()).collect();
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT action, count(*) FROM audit_events WHERE action = ANY($1) AND occurred_at > now() - interval '24 hours'
         GROUP BY action ORDER BY count(*) DESC",
    )
    .bind(&actions)
    .fetch_all(&state.pool)
    .await?;
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, occurred_at, actor_label, action, host(ip) AS ip FROM audit_events
         WHERE action = ANY($1) AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT $2",
    )
    .bind(&actions)
    .bind(req.fetch())
    .bind(req.after)
    .fetch_all(&state.pool)
    .await?;
    let rows = Paged::from_rows(rows, req.limit, |r| r.id);
    let pager = Pager::new("/admin/security", &[], &rows, req.is_later()).labels("Older events", "Newest events");
    let title = page.t("admin-security-heading");
    web::render(&EventsPage {
        page: page.titled(title.clone()).crumb(title, "/admin/security"),
        counts,
        rows: rows.items,
        pager,
    })
}

#[derive(FromRow)]
pub struct GlassRow {
    pub id: uuid::Uuid,
    pub created_at: OffsetDateTime,
    pub user_name: String,
    pub patient_id: uuid::Uuid,
    pub mrn: String,
    pub reason_code: String,
    pub reason: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<OffsetDateTime>,
    pub review_note: Option<String>,
}

impl GlassRow {
    pub fn kind(&self) -> &'static str {
        hearth_patients::access::REASONS
            .iter()
            .find(|(c, _)| *c == self.reason_code)
            .map(|(_, l)| *l)
            .unwrap_or("Other")
    }

    /// The message key of the reason's kind (`admin-glass-reason-<code>`).
    pub fn kind_key(&self) -> String {
        format!("admin-glass-reason-{}", self.reason_code)
    }
}

#[derive(Template)]
#[template(path = "admin/break_glass.html")]
struct GlassPage {
    page: Page,
    rows: Vec<GlassRow>,
    all: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct GlassQuery {
    #[serde(default)]
    all: Option<String>,
}

/// Every use of emergency access, for the privacy review (unreviewed first by default).
pub async fn break_glass_report(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    axum::extract::Query(q): axum::extract::Query<GlassQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::SECURITY_READ)?;
    let all = q.all.is_some();
    let rows = sqlx::query_as(
        "SELECT g.id, g.created_at, u.display_name AS user_name, g.patient_id, p.mrn, g.reason_code, g.reason,
                r.display_name AS reviewed_by, g.reviewed_at, g.review_note
         FROM patient_break_glass g JOIN users u ON u.id = g.user_id JOIN patients p ON p.id = g.patient_id
         LEFT JOIN users r ON r.id = g.reviewed_by
         WHERE $1 OR g.reviewed_at IS NULL
         ORDER BY g.created_at DESC LIMIT 500",
    )
    .bind(all)
    .fetch_all(&state.pool)
    .await?;
    let (title, crumb) = (page.t("admin-glass-heading"), page.t("admin-glass-crumb"));
    web::render(&GlassPage { page: page.titled(title).crumb(crumb, "/admin/break-glass"), rows, all })
}

#[derive(serde::Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    note: String,
}

pub async fn review_break_glass(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    hearth_core::web::Path(id): hearth_core::web::Path<uuid::Uuid>,
    axum::Form(f): axum::Form<ReviewForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::SECURITY_READ)?;
    let note = f.note.trim();
    if note.chars().count() > 1000 {
        return Err(hearth_core::error::AppError::Unprocessable(
            "The review note is limited to 1000 characters.".into(),
        ));
    }
    let mut tx = state.pool.begin().await?;
    let patient: Option<uuid::Uuid> = sqlx::query_scalar(
        "UPDATE patient_break_glass SET reviewed_by = $2, reviewed_at = now(), review_note = $3
         WHERE id = $1 AND reviewed_at IS NULL RETURNING patient_id",
    )
    .bind(id)
    .bind(auth.id)
    .bind(note)
    .fetch_optional(&mut *tx)
    .await?;
    let patient = patient.ok_or(hearth_core::error::AppError::NotFound)?;
    hearth_core::platform::audit::record(
        &mut tx,
        &auth.meta,
        hearth_core::platform::audit::Event::new("break_glass.review", "break_glass", id)
            .patient(patient)
            .changes(serde_json::json!({"note": note})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/admin/break-glass", "ok", &page.t("admin-glass-reviewed-flash")))
}
