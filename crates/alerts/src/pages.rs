//! The alerts' pages: the list (`/alerts`), one alert with its acknowledgement form, the banner
//! fragment every page fetches, the patient's chart tab (alerts and nurse assignments), the
//! on-call lists, the assignments of the day and the chains.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::chains::{self, KindChain};
use crate::model::{AckForm, AlertDetail, AlertRow, DUTIES};
use crate::repo::{self, BannerAlert, Filter, SCOPES, STATUSES};
use crate::roster::{self, Assignment, Choice, NewAssignment, NewOnCall, OnCall};
use crate::{i18n, perms, service};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::web::paging::{PageRequest, Pager, TimeId};
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/alerts", get(list))
        .route("/alerts/banner", get(banner))
        .route("/alerts/on-call", get(on_call_page).post(on_call_create))
        .route("/alerts/on-call/{item}/end", post(on_call_end))
        .route("/alerts/assignments", get(assignments_page))
        .route("/alerts/assignments/{item}/end", post(assignment_end))
        .route("/alerts/chains", get(chains_page))
        .route("/alerts/chains/{kind}", get(chain_page).post(chain_save))
        .route("/alerts/chains/{kind}/reset", post(chain_reset))
        .route("/alerts/{item}", get(show))
        .route("/alerts/{item}/acknowledge", post(acknowledge))
        .route("/patients/{id}/alerts", get(patient_tab))
        .route("/patients/{id}/alerts/assignments", post(patient_assign))
}

// ---------------------------------------------------------------------------------- the list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    pub scope: String,
    pub severity: String,
    pub after: Option<String>,
    pub limit: Option<i64>,
}

impl ListQuery {
    /// The checked filter and page request (400 on anything unknown).
    pub fn parse(&self) -> AppResult<(Filter, PageRequest<TimeId>)> {
        let f = Filter::parse(self.status.trim(), self.scope.trim(), self.severity.trim())
            .ok_or_else(|| AppError::BadRequest("status, scope or severity is not one of the list's values".into()))?;
        let req = PageRequest::parse(self.after.as_deref(), self.limit, repo::PAGE_SIZE, repo::PAGE_MAX)?;
        Ok((f, req))
    }
}

#[derive(Template)]
#[template(path = "alerts/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<AlertRow>,
    f: Filter,
    statuses: Vec<(&'static str, String)>,
    scopes: Vec<(&'static str, String)>,
    severities: Vec<(&'static str, String)>,
    pager: Pager,
    can_manage: bool,
}

/// Reads of alert lists are audited (they name patients).
async fn audit_list(state: &AppState, auth: &Auth, f: &Filter, n: usize) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("alerts.list.view", "alert", "list")
            .changes(json!({"status": f.status, "scope": f.scope, "severity": f.severity, "rows": n})),
    )
    .await?;
    Ok(())
}

async fn list(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let (f, req) = q.parse()?;
    let rows = repo::list(&state.pool, &auth.user, &f, &req).await?;
    audit_list(&state, &auth, &f, rows.items.len()).await?;
    let pager = Pager::new(
        "/alerts",
        &[("status", f.status), ("scope", f.scope), ("severity", f.severity)],
        &rows,
        req.is_later(),
    )
    .labels("Older alerts", "Newest");
    let heading = page.t("alerts-heading");
    web::render(&ListPage {
        statuses: i18n::options(&page, "alerts-filter-status", &STATUSES),
        scopes: i18n::options(&page, "alerts-filter-scope", &SCOPES),
        severities: i18n::severity_options(&page),
        page: page.clone().titled(heading.clone()).crumb(heading, "/alerts"),
        rows: rows.items,
        f,
        pager,
        can_manage: auth.can(perms::MANAGE),
    })
}

// ------------------------------------------------------------------------------- the banner

#[derive(Template)]
#[template(path = "alerts/_banner.html")]
struct BannerFragment {
    page: Page,
    rows: Vec<BannerAlert>,
    count: i64,
}

impl BannerFragment {
    fn more(&self) -> bool {
        self.count > self.rows.len() as i64
    }
}

/// The layout's fragment: the open alerts addressed to the user, until acknowledged. Names no
/// patient (the titles carry none); empty when there is nothing.
async fn banner(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    if !auth.can(perms::READ) {
        return Ok(Html(String::new()).into_response());
    }
    let (rows, count) = repo::banner(&state.pool, auth.id, 3).await?;
    let mut res = Html(BannerFragment { page, rows, count }.render()?).into_response();
    res.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(res)
}

