//! Pages: the ward's doses due with the wristband scan (`/emar`), the chart tab (the eMAR grid,
//! acknowledgements, wristband, history), the printable wristband and the scan-to-administer
//! page (tablet sized, keyboard-wedge scanners: each scan field submits on Enter).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::{EmarAdministration, EmarDose, EmarRecordForm, EmarWristband, NOT_GIVEN_REASONS};
use crate::repo::{self, EmarWardDose};
use crate::{barcode, perms};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};
use hearth_pharmacy::model::PharmacyOrder;

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/emar", get(ward))
        .route("/emar/scan", post(scan))
        .route("/patients/{id}/emar", get(chart))
        .route("/patients/{id}/emar/orders/{item}/acknowledge", post(acknowledge))
        .route("/patients/{id}/emar/wristband", get(wristband).post(reprint))
        .route("/patients/{id}/emar/administer", get(administer).post(record))
}

pub(crate) async fn audit_view(state: &AppState, auth: &Auth, patient: Uuid) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient).patient(patient).changes(json!({"section": "emar"})),
    )
    .await?;
    Ok(())
}

/// The installation's zone plans the standard administration times.
pub(crate) fn plan_zone(state: &AppState) -> hearth_core::web::time::Zone {
    hearth_core::web::time::Zone::named(&state.config.time_zone).unwrap_or_default()
}

