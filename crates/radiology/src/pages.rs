//! Radiology's pages: the overview (orders to protocol, to book, to report), the day's worklist
//! per room, the catalogue (procedures, rooms), the chart's Imaging tab (order form, orders),
//! an order's page (protocol, safety record, report, addenda) and the printable report.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use uuid::Uuid;

use crate::model::{
    RadiologyAddendum, RadiologyAddendumForm, RadiologyBookForm, RadiologyOrder, RadiologyOverride, RadiologyProcedure,
    RadiologyProtocolForm, RadiologyReport, RadiologyReportForm, RadiologyRoom, RadiologyRoomForm, IMPLANTS,
    LATERALITIES, PREGNANCY,
};
use crate::{catalogue, perms, repo};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::registry::{OrderEntry, OrderRequest};
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/radiology", get(overview))
        .route("/radiology/worklist", get(worklist))
        .route("/radiology/catalogue", get(catalogue_page))
        .route("/radiology/rooms", post(create_room))
        .route("/radiology/orders/{id}/protocol", post(protocol))
        .route("/radiology/orders/{id}/book", post(book))
        .route("/radiology/orders/{id}/step", post(step))
        .route("/patients/{id}/radiology", get(chart).post(order))
        .route("/patients/{id}/radiology/{item}", get(show))
        .route("/patients/{id}/radiology/{item}/print", get(print))
        .route("/patients/{id}/radiology/{item}/report", post(report))
        .route("/patients/{id}/radiology/{item}/addenda", post(addendum))
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

fn back(to: &str, r: AppResult<String>) -> AppResult<Response> {
    Ok(match r {
        Ok(msg) => web::redirect_flash(to, "ok", &msg),
        Err(AppError::Invalid(e)) => web::redirect_flash(to, "error", &e.messages()),
        Err(AppError::Conflict(m)) => web::redirect_flash(to, "error", &m),
        Err(AppError::Constraint(c)) => web::redirect_flash(to, "error", &c.message),
        Err(e) => return Err(e),
    })
}

fn choices(page: &Page, prefix: &str, values: &[&str]) -> Vec<(String, String)> {
    let mut v = vec![(String::new(), page.t("radiology-choose"))];
    v.extend(values.iter().map(|c| (c.to_string(), page.t(&format!("{prefix}-{}", c.replace('_', "-"))))));
    v
}

#[derive(Template)]
#[template(path = "radiology/overview.html")]
struct OverviewPage {
    page: Page,
    counts: (i64, i64, i64, i64),
    to_protocol: Vec<RadiologyOrder>,
    to_book: Vec<RadiologyOrder>,
    to_report: Vec<RadiologyOrder>,
    rooms: Vec<(String, String)>,
    pregnancy: Vec<(String, String)>,
    implants: Vec<(String, String)>,
    can_protocol: bool,
    can_schedule: bool,
}

async fn overview(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let f = &auth.user.facility_ids;
    let day = page.zone.day_range(page.zone.today());
    let (counts, to_protocol, to_book, to_report, rooms) = tokio::try_join!(
        repo::counts(&state.pool, f, day),
        repo::by_status(&state.pool, f, "requested"),
        repo::by_status(&state.pool, f, "protocolled"),
        repo::to_report(&state.pool, f),
        catalogue::rooms(&state.pool, f)
    )?;
    audit_list(&state, &auth, "overview").await?;
    let mut room_choices = vec![(String::new(), page.t("radiology-choose"))];
    room_choices.extend(
        rooms
            .into_iter()
            .filter(|r| r.active)
            .map(|r| (r.id.to_string(), format!("{} · {} ({})", r.modality, r.name, r.facility))),
    );
    let title = page.t("radiology-title");
    web::render(&OverviewPage {
        pregnancy: choices(&page, "radiology-pregnancy", &PREGNANCY),
        implants: choices(&page, "radiology-implant", &IMPLANTS),
        page: page.titled(title),
        counts,
        to_protocol,
        to_book,
        to_report,
        rooms: room_choices,
        can_protocol: auth.can(perms::PROTOCOL),
        can_schedule: auth.can(perms::SCHEDULE),
    })
}

async fn protocol(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<RadiologyProtocolForm>,
) -> AppResult<Response> {
    auth.require(perms::PROTOCOL)?;
    let mut tx = state.pool.begin().await?;
    let r = repo::protocol(&mut tx, &auth.meta, id, &auth.user.facility_ids, &f).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back("/radiology", r.map(|_| page.t("radiology-protocol-saved")))
}

