//! Pages: the formulary, the chart tab "Medication orders" (prescribing with the checks shown
//! before signing, discontinue), the verification queue, dispensing and stock.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::checks::{PharmacyCheckResult, FREQUENCIES};
use crate::model::{
    PharmacyDispenseForm, PharmacyOrder, PharmacyProduct, PharmacyReason, PharmacyReceiptForm, PharmacyStockLine,
    PharmacyStore, PharmacyStoreForm, PharmacyWorkItem, PrescribeForm, ROUTES, UNITS,
};
use crate::{orders, perms, repo};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::registry::{OrderEntry, OrderRequest};
use hearth_core::web::paging::{PageParams, PageRequest, Paged, Pager};
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/pharmacy", get(|| async { axum::response::Redirect::to("/pharmacy/formulary") }))
        .route("/pharmacy/formulary", get(formulary))
        .route("/patients/{id}/pharmacy", get(chart).post(prescribe))
        .route("/patients/{id}/pharmacy/{item}/discontinue", post(discontinue))
        .route("/pharmacy/verify", get(verify_queue))
        .route("/pharmacy/orders/{item}/verify", post(verify))
        .route("/pharmacy/orders/{item}/reject", post(reject))
        .route("/pharmacy/dispense", get(dispense_queue))
        .route("/pharmacy/orders/{item}/dispense", post(dispense))
        .route("/pharmacy/stock", get(stock).post(receive))
        .route("/pharmacy/stores", post(create_store))
}

// ---------------------------------------------------------------------------------------------
// Formulary

#[derive(Debug, Default, Deserialize)]
pub struct FormularyQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
    limit: Option<i64>,
}

#[derive(Template)]
#[template(path = "pharmacy/formulary.html")]
struct FormularyPage {
    page: Page,
    q: String,
    rows: Vec<PharmacyProduct>,
    pager: Pager,
}

async fn formulary(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(fq): Query<FormularyQuery>,
) -> AppResult<Response> {
    auth.require(perms::FORMULARY_READ)?;
    let req: PageRequest<(String, String)> =
        PageRequest::new(&PageParams { after: fq.after.clone(), limit: fq.limit }, 25, 200)?;
    let rows = repo::search(&state.pool, &fq.q, &req).await?;
    let paged = Paged::from_rows(rows, req.limit, |p: &PharmacyProduct| (p.name.to_lowercase(), p.code.clone()));
    let pager = Pager::new("/pharmacy/formulary", &[("q", &fq.q)], &paged, req.is_later());
    let title = page.t("pharmacy-formulary-heading");
    web::render(&FormularyPage { page: page.titled(title), q: fq.q, rows: paged.items, pager })
}

// ---------------------------------------------------------------------------------------------
// Chart tab

#[derive(Template)]
#[template(path = "pharmacy/chart.html")]
struct ChartPage {
    page: Page,
    b: Banner,
    rows: Vec<PharmacyOrder>,
    can_prescribe: bool,
    form: PrescribeForm,
    errors: FieldErrors,
    products: Vec<(String, String)>,
    units: Vec<(String, String)>,
    routes: Vec<(String, String)>,
    frequencies: Vec<(String, String)>,
    result: Option<PharmacyCheckResult>,
}

impl ChartPage {
    fn level_class(level: &str) -> &'static str {
        match level {
            "hard_stop" | "severe" => "badge-danger",
            "moderate" => "badge-warn",
            _ => "badge-muted",
        }
    }
}

pub(crate) async fn audit_view(state: &AppState, auth: &Auth, patient: Uuid) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient).patient(patient).changes(json!({"section": "pharmacy"})),
    )
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn render_chart(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: PrescribeForm,
    errors: FieldErrors,
    result: Option<PharmacyCheckResult>,
    status: StatusCode,
) -> AppResult<Response> {
    let (rows, products) = tokio::try_join!(repo::list(&state.pool, b.id), repo::products(&state.pool))?;
    audit_view(state, auth, b.id).await?;
    let heading = page.t("pharmacy-chart-heading");
    let title = format!("{heading} · {}", b.name);
    let blank = |l: String| std::iter::once((String::new(), l));
    let t = ChartPage {
        page: page
            .clone()
            .titled(title)
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("pharmacy")),
        b,
        rows,
        can_prescribe: auth.can(perms::PRESCRIBE),
        form,
        errors,
        products: blank(page.t("pharmacy-choose"))
            .chain(products.into_iter().map(|p| {
                let label = format!("{} ({}, {})", p.display(), p.strength, p.dose_form);
                (p.code, label)
            }))
            .collect(),
        units: blank("—".into()).chain(UNITS.iter().map(|u| (u.to_string(), u.to_string()))).collect(),
        routes: blank(page.t("pharmacy-route-default"))
            .chain(ROUTES.iter().map(|u| (u.to_string(), u.to_string())))
            .collect(),
        frequencies: blank("—".into())
            .chain(FREQUENCIES.iter().map(|(c, l)| (c.to_string(), format!("{c} — {l}"))))
            .collect(),
        result,
    };
    web::render_status(status, &t)
}

