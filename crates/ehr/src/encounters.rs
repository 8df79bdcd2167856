//! Encounters: outpatient visits and other contacts, with a forward-only status flow.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{audit_view, fmt_dt, read_time, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::registry::CareProvider;
use hearth_core::web::paging::{PageParams, PageRequest, Paged, Pager, TimeId};
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};
use hearth_patients::context::PatientCtx;

pub const KINDS: [&str; 6] = ["outpatient", "emergency", "inpatient", "telephone", "virtual", "home_visit"];
pub const STATUSES: [&str; 5] = ["planned", "arrived", "in_progress", "finished", "cancelled"];

/// Where an encounter may go from `status` (the database enforces the same flow).
pub fn next_statuses(status: &str) -> &'static [&'static str] {
    match status {
        "planned" => &["arrived", "cancelled"],
        "arrived" => &["in_progress", "cancelled"],
        "in_progress" => &["finished", "cancelled"],
        _ => &[],
    }
}

pub fn label(s: &str) -> String {
    let s = s.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewEncounter {
    /// outpatient, emergency, inpatient, telephone, virtual or home_visit.
    #[serde(default)]
    pub kind: String,
    /// Initial status: planned (default), arrived or in_progress.
    #[serde(default)]
    pub status: Option<String>,
    pub department_id: Option<String>,
    /// The attending clinician (a user who may write charts).
    pub clinician_id: Option<String>,
    #[serde(default)]
    pub reason: String,
    // (The page's form reads it in the user's facility time zone.)
    /// Start, `YYYY-MM-DDTHH:MM` (UTC) or RFC 3339; default now.
    pub starts_at: Option<String>,
    /// The page form's explicit offset for a start in the repeated hour (`web::time`).
    #[serde(default)]
    #[schema(ignore)]
    pub starts_at_offset: Option<String>,
}

pub struct ValidEncounter {
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) department_id: Option<Uuid>,
    pub(crate) clinician_id: Option<Uuid>,
    pub(crate) reason: String,
    pub(crate) starts_at: OffsetDateTime,
}

fn opt_uuid(e: &mut FieldErrors, field: &'static str, v: &Option<String>) -> Option<Uuid> {
    let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    match v.parse() {
        Ok(u) => Some(u),
        Err(_) => {
            e.add(field, "Choose one from the list.");
            None
        }
    }
}

impl NewEncounter {
    /// Checks the form; the start is read in `zone` (the page's; the API's is UTC) with the
    /// optional explicit offset.
    pub async fn validate(
        &self,
        pool: &PgPool,
        zone: &Zone,
        offset: Option<&str>,
    ) -> sqlx::Result<Result<ValidEncounter, FieldErrors>> {
        let mut e = FieldErrors::default();
        if !KINDS.contains(&self.kind.as_str()) {
            e.add("kind", "Choose the kind of encounter.");
        }
        let status = self.status.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("planned");
        if !["planned", "arrived", "in_progress"].contains(&status) {
            e.add("status", "A new encounter is planned, arrived or in progress.");
        }
        let department_id = opt_uuid(&mut e, "department_id", &self.department_id);
        if let Some(d) = department_id {
            let ok: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM departments WHERE id = $1 AND active)")
                .bind(d)
                .fetch_one(pool)
                .await?;
            if !ok {
                e.add("department_id", "That department does not exist or is closed.");
            }
        }
        let clinician_id = opt_uuid(&mut e, "clinician_id", &self.clinician_id);
        if let Some(c) = clinician_id {
            let ok: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM users u JOIN user_roles ur ON ur.user_id = u.id
                   JOIN role_permissions rp ON rp.role_code = ur.role_code
                  WHERE u.id = $1 AND u.active AND rp.permission_code = 'chart.write')",
            )
            .bind(c)
            .fetch_one(pool)
            .await?;
            if !ok {
                e.add("clinician_id", "The attending clinician must be an active user who may write charts.");
            }
        }
        let reason = self.reason.trim().to_string();
        if reason.chars().count() > 500 {
            e.add("reason", "At most 500 characters.");
        }
        let starts_at = match read_time(&mut e, zone, "starts_at", self.starts_at.as_deref(), offset) {
            None => OffsetDateTime::now_utc(),
            Some(t) if t.year() < 1900 || t.year() > 2200 => {
                e.add("starts_at", "Enter a realistic date and time.");
                OffsetDateTime::now_utc()
            }
            Some(t) => t,
        };
        if !e.is_empty() {
            return Ok(Err(e));
        }
        Ok(Ok(ValidEncounter {
            kind: self.kind.clone(),
            status: status.to_string(),
            department_id,
            clinician_id,
            reason,
            starts_at,
        }))
    }
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Encounter {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub kind: String,
    pub status: String,
    pub department_id: Option<Uuid>,
    pub department: Option<String>,
    pub clinician_id: Option<Uuid>,
    pub clinician: Option<String>,
    pub reason: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
}