/// Plans the patient's next 24 hours (idempotent) on its own transaction.
pub(crate) async fn plan(state: &AppState, patient: Uuid) -> AppResult<()> {
    let (from, to) = repo::horizon(OffsetDateTime::now_utc());
    let mut tx = state.pool.begin().await?;
    repo::generate(&mut tx, &plan_zone(state), patient, from, to).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Ward

#[derive(Debug, Default, Deserialize)]
pub struct WardQuery {
    #[serde(default)]
    ward: String,
}

#[derive(Template)]
#[template(path = "emar/ward.html")]
struct WardPage {
    page: Page,
    wards: Vec<(String, String)>,
    ward: String,
    rows: Vec<EmarWardDose>,
    now: OffsetDateTime,
}

async fn ward(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<WardQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let wards = hearth_inpatient::repo::wards(&state.pool, &auth.facility_ids).await?;
    let chosen =
        q.ward.parse::<Uuid>().ok().filter(|w| wards.iter().any(|x| x.id == *w)).or(wards.first().map(|w| w.id));
    let now = OffsetDateTime::now_utc();
    let rows = match chosen {
        Some(w) => {
            repo::ward_due(&state.pool, hearth_patients::access::viewer(&auth.user), w, now + Duration::hours(4))
                .await?
        }
        None => Vec::new(),
    };
    let title = page.t("emar-ward-heading");
    web::render(&WardPage {
        page: page.titled(title),
        wards: wards.into_iter().map(|w| (w.id.to_string(), format!("{} — {}", w.code, w.name))).collect(),
        ward: chosen.map(|w| w.to_string()).unwrap_or_default(),
        rows,
        now,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ScanForm {
    #[serde(default)]
    wristband: String,
}

/// A wristband scanned on the ward: opens that patient's scan-to-administer page.
async fn scan(State(state): State<AppState>, page: Page, auth: Auth, Form(f): Form<ScanForm>) -> AppResult<Response> {
    auth.require(perms::ADMINISTER)?;
    let mut conn = state.pool.acquire().await?;
    match repo::scan_wristband(&mut conn, &f.wristband).await {
        Ok(patient) => {
            let token = f.wristband.trim().to_uppercase();
            let to = format!("/patients/{patient}/emar/administer?{}", qs(&token, ""));
            Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to(&to)))
        }
        Err(AppError::Conflict(_)) => Ok(web::redirect_flash("/emar", "error", &page.t("emar-band-revoked"))),
        Err(AppError::Invalid(_)) => Ok(web::redirect_flash("/emar", "error", &page.t("emar-band-unknown"))),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Chart tab

/// One row of the grid: an order and its doses in the period.
pub struct GridRow {
    pub order: PharmacyOrder,
    pub acknowledged: bool,
    pub live: bool,
    pub doses: Vec<EmarDose>,
}

#[derive(Template)]
#[template(path = "emar/chart.html")]
struct ChartPage {
    page: Page,
    b: Banner,
    rows: Vec<GridRow>,
    history: Vec<EmarAdministration>,
    band: Option<EmarWristband>,
    can_administer: bool,
    can_band: bool,
    admitted: bool,
}

async fn grid(state: &AppState, patient: Uuid, from: OffsetDateTime, to: OffsetDateTime) -> AppResult<Vec<GridRow>> {
    let (orders, doses, acks) = tokio::try_join!(
        hearth_pharmacy::repo::list(&state.pool, patient),
        repo::doses(&state.pool, patient, from, to),
        repo::acknowledged(&state.pool, patient),
    )?;
    let mut conn = state.pool.acquire().await?;
    let now = OffsetDateTime::now_utc();
    let mut rows = Vec::new();
    for o in orders {
        let live = repo::live(&mut conn, &o, now).await?;
        let mine: Vec<EmarDose> = doses.iter().filter(|d| d.rx_order_id == o.id).cloned().collect();
        if !live && mine.is_empty() {
            continue;
        }
        rows.push(GridRow { acknowledged: acks.contains(&o.id), live, doses: mine, order: o });
    }
    Ok(rows)
}

async fn chart(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("emar");
    plan(&state, b.id).await?;
    let now = OffsetDateTime::now_utc();
    let rows = grid(&state, b.id, now - Duration::hours(24), now + Duration::hours(24)).await?;
    let (history, band) =
        tokio::try_join!(repo::history(&state.pool, b.id, 50), repo::current_wristband(&state.pool, b.id))?;
    let mut conn = state.pool.acquire().await?;
    let admitted = hearth_inpatient::repo::current_stay(&mut conn, b.id).await?.is_some();
    drop(conn);
    audit_view(&state, &auth, b.id).await?;
    let heading = page.t("emar-chart-heading");
    let title = format!("{heading} · {}", b.name);
    let t = ChartPage {
        page: page
            .clone()
            .titled(title)
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("emar")),
        b,
        rows,
        history,
        band,
        can_administer: auth.can(perms::ADMINISTER),
        can_band: auth.can(perms::WRISTBAND),
        admitted,
    };
    web::render(&t)
}

async fn acknowledge(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::ADMINISTER)?;
    let href = patient.data.href("emar");
    let mut tx = state.pool.begin().await?;
    repo::acknowledge(&mut tx, &auth.meta, patient.id, item).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&href, "ok", &page.t("emar-acknowledged")))
}

// ---------------------------------------------------------------------------------------------
// Wristband

#[derive(Template)]
#[template(path = "emar/wristband.html")]
struct WristbandPage {
    page: Page,
    b: Banner,
    band: Option<EmarWristband>,
    svg: String,
}

async fn wristband(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Response> {
    auth.require(perms::WRISTBAND)?;
    let b = patient.banner("emar");
    let band = repo::current_wristband(&state.pool, b.id).await?;
    audit_view(&state, &auth, b.id).await?;
    let svg = band.as_ref().map(|w| barcode::svg(&w.token, 40, &page.t("emar-band-barcode"))).unwrap_or_default();
    let heading = page.t("emar-band-heading");
    let title = format!("{heading} · {}", b.name);
    let t = WristbandPage {
        page: page
            .clone()
            .titled(title)
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("emar/wristband")),
        b,
        band,
        svg,
    };
    web::render(&t)
}

async fn reprint(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(perms::WRISTBAND)?;
    let href = patient.data.href("emar/wristband");
    let mut tx = state.pool.begin().await?;
    repo::issue_wristband(&mut tx, &auth.meta, patient.id).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&href, "ok", &page.t("emar-band-issued")))
}

