//! The appointments' JSON API (`/api/v1/appointments/…`, `/api/v1/patients/{id}/appointments`),
//! shaped for FHIR Slot, Appointment and the queue. Times are RFC 3339 UTC.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::model::{Appointment, BookForm, QueueEntry, ReasonForm, RescheduleForm, Slot, SlotQuery, WalkInForm};
use crate::pages::{do_check_in, start_walk_in};
use crate::{perms, repo};
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
    paths(slots, list, book, show, cancel, reschedule, check_in, walk_in, queue, call_next, queue_status),
    components(schemas(Slot, Appointment, BookForm, ReasonForm, RescheduleForm, WalkInForm, QueueEntry, BookedId,
                       Arrived, QueueStatus)),
    tags((name = "appointments", description = "Clinic slots (FHIR Slot), appointments (FHIR Appointment) and the outpatient queue"))
)]
struct AppointmentsApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    AppointmentsApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .get("/api/v1/appointments/slots", slots)
        .get("/api/v1/appointments/queue", queue)
        .post("/api/v1/appointments/queue/call-next", call_next)
        .post("/api/v1/appointments/queue/{entry}/status", queue_status)
        .get("/api/v1/appointments/{appointment}", show)
        .post("/api/v1/appointments/{appointment}/cancel", cancel)
        .post("/api/v1/appointments/{appointment}/reschedule", reschedule)
        .post("/api/v1/appointments/{appointment}/check-in", check_in)
        .get("/api/v1/patients/{id}/appointments", list)
        .post("/api/v1/patients/{id}/appointments", book)
        .post("/api/v1/patients/{id}/appointments/walk-in", walk_in)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BookedId {
    id: Uuid,
}

/// A check-in's or walk-in's place in the queue.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Arrived {
    queue_id: Uuid,
    /// The queue token, per facility and day.
    token: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct QueueStatus {
    /// in_consultation, done, left or waiting (back to the queue).
    to: String,
}

/// Slots of open clinic sessions at the caller's facilities, first first (free ones unless
/// `include_full`). Days are UTC days here.
#[utoipa::path(get, path = "/api/v1/appointments/slots", params(SlotQuery),
    responses((status = 200, body = [Slot]), (status = 422, description = "A filter is not valid (field errors)")), security(("bearer" = [])), tag = "appointments")]
async fn slots(State(state): State<AppState>, auth: Auth, Query(q): Query<SlotQuery>) -> AppResult<Json<Vec<Slot>>> {
    auth.require(perms::READ)?;
    let s = q.validate(OffsetDateTime::now_utc().date())?;
    let from = s.from.midnight().assume_utc();
    let to = from + Duration::days(s.days);
    Ok(Json(repo::find_slots(&state.pool, &auth.facility_ids, &s, from, to).await?))
}

/// The patient's appointments, latest first (at most 200).
#[utoipa::path(get, path = "/api/v1/patients/{id}/appointments", params(("id" = Uuid, Path)),
    responses((status = 200, body = [Appointment])), security(("bearer" = [])), tag = "appointments")]
async fn list(State(state): State<AppState>, auth: Auth, patient: ChartPatient) -> AppResult<Json<Vec<Appointment>>> {
    auth.require(perms::READ)?;
    let rows = repo::for_patient(&state.pool, patient.id).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient.id)
            .patient(patient.id)
            .changes(serde_json::json!({"section": "appointments"})),
    )
    .await?;
    Ok(Json(rows))
}

/// Books a slot. 422: not a slot of the caller's facilities, in the past, a visit type the
/// session does not offer; 409: a full slot (or taken meanwhile), a deceased, merged or closed
/// record, the patient already booked in the slot; 403: `overbook` without the permission.
#[utoipa::path(post, path = "/api/v1/patients/{id}/appointments", params(("id" = Uuid, Path)),
    request_body = BookForm, responses((status = 201, body = BookedId)), security(("bearer" = [])),
    tag = "appointments")]
async fn book(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Json(form): Json<BookForm>,
) -> AppResult<(StatusCode, Json<BookedId>)> {
    auth.require(perms::BOOK)?;
    let v = form.validate()?;
    let mut tx = state.pool.begin().await?;
    let id = repo::book(&mut tx, &auth.meta, patient.id, &v, &auth.facility_ids, auth.can(perms::OVERBOOK)).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(BookedId { id })))
}

/// One appointment of the caller's facilities.
#[utoipa::path(get, path = "/api/v1/appointments/{appointment}", params(("appointment" = Uuid, Path)),
    responses((status = 200, body = Appointment)), security(("bearer" = [])), tag = "appointments")]
