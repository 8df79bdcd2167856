//! The procedure history (issue 14): procedures the patient had, here or elsewhere, coded in
//! SNOMED CT, CPT, ICD-10-PCS or the source's own system, or as free text; performed at a time
//! or over a period, optionally in one of the patient's encounters, with the source's author
//! and recording time when imported. The surgery module's operative records are separate.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::problems::{normalize_system, system_label, ICD10CM, SNOMED};
use super::{audit_view, read_time, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};

pub const CPT: &str = "http://www.ama-assn.org/go/cpt";
pub const ICD10PCS: &str = "http://www.cms.gov/Medicare/Coding/ICD10";
pub const STATUSES: [&str; 6] = ["completed", "in_progress", "not_done", "stopped", "unknown", "entered_in_error"];

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewProcedure {
    /// The coding system: a URI (`http://snomed.info/sct`, `http://www.ama-assn.org/go/cpt`,
    /// `http://www.cms.gov/Medicare/Coding/ICD10` for ICD-10-PCS, the source's own) or `snomed`,
    /// `cpt`, `icd10pcs`; empty for free text.
    #[serde(default)]
    pub system: String,
    /// The code in `system`.
    #[serde(default)]
    pub code: String,
    /// The procedure as named (required).
    #[serde(default)]
    pub display: String,
    /// completed (default), in-progress, not-done, stopped or unknown.
    #[serde(default)]
    pub status: String,
    /// When performed (or when it began): RFC 3339, a date (YYYY-MM-DD, midnight) or on the page a
    /// local date-time; not in the future.
    #[serde(default)]
    pub performed_start: String,
    /// When it ended, for a period: not before the start, not in the future.
    #[serde(default)]
    pub performed_end: String,
    /// One of the patient's encounters it was part of.
    #[serde(default)]
    pub encounter_id: String,
    #[serde(default)]
    pub note: String,
    /// Who recorded it in the source system (imports).
    #[serde(default)]
    pub source_author: String,
    /// When it was recorded in the source system (default now; not in the future).
    #[serde(default)]
    pub recorded_at: String,
}

pub struct ValidProcedure {
    coding: Option<(String, String)>,
    display: String,
    status: String,
    performed_start: OffsetDateTime,
    performed_end: Option<OffsetDateTime>,
    encounter_id: Option<Uuid>,
    note: String,
    source_author: String,
    recorded_at: Option<OffsetDateTime>,
}

/// Reads a time field that may also be a plain date (midnight in `zone`).
fn read_time_or_date(e: &mut FieldErrors, zone: &Zone, field: &'static str, value: &str) -> Option<OffsetDateTime> {
    let v = value.trim();
    if v.len() == 10 && v.as_bytes().get(4) == Some(&b'-') {
        read_time(e, zone, field, Some(&format!("{v}T00:00")), None)
    } else {
        read_time(e, zone, field, Some(v), None)
    }
}

/// Whether an encounter id names one of the patient's encounters.
pub async fn patients_encounter(pool: &PgPool, patient: Uuid, raw: &str) -> sqlx::Result<Result<Option<Uuid>, ()>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(Ok(None));
    }
    let Ok(id) = Uuid::parse_str(raw) else { return Ok(Err(())) };
    let ours: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM encounters WHERE id = $1 AND patient_id = $2)")
        .bind(id)
        .bind(patient)
        .fetch_one(pool)
        .await?;
    Ok(if ours { Ok(Some(id)) } else { Err(()) })
}

