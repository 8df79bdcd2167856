//! The orders core's JSON API: a patient's orders (`/api/v1/patients/{id}/orders`), one order
//! and its actions (`/api/v1/orders/{id}/…`), order kinds and sets, and the results inbox
//! (`/api/v1/inbox`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::inbox::InboxFilter;
use crate::model::{
    Away, AwayForm, CountersignItem, InboxItem, ItemChoice, Order, OrderDetail, OrderForm, OrderResult, OrderSet,
    OrderSetDetail, ReasonForm, SetItem, SetPlacement, SignOffForm,
};
use crate::pages::{audit_view, Filter};
use crate::repo::{self, Action};
use crate::{model, perms, service};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::registry::OrderEntry;
use hearth_core::web::paging::{PageParams, PageRequest, Paged, TimeId};
use hearth_core::web::time::Zone;
use hearth_core::web::{FieldErrors, Path};
use hearth_patients::context::PatientCtx;

#[derive(OpenApi)]
#[openapi(
    paths(list, create, place_set, show, sign, countersign, hold, resume, revoke, entered_in_error, kinds, sets,
          inbox, sign_off, countersign_list, away, set_away, clear_away),
    components(schemas(Order, OrderDetail, OrderResult, OrderForm, ReasonForm, Paged<Order>, OrderCreated, CreatedMany,
                       OrderKindInfo, OrderSet, OrderSetDetail, SetItem, SetPlacement, ItemChoice, InboxItem,
                       Paged<InboxItem>, SignOffForm, CountersignItem, Away, AwayForm, AwaySet)),
    tags((name = "orders", description = "The orders core: order headers of every module, signing, order sets, results inbox"))
)]
struct OrdersApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    OrdersApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .get("/api/v1/patients/{id}/orders", list)
        .post("/api/v1/patients/{id}/orders", create)
        .post("/api/v1/patients/{id}/orders/sets/{set}", place_set)
        .get("/api/v1/orders/{id}", show)
        .post("/api/v1/orders/{id}/sign", sign)
        .post("/api/v1/orders/{id}/countersign", countersign)
        .post("/api/v1/orders/{id}/hold", hold)
        .post("/api/v1/orders/{id}/resume", resume)
        .post("/api/v1/orders/{id}/revoke", revoke)
        .post("/api/v1/orders/{id}/entered-in-error", entered_in_error)
        .get("/api/v1/order-kinds", kinds)
        .get("/api/v1/order-sets", sets)
        .get("/api/v1/inbox", inbox)
        .post("/api/v1/inbox/{id}/sign-off", sign_off)
        .get("/api/v1/inbox/countersign", countersign_list)
        .get("/api/v1/inbox/away", away)
        .post("/api/v1/inbox/away", set_away)
        .post("/api/v1/inbox/away/clear", clear_away)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderCreated {
    id: Uuid,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedMany {
    ids: Vec<Uuid>,
}

/// A kind of order a module declares.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderKindInfo {
    kind: &'static str,
    label: &'static str,
    module: &'static str,
    /// The permission that places and signs it.
    sign_perm: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AwaySet {
    /// Results moved from the inbox to the cover.
    results_moved: u64,
}

/// The patient's orders across modules, newest first (`status`: open (default) or all; `kind`).
#[utoipa::path(get, path = "/api/v1/patients/{id}/orders", params(("id" = Uuid, Path), PageParams, Filter),
    responses((status = 200, body = Paged<Order>), (status = 400), (status = 403), (status = 404)),
    security(("bearer" = [])), tag = "orders")]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Query(p): Query<PageParams>,
    Query(f): Query<Filter>,
) -> AppResult<Json<Paged<Order>>> {
    auth.require(perms::READ)?;
    let (open, kind) = f.check(&state)?;
    let req: PageRequest<TimeId> = PageRequest::new(&p, 50, 200)?;
    let page = repo::paged(&state.pool, patient.id, open, kind.as_deref(), &req).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(page))
}

/// Places an order through its kind's create function: the caller's own (`entry` signed or
/// draft; the kind's sign permission) or a verbal or telephone order on the prescriber
/// `orderer_id`'s behalf (`orders.enter`, `read_back: true`), active at once and waiting for
/// the prescriber's countersignature.
#[utoipa::path(post, path = "/api/v1/patients/{id}/orders", params(("id" = Uuid, Path)), request_body = OrderForm,
    responses((status = 201, body = OrderCreated), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "orders")]
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(form): Json<OrderForm>,
) -> AppResult<(StatusCode, Json<OrderCreated>)> {
    if !auth.can(perms::SIGN) && !auth.can(perms::ENTER) {
        let may_any = state.registry.order_kinds().any(|k| auth.can(k.sign_perm));
        if !may_any {
            return Err(AppError::Forbidden);
        }
    }
    let id = service::place_one(&state, &auth, patient.id, &form).await?;
    Ok((StatusCode::CREATED, Json(OrderCreated { id })))
}