impl Encounter {
    pub fn kind_label(&self) -> String {
        label(&self.kind)
    }
    pub fn status_label(&self) -> String {
        label(&self.status)
    }
    pub fn next(&self) -> Vec<(&'static str, String)> {
        next_statuses(&self.status).iter().map(|s| (*s, label(s))).collect()
    }
    pub fn badge(&self) -> &'static str {
        match self.status.as_str() {
            "finished" => "badge-ok",
            "cancelled" => "badge-muted",
            _ => "badge-warn",
        }
    }
}

const SELECT: &str = "SELECT e.id, e.patient_id, e.kind, e.status, e.department_id, d.name AS department,
        e.clinician_id, u.display_name AS clinician, e.reason, e.starts_at, e.ended_at
     FROM encounters e LEFT JOIN departments d ON d.id = e.department_id LEFT JOIN users u ON u.id = e.clinician_id";

/// A page of the patient's encounters, newest first (keyset: start time and id).
pub async fn paged(pool: &PgPool, patient: Uuid, req: &PageRequest<TimeId>) -> sqlx::Result<Paged<Encounter>> {
    let after = req.after_sql("e.starts_at", "e.id", 3);
    let rows = sqlx::query_as(&format!(
        "{SELECT} WHERE e.patient_id = $1 {after}
         ORDER BY e.starts_at DESC, e.id DESC LIMIT $2"
    ))
    .bind(patient)
    .bind(req.fetch())
    .bind(req.at())
    .bind(req.id())
    .fetch_all(pool)
    .await?;
    Ok(Paged::from_rows(rows, req.limit, |e: &Encounter| TimeId(e.starts_at, e.id)))
}

/// The patient's latest `limit` encounters (summary, export).
pub async fn list(pool: &PgPool, patient: Uuid, limit: i64) -> sqlx::Result<Vec<Encounter>> {
    sqlx::query_as(&format!("{SELECT} WHERE e.patient_id = $1 ORDER BY e.starts_at DESC, e.id DESC LIMIT $2"))
        .bind(patient)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// The patient's attending clinicians now: the clinicians of the encounters under way (arrived
/// or in progress), newest first (the registry's care providers, role `attending`; the clinical
/// alerts address them).
pub async fn care_providers(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Vec<CareProvider>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT clinician_id FROM (
             SELECT clinician_id, max(starts_at) AS latest FROM encounters
             WHERE patient_id = $1 AND status IN ('arrived', 'in_progress') AND clinician_id IS NOT NULL
             GROUP BY clinician_id) c
         ORDER BY latest DESC LIMIT 10",
    )
    .bind(patient)
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(|user_id| CareProvider { role: "attending", user_id }).collect())
}

/// Whether encounter `id` is one of the patient's (for modules that link their rows to an
/// encounter, e.g. the orders core).
pub async fn belongs_to(conn: &mut PgConnection, patient: Uuid, id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM encounters WHERE id = $1 AND patient_id = $2)")
        .bind(id)
        .bind(patient)
        .fetch_one(conn)
        .await
}