async fn chart(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(perms::ORDERS_READ)?;
    let b = patient.banner("pharmacy");
    let form = PrescribeForm { dose_unit: "mg".into(), quantity: "28".into(), ..Default::default() };
    render_chart(&state, page, &auth, b, form, FieldErrors::default(), None, StatusCode::OK).await
}

/// The request the orders core's kind receives, from the chart's form.
fn request(patient: Uuid, actor: Uuid, form: &PrescribeForm) -> OrderRequest {
    OrderRequest {
        kind: &orders::KIND,
        patient,
        encounter: None,
        code: form.product.trim().to_string(),
        priority: "routine".into(),
        indication: form.indication.trim().to_string(),
        orderer: actor,
        entry: OrderEntry::Signed,
        read_back: false,
        options: orders::options_of(form),
        set_id: None,
    }
}

async fn prescribe(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<PrescribeForm>,
) -> AppResult<Response> {
    auth.require(perms::PRESCRIBE)?;
    let b = patient.banner("pharmacy");
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let valid = match form.validate(&page.zone, OffsetDateTime::now_utc()) {
        Ok(v) => v,
        Err(e) => return render_chart(&state, page, &auth, b, form, e, None, unprocessable).await,
    };
    let mut tx = state.pool.begin().await?;
    // The checks, shown before signing (and again when signing is refused).
    let result = match repo::check(&mut tx, b.id, &valid).await {
        Ok(r) => r,
        Err(AppError::Invalid(e)) => {
            drop(tx);
            return render_chart(&state, page, &auth, b, form, e, None, unprocessable).await;
        }
        Err(e) => return Err(e),
    };
    if form.action == "check" {
        drop(tx);
        return render_chart(&state, page, &auth, b, form, FieldErrors::default(), Some(result), StatusCode::OK).await;
    }
    let actor = auth.meta.actor_user_id.ok_or(AppError::Forbidden)?;
    let req = request(b.id, actor, &form);
    match orders::create_detail(&mut tx, &auth.meta, &req).await {
        Ok(_) => {}
        Err(AppError::Invalid(e)) => {
            drop(tx);
            return render_chart(&state, page, &auth, b, form, e, Some(result), unprocessable).await;
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(web::redirect_flash(&b.href("pharmacy"), "ok", &page.t("pharmacy-prescribed")))
}

async fn discontinue(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<PharmacyReason>,
) -> AppResult<Response> {
    auth.require(perms::PRESCRIBE)?;
    let href = patient.data.href("pharmacy");
    let reason = match f.validate() {
        Ok(r) => r,
        Err(_) => return Ok(web::redirect_flash(&href, "error", &page.t("pharmacy-reason-missing"))),
    };
    let mut tx = state.pool.begin().await?;
    repo::discontinue(&mut tx, &auth.meta, patient.id, item, &reason).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&href, "ok", &page.t("pharmacy-discontinued")))
}

// ---------------------------------------------------------------------------------------------
// Verification and dispensing

#[derive(Template)]
#[template(path = "pharmacy/queue.html")]
struct QueuePage {
    page: Page,
    rows: Vec<PharmacyWorkItem>,
    /// verify or dispense.
    mode: &'static str,
    stores: Vec<(String, String)>,
}

impl QueuePage {
    fn level_class(level: &str) -> &'static str {
        ChartPage::level_class(level)
    }
}

/// The worklist shows patients' medicines: each read is audited as ONE event for the page,
/// naming the orders shown (ids only, no PHI) — one INSERT, not one per row.
pub(crate) async fn audit_worklist(
    state: &AppState,
    auth: &Auth,
    worklist: &str,
    rows: &[PharmacyWorkItem],
) -> AppResult<()> {
    let orders: Vec<Uuid> = rows.iter().filter(|r| r.visible).map(|r| r.order.id).collect();
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("pharmacy.worklist.view", "rx_worklist", Uuid::nil())
            .changes(json!({"worklist": worklist, "count": orders.len(), "orders": orders})),
    )
    .await?;
    Ok(())
}

