//! The chart tab "Orders" (every module's orders of the patient, both statuses, filters,
//! paging), the order form (own orders, or verbal and telephone orders on a prescriber's
//! behalf), the order's page with its actions.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use uuid::Uuid;

use crate::model::{self, Order, OrderForm, OrderResult, OrderSet, ReasonForm, ENTRIES};
use crate::repo::{self, Action};
use crate::{i18n, perms, service};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::registry::OrderKind;
use hearth_core::web::paging::{PageParams, PageRequest, Pager, TimeId};
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

/// Reads of a patient's orders are audited like every chart section.
pub(crate) async fn audit_view(state: &AppState, auth: &Auth, patient: Uuid) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient).patient(patient).changes(serde_json::json!({"section": "orders"})),
    )
    .await?;
    Ok(())
}

/// The tab's filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// `open` (default: draft, active, on hold) or `all`.
    pub status: Option<String>,
    /// Only orders of this kind.
    pub kind: Option<String>,
}

impl Filter {
    /// (open only, kind) checked against the registry: an unknown kind or status is 400.
    pub fn check(&self, state: &AppState) -> AppResult<(bool, Option<String>)> {
        let open = match self.status.as_deref().unwrap_or("") {
            "" | "open" => true,
            "all" => false,
            _ => return Err(AppError::BadRequest("status is open or all".into())),
        };
        let kind = match self.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => None,
            Some(k) if state.registry.order_kind(k).is_some() => Some(k.to_string()),
            Some(_) => return Err(AppError::BadRequest("kind is not an order kind".into())),
        };
        Ok((open, kind))
    }
}

