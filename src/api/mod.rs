//! JSON REST API v1 (bearer tokens, problem+json errors) and its OpenAPI description.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::modules::patients::context::PatientCtx;
use crate::modules::patients::model::{NewPatient, PatientDetail, PatientSummary};
use crate::modules::patients::{access, merge, register, repo, rights, search};
use crate::platform::auth::Auth;
use crate::platform::rbac::{HasPerms, Perm};
use crate::platform::routes::Routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Hearth API", version = "1", description = "Hearth hospital management system, JSON API v1. Authenticate with POST /api/v1/auth/token and send `Authorization: Bearer <token>`. Errors are application/problem+json (RFC 7807)."),
    paths(crate::platform::auth::routes::api_token, me, list_patients, create_patient, get_patient, patch_patient, merge_patient, export_patient),
    components(schemas(Me, PatientSummary, PatientDetail, NewPatient, PatientPage, Created, MergeRequest, MergeResult)),
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
    routes().into_router()
}

/// The registry's API (the recorded paths let tests walk every route below a patient).
pub fn routes() -> Routes {
    Routes::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/patients", get(list_patients).post(create_patient))
        .route("/api/v1/patients/{id}", get(get_patient).patch(patch_patient))
        .route("/api/v1/patients/{id}/merge", post(merge_patient))
        .route("/api/v1/patients/{id}/export", get(export_patient))
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
    /// Name (prefix, substring or fuzzy; accents ignored; a YYYY-MM-DD word narrows by birth date),
    /// MRN, phone, national ID, insurance number, email, or date of birth (YYYY-MM-DD).
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

/// Searches patients (ranked, keyset pagination). Restricted records the caller may not open
/// are left out, or masked (MRN only) on exact identifier matches.
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
    let res = search::search_page(&state.pool, &state.keys, &auth.user, &p.q, p.after.as_deref(), limit).await?;
    Ok(Json(PatientPage { items: res.rows, next: res.next }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    id: Uuid,
    mrn: String,
}

fn invalid(e: crate::web::FieldErrors) -> AppError {
    e.into_result().err().unwrap_or_else(|| AppError::Unprocessable("invalid".into()))
}

/// Registers a patient at the caller's first facility. Possible duplicates answer 409 with
/// their MRNs and scores unless `register_anyway` is true.
#[utoipa::path(post, path = "/api/v1/patients", request_body = NewPatient, responses((status = 201, body = Created), (status = 409, description = "Possible duplicates"), (status = 422, description = "Validation failed"), (status = 403)), security(("bearer" = [])))]
async fn create_patient(
    State(state): State<AppState>,
    auth: Auth,
    Json(mut p): Json<NewPatient>,
) -> AppResult<Response> {
    auth.require(Perm::PatientsWrite)?;
    p.unidentified = false;
    let valid = p.validate().map_err(invalid)?;
    let facility = *auth
        .facility_ids
        .first()
        .ok_or_else(|| AppError::Unprocessable("the caller is not assigned to a facility".into()))?;
    if !p.register_anyway {
        let found = register::candidates(&state.pool, &state.keys, &auth.user, &valid, None).await?;
        if !found.is_empty() {
            let list: Vec<String> = found.iter().map(|c| format!("{} (score {})", c.summary.mrn, c.score)).collect();
            return Err(AppError::Conflict(format!(
                "possible duplicates: {}; send register_anyway: true to register regardless",
                list.join(", ")
            )));
        }
    }
    let reserved = repo::reserve_mrn(&state.pool, facility).await?;
    let mut tx = state.pool.begin().await?;
    let (id, mrn) = repo::register_as(&mut tx, &state.keys, facility, Some(reserved), &valid, &auth.meta).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id, mrn })).into_response())
}

