//! Billing's JSON API: the chargemaster (`/api/v1/billing/prices`), a patient's unbilled
//! charges, invoices, discounts, credit notes and payments, and the cashier's payments of a day.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::model::*;
use crate::{perms, repo};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::idempotency::Claim;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_patients::context::PatientCtx;

#[derive(OpenApi)]
#[openapi(
    paths(prices, set_price, unbilled, invoices, create_invoice, show_invoice, finalise, cancel, discount,
          approve_discount, credit, pay, day_payments),
    components(schemas(BillingPrice, BillingPriceList, BillingPriceForm, BillingPriceSet, BillingManualItem,
                       BillingInvoiceForm, BillingInvoiceCreated, BillingInvoice, BillingLine, BillingPayment,
                       BillingInvoiceDetail, BillingUnbilled, BillingDiscountForm, BillingDiscountSet,
                       BillingReasonForm, BillingPaymentForm, BillingPaymentRecorded, BillingDay, BillingMethodTotal)),
    tags((name = "billing", description = "Billing: chargemaster, invoices from captured charges, credit notes, payments"))
)]
struct BillingApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    BillingApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .get("/api/v1/billing/prices", prices)
        .post("/api/v1/billing/prices", set_price)
        .get("/api/v1/billing/payments", day_payments)
        .get("/api/v1/patients/{id}/billing/unbilled", unbilled)
        .get("/api/v1/patients/{id}/billing/invoices", invoices)
        .post("/api/v1/patients/{id}/billing/invoices", create_invoice)
        .get("/api/v1/patients/{id}/billing/invoices/{invoice}", show_invoice)
        .post("/api/v1/patients/{id}/billing/invoices/{invoice}/finalise", finalise)
        .post("/api/v1/patients/{id}/billing/invoices/{invoice}/cancel", cancel)
        .post("/api/v1/patients/{id}/billing/invoices/{invoice}/discount", discount)
        .post("/api/v1/patients/{id}/billing/invoices/{invoice}/discount/approve", approve_discount)
        .post("/api/v1/patients/{id}/billing/invoices/{invoice}/credit", credit)
        .post("/api/v1/patients/{id}/billing/invoices/{invoice}/payments", pay)
}

/// Reads of a patient's billing are audited like every chart section.
pub(crate) async fn audit_view(state: &AppState, auth: &Auth, patient: Uuid) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient)
            .patient(patient)
            .changes(serde_json::json!({"section": "billing"})),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct BillingPricesQuery {
    /// A facility's id (one of the caller's).
    pub facility: String,
    /// The day (YYYY-MM-DD; default today, UTC).
    pub on: String,
}

fn facility_param(s: &str, auth: &Auth) -> AppResult<Uuid> {
    match Uuid::parse_str(s.trim()) {
        Ok(f) if repo::in_scope(&auth.user, f) => Ok(f),
        _ => Err(AppError::field("facility", "Choose one of your facilities.")),
    }
}

/// The price list of a facility in force on a day.
#[utoipa::path(get, path = "/api/v1/billing/prices", params(BillingPricesQuery),
    responses((status = 200, body = BillingPriceList), (status = 422)), security(("bearer" = [])), tag = "billing")]
async fn prices(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<BillingPricesQuery>,
) -> AppResult<Json<BillingPriceList>> {
    auth.require(perms::READ)?;
    let facility = facility_param(&q.facility, &auth)?;
    let day = match q.on.trim() {
        "" => Zone::utc().today(),
        s => parse_date(s).ok_or_else(|| AppError::field("on", "Enter a date as YYYY-MM-DD."))?,
    };
    let mut conn = state.pool.acquire().await?;
    Ok(Json(repo::price_list(&mut conn, facility, day).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BillingPriceSet {
    /// The price list version now holding the price.
    version: i32,
}

/// Sets a price (minor units) and tax rate from a day on: a new version of the price list unless
/// one starts that day. Invoices already written keep their prices.
#[utoipa::path(post, path = "/api/v1/billing/prices", request_body = BillingPriceForm,
    responses((status = 201, body = BillingPriceSet), (status = 403), (status = 422)), security(("bearer" = [])), tag = "billing")]
async fn set_price(
    State(state): State<AppState>,
    auth: Auth,
    Json(f): Json<BillingPriceForm>,
) -> AppResult<(StatusCode, Json<BillingPriceSet>)> {
    auth.require(perms::PRICES)?;
    let v = f.validate(|_| 2)?;
    if !repo::in_scope(&auth.user, v.facility) {
        return Err(AppError::field("facility", "Choose one of your facilities."));
    }
    let mut tx = state.pool.begin().await?;
    let version = repo::set_price(&mut tx, &auth.meta, &v).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(BillingPriceSet { version })))
}

