//! Starting a visit from the front desk (issue 13, item 5): reception checks a registered
//! patient in for an outpatient visit — department, attending clinician, reason — with
//! `encounters.start` and without any chart permission. The visit is an outpatient encounter
//! that starts now with the status `arrived`; clinicians take it on from the chart's Encounters
//! tab. A patient has at most one outpatient visit under way (arrived or in progress): a second
//! one is refused with the first one's details.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::encounters::{self, Choice, NewEncounter};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, FieldErrors, Page};
use hearth_patients::context::PatientCtx;
use hearth_patients::model::PatientSummary;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VisitForm {
    pub department_id: String,
    pub clinician_id: String,
    pub reason: String,
}

/// The visit under way that blocks a second one.
#[derive(Debug, Clone, FromRow)]
pub struct OpenVisit {
    pub starts_at: OffsetDateTime,
    pub department: Option<String>,
    pub clinician: Option<String>,
}

#[derive(Template)]
#[template(path = "ehr/visit_start.html")]
struct VisitPage {
    page: Page,
    p: PatientSummary,
    form: VisitForm,
    errors: FieldErrors,
    departments: Vec<Choice>,
    clinicians: Vec<Choice>,
    open: Option<OpenVisit>,
    /// Why a visit cannot be started at all (a closed, merged or deceased record).
    blocked: Option<String>,
}

/// Departments of the user's facilities, open.
async fn departments(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<Choice>> {
    sqlx::query_as(
        "SELECT d.id, d.name || ' (' || f.code || ')' AS name FROM departments d JOIN facilities f ON f.id = d.facility_id
         WHERE d.active AND f.active AND d.facility_id = ANY($1) ORDER BY f.code, d.name LIMIT 500",
    )
    .bind(facilities)
    .fetch_all(pool)
    .await
}

async fn open_visit(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Option<OpenVisit>> {
    sqlx::query_as(
        "SELECT e.starts_at, d.name AS department, u.display_name AS clinician
         FROM encounters e LEFT JOIN departments d ON d.id = e.department_id LEFT JOIN users u ON u.id = e.clinician_id
         WHERE e.patient_id = $1 AND e.kind = 'outpatient' AND e.status IN ('arrived', 'in_progress')
         ORDER BY e.starts_at DESC LIMIT 1",
    )
    .bind(patient)
    .fetch_optional(conn)
    .await
}

fn blocked(p: &PatientSummary) -> Option<&'static str> {
    if p.merged_into.is_some() {
        Some("This record was merged into another one; start the visit on the surviving record.")
    } else if p.deceased {
        Some("The patient is recorded as deceased.")
    } else if !p.active {
        Some("The record is closed; reopen it before starting a visit.")
    } else {
        None
    }
}

async fn summary(state: &AppState, id: Uuid) -> AppResult<PatientSummary> {
    let mut conn = state.pool.acquire().await?;
    let p = hearth_patients::repo::load(&mut conn, &state.keys, id, false).await?.ok_or(AppError::NotFound)?;
    Ok(p.summary)
}

#[expect(clippy::too_many_arguments, reason = "a page render needs the request context, the page and the form state")]
async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    p: PatientSummary,
    form: VisitForm,
    errors: FieldErrors,
    open: Option<OpenVisit>,
    status: StatusCode,
) -> AppResult<Response> {
    let departments = departments(&state.pool, &auth.facility_ids).await?;
    let clinicians = encounters::clinicians(&state.pool).await?;
    let name = p.full_name();
    let id = p.id;
    let errors = crate::i18n::localise_errors(&page, errors);
    let blocked = blocked(&p).map(|m| crate::i18n::localise(&page, m));
    let (heading, list) = (page.t("patients-start-visit"), page.t("nav-patients"));
    let t = VisitPage {
        page: page
            .titled(format!("{heading} · {name}"))
            .crumb(list, "/patients")
            .crumb(name, format!("/patients/{id}"))
            .crumb(heading, format!("/patients/{id}/visit")),
        blocked,
        p,
        form,
        errors,
        departments,
        clinicians,
        open,
    };
    web::render_status(status, &t)
}

/// `GET /patients/{id}/visit`: the front desk's check-in form.
pub async fn form(State(state): State<AppState>, page: Page, auth: Auth, patient: PatientCtx) -> AppResult<Response> {
    auth.require(crate::perms::ENCOUNTERS_START)?;
    let p = summary(&state, patient.id).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("patient.view", "patient", patient.id)
            .patient(patient.id)
            .changes(serde_json::json!({"section": "visit_start"})),
    )
    .await?;
    let open = open_visit(&mut *state.pool.acquire().await?, patient.id).await?;
    render(&state, page, &auth, p, VisitForm::default(), FieldErrors::default(), open, StatusCode::OK).await
}

/// `POST /patients/{id}/visit`: starts the visit now (an outpatient encounter, arrived).
pub async fn start(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
    Form(form): Form<VisitForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::ENCOUNTERS_START)?;
    let pid = patient.id;
    let p = summary(&state, pid).await?;
    if let Some(why) = blocked(&p) {
        return Err(AppError::Conflict(why.into()));
    }
    let mut errors = FieldErrors::default();
    let department = form.department_id.trim();
    if department.is_empty() {
        errors.add("department_id", "Choose the department the patient is visiting.");
    } else {
        // Only the departments offered: the user's facilities', open.
        let ours = department.parse::<Uuid>().ok();
        let offered = departments(&state.pool, &auth.facility_ids).await?;
        if !ours.is_some_and(|d| offered.iter().any(|c| c.id == d)) {
            errors.add("department_id", "Choose one of your facility's open departments.");
        }
    }
    if form.reason.trim().is_empty() {
        errors.add("reason", "Enter the reason for the visit (e.g. \"follow-up of asthma\").");
    }
    let new = NewEncounter {
        kind: "outpatient".into(),
        status: Some("arrived".into()),
        department_id: Some(department.to_string()),
        clinician_id: Some(form.clinician_id.trim().to_string()),
        reason: form.reason.clone(),
        starts_at: None,
        starts_at_offset: None,
    };
    let valid = match new.validate(&state.pool, &page.zone, None).await? {
        Ok(v) if errors.is_empty() => v,
        Ok(_) => return render(&state, page, &auth, p, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(more) => {
            for (f, m) in more.0 {
                if errors.get(f).is_none() {
                    errors.add(f, m);
                }
            }
            return render(&state, page, &auth, p, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    // One visit under way per patient; the lock makes two desks starting one at once take turns.
    sqlx::query("SELECT 1 FROM patients WHERE id = $1 FOR UPDATE").bind(pid).execute(&mut *tx).await?;
    if let Some(open) = open_visit(&mut tx, pid).await? {
        drop(tx);
        return render(&state, page, &auth, p, form, FieldErrors::default(), Some(open), StatusCode::CONFLICT).await;
    }
    encounters::insert(&mut tx, &auth.meta, pid, &valid).await?;
    tx.commit().await?;
    let dept: Option<String> = sqlx::query_scalar("SELECT name FROM departments WHERE id = $1")
        .bind(valid.department_id)
        .fetch_optional(&state.pool)
        .await?;
    Ok(web::redirect_flash(
        &format!("/patients/{pid}"),
        "ok",
        &match dept {
            Some(d) => page.t1("ehr-visit-started", "department", d),
            None => page.t("ehr-visit-started-department"),
        },
    ))
}
