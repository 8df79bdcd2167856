//! Patient safety flags for the banner: code status, isolation precautions, interpreter need.
//! Every change is a new row (the latest is current), audited; the page shows the history.

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

use crate::banner::{Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, FieldErrors, Page};

/// Code status choices (value, label).
pub const CODE_STATUSES: &[(&str, &str)] = &[
    ("not_recorded", "Not recorded"),
    ("full_code", "Full code (attempt resuscitation)"),
    ("dnacpr", "DNACPR (do not attempt resuscitation)"),
    ("treatment_limits", "Treatment limits (see the escalation plan)"),
];

/// Isolation precautions (value, label).
pub const ISOLATIONS: &[(&str, &str)] =
    &[("contact", "Contact precautions"), ("droplet", "Droplet precautions"), ("airborne", "Airborne precautions")];

/// The current flags (the defaults when none were recorded).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PatientFlags {
    pub code_status: String,
    #[serde(default)]
    pub isolation: Vec<String>,
    #[serde(default)]
    pub interpreter_needed: bool,
}

impl PatientFlags {
    pub fn code_status_label(&self) -> &'static str {
        match self.code_status.as_str() {
            "full_code" => "Full code",
            "dnacpr" => "DNACPR",
            "treatment_limits" => "Treatment limits",
            _ => "Not recorded",
        }
    }
    /// The badge class of the code status (text says it too).
    pub fn code_status_badge(&self) -> &'static str {
        match self.code_status.as_str() {
            "dnacpr" | "treatment_limits" => "badge-danger",
            "full_code" => "badge-ok",
            _ => "badge-muted",
        }
    }
    pub fn isolation_labels(&self) -> Vec<&'static str> {
        ISOLATIONS.iter().filter(|(v, _)| self.isolation.iter().any(|i| i == v)).map(|(_, l)| *l).collect()
    }
    pub fn has(&self, isolation: &str) -> bool {
        self.isolation.iter().any(|i| i == isolation)
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct FlagsRow {
    pub code_status: String,
    pub isolation: Vec<String>,
    pub interpreter_needed: bool,
    pub note: String,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: Option<String>,
}

impl FlagsRow {
    pub fn flags(&self) -> PatientFlags {
        PatientFlags {
            code_status: self.code_status.clone(),
            isolation: self.isolation.clone(),
            interpreter_needed: self.interpreter_needed,
        }
    }
}

/// The history, newest first.
pub async fn history(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<FlagsRow>> {
    sqlx::query_as(
        "SELECT f.code_status, f.isolation, f.interpreter_needed, f.note, f.recorded_at, u.display_name AS recorded_by
         FROM patient_flags f LEFT JOIN users u ON u.id = f.recorded_by
         WHERE f.patient_id = $1 ORDER BY f.recorded_at DESC, f.id DESC LIMIT 50",
    )
    .bind(patient)
    .fetch_all(pool)
    .await
}

/// Records the flags (a new current row) with its audit event, on the caller's transaction.
pub async fn record(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    f: &PatientFlags,
    note: &str,
) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO patient_flags (id, patient_id, code_status, isolation, interpreter_needed, note, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(patient)
    .bind(&f.code_status)
    .bind(&f.isolation)
    .bind(f.interpreter_needed)
    .bind(note)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("patient.flags", "patient", patient).patient(patient).changes(json!({
            "code_status": f.code_status, "isolation": f.isolation, "interpreter_needed": f.interpreter_needed,
            "note": note,
        })),
    )
    .await?;
    Ok(id)
}

#[derive(Template)]
#[template(path = "patients/flags.html")]
struct FlagsPage {
    page: Page,
    b: Banner,
    current: PatientFlags,
    note: String,
    history: Vec<FlagsRow>,
    errors: FieldErrors,
    can_write: bool,
    code_statuses: Vec<(&'static str, String)>,
    isolations: Vec<(&'static str, String)>,
}

async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    current: Option<(PatientFlags, String)>,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let history = history(&state.pool, b.id).await?;
    audit::record_now(&state.pool, &auth.meta, Event::new("patient.flags.view", "patient", b.id).patient(b.id)).await?;
    let (current, note) = current.unwrap_or_else(|| (b.flags.clone(), String::new()));
    let errors = crate::i18n::localise_errors(&page, errors);
    let code_statuses =
        CODE_STATUSES.iter().map(|(v, l)| (*v, crate::i18n::coded(&page, "patients-flags-code", v, l))).collect();
    let isolations =
        ISOLATIONS.iter().map(|(v, l)| (*v, crate::i18n::coded(&page, "patients-isolation", v, l))).collect();
    let (heading, list) = (page.t("patients-flags-heading"), page.t("nav-patients"));
    let t = FlagsPage {
        page: page
            .titled(format!("{heading} · {}", b.name))
            .crumb(list, "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("flags")),
        b,
        current,
        note,
        history,
        errors,
        can_write: auth.can(crate::perms::PATIENTS_FLAGS),
        code_statuses,
        isolations,
    };
    web::render_status(status, &t)
}

pub async fn page(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_READ)?;
    let b = patient.banner("flags");
    render(&state, page, &auth, b, None, FieldErrors::default(), StatusCode::OK).await
}

pub async fn update(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_FLAGS)?;
    let b = patient.banner("flags");
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let mut errors = FieldErrors::default();
    let code_status = get("code_status");
    if !CODE_STATUSES.iter().any(|(v, _)| *v == code_status) {
        errors.add("code_status", "Choose a code status.");
    }
    let mut isolation: Vec<String> = Vec::new();
    for (k, v) in &pairs {
        if k == "isolation" {
            if ISOLATIONS.iter().any(|(x, _)| x == v) {
                if !isolation.contains(v) {
                    isolation.push(v.clone());
                }
            } else {
                errors.add("isolation", "Choose contact, droplet or airborne precautions.");
            }
        }
    }
    let note = get("note");
    if note.chars().count() > 300 {
        errors.add("note", "The note is at most 300 characters.");
    }
    let flags = PatientFlags { code_status, isolation, interpreter_needed: get("interpreter_needed") == "on" };
    if !errors.is_empty() {
        return render(&state, page, &auth, b, Some((flags, note)), errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let mut tx = state.pool.begin().await?;
    record(&mut tx, &auth.meta, b.id, &flags, &note).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&b.href("flags"), "ok", &page.t("patients-flags-done")))
}

/// The demo's safety flags (`MODULE.demo`): a full code, a DNACPR with contact precautions, an
/// airborne isolation with an interpreter, so the banner shows each kind.
pub async fn demo(conn: &mut PgConnection, ctx: &hearth_core::registry::DemoContext) -> anyhow::Result<()> {
    let plans: [(&str, &[&str], bool, &str); 3] = [
        ("full_code", &[], false, "Discussed on admission"),
        ("dnacpr", &["contact"], false, "DNACPR form signed by the consultant; MRSA positive"),
        ("treatment_limits", &["airborne"], true, "Ward-based care only; suspected tuberculosis"),
    ];
    for (p, (code, iso, interp, note)) in ctx.patients.iter().zip(plans) {
        let f = PatientFlags {
            code_status: code.to_string(),
            isolation: iso.iter().map(|s| s.to_string()).collect(),
            interpreter_needed: interp,
        };
        record(conn, &ctx.meta, p.id, &f, note).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    Ok(())
}
