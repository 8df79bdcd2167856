//! The surgery module's JSON API: the procedure catalogue, theatres and lists, cases (booking,
//! cancellation, rebooking), readiness, the WHO checklist, stages, counts and recovery scores.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::model::*;
use crate::{perms, repo};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_patients::banner::ChartPatient;

#[derive(OpenApi)]
#[openapi(
    paths(procedures, theatres, create_theatre, sessions, create_session, day_cases, patient_cases, book, show,
          cancel, rebook, readiness, confirm, stage, count, resolve, unresolved, aldrete),
    components(schemas(SurgeryProcedure, SurgeryTheatre, SurgeryTheatreForm, SurgerySession, SurgerySessionForm,
                       SurgeryCase, SurgeryCaseForm, SurgeryCancelForm, SurgeryRebookForm, SurgeryReadinessForm,
                       SurgeryConfirmForm, SurgeryStageForm, SurgeryCountForm, SurgeryCount, SurgeryResolveForm,
                       SurgeryUnresolvedForm, SurgeryAldreteForm, SurgeryAldrete, SurgeryConfirmation,
                       SurgeryReadinessItem, SurgeryReadiness, SurgeryCaseDetail, SurgeryCaseCreated,
                       SurgeryCreatedId, SurgeryCountRecorded, SurgeryAldreteRecorded)),
    tags((name = "surgery", description = "Surgery: theatres, lists, cases, readiness, WHO Surgical Safety Checklist, counts, recovery"))
)]
struct SurgeryApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    SurgeryApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .get("/api/v1/surgery/procedures", procedures)
        .get("/api/v1/surgery/theatres", theatres)
        .post("/api/v1/surgery/theatres", create_theatre)
        .get("/api/v1/surgery/sessions", sessions)
        .post("/api/v1/surgery/sessions", create_session)
        .get("/api/v1/surgery/cases", day_cases)
        .get("/api/v1/surgery/cases/{id}", show)
        .post("/api/v1/surgery/cases/{id}/cancel", cancel)
        .post("/api/v1/surgery/cases/{id}/rebook", rebook)
        .post("/api/v1/surgery/cases/{id}/readiness", readiness)
        .post("/api/v1/surgery/cases/{id}/checklist", confirm)
        .post("/api/v1/surgery/cases/{id}/stage", stage)
        .post("/api/v1/surgery/cases/{id}/counts", count)
        .post("/api/v1/surgery/cases/{id}/counts/{count}/resolve", resolve)
        .post("/api/v1/surgery/cases/{id}/count-unresolved", unresolved)
        .post("/api/v1/surgery/cases/{id}/aldrete", aldrete)
        .get("/api/v1/patients/{id}/surgery/cases", patient_cases)
        .post("/api/v1/patients/{id}/surgery/cases", book)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SurgeryCreatedId {
    id: Uuid,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SurgeryCaseCreated {
    id: Uuid,
    /// The expected duration used (given, the surgeon's median, or the catalogue's).
    expected_minutes: i32,
    /// Another case of the same surgeon overlaps (flagged, not refused).
    surgeon_overlap: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SurgeryCountRecorded {
    id: Uuid,
    discrepancy: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SurgeryAldreteRecorded {
    total: i16,
}

/// A case with its readiness, checklist, counts and recovery scores.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SurgeryCaseDetail {
    pub case: SurgeryCase,
    pub readiness: SurgeryReadiness,
    pub checklist: Vec<SurgeryConfirmation>,
    /// Phases complete: sign_in, time_out, sign_out.
    pub phases_complete: Vec<String>,
    pub counts: Vec<SurgeryCount>,
    pub aldrete: Vec<SurgeryAldrete>,
}

/// Loads a case of the user's facilities whose patient the user may open (404 / 403).
pub async fn load_case(state: &AppState, auth: &Auth, id: Uuid) -> AppResult<SurgeryCase> {
    let mut conn = state.pool.acquire().await?;
    let c = repo::case(&mut conn, id, &auth.user.facility_ids).await?.ok_or(AppError::NotFound)?;
    hearth_patients::access::require(&state.pool, &auth.user, c.patient_id).await?;
    Ok(c)
}

pub async fn detail(state: &AppState, c: SurgeryCase) -> AppResult<SurgeryCaseDetail> {
    let (items, checklist, counts, aldrete) = tokio::try_join!(
        repo::readiness_items(&state.pool, c.id),
        repo::checklist(&state.pool, c.id),
        repo::counts(&state.pool, c.id),
        repo::aldrete(&state.pool, c.id)
    )?;
    let phases_complete = PHASES
        .iter()
        .filter(|p| CHECKLIST.iter().filter(|i| i.phase == **p).all(|i| checklist.iter().any(|k| k.item == i.key)))
        .map(|p| p.to_string())
        .collect();
    let readiness = crate::model::readiness(&c, items);
    Ok(SurgeryCaseDetail { case: c, readiness, checklist, phases_complete, counts, aldrete })
}

async fn audit_case_view(state: &AppState, auth: &Auth, c: &SurgeryCase) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", c.patient_id)
            .patient(c.patient_id)
            .changes(serde_json::json!({"section": "surgery", "case": c.id})),
    )
    .await?;
    Ok(())
}

