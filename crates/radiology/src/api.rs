//! Radiology's JSON API: the catalogue (modalities, procedures, rooms), the lists (to protocol,
//! to book, to report; the day's worklist), the steps (protocol, book with safety checks,
//! arrival/start/completion), reports and addenda, and a patient's imaging orders. Orders are
//! placed through the orders core (`POST /api/v1/patients/{id}/orders`, kind `imaging`, the
//! clinical question as `indication`, `options.laterality`). Shapes follow FHIR ServiceRequest /
//! DiagnosticReport closely enough for a direct mapping later.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::model::{
    RadiologyAddendum, RadiologyAddendumForm, RadiologyBookForm, RadiologyModality, RadiologyOrder, RadiologyOverride,
    RadiologyProcedure, RadiologyProtocolForm, RadiologyReport, RadiologyReportForm, RadiologyRoom, RadiologyRoomForm,
};
use crate::repo::RadiologyBooked;
use crate::{catalogue, perms, repo};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::Path;
use hearth_patients::banner::ChartPatient;

#[derive(OpenApi)]
#[openapi(
    paths(modalities, procedures, rooms, create_room, orders, order, protocol, book, step, report, addendum, worklist,
          patient_orders),
    components(schemas(RadiologyModality, RadiologyProcedure, RadiologyRoom, RadiologyRoomForm, RadiologyOrder,
                       RadiologyReport, RadiologyAddendum, RadiologyOverride, RadiologyProtocolForm, RadiologyBookForm,
                       RadiologyReportForm, RadiologyAddendumForm, RadiologyBooked, RadiologyStepForm,
                       RadiologyOrderDetail, RadiologyCreatedId)),
    tags((name = "radiology", description = "Radiology: catalogue, imaging orders, protocolling, safety checks, bookings, worklist, reports"))
)]
struct RadiologyApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    RadiologyApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .get("/api/v1/radiology/modalities", modalities)
        .get("/api/v1/radiology/procedures", procedures)
        .get("/api/v1/radiology/rooms", rooms)
        .post("/api/v1/radiology/rooms", create_room)
        .get("/api/v1/radiology/orders", orders)
        .get("/api/v1/radiology/orders/{id}", order)
        .post("/api/v1/radiology/orders/{id}/protocol", protocol)
        .post("/api/v1/radiology/orders/{id}/book", book)
        .post("/api/v1/radiology/orders/{id}/step", step)
        .post("/api/v1/radiology/orders/{id}/report", report)
        .post("/api/v1/radiology/orders/{id}/addenda", addendum)
        .get("/api/v1/radiology/worklist", worklist)
        .get("/api/v1/patients/{id}/radiology/orders", patient_orders)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RadiologyCreatedId {
    id: Uuid,
}

/// An order with its report, addenda and safety overrides.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RadiologyOrderDetail {
    order: RadiologyOrder,
    report: Option<RadiologyReport>,
    addenda: Vec<RadiologyAddendum>,
    overrides: Vec<RadiologyOverride>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct RadiologyStepForm {
    /// arrived, in_progress or completed.
    status: String,
}

/// The modalities.
#[utoipa::path(get, path = "/api/v1/radiology/modalities", responses((status = 200, body = [RadiologyModality]), (status = 403)),
    security(("bearer" = [])), tag = "radiology")]
async fn modalities(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<RadiologyModality>>> {
    auth.require(perms::READ)?;
    Ok(Json(catalogue::modalities(&state.pool).await?))
}

/// The procedures (body part, laterality, contrast, duration, preparation, charge code, normal template).
#[utoipa::path(get, path = "/api/v1/radiology/procedures", responses((status = 200, body = [RadiologyProcedure]), (status = 403)),
    security(("bearer" = [])), tag = "radiology")]
async fn procedures(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<RadiologyProcedure>>> {
    auth.require(perms::READ)?;
    Ok(Json(catalogue::procedures(&state.pool).await?))
}

/// The rooms of the caller's facilities.
#[utoipa::path(get, path = "/api/v1/radiology/rooms", responses((status = 200, body = [RadiologyRoom]), (status = 403)),
    security(("bearer" = [])), tag = "radiology")]
async fn rooms(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<RadiologyRoom>>> {
    auth.require(perms::READ)?;
    Ok(Json(catalogue::rooms(&state.pool, &auth.user.facility_ids).await?))
}

/// Adds a room at one of the caller's facilities.
#[utoipa::path(post, path = "/api/v1/radiology/rooms", request_body = RadiologyRoomForm,
    responses((status = 201, body = RadiologyCreatedId), (status = 403), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "radiology")]