/// Places an order set's items as edited (items not named keep their defaults; `include:
/// false` leaves one out), all in one transaction: if one item is refused, nothing is placed.
#[utoipa::path(post, path = "/api/v1/patients/{id}/orders/sets/{set}", params(("id" = Uuid, Path), ("set" = Uuid, Path)),
    request_body = SetPlacement,
    responses((status = 201, body = CreatedMany), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "orders")]
async fn place_set(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, set)): Path<(String, Uuid)>,
    Json(body): Json<SetPlacement>,
) -> AppResult<(StatusCode, Json<CreatedMany>)> {
    auth.require(perms::SIGN)?;
    let mut e = FieldErrors::default();
    let encounter = model::opt_uuid(&mut e, "encounter_id", &body.encounter_id);
    let entry = match model::entry(&body.entry) {
        Some(x @ (OrderEntry::Signed | OrderEntry::Draft)) => x,
        _ => {
            e.add("entry", "Sign the orders now (signed) or save them as drafts (draft).");
            OrderEntry::Signed
        }
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let (_, items) = repo::set(&state.pool, set).await?.ok_or(AppError::NotFound)?;
    let edited = service::edited(&items, &body.items);
    let ids = service::place_set(&state, &auth, patient.id, set, encounter, entry, &edited).await?;
    Ok((StatusCode::CREATED, Json(CreatedMany { ids })))
}

/// An order of a patient the caller may open (403 for a restricted record, as on the chart).
async fn order_for(state: &AppState, auth: &Auth, id: Uuid) -> AppResult<Order> {
    auth.require(perms::READ)?;
    let mut conn = state.pool.acquire().await?;
    let o = repo::load(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    hearth_patients::access::require(&state.pool, auth, o.patient_id).await?;
    Ok(o)
}

/// One order with its released results.
#[utoipa::path(get, path = "/api/v1/orders/{id}", params(("id" = Uuid, Path)),
    responses((status = 200, body = OrderDetail), (status = 403), (status = 404)), security(("bearer" = [])), tag = "orders")]
async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Json<OrderDetail>> {
    let order = order_for(&state, &auth, id).await?;
    let results = repo::results_of(&state.pool, id).await?;
    audit_view(&state, &auth, order.patient_id).await?;
    Ok(Json(OrderDetail { order, results }))
}