/// The procedure catalogue.
#[utoipa::path(get, path = "/api/v1/surgery/procedures", responses((status = 200, body = [SurgeryProcedure]),
    (status = 403)), security(("bearer" = [])), tag = "surgery")]
async fn procedures(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<SurgeryProcedure>>> {
    auth.require(perms::READ)?;
    Ok(Json(repo::procedures(&state.pool).await?))
}

/// The theatres of the user's facilities.
#[utoipa::path(get, path = "/api/v1/surgery/theatres", responses((status = 200, body = [SurgeryTheatre]),
    (status = 403)), security(("bearer" = [])), tag = "surgery")]
async fn theatres(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<SurgeryTheatre>>> {
    auth.require(perms::READ)?;
    Ok(Json(repo::theatres(&state.pool, &auth.user.facility_ids).await?))
}

/// Adds a theatre to one of the user's facilities.
#[utoipa::path(post, path = "/api/v1/surgery/theatres", request_body = SurgeryTheatreForm,
    responses((status = 201, body = SurgeryCreatedId), (status = 403), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "surgery")]
async fn create_theatre(
    State(state): State<AppState>,
    auth: Auth,
    Json(f): Json<SurgeryTheatreForm>,
) -> AppResult<(StatusCode, Json<SurgeryCreatedId>)> {
    auth.require(perms::CONFIGURE)?;
    let v = f.validate()?;
    if !auth.user.facility_ids.contains(&v.facility_id) {
        return Err(AppError::field("facility_id", "Choose one of your facilities."));
    }
    let mut tx = state.pool.begin().await?;
    let id = repo::create_theatre(&mut tx, &auth.meta, &v).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(SurgeryCreatedId { id })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurgeryDayQuery {
    /// The day (YYYY-MM-DD, UTC); default today.
    #[serde(default)]
    day: Option<String>,
}

fn day_range(q: &SurgeryDayQuery) -> AppResult<(OffsetDateTime, OffsetDateTime)> {
    let zone = Zone::utc();
    let day = match q.day.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => zone.today(),
        Some(d) => time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| AppError::field("day", "Give the day as YYYY-MM-DD."))?,
    };
    Ok(zone.day_range(day))
}

/// The theatre lists of a day.
#[utoipa::path(get, path = "/api/v1/surgery/sessions", params(SurgeryDayQuery),
    responses((status = 200, body = [SurgerySession]), (status = 403), (status = 422)),
    security(("bearer" = [])), tag = "surgery")]
async fn sessions(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<SurgeryDayQuery>,
) -> AppResult<Json<Vec<SurgerySession>>> {
    auth.require(perms::READ)?;
    let (from, to) = day_range(&q)?;
    Ok(Json(repo::sessions(&state.pool, &auth.user.facility_ids, from, to).await?))
}

/// Adds a list (session) to a theatre; lists of one theatre never overlap.
#[utoipa::path(post, path = "/api/v1/surgery/sessions", request_body = SurgerySessionForm,
    responses((status = 201, body = SurgeryCreatedId), (status = 403), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "surgery")]