async fn create_room(
    State(state): State<AppState>,
    auth: Auth,
    Json(f): Json<RadiologyRoomForm>,
) -> AppResult<(StatusCode, Json<RadiologyCreatedId>)> {
    auth.require(perms::CONFIGURE)?;
    let mut tx = state.pool.begin().await?;
    let id = repo::create_room(&mut tx, &auth.meta, &auth.user.facility_ids, &f).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(RadiologyCreatedId { id })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RadiologyOrdersQuery {
    /// requested (default: to protocol), protocolled (to book) or to_report.
    #[serde(default)]
    status: String,
}

/// Orders of the caller's facilities: to protocol, to book or to report.
#[utoipa::path(get, path = "/api/v1/radiology/orders", params(RadiologyOrdersQuery),
    responses((status = 200, body = [RadiologyOrder]), (status = 403), (status = 422)),
    security(("bearer" = [])), tag = "radiology")]
async fn orders(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RadiologyOrdersQuery>,
) -> AppResult<Json<Vec<RadiologyOrder>>> {
    auth.require(perms::READ)?;
    let f = &auth.user.facility_ids;
    let rows = match q.status.as_str() {
        "" | "requested" => repo::by_status(&state.pool, f, "requested").await?,
        "protocolled" => repo::by_status(&state.pool, f, "protocolled").await?,
        "to_report" => repo::to_report(&state.pool, f).await?,
        _ => return Err(AppError::field("status", "requested, protocolled or to_report.")),
    };
    audit_list(&state, &auth, "orders").await?;
    Ok(Json(rows))
}

async fn audit_list(state: &AppState, auth: &Auth, list: &str) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("radiology.worklist.view", "rad_worklist", Uuid::nil()).changes(serde_json::json!({"list": list})),
    )
    .await?;
    Ok(())
}

/// One order of the caller's facilities with its report, addenda and overrides.
#[utoipa::path(get, path = "/api/v1/radiology/orders/{id}", params(("id" = Uuid, Path)),
    responses((status = 200, body = RadiologyOrderDetail), (status = 403), (status = 404)),
    security(("bearer" = [])), tag = "radiology")]
async fn order(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> AppResult<Json<RadiologyOrderDetail>> {
    auth.require(perms::READ)?;
    let mut conn = state.pool.acquire().await?;
    let order = repo::order_in(&mut conn, id, &auth.user.facility_ids).await?;
    let report = repo::report_of(&mut conn, id).await?;
    let addenda = match &report {
        Some(r) => repo::addenda(&mut conn, r.id).await?,
        None => Vec::new(),
    };
    let overrides = repo::overrides(&mut conn, id).await?;
    drop(conn);
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("radiology.order.view", "rad_order", id).patient(order.patient_id),
    )
    .await?;
    Ok(Json(RadiologyOrderDetail { order, report, addenda, overrides }))
}

/// Protocolling by a radiologist: accept, change (protocol) or reject (reason; the order is revoked).
#[utoipa::path(post, path = "/api/v1/radiology/orders/{id}/protocol", params(("id" = Uuid, Path)),
    request_body = RadiologyProtocolForm,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "radiology")]
async fn protocol(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<RadiologyProtocolForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::PROTOCOL)?;
    let mut tx = state.pool.begin().await?;
    repo::protocol(&mut tx, &auth.meta, id, &auth.user.facility_ids, &f).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Books a protocolled order onto a room (start in RFC 3339) after the safety checks: a hard
/// stop or a missing answer is 422; prompts are 422 unless `override_reason` is given (stored
/// per prompt). A taken room is 409.
#[utoipa::path(post, path = "/api/v1/radiology/orders/{id}/book", params(("id" = Uuid, Path)),
    request_body = RadiologyBookForm,
    responses((status = 200, body = RadiologyBooked), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "radiology")]
async fn book(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<RadiologyBookForm>,
) -> AppResult<Json<RadiologyBooked>> {
    auth.require(perms::SCHEDULE)?;
    let start = OffsetDateTime::parse(f.start.trim(), &time::format_description::well_known::Rfc3339).ok();
    if start.is_none() && !f.start.trim().is_empty() {
        return Err(AppError::field("start", "The start is an RFC 3339 time (2026-12-06T09:30:00Z)."));
    }
    let mut tx = state.pool.begin().await?;
    let booked = repo::book(&mut tx, &auth.meta, id, &auth.user.facility_ids, &f, start).await?;
    tx.commit().await?;
    Ok(Json(booked))
}

