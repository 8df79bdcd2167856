//! The laboratory's pages: the overview, the collection list, receiving (by accession scan),
//! the worksheets per section (entry, review, verification, release, critical calls), the
//! catalogue, and the chart's Laboratory tab (order, pending, results, a test's history,
//! corrections).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{LabPanel, LabRange, LabResult, LabSection, LabSpecimen, LabTest, ResultEntry, REJECT_REASONS};
use crate::{catalogue, perms, repo};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::registry::{OrderEntry, OrderRequest};
use hearth_core::web::chart::{LineChart, Series};
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/laboratory", get(overview))
        .route("/laboratory/collect", get(collect_list))
        .route("/laboratory/receive", get(receive_list).post(receive_scan))
        .route("/laboratory/worksheet", get(worksheet))
        .route("/laboratory/catalogue", get(catalogue_page))
        .route("/laboratory/sections/{code}", post(set_section))
        .route("/laboratory/specimens/{id}/collect", post(collect))
        .route("/laboratory/specimens/{id}/receive", post(receive))
        .route("/laboratory/specimens/{id}/reject", post(reject))
        .route("/laboratory/specimens/{id}/results", post(enter))
        .route("/laboratory/specimens/{id}/verify", post(verify))
        .route("/laboratory/specimens/{id}/release", post(release))
        .route("/laboratory/results/{id}/review", post(review))
        .route("/laboratory/results/{id}/call", post(call))
        .route("/patients/{id}/laboratory", get(chart).post(order))
        .route("/patients/{id}/laboratory/results/{item}/amend", post(amend))
}

/// A worklist read shows patients' names: audited (no patient, the list's name).
async fn audit_list(state: &AppState, auth: &Auth, list: &str) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("laboratory.worklist.view", "lab_worklist", Uuid::nil()).changes(serde_json::json!({"list": list})),
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

#[derive(Template)]
#[template(path = "laboratory/overview.html")]
struct OverviewPage {
    page: Page,
    counts: (i64, i64, i64, i64, i64),
    sections: Vec<LabSection>,
}

async fn overview(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let (counts, sections) = tokio::try_join!(repo::counts(&state.pool), catalogue::sections(&state.pool))?;
    let title = page.t("laboratory-title");
    web::render(&OverviewPage { page: page.titled(title), counts, sections })
}

#[derive(Template)]
#[template(path = "laboratory/collect.html")]
struct CollectPage {
    page: Page,
    rows: Vec<LabSpecimen>,
    can_collect: bool,
}

async fn collect_list(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let rows = repo::specimens(&state.pool, "to_collect", None).await?;
    audit_list(&state, &auth, "to_collect").await?;
    let title = page.t("laboratory-collect-title");
    let crumb = page.t("laboratory-title");
    web::render(&CollectPage {
        page: page.titled(title.clone()).crumb(crumb, "/laboratory").crumb(title, "/laboratory/collect"),
        rows,
        can_collect: auth.can(perms::COLLECT),
    })
}

async fn collect(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(perms::COLLECT)?;
    let mut tx = state.pool.begin().await?;
    let r = repo::collect(&mut tx, &auth.meta, id, auth.id, None).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back("/laboratory/collect", r.map(|acc| page.t1("laboratory-collected", "accession", acc)))
}

