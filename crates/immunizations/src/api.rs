//! The immunization record's JSON API (`/api/v1/patients/{id}/immunizations`, `/api/v1/vaccines`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::model::{ErrorForm, Immunization, NewImmunization, Vaccine};
use crate::pages::audit_view;
use crate::{perms, repo};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_patients::banner::ChartPatient;

#[derive(OpenApi)]
#[openapi(
    paths(list, create, mark_error, vaccines),
    components(schemas(Immunization, NewImmunization, ErrorForm, Vaccine, ImmunizationCreated)),
    tags((name = "immunizations", description = "The immunization record: CVX-coded vaccines given, reported or not given"))
)]
struct ImmunizationsApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ImmunizationsApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    let p = "/api/v1/patients/{id}/immunizations";
    ApiRoutes::new()
        .get(p, list)
        .post(p, create)
        .post(&format!("{p}/{{item}}/error"), mark_error)
        .get("/api/v1/vaccines", vaccines)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImmunizationCreated {
    id: Uuid,
}

/// The patient's immunizations, newest first (entries in error included, marked).
#[utoipa::path(get, path = "/api/v1/patients/{id}/immunizations", params(("id" = Uuid, Path)),
    responses((status = 200, body = [Immunization])), security(("bearer" = [])), tag = "immunizations")]
async fn list(State(state): State<AppState>, auth: Auth, patient: ChartPatient) -> AppResult<Json<Vec<Immunization>>> {
    auth.require(perms::READ)?;
    let rows = repo::list(&state.pool, patient.id).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

/// Records a vaccine given (`status` completed, the default), reported from elsewhere
/// (`reported: true`) or not given (`status` not_done with `not_done_reason`). The same vaccine at
/// the same instant twice answers 409.
#[utoipa::path(post, path = "/api/v1/patients/{id}/immunizations", params(("id" = Uuid, Path)),
    request_body = NewImmunization, responses((status = 201, body = ImmunizationCreated)), security(("bearer" = [])),
    tag = "immunizations")]
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Json(form): Json<NewImmunization>,
) -> AppResult<(StatusCode, Json<ImmunizationCreated>)> {
    auth.require(perms::WRITE)?;
    let valid = form.validate(patient.data.birth_date, OffsetDateTime::now_utc(), &Zone::utc())?;
    let mut tx = state.pool.begin().await?;
    let id = repo::insert(&mut tx, &auth.meta, patient.id, &valid).await?;
    repo::raise_reaction(&mut tx, state.registry, &auth.meta, patient.id, id, &valid).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(ImmunizationCreated { id })))
}

/// Marks an entry entered in error (`reason` required); an entry already in error answers 409.
#[utoipa::path(post, path = "/api/v1/patients/{id}/immunizations/{item}/error",
    params(("id" = Uuid, Path), ("item" = Uuid, Path)), request_body = ErrorForm,
    responses((status = 204)), security(("bearer" = [])), tag = "immunizations")]
async fn mark_error(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Json(f): Json<ErrorForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::WRITE)?;
    let reason = f.validate()?;
    let mut tx = state.pool.begin().await?;
    repo::mark_error(&mut tx, &auth.meta, patient.id, item, &reason).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The vaccine catalogue (CVX codes).
#[utoipa::path(get, path = "/api/v1/vaccines", responses((status = 200, body = [Vaccine])), security(("bearer" = [])),
    tag = "immunizations")]
async fn vaccines(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<Vaccine>>> {
    auth.require(perms::READ)?;
    Ok(Json(repo::vaccines(&state.pool).await?))
}