async fn create_session(
    State(state): State<AppState>,
    auth: Auth,
    Json(f): Json<SurgerySessionForm>,
) -> AppResult<(StatusCode, Json<SurgeryCreatedId>)> {
    auth.require(perms::CONFIGURE)?;
    let v = f.validate(&Zone::utc())?;
    let mut tx = state.pool.begin().await?;
    let id = repo::create_session(&mut tx, &auth.meta, &v, &auth.user.facility_ids).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(SurgeryCreatedId { id })))
}

/// The cases of a day in the user's facilities (the board), by theatre and time.
#[utoipa::path(get, path = "/api/v1/surgery/cases", params(SurgeryDayQuery),
    responses((status = 200, body = [SurgeryCase]), (status = 403), (status = 422)),
    security(("bearer" = [])), tag = "surgery")]
async fn day_cases(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<SurgeryDayQuery>,
) -> AppResult<Json<Vec<SurgeryCase>>> {
    auth.require(perms::READ)?;
    let (from, to) = day_range(&q)?;
    let rows = repo::cases_between(&state.pool, &auth.user.facility_ids, from, to).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("surgery.board.view", "surgery_board", Uuid::nil())
            .changes(serde_json::json!({"cases": rows.len()})),
    )
    .await?;
    Ok(Json(rows))
}

/// The patient's surgical cases, newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/surgery/cases", params(("id" = Uuid, Path)),
    responses((status = 200, body = [SurgeryCase]), (status = 403), (status = 404)),
    security(("bearer" = [])), tag = "surgery")]
async fn patient_cases(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Json<Vec<SurgeryCase>>> {
    auth.require(perms::READ)?;
    let rows = repo::patient_cases(&state.pool, patient.id).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient.id)
            .patient(patient.id)
            .changes(serde_json::json!({"section": "surgery"})),
    )
    .await?;
    Ok(Json(rows))
}

/// Books a case for the patient. 409 when the theatre is already booked at that time.
#[utoipa::path(post, path = "/api/v1/patients/{id}/surgery/cases", params(("id" = Uuid, Path)),
    request_body = SurgeryCaseForm, responses((status = 201, body = SurgeryCaseCreated), (status = 403),
    (status = 404), (status = 409), (status = 422)), security(("bearer" = [])), tag = "surgery")]
async fn book(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Json(f): Json<SurgeryCaseForm>,
) -> AppResult<(StatusCode, Json<SurgeryCaseCreated>)> {
    auth.require(perms::BOOK)?;
    let v = f.validate(&Zone::utc())?;
    let mut tx = state.pool.begin().await?;
    let (id, expected_minutes) = repo::book(&mut tx, &auth.meta, patient.id, &v, &auth.user.facility_ids).await?;
    let c = repo::case(&mut tx, id, &auth.user.facility_ids).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(SurgeryCaseCreated { id, expected_minutes, surgeon_overlap: c.surgeon_overlap })))
}

/// A case with its readiness, checklist, counts and recovery scores.
#[utoipa::path(get, path = "/api/v1/surgery/cases/{id}", params(("id" = Uuid, Path)),
    responses((status = 200, body = SurgeryCaseDetail), (status = 403), (status = 404)),
    security(("bearer" = [])), tag = "surgery")]
async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Json<SurgeryCaseDetail>> {
    auth.require(perms::READ)?;
    let c = load_case(&state, &auth, id).await?;
    audit_case_view(&state, &auth, &c).await?;
    Ok(Json(detail(&state, c).await?))
}

/// Cancels a case not yet in the room, with a coded reason.
#[utoipa::path(post, path = "/api/v1/surgery/cases/{id}/cancel", params(("id" = Uuid, Path)),
    request_body = SurgeryCancelForm, responses((status = 204), (status = 403), (status = 404), (status = 409),
    (status = 422)), security(("bearer" = [])), tag = "surgery")]
async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<SurgeryCancelForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::BOOK)?;
    let (reason, note) = f.validate()?;
    let c = load_case(&state, &auth, id).await?;
    let mut tx = state.pool.begin().await?;
    repo::cancel(&mut tx, &auth.meta, &c, &reason, &note).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rebooks (postpones) a case at a new time and theatre: a new case; a scheduled original is cancelled.
