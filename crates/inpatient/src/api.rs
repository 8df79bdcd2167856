//! Inpatient care's JSON API: wards and beds (FHIR Location, with the bed's operational status),
//! a patient's stays (FHIR Encounter, class IMP) and their transfers (the location history), and
//! the ADT actions.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::model::*;
use crate::pages::{audit_view, chosen_facility, discharge_in_tx};
use crate::{perms, repo};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_patients::banner::ChartPatient;

#[derive(OpenApi)]
#[openapi(
    paths(wards, beds, bed_status, admissions, admit, transfers, send_transfer, receive, cancel, leave, return_from_leave,
          discharge, crate::placement::api_queue, crate::placement::api_candidates, crate::placement::api_assign,
          crate::placement::api_admit, crate::placement::api_cancel, crate::placement::api_patient_requests,
          crate::placement::api_create),
    components(schemas(Ward, BoardBed, Admission, Transfer, BedStatusForm, AdmitForm, TransferForm, LeaveForm,
                       DischargeForm, InpatientCreated, crate::bed_requests::BedRequest, crate::bed_requests::CandidateBed,
                       crate::bed_requests::BedRequestForm, crate::bed_requests::BedAssignForm,
                       crate::bed_requests::BedRequestCancelForm, crate::placement::InpatientBedRequestCreated)),
    tags((name = "inpatient", description = "Inpatient care: wards, beds, admissions, transfers, discharges"))
)]
struct InpatientApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    InpatientApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    let p = "/api/v1/patients/{id}/inpatient";
    crate::placement::api_routes(ApiRoutes::new())
        .get("/api/v1/inpatient/wards", wards)
        .get("/api/v1/inpatient/beds", beds)
        .post("/api/v1/inpatient/beds/{bed}/status", bed_status)
        .get(&format!("{p}/admissions"), admissions)
        .post(&format!("{p}/admissions"), admit)
        .get(&format!("{p}/transfers"), transfers)
        .post(&format!("{p}/admissions/{{adm}}/transfers"), send_transfer)
        .post(&format!("{p}/transfers/{{t}}/receive"), receive)
        .post(&format!("{p}/transfers/{{t}}/cancel"), cancel)
        .post(&format!("{p}/admissions/{{adm}}/leave"), leave)
        .post(&format!("{p}/admissions/{{adm}}/return"), return_from_leave)
        .post(&format!("{p}/admissions/{{adm}}/discharge"), discharge)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InpatientCreated {
    id: Uuid,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct BedsQuery {
    /// One of the caller's facilities (default: the first with wards).
    facility: String,
    /// Only this ward's beds.
    ward: String,
}

/// The wards of the caller's facilities with their bed counts.
#[utoipa::path(get, path = "/api/v1/inpatient/wards", responses((status = 200, body = [Ward])),
    security(("bearer" = [])), tag = "inpatient")]
async fn wards(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<Ward>>> {
    auth.require(perms::READ)?;
    Ok(Json(repo::wards(&state.pool, &auth.facility_ids).await?))
}

/// Every bed in service of a facility (or ward) with its operational status and occupant
/// (masked for restricted records the caller may not open).
#[utoipa::path(get, path = "/api/v1/inpatient/beds", params(BedsQuery), responses((status = 200, body = [BoardBed])),
    security(("bearer" = [])), tag = "inpatient")]
async fn beds(State(state): State<AppState>, auth: Auth, Query(q): Query<BedsQuery>) -> AppResult<Json<Vec<BoardBed>>> {
    auth.require(perms::READ)?;
    let (facility, _) = chosen_facility(&state, &auth, &q.facility).await?;
    let ward = match q.ward.trim() {
        "" => None,
        s => Some(s.parse::<Uuid>().map_err(|_| AppError::BadRequest("ward: not a ward id".into()))?),
    };
    Ok(Json(repo::board(&state.pool, hearth_patients::access::viewer(&auth.user), facility, ward).await?))
}

/// Blocks a bed (`status` blocked, with `reason` and optional `until`) or makes a blocked bed
/// available. A bed in another state answers 409.
#[utoipa::path(post, path = "/api/v1/inpatient/beds/{bed}/status", params(("bed" = Uuid, Path)),
    request_body = BedStatusForm, responses((status = 204)), security(("bearer" = [])), tag = "inpatient")]
async fn bed_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(bed): Path<Uuid>,
    Json(f): Json<BedStatusForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::CONFIGURE)?;
    let v = f.validate(&Zone::utc())?;
    let mut tx = state.pool.begin().await?;
    repo::set_bed_status(&mut tx, &auth.meta, &auth.facility_ids, bed, &v).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The patient's stays, newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/inpatient/admissions", params(("id" = Uuid, Path)),
    responses((status = 200, body = [Admission])), security(("bearer" = [])), tag = "inpatient")]
async fn admissions(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Json<Vec<Admission>>> {
    auth.require(perms::READ)?;
    let rows = repo::admissions(&state.pool, patient.id).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

/// The location history of the patient's stays (transfers), newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/inpatient/transfers", params(("id" = Uuid, Path)),
    responses((status = 200, body = [Transfer])), security(("bearer" = [])), tag = "inpatient")]