pub async fn insert(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    v: &ValidEncounter,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO encounters (id, patient_id, kind, status, department_id, clinician_id, reason, starts_at, created_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
    )
    .bind(id)
    .bind(patient)
    .bind(&v.kind)
    .bind(&v.status)
    .bind(v.department_id)
    .bind(v.clinician_id)
    .bind(&v.reason)
    .bind(v.starts_at)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    let changes = json!({"kind": v.kind, "status": v.status, "department_id": v.department_id,
        "clinician_id": v.clinician_id, "reason": v.reason, "starts_at": fmt_dt(v.starts_at)});
    audit::record(conn, meta, Event::new("encounter.create", "encounter", id).patient(patient).changes(changes))
        .await?;
    hearth_patients::today::raise_changed(conn).await?;
    Ok(id)
}

/// Moves an encounter along its status flow; refuses any other move with a clear message.
/// Finishing or cancelling ends it at `ended` when given (its real end: not before its start,
/// not in the future), else now.
pub async fn change_status(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    to: &str,
    ended: Option<OffsetDateTime>,
) -> Result<(), AppError> {
    let row: Option<(String, OffsetDateTime)> =
        sqlx::query_as("SELECT status, starts_at FROM encounters WHERE id = $1 AND patient_id = $2 FOR UPDATE")
            .bind(id)
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    let (from, starts_at) = row.ok_or(AppError::NotFound)?;
    if let Some(end) = ended {
        if !matches!(to, "finished" | "cancelled") {
            return Err(AppError::field("ended_at", "An end time goes with finishing or cancelling the encounter."));
        }
        if end < starts_at {
            return Err(AppError::field("ended_at", "The end is before the encounter's start."));
        }
        if end > OffsetDateTime::now_utc() + time::Duration::minutes(1) {
            return Err(AppError::field("ended_at", "The end is in the future."));
        }
    }
    if !STATUSES.contains(&to) {
        return Err(AppError::field("status", format!("{to:?} is not an encounter status")));
    }
    if !next_statuses(&from).contains(&to) {
        return Err(AppError::Conflict(format!(
            "An encounter that is {} cannot become {}.",
            label(&from).to_lowercase(),
            label(to).to_lowercase()
        )));
    }
    sqlx::query(
        "UPDATE encounters SET status = $2,
                ended_at = CASE WHEN $2 IN ('finished', 'cancelled') THEN greatest(coalesce($3, now()), starts_at) ELSE ended_at END
         WHERE id = $1",
    )
    .bind(id)
    .bind(to)
    .bind(ended)
    .execute(&mut *conn)
    .await?;
    let mut changes = json!({"status": {"from": from, "to": to}});
    if let Some(end) = ended {
        changes["ended_at"] = json!(end.format(&time::format_description::well_known::Rfc3339).unwrap_or_default());
    }
    audit::record(conn, meta, Event::new("encounter.status", "encounter", id).patient(patient).changes(changes))
        .await?;
    Ok(())
}

#[derive(FromRow, Clone)]
pub struct Choice {
    pub id: Uuid,
    pub name: String,
}

pub(crate) async fn departments(pool: &PgPool) -> sqlx::Result<Vec<Choice>> {
    sqlx::query_as(
        "SELECT d.id, f.code || ' · ' || d.name AS name FROM departments d JOIN facilities f ON f.id = d.facility_id
         WHERE d.active AND f.active ORDER BY f.code, d.name LIMIT 500",
    )
    .fetch_all(pool)
    .await
}

pub(crate) async fn clinicians(pool: &PgPool) -> sqlx::Result<Vec<Choice>> {
    sqlx::query_as(
        "SELECT u.id, u.display_name AS name FROM users u WHERE u.active AND EXISTS (
            SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_code = ur.role_code
             WHERE ur.user_id = u.id AND rp.permission_code = 'chart.write')
         ORDER BY u.display_name LIMIT 500",
    )
    .fetch_all(pool)
    .await
}