impl NewProcedure {
    pub async fn validate(
        &self,
        pool: &PgPool,
        patient: Uuid,
        zone: &Zone,
    ) -> sqlx::Result<Result<ValidProcedure, FieldErrors>> {
        let mut e = FieldErrors::default();
        let system = match self.system.trim().to_ascii_lowercase().as_str() {
            "cpt" => Ok(Some(CPT.to_string())),
            "icd10pcs" | "icd-10-pcs" => Ok(Some(ICD10PCS.to_string())),
            _ => normalize_system(&self.system),
        };
        let code = self.code.trim();
        let coding = match system {
            Err(m) => {
                e.add("system", m);
                None
            }
            Ok(None) if !code.is_empty() => {
                e.add("system", "Choose the code system of this code (e.g. SNOMED CT or CPT).");
                None
            }
            Ok(None) => None,
            Ok(Some(s)) => {
                if code.is_empty() {
                    e.add("code", "Enter the code in this system.");
                } else if s == SNOMED && !super::problems::is_sctid(code) {
                    e.add("code", "A SNOMED CT code is a concept id: 6 to 18 digits, e.g. 80146002.");
                } else if s == CPT && !(code.len() == 5 && code.bytes().all(|b| b.is_ascii_alphanumeric())) {
                    e.add("code", "A CPT code has 5 characters, e.g. 44950.");
                } else if s == ICD10PCS && !(code.len() == 7 && code.bytes().all(|b| b.is_ascii_alphanumeric())) {
                    e.add("code", "An ICD-10-PCS code has 7 characters, e.g. 0DTJ4ZZ.");
                } else if s == ICD10CM {
                    e.add("system", "ICD-10-CM codes diagnoses; code a procedure in SNOMED CT, CPT or ICD-10-PCS.");
                } else if code.chars().count() > 100 || code.contains(char::is_whitespace) {
                    e.add("code", "A code has at most 100 characters and no spaces.");
                }
                Some((s, code.to_string()))
            }
        };
        let display = self.display.trim().to_string();
        if display.is_empty() {
            e.add("display", "Name the procedure.");
        } else if display.chars().count() > 500 {
            e.add("display", "At most 500 characters.");
        }
        let status = super::allergies::fhir_code(&self.status);
        let status = if status.is_empty() { "completed".to_string() } else { status };
        if !STATUSES[..5].contains(&status.as_str()) {
            e.add("status", "Choose completed, in progress, not done, stopped or unknown.");
        }
        let now = OffsetDateTime::now_utc() + time::Duration::minutes(1);
        let start = read_time_or_date(&mut e, zone, "performed_start", &self.performed_start);
        if self.performed_start.trim().is_empty() {
            e.add("performed_start", "Enter when it was performed.");
        }
        let end = read_time_or_date(&mut e, zone, "performed_end", &self.performed_end);
        if start.is_some_and(|s| s > now) {
            e.add("performed_start", "The procedure date is in the future.");
        }
        if end.is_some_and(|x| x > now) {
            e.add("performed_end", "The end is in the future.");
        }
        if let (Some(s), Some(x)) = (start, end) {
            if x < s {
                e.add("performed_end", "The end is before the start.");
            }
        }
        let encounter_id = match patients_encounter(pool, patient, &self.encounter_id).await? {
            Ok(id) => id,
            Err(()) => {
                e.add("encounter_id", "Choose one of this patient's encounters.");
                None
            }
        };
        let note = self.note.trim().to_string();
        if note.chars().count() > 2000 {
            e.add("note", "At most 2000 characters.");
        }
        let source_author = self.source_author.trim().to_string();
        if source_author.chars().count() > 200 {
            e.add("source_author", "At most 200 characters.");
        }
        let recorded_at = read_time(&mut e, zone, "recorded_at", Some(&self.recorded_at), None);
        if recorded_at.is_some_and(|r| r > now) {
            e.add("recorded_at", "The recorded time is in the future.");
        }
        Ok(match start {
            Some(performed_start) if e.is_empty() => Ok(ValidProcedure {
                coding,
                display,
                status,
                performed_start,
                performed_end: end,
                encounter_id,
                note,
                source_author,
                recorded_at,
            }),
            _ => Err(e),
        })
    }
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Procedure {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The coding system (URI); null for free text.
    pub code_system: Option<String>,
    pub code: Option<String>,
    pub display: String,
    pub status: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub performed_start: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub performed_end: Option<OffsetDateTime>,
    pub encounter_id: Option<Uuid>,
    pub note: String,
    /// Who recorded it in the source system; empty when recorded here.
    pub source_author: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub recorded_by: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Procedure {
    /// "SNOMED CT 80146002", "CPT 44950" or "free text".
    pub fn coding_label(&self) -> String {
        match (&self.code_system, &self.code) {
            (Some(s), Some(c)) => format!("{} {c}", system_label(s)),
            _ => "free text".into(),
        }
    }
    pub fn status_label(&self) -> String {
        super::encounters::label(&self.status)
    }
}

pub async fn list(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<Procedure>> {
    sqlx::query_as(
        "SELECT p.id, p.patient_id, p.code_system, p.code, p.display, p.status, p.performed_start, p.performed_end,
                p.encounter_id, p.note, p.source_author, p.recorded_at, u.display_name AS recorded_by, p.created_at
         FROM procedures p LEFT JOIN users u ON u.id = p.recorded_by
         WHERE p.patient_id = $1
         ORDER BY p.status = 'entered_in_error', p.performed_start DESC, p.id DESC
         LIMIT 1000",
    )
    .bind(patient)
    .fetch_all(pool)
    .await
}

pub async fn insert(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, v: &ValidProcedure) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    let (system, code) = v.coding.clone().unzip();
    sqlx::query(
        "INSERT INTO procedures (id, patient_id, code_system, code, display, status, performed_start, performed_end,
                                 encounter_id, note, source_author, recorded_at, recorded_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,coalesce($12, now()),$13)",
    )
    .bind(id)
    .bind(patient)
    .bind(&system)
    .bind(&code)
    .bind(&v.display)
    .bind(&v.status)
    .bind(v.performed_start)
    .bind(v.performed_end)
    .bind(v.encounter_id)
    .bind(&v.note)
    .bind(&v.source_author)
    .bind(v.recorded_at)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    let rfc = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let changes = json!({"code_system": system, "code": code, "display": v.display, "status": v.status,
        "performed_start": rfc(v.performed_start), "performed_end": v.performed_end.map(rfc),
        "encounter_id": v.encounter_id, "note": v.note, "source_author": v.source_author,
        "recorded_at": v.recorded_at.map(rfc)});
    audit::record(conn, meta, Event::new("procedure.create", "procedure", id).patient(patient).changes(changes))
        .await?;
    Ok(id)
}

/// Marks a procedure entered in error (final), with the reason in the audit event.
pub async fn entered_in_error(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    reason: &str,
) -> AppResult<()> {
    let from: Option<String> =
        sqlx::query_scalar("SELECT status FROM procedures WHERE id = $1 AND patient_id = $2 FOR UPDATE")
            .bind(id)
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    let from = from.ok_or(AppError::NotFound)?;
    if from == "entered_in_error" {
        return Err(AppError::Conflict("The procedure is already entered in error.".into()));
    }
    if reason.trim().is_empty() || reason.trim().chars().count() > 500 {
        return Err(AppError::field("reason", "Give the reason (at most 500 characters)."));
    }
    sqlx::query("UPDATE procedures SET status = 'entered_in_error' WHERE id = $1").bind(id).execute(&mut *conn).await?;
    audit::record(
        conn,
        meta,
        Event::new("procedure.status", "procedure", id)
            .patient(patient)
            .changes(json!({"status": {"from": from, "to": "entered_in_error"}, "reason": reason.trim()})),
    )
    .await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "ehr/procedures.html")]