// ------------------------------------------------------------------------------- one alert

#[derive(Template)]
#[template(path = "alerts/show.html")]
struct ShowPage {
    page: Page,
    a: AlertDetail,
    form: AckForm,
    errors: FieldErrors,
    can_ack: bool,
}

async fn render_show(
    state: &AppState,
    page: Page,
    auth: &Auth,
    id: Uuid,
    form: AckForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let a = repo::detail(&state.pool, &auth.user, id).await?.ok_or(AppError::NotFound)?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("alerts.alert.view", "alert", id).patient(a.alert.patient_id),
    )
    .await?;
    let t = ShowPage {
        page: page
            .clone()
            .titled(a.alert.title.clone())
            .crumb(page.t("alerts-heading"), "/alerts")
            .crumb(a.alert.title.clone(), format!("/alerts/{id}")),
        can_ack: auth.can(perms::ACKNOWLEDGE) && a.alert.status == "open",
        a,
        form,
        errors,
    };
    web::render_status(status, &t)
}

async fn show(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(perms::READ)?;
    render_show(&state, page, &auth, id, AckForm::default(), FieldErrors::default(), StatusCode::OK).await
}

async fn acknowledge(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<AckForm>,
) -> AppResult<Response> {
    auth.require(perms::ACKNOWLEDGE)?;
    let mut tx = state.pool.begin().await?;
    let Some((true, severity)) = service::reachable(&mut tx, &auth.user, id).await? else {
        return Err(AppError::NotFound);
    };
    let note = match form.validate(&severity) {
        Ok(n) => n,
        Err(errors) => {
            drop(tx);
            return render_show(&state, page, &auth, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    service::acknowledge(&mut tx, &auth.meta, &auth.user, id, &note).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/alerts/{id}"), "ok", &page.t("alerts-acknowledged-done")))
}

// --------------------------------------------------------------------------- the chart tab

#[derive(Template)]
#[template(path = "alerts/patient.html")]
struct PatientTab {
    page: Page,
    b: Banner,
    rows: Vec<AlertRow>,
    pager: Pager,
    assignments: Vec<Assignment>,
    can_assign: bool,
    nurses: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    form: NewAssignment,
    errors: FieldErrors,
}

fn options(first: String, list: Vec<Choice>) -> Vec<(String, String)> {
    std::iter::once((String::new(), first)).chain(list.into_iter().map(|c| (c.id.to_string(), c.name))).collect()
}

#[allow(clippy::too_many_arguments)]
async fn render_tab(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    q: &ListQuery,
    form: NewAssignment,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let req: PageRequest<TimeId> = PageRequest::parse(q.after.as_deref(), q.limit, repo::PAGE_SIZE, repo::PAGE_MAX)?;
    let since = OffsetDateTime::now_utc() - time::Duration::hours(12);
    let (rows, assignments) = tokio::try_join!(
        repo::for_patient(&state.pool, &auth.user, b.id, &req),
        roster::patient_assignments(&state.pool, b.id, since)
    )?;
    let can_assign = auth.can(perms::ASSIGN);
    let (nurses, departments) = if can_assign {
        tokio::try_join!(
            roster::staff(&state.pool, &auth.facility_ids),
            roster::departments(&state.pool, &auth.facility_ids)
        )?
    } else {
        (Vec::new(), Vec::new())
    };
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", b.id).patient(b.id).changes(json!({"section": "alerts"})),
    )
    .await?;
    let pager = Pager::new(&b.href("alerts"), &[], &rows, req.is_later()).labels("Older alerts", "Newest");
    let heading = page.t("alerts-heading");
    let t = PatientTab {
        page: page
            .clone()
            .titled(format!("{heading} · {}", b.name))
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("alerts")),
        b,
        rows: rows.items,
        pager,
        assignments,
        can_assign,
        nurses: options(page.t("forms-choose"), nurses),
        departments: options("—".to_string(), departments),
        form,
        errors,
    };
    web::render_status(status, &t)
}

async fn patient_tab(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("alerts");
    let now = OffsetDateTime::now_utc();
    let form = NewAssignment {
        starts_at: page.zone.input_value(now),
        ends_at: page.zone.input_value(now + time::Duration::hours(12)),
        ..Default::default()
    };
    render_tab(&state, page, &auth, b, &q, form, FieldErrors::default(), StatusCode::OK).await
}

async fn patient_assign(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<NewAssignment>,
) -> AppResult<Response> {
    auth.require(perms::ASSIGN)?;
    let b = patient.banner("alerts");
    let q = ListQuery::default();
    let valid = match form.validate(&page.zone, &auth.facility_ids) {
        Ok(v) => v,
        Err(errors) => {
            return render_tab(&state, page, &auth, b, &q, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let mut tx = state.pool.begin().await?;
    match roster::assign(&mut tx, &auth.meta, b.id, &valid).await {
        Ok(_) => {}
        Err(AppError::Invalid(errors)) => {
            drop(tx);
            return render_tab(&state, page, &auth, b, &q, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(web::redirect_flash(&b.href("alerts"), "ok", &page.t("alerts-assigned-done")))
}

// ------------------------------------------------------------------------------- on call

#[derive(Template)]
#[template(path = "alerts/on_call.html")]
struct OnCallPage {
    page: Page,
    rows: Vec<OnCall>,
    can_manage: bool,
    facilities: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    staff: Vec<(String, String)>,
    duties: Vec<(String, String)>,
    form: NewOnCall,
    errors: FieldErrors,
}

async fn render_on_call(
    state: &AppState,
    page: Page,
    auth: &Auth,
    form: NewOnCall,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let since = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let ids = &auth.facility_ids;
    let can_manage = auth.can(perms::MANAGE);
    let (rows, facilities, departments, staff) = tokio::try_join!(
        roster::on_call(&state.pool, ids, since),
        roster::facilities(&state.pool, ids),
        roster::departments(&state.pool, ids),
        roster::staff(&state.pool, ids)
    )?;
    let duties = std::iter::once((String::new(), page.t("forms-choose")))
        .chain(DUTIES.iter().map(|(d, _)| (d.to_string(), i18n::duty(&page, d))))
        .collect();
    let heading = page.t("alerts-on-call-heading");
    let t = OnCallPage {
        departments: options(page.t("alerts-whole-facility"), departments),
        staff: options(page.t("forms-choose"), staff),
        page: page
            .clone()
            .titled(heading.clone())
            .crumb(page.t("alerts-heading"), "/alerts")
            .crumb(heading, "/alerts/on-call"),
        rows,
        can_manage,
        facilities: facilities.into_iter().map(|c| (c.id.to_string(), c.name)).collect(),
        duties,
        form,
        errors,
    };
    web::render_status(status, &t)
}

async fn on_call_page(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let now = OffsetDateTime::now_utc();
    let form = NewOnCall {
        facility_id: auth.facility_ids.first().map(|f| f.to_string()).unwrap_or_default(),
        starts_at: page.zone.input_value(now),
        ends_at: page.zone.input_value(now + time::Duration::hours(12)),
        ..Default::default()
    };
    render_on_call(&state, page, &auth, form, FieldErrors::default(), StatusCode::OK).await
}

async fn on_call_create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<NewOnCall>,
) -> AppResult<Response> {
    auth.require(perms::MANAGE)?;
    let valid = match form.validate(&page.zone, &auth.facility_ids) {
        Ok(v) => v,
        Err(errors) => {
            return render_on_call(&state, page, &auth, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let mut tx = state.pool.begin().await?;
    match roster::add_on_call(&mut tx, &auth.meta, &valid).await {
        Ok(_) => {}
        Err(AppError::Invalid(errors)) => {
            drop(tx);
            return render_on_call(&state, page, &auth, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(web::redirect_flash("/alerts/on-call", "ok", &page.t("alerts-on-call-added")))
}

async fn on_call_end(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    auth.require(perms::MANAGE)?;
    let mut tx = state.pool.begin().await?;
    roster::end_on_call(&mut tx, &auth.meta, &auth.facility_ids, id).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/alerts/on-call", "ok", &page.t("alerts-on-call-ended")))
}

// ---------------------------------------------------------------------------- assignments

#[derive(Template)]
#[template(path = "alerts/assignments.html")]
struct AssignmentsPage {
    page: Page,
    rows: Vec<Assignment>,
    can_assign: bool,
}

async fn assignments_page(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let rows = roster::assignments(&state.pool, &auth.user, &auth.facility_ids).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("alerts.assignment.list", "alert_nurse_assignment", "list").changes(json!({"rows": rows.len()})),
    )
    .await?;
    web::render(&AssignmentsPage {
        page: page
            .clone()
            .titled(page.t("alerts-assignments-heading"))
            .crumb(page.t("alerts-heading"), "/alerts")
            .crumb(page.t("alerts-assignments-heading"), "/alerts/assignments"),
        rows,
        can_assign: auth.can(perms::ASSIGN),
    })
}

async fn assignment_end(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    auth.require(perms::ASSIGN)?;
    let mut tx = state.pool.begin().await?;
    roster::end_assignment(&mut tx, &auth.meta, &auth.facility_ids, id).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/alerts/assignments", "ok", &page.t("alerts-assignment-ended")))
}

// ---------------------------------------------------------------------------------- chains

#[derive(Template)]
#[template(path = "alerts/chains.html")]
struct ChainsPage {
    page: Page,
    kinds: Vec<KindChain>,
}

async fn chains_page(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::MANAGE)?;
    let kinds = chains::all(&state.pool, state.registry).await?;
    web::render(&ChainsPage {
        page: page
            .clone()
            .titled(page.t("alerts-chains-heading"))
            .crumb(page.t("alerts-heading"), "/alerts")
            .crumb(page.t("alerts-chains-heading"), "/alerts/chains"),
        kinds,
    })
}

#[derive(Template)]
#[template(path = "alerts/chain.html")]
struct ChainPage {
    page: Page,
    k: KindChain,
    /// The form's rows (addressee, minutes), padded to the maximum.
    rows: Vec<(String, String)>,
    choices: Vec<(String, String)>,
    errors: FieldErrors,
}

async fn render_chain(
    state: &AppState,
    page: Page,
    kind: &str,
    rows: Option<Vec<(String, String)>>,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let k = chains::one(&state.pool, state.registry, kind).await?.ok_or(AppError::NotFound)?;
    let mut rows = rows.unwrap_or_else(|| k.chain.iter().map(|s| (s.to.clone(), s.minutes.to_string())).collect());
    rows.resize(chains::MAX_STEPS, (String::new(), String::new()));
    let mut choices = vec![(String::new(), page.t("alerts-chain-no-step"))];
    choices.extend(i18n::addressee_choices(&page));
    let label = i18n::kind(&page, &k.kind, &k.label);
    let t = ChainPage {
        page: page
            .clone()
            .titled(format!("{} · {label}", page.t("alerts-chain-heading")))
            .crumb(page.t("alerts-heading"), "/alerts")
            .crumb(page.t("alerts-chains-heading"), "/alerts/chains")
            .crumb(label, format!("/alerts/chains/{}", k.kind)),
        k,
        rows,
        choices,
        errors,
    };
    web::render_status(status, &t)
}

async fn chain_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(kind): Path<String>,
) -> AppResult<Response> {
    auth.require(perms::MANAGE)?;
    render_chain(&state, page, &kind, None, FieldErrors::default(), StatusCode::OK).await
}

async fn chain_save(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(kind): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(perms::MANAGE)?;
    if state.registry.alert_kind(&kind).is_none() {
        return Err(AppError::NotFound);
    }
    let to = web::form::all(&pairs, "to");
    let minutes = web::form::all(&pairs, "minutes");
    let rows: Vec<(String, String)> = (0..to.len().max(minutes.len()))
        .map(|i| (to.get(i).unwrap_or(&"").to_string(), minutes.get(i).unwrap_or(&"").to_string()))
        .collect();
    let chain = match chains::validate(&rows) {
        Ok(c) => c,
        Err(errors) => {
            return render_chain(&state, page, &kind, Some(rows), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let mut tx = state.pool.begin().await?;
    chains::set(&mut tx, &auth.meta, &kind, &chain).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/alerts/chains", "ok", &page.t("alerts-chain-saved")))
}

async fn chain_reset(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(kind): Path<String>,
) -> AppResult<Response> {
    auth.require(perms::MANAGE)?;
    if state.registry.alert_kind(&kind).is_none() {
        return Err(AppError::NotFound);
    }
    let mut tx = state.pool.begin().await?;
    chains::reset(&mut tx, &auth.meta, &kind).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/alerts/chains", "ok", &page.t("alerts-chain-reset-done")))
}
