//! The registry's JSON API: search, register, read, patch, merge and export patients.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::context::PatientCtx;
use crate::model::{NewPatient, PatientDetail, PatientSummary};
use crate::unmerge::{CreatedSince, MergeEntry, UnmergeNoteView, UnmergePreview, UnmergeRequest, Unmerged};
use crate::{access, identity, merge, register, repo, rights, search};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::idempotency;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::paging::{PageRequest, Paged};

#[derive(OpenApi)]
#[openapi(
    paths(list_patients, create_patient, get_patient, patch_patient, merge_patient, export_patient, merges, merge_preview, unmerge,
        identity::api_add_identifier, identity::api_remove_identifier, identity::api_add_name, identity::api_remove_name),
    components(schemas(PatientSummary, PatientDetail, NewPatient, identity::IdentifierInput, identity::NameInput,
        identity::IdentifierView, identity::NameView, identity::AddressParts, identity::Added, Paged<PatientSummary>, PatientCreated, MergeRequest, MergeResult,
        MergeEntry, Paged<MergeEntry>, UnmergePreview, UnmergeNoteView, CreatedSince, UnmergeRequest, Unmerged)),
    tags((name = "patients", description = "The patient registry"))
)]
pub struct PatientsApiDoc;

/// The registry's API routes, each registered with its method in one call.
pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .get("/api/v1/patients", list_patients)
        .post("/api/v1/patients", create_patient)
        .get("/api/v1/patients/{id}", get_patient)
        .patch("/api/v1/patients/{id}", patch_patient)
        .post("/api/v1/patients/{id}/merge", merge_patient)
        .get("/api/v1/patients/{id}/merges", merges)
        .get("/api/v1/patients/{id}/merges/{merge}", merge_preview)
        .post("/api/v1/patients/{id}/merges/{merge}/undo", unmerge)
        .get("/api/v1/patients/{id}/export", export_patient)
        .post("/api/v1/patients/{id}/identifiers", identity::api_add_identifier)
        .delete("/api/v1/patients/{id}/identifiers/{identifier}", identity::api_remove_identifier)
        .post("/api/v1/patients/{id}/names", identity::api_add_name)
        .delete("/api/v1/patients/{id}/names/{name}", identity::api_remove_name)
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    PatientsApiDoc::openapi()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Name (prefix, substring or fuzzy; accents ignored; a date word narrows by birth date), MRN
    /// (with or without its prefix), phone (national or international form, or its last six
    /// digits), national ID, insurance number, email, or date of birth (YYYY-MM-DD, DD/MM/YYYY or
    /// DD.MM.YYYY).
    #[serde(default)]
    #[param(max_length = 100)]
    q: String,
    /// The `next` cursor of the previous page (400 if it is not one).
    #[param(max_length = 512)]
    after: Option<String>,
    /// 1..100, default 25.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