#[utoipa::path(post, path = "/api/v1/surgery/cases/{id}/rebook", params(("id" = Uuid, Path)),
    request_body = SurgeryRebookForm, responses((status = 201, body = SurgeryCreatedId), (status = 403),
    (status = 404), (status = 409), (status = 422)), security(("bearer" = [])), tag = "surgery")]
async fn rebook(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<SurgeryRebookForm>,
) -> AppResult<(StatusCode, Json<SurgeryCreatedId>)> {
    auth.require(perms::BOOK)?;
    let (theatre, session, start) = read_rebook(&f, &Zone::utc())?;
    let c = load_case(&state, &auth, id).await?;
    let mut tx = state.pool.begin().await?;
    let id = repo::rebook(&mut tx, &auth.meta, &c, theatre, session, start, &auth.user.facility_ids).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(SurgeryCreatedId { id })))
}

pub fn read_rebook(f: &SurgeryRebookForm, zone: &Zone) -> AppResult<(Uuid, Option<Uuid>, OffsetDateTime)> {
    let mut e = hearth_core::web::FieldErrors::default();
    let theatre = Uuid::parse_str(f.theatre_id.trim()).ok();
    if theatre.is_none() {
        e.add("theatre_id", "Choose the theatre.");
    }
    let session = if f.session_id.trim().is_empty() {
        None
    } else {
        let s = Uuid::parse_str(f.session_id.trim()).ok();
        if s.is_none() {
            e.add("session_id", "Choose a list of this theatre.");
        }
        s
    };
    let start = zone.read_field(&mut e, "planned_start", &f.planned_start, None);
    match (theatre, start) {
        (Some(t), Some(s)) if e.is_empty() => Ok((t, session, s)),
        _ => Err(e.into()),
    }
}

/// Records a pre-operative readiness item (consent side, ASA class, fasting, site marking side,
/// allergies reviewed, identity checked).
#[utoipa::path(post, path = "/api/v1/surgery/cases/{id}/readiness", params(("id" = Uuid, Path)),
    request_body = SurgeryReadinessForm, responses((status = 200, body = SurgeryReadiness), (status = 403),
    (status = 404), (status = 409), (status = 422)), security(("bearer" = [])), tag = "surgery")]
async fn readiness(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<SurgeryReadinessForm>,
) -> AppResult<Json<SurgeryReadiness>> {
    auth.require(perms::PERFORM)?;
    let (item, value) = f.validate()?;
    let c = load_case(&state, &auth, id).await?;
    let mut tx = state.pool.begin().await?;
    repo::record_readiness(&mut tx, &auth.meta, &c, auth.id, &item, &value).await?;
    tx.commit().await?;
    let items = repo::readiness_items(&state.pool, c.id).await?;
    Ok(Json(crate::model::readiness(&c, items)))
}

/// Confirms one item of the WHO Surgical Safety Checklist (members of the case team only).
#[utoipa::path(post, path = "/api/v1/surgery/cases/{id}/checklist", params(("id" = Uuid, Path)),
    request_body = SurgeryConfirmForm, responses((status = 204), (status = 403), (status = 404), (status = 409),
    (status = 422)), security(("bearer" = [])), tag = "surgery")]
async fn confirm(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<SurgeryConfirmForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::PERFORM)?;
    let c = load_case(&state, &auth, id).await?;
    let mut tx = state.pool.begin().await?;
    repo::confirm(&mut tx, &auth.meta, &c, auth.id, f.item.trim(), f.answer.trim()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn read_stage<'a>(f: &'a SurgeryStageForm, zone: &Zone) -> AppResult<repo::StageChange<'a>> {
    let at = if f.at.trim().is_empty() {
        OffsetDateTime::now_utc()
    } else {
        let mut e = hearth_core::web::FieldErrors::default();
        match zone.read_field(&mut e, "at", &f.at, None) {
            Some(t) => t,
            None => return Err(e.into()),
        }
    };
    Ok(repo::StageChange {
        stage: f.stage.trim(),
        at,
        emergency_reason: &f.emergency_reason,
        override_reason: &f.override_reason,
    })
}

