//! The alerts' JSON API: lists, one alert, acknowledgement, a patient's alerts, on-call lists,
//! nurse assignments and the chains.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::chains::{self, KindChain};
use crate::model::{AckForm, AlertDetail, AlertRow, ChainStep, RecipientRow, StepRow};
use crate::pages::ListQuery;
use crate::roster::{self, NewAssignment, NewOnCall, OnCall};
use crate::{perms, repo, service};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::paging::{PageParams, PageRequest, Paged, TimeId};
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_patients::context::PatientCtx;

#[derive(OpenApi)]
#[openapi(
    paths(list, show, acknowledge, patient_alerts, on_call, add_on_call, end_on_call, assign, chains_list, chain_set),
    components(schemas(
        AlertRow, AlertDetail, StepRow, RecipientRow, ChainStep, AckForm, Paged<AlertRow>, OnCall, NewOnCall,
        NewAssignment, KindChain, CreatedId
    )),
    tags((name = "alerts", description = "Clinical alerts with acknowledgement and escalation; on-call lists and nurse assignments"))
)]
struct AlertsApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    AlertsApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .get("/api/v1/alerts", list)
        .get("/api/v1/alerts/on-call", on_call)
        .post("/api/v1/alerts/on-call", add_on_call)
        .post("/api/v1/alerts/on-call/{item}/end", end_on_call)
        .get("/api/v1/alerts/chains", chains_list)
        .put("/api/v1/alerts/chains/{kind}", chain_set)
        .get("/api/v1/alerts/{item}", show)
        .post("/api/v1/alerts/{item}/acknowledge", acknowledge)
        .get("/api/v1/patients/{id}/alerts", patient_alerts)
        .post("/api/v1/patients/{id}/alerts/assignments", assign)
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AlertCreatedId)]
pub struct CreatedId {
    id: Uuid,
}

/// The list's query: `status` (open — the default —, escalated, acknowledged, cancelled, all),
/// `scope` (mine — addressed to me, the default — or facility), `severity`, and the page.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ListParams {
    pub status: Option<String>,
    pub scope: Option<String>,
    pub severity: Option<String>,
    pub after: Option<String>,
    pub limit: Option<i64>,
}

/// Alerts addressed to the caller (or of their facilities), newest first.
#[utoipa::path(get, path = "/api/v1/alerts", params(ListParams),
    responses((status = 200, body = Paged<AlertRow>), (status = 400)), security(("bearer" = [])), tag = "alerts")]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<ListParams>,
) -> AppResult<Json<Paged<AlertRow>>> {
    auth.require(perms::READ)?;
    let q = ListQuery {
        status: p.status.unwrap_or_default(),
        scope: p.scope.unwrap_or_default(),
        severity: p.severity.unwrap_or_default(),
        after: p.after,
        limit: p.limit,
    };
    let (f, req) = q.parse()?;
    let rows = repo::list(&state.pool, &auth.user, &f, &req).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("alerts.list.view", "alert", "list")
            .changes(serde_json::json!({"status": f.status, "scope": f.scope, "rows": rows.items.len()})),
    )
    .await?;
    Ok(Json(rows))
}

/// One alert with its chain, the steps that fired and who was told.
#[utoipa::path(get, path = "/api/v1/alerts/{item}", params(("item" = Uuid, Path)),
    responses((status = 200, body = AlertDetail), (status = 404)), security(("bearer" = [])), tag = "alerts")]
async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Json<AlertDetail>> {
    auth.require(perms::READ)?;
    let a = repo::detail(&state.pool, &auth.user, id).await?.ok_or(AppError::NotFound)?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("alerts.alert.view", "alert", id).patient(a.alert.patient_id),
    )
    .await?;
    Ok(Json(a))
}

/// Acknowledges an open alert (`note`: the read-back, required for critical alerts); its
/// escalation stops. 409 when it is already acknowledged or cancelled.
#[utoipa::path(post, path = "/api/v1/alerts/{item}/acknowledge", params(("item" = Uuid, Path)), request_body = AckForm,
    responses((status = 204), (status = 409, description = "Already acknowledged or cancelled"), (status = 404), (status = 422)),
    security(("bearer" = [])), tag = "alerts")]
async fn acknowledge(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(form): Json<AckForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::ACKNOWLEDGE)?;
    let mut tx = state.pool.begin().await?;
    let Some((true, severity)) = service::reachable(&mut tx, &auth.user, id).await? else {
        return Err(AppError::NotFound);
    };
    let note = form.validate(&severity)?;
    service::acknowledge(&mut tx, &auth.meta, &auth.user, id, &note).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A patient's alerts, newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/alerts", params(("id" = Uuid, Path), PageParams),
    responses((status = 200, body = Paged<AlertRow>), (status = 403), (status = 404)), security(("bearer" = [])), tag = "alerts")]