/// The booking form as the page sends it (checkboxes, a local time).
#[derive(Deserialize, Default)]
#[serde(default)]
struct BookPageForm {
    room_id: String,
    start: String,
    start_offset: Option<String>,
    pregnancy: String,
    mr_implant: String,
    mr_conditions: String,
    prior_contrast_reaction: Option<String>,
    on_metformin: Option<String>,
    override_reason: String,
}

async fn book(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<BookPageForm>,
) -> AppResult<Response> {
    auth.require(perms::SCHEDULE)?;
    let mut errors = FieldErrors::default();
    let start = page.zone.read_field(&mut errors, "start", &f.start, f.start_offset.as_deref());
    if !errors.is_empty() {
        return back("/radiology", Err(AppError::Invalid(errors)));
    }
    let form = RadiologyBookForm {
        room_id: f.room_id,
        start: f.start,
        start_offset: f.start_offset,
        pregnancy: f.pregnancy,
        mr_implant: f.mr_implant,
        mr_conditions: f.mr_conditions,
        prior_contrast_reaction: f.prior_contrast_reaction.is_some(),
        on_metformin: f.on_metformin.is_some(),
        override_reason: f.override_reason,
    };
    let mut tx = state.pool.begin().await?;
    let r = repo::book(&mut tx, &auth.meta, id, &auth.user.facility_ids, &form, start).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back("/radiology", r.map(|b| page.t1("radiology-booked", "accession", b.accession)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StepForm {
    status: String,
    back: String,
}

async fn step(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    auth.require(perms::PERFORM)?;
    let to = if f.back.starts_with("/radiology/worklist") { f.back.clone() } else { "/radiology/worklist".into() };
    let mut tx = state.pool.begin().await?;
    let r = repo::step(&mut tx, &auth.meta, id, &auth.user.facility_ids, &f.status).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back(&to, r.map(|_| page.t("radiology-step-saved")))
}

#[derive(Template)]
#[template(path = "radiology/worklist.html")]
struct WorklistPage {
    page: Page,
    day: String,
    room: String,
    rooms: Vec<RadiologyRoom>,
    rows: Vec<RadiologyOrder>,
    can_perform: bool,
    here: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WorklistQuery {
    day: String,
    room: String,
}

async fn worklist(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<WorklistQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let day = if q.day.trim().is_empty() {
        page.zone.today()
    } else {
        crate::api::parse_day(&q.day).ok_or(AppError::field("day", "The day is YYYY-MM-DD."))?
    };
    let room: Option<Uuid> = q.room.trim().parse().ok();
    let f = &auth.user.facility_ids;
    let (rows, rooms) = tokio::try_join!(
        repo::worklist(&state.pool, f, page.zone.day_range(day), room, None),
        catalogue::rooms(&state.pool, f)
    )?;
    audit_list(&state, &auth, "worklist").await?;
    let day = day.to_string();
    let here = format!("/radiology/worklist?day={day}&room={}", room.map(|r| r.to_string()).unwrap_or_default());
    let title = page.t("radiology-worklist-title");
    let crumb = page.t("radiology-title");
    web::render(&WorklistPage {
        page: page.titled(title.clone()).crumb(crumb, "/radiology").crumb(title, "/radiology/worklist"),
        day,
        room: room.map(|r| r.to_string()).unwrap_or_default(),
        rooms,
        rows,
        can_perform: auth.can(perms::PERFORM),
        here,
    })
}

#[derive(Template)]
#[template(path = "radiology/catalogue.html")]
struct CataloguePage {
    page: Page,
    procedures: Vec<RadiologyProcedure>,
    rooms: Vec<RadiologyRoom>,
    can_configure: bool,
    facilities: Vec<(String, String)>,
    modalities: Vec<(String, String)>,
    errors: FieldErrors,
}

async fn catalogue_page(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let (procedures, rooms, modalities) = tokio::try_join!(
        catalogue::procedures(&state.pool),
        catalogue::rooms(&state.pool, &auth.user.facility_ids),
        catalogue::modalities(&state.pool)
    )?;
    let facilities: Vec<(String, String)> =
        sqlx::query_as("SELECT id::text, name FROM facilities WHERE id = ANY($1) ORDER BY name")
            .bind(&auth.user.facility_ids)
            .fetch_all(&state.pool)
            .await?;
    let title = page.t("radiology-catalogue-title");
    let crumb = page.t("radiology-title");
    web::render(&CataloguePage {
        page: page.titled(title.clone()).crumb(crumb, "/radiology").crumb(title, "/radiology/catalogue"),
        procedures,
        rooms,
        can_configure: auth.can(perms::CONFIGURE),
        facilities,
        modalities: modalities.into_iter().map(|m| (m.code.clone(), format!("{} · {}", m.code, m.name))).collect(),
        errors: FieldErrors::default(),
    })
}

async fn create_room(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(f): Form<RadiologyRoomForm>,
) -> AppResult<Response> {
    auth.require(perms::CONFIGURE)?;
    let mut tx = state.pool.begin().await?;
    let r = repo::create_room(&mut tx, &auth.meta, &auth.user.facility_ids, &f).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back("/radiology/catalogue", r.map(|_| page.t("radiology-room-saved")))
}

/// The chart tab: the order form and the patient's imaging orders.
#[derive(Template)]
#[template(path = "radiology/chart.html")]
struct ChartPage {
    page: Page,
    b: Banner,
    rows: Vec<RadiologyOrder>,
    can_order: bool,
    procedures: Vec<(String, String)>,
    lateralities: Vec<(String, String)>,
    priorities: Vec<(String, String)>,
    form: OrderForm,
    errors: FieldErrors,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OrderForm {
    pub code: String,
    pub laterality: String,
    pub priority: String,
    pub indication: String,
}

const PRIORITIES: [&str; 4] = ["routine", "urgent", "asap", "stat"];

async fn render_chart(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: OrderForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let rows = repo::patient_orders(&state.pool, b.id).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", b.id).patient(b.id).changes(serde_json::json!({"section": "radiology"})),
    )
    .await?;
    let can_order = auth.can(hearth_orders::perms::SIGN);
    let procedures = if can_order {
        let mut conn = state.pool.acquire().await?;
        let mut list = vec![(String::new(), page.t("radiology-choose"))];
        list.extend(catalogue::search(&mut conn, "", 200).await?);
        list
    } else {
        Vec::new()
    };
    let mut lateralities = vec![(String::new(), page.t("radiology-laterality-none"))];
    lateralities.extend(LATERALITIES.iter().map(|l| (l.to_string(), page.t(&format!("radiology-laterality-{l}")))));
    let priorities = PRIORITIES.iter().map(|p| (p.to_string(), page.t(&format!("radiology-priority-{p}")))).collect();
    let heading = page.t("radiology-chart-heading");
    let title = page.t1("radiology-chart-title", "name", &b.name);
    let t = ChartPage {
        page: page
            .clone()
            .titled(title)
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("radiology")),
        b,
        rows,
        can_order,
        procedures,
        lateralities,
        priorities,
        form,
        errors,
    };
    web::render_status(status, &t)
}

async fn chart(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    let b = patient.banner("radiology");
    let form = OrderForm { priority: "routine".into(), ..Default::default() };
    render_chart(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::OK).await
}

/// Orders an imaging procedure from the chart through the orders core (signed by the caller).
async fn order(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<OrderForm>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    auth.require(hearth_orders::perms::SIGN)?;
    let b = patient.banner("radiology");
    let priority = if form.priority.is_empty() { "routine".to_string() } else { form.priority.clone() };
    if !PRIORITIES.contains(&priority.as_str()) {
        let errors = FieldErrors::one("priority", page.t("radiology-order-priority-bad"));
        return render_chart(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let req = OrderRequest {
        kind: &crate::orders::KIND,
        patient: b.id,
        encounter: None,
        code: form.code.trim().to_string(),
        priority,
        indication: form.indication.trim().to_string(),
        orderer: auth.id,
        entry: OrderEntry::Signed,
        read_back: false,
        options: serde_json::json!({"laterality": form.laterality}),
        set_id: None,
    };
    let mut tx = state.pool.begin().await?;
    match (crate::orders::KIND.create)(&mut tx, &auth.meta, &req).await {
        Ok(_) => {}
        Err(AppError::Invalid(errors)) => {
            drop(tx);
            return render_chart(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(web::redirect_flash(&b.href("radiology"), "ok", &page.t("radiology-ordered")))
}

/// An order's page: its protocol, booking and safety record, the report (form from the normal
/// template) and addenda.
#[derive(Template)]
#[template(path = "radiology/order.html")]
struct OrderPage {
    page: Page,
    b: Banner,
    o: RadiologyOrder,
    report: Option<RadiologyReport>,
    addenda: Vec<RadiologyAddendum>,
    overrides: Vec<RadiologyOverride>,
    form: RadiologyReportForm,
    can_report: bool,
    can_sign: bool,
    errors: FieldErrors,
}

impl OrderPage {
    /// The report form shows on a completed exam whose report is not signed yet.
    fn can_write(&self) -> bool {
        self.o.status == "completed"
            && self.can_report
            && self.report.as_ref().is_none_or(|r| r.status == "preliminary")
    }
}

#[derive(Template)]
#[template(path = "radiology/print.html")]
struct PrintPage {
    page: Page,
    b: Banner,
    o: RadiologyOrder,
    report: RadiologyReport,
    addenda: Vec<RadiologyAddendum>,
}

/// The patient's order (404 when it is another patient's).
async fn load_for(
    state: &AppState,
    patient: Uuid,
    item: Uuid,
) -> AppResult<(RadiologyOrder, Option<RadiologyReport>, Vec<RadiologyAddendum>, Vec<RadiologyOverride>)> {
    let mut conn = state.pool.acquire().await?;
    let o = repo::order(&mut conn, item).await?.filter(|o| o.patient_id == patient).ok_or(AppError::NotFound)?;
    let report = repo::report_of(&mut conn, item).await?;
    let addenda = match &report {
        Some(r) => repo::addenda(&mut conn, r.id).await?,
        None => Vec::new(),
    };
    let overrides = repo::overrides(&mut conn, item).await?;
    Ok((o, report, addenda, overrides))
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("radiology");
    let (o, report, addenda, overrides) = load_for(&state, b.id, item).await?;
    audit::record_now(&state.pool, &auth.meta, Event::new("radiology.order.view", "rad_order", item).patient(b.id))
        .await?;
    let form = match &report {
        Some(r) => RadiologyReportForm {
            findings: r.findings.clone(),
            impression: r.impression.clone(),
            critical: r.critical,
            status: r.status.clone(),
        },
        None => {
            let mut conn = state.pool.acquire().await?;
            let p = catalogue::procedure(&mut conn, &o.procedure).await?;
            RadiologyReportForm {
                findings: p.as_ref().map(|p| p.normal_findings.clone()).unwrap_or_default(),
                impression: p.map(|p| p.normal_impression).unwrap_or_default(),
                ..Default::default()
            }
        }
    };
    let title = o.procedure_name.clone();
    let heading = page.t("radiology-chart-heading");
    let t = OrderPage {
        page: page
            .clone()
            .titled(title.clone())
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("radiology"))
            .crumb(title, format!("{}/{}", b.href("radiology"), item)),
        b,
        o,
        report,
        addenda,
        overrides,
        form,
        can_report: auth.can(perms::REPORT),
        can_sign: auth.can(perms::SIGN),
        errors: FieldErrors::default(),
    };
    web::render(&t)
}

async fn print(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("radiology");
    let (o, report, addenda, _) = load_for(&state, b.id, item).await?;
    let report = report.ok_or(AppError::NotFound)?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("radiology.report.print", "rad_report", report.id).patient(b.id),
    )
    .await?;
    let title = page.t1("radiology-print-title", "procedure", o.procedure_name.clone());
    web::render(&PrintPage { page: page.titled(title), b, o, report, addenda })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReportPageForm {
    findings: String,
    impression: String,
    critical: Option<String>,
    status: String,
}

async fn report(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<ReportPageForm>,
) -> AppResult<Response> {
    auth.require(perms::REPORT)?;
    if f.status == "final" {
        auth.require(perms::SIGN)?;
    }
    let href = format!("{}/{}", patient.data.href("radiology"), item);
    load_for(&state, patient.id, item).await?;
    let form = RadiologyReportForm {
        findings: f.findings,
        impression: f.impression,
        critical: f.critical.is_some(),
        status: f.status,
    };
    let mut tx = state.pool.begin().await?;
    let r = repo::save_report(&mut tx, state.registry, &auth.meta, item, &auth.user.facility_ids, &form).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    let msg = if form.status == "final" { "radiology-report-signed" } else { "radiology-report-saved" };
    back(&href, r.map(|_| page.t(msg)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AddendumPageForm {
    text: String,
    critical: Option<String>,
}

async fn addendum(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<AddendumPageForm>,
) -> AppResult<Response> {
    auth.require(perms::SIGN)?;
    let href = format!("{}/{}", patient.data.href("radiology"), item);
    load_for(&state, patient.id, item).await?;
    let form = RadiologyAddendumForm { text: f.text, critical: f.critical.is_some() };
    let mut tx = state.pool.begin().await?;
    let r = repo::add_addendum(&mut tx, state.registry, &auth.meta, item, &auth.user.facility_ids, &form).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back(&href, r.map(|_| page.t("radiology-addendum-saved")))
}
