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
    /// confirmed (default) or provisional.
    #[serde(default)]
    pub certainty: String,
    /// Records it as a diagnosis of this encounter of the patient (with `diagnosis_rank`).
    #[serde(default)]
    pub encounter_id: String,
    /// primary or secondary (default when an encounter is given); one primary per encounter.
    #[serde(default)]
    pub diagnosis_rank: String,
    /// Record it although the same code is an active problem (otherwise 409 with the existing
    /// entry's id); needs `duplicate_reason`.
    #[serde(default)]
    pub record_anyway: bool,
    /// Why a second active entry with the same code is recorded.
    #[serde(default)]
    pub duplicate_reason: String,
}

pub const CERTAINTIES: [&str; 2] = ["confirmed", "provisional"];
pub const RANKS: [&str; 2] = ["primary", "secondary"];

pub struct ValidProblem {
    pub(crate) code: icd::IcdCode,
    onset_date: Option<Date>,
    status: String,
    comment: String,
    certainty: String,
    encounter_id: Option<Uuid>,
    diagnosis_rank: Option<String>,
    pub(crate) record_anyway: bool,
    duplicate_reason: String,
    /// The validating user's date (a problem created resolved is resolved on it).
    today: Date,
}

impl ValidProblem {
    /// A new active problem is checked against the active ones (a past, resolved episode is
    /// no duplicate), unless recorded anyway.
    pub fn checks_duplicates(&self) -> bool {
        !self.record_anyway && self.status == "active"
    }
}