/// Records the case's next stage. Anaesthesia needs Sign In, incision Time Out, leaving the room
/// Sign Out (409) — unless an emergency reason is given: then it is recorded and the case
/// flagged non-compliant. Leaving recovery needs Aldrete ≥ 9 or the anaesthetist's override.
#[utoipa::path(post, path = "/api/v1/surgery/cases/{id}/stage", params(("id" = Uuid, Path)),
    request_body = SurgeryStageForm, responses((status = 204), (status = 403), (status = 404), (status = 409),
    (status = 422)), security(("bearer" = [])), tag = "surgery")]
async fn stage(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<SurgeryStageForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::PERFORM)?;
    let ch = read_stage(&f, &Zone::utc())?;
    let c = load_case(&state, &auth, id).await?;
    let mut tx = state.pool.begin().await?;
    repo::set_stage(&mut tx, &auth.meta, &c, auth.id, &ch).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a count (baseline, before cavity closure, skin closure, relief); a count that differs
/// from the baseline is a discrepancy.
#[utoipa::path(post, path = "/api/v1/surgery/cases/{id}/counts", params(("id" = Uuid, Path)),
    request_body = SurgeryCountForm, responses((status = 201, body = SurgeryCountRecorded), (status = 403),
    (status = 404), (status = 409), (status = 422)), security(("bearer" = [])), tag = "surgery")]
async fn count(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<SurgeryCountForm>,
) -> AppResult<(StatusCode, Json<SurgeryCountRecorded>)> {
    auth.require(perms::PERFORM)?;
    let v = f.validate()?;
    let c = load_case(&state, &auth, id).await?;
    let mut tx = state.pool.begin().await?;
    let (id, discrepancy) = repo::record_count(&mut tx, &auth.meta, &c, auth.id, &v).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(SurgeryCountRecorded { id, discrepancy })))
}

/// Resolves a count discrepancy (recount, xray, surgeon_decision) with a note.
#[utoipa::path(post, path = "/api/v1/surgery/cases/{id}/counts/{count}/resolve",
    params(("id" = Uuid, Path), ("count" = Uuid, Path)), request_body = SurgeryResolveForm,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "surgery")]
async fn resolve(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, count)): Path<(Uuid, Uuid)>,
    Json(f): Json<SurgeryResolveForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::PERFORM)?;
    let c = load_case(&state, &auth, id).await?;
    let mut tx = state.pool.begin().await?;
    repo::resolve_count(&mut tx, &auth.meta, &c, auth.id, count, f.resolution.trim(), &f.note).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records the count as unresolved (X-ray result and reason): the patient may then leave.
#[utoipa::path(post, path = "/api/v1/surgery/cases/{id}/count-unresolved", params(("id" = Uuid, Path)),
    request_body = SurgeryUnresolvedForm, responses((status = 204), (status = 403), (status = 404), (status = 409),
    (status = 422)), security(("bearer" = [])), tag = "surgery")]
async fn unresolved(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<SurgeryUnresolvedForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::PERFORM)?;
    let c = load_case(&state, &auth, id).await?;
    let mut tx = state.pool.begin().await?;
    repo::count_unresolved(&mut tx, &auth.meta, &c, auth.id, &f.xray_result, &f.reason).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a modified Aldrete score in recovery (each component 0–2).
#[utoipa::path(post, path = "/api/v1/surgery/cases/{id}/aldrete", params(("id" = Uuid, Path)),
    request_body = SurgeryAldreteForm, responses((status = 201, body = SurgeryAldreteRecorded), (status = 403),
    (status = 404), (status = 409), (status = 422)), security(("bearer" = [])), tag = "surgery")]
async fn aldrete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<SurgeryAldreteForm>,
) -> AppResult<(StatusCode, Json<SurgeryAldreteRecorded>)> {
    auth.require(perms::PERFORM)?;
    let s = f.validate()?;
    let c = load_case(&state, &auth, id).await?;
    let mut tx = state.pool.begin().await?;
    let total = repo::record_aldrete(&mut tx, &auth.meta, &c, auth.id, s).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(SurgeryAldreteRecorded { total })))
}
