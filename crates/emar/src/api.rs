//! The eMAR's JSON API (`/api/v1/emar/…`, `/api/v1/patients/{id}/emar/…`), shaped after FHIR
//! MedicationAdministration.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::model::{EmarAdministration, EmarDose, EmarRecordForm, EmarWristband};
use crate::pages::{audit_view, plan};
use crate::perms;
use crate::repo::{self, EmarWardDose};
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
    paths(schedule, regenerate, administrations, record, acknowledge, issue_wristband, scan, ward_due),
    components(schemas(EmarDose, EmarAdministration, EmarRecordForm, EmarWristband, EmarWardDose,
        EmarAdministrationCreated, EmarScanRequest, EmarScanResult, EmarRegenerated)),
    tags((name = "emar", description = "Medication administration: wristbands, schedule, scan to administer"))
)]
struct EmarApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    EmarApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    let p = "/api/v1/patients/{id}/emar";
    ApiRoutes::new()
        .get(&format!("{p}/schedule"), schedule)
        .post(&format!("{p}/schedule"), regenerate)
        .get(&format!("{p}/administrations"), administrations)
        .post(&format!("{p}/administrations"), record)
        .post(&format!("{p}/orders/{{item}}/acknowledge"), acknowledge)
        .post(&format!("{p}/wristbands"), issue_wristband)
        .post("/api/v1/emar/scan", scan)
        .get("/api/v1/emar/wards/{ward}/due", ward_due)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EmarAdministrationCreated {
    /// The administration record.
    id: Uuid,
    /// The dose it records (a new one for an as-needed dose).
    dose_id: Uuid,
    /// on_time, early, late, asap or prn.
    timing: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EmarRegenerated {
    /// Doses added (0 when the schedule was already planned).
    added: u64,
    doses: Vec<EmarDose>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EmarScanRequest {
    /// The scanned wristband token.
    wristband: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EmarScanResult {
    patient_id: Uuid,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmarScheduleParams {
    /// Hours back from now (0..=168, default 24).
    #[param(minimum = 0, maximum = 168)]
    back: Option<i64>,
    /// Hours ahead of now (0..=48, default 24).
    #[param(minimum = 0, maximum = 48)]
    ahead: Option<i64>,
}

fn hours(v: Option<i64>, default: i64, max: i64, field: &'static str) -> AppResult<i64> {
    match v.unwrap_or(default) {
        h if (0..=max).contains(&h) => Ok(h),
        _ => Err(AppError::field(field, format!("From 0 to {max} hours."))),
    }
}

/// The patient's doses (planned first for the next 24 hours), by due time.
#[utoipa::path(get, path = "/api/v1/patients/{id}/emar/schedule", params(("id" = Uuid, Path), EmarScheduleParams),
    responses((status = 200, body = [EmarDose]), (status = 422, description = "Problem details")),
    security(("bearer" = [])), tag = "emar")]
async fn schedule(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<EmarScheduleParams>,
) -> AppResult<Json<Vec<EmarDose>>> {
    auth.require(perms::READ)?;
    let (back, ahead) = (hours(q.back, 24, 168, "back")?, hours(q.ahead, 24, 48, "ahead")?);
    plan(&state, patient.id).await?;
    let now = OffsetDateTime::now_utc();
    let rows = repo::doses(&state.pool, patient.id, now - Duration::hours(back), now + Duration::hours(ahead)).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

/// Plans the patient's next 24 hours again: existing due times never move and are never
/// duplicated; doses of discontinued orders are cancelled.
#[utoipa::path(post, path = "/api/v1/patients/{id}/emar/schedule", params(("id" = Uuid, Path)),
    responses((status = 200, body = EmarRegenerated)), security(("bearer" = [])), tag = "emar")]
async fn regenerate(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Json<EmarRegenerated>> {
    auth.require(perms::ADMINISTER)?;
    let now = OffsetDateTime::now_utc();
    let (from, to) = repo::horizon(now);
    let mut tx = state.pool.begin().await?;
    let added = repo::generate(&mut tx, &crate::pages::plan_zone(&state), patient.id, from, to).await?;
    tx.commit().await?;
    let doses = repo::doses(&state.pool, patient.id, now - Duration::hours(24), to).await?;
    Ok(Json(EmarRegenerated { added, doses }))
}

/// The patient's administrations, newest first (the last 200).
#[utoipa::path(get, path = "/api/v1/patients/{id}/emar/administrations", params(("id" = Uuid, Path)),
    responses((status = 200, body = [EmarAdministration])), security(("bearer" = [])), tag = "emar")]