/// The patient's captured charges not yet invoiced, priced at their service date.
#[utoipa::path(get, path = "/api/v1/patients/{id}/billing/unbilled", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<BillingUnbilled>)), security(("bearer" = [])), tag = "billing")]
async fn unbilled(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Json<Vec<BillingUnbilled>>> {
    auth.require(perms::READ)?;
    let mut conn = state.pool.acquire().await?;
    let rows = repo::unbilled(&mut conn, &auth.user, patient.id).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

/// The patient's invoices and credit notes, newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/patients/{id}/billing/invoices", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<BillingInvoice>)), security(("bearer" = [])), tag = "billing")]
async fn invoices(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Json<Vec<BillingInvoice>>> {
    auth.require(perms::READ)?;
    let rows = repo::for_patient(&state.pool, &auth.user, patient.id).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BillingInvoiceCreated {
    id: Uuid,
    total: i64,
}

/// Builds a draft invoice from the patient's unbilled charges (all of the facility, or those
/// listed) plus manual items (`billing.manual_items`). A charge already invoiced: 409; a code
/// without a price on its service date: 409.
#[utoipa::path(post, path = "/api/v1/patients/{id}/billing/invoices", params(("id" = Uuid, Path)),
    request_body = BillingInvoiceForm,
    responses((status = 201, body = BillingInvoiceCreated), (status = 403), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "billing")]
async fn create_invoice(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(f): Json<BillingInvoiceForm>,
) -> AppResult<(StatusCode, Json<BillingInvoiceCreated>)> {
    auth.require(perms::WRITE)?;
    let mut tx = state.pool.begin().await?;
    let id = repo::create_invoice(&mut tx, &auth.meta, &auth.user, patient.id, &f).await?;
    let total: i64 =
        sqlx::query_scalar("SELECT total FROM billing_invoices WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(BillingInvoiceCreated { id, total })))
}

/// An invoice with its lines, payments and balance.
#[utoipa::path(get, path = "/api/v1/patients/{id}/billing/invoices/{invoice}",
    params(("id" = Uuid, Path), ("invoice" = Uuid, Path)),
    responses((status = 200, body = BillingInvoiceDetail), (status = 404)), security(("bearer" = [])), tag = "billing")]
async fn show_invoice(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, invoice)): Path<(String, Uuid)>,
) -> AppResult<Json<BillingInvoiceDetail>> {
    auth.require(perms::READ)?;
    let mut conn = state.pool.acquire().await?;
    let inv = repo::load_for(&mut conn, &auth.user, patient.id, invoice).await?;
    let d = repo::detail(&mut conn, inv).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(d))
}

async fn detail_after(state: &AppState, auth: &Auth, patient: Uuid, invoice: Uuid) -> AppResult<BillingInvoiceDetail> {
    let mut conn = state.pool.acquire().await?;
    let inv = repo::load_for(&mut conn, &auth.user, patient, invoice).await?;
    repo::detail(&mut conn, inv).await
}

/// Finalises a draft: numbered (gapless per facility and fiscal year), issued, immutable.
#[utoipa::path(post, path = "/api/v1/patients/{id}/billing/invoices/{invoice}/finalise",
    params(("id" = Uuid, Path), ("invoice" = Uuid, Path)),
    responses((status = 200, body = BillingInvoiceDetail), (status = 404), (status = 409)), security(("bearer" = [])), tag = "billing")]