async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Json<Appointment>> {
    auth.require(perms::READ)?;
    let a = repo::appointment(&state.pool, id, &auth.facility_ids).await?.ok_or(AppError::NotFound)?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("appointments.appointment.view", "appointment", id).patient(a.patient_id),
    )
    .await?;
    Ok(Json(a))
}

/// Cancels a booked appointment (`reason` required); anything but booked answers 409.
#[utoipa::path(post, path = "/api/v1/appointments/{appointment}/cancel", params(("appointment" = Uuid, Path)),
    request_body = ReasonForm, responses((status = 204)), security(("bearer" = [])), tag = "appointments")]
async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<ReasonForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::BOOK)?;
    let reason = f.validate()?;
    let mut tx = state.pool.begin().await?;
    repo::cancel(&mut tx, &auth.meta, id, &reason, &auth.facility_ids).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves a booked appointment to another slot (the booking rules apply; no overbooking).
#[utoipa::path(post, path = "/api/v1/appointments/{appointment}/reschedule", params(("appointment" = Uuid, Path)),
    request_body = RescheduleForm, responses((status = 204)), security(("bearer" = [])), tag = "appointments")]
async fn reschedule(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<RescheduleForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::BOOK)?;
    let Ok(slot) = f.slot_id.trim().parse::<Uuid>() else { return Err(AppError::field("slot_id", "Choose a slot.")) };
    let mut tx = state.pool.begin().await?;
    repo::reschedule(&mut tx, &auth.meta, id, slot, &auth.facility_ids).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a booked appointment of today in: a queue token, the visit encounter, the fee.
#[utoipa::path(post, path = "/api/v1/appointments/{appointment}/check-in", params(("appointment" = Uuid, Path)),
    responses((status = 200, body = Arrived)), security(("bearer" = [])), tag = "appointments")]
async fn check_in(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Json<Arrived>> {
    auth.require(perms::BOOK)?;
    let (queue_id, token) = do_check_in(&state, &auth, id).await?;
    Ok(Json(Arrived { queue_id, token }))
}

/// A walk-in joins today's queue without a booking.
#[utoipa::path(post, path = "/api/v1/patients/{id}/appointments/walk-in", params(("id" = Uuid, Path)),
    request_body = WalkInForm, responses((status = 201, body = Arrived)), security(("bearer" = [])),
    tag = "appointments")]
async fn walk_in(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Json(f): Json<WalkInForm>,
) -> AppResult<(StatusCode, Json<Arrived>)> {
    auth.require(perms::BOOK)?;
    let (queue_id, token) = start_walk_in(&state, &auth, patient.id, &f).await?;
    Ok((StatusCode::CREATED, Json(Arrived { queue_id, token })))
}

/// Today's queue at the caller's facilities (tokens and ids, no names).
#[utoipa::path(get, path = "/api/v1/appointments/queue", responses((status = 200, body = [QueueEntry])),
    security(("bearer" = [])), tag = "appointments")]
async fn queue(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<QueueEntry>>> {
    auth.require(perms::READ)?;
    Ok(Json(repo::queue(&state.pool, &auth.facility_ids).await?))
}

/// Calls the next waiting patient (the caller's, or nobody's in particular); 204 when nobody waits.
#[utoipa::path(post, path = "/api/v1/appointments/queue/call-next",
    responses((status = 200, body = QueueEntry), (status = 204)), security(("bearer" = [])), tag = "appointments")]
async fn call_next(State(state): State<AppState>, auth: Auth) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    auth.require(perms::QUEUE)?;
    let mut tx = state.pool.begin().await?;
    let e = repo::call_next(&mut tx, &auth.meta, &auth.facility_ids).await?;
    tx.commit().await?;
    Ok(match e {
        Some(e) => Json(e).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Moves a queue entry on (called → in_consultation → done; waiting/called → left); 409 otherwise.
#[utoipa::path(post, path = "/api/v1/appointments/queue/{entry}/status", params(("entry" = Uuid, Path)),
    request_body = QueueStatus, responses((status = 200, body = QueueEntry)), security(("bearer" = [])),
    tag = "appointments")]
async fn queue_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<QueueStatus>,
) -> AppResult<Json<QueueEntry>> {
    auth.require(perms::QUEUE)?;
    let mut tx = state.pool.begin().await?;
    let e = repo::set_queue_status(&mut tx, &auth.meta, id, f.to.trim(), &auth.facility_ids).await?;
    tx.commit().await?;
    Ok(Json(e))
}