async fn queue(state: &AppState, page: Page, auth: &Auth, mode: &'static str) -> AppResult<Response> {
    let viewer = hearth_patients::access::viewer(&auth.user);
    let status = if mode == "verify" { "pending" } else { "verified" };
    let rows = repo::worklist(&state.pool, status, viewer).await?;
    audit_worklist(state, auth, mode, &rows).await?;
    let stores = if mode == "dispense" {
        repo::stores(&state.pool, &auth.user.facility_ids)
            .await?
            .into_iter()
            .map(|s| (s.id.to_string(), s.name))
            .collect()
    } else {
        Vec::new()
    };
    let title = page.t(if mode == "verify" { "pharmacy-verify-heading" } else { "pharmacy-dispense-heading" });
    web::render(&QueuePage { page: page.titled(title), rows, mode, stores })
}

async fn verify_queue(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::VERIFY)?;
    queue(&state, page, &auth, "verify").await
}

async fn dispense_queue(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::DISPENSE)?;
    queue(&state, page, &auth, "dispense").await
}

async fn verify(State(state): State<AppState>, page: Page, auth: Auth, Path(item): Path<Uuid>) -> AppResult<Response> {
    auth.require(perms::VERIFY)?;
    let mut tx = state.pool.begin().await?;
    repo::verify(&mut tx, &auth.meta, item).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/pharmacy/verify", "ok", &page.t("pharmacy-verified")))
}

async fn reject(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(item): Path<Uuid>,
    Form(f): Form<PharmacyReason>,
) -> AppResult<Response> {
    auth.require(perms::VERIFY)?;
    let reason = match f.validate() {
        Ok(r) => r,
        Err(_) => return Ok(web::redirect_flash("/pharmacy/verify", "error", &page.t("pharmacy-reason-missing"))),
    };
    let mut tx = state.pool.begin().await?;
    repo::reject(&mut tx, &auth.meta, item, &reason).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/pharmacy/verify", "ok", &page.t("pharmacy-rejected")))
}

/// Reads a dispense form: the store must be one of the user's facilities'.
pub(crate) async fn read_dispense(
    state: &AppState,
    auth: &Auth,
    f: &PharmacyDispenseForm,
) -> AppResult<(Uuid, Option<i32>)> {
    let mut e = FieldErrors::default();
    let store = Uuid::parse_str(f.store_id.trim()).ok();
    if store.is_none() {
        e.add("store_id", "Choose the store to dispense from.");
    }
    let q = f.quantity.trim();
    let quantity = if q.is_empty() {
        None
    } else {
        match q.parse::<i32>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                e.add("quantity", "Give a whole number of units, or leave empty for all owed.");
                None
            }
        }
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let store = store.unwrap_or_default();
    let mut conn = state.pool.acquire().await?;
    if repo::store_in(&mut conn, store, &auth.user.facility_ids).await?.is_none() {
        return Err(AppError::field("store_id", "Not a store of your facilities."));
    }
    Ok((store, quantity))
}

async fn dispense(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(item): Path<Uuid>,
    Form(f): Form<PharmacyDispenseForm>,
) -> AppResult<Response> {
    auth.require(perms::DISPENSE)?;
    let (store, quantity) = match read_dispense(&state, &auth, &f).await {
        Ok(x) => x,
        Err(AppError::Invalid(e)) => {
            let msg = e.messages();
            return Ok(web::redirect_flash("/pharmacy/dispense", "error", &msg));
        }
        Err(e) => return Err(e),
    };
    let mut tx = state.pool.begin().await?;
    match repo::dispense(&mut tx, &auth.meta, item, store, quantity).await {
        Ok(_) => {}
        Err(AppError::Conflict(m)) => return Ok(web::redirect_flash("/pharmacy/dispense", "error", &m)),
        Err(AppError::Invalid(e)) => {
            let msg = e.messages();
            return Ok(web::redirect_flash("/pharmacy/dispense", "error", &msg));
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(web::redirect_flash("/pharmacy/dispense", "ok", &page.t("pharmacy-dispensed")))
}

// ---------------------------------------------------------------------------------------------
// Stock

#[derive(Debug, Default, Deserialize)]
pub struct StockQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "pharmacy/stock.html")]
struct StockPage {
    page: Page,
    q: String,
    rows: Vec<PharmacyStockLine>,
    today: time::Date,
    stores: Vec<(String, String)>,
    store_list: Vec<PharmacyStore>,
    products: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    form: PharmacyReceiptForm,
    errors: FieldErrors,
}