impl NewProblem {
    pub async fn validate(
        &self,
        pool: &PgPool,
        patient: Uuid,
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
        let certainty = if self.certainty.trim().is_empty() { "confirmed" } else { self.certainty.trim() };
        if !CERTAINTIES.contains(&certainty) {
            e.add("certainty", "Choose confirmed or provisional.");
        }
        let encounter_id = match self.encounter_id.trim() {
            "" => None,
            raw => match Uuid::parse_str(raw) {
                Ok(id) => {
                    let ours: bool = sqlx::query_scalar(
                        "SELECT EXISTS (SELECT 1 FROM encounters WHERE id = $1 AND patient_id = $2)",
                    )
                    .bind(id)
                    .bind(patient)
                    .fetch_one(pool)
                    .await?;
                    if !ours {
                        e.add("encounter_id", "Choose one of this patient's encounters.");
                    }
                    Some(id)
                }
                Err(_) => {
                    e.add("encounter_id", "Choose one of this patient's encounters.");
                    None
                }
            },
        };
        let rank = self.diagnosis_rank.trim();
        let diagnosis_rank = match (encounter_id, rank) {
            (None, "") => None,
            (None, _) => {
                e.add("diagnosis_rank", "A primary or secondary diagnosis belongs to an encounter; choose one.");
                None
            }
            (Some(_), "") => Some("secondary".to_string()),
            (Some(_), r) if RANKS.contains(&r) => Some(r.to_string()),
            (Some(_), _) => {
                e.add("diagnosis_rank", "Choose primary or secondary.");
                None
            }
        };
        let duplicate_reason = self.duplicate_reason.trim().to_string();
        if self.record_anyway && duplicate_reason.is_empty() {
            e.add("duplicate_reason", "Give the reason for recording a second active entry with this code.");
        } else if duplicate_reason.chars().count() > 500 {
            e.add("duplicate_reason", "At most 500 characters.");
        }
        match code {
            Some(code) if e.is_empty() => Ok(Ok(ValidProblem {
                code,
                onset_date,
                status: status.to_string(),
                comment,
                certainty: certainty.to_string(),
                encounter_id,
                diagnosis_rank,
                record_anyway: self.record_anyway,
                duplicate_reason: if self.record_anyway { duplicate_reason } else { String::new() },
                today,
            })),
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
    /// confirmed or provisional.
    #[serde(default = "confirmed")]
    pub certainty: String,
    /// The encounter it is a diagnosis of, if any.
    #[serde(default)]
    pub encounter_id: Option<Uuid>,
    /// primary or secondary, with an encounter.
    #[serde(default)]
    pub diagnosis_rank: Option<String>,
    /// The reason given when it was last resolved or entered in error.
    #[serde(default)]
    pub status_reason: String,
    pub recorded_by: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

fn confirmed() -> String {
    "confirmed".into()
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
            p.certainty, p.encounter_id, p.diagnosis_rank, p.status_reason, u.display_name AS recorded_by, p.created_at
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
        "INSERT INTO problems (id, patient_id, icd_code, description, status, onset_date, resolved_date, comment, recorded_by,
                               certainty, encounter_id, diagnosis_rank, duplicate_reason)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
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
    .bind(&v.certainty)
    .bind(v.encounter_id)
    .bind(&v.diagnosis_rank)
    .bind(&v.duplicate_reason)
    .execute(&mut *conn)
    .await?;
    let mut changes = json!({"icd_code": v.code.code, "description": v.code.description, "status": v.status,
        "onset_date": v.onset_date.map(|d| d.to_string()), "comment": v.comment, "certainty": v.certainty});
    if let Some(e) = v.encounter_id {
        changes["encounter_id"] = json!(e);
        changes["diagnosis_rank"] = json!(v.diagnosis_rank);
    }
    if !v.duplicate_reason.is_empty() {
        changes["duplicate_reason"] = json!(v.duplicate_reason);
    }
    audit::record(conn, meta, Event::new("problem.create", "problem", id).patient(patient).changes(changes)).await?;
    Ok(id)
}

/// The patient's active problem with the same code, after locking the patient so that two
/// concurrent entries cannot both pass the check.
pub async fn find_duplicate(conn: &mut PgConnection, patient: Uuid, code: &str) -> sqlx::Result<Option<Problem>> {
    sqlx::query("SELECT 1 FROM patients WHERE id = $1 FOR UPDATE").bind(patient).execute(&mut *conn).await?;
    sqlx::query_as(
        "SELECT p.id, p.patient_id, p.icd_code, p.description, p.status, p.onset_date, p.resolved_date, p.comment,
                p.certainty, p.encounter_id, p.diagnosis_rank, p.status_reason, u.display_name AS recorded_by, p.created_at
         FROM problems p LEFT JOIN users u ON u.id = p.recorded_by
         WHERE p.patient_id = $1 AND p.icd_code = $2 AND p.status = 'active'
         ORDER BY p.created_at LIMIT 1",
    )
    .bind(patient)
    .bind(code)
    .fetch_optional(&mut *conn)
    .await
}

/// What "update the existing one" changes on an active problem.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProblemUpdate {
    /// confirmed or provisional.
    #[serde(default)]
    pub certainty: String,
    /// Replaces the comment when not empty.
    #[serde(default)]
    pub comment: String,
}

/// Updates an active problem's certainty and comment (the duplicate warning's "update the
/// existing one"); audited with each change as from/to.
pub async fn update_existing(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    u: &ProblemUpdate,
) -> AppResult<String> {
    let certainty = if u.certainty.trim().is_empty() { "confirmed" } else { u.certainty.trim() };
    if !CERTAINTIES.contains(&certainty) {
        return Err(AppError::field("certainty", "Choose confirmed or provisional."));
    }
    if u.comment.trim().chars().count() > 500 {
        return Err(AppError::field("comment", "At most 500 characters."));
    }
    let before: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT icd_code || ' ' || description, certainty, comment, status FROM problems
         WHERE id = $1 AND patient_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(patient)
    .fetch_optional(&mut *conn)
    .await?;
    let (label, old_certainty, old_comment, status) = before.ok_or(AppError::NotFound)?;
    if status != "active" {
        return Err(AppError::Conflict("Only an active problem is updated; this one is not active.".into()));
    }
    let comment = if u.comment.trim().is_empty() { old_comment.as_str() } else { u.comment.trim() };
    sqlx::query("UPDATE problems SET certainty = $2, comment = $3 WHERE id = $1")
        .bind(id)
        .bind(certainty)
        .bind(comment)
        .execute(&mut *conn)
        .await?;
    let mut changes = serde_json::Map::new();
    for (field, from, to) in
        [("certainty", old_certainty.as_str(), certainty), ("comment", old_comment.as_str(), comment)]
    {
        if from != to {
            changes.insert(field.into(), json!({"from": from, "to": to}));
        }
    }
    audit::record(
        conn,
        meta,
        Event::new("problem.update", "problem", id).patient(patient).changes(serde_json::Value::Object(changes)),
    )
    .await?;
    Ok(label)
}

/// Whether a move to `to` is clinical and needs a confirmation with a reason.
pub fn needs_reason(to: &str) -> bool {
    matches!(to, "resolved" | "entered_in_error")
}

/// active <-> resolved (resolved on `today`: the user's local date on pages, UTC's on the API);
/// entered_in_error from either, and final.
pub async fn change_status(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    to: &str,
    reason: &str,
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
    let reason = reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::field("reason", "At most 500 characters."));
    }
    sqlx::query(
        "UPDATE problems SET status = $2, status_reason = $4,
            resolved_date = CASE WHEN $2 = 'resolved' THEN greatest($3, onset_date) WHEN $2 = 'active' THEN NULL ELSE resolved_date END
         WHERE id = $1",
    )
    .bind(id)
    .bind(to)
    .bind(today)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("problem.status", "problem", id)
            .patient(patient)
            .changes(json!({"status": {"from": from, "to": to}, "reason": reason})),
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
    /// The patient's encounters, for recording a diagnosis of one.
    encounters: Vec<crate::encounters::Encounter>,
    /// The active problem with the same code, when the new one would duplicate it.
    duplicate: Option<Problem>,
    /// A status change refused for want of confirmation or reason: (entry, status, message).
    refused: Option<(Uuid, String, String)>,
}