#[derive(Template)]
#[template(path = "laboratory/receive.html")]
struct ReceivePage {
    page: Page,
    rows: Vec<LabSpecimen>,
    rejected: Vec<LabSpecimen>,
    can_process: bool,
    reasons: Vec<(&'static str, String)>,
}

fn reasons(page: &Page) -> Vec<(&'static str, String)> {
    REJECT_REASONS
        .iter()
        .map(|(c, l)| (*c, page.t_or(&format!("laboratory-reject-{}", c.replace('_', "-")), l)))
        .collect()
}

async fn receive_list(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let (rows, rejected) = tokio::try_join!(
        repo::specimens(&state.pool, "collected", None),
        repo::specimens(&state.pool, "rejected", None)
    )?;
    audit_list(&state, &auth, "collected").await?;
    let title = page.t("laboratory-receive-title");
    let crumb = page.t("laboratory-title");
    let reasons = reasons(&page);
    web::render(&ReceivePage {
        page: page.titled(title.clone()).crumb(crumb, "/laboratory").crumb(title, "/laboratory/receive"),
        rows,
        rejected: rejected.into_iter().take(20).collect(),
        can_process: auth.can(perms::PROCESS),
        reasons,
    })
}

#[derive(Deserialize)]
struct ScanForm {
    #[serde(default)]
    accession: String,
}

async fn receive_scan(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(f): Form<ScanForm>,
) -> AppResult<Response> {
    auth.require(perms::PROCESS)?;
    let Some(id) = repo::specimen_by_accession(&state.pool, &f.accession).await? else {
        return Ok(web::redirect_flash("/laboratory/receive", "error", &page.t("laboratory-accession-unknown")));
    };
    let mut tx = state.pool.begin().await?;
    let r = repo::receive(&mut tx, &auth.meta, id).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back(
        "/laboratory/receive",
        r.map(|_| page.t1("laboratory-received", "accession", f.accession.trim().to_uppercase())),
    )
}

async fn receive(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(perms::PROCESS)?;
    let mut tx = state.pool.begin().await?;
    let r = repo::receive(&mut tx, &auth.meta, id).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back("/laboratory/receive", r.map(|_| page.t("laboratory-received-one")))
}

async fn reject(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<crate::model::LabRejectForm>,
) -> AppResult<Response> {
    auth.require(perms::PROCESS)?;
    let (reason, note) = match f.validate() {
        Ok(v) => v,
        Err(e) => return back("/laboratory/receive", Err(AppError::Invalid(e))),
    };
    let mut tx = state.pool.begin().await?;
    let r = repo::reject(&mut tx, &auth.meta, id, reason, &note).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back("/laboratory/receive", r.map(|_| page.t("laboratory-rejected")))
}

/// A specimen on the worksheet with the tests to enter (and the patient's ranges) or its results.
struct Work {
    s: LabSpecimen,
    tests: Vec<(LabTest, String)>,
    results: Vec<LabResult>,
}

impl Work {
    fn any_held(&self) -> bool {
        self.results.iter().any(|r| r.status == "held")
    }
    fn any_entered(&self) -> bool {
        self.results.iter().any(|r| r.status == "entered")
    }
}

#[derive(Template)]
#[template(path = "laboratory/worksheet.html")]
struct WorksheetPage {
    page: Page,
    sections: Vec<LabSection>,
    section: LabSection,
    entry: Vec<Work>,
    release: Vec<Work>,
    critical: Vec<LabResult>,
    can_process: bool,
    can_release: bool,
}

#[derive(Deserialize)]
struct SectionQuery {
    #[serde(default)]
    section: String,
}

/// The ranges text a patient's result would carry, for the entry form.
/// The reference range shown beside a test's entry field, for this patient on the collection day.
fn range_hint(ranges: &[LabRange], t: &LabTest, s: &LabSpecimen, sex: &str, birth: Option<time::Date>) -> String {
    let on = s.collected_at.unwrap_or_else(OffsetDateTime::now_utc).date();
    crate::model::pick_range(ranges, sex, crate::model::age_days(birth, on))
        .map(|r| crate::model::range_text(r.low, r.high, t.decimals))
        .unwrap_or_default()
}

async fn worksheet(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<SectionQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let sections = catalogue::sections(&state.pool).await?;
    let code = if q.section.is_empty() { "biochemistry" } else { q.section.as_str() };
    let section = sections.iter().find(|s| s.code == code).cloned().ok_or(AppError::NotFound)?;
    let (to_enter, to_release, critical) = tokio::try_join!(
        repo::to_enter(&state.pool, &section.code),
        repo::to_release(&state.pool, &section.code),
        repo::critical_uncalled(&state.pool)
    )?;
    // The whole page in a fixed number of queries, however many specimens it lists: the
    // catalogue (tests, panel members, ranges), the patients' sex and birth date, and the results
    // awaiting release, each fetched once.
    let patients: Vec<Uuid> = to_enter.iter().map(|s| s.patient_id).collect();
    let released: Vec<Uuid> = to_release.iter().map(|s| s.id).collect();
    let (tests, members, ranges, demographics, mut results) = tokio::try_join!(
        catalogue::tests(&state.pool),
        repo::panel_members(&state.pool),
        catalogue::ranges(&state.pool),
        repo::sex_and_birth(&state.pool, &patients),
        repo::results_of_specimens(&state.pool, &released)
    )?;
    let tests: HashMap<&str, &LabTest> = tests.iter().map(|t| (t.code.as_str(), t)).collect();
    let mut ranges_by_test: HashMap<&str, Vec<LabRange>> = HashMap::new();
    for r in &ranges {
        ranges_by_test.entry(r.test.as_str()).or_default().push(r.clone());
    }
    let mut entry = Vec::new();
    for s in to_enter {
        let codes = if s.is_panel { members.get(&s.code).cloned().unwrap_or_default() } else { vec![s.code.clone()] };
        let (sex, birth) = demographics.get(&s.patient_id).cloned().unwrap_or_default();
        let with_ranges = codes
            .iter()
            .filter_map(|c| tests.get(c.as_str()))
            .filter(|t| !t.calculated)
            .map(|t| {
                let hint = range_hint(ranges_by_test.get(t.code.as_str()).map_or(&[][..], |v| v), t, &s, &sex, birth);
                ((*t).clone(), hint)
            })
            .collect();
        entry.push(Work { s, tests: with_ranges, results: Vec::new() });
    }
    let release = to_release
        .into_iter()
        .map(|s| {
            let results = results.remove(&s.id).unwrap_or_default();
            Work { s, tests: Vec::new(), results }
        })
        .collect();
    audit_list(&state, &auth, "worksheet").await?;
    let title = page.t1("laboratory-worksheet-title", "section", section.name.clone());
    let crumb = page.t("laboratory-title");
    web::render(&WorksheetPage {
        page: page.titled(title.clone()).crumb(crumb, "/laboratory").crumb(title, "/laboratory/worksheet"),
        sections,
        section,
        entry,
        release,
        critical,
        can_process: auth.can(perms::PROCESS),
        can_release: auth.can(perms::RELEASE),
    })
}

async fn section_of(state: &AppState, specimen: Uuid) -> AppResult<String> {
    let s: Option<String> = sqlx::query_scalar(
        "SELECT lo.section FROM lab_specimens s JOIN lab_orders lo ON lo.id = s.lab_order_id WHERE s.id = $1",
    )
    .bind(specimen)
    .fetch_optional(&state.pool)
    .await?;
    Ok(format!("/laboratory/worksheet?section={}", s.ok_or(AppError::NotFound)?))
}

/// The entry form: `v_<TEST>` values and `c_<TEST>` comments.
async fn enter(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    auth.require(perms::PROCESS)?;
    let to = section_of(&state, id).await?;
    let mut entries: Vec<ResultEntry> = Vec::new();
    for (k, v) in &f {
        if let Some(test) = k.strip_prefix("v_") {
            let comment = f.get(&format!("c_{test}")).cloned().unwrap_or_default();
            entries.push(ResultEntry { test: test.to_string(), value: v.clone(), comment });
        } else if let Some(test) = k.strip_prefix("c_") {
            if !f.contains_key(&format!("v_{test}")) {
                entries.push(ResultEntry { test: test.to_string(), value: String::new(), comment: v.clone() });
            }
        }
    }
    entries.sort_by(|a, b| a.test.cmp(&b.test));
    let mut tx = state.pool.begin().await?;
    let r = repo::enter(&mut tx, &auth.meta, id, &entries).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back(&to, r.map(|ids| page.t1("laboratory-entered", "count", ids.len() as i64)))
}

async fn verify(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(perms::RELEASE)?;
    let to = section_of(&state, id).await?;
    let mut tx = state.pool.begin().await?;
    let r = repo::verify(&mut tx, &auth.meta, id).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back(&to, r.map(|_| page.t("laboratory-verified")))
}

async fn release(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(perms::RELEASE)?;
    let to = section_of(&state, id).await?;
    let mut tx = state.pool.begin().await?;
    let r = repo::release(&mut tx, state.registry, &auth.meta, id).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back(&to, r.map(|_| page.t("laboratory-released")))
}

async fn review(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(perms::RELEASE)?;
    let specimen: Uuid = sqlx::query_scalar("SELECT specimen_id FROM lab_results WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let to = section_of(&state, specimen).await?;
    let mut tx = state.pool.begin().await?;
    let r = repo::review(&mut tx, &auth.meta, id).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back(&to, r.map(|_| page.t("laboratory-reviewed")))
}

#[derive(Deserialize)]
struct CallForm {
    #[serde(default)]
    receiver: String,
    #[serde(default)]
    read_back: Option<String>,
}

async fn call(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<CallForm>,
) -> AppResult<Response> {
    auth.require(perms::RELEASE)?;
    let specimen: Uuid = sqlx::query_scalar("SELECT specimen_id FROM lab_results WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let to = section_of(&state, specimen).await?;
    let form = crate::model::LabCallForm { receiver: f.receiver, read_back: f.read_back.is_some(), called_at: None };
    let (receiver, at) = match form.validate(OffsetDateTime::now_utc()) {
        Ok(v) => v,
        Err(e) => return back(&to, Err(AppError::Invalid(e))),
    };
    let mut tx = state.pool.begin().await?;
    let r = repo::record_call(&mut tx, &auth.meta, id, &receiver, at).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back(&to, r.map(|_| page.t("laboratory-call-recorded")))
}

#[derive(Template)]
#[template(path = "laboratory/catalogue.html")]
struct CataloguePage {
    page: Page,
    tests: Vec<(LabTest, String)>,
    panels: Vec<LabPanel>,
    sections: Vec<LabSection>,
    can_configure: bool,
}

async fn catalogue_page(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let (tests, ranges, panels, sections) = tokio::try_join!(
        catalogue::tests(&state.pool),
        catalogue::ranges(&state.pool),
        catalogue::panels(&state.pool),
        catalogue::sections(&state.pool)
    )?;
    let tests = tests
        .into_iter()
        .map(|t| {
            let text: Vec<String> = ranges
                .iter()
                .filter(|r| r.test == t.code)
                .map(|r| {
                    let age = match r.age_max_days {
                        Some(m) => format!("{}–{} d", r.age_min_days, m),
                        None => format!("≥ {} d", r.age_min_days),
                    };
                    format!("{} {}: {}", r.sex, age, crate::model::range_text(r.low, r.high, t.decimals))
                })
                .collect();
            (t, text.join("; "))
        })
        .collect();
    let title = page.t("laboratory-catalogue-title");
    let crumb = page.t("laboratory-title");
    web::render(&CataloguePage {
        page: page.titled(title.clone()).crumb(crumb, "/laboratory").crumb(title, "/laboratory/catalogue"),
        tests,
        panels,
        sections,
        can_configure: auth.can(perms::CONFIGURE),
    })
}

#[derive(Deserialize)]
struct SectionForm {
    #[serde(default)]
    second_verifier: Option<String>,
}

async fn set_section(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(code): Path<String>,
    Form(f): Form<SectionForm>,
) -> AppResult<Response> {
    auth.require(perms::CONFIGURE)?;
    let mut tx = state.pool.begin().await?;
    repo::set_section(&mut tx, &auth.meta, &code, f.second_verifier.is_some()).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/laboratory/catalogue", "ok", &page.t("laboratory-section-saved")))
}

/// The chart tab: order form, pending orders, results (or one test's history).
#[derive(Template)]
#[template(path = "laboratory/chart.html")]
struct ChartPage {
    page: Page,
    b: Banner,
    pending: Vec<LabSpecimen>,
    results: Vec<LabResult>,
    test: Option<LabTest>,
    trend: Option<LineChart>,
    can_order: bool,
    can_release: bool,
    orderables: Vec<(String, String)>,
    priorities: Vec<(String, String)>,
    form: OrderForm,
    errors: FieldErrors,
    duplicate: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OrderForm {
    pub code: String,
    pub priority: String,
    pub indication: String,
    pub confirm_duplicate: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChartQuery {
    test: String,
}

#[allow(clippy::too_many_arguments)]
async fn render_chart(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    test: &str,
    form: OrderForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let test = if test.is_empty() {
        None
    } else {
        let mut conn = state.pool.acquire().await?;
        Some(catalogue::test(&mut conn, &test.to_uppercase()).await?.ok_or(AppError::NotFound)?)
    };
    let (pending, results) = tokio::try_join!(
        repo::patient_pending(&state.pool, b.id),
        repo::patient_results(&state.pool, b.id, test.as_ref().map(|t| t.code.as_str()))
    )?;
    let trend = test.as_ref().and_then(|t| {
        let points: Vec<(OffsetDateTime, f64)> = results
            .iter()
            .filter(|r| r.status == "released" && r.censor.is_none())
            .filter_map(|r| Some((r.collected_at.or(r.released_at)?, r.value_num?)))
            .collect();
        if points.len() < 2 {
            return None;
        }
        let mut c = LineChart::new(format!("chart-lab-{}", t.code.to_lowercase()), t.name.clone(), t.unit.clone())
            .series(Series::new(t.name.clone(), 1, points));
        if let Some(r) = results.iter().find(|r| r.ref_low.is_some() && r.ref_high.is_some()) {
            c = c.normal(r.ref_low.unwrap_or_default(), r.ref_high.unwrap_or_default());
        }
        Some(c)
    });
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", b.id).patient(b.id).changes(serde_json::json!({"section": "laboratory"})),
    )
    .await?;
    let can_order = auth.can(hearth_orders::perms::SIGN);
    let orderables = if can_order {
        let mut conn = state.pool.acquire().await?;
        let mut list = vec![(String::new(), page.t("laboratory-choose"))];
        list.extend(catalogue::search(&mut conn, "", 200).await?);
        list
    } else {
        Vec::new()
    };
    let priorities =
        crate::model::PRIORITIES.iter().map(|p| (p.to_string(), page.t(&format!("laboratory-priority-{p}")))).collect();
    let heading = page.t("laboratory-chart-heading");
    let title = page.t1("laboratory-chart-title", "name", &b.name);
    let duplicate = errors.get("code").is_some_and(|m| m.contains("Confirm"));
    let t = ChartPage {
        page: page
            .clone()
            .titled(title)
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("laboratory")),
        b,
        pending,
        results,
        test,
        trend,
        can_order,
        can_release: auth.can(perms::RELEASE),
        orderables,
        priorities,
        form,
        errors,
        duplicate,
    };
    web::render_status(status, &t)
}

async fn chart(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<ChartQuery>,
) -> AppResult<Response> {
    let b = patient.banner("laboratory");
    let form = OrderForm { priority: "routine".into(), ..Default::default() };
    render_chart(&state, page, &auth, b, &q.test, form, FieldErrors::default(), StatusCode::OK).await
}

/// Orders a test or panel from the chart through the orders core (signed by the caller).
async fn order(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<OrderForm>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    auth.require(hearth_orders::perms::SIGN)?;
    let b = patient.banner("laboratory");
    let mut errors = FieldErrors::default();
    if form.code.trim().is_empty() {
        errors.add("code", page.t("laboratory-order-code-missing"));
    }
    let priority = if form.priority.is_empty() { "routine".to_string() } else { form.priority.clone() };
    if !crate::model::PRIORITIES.contains(&priority.as_str()) {
        errors.add("priority", page.t("laboratory-order-priority-bad"));
    }
    if form.indication.chars().count() > 500 {
        errors.add("indication", page.t("laboratory-order-indication-long"));
    }
    if !errors.is_empty() {
        return render_chart(&state, page, &auth, b, "", form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
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
        options: serde_json::json!({"confirm_duplicate": form.confirm_duplicate.is_some()}),
        set_id: None,
    };
    let mut tx = state.pool.begin().await?;
    match (crate::orders::KIND.create)(&mut tx, &auth.meta, &req).await {
        Ok(_) => {}
        Err(AppError::Invalid(errors)) => {
            drop(tx);
            return render_chart(&state, page, &auth, b, "", form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(web::redirect_flash(&b.href("laboratory"), "ok", &page.t("laboratory-ordered")))
}

async fn amend(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<crate::model::LabAmendForm>,
) -> AppResult<Response> {
    auth.require(perms::RELEASE)?;
    let href = patient.data.href("laboratory");
    let owner: Option<Uuid> = sqlx::query_scalar("SELECT patient_id FROM lab_results WHERE id = $1")
        .bind(item)
        .fetch_optional(&state.pool)
        .await?;
    if owner != Some(patient.id) {
        return Err(AppError::NotFound);
    }
    let mut tx = state.pool.begin().await?;
    let r = repo::amend(&mut tx, state.registry, &auth.meta, item, &f.value, &f.comment, &f.reason).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    back(&href, r.map(|_| page.t("laboratory-amended")))
}
