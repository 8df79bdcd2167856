//! The pharmacy's JSON API (`/api/v1/pharmacy/…`, `/api/v1/patients/{id}/pharmacy/…`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::checks::{Level, PharmacyAlert, PharmacyCheckResult};
use crate::model::{
    PharmacyDispenseForm, PharmacyNewOrder, PharmacyOrder, PharmacyProduct, PharmacyReason, PharmacyReceiptForm,
    PharmacyStockLine, PharmacyStore, PharmacyStoreForm, PharmacyWorkItem, PrescribeForm,
};
use crate::pages::{audit_view, read_dispense, read_store};
use crate::{orders, perms, repo};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::registry::{OrderEntry, OrderRequest};
use hearth_core::web::paging::{PageParams, PageRequest, Paged};
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_patients::banner::ChartPatient;

#[derive(OpenApi)]
#[openapi(
    paths(formulary, patient_orders, check, prescribe, discontinue, queue, verify, reject, dispense, stock, stores,
          create_store, receive),
    components(schemas(PharmacyProduct, PharmacyOrder, PharmacyNewOrder, PharmacyReason, PharmacyDispenseForm,
        PharmacyReceiptForm, PharmacyStockLine, PharmacyStore, PharmacyStoreForm, PharmacyWorkItem,
        PharmacyCheckResult, PharmacyAlert, Level, PharmacyOrderCreated, PharmacyDispensed, PharmacyCreated,
        Paged<PharmacyProduct>)),
    tags((name = "pharmacy", description = "Formulary, medication orders with safety checks, verification, dispensing and stock"))
)]
struct PharmacyApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    PharmacyApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    let p = "/api/v1/patients/{id}/pharmacy";
    ApiRoutes::new()
        .get("/api/v1/pharmacy/formulary", formulary)
        .get(&format!("{p}/orders"), patient_orders)
        .post(&format!("{p}/orders"), prescribe)
        .post(&format!("{p}/check"), check)
        .post(&format!("{p}/orders/{{item}}/discontinue"), discontinue)
        .get("/api/v1/pharmacy/queue", queue)
        .post("/api/v1/pharmacy/orders/{item}/verify", verify)
        .post("/api/v1/pharmacy/orders/{item}/reject", reject)
        .post("/api/v1/pharmacy/orders/{item}/dispense", dispense)
        .get("/api/v1/pharmacy/stock", stock)
        .get("/api/v1/pharmacy/stores", stores)
        .post("/api/v1/pharmacy/stores", create_store)
        .post("/api/v1/pharmacy/receipts", receive)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PharmacyOrderCreated {
    /// The medication order (detail) id.
    id: Uuid,
    /// The orders core's header id.
    order_id: Uuid,
    checks: PharmacyCheckResult,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PharmacyDispensed {
    id: Uuid,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PharmacyCreated {
    id: Uuid,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormularyParams {
    /// Name, code, class or ingredient.
    #[serde(default)]
    q: String,
    /// The `next` cursor of the previous page.
    #[param(max_length = 512)]
    after: Option<String>,
    /// 1..200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// The formulary, by name, keyset-paged (`next` is the cursor of the next page).
#[utoipa::path(get, path = "/api/v1/pharmacy/formulary", params(FormularyParams),
    responses((status = 200, body = Paged<PharmacyProduct>)), security(("bearer" = [])), tag = "pharmacy")]
async fn formulary(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<FormularyParams>,
) -> AppResult<Json<Paged<PharmacyProduct>>> {
    auth.require(perms::FORMULARY_READ)?;
    let req: PageRequest<(String, String)> =
        PageRequest::new(&PageParams { after: q.after.clone(), limit: q.limit }, 50, 200)?;
    let rows = repo::search(&state.pool, &q.q, &req).await?;
    Ok(Json(Paged::from_rows(rows, req.limit, |p: &PharmacyProduct| (p.name.to_lowercase(), p.code.clone()))))
}

/// The patient's medication orders, newest first (not paged: a clinician sees them whole).
#[utoipa::path(get, path = "/api/v1/patients/{id}/pharmacy/orders", params(("id" = Uuid, Path)),
    responses((status = 200, body = [PharmacyOrder])), security(("bearer" = [])), tag = "pharmacy")]
async fn patient_orders(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Json<Vec<PharmacyOrder>>> {
    auth.require(perms::ORDERS_READ)?;
    let rows = repo::list(&state.pool, patient.id).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

/// Runs the safety checks of a proposed order without placing it.
#[utoipa::path(post, path = "/api/v1/patients/{id}/pharmacy/check", params(("id" = Uuid, Path)),
    request_body = PharmacyNewOrder, responses((status = 200, body = PharmacyCheckResult)),
    security(("bearer" = [])), tag = "pharmacy")]