struct ProceduresPage {
    page: Page,
    b: Banner,
    rows: Vec<Procedure>,
    form: NewProcedure,
    errors: FieldErrors,
    can_write: bool,
    encounters: Vec<crate::encounters::Encounter>,
    /// A refused "entered in error": (entry, message).
    refused: Option<(Uuid, String)>,
}

impl ProceduresPage {
    fn refused_for(&self, id: &Uuid) -> Option<String> {
        self.refused.as_ref().filter(|(i, _)| i == id).map(|(_, m)| m.clone())
    }
    fn performed(&self, p: &Procedure) -> String {
        match p.performed_end {
            Some(end) => format!("{} – {}", self.page.zone.datetime(p.performed_start), self.page.zone.datetime(end)),
            None => self.page.zone.datetime(p.performed_start),
        }
    }
    fn encounter_options(&self) -> Vec<(String, String)> {
        std::iter::once((String::new(), self.page.t("ehr-proc-encounter-none")))
            .chain(self.encounters.iter().map(|e| (e.id.to_string(), self.encounter_text(e))))
            .collect()
    }
    /// "2026-01-02 10:00 · Outpatient" in the page's language.
    fn encounter_text(&self, e: &crate::encounters::Encounter) -> String {
        format!("{} · {}", self.page.zone.datetime(e.starts_at), crate::i18n::enc_kind(&self.page, &e.kind))
    }
    fn encounter_label(&self, id: &Option<Uuid>) -> Option<String> {
        let id = (*id)?;
        Some(
            self.encounters
                .iter()
                .find(|e| e.id == id)
                .map(|e| self.encounter_text(e))
                .unwrap_or_else(|| self.page.t("ehr-proc-an-encounter")),
        )
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: NewProcedure,
    errors: FieldErrors,
    status: StatusCode,
    refused: Option<(Uuid, String)>,
) -> AppResult<Response> {
    let rows = list(&state.pool, b.id).await?;
    let encounters = crate::encounters::list(&state.pool, b.id, 50).await?;
    audit_view(&state.pool, &auth.meta, b.id, "procedures").await?;
    let t = ProceduresPage {
        page: {
            let (list, tab) = (page.t("nav-patients"), page.t("patients-tab-procedures"));
            page.titled(format!("{tab} · {}", b.name))
                .crumb(list, "/patients")
                .crumb(b.name.clone(), b.href("chart"))
                .crumb(tab, b.href("procedures"))
        },
        b,
        rows,
        form,
        errors,
        can_write: auth.can(crate::perms::CHART_WRITE),
        encounters,
        refused,
    };
    web::render_status(status, &t)
}

pub async fn page(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("procedures");
    render(&state, page, &auth, b, NewProcedure::default(), FieldErrors::default(), StatusCode::OK, None).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<NewProcedure>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("procedures");
    let valid = match form.validate(&state.pool, b.id, &page.zone).await? {
        Ok(v) => v,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&state, page, &auth, b, form, errors, status, None).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    insert(&mut tx, &auth.meta, b.id, &valid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &b.href("procedures"),
        "ok",
        &page.t1("ehr-flash-procedure-added", "name", valid.display.as_str()),
    ))
}

#[derive(Deserialize)]
pub struct ErrorForm {
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    reason: String,
}

/// "Entered in error", after a confirmation with a reason.
pub async fn mark_error(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<ErrorForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("procedures");
    let pid = b.id;
    if let Some(msg) = crate::allergies::confirmation_missing("entered_in_error", &f.confirm, &f.reason, true) {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(
            &state,
            page,
            &auth,
            b,
            NewProcedure::default(),
            FieldErrors::default(),
            status,
            Some((item, msg)),
        )
        .await;
    }
    let mut tx = state.pool.begin().await?;
    entered_in_error(&mut tx, &auth.meta, pid, item, &f.reason).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &format!("/patients/{pid}/procedures"),
        "ok",
        &page.t("ehr-flash-procedure-entered-in-error"),
    ))
}