async fn transfers(State(state): State<AppState>, auth: Auth, patient: ChartPatient) -> AppResult<Json<Vec<Transfer>>> {
    auth.require(perms::READ)?;
    let rows = repo::transfers(&state.pool, patient.id).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

/// Admits the patient to an available bed, opening the inpatient encounter. A second open stay,
/// an occupied/reserved/blocked bed, or a bed taken concurrently answers 409; a bed outside the
/// ward's gender policy needs `gender_override_reason` (422 without it).
#[utoipa::path(post, path = "/api/v1/patients/{id}/inpatient/admissions", params(("id" = Uuid, Path)),
    request_body = AdmitForm, responses((status = 201, body = InpatientCreated)), security(("bearer" = [])), tag = "inpatient")]
async fn admit(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Json(mut f): Json<AdmitForm>,
) -> AppResult<(StatusCode, Json<InpatientCreated>)> {
    auth.require(perms::ADT)?;
    if f.clinician_id.trim().is_empty() && auth.can(hearth_ehr::perms::CHART_WRITE) {
        f.clinician_id = auth.id.to_string();
    }
    let v = f.validate(&Zone::utc(), OffsetDateTime::now_utc())?;
    let mut tx = state.pool.begin().await?;
    let id = repo::admit(&mut tx, &state.pool, &auth.meta, &auth.facility_ids, patient.id, &v).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(InpatientCreated { id })))
}

/// Sends a transfer: the receiving bed is reserved for the patient until received.
#[utoipa::path(post, path = "/api/v1/patients/{id}/inpatient/admissions/{adm}/transfers",
    params(("id" = Uuid, Path), ("adm" = Uuid, Path)), request_body = TransferForm,
    responses((status = 201, body = InpatientCreated)), security(("bearer" = [])), tag = "inpatient")]
async fn send_transfer(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Path((_, adm)): Path<(String, Uuid)>,
    Json(f): Json<TransferForm>,
) -> AppResult<(StatusCode, Json<InpatientCreated>)> {
    auth.require(perms::ADT)?;
    let v = f.validate()?;
    let mut tx = state.pool.begin().await?;
    let id = repo::send_transfer(&mut tx, &auth.meta, &auth.facility_ids, patient.id, adm, &v).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(InpatientCreated { id })))
}

/// The receiving ward accepts the patient: the source bed goes to cleaning.
#[utoipa::path(post, path = "/api/v1/patients/{id}/inpatient/transfers/{t}/receive",
    params(("id" = Uuid, Path), ("t" = Uuid, Path)), responses((status = 204)), security(("bearer" = [])),
    tag = "inpatient")]
async fn receive(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Path((_, t)): Path<(String, Uuid)>,
) -> AppResult<StatusCode> {
    auth.require(perms::ADT)?;
    let mut tx = state.pool.begin().await?;
    repo::receive_transfer(&mut tx, &auth.meta, patient.id, t).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Cancels a sent transfer: the receiving bed is released.
#[utoipa::path(post, path = "/api/v1/patients/{id}/inpatient/transfers/{t}/cancel",
    params(("id" = Uuid, Path), ("t" = Uuid, Path)), responses((status = 204)), security(("bearer" = [])),
    tag = "inpatient")]
async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Path((_, t)): Path<(String, Uuid)>,
) -> AppResult<StatusCode> {
    auth.require(perms::ADT)?;
    let mut tx = state.pool.begin().await?;
    repo::cancel_transfer(&mut tx, &auth.meta, patient.id, t).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a leave of absence until `until`; the bed stays held.
#[utoipa::path(post, path = "/api/v1/patients/{id}/inpatient/admissions/{adm}/leave",
    params(("id" = Uuid, Path), ("adm" = Uuid, Path)), request_body = LeaveForm, responses((status = 204)),
    security(("bearer" = [])), tag = "inpatient")]
async fn leave(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Path((_, adm)): Path<(String, Uuid)>,
    Json(f): Json<LeaveForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::ADT)?;
    let until = f.validate(&Zone::utc(), OffsetDateTime::now_utc())?;
    let mut tx = state.pool.begin().await?;
    repo::start_leave(&mut tx, &auth.meta, patient.id, adm, until).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a leave of absence.
#[utoipa::path(post, path = "/api/v1/patients/{id}/inpatient/admissions/{adm}/return",
    params(("id" = Uuid, Path), ("adm" = Uuid, Path)), responses((status = 204)), security(("bearer" = [])),
    tag = "inpatient")]
async fn return_from_leave(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Path((_, adm)): Path<(String, Uuid)>,
) -> AppResult<StatusCode> {
    auth.require(perms::ADT)?;
    let mut tx = state.pool.begin().await?;
    repo::end_leave(&mut tx, &auth.meta, patient.id, adm).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Discharges (disposition home, transfer_out, against_advice or deceased): the encounter is
/// finished, the bed goes to cleaning (terminal after isolation or a death). A second discharge
/// answers 409; a discharge before the admission 422.
#[utoipa::path(post, path = "/api/v1/patients/{id}/inpatient/admissions/{adm}/discharge",
    params(("id" = Uuid, Path), ("adm" = Uuid, Path)), request_body = DischargeForm, responses((status = 204)),
    security(("bearer" = [])), tag = "inpatient")]
async fn discharge(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Path((_, adm)): Path<(String, Uuid)>,
    Json(f): Json<DischargeForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::ADT)?;
    let v = f.validate(&Zone::utc(), OffsetDateTime::now_utc())?;
    discharge_in_tx(&state, &auth, patient.id, adm, &v).await?;
    Ok(StatusCode::NO_CONTENT)
}