#[derive(Template)]
#[template(path = "ehr/encounters.html")]
struct EncountersPage {
    page: Page,
    b: Banner,
    rows: Vec<Encounter>,
    pager: Pager,
    form: NewEncounter,
    errors: FieldErrors,
    departments: Vec<Choice>,
    clinicians: Vec<Choice>,
    kinds: [&'static str; 6],
    can_write: bool,
    /// The diagnoses recorded for the listed encounters (problems linked to them).
    diagnoses: Vec<Diagnosis>,
}

/// A problem recorded as a diagnosis of an encounter.
#[derive(Debug, Clone, FromRow)]
pub struct Diagnosis {
    pub encounter_id: Uuid,
    pub icd_code: String,
    pub description: String,
    pub diagnosis_rank: String,
    pub certainty: String,
}

/// The diagnoses of these encounters, primary first (entered-in-error entries left out).
pub async fn diagnoses(pool: &PgPool, patient: Uuid, encounters: &[Uuid]) -> sqlx::Result<Vec<Diagnosis>> {
    sqlx::query_as(
        "SELECT encounter_id, coalesce(icd_code, '') AS icd_code, description, diagnosis_rank, certainty FROM problems
         WHERE patient_id = $1 AND encounter_id = ANY($2) AND status <> 'entered_in_error'
         ORDER BY diagnosis_rank = 'secondary', created_at",
    )
    .bind(patient)
    .bind(encounters)
    .fetch_all(pool)
    .await
}

impl EncountersPage {
    fn diagnoses_of(&self, id: &Uuid) -> Vec<&Diagnosis> {
        self.diagnoses.iter().filter(|d| d.encounter_id == *id).collect()
    }
}

#[expect(clippy::too_many_arguments, reason = "a page render needs the request context, the page and the form state")]
async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    req: PageRequest<TimeId>,
    form: NewEncounter,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let pid = b.id;
    let rows = paged(&state.pool, pid, &req).await?;
    let pager = Pager::new(&b.href("encounters"), &[], &rows, req.is_later()).labels("Older", "Newest");
    audit_view(&state.pool, &auth.meta, pid, "encounters").await?;
    let ids: Vec<Uuid> = rows.items.iter().map(|e| e.id).collect();
    let diagnoses = diagnoses(&state.pool, pid, &ids).await?;
    let can_write = auth.can(crate::perms::CHART_WRITE);
    let (departments, clinicians) = if can_write {
        (departments(&state.pool).await?, clinicians(&state.pool).await?)
    } else {
        (Vec::new(), Vec::new())
    };
    let t = EncountersPage {
        page: {
            let (list, tab) = (page.t("nav-patients"), page.t("patients-tab-encounters"));
            page.titled(format!("{tab} · {}", b.name))
                .crumb(list, "/patients")
                .crumb(b.name.clone(), b.href("chart"))
                .crumb(tab, b.href("encounters"))
        },
        b,
        rows: rows.items,
        pager,
        form,
        errors,
        departments,
        clinicians,
        kinds: KINDS,
        can_write,
        diagnoses,
    };
    web::render_status(status, &t)
}

pub async fn page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<PageParams>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let req = PageRequest::new(&q, crate::PAGE_SIZE, crate::PAGE_MAX)?;
    let b = patient.banner("encounters");
    let form =
        NewEncounter { kind: "outpatient".into(), clinician_id: Some(auth.id.to_string()), ..Default::default() };
    render(&state, page, &auth, b, req, form, FieldErrors::default(), StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<NewEncounter>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("encounters");
    let pid = b.id;
    let valid = match form.validate(&state.pool, &page.zone, form.starts_at_offset.as_deref()).await? {
        Ok(v) => v,
        Err(errors) => {
            let first = PageRequest::first(crate::PAGE_SIZE);
            return render(&state, page, &auth, b, first, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    insert(&mut tx, &auth.meta, pid, &valid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/encounters"), "ok", &page.t("ehr-flash-encounter-recorded")))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StatusForm {
    pub status: String,
    /// When finishing: the real end (local date-time of the facility), default now.
    #[serde(default)]
    pub ended_at: String,
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
    let (pid, eid) = (patient.id, item);
    let mut e = FieldErrors::default();
    let ended = crate::read_time(&mut e, &zone, "ended_at", Some(&f.ended_at), None);
    e.into_result()?;
    let mut tx = state.pool.begin().await?;
    change_status(&mut tx, &auth.meta, pid, eid, f.status.trim(), ended).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &format!("/patients/{pid}/encounters"),
        "ok",
        &format!("Encounter is now {}.", label(f.status.trim()).to_lowercase()),
    ))
}