/// Searches patients (ranked, keyset pagination). Restricted records the caller may not open
/// are left out, or masked (MRN only) on exact identifier matches.
#[utoipa::path(get, path = "/api/v1/patients", params(SearchParams), responses((status = 200, body = Paged<PatientSummary>), (status = 401), (status = 403)), security(("bearer" = [])))]
async fn list_patients(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<Paged<PatientSummary>>> {
    auth.require(crate::perms::PATIENTS_READ)?;
    let req = PageRequest::parse(p.after.as_deref(), p.limit, 25, 100)?;
    if p.q.chars().count() > 100 {
        return Err(AppError::BadRequest("q is limited to 100 characters".into()));
    }
    Ok(Json(search::search_page(&state.pool, &state.keys, &auth.user, &p.q, &req).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PatientCreated {
    id: Uuid,
    mrn: String,
}

/// Registers a patient at the caller's first facility. Possible duplicates answer 409 with
/// their MRNs and scores unless `register_anyway` is true.
#[utoipa::path(post, path = "/api/v1/patients", request_body = NewPatient, responses((status = 201, body = PatientCreated), (status = 409, description = "Possible duplicates"), (status = 422, description = "Validation failed"), (status = 403)), security(("bearer" = [])))]
async fn create_patient(
    State(state): State<AppState>,
    auth: Auth,
    claim: Option<axum::Extension<idempotency::Claim>>,
    Json(mut p): Json<NewPatient>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    p.unidentified = false;
    p.record_race_ethnicity = state.config.record_race_ethnicity;
    let valid = p.validate()?;
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
    let body = serde_json::to_vec(&PatientCreated { id, mrn }).map_err(|e| AppError::Internal(e.into()))?;
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
    auth.require(crate::perms::PATIENTS_READ)?;
    let id = patient.id;
    let mut p = repo::get(&state.pool, &state.keys, id, &auth.meta).await?.ok_or(AppError::NotFound)?;
    p.gate_race_ethnicity(state.config.record_race_ethnicity);
    Ok(Json(p))
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
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let serde_json::Value::Object(patch) = patch else {
        return Err(AppError::Unprocessable("send a JSON object with the fields to change".into()));
    };
    let mut tx = state.pool.begin().await?;
    let mut current = repo::load(&mut tx, &state.keys, id, true).await?.ok_or(AppError::NotFound)?;
    current.gate_race_ethnicity(state.config.record_race_ethnicity);
    let mut doc = serde_json::to_value(current.to_form()).map_err(|e| AppError::Internal(e.into()))?;
    let allowed = doc.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    for (k, v) in patch {
        if k == "identifiers" || k == "names" {
            return Err(AppError::Unprocessable(format!(
                "{k}: change them through /api/v1/patients/{{id}}/{k} (POST to add, DELETE to remove)"
            )));
        }
        if !allowed.contains(&k) {
            return Err(AppError::Unprocessable(format!("{k}: not a field that can be changed")));
        }
        doc[&k] = v;
    }
    let mut form: NewPatient =
        serde_json::from_value(doc).map_err(|e| AppError::Unprocessable(format!("invalid field type: {e}")))?;
    form.record_race_ethnicity = state.config.record_race_ethnicity;
    let valid = form.validate()?;
    repo::update(&mut tx, &state.keys, id, &valid, &auth.meta).await?;
    let mut after = repo::load(&mut tx, &state.keys, id, false).await?.ok_or(AppError::NotFound)?;
    after.gate_race_ethnicity(state.config.record_race_ethnicity);
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
    /// The merge's entry in the merge log (`GET /api/v1/patients/{id}/merges`; undone with
    /// `POST /api/v1/patients/{id}/merges/{merge}/undo`).
    merge: Uuid,
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
    auth.require(crate::perms::PATIENTS_MERGE)?;
    let survivor = patient.id;
    access::require(&state.pool, &auth.user, req.merged).await?;
    let mut tx = state.pool.begin().await?;
    let done = merge::merge(&mut tx, state.registry, survivor, req.merged, &auth.meta).await?;
    tx.commit().await?;
    Ok(Json(MergeResult { survivor, merged: req.merged, merge: done.id, moved: done.moved }))
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
    auth.require(crate::perms::PATIENTS_READ)?;
    let id = patient.id;
    rights::export(&state, id, &auth.user, &auth.meta).await?.map(Json).ok_or(AppError::NotFound)
}

/// The merges the record took part in, as survivor or as merged record, newest first (one page:
/// `next` is null). Needs `patients.read`.
#[utoipa::path(get, path = "/api/v1/patients/{id}/merges", params(("id" = Uuid, Path)), responses((status = 200, body = Paged<MergeEntry>), (status = 403), (status = 404)), security(("bearer" = [])))]
async fn merges(
    state: axum::extract::State<AppState>,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Json<Paged<MergeEntry>>> {
    crate::unmerge::api_history(state, auth, patient).await
}

/// What undoing merge `{merge}` of the survivor `{id}` would meet: every module's notes (a note
/// with `blocks` refuses it), the rows created on the survivor since (they stay unless named in
/// `also`), and whether it can be undone. Needs `patients.unmerge`.
#[utoipa::path(get, path = "/api/v1/patients/{id}/merges/{merge}", params(("id" = Uuid, Path, description = "the survivor"), ("merge" = Uuid, Path)), responses((status = 200, body = UnmergePreview), (status = 403), (status = 404)), security(("bearer" = [])))]
async fn merge_preview(
    state: axum::extract::State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    path: hearth_core::web::Path<(String, Uuid)>,
) -> AppResult<Json<UnmergePreview>> {
    crate::unmerge::api_preview(state, auth, patient, path).await
}

/// Undoes merge `{merge}` (needs `patients.unmerge`; a reason; within the unmerge window): the
/// rows the merge moved go back, each merge step is reversed, the merged record is open again.
/// 409 when already undone or when a module's note blocks it; 422 for a missing reason or an
/// `also` row that is not one created on the survivor since the merge.
#[utoipa::path(post, path = "/api/v1/patients/{id}/merges/{merge}/undo", params(("id" = Uuid, Path, description = "the survivor"), ("merge" = Uuid, Path)), request_body = UnmergeRequest, responses((status = 200, body = Unmerged), (status = 409), (status = 422), (status = 403), (status = 404)), security(("bearer" = [])))]
async fn unmerge(
    state: axum::extract::State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    path: hearth_core::web::Path<(String, Uuid)>,
    body: Json<UnmergeRequest>,
) -> AppResult<Json<Unmerged>> {
    crate::unmerge::api_undo(state, auth, patient, path, body).await
}