async fn check(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Json(o): Json<PharmacyNewOrder>,
) -> AppResult<Json<PharmacyCheckResult>> {
    auth.require(perms::ORDERS_READ)?;
    let form: PrescribeForm = o.into();
    let v = form.validate(&Zone::utc(), OffsetDateTime::now_utc())?;
    let mut tx = state.pool.begin().await?;
    let r = repo::check(&mut tx, patient.id, &v).await?;
    drop(tx);
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(r))
}

/// Places a medication order on the orders core (signed by the caller). A hard stop is a 422 on
/// `dose`; a severe alert without `override_reason` is a 422 on `override_reason`.
#[utoipa::path(post, path = "/api/v1/patients/{id}/pharmacy/orders", params(("id" = Uuid, Path)),
    request_body = PharmacyNewOrder, responses((status = 201, body = PharmacyOrderCreated)),
    security(("bearer" = [])), tag = "pharmacy")]
async fn prescribe(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Json(o): Json<PharmacyNewOrder>,
) -> AppResult<(StatusCode, Json<PharmacyOrderCreated>)> {
    auth.require(perms::PRESCRIBE)?;
    let form: PrescribeForm = o.into();
    form.validate(&Zone::utc(), OffsetDateTime::now_utc())?;
    let actor = auth.meta.actor_user_id.ok_or(AppError::Forbidden)?;
    let req = OrderRequest {
        kind: &orders::KIND,
        patient: patient.id,
        encounter: None,
        code: form.product.trim().to_string(),
        priority: "routine".into(),
        indication: form.indication.trim().to_string(),
        orderer: actor,
        entry: OrderEntry::Signed,
        read_back: false,
        options: orders::options_of(&form),
        set_id: None,
    };
    let mut tx = state.pool.begin().await?;
    let (order_id, id, checks) = orders::create_detail(&mut tx, &auth.meta, &req).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(PharmacyOrderCreated { id, order_id, checks })))
}

/// Discontinues an open medication order (`reason` required).
#[utoipa::path(post, path = "/api/v1/patients/{id}/pharmacy/orders/{item}/discontinue",
    params(("id" = Uuid, Path), ("item" = Uuid, Path)), request_body = PharmacyReason,
    responses((status = 204)), security(("bearer" = [])), tag = "pharmacy")]
async fn discontinue(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Json(f): Json<PharmacyReason>,
) -> AppResult<StatusCode> {
    auth.require(perms::PRESCRIBE)?;
    let reason = f.validate()?;
    let mut tx = state.pool.begin().await?;
    repo::discontinue(&mut tx, &auth.meta, patient.id, item, &reason).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// pending (to verify, the default) or verified (to dispense).
    #[serde(default)]
    status: String,
}

/// A pharmacist's worklist: orders to verify (`status=pending`) or to dispense (`verified`).
#[utoipa::path(get, path = "/api/v1/pharmacy/queue", params(QueueParams),
    responses((status = 200, body = [PharmacyWorkItem]), (status = 422, description = "status is not pending or verified")), security(("bearer" = [])), tag = "pharmacy")]
async fn queue(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<QueueParams>,
) -> AppResult<Json<Vec<PharmacyWorkItem>>> {
    let status = match q.status.as_str() {
        "" | "pending" => {
            auth.require(perms::VERIFY)?;
            "pending"
        }
        "verified" => {
            auth.require(perms::DISPENSE)?;
            "verified"
        }
        _ => return Err(AppError::field("status", "pending or verified.")),
    };
    let rows = repo::worklist(&state.pool, status, hearth_patients::access::viewer(&auth.user)).await?;
    crate::pages::audit_worklist(&state, &auth, status, &rows).await?;
    Ok(Json(rows))
}

/// Verifies a pending order (pharmacist). Twice, or at once by two: one wins, the other 409.
#[utoipa::path(post, path = "/api/v1/pharmacy/orders/{item}/verify", params(("item" = Uuid, Path)),
    responses((status = 204)), security(("bearer" = [])), tag = "pharmacy")]