async fn render_stock(
    state: &AppState,
    page: Page,
    auth: &Auth,
    q: String,
    form: PharmacyReceiptForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let f = &auth.user.facility_ids;
    let (rows, stores, products) =
        tokio::try_join!(repo::stock(&state.pool, f, &q), repo::stores(&state.pool, f), repo::products(&state.pool))?;
    let today = page.zone.today();
    let title = page.t("pharmacy-stock-heading");
    let t = StockPage {
        q,
        rows,
        today,
        stores: std::iter::once((String::new(), page.t("pharmacy-choose")))
            .chain(stores.iter().map(|s| (s.id.to_string(), s.name.clone())))
            .collect(),
        store_list: stores,
        products: std::iter::once((String::new(), page.t("pharmacy-choose")))
            .chain(products.into_iter().map(|p| {
                let label = format!("{} ({})", p.display(), p.strength);
                (p.code, label)
            }))
            .collect(),
        kinds: ["main", "ward", "ed", "theatre"]
            .iter()
            .map(|k| (k.to_string(), page.t(&format!("pharmacy-store-kind-{k}"))))
            .collect(),
        form,
        errors,
        page: page.titled(title),
    };
    web::render_status(status, &t)
}

async fn stock(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<StockQuery>,
) -> AppResult<Response> {
    auth.require(perms::STOCK)?;
    render_stock(&state, page, &auth, q.q, PharmacyReceiptForm::default(), FieldErrors::default(), StatusCode::OK).await
}

async fn receive(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<PharmacyReceiptForm>,
) -> AppResult<Response> {
    auth.require(perms::STOCK)?;
    let bad = StatusCode::UNPROCESSABLE_ENTITY;
    let v = match form.validate(page.zone.today()) {
        Ok(v) => v,
        Err(e) => return render_stock(&state, page, &auth, String::new(), form, e, bad).await,
    };
    let mut tx = state.pool.begin().await?;
    if repo::store_in(&mut tx, v.store_id, &auth.user.facility_ids).await?.is_none() {
        let e = FieldErrors::one("store_id", "Not a store of your facilities.");
        drop(tx);
        return render_stock(&state, page, &auth, String::new(), form, e, bad).await;
    }
    match repo::receive(&mut tx, &auth.meta, &v).await {
        Ok(_) => {}
        Err(AppError::Invalid(e)) => {
            drop(tx);
            return render_stock(&state, page, &auth, String::new(), form, e, bad).await;
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(web::redirect_flash("/pharmacy/stock", "ok", &page.t("pharmacy-received")))
}

/// Reads a new store: its name, kind and facility (one of the user's).
pub(crate) fn read_store(auth: &Auth, f: &PharmacyStoreForm) -> Result<(Uuid, String, String), FieldErrors> {
    let mut e = FieldErrors::default();
    let name = f.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        e.add("name", "Give the store's name (at most 100 characters).");
    }
    let kind = if f.kind.trim().is_empty() { "main".to_string() } else { f.kind.trim().to_string() };
    if !["main", "ward", "ed", "theatre"].contains(&kind.as_str()) {
        e.add("kind", "Choose main pharmacy, ward, emergency department or theatre.");
    }
    let facility = if f.facility_id.trim().is_empty() {
        auth.user.facility_ids.first().copied()
    } else {
        Uuid::parse_str(f.facility_id.trim()).ok().filter(|id| auth.user.facility_ids.contains(id))
    };
    if facility.is_none() {
        e.add("facility_id", "Choose one of your facilities.");
    }
    if !e.is_empty() {
        return Err(e);
    }
    Ok((facility.unwrap_or_default(), name, kind))
}

async fn create_store(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(f): Form<PharmacyStoreForm>,
) -> AppResult<Response> {
    auth.require(perms::STOCK)?;
    let (facility, name, kind) = match read_store(&auth, &f) {
        Ok(x) => x,
        Err(e) => {
            let msg = e.messages();
            return Ok(web::redirect_flash("/pharmacy/stock", "error", &msg));
        }
    };
    let mut tx = state.pool.begin().await?;
    repo::create_store(&mut tx, &auth.meta, facility, &name, &kind).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/pharmacy/stock", "ok", &page.t("pharmacy-store-created")))
}