async fn administrations(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Json<Vec<EmarAdministration>>> {
    auth.require(perms::READ)?;
    let rows = repo::history(&state.pool, patient.id, 200).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

/// Records a dose given or not given. Hard stops (wrong patient, replaced wristband,
/// discontinued order, wrong drug, expired lot, PRN interval or 24 h maximum, a second once-only
/// dose, the order not acknowledged, a dose already recorded) are 409; a dose outside its window
/// without `timing_reason`, another dose or route than ordered, or an allergy without
/// `override_reason` are 422. `at` is RFC 3339.
#[utoipa::path(post, path = "/api/v1/patients/{id}/emar/administrations", params(("id" = Uuid, Path)),
    request_body = EmarRecordForm,
    responses((status = 201, body = EmarAdministrationCreated), (status = 404, description = "Problem details"),
        (status = 409, description = "Problem details"), (status = 422, description = "Problem details")),
    security(("bearer" = [])), tag = "emar")]
async fn record(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Json(f): Json<EmarRecordForm>,
) -> AppResult<(StatusCode, Json<EmarAdministrationCreated>)> {
    auth.require(perms::ADMINISTER)?;
    let v = f.validate(&Zone::utc(), OffsetDateTime::now_utc())?;
    let mut tx = state.pool.begin().await?;
    let r = repo::record(&mut tx, &auth.meta, patient.id, &v).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(EmarAdministrationCreated { id: r.id, dose_id: r.dose_id, timing: r.timing.into() })))
}

/// Acknowledges a new (or STAT) medication order before its first dose.
#[utoipa::path(post, path = "/api/v1/patients/{id}/emar/orders/{item}/acknowledge",
    params(("id" = Uuid, Path), ("item" = Uuid, Path, description = "The pharmacy's medication order")),
    responses((status = 204), (status = 404, description = "Problem details"),
        (status = 409, description = "Problem details")),
    security(("bearer" = [])), tag = "emar")]
async fn acknowledge(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
) -> AppResult<StatusCode> {
    auth.require(perms::ADMINISTER)?;
    let mut tx = state.pool.begin().await?;
    repo::acknowledge(&mut tx, &auth.meta, patient.id, item).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issues (prints) a wristband; the previous one is revoked.
#[utoipa::path(post, path = "/api/v1/patients/{id}/emar/wristbands", params(("id" = Uuid, Path)),
    responses((status = 201, body = EmarWristband), (status = 409, description = "Problem details")),
    security(("bearer" = [])), tag = "emar")]
async fn issue_wristband(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<(StatusCode, Json<EmarWristband>)> {
    auth.require(perms::WRISTBAND)?;
    let mut tx = state.pool.begin().await?;
    let band = repo::issue_wristband(&mut tx, &auth.meta, patient.id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(band)))
}

/// The patient a scanned wristband names: 409 for a replaced (revoked) band, 422 for an
/// unknown one. The patient guard applies to what the caller opens next.
#[utoipa::path(post, path = "/api/v1/emar/scan", request_body = EmarScanRequest,
    responses((status = 200, body = EmarScanResult), (status = 409, description = "Problem details"),
        (status = 422, description = "Problem details")),
    security(("bearer" = [])), tag = "emar")]
async fn scan(
    State(state): State<AppState>,
    auth: Auth,
    Json(r): Json<EmarScanRequest>,
) -> AppResult<Json<EmarScanResult>> {
    auth.require(perms::ADMINISTER)?;
    let mut conn = state.pool.acquire().await?;
    let patient_id = repo::scan_wristband(&mut conn, &r.wristband).await?;
    Ok(Json(EmarScanResult { patient_id }))
}

/// The ward's doses due in the next 4 hours, overdue first (restricted records without a name).
#[utoipa::path(get, path = "/api/v1/emar/wards/{ward}/due", params(("ward" = Uuid, Path)),
    responses((status = 200, body = [EmarWardDose]), (status = 404, description = "Problem details")),
    security(("bearer" = [])), tag = "emar")]
async fn ward_due(
    State(state): State<AppState>,
    auth: Auth,
    Path(ward): Path<Uuid>,
) -> AppResult<Json<Vec<EmarWardDose>>> {
    auth.require(perms::READ)?;
    if hearth_inpatient::repo::ward(&state.pool, &auth.facility_ids, ward).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let to = OffsetDateTime::now_utc() + Duration::hours(4);
    Ok(Json(repo::ward_due(&state.pool, hearth_patients::access::viewer(&auth.user), ward, to).await?))
}