async fn verify(State(state): State<AppState>, auth: Auth, Path(item): Path<Uuid>) -> AppResult<StatusCode> {
    auth.require(perms::VERIFY)?;
    let mut tx = state.pool.begin().await?;
    repo::verify(&mut tx, &auth.meta, item).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rejects a pending order with the reason; its header is revoked.
#[utoipa::path(post, path = "/api/v1/pharmacy/orders/{item}/reject", params(("item" = Uuid, Path)),
    request_body = PharmacyReason, responses((status = 204)), security(("bearer" = [])), tag = "pharmacy")]
async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(item): Path<Uuid>,
    Json(f): Json<PharmacyReason>,
) -> AppResult<StatusCode> {
    auth.require(perms::VERIFY)?;
    let reason = f.validate()?;
    let mut tx = state.pool.begin().await?;
    repo::reject(&mut tx, &auth.meta, item, &reason).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Dispenses a verified order from a store of the caller's facilities (FEFO), and charges it.
/// An unverified or closed order, or not enough usable stock, is a 409; nothing changes.
#[utoipa::path(post, path = "/api/v1/pharmacy/orders/{item}/dispense", params(("item" = Uuid, Path)),
    request_body = PharmacyDispenseForm, responses((status = 201, body = PharmacyDispensed)),
    security(("bearer" = [])), tag = "pharmacy")]
async fn dispense(
    State(state): State<AppState>,
    auth: Auth,
    Path(item): Path<Uuid>,
    Json(f): Json<PharmacyDispenseForm>,
) -> AppResult<(StatusCode, Json<PharmacyDispensed>)> {
    auth.require(perms::DISPENSE)?;
    let (store, quantity) = read_dispense(&state, &auth, &f).await?;
    let mut tx = state.pool.begin().await?;
    let id = repo::dispense(&mut tx, &auth.meta, item, store, quantity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(PharmacyDispensed { id })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockParams {
    #[serde(default)]
    q: String,
}

/// Balances by store and lot in the caller's facilities.
#[utoipa::path(get, path = "/api/v1/pharmacy/stock", params(StockParams),
    responses((status = 200, body = [PharmacyStockLine])), security(("bearer" = [])), tag = "pharmacy")]
async fn stock(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<StockParams>,
) -> AppResult<Json<Vec<PharmacyStockLine>>> {
    auth.require(perms::STOCK)?;
    Ok(Json(repo::stock(&state.pool, &auth.user.facility_ids, &q.q).await?))
}

/// The stores of the caller's facilities (pharmacists dispensing see them too).
#[utoipa::path(get, path = "/api/v1/pharmacy/stores", responses((status = 200, body = [PharmacyStore])),
    security(("bearer" = [])), tag = "pharmacy")]
async fn stores(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<PharmacyStore>>> {
    if !auth.can(perms::STOCK) {
        auth.require(perms::DISPENSE)?;
    }
    Ok(Json(repo::stores(&state.pool, &auth.user.facility_ids).await?))
}

/// Creates a store at one of the caller's facilities.
#[utoipa::path(post, path = "/api/v1/pharmacy/stores", request_body = PharmacyStoreForm,
    responses((status = 201, body = PharmacyCreated)), security(("bearer" = [])), tag = "pharmacy")]
async fn create_store(
    State(state): State<AppState>,
    auth: Auth,
    Json(f): Json<PharmacyStoreForm>,
) -> AppResult<(StatusCode, Json<PharmacyCreated>)> {
    auth.require(perms::STOCK)?;
    let (facility, name, kind) = read_store(&auth, &f)?;
    let mut tx = state.pool.begin().await?;
    let id = repo::create_store(&mut tx, &auth.meta, facility, &name, &kind).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(PharmacyCreated { id })))
}

/// Goods received into a store: a lot (expiry today or later; "2027-05" is the end of May) and
/// its receipt movement. Returns the lot's id.
#[utoipa::path(post, path = "/api/v1/pharmacy/receipts", request_body = PharmacyReceiptForm,
    responses((status = 201, body = PharmacyCreated)), security(("bearer" = [])), tag = "pharmacy")]
async fn receive(
    State(state): State<AppState>,
    auth: Auth,
    Json(f): Json<PharmacyReceiptForm>,
) -> AppResult<(StatusCode, Json<PharmacyCreated>)> {
    auth.require(perms::STOCK)?;
    let v = f.validate(OffsetDateTime::now_utc().date())?;
    let mut tx = state.pool.begin().await?;
    if repo::store_in(&mut tx, v.store_id, &auth.user.facility_ids).await?.is_none() {
        return Err(AppError::field("store_id", "Not a store of your facilities."));
    }
    let id = repo::receive(&mut tx, &auth.meta, &v).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(PharmacyCreated { id })))
}