async fn finalise(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, invoice)): Path<(String, Uuid)>,
) -> AppResult<Json<BillingInvoiceDetail>> {
    auth.require(perms::WRITE)?;
    let mut tx = state.pool.begin().await?;
    let inv = repo::load_for(&mut tx, &auth.user, patient.id, invoice).await?;
    repo::finalise(&mut tx, &auth.meta, &inv).await?;
    tx.commit().await?;
    Ok(Json(detail_after(&state, &auth, patient.id, invoice).await?))
}

/// Cancels a draft (`reason`); its charges may be billed again.
#[utoipa::path(post, path = "/api/v1/patients/{id}/billing/invoices/{invoice}/cancel",
    params(("id" = Uuid, Path), ("invoice" = Uuid, Path)), request_body = BillingReasonForm,
    responses((status = 204), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])), tag = "billing")]
async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, invoice)): Path<(String, Uuid)>,
    Json(f): Json<BillingReasonForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::WRITE)?;
    let reason = f.validate()?;
    let mut tx = state.pool.begin().await?;
    let inv = repo::load_for(&mut tx, &auth.user, patient.id, invoice).await?;
    repo::cancel(&mut tx, &auth.meta, &inv, &reason).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BillingDiscountSet {
    /// `applied` (within the requester's role limit) or `pending` (waits for another user's approval).
    state: String,
    total: i64,
}

/// Sets a discount on a draft (percent in basis points, or an amount in minor units). Above the
/// requester's role limit it waits for approval by another user holding `billing.approve`.
#[utoipa::path(post, path = "/api/v1/patients/{id}/billing/invoices/{invoice}/discount",
    params(("id" = Uuid, Path), ("invoice" = Uuid, Path)), request_body = BillingDiscountForm,
    responses((status = 200, body = BillingDiscountSet), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "billing")]
async fn discount(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, invoice)): Path<(String, Uuid)>,
    Json(f): Json<BillingDiscountForm>,
) -> AppResult<Json<BillingDiscountSet>> {
    auth.require(perms::WRITE)?;
    let reason = f.validate()?;
    let mut tx = state.pool.begin().await?;
    let inv = repo::load_for(&mut tx, &auth.user, patient.id, invoice).await?;
    let st = repo::set_discount(&mut tx, &auth.meta, &auth.user.roles, &inv, &f, &reason).await?;
    let total: i64 = sqlx::query_scalar("SELECT total FROM billing_invoices WHERE id = $1")
        .bind(invoice)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Json(BillingDiscountSet { state: st.into(), total }))
}

/// Approves a pending discount (`billing.approve`; never the requester: 409).
#[utoipa::path(post, path = "/api/v1/patients/{id}/billing/invoices/{invoice}/discount/approve",
    params(("id" = Uuid, Path), ("invoice" = Uuid, Path)),
    responses((status = 200, body = BillingInvoiceDetail), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "billing")]
async fn approve_discount(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, invoice)): Path<(String, Uuid)>,
) -> AppResult<Json<BillingInvoiceDetail>> {
    auth.require(perms::APPROVE)?;
    let mut tx = state.pool.begin().await?;
    let inv = repo::load_for(&mut tx, &auth.user, patient.id, invoice).await?;
    if inv.discount_requested_by == Some(auth.user.id) {
        return Err(AppError::Conflict("Another user must approve your discount.".into()));
    }
    repo::approve_discount(&mut tx, &auth.meta, &inv).await?;
    tx.commit().await?;
    Ok(Json(detail_after(&state, &auth, patient.id, invoice).await?))
}

/// Credits an issued invoice without payments in full: a credit note referencing it.
#[utoipa::path(post, path = "/api/v1/patients/{id}/billing/invoices/{invoice}/credit",
    params(("id" = Uuid, Path), ("invoice" = Uuid, Path)), request_body = BillingReasonForm,
    responses((status = 201, body = BillingInvoiceCreated), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "billing")]