async fn act(state: AppState, auth: Auth, id: Uuid, action: Action, body: Option<ReasonForm>) -> AppResult<StatusCode> {
    let order = order_for(&state, &auth, id).await?;
    service::act(&state, &auth, &order, action, &body.unwrap_or_default()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs a draft order (draft → active): the ordering clinician, with the kind's sign permission.
#[utoipa::path(post, path = "/api/v1/orders/{id}/sign", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])), tag = "orders")]
async fn sign(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<StatusCode> {
    act(state, auth, id, Action::Sign, None).await
}

/// The prescriber countersigns a verbal or telephone order entered on their behalf.
#[utoipa::path(post, path = "/api/v1/orders/{id}/countersign", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])), tag = "orders")]
async fn countersign(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<StatusCode> {
    let order = order_for(&state, &auth, id).await?;
    service::countersign(&state, &auth, &order).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Puts an active order on hold (`reason` required).
#[utoipa::path(post, path = "/api/v1/orders/{id}/hold", params(("id" = Uuid, Path)), request_body = ReasonForm,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])), tag = "orders")]
async fn hold(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(body): Json<ReasonForm>,
) -> AppResult<StatusCode> {
    act(state, auth, id, Action::Hold, Some(body)).await
}

/// Resumes an order on hold.
#[utoipa::path(post, path = "/api/v1/orders/{id}/resume", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])), tag = "orders")]
async fn resume(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<StatusCode> {
    act(state, auth, id, Action::Resume, None).await
}

/// Revokes a draft, active or held order (`reason` required). Of two concurrent revocations one
/// wins; the other answers 409.
#[utoipa::path(post, path = "/api/v1/orders/{id}/revoke", params(("id" = Uuid, Path)), request_body = ReasonForm,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])), tag = "orders")]
async fn revoke(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(body): Json<ReasonForm>,
) -> AppResult<StatusCode> {
    act(state, auth, id, Action::Revoke, Some(body)).await
}

/// Marks an order entered in error (`reason` required); final.
#[utoipa::path(post, path = "/api/v1/orders/{id}/entered-in-error", params(("id" = Uuid, Path)), request_body = ReasonForm,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])), tag = "orders")]
async fn entered_in_error(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(body): Json<ReasonForm>,
) -> AppResult<StatusCode> {
    act(state, auth, id, Action::EnteredInError, Some(body)).await
}

/// The kinds of order the installation's modules declare.
#[utoipa::path(get, path = "/api/v1/order-kinds", responses((status = 200, body = [OrderKindInfo])),
    security(("bearer" = [])), tag = "orders")]
async fn kinds(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<OrderKindInfo>>> {
    auth.require(perms::READ)?;
    Ok(Json(
        state
            .registry
            .order_kinds()
            .map(|k| OrderKindInfo { kind: k.kind, label: k.label, module: k.module, sign_perm: k.sign_perm.code() })
            .collect(),
    ))
}

/// The active order sets with their items.
#[utoipa::path(get, path = "/api/v1/order-sets", responses((status = 200, body = [OrderSetDetail])),
    security(("bearer" = [])), tag = "orders")]
async fn sets(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<OrderSetDetail>>> {
    auth.require(perms::READ)?;
    let mut out = Vec::new();
    for s in repo::sets(&state.pool, false).await? {
        if let Some((set, items)) = repo::set(&state.pool, s.id).await? {
            out.push(OrderSetDetail { set, items });
        }
    }
    Ok(Json(out))
}

/// The caller's results inbox (`state`: open (default) or done), newest first. The patient's
/// name and the summary are withheld for a restricted record the caller may not open.
#[utoipa::path(get, path = "/api/v1/inbox", params(PageParams, InboxFilter),
    responses((status = 200, body = Paged<InboxItem>), (status = 400), (status = 403)), security(("bearer" = [])), tag = "orders")]
async fn inbox(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<PageParams>,
    Query(f): Query<InboxFilter>,
) -> AppResult<Json<Paged<InboxItem>>> {
    auth.require(perms::RESULTS_SIGNOFF)?;
    let done = f.done()?;
    let req: PageRequest<TimeId> = PageRequest::new(&p, 50, 200)?;
    let page = repo::inbox(&state.pool, hearth_patients::access::viewer(&auth), done, &req).await?;
    if !page.items.is_empty() {
        crate::inbox::audit_inbox(&state, &auth, &page.items).await?;
    }
    Ok(Json(page))
}

/// Signs off a result in the caller's inbox (optional `note`); someone else's is 403, a result
/// already signed off 409.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/sign-off", params(("id" = Uuid, Path)), request_body = SignOffForm,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])), tag = "orders")]
async fn sign_off(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Option<Json<SignOffForm>>,
) -> AppResult<StatusCode> {
    auth.require(perms::RESULTS_SIGNOFF)?;
    let note = body.map(|Json(b)| b).unwrap_or_default().validate()?;
    let mut tx = state.pool.begin().await?;
    repo::sign_off(&mut tx, &auth.meta, id, auth.id, &note).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The verbal and telephone orders waiting for the caller's countersignature (at most 200).
#[utoipa::path(get, path = "/api/v1/inbox/countersign", responses((status = 200, body = [CountersignItem]), (status = 403)),
    security(("bearer" = [])), tag = "orders")]
async fn countersign_list(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<CountersignItem>>> {
    auth.require(perms::SIGN)?;
    Ok(Json(repo::to_countersign(&state.pool, hearth_patients::access::viewer(&auth), 200).await?.0))
}

/// The caller's "away until, covered by" setting (`null` when not away).
#[utoipa::path(get, path = "/api/v1/inbox/away", responses((status = 200, body = Option<Away>), (status = 403)),
    security(("bearer" = [])), tag = "orders")]
async fn away(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Option<Away>>> {
    auth.require(perms::RESULTS_SIGNOFF)?;
    Ok(Json(repo::away(&state.pool, auth.id).await?))
}

/// Marks the caller away until `away_until` (RFC 3339, at most 90 days ahead), covered by
/// `covered_by`: results waiting in the inbox move to the cover, and new ones go there.
#[utoipa::path(post, path = "/api/v1/inbox/away", request_body = AwayForm,
    responses((status = 200, body = AwaySet), (status = 403), (status = 422)), security(("bearer" = [])), tag = "orders")]
async fn set_away(State(state): State<AppState>, auth: Auth, Json(form): Json<AwayForm>) -> AppResult<Json<AwaySet>> {
    auth.require(perms::RESULTS_SIGNOFF)?;
    let (until, cover) = crate::inbox::read_away(&form, &Zone::utc(), OffsetDateTime::now_utc())?;
    let mut tx = state.pool.begin().await?;
    let moved = repo::set_away(&mut tx, &auth.meta, auth.id, until, cover).await?;
    tx.commit().await?;
    Ok(Json(AwaySet { results_moved: moved }))
}

/// Ends the caller's "away" setting (results already moved stay with the cover).
#[utoipa::path(post, path = "/api/v1/inbox/away/clear", responses((status = 204), (status = 403)),
    security(("bearer" = [])), tag = "orders")]
async fn clear_away(State(state): State<AppState>, auth: Auth) -> AppResult<StatusCode> {
    auth.require(perms::RESULTS_SIGNOFF)?;
    let mut tx = state.pool.begin().await?;
    repo::clear_away(&mut tx, &auth.meta, auth.id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
