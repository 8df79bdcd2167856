//! JSON REST API v1 (bearer tokens, problem+json errors) and its OpenAPI description.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::modules::patients::repo::{self, NewPatient, PatientDetail, PatientSummary};
use crate::platform::auth::Auth;
use crate::platform::rbac::{HasPerms, Perm};

#[derive(OpenApi)]
#[openapi(
    info(title = "Hearth API", version = "1", description = "Hearth hospital management system, JSON API v1. Authenticate with POST /api/v1/auth/token and send `Authorization: Bearer <token>`. Errors are application/problem+json (RFC 7807)."),
    paths(crate::platform::auth::routes::api_token, me, list_patients, create_patient, get_patient),
    components(schemas(Me, PatientSummary, PatientDetail, NewPatient, PatientPage, Created)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/patients", get(list_patients).post(create_patient))
        .route("/api/v1/patients/{id}", get(get_patient))
        .route("/api/openapi.json", get(openapi))
}

async fn openapi() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.merge(<crate::modules::ehr::api::EhrApiDoc as OpenApi>::openapi());
    Json(doc).into_response()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    id: Uuid,
    email: String,
    display_name: String,
    roles: Vec<String>,
    permissions: Vec<String>,
}

/// The authenticated user and what they may do.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401)), security(("bearer" = [])))]
async fn me(auth: Auth) -> Json<Me> {
    let u = auth.user;
    Json(Me { id: u.id, email: u.email, display_name: u.display_name, roles: u.roles, permissions: u.perms })
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// Name, MRN, phone, national ID or date of birth (YYYY-MM-DD).
    #[serde(default)]
    q: String,
    /// Cursor from the previous page's `next`.
    after: Option<String>,
    /// 1..100, default 25.
    limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PatientPage {
    items: Vec<PatientSummary>,
    next: Option<String>,
}

/// Searches patients (keyset pagination).
#[utoipa::path(get, path = "/api/v1/patients", params(SearchParams), responses((status = 200, body = PatientPage), (status = 401), (status = 403)), security(("bearer" = [])))]
async fn list_patients(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<PatientPage>> {
    auth.require(Perm::PatientsRead)?;
    let limit = p.limit.unwrap_or(25);
    if !(1..=100).contains(&limit) {
        return Err(AppError::BadRequest("limit must be between 1 and 100".into()));
    }
    if p.q.chars().count() > 100 {
        return Err(AppError::BadRequest("q is limited to 100 characters".into()));
    }
    let mut items = repo::search(&state.pool, &state.keys, &p.q, p.after.as_deref(), limit + 1).await?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|r| r.cursor())
    } else {
        None
    };
    Ok(Json(PatientPage { items, next }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    id: Uuid,
    mrn: String,
}

/// Registers a patient at the caller's first facility.
#[utoipa::path(post, path = "/api/v1/patients", request_body = NewPatient, responses((status = 201, body = Created), (status = 422, description = "Validation failed"), (status = 403)), security(("bearer" = [])))]
async fn create_patient(State(state): State<AppState>, auth: Auth, Json(p): Json<NewPatient>) -> AppResult<Response> {
    auth.require(Perm::PatientsWrite)?;
    let valid = p.validate().map_err(|e| e.into_result().err().unwrap_or(AppError::Unprocessable("invalid".into())))?;
    let facility = *auth
        .facility_ids
        .first()
        .ok_or_else(|| AppError::Unprocessable("the caller is not assigned to a facility".into()))?;
    let mut tx = state.pool.begin().await?;
    let (id, mrn) = repo::register(&mut tx, &state.keys, facility, &valid, &auth.meta).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id, mrn })).into_response())
}

/// One patient with decrypted contact details (the read is audited).
#[utoipa::path(get, path = "/api/v1/patients/{id}", params(("id" = Uuid, Path)), responses((status = 200, body = PatientDetail), (status = 404)), security(("bearer" = [])))]
async fn get_patient(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<PatientDetail>> {
    auth.require(Perm::PatientsRead)?;
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    repo::get(&state.pool, &state.keys, id, &auth.meta).await?.map(Json).ok_or(AppError::NotFound)
}
