//! Charge capture's JSON API: the ledger (`/api/v1/charges`), a patient's charges, reversing.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::model::{Charge, Filter, ReverseForm};
use crate::pages::{audit_list, audit_view, check_filter, in_scope, MAX_PAGE, PAGE_SIZE};
use crate::{perms, repo, reverse};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::paging::{PageParams, PageRequest, Paged, TimeId};
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_patients::context::PatientCtx;

#[derive(OpenApi)]
#[openapi(
    paths(list, patient_list, reverse_charge),
    components(schemas(Charge, Paged<Charge>, ReverseForm, Reversed)),
    tags((name = "charges", description = "Charge capture: the ledger of billable events modules write with the clinical act"))
)]
struct ChargesApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ChargesApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .get("/api/v1/charges", list)
        .post("/api/v1/charges/{charge}/reverse", reverse_charge)
        .get("/api/v1/patients/{id}/charges", patient_list)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Reversed {
    /// The reversal's id.
    id: Uuid,
}

/// The ledger within the caller's facilities, newest act first, filtered (days in UTC); paged
/// (`limit` 1..200, default 50).
#[utoipa::path(get, path = "/api/v1/charges", params(Filter),
    responses((status = 200, body = Paged<Charge>), (status = 400), (status = 422)), security(("bearer" = [])), tag = "charges")]
async fn list(State(state): State<AppState>, auth: Auth, Query(f): Query<Filter>) -> AppResult<Json<Paged<Charge>>> {
    auth.require(perms::READ)?;
    let req: PageRequest<TimeId> = PageRequest::parse(f.after.as_deref(), f.limit, PAGE_SIZE, MAX_PAGE)?;
    let q = check_filter(&f, &Zone::utc())?;
    let page = repo::list(&state.pool, &auth.user, &q, &req).await?;
    audit_list(&state, &auth, &f, page.items.len()).await?;
    Ok(Json(page))
}

/// The patient's charges within the caller's facilities, newest act first; paged.
#[utoipa::path(get, path = "/api/v1/patients/{id}/charges", params(("id" = Uuid, Path), PageParams),
    responses((status = 200, body = Paged<Charge>)), security(("bearer" = [])), tag = "charges")]
async fn patient_list(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Query(q): Query<PageParams>,
) -> AppResult<Json<Paged<Charge>>> {
    auth.require(perms::READ)?;
    let req: PageRequest<TimeId> = PageRequest::new(&q, PAGE_SIZE, MAX_PAGE)?;
    let page = repo::for_patient(&state.pool, &auth.user, patient.id, &req).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(page))
}

/// Reverses a charge (`reason` required): a compensating entry with the opposite quantity. A
/// charge already reversed, or a reversal, answers 409; a charge outside the caller's facilities
/// 404.
#[utoipa::path(post, path = "/api/v1/charges/{charge}/reverse", params(("charge" = Uuid, Path)),
    request_body = ReverseForm, responses((status = 201, body = Reversed), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "charges")]
async fn reverse_charge(
    State(state): State<AppState>,
    auth: Auth,
    Path(charge): Path<Uuid>,
    Json(f): Json<ReverseForm>,
) -> AppResult<(StatusCode, Json<Reversed>)> {
    auth.require(perms::REVERSE)?;
    let reason = f.validate()?;
    in_scope(&state, &auth.user, charge).await?;
    let mut tx = state.pool.begin().await?;
    let id = reverse(&mut tx, &auth.meta, charge, &reason).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Reversed { id })))
}