async fn patient_alerts(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Query(q): Query<PageParams>,
) -> AppResult<Json<Paged<AlertRow>>> {
    auth.require(perms::READ)?;
    let req: PageRequest<TimeId> = PageRequest::new(&q, repo::PAGE_SIZE, repo::PAGE_MAX)?;
    let rows = repo::for_patient(&state.pool, &auth.user, patient.id, &req).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient.id)
            .patient(patient.id)
            .changes(serde_json::json!({"section": "alerts"})),
    )
    .await?;
    Ok(Json(rows))
}

/// The on-call lists of the caller's facilities: current and upcoming shifts.
#[utoipa::path(get, path = "/api/v1/alerts/on-call", responses((status = 200, body = [OnCall])), security(("bearer" = [])), tag = "alerts")]
async fn on_call(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<OnCall>>> {
    auth.require(perms::READ)?;
    Ok(Json(roster::on_call(&state.pool, &auth.facility_ids, OffsetDateTime::now_utc()).await?))
}

/// Puts someone on call for a duty (times in UTC or RFC 3339). 409 when someone else holds the
/// duty then.
#[utoipa::path(post, path = "/api/v1/alerts/on-call", request_body = NewOnCall,
    responses((status = 201, body = CreatedId), (status = 409, description = "Someone is on call for this duty then"), (status = 422)),
    security(("bearer" = [])), tag = "alerts")]
async fn add_on_call(
    State(state): State<AppState>,
    auth: Auth,
    Json(form): Json<NewOnCall>,
) -> AppResult<(StatusCode, Json<CreatedId>)> {
    auth.require(perms::MANAGE)?;
    let valid = form.validate(&Zone::utc(), &auth.facility_ids)?;
    let mut tx = state.pool.begin().await?;
    let id = roster::add_on_call(&mut tx, &auth.meta, &valid).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}

/// Ends a shift now (removes one not started); alerts left with nobody on shift escalate.
#[utoipa::path(post, path = "/api/v1/alerts/on-call/{item}/end", params(("item" = Uuid, Path)),
    responses((status = 204), (status = 404), (status = 409)), security(("bearer" = [])), tag = "alerts")]
async fn end_on_call(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<StatusCode> {
    auth.require(perms::MANAGE)?;
    let mut tx = state.pool.begin().await?;
    roster::end_on_call(&mut tx, &auth.meta, &auth.facility_ids, id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Assigns a nurse to the patient for a shift (at most 24 hours).
#[utoipa::path(post, path = "/api/v1/patients/{id}/alerts/assignments", params(("id" = Uuid, Path)), request_body = NewAssignment,
    responses((status = 201, body = CreatedId), (status = 422), (status = 403), (status = 404)), security(("bearer" = [])), tag = "alerts")]
async fn assign(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(form): Json<NewAssignment>,
) -> AppResult<(StatusCode, Json<CreatedId>)> {
    auth.require(perms::ASSIGN)?;
    let valid = form.validate(&Zone::utc(), &auth.facility_ids)?;
    let mut tx = state.pool.begin().await?;
    let id = roster::assign(&mut tx, &auth.meta, patient.id, &valid).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}

/// Every alert kind the modules declare, with its chain.
#[utoipa::path(get, path = "/api/v1/alerts/chains", responses((status = 200, body = [KindChain])), security(("bearer" = [])), tag = "alerts")]
async fn chains_list(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<KindChain>>> {
    auth.require(perms::READ)?;
    Ok(Json(chains::all(&state.pool, state.registry).await?))
}

/// Sets a kind's chain (1 to 6 steps); alerts raised from then on follow it. An empty list goes
/// back to the declared default.
#[utoipa::path(put, path = "/api/v1/alerts/chains/{kind}", params(("kind" = String, Path)), request_body = [ChainStep],
    responses((status = 204), (status = 404), (status = 422)), security(("bearer" = [])), tag = "alerts")]
async fn chain_set(
    State(state): State<AppState>,
    auth: Auth,
    Path(kind): Path<String>,
    Json(steps): Json<Vec<ChainStep>>,
) -> AppResult<StatusCode> {
    auth.require(perms::MANAGE)?;
    if state.registry.alert_kind(&kind).is_none() {
        return Err(AppError::NotFound);
    }
    let mut tx = state.pool.begin().await?;
    if steps.is_empty() {
        chains::reset(&mut tx, &auth.meta, &kind).await?;
    } else {
        let rows: Vec<(String, String)> = steps.iter().map(|s| (s.to.clone(), s.minutes.to_string())).collect();
        let chain = chains::validate(&rows)?;
        chains::set(&mut tx, &auth.meta, &kind, &chain).await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