impl ProblemsPage {
    fn refused_for(&self, id: &Uuid, status: &str) -> Option<String> {
        self.refused.as_ref().filter(|(i, s, _)| i == id && s == status).map(|(_, _, m)| m.clone())
    }
    fn encounter_options(&self) -> Vec<(String, String)> {
        std::iter::once((String::new(), "— none (problem list only) —".to_string()))
            .chain(self.encounters.iter().map(|e| {
                let mut l = format!("{} · {}", self.page.zone.datetime(e.starts_at), e.kind_label());
                if !e.reason.is_empty() {
                    l.push_str(" · ");
                    l.push_str(&e.reason);
                }
                (e.id.to_string(), l)
            }))
            .collect()
    }
}

#[derive(Default)]
struct Extra {
    duplicate: Option<Problem>,
    refused: Option<(Uuid, String, String)>,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: NewProblem,
    errors: FieldErrors,
    status: StatusCode,
    extra: Extra,
) -> AppResult<Response> {
    let rows = list(&state.pool, b.id, false).await?;
    let encounters = crate::encounters::list(&state.pool, b.id, 20).await?;
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
        encounters,
        duplicate: extra.duplicate,
        refused: extra.refused,
    };
    web::render_status(status, &t)
}

pub async fn page(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("problems");
    render(&state, page, &auth, b, NewProblem::default(), FieldErrors::default(), StatusCode::OK, Extra::default())
        .await
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
    let valid = match form.validate(&state.pool, b.id, b.birth_date, page.zone.today()).await? {
        Ok(v) => v,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&state, page, &auth, b, form, errors, status, Extra::default()).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    if valid.checks_duplicates() {
        if let Some(existing) = find_duplicate(&mut tx, b.id, &valid.code.code).await? {
            tx.rollback().await?;
            let extra = Extra { duplicate: Some(existing), refused: None };
            return render(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::CONFLICT, extra).await;
        }
    }
    insert(&mut tx, &auth.meta, b.id, &valid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &b.href("problems"),
        "ok",
        &format!("Added {} {}.", valid.code.code, valid.code.description),
    ))
}

/// The duplicate warning's "update the existing one".
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<ProblemUpdate>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let pid = patient.id;
    let mut tx = state.pool.begin().await?;
    let label = update_existing(&mut tx, &auth.meta, pid, item, &f).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &format!("/patients/{pid}/problems"),
        "ok",
        &format!("Updated the existing problem {label}."),
    ))
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    /// "yes" once the user confirmed (the confirmation step's button).
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    reason: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    zone: Zone,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("problems");
    let pid = b.id;
    let to = f.status.trim();
    if let Some(msg) = crate::allergies::confirmation_missing(to, &f.confirm, &f.reason, needs_reason(to)) {
        let extra = Extra { duplicate: None, refused: Some((item, to.to_string(), msg)) };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&state, page, &auth, b, NewProblem::default(), FieldErrors::default(), status, extra).await;
    }
    let mut tx = state.pool.begin().await?;
    change_status(&mut tx, &auth.meta, pid, item, to, &f.reason, zone.today()).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/problems"), "ok", "Problem updated."))
}