// ---------------------------------------------------------------------------------------------
// Scan to administer

#[derive(Debug, Default, Deserialize)]
pub struct AdministerQuery {
    #[serde(default)]
    band: String,
    #[serde(default)]
    med: String,
    #[serde(default)]
    dose: String,
    #[serde(default)]
    prn: String,
}

/// The wristband check shown on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BandCheck {
    None,
    Ok,
    WrongPatient,
    Revoked,
    Unknown,
}

#[derive(Template)]
#[template(path = "emar/administer.html")]
struct AdministerPage {
    page: Page,
    b: Banner,
    band: String,
    band_check: BandCheck,
    med: String,
    med_note: String,
    due: Vec<EmarDose>,
    prn: Vec<PharmacyOrder>,
    /// The dose (or PRN order) being recorded, with its order.
    selected: Option<(Option<EmarDose>, PharmacyOrder)>,
    form: EmarRecordForm,
    errors: FieldErrors,
    reasons: Vec<(String, String)>,
    outcomes: Vec<(String, String)>,
    window_note: String,
}

fn qs(band: &str, med: &str) -> String {
    let enc = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>();
    format!("band={}&med={}", enc(band), enc(med))
}

impl AdministerPage {
    fn link(&self, key: &str, id: &Uuid) -> String {
        format!("{}?{}&{key}={id}", self.b.href("emar/administer"), qs(&self.band, &self.med))
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_administer(
    state: &AppState,
    page: Page,
    b: Banner,
    q: AdministerQuery,
    form: Option<EmarRecordForm>,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let now = OffsetDateTime::now_utc();
    let mut conn = state.pool.acquire().await?;
    let band = q.band.trim().to_uppercase();
    let band_check = if band.is_empty() {
        BandCheck::None
    } else {
        match repo::scan_wristband(&mut conn, &band).await {
            Ok(p) if p == b.id => BandCheck::Ok,
            Ok(_) => BandCheck::WrongPatient,
            Err(AppError::Conflict(_)) => BandCheck::Revoked,
            Err(_) => BandCheck::Unknown,
        }
    };
    let all = repo::doses(&state.pool, b.id, now - Duration::hours(24), now + Duration::hours(4)).await?;
    let due: Vec<EmarDose> = all.into_iter().filter(|d| d.status == "due").collect();
    let orders = hearth_pharmacy::repo::list(&state.pool, b.id).await?;
    let mut prn = Vec::new();
    for o in &orders {
        if o.prn && repo::live(&mut conn, o, now).await? {
            prn.push(o.clone());
        }
    }
    // What the medication scan names: the product of a dispensing label, or a product code.
    let med = q.med.trim().to_string();
    let mut med_note = String::new();
    let mut pick_dose = q.dose.parse::<Uuid>().ok();
    let pick_prn = q.prn.parse::<Uuid>().ok();
    if !med.is_empty() && pick_dose.is_none() && pick_prn.is_none() {
        let upper = med.to_uppercase();
        let product = match upper.strip_prefix("RXD-").and_then(|r| r.to_lowercase().parse::<Uuid>().ok()) {
            Some(id) => hearth_pharmacy::repo::dispense_label(&mut conn, id).await?.map(|l| l.product_code),
            None => Some(upper),
        };
        let matching: Vec<&EmarDose> = due
            .iter()
            .filter(|d| orders.iter().any(|o| o.id == d.rx_order_id && Some(&o.product_code) == product.as_ref()))
            .collect();
        match matching.first() {
            Some(d) => pick_dose = Some(d.id),
            None if prn.iter().any(|o| Some(&o.product_code) == product.as_ref()) => {}
            None => med_note = page.t("emar-med-no-match"),
        }
    }
    let selected = match (pick_dose, pick_prn) {
        (Some(d), _) => match due.iter().find(|x| x.id == d) {
            Some(dose) => orders.iter().find(|o| o.id == dose.rx_order_id).map(|o| (Some(dose.clone()), o.clone())),
            None => None,
        },
        (None, Some(r)) => prn.iter().find(|o| o.id == r).map(|o| (None, o.clone())),
        _ => None,
    };
    let window_note = match &selected {
        Some((Some(d), _)) => match d.due_at {
            Some(due_at) => page.t(&format!("emar-timing-{}", crate::model::timing(due_at, d.window_minutes, now))),
            None => String::new(),
        },
        _ => String::new(),
    };
    let now_local = page.zone.input_value(now);
    let form = form.unwrap_or_else(|| match &selected {
        Some((d, o)) => EmarRecordForm {
            dose_id: d.as_ref().map(|d| d.id.to_string()).unwrap_or_default(),
            rx_order_id: if d.is_none() { o.id.to_string() } else { String::new() },
            outcome: "given".into(),
            wristband: if band_check == BandCheck::Ok { band.clone() } else { String::new() },
            medication: med.clone(),
            dose: hearth_pharmacy::model::fmt_num(o.dose),
            dose_unit: o.dose_unit.clone(),
            route: o.route.clone(),
            at: now_local.clone(),
            ..Default::default()
        },
        None => EmarRecordForm::default(),
    });
    let reasons = std::iter::once((String::new(), page.t("emar-choose")))
        .chain(NOT_GIVEN_REASONS.iter().map(|r| (r.to_string(), page.t(&format!("emar-reason-{r}")))))
        .collect();
    let heading = page.t("emar-administer-heading");
    let title = format!("{heading} · {}", b.name);
    let t = AdministerPage {
        page: page
            .clone()
            .titled(title)
            .crumb(b.name.clone(), b.href("emar"))
            .crumb(heading, b.href("emar/administer")),
        b,
        band,
        band_check,
        med,
        med_note,
        due,
        prn,
        selected,
        form,
        errors,
        reasons,
        outcomes: vec![
            ("given".into(), page.t("emar-status-given")),
            ("not_given".into(), page.t("emar-status-not_given")),
        ],
        window_note,
    };
    web::render_status(status, &t)
}

async fn administer(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<AdministerQuery>,
) -> AppResult<Response> {
    auth.require(perms::ADMINISTER)?;
    let b = patient.banner("emar");
    plan(&state, b.id).await?;
    audit_view(&state, &auth, b.id).await?;
    render_administer(&state, page, b, q, None, FieldErrors::default(), StatusCode::OK).await
}

async fn record(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<EmarRecordForm>,
) -> AppResult<Response> {
    auth.require(perms::ADMINISTER)?;
    let b = patient.banner("emar");
    let back = AdministerQuery {
        band: form.wristband.clone(),
        med: form.medication.clone(),
        dose: form.dose_id.clone(),
        prn: form.rx_order_id.clone(),
    };
    let v = match form.validate(&page.zone, OffsetDateTime::now_utc()) {
        Ok(v) => v,
        Err(e) => {
            return render_administer(&state, page, b, back, Some(form), e, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let mut tx = state.pool.begin().await?;
    match repo::record(&mut tx, &auth.meta, b.id, &v).await {
        Ok(_) => {
            tx.commit().await?;
            let to = format!("{}?{}", b.href("emar/administer"), qs(&form.wristband, ""));
            let msg = if v.given { page.t("emar-recorded-given") } else { page.t("emar-recorded-not-given") };
            Ok(web::redirect_flash(&to, "ok", &msg))
        }
        Err(AppError::Invalid(e)) => {
            drop(tx);
            render_administer(&state, page, b, back, Some(form), e, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict(msg)) => {
            drop(tx);
            let mut e = FieldErrors::default();
            e.add("dose_id", msg);
            render_administer(&state, page, b, back, Some(form), e, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}