/// One patient with decrypted contact details (the read is audited). Restricted records answer
/// 403 unless the caller is on the care team, holds `patients.restricted` or broke the glass.
#[utoipa::path(get, path = "/api/v1/patients/{id}", params(("id" = Uuid, Path)), responses((status = 200, body = PatientDetail), (status = 403), (status = 404)), security(("bearer" = [])))]
async fn get_patient(State(state): State<AppState>, auth: Auth, patient: PatientCtx) -> AppResult<Json<PatientDetail>> {
    auth.require(Perm::PatientsRead)?;
    let id = patient.id;
    repo::get(&state.pool, &state.keys, id, &auth.meta).await?.map(Json).ok_or(AppError::NotFound)
}

/// Changes demographics: send only the fields to change (JSON merge patch; `null` clears an
/// optional field). Audited with before/after (encrypted fields as "changed").
#[utoipa::path(patch, path = "/api/v1/patients/{id}", params(("id" = Uuid, Path)), request_body = NewPatient, responses((status = 200, body = PatientDetail), (status = 409), (status = 422), (status = 404)), security(("bearer" = [])))]
async fn patch_patient(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(patch): Json<serde_json::Value>,
) -> AppResult<Json<PatientDetail>> {
    auth.require(Perm::PatientsWrite)?;
    let id = patient.id;
    let serde_json::Value::Object(patch) = patch else {
        return Err(AppError::Unprocessable("send a JSON object with the fields to change".into()));
    };
    let mut tx = state.pool.begin().await?;
    let current = repo::load(&mut tx, &state.keys, id, true).await?.ok_or(AppError::NotFound)?;
    let mut doc = serde_json::to_value(current.to_form()).map_err(|e| AppError::Internal(e.into()))?;
    let allowed = doc.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    for (k, v) in patch {
        if !allowed.contains(&k) {
            return Err(AppError::Unprocessable(format!("{k}: not a field that can be changed")));
        }
        doc[&k] = v;
    }
    let form: NewPatient =
        serde_json::from_value(doc).map_err(|e| AppError::Unprocessable(format!("invalid field type: {e}")))?;
    let valid = form.validate().map_err(invalid)?;
    repo::update(&mut tx, &state.keys, id, &valid, &auth.meta).await?;
    let after = repo::load(&mut tx, &state.keys, id, false).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(Json(after))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MergeRequest {
    /// The record merged into the one in the path (the survivor).
    merged: Uuid,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MergeResult {
    survivor: Uuid,
    merged: Uuid,
    /// Rows moved per table.
    #[schema(value_type = Object)]
    moved: serde_json::Value,
}

/// Merges `merged` into the patient in the path (needs `patients.merge`). Merging a record
/// into itself or involving an already merged record answers 409.
#[utoipa::path(post, path = "/api/v1/patients/{id}/merge", params(("id" = Uuid, Path, description = "the survivor")), request_body = MergeRequest, responses((status = 200, body = MergeResult), (status = 409), (status = 403), (status = 404)), security(("bearer" = [])))]
async fn merge_patient(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(req): Json<MergeRequest>,
) -> AppResult<Json<MergeResult>> {
    auth.require(Perm::PatientsMerge)?;
    let survivor = patient.id;
    access::require(&state.pool, &auth.user, req.merged).await?;
    let mut tx = state.pool.begin().await?;
    let moved = merge::merge(&mut tx, survivor, req.merged, &auth.meta).await?;
    tx.commit().await?;
    Ok(Json(MergeResult { survivor, merged: req.merged, moved }))
}

/// The whole record: the registry's sections (`{format, patient, emergency_contacts, consents,
/// care_team, rights_requests, merged_records, photo}`) and, for holders of `chart.read`, the
/// chart's (`encounters, problems, allergies, vital_signs, notes` with text and addenda,
/// `home_medications, documents` metadata with checksums); otherwise `omitted_sections` lists
/// them. Audited as `patient.export`.
#[utoipa::path(get, path = "/api/v1/patients/{id}/export", params(("id" = Uuid, Path)), responses((status = 200, description = "Export document"), (status = 403), (status = 404)), security(("bearer" = [])))]
async fn export_patient(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Json<serde_json::Value>> {
    auth.require(Perm::PatientsRead)?;
    let id = patient.id;
    rights::export(&state.pool, &state.keys, id, &auth.meta, auth.can(Perm::ChartRead))
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}