/// The technologist's next step: arrived, in_progress or completed (completion charges the exam).
#[utoipa::path(post, path = "/api/v1/radiology/orders/{id}/step", params(("id" = Uuid, Path)),
    request_body = RadiologyStepForm,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "radiology")]
async fn step(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<RadiologyStepForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::PERFORM)?;
    let mut tx = state.pool.begin().await?;
    repo::step(&mut tx, &auth.meta, id, &auth.user.facility_ids, &f.status).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Writes the report of a completed exam: preliminary (radiology.report) or final (radiology.sign).
/// A signed report cannot change (409: add an addendum).
#[utoipa::path(post, path = "/api/v1/radiology/orders/{id}/report", params(("id" = Uuid, Path)),
    request_body = RadiologyReportForm,
    responses((status = 200, body = RadiologyCreatedId), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "radiology")]
async fn report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<RadiologyReportForm>,
) -> AppResult<Json<RadiologyCreatedId>> {
    auth.require(perms::REPORT)?;
    if f.status == "final" {
        auth.require(perms::SIGN)?;
    }
    let mut tx = state.pool.begin().await?;
    let rid = repo::save_report(&mut tx, state.registry, &auth.meta, id, &auth.user.facility_ids, &f).await?;
    tx.commit().await?;
    Ok(Json(RadiologyCreatedId { id: rid }))
}

/// Adds an addendum to a signed report (radiology.sign); a critical one alerts the orderer.
#[utoipa::path(post, path = "/api/v1/radiology/orders/{id}/addenda", params(("id" = Uuid, Path)),
    request_body = RadiologyAddendumForm,
    responses((status = 201, body = RadiologyCreatedId), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "radiology")]
async fn addendum(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<RadiologyAddendumForm>,
) -> AppResult<(StatusCode, Json<RadiologyCreatedId>)> {
    auth.require(perms::SIGN)?;
    let mut tx = state.pool.begin().await?;
    let aid = repo::add_addendum(&mut tx, state.registry, &auth.meta, id, &auth.user.facility_ids, &f).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(RadiologyCreatedId { id: aid })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RadiologyWorklistQuery {
    /// The day (YYYY-MM-DD, UTC); default today.
    #[serde(default)]
    day: String,
    /// One room.
    #[serde(default)]
    room: Option<Uuid>,
    /// One modality (XR, CT, MR, US, MG, RF, NM).
    #[serde(default)]
    modality: Option<String>,
}

pub fn parse_day(s: &str) -> Option<time::Date> {
    time::Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// The day's bookings in the caller's facilities' rooms (scheduled, arrived, in progress, completed).
#[utoipa::path(get, path = "/api/v1/radiology/worklist", params(RadiologyWorklistQuery),
    responses((status = 200, body = [RadiologyOrder]), (status = 403), (status = 422)),
    security(("bearer" = [])), tag = "radiology")]
async fn worklist(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RadiologyWorklistQuery>,
) -> AppResult<Json<Vec<RadiologyOrder>>> {
    auth.require(perms::READ)?;
    let zone = hearth_core::web::time::Zone::utc();
    let day = if q.day.trim().is_empty() {
        zone.today()
    } else {
        parse_day(&q.day).ok_or_else(|| AppError::field("day", "The day is YYYY-MM-DD."))?
    };
    let modality = q.modality.as_deref().map(str::trim).filter(|m| !m.is_empty());
    let rows = repo::worklist(&state.pool, &auth.user.facility_ids, zone.day_range(day), q.room, modality).await?;
    audit_list(&state, &auth, "worklist").await?;
    Ok(Json(rows))
}

/// The patient's imaging orders with their status and report status, newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/radiology/orders", params(("id" = Uuid, Path)),
    responses((status = 200, body = [RadiologyOrder]), (status = 403), (status = 404)), security(("bearer" = [])),
    tag = "radiology")]
async fn patient_orders(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Json<Vec<RadiologyOrder>>> {
    auth.require(perms::READ)?;
    let rows = repo::patient_orders(&state.pool, patient.id).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient.id)
            .patient(patient.id)
            .changes(serde_json::json!({"section": "radiology"})),
    )
    .await?;
    Ok(Json(rows))
}
