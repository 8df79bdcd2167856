//! Billing's pages: the worklist (`/billing`), the chargemaster (`/billing/prices`), the
//! cashier's day (`/billing/payments`), the patient's billing tab, an invoice with its actions,
//! and the printable invoice and receipt.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use uuid::Uuid;

use crate::model::*;
use crate::{money, perms, repo};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::web::{self, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/billing", get(worklist))
        .route("/billing/prices", get(prices).post(set_price))
        .route("/billing/payments", get(day))
        .route("/patients/{id}/billing", get(patient_page))
        .route("/patients/{id}/billing/invoices", post(create_invoice))
        .route("/patients/{id}/billing/invoices/{invoice}", get(invoice_page))
        .route("/patients/{id}/billing/invoices/{invoice}/print", get(invoice_print))
        .route("/patients/{id}/billing/invoices/{invoice}/{action}", post(invoice_action))
        .route("/patients/{id}/billing/payments/{payment}/receipt", get(receipt))
}

/// A refusal as a flash message: field errors, conflicts and constraint sentences; anything
/// else is an error page.
fn flash_error(state: &AppState, to: &str, e: AppError) -> AppResult<Response> {
    match e {
        AppError::Invalid(f) => Ok(web::redirect_flash(to, "error", &f.messages())),
        AppError::Conflict(m) | AppError::Unprocessable(m) | AppError::BadRequest(m) => {
            Ok(web::redirect_flash(to, "error", &m))
        }
        AppError::Constraint(c) => {
            let m = c.constraint.as_deref().and_then(|n| state.registry.constraint_message(n)).unwrap_or(&c.message);
            Ok(web::redirect_flash(to, "error", m))
        }
        e => Err(e),
    }
}

// ---- Worklist ----

#[derive(Template)]
#[template(path = "billing/worklist.html")]
struct WorklistPage {
    page: Page,
    unbilled: Vec<(Uuid, String, i64)>,
    drafts: Vec<BillingInvoice>,
    unpaid: Vec<BillingInvoice>,
}

async fn worklist(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let unbilled = repo::unbilled_by_patient(&state.pool, &auth.user).await?;
    let drafts = repo::in_states(&state.pool, &auth.user, &["draft"]).await?;
    let unpaid = repo::in_states(&state.pool, &auth.user, &["issued", "partially_paid"]).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("billing.worklist.view", "invoice", drafts.len() + unpaid.len())
            .changes(serde_json::json!({"unbilled_patients": unbilled.len()})),
    )
    .await?;
    let title = page.t("billing-worklist-heading");
    web::render(&WorklistPage { page: page.titled(title.clone()).crumb(title, "/billing"), unbilled, drafts, unpaid })
}

// ---- Chargemaster ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct PricesQuery {
    facility: String,
    on: String,
}

#[derive(Template)]
#[template(path = "billing/prices.html")]
struct PricesPage {
    page: Page,
    facilities: Vec<(String, String)>,
    facility: String,
    on: String,
    list: Option<BillingPriceList>,
    can_edit: bool,
}

impl PricesPage {
    fn m<T: std::borrow::Borrow<i64>>(&self, v: T) -> String {
        money::format(*v.borrow(), self.list.as_ref().map(|l| l.exponent.clamp(0, 3) as u8).unwrap_or(2))
    }
    fn pct<T: std::borrow::Borrow<i32>>(&self, bp: T) -> String {
        money::format(i64::from(*bp.borrow()), 2)
    }
}

async fn facilities(state: &AppState, auth: &Auth) -> AppResult<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id::text, name FROM facilities WHERE ($1::uuid[] IS NULL OR id = ANY($1)) ORDER BY name LIMIT 200",
    )
    .bind(repo::scope(&auth.user))
    .fetch_all(&state.pool)
    .await?)
}

