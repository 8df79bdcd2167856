use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use uuid::Uuid;

use super::repo::{self, NewPatient, PatientDetail, PatientSummary, SEXES};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::platform::auth::Auth;
use crate::platform::rbac::{HasPerms, Perm};
use crate::web::{self, FieldErrors, Page};

pub const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "patients/list.html")]
struct ListPage {
    page: Page,
    q: String,
    rows: Vec<PatientSummary>,
    next: Option<String>,
    can_write: bool,
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(lq): Query<ListQuery>,
) -> AppResult<Response> {
    auth.require(Perm::PatientsRead)?;
    let q: String = lq.q.chars().take(100).collect();
    let mut rows = repo::search(&state.pool, &state.keys, &q, lq.after.as_deref(), PAGE_SIZE + 1).await?;
    let next = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last()
            .map(|r| serde_urlencoded::to_string([("q", q.as_str()), ("after", &r.cursor())]).unwrap_or_default())
    } else {
        None
    };
    web::render(&ListPage {
        page: page.titled("Patients").crumb("Patients", "/patients"),
        q,
        rows,
        next,
        can_write: auth.can(Perm::PatientsWrite),
    })
}

#[derive(Template)]
#[template(path = "patients/new.html")]
struct NewPage {
    page: Page,
    form: NewPatient,
    errors: FieldErrors,
    sexes: [&'static str; 4],
}

pub async fn new_form(page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(Perm::PatientsWrite)?;
    web::render(&NewPage {
        page: page.titled("Register patient").crumb("Patients", "/patients").crumb("Register", "/patients/new"),
        form: NewPatient { sex: "unknown".into(), ..Default::default() },
        errors: FieldErrors::default(),
        sexes: SEXES,
    })
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<NewPatient>,
) -> AppResult<Response> {
    auth.require(Perm::PatientsWrite)?;
    let valid = match form.validate() {
        Ok(v) => v,
        Err(errors) => {
            let t = NewPage {
                page: page.titled("Register patient").crumb("Patients", "/patients").crumb("Register", "/patients/new"),
                form,
                errors,
                sexes: SEXES,
            };
            return web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &t);
        }
    };
    let facility = *auth
        .facility_ids
        .first()
        .ok_or_else(|| AppError::Unprocessable("You are not assigned to a facility; ask an administrator.".into()))?;
    let mut tx = state.pool.begin().await?;
    let (id, mrn) = repo::register(&mut tx, &state.keys, facility, &valid, &auth.meta).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", &format!("Registered with MRN {mrn}.")))
}

#[derive(Template)]
#[template(path = "patients/show.html")]
struct ShowPage {
    page: Page,
    p: PatientDetail,
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    auth.require(Perm::PatientsRead)?;
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let p = repo::get(&state.pool, &state.keys, id, &auth.meta).await?.ok_or(AppError::NotFound)?;
    let name = p.summary.full_name();
    web::render(&ShowPage {
        page: page.titled(name.clone()).crumb("Patients", "/patients").crumb(name, format!("/patients/{id}")),
        p,
    })
}