async fn credit(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, invoice)): Path<(String, Uuid)>,
    Json(f): Json<BillingReasonForm>,
) -> AppResult<(StatusCode, Json<BillingInvoiceCreated>)> {
    auth.require(perms::CREDIT)?;
    let reason = f.validate()?;
    let mut tx = state.pool.begin().await?;
    let inv = repo::load_for(&mut tx, &auth.user, patient.id, invoice).await?;
    let id = repo::credit(&mut tx, &auth.meta, &inv, &reason).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(BillingInvoiceCreated { id, total: -inv.total })))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BillingPaymentRecorded {
    id: Uuid,
    /// The invoice's status after the payment.
    status: String,
    /// What is still owed (minor units).
    balance: i64,
}

/// Records a payment (cash, card terminal reference, bank transfer). Requires an
/// `Idempotency-Key` header: a repeat answers the first answer; the same key with another body
/// 422. More than the balance: 422.
#[utoipa::path(post, path = "/api/v1/patients/{id}/billing/invoices/{invoice}/payments",
    params(("id" = Uuid, Path), ("invoice" = Uuid, Path),
           ("Idempotency-Key" = String, Header, description = "Required: 1–255 visible ASCII characters")),
    request_body = BillingPaymentForm,
    responses((status = 201, body = BillingPaymentRecorded), (status = 400), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "billing")]
async fn pay(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, invoice)): Path<(String, Uuid)>,
    claim: Option<axum::Extension<Claim>>,
    Json(f): Json<BillingPaymentForm>,
) -> AppResult<Response> {
    auth.require(perms::PAY)?;
    let Some(axum::Extension(claim)) = claim else {
        return Err(AppError::BadRequest("A payment needs an Idempotency-Key header.".into()));
    };
    f.validate()?;
    let mut tx = state.pool.begin().await?;
    let inv = repo::load_for(&mut tx, &auth.user, patient.id, invoice).await?;
    let id = repo::pay(&mut tx, &auth.meta, &inv, &f).await?;
    let after = repo::load(&mut tx, invoice).await?.ok_or(AppError::NotFound)?;
    let body =
        serde_json::to_vec(&BillingPaymentRecorded { id, status: after.status.clone(), balance: after.balance() })
            .map_err(|e| AppError::Internal(e.into()))?;
    // The answer commits with the payment: a repeated request can never pay twice.
    claim.complete_in(&mut tx, StatusCode::CREATED, "application/json", &body).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct BillingDayQuery {
    /// The day (YYYY-MM-DD, UTC; default today).
    pub day: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BillingMethodTotal {
    currency: String,
    method: String,
    /// In major units, as a decimal string.
    total: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BillingDay {
    payments: Vec<BillingPayment>,
    totals: Vec<BillingMethodTotal>,
}

/// The payments received on a day at the caller's facilities, with totals by method.
#[utoipa::path(get, path = "/api/v1/billing/payments", params(BillingDayQuery),
    responses((status = 200, body = BillingDay), (status = 422)), security(("bearer" = [])), tag = "billing")]
async fn day_payments(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<BillingDayQuery>,
) -> AppResult<Json<BillingDay>> {
    auth.require(perms::READ)?;
    let zone = Zone::utc();
    let day = match q.day.trim() {
        "" => zone.today(),
        s => parse_date(s).ok_or_else(|| AppError::field("day", "Enter a date as YYYY-MM-DD."))?,
    };
    let (from, to) = zone.day_range(day);
    let payments = repo::payments_between(&state.pool, &auth.user, from, to).await?;
    let totals = repo::totals_by_method(&payments)
        .into_iter()
        .map(|(currency, method, total)| BillingMethodTotal { currency, method, total })
        .collect();
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("billing.payments.view", "payment", payments.len())
            .changes(serde_json::json!({"day": day.to_string()})),
    )
    .await?;
    Ok(Json(BillingDay { payments, totals }))
}