async fn prices(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<PricesQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let facilities = facilities(&state, &auth).await?;
    let facility =
        if q.facility.is_empty() { facilities.first().map(|f| f.0.clone()).unwrap_or_default() } else { q.facility };
    let day = parse_date(&q.on).unwrap_or_else(|| page.zone.today());
    let list = match Uuid::parse_str(&facility) {
        Ok(f) if repo::in_scope(&auth.user, f) => {
            let mut conn = state.pool.acquire().await?;
            Some(repo::price_list(&mut conn, f, day).await?)
        }
        _ => None,
    };
    let title = page.t("billing-prices-heading");
    web::render(&PricesPage {
        page: page.titled(title.clone()).crumb("Billing", "/billing").crumb(title, "/billing/prices"),
        facilities,
        facility,
        on: day.to_string(),
        list,
        can_edit: auth.can(perms::PRICES),
    })
}

async fn set_price(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(f): Form<BillingPriceForm>,
) -> AppResult<Response> {
    auth.require(perms::PRICES)?;
    let back = format!(
        "/billing/prices?facility={}",
        Uuid::parse_str(f.facility.trim()).map(|u| u.to_string()).unwrap_or_default()
    );
    let mut conn = state.pool.acquire().await?;
    let exp = match Uuid::parse_str(f.facility.trim()) {
        Ok(id) if repo::in_scope(&auth.user, id) => repo::settings(&mut conn, id).await?.exp(),
        _ => return Ok(web::redirect_flash(&back, "error", "Choose one of your facilities.")),
    };
    drop(conn);
    let v = match f.validate(|_| exp) {
        Ok(v) => v,
        Err(e) => return Ok(web::redirect_flash(&back, "error", &e.messages())),
    };
    let mut tx = state.pool.begin().await?;
    match repo::set_price(&mut tx, &auth.meta, &v).await {
        Ok(version) => {
            tx.commit().await?;
            Ok(web::redirect_flash(
                &format!("{back}&on={}", v.from),
                "ok",
                &page.t1("billing-flash-price-set", "version", version.to_string()),
            ))
        }
        Err(e) => flash_error(&state, &back, e),
    }
}

// ---- The cashier's day ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct DayQuery {
    day: String,
}

#[derive(Template)]
#[template(path = "billing/payments.html")]
struct DayPage {
    page: Page,
    day: String,
    payments: Vec<BillingPayment>,
    totals: Vec<(String, String, String)>,
}

async fn day(State(state): State<AppState>, page: Page, auth: Auth, Query(q): Query<DayQuery>) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let d = parse_date(&q.day).unwrap_or_else(|| page.zone.today());
    let (from, to) = page.zone.day_range(d);
    let payments = repo::payments_between(&state.pool, &auth.user, from, to).await?;
    let totals = repo::totals_by_method(&payments);
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("billing.payments.view", "payment", payments.len())
            .changes(serde_json::json!({"day": d.to_string()})),
    )
    .await?;
    let title = page.t("billing-day-heading");
    web::render(&DayPage {
        page: page.titled(title.clone()).crumb("Billing", "/billing").crumb(title, "/billing/payments"),
        day: d.to_string(),
        payments,
        totals,
    })
}

// ---- The patient's billing ----

#[derive(Template)]
#[template(path = "billing/patient.html")]
struct PatientPage {
    page: Page,
    b: Banner,
    invoices: Vec<BillingInvoice>,
    balances: Vec<(String, String)>,
    unbilled: Vec<BillingUnbilled>,
    can_write: bool,
    can_manual: bool,
}

impl PatientPage {
    fn price(&self, u: &BillingUnbilled) -> String {
        u.unit_price.map(|p| money::format(p, 2)).unwrap_or_default()
    }
}

