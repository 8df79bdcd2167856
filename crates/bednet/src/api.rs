//! The bed network's JSON API: an external facility's push of its counts, emergency bed requests
//! and their decisions. The public `GET /api/v1/availability` is in [`crate::public`].

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::model::*;
use crate::{perms, repo, snapshot};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::Path;

#[derive(OpenApi)]
#[openapi(
    paths(crate::public::json, report, requests, create, accept, decline, arrive),
    components(schemas(crate::public::BednetAvailability, crate::snapshot::BednetPublicFacility, repo::BednetBeds,
                       BednetReport, BednetReportCount, BednetRequest, BednetRequestForm, BednetAcceptForm,
                       BednetDeclineForm, BednetRequestCreated, BednetAccepted)),
    tags((name = "bednet", description = "City-wide bed network: public availability, reports, emergency bed booking"))
)]
struct BednetApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    BednetApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        // Public: the bearer layer lets a request without a token through, and this handler
        // takes no `Auth`.
        .get("/api/v1/availability", crate::public::json)
        .post("/api/v1/bednet/facilities/{id}/report", report)
        .get("/api/v1/bednet/requests", requests)
        .post("/api/v1/bednet/requests", create)
        .post("/api/v1/bednet/requests/{id}/accept", accept)
        .post("/api/v1/bednet/requests/{id}/decline", decline)
        .post("/api/v1/bednet/requests/{id}/arrive", arrive)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BednetRequestCreated {
    id: Uuid,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BednetAccepted {
    /// The bed (or place) is held until then: the ETA plus the grace period.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    hold_until: OffsetDateTime,
}

/// An external facility's counts (its manager's account or API client): per bed type physical,
/// staffed and free beds as of a time, with a sequence number.
#[utoipa::path(post, path = "/api/v1/bednet/facilities/{id}/report", request_body = BednetReport,
    params(("id" = Uuid, Path, description = "The network facility")),
    responses((status = 204, description = "Stored"), (status = 403, description = "Not a manager of the facility"),
              (status = 404, description = "No such facility"),
              (status = 409, description = "An older sequence number, or a Hearth facility"),
              (status = 422, description = "Impossible counts, a time in the future")),
    security(("bearer" = [])), tag = "bednet")]
async fn report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(r): Json<BednetReport>,
) -> AppResult<StatusCode> {
    auth.require(perms::REPORT)?;
    let mut tx = state.pool.begin().await?;
    let f = repo::facility(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !repo::manages(&mut tx, &f, auth.id, &auth.facility_ids).await? {
        return Err(AppError::Forbidden);
    }
    r.validate(OffsetDateTime::now_utc())?;
    repo::push_report(&mut tx, &auth.meta, &f, &r).await?;
    tx.commit().await?;
    snapshot::invalidate();
    Ok(StatusCode::NO_CONTENT)
}

/// Pending requests and live holds across the network, most urgent first.
#[utoipa::path(get, path = "/api/v1/bednet/requests", responses((status = 200, body = [BednetRequest])),
    security(("bearer" = [])), tag = "bednet")]
async fn requests(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<BednetRequest>>> {
    auth.require(perms::BOARD)?;
    Ok(Json(repo::open_requests(&state.pool).await?))
}

/// Request an emergency bed of a type at a facility (priority P1–P4, ESI, NEWS2, summary, ETA).
#[utoipa::path(post, path = "/api/v1/bednet/requests", request_body = BednetRequestForm,
    responses((status = 201, body = BednetRequestCreated), (status = 422, description = "Field errors")),
    security(("bearer" = [])), tag = "bednet")]
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Json(form): Json<BednetRequestForm>,
) -> AppResult<(StatusCode, Json<BednetRequestCreated>)> {
    auth.require(perms::REQUEST)?;
    let v = form.validate(OffsetDateTime::now_utc())?;
    let mut tx = state.pool.begin().await?;
    let id = repo::create_request(&mut tx, &auth.meta, &v).await?;
    tx.commit().await?;
    snapshot::invalidate();
    Ok((StatusCode::CREATED, Json(BednetRequestCreated { id })))
}

/// Accept a request: at a Hearth facility the chosen bed is held (inpatient's allocation table);
/// at an external facility a place is counted against its last report.
#[utoipa::path(post, path = "/api/v1/bednet/requests/{id}/accept", request_body = BednetAcceptForm,
    params(("id" = Uuid, Path, description = "The request")),
    responses((status = 200, body = BednetAccepted), (status = 403, description = "Not the facility's manager"),
              (status = 409, description = "Decided already, expired, or the bed is taken"),
              (status = 422, description = "No bed, or a bed of another type or facility")),
    security(("bearer" = [])), tag = "bednet")]
async fn accept(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<BednetAcceptForm>,
) -> AppResult<Json<BednetAccepted>> {
    auth.require(perms::ACCEPT)?;
    let bed = match f.bed_id.trim() {
        "" => None,
        s => Some(Uuid::parse_str(s).map_err(|_| AppError::field("bed_id", "Choose the bed to hold."))?),
    };
    let (_, grace) = repo::settings(&state.pool).await?;
    let mut tx = state.pool.begin().await?;
    let hold_until = repo::accept(&mut tx, &auth.meta, id, auth.id, &auth.facility_ids, bed, grace).await?;
    tx.commit().await?;
    snapshot::invalidate();
    Ok(Json(BednetAccepted { hold_until }))
}

/// Decline a request; the reason is required.
#[utoipa::path(post, path = "/api/v1/bednet/requests/{id}/decline", request_body = BednetDeclineForm,
    params(("id" = Uuid, Path, description = "The request")),
    responses((status = 204, description = "Declined"), (status = 403, description = "Not the facility's manager"),
              (status = 409, description = "Decided already"), (status = 422, description = "No reason")),
    security(("bearer" = [])), tag = "bednet")]
async fn decline(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<BednetDeclineForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::ACCEPT)?;
    let reason = f.validate()?;
    let mut tx = state.pool.begin().await?;
    repo::decline(&mut tx, &auth.meta, id, auth.id, &auth.facility_ids, &reason).await?;
    tx.commit().await?;
    snapshot::invalidate();
    Ok(StatusCode::NO_CONTENT)
}

/// The patient arrived: the hold is released for the admission.
#[utoipa::path(post, path = "/api/v1/bednet/requests/{id}/arrive",
    params(("id" = Uuid, Path, description = "The request")),
    responses((status = 204, description = "Arrived"), (status = 403, description = "Not the facility's manager"),
              (status = 409, description = "Not accepted, or the hold has ended")),
    security(("bearer" = [])), tag = "bednet")]
async fn arrive(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<StatusCode> {
    auth.require(perms::ACCEPT)?;
    let mut tx = state.pool.begin().await?;
    repo::arrive(&mut tx, &auth.meta, id, auth.id, &auth.facility_ids).await?;
    tx.commit().await?;
    snapshot::invalidate();
    Ok(StatusCode::NO_CONTENT)
}