#[derive(Template)]
#[template(path = "orders/tab.html")]
struct TabPage {
    page: Page,
    b: Banner,
    rows: Vec<Order>,
    pager: Pager,
    open: bool,
    kind: String,
    kinds: Vec<(&'static str, String)>,
    /// Kinds the user may order (themselves or on someone's behalf).
    orderable: Vec<(&'static str, String)>,
    sets: Vec<OrderSet>,
    can_sign: bool,
}

impl TabPage {
    fn kind_label(&self, k: &str) -> String {
        kind_label(&self.kinds, k)
    }
}

fn kind_label(kinds: &[(&'static str, String)], k: &str) -> String {
    kinds.iter().find(|(c, _)| *c == k).map(|(_, l)| l.clone()).unwrap_or_else(|| k.replace('_', " "))
}

/// The kinds of order in the page's language.
fn kinds(state: &AppState, page: &Page) -> Vec<(&'static str, String)> {
    state.registry.order_kinds().map(|k| (k.kind, i18n::kind(page, k.kind, k.label))).collect()
}

/// The kinds of order the user may order, in the page's language.
fn orderable(state: &AppState, auth: &Auth, page: &Page) -> Vec<(&'static str, String)> {
    state
        .registry
        .order_kinds()
        .filter(|k| service::may_order(auth, k))
        .map(|k| (k.kind, i18n::kind(page, k.kind, k.label)))
        .collect()
}

pub async fn tab(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(p): Query<PageParams>,
    Query(f): Query<Filter>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let (open, kind) = f.check(&state)?;
    let req: PageRequest<TimeId> = PageRequest::new(&p, 50, 200)?;
    let b = patient.banner("orders");
    let (rows, sets) =
        tokio::try_join!(repo::paged(&state.pool, b.id, open, kind.as_deref(), &req), repo::sets(&state.pool, false))?;
    audit_view(&state, &auth, b.id).await?;
    let kind = kind.unwrap_or_default();
    let status = if open { "" } else { "all" };
    let pager = Pager::new(&b.href("orders"), &[("status", status), ("kind", &kind)], &rows, req.is_later())
        .labels("Older orders", "Newest");
    let orderable = orderable(&state, &auth, &page);
    let kinds = kinds(&state, &page);
    let heading = page.t("orders-tab-heading");
    let t = TabPage {
        page: page
            .clone()
            .titled(format!("{heading} · {}", b.name))
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("orders")),
        b,
        rows: rows.items,
        pager,
        open,
        kind,
        kinds,
        orderable,
        sets,
        can_sign: auth.can(perms::SIGN),
    };
    web::render(&t)
}

#[derive(Debug, Deserialize)]
pub struct KindQuery {
    pub kind: Option<String>,
}

#[derive(Template)]
#[template(path = "orders/new.html")]
struct NewPage {
    page: Page,
    b: Banner,
    kind: Option<(&'static str, String)>,
    /// Kinds the user may order, for the chooser.
    orderable: Vec<(&'static str, String)>,
    form: OrderForm,
    errors: FieldErrors,
    codes: Vec<(String, String)>,
    priorities: Vec<(&'static str, String)>,
    encounters: Vec<(String, String)>,
    entries: Vec<(&'static str, String)>,
    prescribers: Vec<(String, String)>,
    can_enter: bool,
}

#[allow(clippy::too_many_arguments)]
async fn render_new(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    kind: Option<&'static OrderKind>,
    form: OrderForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let orderable = orderable(state, auth, &page);
    let (mut codes, mut prescribers, mut entries) = (Vec::new(), Vec::new(), Vec::new());
    let can_enter = auth.can(perms::ENTER);
    if let Some(k) = kind {
        let mut conn = state.pool.acquire().await?;
        codes = std::iter::once((String::new(), page.t("forms-choose")))
            .chain((k.catalogue)(&mut conn, "", 500).await?.into_iter().map(|(c, d)| (c.clone(), format!("{d} ({c})"))))
            .collect();
        if auth.can(k.sign_perm) {
            entries.extend(i18n::entries(&page, &ENTRIES[..2]));
        }
        if can_enter {
            entries.extend(i18n::entries(&page, &ENTRIES[2..]));
            prescribers = std::iter::once((String::new(), page.t("forms-choose")))
                .chain(
                    repo::colleagues_with(&state.pool, k.sign_perm.code(), &auth.facility_ids, auth.id)
                        .await?
                        .into_iter()
                        .map(|(id, n)| (id.to_string(), n)),
                )
                .collect();
        }
    }
    let encounters = std::iter::once((String::new(), "—".to_string()))
        .chain(
            hearth_ehr::encounters::list(&state.pool, b.id, 20)
                .await?
                .into_iter()
                .map(|e| (e.id.to_string(), i18n::encounter_option(&page, &e))),
        )
        .collect();
    let heading = page.t("orders-new-heading");
    let t = NewPage {
        kind: kind.map(|k| (k.kind, i18n::kind(&page, k.kind, k.label))),
        priorities: i18n::priorities(&page),
        page: page
            .clone()
            .titled(format!("{heading} · {}", b.name))
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(page.t("orders-tab-heading"), b.href("orders"))
            .crumb(heading, b.href("orders/new")),
        b,
        orderable,
        form,
        errors,
        codes,
        encounters,
        entries,
        prescribers,
        can_enter,
    };
    web::render_status(status, &t)
}

pub async fn new_form(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<KindQuery>,
) -> AppResult<Response> {
    let kind = q.kind.as_deref().and_then(|k| state.registry.order_kind(k));
    match kind {
        Some(k) if !service::may_order(&auth, k) => return Err(AppError::Forbidden),
        None if !auth.can(perms::SIGN) && !auth.can(perms::ENTER) => return Err(AppError::Forbidden),
        _ => {}
    }
    let b = patient.banner("orders");
    let form = OrderForm {
        kind: kind.map(|k| k.kind.to_string()).unwrap_or_default(),
        entry: if kind.is_some_and(|k| auth.can(k.sign_perm)) { "signed".into() } else { "verbal".into() },
        priority: "routine".into(),
        ..Default::default()
    };
    render_new(&state, page, &auth, b, kind, form, FieldErrors::default(), StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<OrderForm>,
) -> AppResult<Response> {
    let kind = state.registry.order_kind(form.kind.trim());
    match kind {
        Some(k) if service::may_order(&auth, k) => {}
        _ if !auth.can(perms::SIGN) && !auth.can(perms::ENTER) => return Err(AppError::Forbidden),
        _ => {}
    }
    let b = patient.banner("orders");
    match service::place_one(&state, &auth, b.id, &form).await {
        Ok(id) => {
            let msg = if model::entry(&form.entry).is_some_and(|e| e.on_behalf()) {
                page.t("orders-placed-on-behalf")
            } else if form.entry.trim() == "draft" {
                page.t("orders-draft-saved")
            } else {
                page.t("orders-placed-signed")
            };
            Ok(web::redirect_flash(&b.href(&format!("orders/{id}")), "ok", &msg))
        }
        Err(AppError::Invalid(errors)) => {
            render_new(&state, page, &auth, b, kind, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "orders/show.html")]
struct ShowPage {
    page: Page,
    b: Banner,
    o: Order,
    kind_label: String,
    results: Vec<OrderResult>,
    can_sign: bool,
    can_countersign: bool,
    can_manage: bool,
    can_error: bool,
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, id)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("orders");
    let o = service::order_of(&state, b.id, id).await?;
    let results = repo::results_of(&state.pool, o.id).await?;
    audit_view(&state, &auth, b.id).await?;
    let perm = service::sign_perm(&state, &o.kind);
    let mine = o.orderer_id == auth.id && auth.can(perm);
    let t = ShowPage {
        kind_label: kind_label(&kinds(&state, &page), &o.kind),
        page: page
            .clone()
            .titled(format!("{} · {}", o.display, b.name))
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(page.t("orders-tab-heading"), b.href("orders"))
            .crumb(o.display.clone(), b.href(&format!("orders/{}", o.id))),
        can_sign: mine && o.status == "draft",
        can_countersign: mine && o.awaiting_countersignature,
        can_manage: auth.can(perm),
        can_error: o.status != "entered_in_error"
            && (auth.can(perm) || (auth.can(perms::ENTER) && o.entered_by == Some(auth.id))),
        results,
        o,
        b,
    };
    web::render(&t)
}

/// `POST /patients/{id}/orders/{order}/{action}`: sign, countersign, hold, resume, revoke, error.
pub async fn act(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, id, action)): Path<(String, Uuid, String)>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let href = patient.data.href(&format!("orders/{id}"));
    let o = service::order_of(&state, patient.id, id).await?;
    if action == "countersign" {
        service::countersign(&state, &auth, &o).await?;
        return Ok(web::redirect_flash(&href, "ok", &page.t("orders-countersigned-done")));
    }
    let action = Action::parse(&action).ok_or(AppError::NotFound)?;
    match service::act(&state, &auth, &o, action, &f).await {
        Ok(()) => {
            let done = match action {
                Action::Sign => page.t("orders-done-sign"),
                Action::Hold => page.t("orders-done-hold"),
                Action::Resume => page.t("orders-done-resume"),
                Action::Revoke => page.t("orders-done-revoke"),
                Action::EnteredInError => page.t("orders-done-error"),
            };
            Ok(web::redirect_flash(&href, "ok", &done))
        }
        Err(AppError::Invalid(e)) => Ok(web::redirect_flash(&href, "error", &e.messages())),
        Err(e) => Err(e),
    }
}