async fn patient_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("billing");
    let invoices = repo::for_patient(&state.pool, &auth.user, b.id).await?;
    let mut conn = state.pool.acquire().await?;
    let unbilled = repo::unbilled(&mut conn, &auth.user, b.id).await?;
    drop(conn);
    crate::api::audit_view(&state, &auth, b.id).await?;
    let title = page.t("billing-patient-heading");
    web::render(&PatientPage {
        page: page
            .titled(format!("{title} · {}", b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(title, b.href("billing")),
        balances: repo::balances(&invoices),
        b,
        invoices,
        unbilled,
        can_write: auth.can(perms::WRITE),
        can_manual: auth.can(perms::MANUAL),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewInvoicePageForm {
    manual_description: String,
    manual_quantity: String,
    manual_price: String,
    manual_tax_bp: String,
}

async fn create_invoice(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(f): Form<NewInvoicePageForm>,
) -> AppResult<Response> {
    auth.require(perms::WRITE)?;
    let back = format!("/patients/{}/billing", patient.id);
    let mut form = BillingInvoiceForm::default();
    if !f.manual_description.trim().is_empty() || !f.manual_price.trim().is_empty() {
        let Some(facility) = auth.user.facility_ids.first().copied() else {
            return Ok(web::redirect_flash(&back, "error", "Choose one of your facilities."));
        };
        let mut conn = state.pool.acquire().await?;
        let exp = repo::settings(&mut conn, facility).await?.exp();
        let price = match money::parse(&f.manual_price, exp) {
            Ok(p) => p,
            Err(m) => return Ok(web::redirect_flash(&back, "error", m)),
        };
        form.manual.push(BillingManualItem {
            description: f.manual_description.clone(),
            quantity: f.manual_quantity.trim().parse().unwrap_or(1),
            unit_price: price,
            tax_rate_bp: f.manual_tax_bp.trim().parse().unwrap_or(0),
        });
    }
    let mut tx = state.pool.begin().await?;
    match repo::create_invoice(&mut tx, &auth.meta, &auth.user, patient.id, &form).await {
        Ok(id) => {
            tx.commit().await?;
            Ok(web::redirect_flash(&format!("{back}/invoices/{id}"), "ok", &page.t("billing-flash-draft")))
        }
        Err(e) => flash_error(&state, &back, e),
    }
}

#[derive(Template)]
#[template(path = "billing/invoice.html")]
struct InvoicePage {
    page: Page,
    b: Banner,
    d: BillingInvoiceDetail,
    print: bool,
    can_write: bool,
    can_pay: bool,
    can_approve: bool,
    can_credit: bool,
}

impl InvoicePage {
    fn pct<T: std::borrow::Borrow<i32>>(&self, bp: T) -> String {
        money::format(i64::from(*bp.borrow()), 2)
    }
}

async fn show(
    state: &AppState,
    page: Page,
    auth: &Auth,
    patient: ChartPatient,
    invoice: Uuid,
    print: bool,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("billing");
    let mut conn = state.pool.acquire().await?;
    let inv = repo::load_for(&mut conn, &auth.user, b.id, invoice).await?;
    let d = repo::detail(&mut conn, inv).await?;
    drop(conn);
    crate::api::audit_view(state, auth, b.id).await?;
    let title = match &d.invoice.number {
        Some(n) => n.clone(),
        None => page.t("billing-status-draft"),
    };
    web::render(&InvoicePage {
        page: page
            .titled(title.clone())
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb("Billing", b.href("billing"))
            .crumb(title, format!("{}/invoices/{invoice}", b.href("billing"))),
        b,
        d,
        print,
        can_write: auth.can(perms::WRITE),
        can_pay: auth.can(perms::PAY),
        can_approve: auth.can(perms::APPROVE),
        can_credit: auth.can(perms::CREDIT),
    })
}

async fn invoice_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, invoice)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    show(&state, page, &auth, patient, invoice, false).await
}

async fn invoice_print(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, invoice)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    show(&state, page, &auth, patient, invoice, true).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActionForm {
    reason: String,
    kind: String,
    value: String,
    method: String,
    amount: String,
    reference: String,
}

async fn invoice_action(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, invoice, action)): Path<(String, Uuid, String)>,
    Form(f): Form<ActionForm>,
) -> AppResult<Response> {
    let back = format!("/patients/{}/billing/invoices/{invoice}", patient.id);
    let perm = match action.as_str() {
        "finalise" | "cancel" | "discount" => perms::WRITE,
        "approve" => perms::APPROVE,
        "credit" => perms::CREDIT,
        "pay" => perms::PAY,
        _ => return Err(AppError::NotFound),
    };
    auth.require(perm)?;
    let mut tx = state.pool.begin().await?;
    let inv = repo::load_for(&mut tx, &auth.user, patient.id, invoice).await?;
    let exp = inv.exponent.clamp(0, 3) as u8;
    let done: AppResult<(String, &str)> = async {
        match action.as_str() {
            "finalise" => {
                repo::finalise(&mut tx, &auth.meta, &inv).await.map(|_| (back.clone(), "billing-flash-finalised"))
            }
            "cancel" => {
                let r = BillingReasonForm { reason: f.reason.clone() }.validate()?;
                repo::cancel(&mut tx, &auth.meta, &inv, &r).await.map(|_| (back.clone(), "billing-flash-cancelled"))
            }
            "discount" => {
                let value = if f.kind == "percent" {
                    money::parse(&f.value, 2).map_err(|m| AppError::field("value", m))?
                } else {
                    money::parse(&f.value, exp).map_err(|m| AppError::field("value", m))?
                };
                let form = BillingDiscountForm { kind: f.kind.clone(), value, reason: f.reason.clone() };
                let r = form.validate()?;
                let st = repo::set_discount(&mut tx, &auth.meta, &auth.user.roles, &inv, &form, &r).await?;
                Ok((
                    back.clone(),
                    if st == "applied" { "billing-flash-discount-applied" } else { "billing-flash-discount-pending" },
                ))
            }
            "approve" => {
                if inv.discount_requested_by == Some(auth.user.id) {
                    return Err(AppError::Conflict("Another user must approve your discount.".into()));
                }
                repo::approve_discount(&mut tx, &auth.meta, &inv)
                    .await
                    .map(|_| (back.clone(), "billing-flash-approved"))
            }
            "credit" => {
                let r = BillingReasonForm { reason: f.reason.clone() }.validate()?;
                let id = repo::credit(&mut tx, &auth.meta, &inv, &r).await?;
                Ok((format!("/patients/{}/billing/invoices/{id}", patient.id), "billing-flash-credited"))
            }
            _ => {
                let amount = money::parse(&f.amount, exp).map_err(|m| AppError::field("amount", m))?;
                let form = BillingPaymentForm { method: f.method.clone(), amount, reference: f.reference.clone() };
                let id = repo::pay(&mut tx, &auth.meta, &inv, &form).await?;
                Ok((format!("/patients/{}/billing/payments/{id}/receipt", patient.id), "billing-flash-paid"))
            }
        }
    }
    .await;
    match done {
        Ok((to, msg)) => {
            tx.commit().await?;
            Ok(web::redirect_flash(&to, "ok", &page.t(msg)))
        }
        Err(e) => flash_error(&state, &back, e),
    }
}

#[derive(Template)]
#[template(path = "billing/receipt.html")]
struct ReceiptPage {
    page: Page,
    b: Banner,
    p: BillingPayment,
    inv: BillingInvoice,
}

async fn receipt(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, payment)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("billing");
    let mut conn = state.pool.acquire().await?;
    let p = repo::payment(&mut conn, payment).await?.ok_or(AppError::NotFound)?;
    let inv = repo::load_for(&mut conn, &auth.user, b.id, p.invoice_id).await?;
    drop(conn);
    crate::api::audit_view(&state, &auth, b.id).await?;
    let title = page.t("billing-receipt-heading");
    web::render(&ReceiptPage {
        page: page.titled(title.clone()).crumb("Billing", b.href("billing")).crumb(title, String::new()),
        b,
        p,
        inv,
    })
}
