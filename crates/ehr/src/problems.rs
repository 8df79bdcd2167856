//! The problem list, coded with billable ICD-10-CM codes.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{audit_view, clinical_date, date_str, icd, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};
use hearth_patients::context::PatientCtx;

pub const STATUSES: [&str; 3] = ["active", "resolved", "entered_in_error"];

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewProblem {
    /// A billable ICD-10-CM code, with or without the dot (E11.9 or E119).
    #[serde(default)]
    pub icd_code: String,
    /// YYYY-MM-DD; not in the future, not before birth.
    #[serde(default)]
    pub onset_date: String,
    /// active (default) or resolved.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub comment: String,
}

pub struct ValidProblem {
    code: icd::IcdCode,
    onset_date: Option<Date>,
    status: String,
    comment: String,
    /// The validating user's date (a problem created resolved is resolved on it).
    today: Date,
}

impl NewProblem {
    pub async fn validate(
        &self,
        pool: &PgPool,
        birth: Option<Date>,
        today: Date,
    ) -> sqlx::Result<Result<ValidProblem, FieldErrors>> {
        let mut e = FieldErrors::default();
        let code = match icd::validate_for_problem(pool, &self.icd_code).await? {
            Ok(c) => Some(c),
            Err(m) => {
                e.add("icd_code", m);
                None
            }
        };
        let onset_date = clinical_date(&mut e, "onset_date", &self.onset_date, birth, today, "onset date");
        let status = if self.status.trim().is_empty() { "active" } else { self.status.trim() };
        if !["active", "resolved"].contains(&status) {
            e.add("status", "A new problem is active or resolved.");
        }
        let comment = self.comment.trim().to_string();
        if comment.chars().count() > 500 {
            e.add("comment", "At most 500 characters.");
        }
        match code {
            Some(code) if e.is_empty() => {
                Ok(Ok(ValidProblem { code, onset_date, status: status.to_string(), comment, today }))
            }
            _ => Ok(Err(e)),
        }
    }
}

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub icd_code: String,
    pub description: String,
    pub status: String,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "date_str::serialize", deserialize_with = "date_str::deserialize")]
    pub onset_date: Option<Date>,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "date_str::serialize", deserialize_with = "date_str::deserialize")]
    pub resolved_date: Option<Date>,
    pub comment: String,
    pub recorded_by: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Problem {
    pub fn onset(&self) -> String {
        self.onset_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
    pub fn resolved(&self) -> String {
        self.resolved_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
    pub fn status_label(&self) -> String {
        super::encounters::label(&self.status)
    }
}

/// The problem list query: `$1` the patient, `$2` active only.
pub(crate) const LIST_SQL: &str =
    "SELECT p.id, p.patient_id, p.icd_code, p.description, p.status, p.onset_date, p.resolved_date, p.comment,
            u.display_name AS recorded_by, p.created_at
     FROM problems p LEFT JOIN users u ON u.id = p.recorded_by
     WHERE p.patient_id = $1 AND ($2 = false OR p.status = 'active')
     ORDER BY array_position(ARRAY['active','resolved','entered_in_error'], p.status), p.onset_date DESC NULLS LAST, p.created_at DESC
     LIMIT 500";

pub async fn list(pool: &PgPool, patient: Uuid, active_only: bool) -> sqlx::Result<Vec<Problem>> {
    sqlx::query_as(LIST_SQL).bind(patient).bind(active_only).fetch_all(pool).await
}

pub async fn insert(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, v: &ValidProblem) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    let resolved = (v.status == "resolved").then_some(v.today);
    sqlx::query(
        "INSERT INTO problems (id, patient_id, icd_code, description, status, onset_date, resolved_date, comment, recorded_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
    )
    .bind(id)
    .bind(patient)
    .bind(&v.code.code)
    .bind(&v.code.description)
    .bind(&v.status)
    .bind(v.onset_date)
    .bind(resolved)
    .bind(&v.comment)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    let changes = json!({"icd_code": v.code.code, "description": v.code.description, "status": v.status,
        "onset_date": v.onset_date.map(|d| d.to_string()), "comment": v.comment});
    audit::record(conn, meta, Event::new("problem.create", "problem", id).patient(patient).changes(changes)).await?;
    Ok(id)
}

/// active <-> resolved (resolved on `today`: the user's local date on pages, UTC's on the API);
/// entered_in_error from either, and final.
pub async fn change_status(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    to: &str,
    today: Date,
) -> AppResult<()> {
    let from: Option<String> =
        sqlx::query_scalar("SELECT status FROM problems WHERE id = $1 AND patient_id = $2 FOR UPDATE")
            .bind(id)
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    let from = from.ok_or(AppError::NotFound)?;
    if !STATUSES.contains(&to) {
        return Err(AppError::field("status", format!("{to:?} is not a problem status")));
    }
    if from == to || from == "entered_in_error" {
        return Err(AppError::Conflict(format!("The problem is already {}.", from.replace('_', " "))));
    }
    sqlx::query(
        "UPDATE problems SET status = $2,
            resolved_date = CASE WHEN $2 = 'resolved' THEN greatest($3, onset_date) WHEN $2 = 'active' THEN NULL ELSE resolved_date END
         WHERE id = $1",
    )
    .bind(id)
    .bind(to)
    .bind(today)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("problem.status", "problem", id)
            .patient(patient)
            .changes(json!({"status": {"from": from, "to": to}})),
    )
    .await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "ehr/problems.html")]
struct ProblemsPage {
    page: Page,
    b: Banner,
    rows: Vec<Problem>,
    form: NewProblem,
    errors: FieldErrors,
    can_write: bool,
}

async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: NewProblem,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let rows = list(&state.pool, b.id, false).await?;
    audit_view(&state.pool, &auth.meta, b.id, "problems").await?;
    let t = ProblemsPage {
        page: page
            .titled(format!("Problems · {}", b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb("Problems", b.href("problems")),
        b,
        rows,
        form,
        errors,
        can_write: auth.can(crate::perms::CHART_WRITE),
    };
    web::render_status(status, &t)
}

pub async fn page(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("problems");
    render(&state, page, &auth, b, NewProblem::default(), FieldErrors::default(), StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<NewProblem>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("problems");
    let valid = match form.validate(&state.pool, b.birth_date, page.zone.today()).await? {
        Ok(v) => v,
        Err(errors) => return render(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut tx = state.pool.begin().await?;
    insert(&mut tx, &auth.meta, b.id, &valid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &b.href("problems"),
        "ok",
        &format!("Added {} {}.", valid.code.code, valid.code.description),
    ))
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    zone: Zone,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let pid = patient.id;
    let mut tx = state.pool.begin().await?;
    change_status(&mut tx, &auth.meta, pid, item, f.status.trim(), zone.today()).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/problems"), "ok", "Problem updated."))
}
