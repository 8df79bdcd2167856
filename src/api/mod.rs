//! JSON REST API v1 (bearer tokens, problem+json errors) and its OpenAPI description.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
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
use crate::platform::idempotency;
use crate::platform::rbac::{HasPerms, Perm};

pub mod routes;

pub use routes::ApiRoutes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Hearth API", version = "1", description = "Hearth hospital management system, JSON API v1. Authenticate with POST /api/v1/auth/token and send `Authorization: Bearer <token>`. Errors are application/problem+json (RFC 7807). Every POST accepts an `Idempotency-Key` header: a repeat of the same request with the same key gets the first answer (with `Idempotency-Replayed: true`) instead of doing it twice."),
    paths(crate::platform::auth::routes::api_token, me, list_patients, create_patient, get_patient, patch_patient, merge_patient, export_patient),
    components(schemas(Me, PatientSummary, PatientDetail, NewPatient, PatientPage, Created, MergeRequest, MergeResult, ProblemDetails)),
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

/// An error answer (RFC 7807 problem details).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemDetails {
    /// Always `about:blank`.
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    /// What went wrong, safe to show.
    detail: String,
}

/// The whole API description (`/api/openapi.json`): the registry's and the chart's operations,
/// with the error answers every operation can give added from its shape ([`error_responses`]).
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(<crate::modules::ehr::api::EhrApiDoc as OpenApi>::openapi());
    error_responses(&mut doc);
    doc
}

/// Adds to every operation the answers the shared machinery gives, each as problem+json:
/// 400 (unreadable parameters or body), 401 and 403 (bearer token, permissions; `/me` needs none),
/// 404 (a path names something that does not exist or may not be seen), 413, 415 and 422
/// (bodies), 409 and 422 (POST with an `Idempotency-Key` in flight or reused for another request;
/// not the token endpoint),
/// 429 (rate limits) and 503 (busy or the database unavailable). Answers an operation declares
/// itself keep their description; any error answer without a body gets the problem body. Those
/// POSTs also get the optional `Idempotency-Key` header parameter.
pub fn error_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
    use utoipa::openapi::{Content, Ref, RefOr, Required, Response};
    let problem_content = || Content::new(Some(Ref::from_schema_name("ProblemDetails")));
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops: [(&str, &mut Option<Operation>); 5] = [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op.as_mut() else { continue };
            let params = op.parameters.as_deref().unwrap_or_default();
            let has_path = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
            let has_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
            let has_body = op.request_body.is_some();
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let mut add: Vec<(&str, &str)> = Vec::new();
            if has_path || has_query || has_body {
                add.push(("400", "The request could not be read: a malformed parameter or body"));
            }
            if secured {
                add.push(("401", "No bearer token, or an invalid or expired one"));
            }
            if path != "/api/v1/me" {
                add.push(("403", "The caller may not do this"));
            }
            if has_path {
                add.push(("404", "Not found, or not visible to the caller"));
            }
            if has_body {
                add.push(("413", "The body is too large"));
                add.push(("415", "The body's content type is not the one described"));
                add.push(("422", "The body is well-formed but its content is invalid"));
            }
            if method == "post" && crate::platform::idempotency::applies(&axum::http::Method::POST, path) {
                add.push(("409", "A request with the same Idempotency-Key is still running, or was interrupted"));
                add.push(("422", "The Idempotency-Key was used before with a different request"));
                let key = Parameter::builder()
                    .name("Idempotency-Key")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(
                        "Up to 255 visible ASCII characters, unique per request you mean to make once; kept 24 hours.",
                    ))
                    .schema(Some(utoipa::openapi::schema::Schema::Object(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::String)
                            .min_length(Some(1))
                            .max_length(Some(255))
                            .pattern(Some("^[!-~]+$"))
                            .build(),
                    )))
                    .build();
                op.parameters.get_or_insert_with(Vec::new).push(key);
            }
            add.push(("429", "Too many requests; wait for Retry-After seconds"));
            add.push(("503", "Busy, or the database is unavailable; retry after Retry-After seconds"));
            for (code, description) in add {
                op.responses.responses.entry(code.to_string()).or_insert_with(|| {
                    RefOr::T(
                        Response::builder()
                            .description(description)
                            .content("application/problem+json", problem_content())
                            .build(),
                    )
                });
            }
            for (code, r) in op.responses.responses.iter_mut() {
                if let (true, RefOr::T(r)) = (code.parse::<u16>().is_ok_and(|c| c >= 400), r) {
                    if r.content.is_empty() {
                        r.content.insert("application/problem+json".to_string(), problem_content());
                    }
                }
            }
        }
    }
}

pub fn router() -> Router<AppState> {
    routes().into_router().route("/api/openapi.json", get(openapi))
}

/// The registry's API routes, each registered with its method in one call.
pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .get("/api/v1/me", me)
        .get("/api/v1/patients", list_patients)
        .post("/api/v1/patients", create_patient)
        .get("/api/v1/patients/{id}", get_patient)
        .patch("/api/v1/patients/{id}", patch_patient)
        .post("/api/v1/patients/{id}/merge", merge_patient)
        .get("/api/v1/patients/{id}/export", export_patient)
}

/// Every `(method, path)` the application serves under `/api/v1`, from the calls that build
/// its routers (the token endpoint, the registry, the chart).
pub fn operations() -> Vec<(axum::http::Method, String)> {
    let mut ops = Vec::new();
    for r in [crate::platform::auth::routes::api_routes(), routes(), crate::modules::ehr::api::routes()] {
        ops.extend_from_slice(r.ops());
    }
    ops
}

async fn openapi() -> Response {
    Json(openapi_doc()).into_response()
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
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Name (prefix, substring or fuzzy; accents ignored; a YYYY-MM-DD word narrows by birth date),
    /// MRN, phone, national ID, insurance number, email, or date of birth (YYYY-MM-DD).
    #[serde(default)]
    #[param(max_length = 100)]
    q: String,
    /// Cursor from the previous page's `next`.
    after: Option<String>,
    /// 1..100, default 25.
    #[param(minimum = 1, maximum = 100)]
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
    claim: Option<axum::Extension<idempotency::Claim>>,
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
    let body = serde_json::to_vec(&Created { id, mrn }).map_err(|e| AppError::Internal(e.into()))?;
    // With an Idempotency-Key, the answer commits with the patient: a retry can never register twice.
    if let Some(axum::Extension(claim)) = &claim {
        claim.complete_in(&mut tx, StatusCode::CREATED, "application/json", &body).await?;
    }
    tx.commit().await?;
    Ok((StatusCode::CREATED, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response())
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
