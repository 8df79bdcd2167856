//! The billing list (`/charges`), a patient's charges (chart tab), and reversing a charge.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Form;
use time::Date;
use uuid::Uuid;

use crate::model::{Charge, Filter, ReverseForm};
use crate::repo::{self, ListQuery};
use crate::{perms, reverse};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::{Auth, CurrentUser};
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::web::paging::{PageParams, PageRequest, Pager, TimeId};
use hearth_core::web::time::Zone;
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

pub const PAGE_SIZE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/charges", get(list))
        .route("/charges/{charge}/reverse", post(reverse_charge))
        .route("/patients/{id}/charges", get(patient_page))
}

fn parse_day(s: &str, field: &'static str, errors: &mut FieldErrors) -> Option<Date> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, "Enter a date as YYYY-MM-DD.");
            None
        }
    }
}

/// The form errors (English, the API's) and their message keys, for the pages.
const FILTER_ERRORS: &[(&str, &str)] = &[
    ("Enter a date as YYYY-MM-DD.", "charges-err-date"),
    ("Choose a facility from the list.", "charges-err-facility"),
    ("The last day is before the first.", "charges-err-to-before-from"),
    ("An MRN is at most 40 characters.", "charges-err-mrn"),
    ("Choose a module from the list.", "charges-err-module"),
    ("Say why the charge is reversed.", "charges-err-reason"),
    ("At most 500 characters.", "charges-err-reason-long"),
];

/// The form errors in the page's language (any other message as it is).
fn localise_errors(page: &Page, errors: FieldErrors) -> FieldErrors {
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|(field, m)| match FILTER_ERRORS.iter().find(|(en, _)| *en == m) {
                Some((_, k)) => (field, page.t(k)),
                None => (field, m),
            })
            .collect(),
    )
}

/// Checks the list's filters (days are local to `zone`): field errors for what does not parse.
pub fn check_filter(f: &Filter, zone: &Zone) -> Result<ListQuery, FieldErrors> {
    let mut errors = FieldErrors::default();
    let facility = match f.facility.trim() {
        "" => None,
        s => match Uuid::parse_str(s) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("facility", "Choose a facility from the list.");
                None
            }
        },
    };
    let from = parse_day(&f.from, "from", &mut errors);
    let to = parse_day(&f.to, "to", &mut errors);
    if let (Some(a), Some(b)) = (from, to) {
        if b < a {
            errors.add("to", "The last day is before the first.");
        }
    }
    let mrn = Some(f.patient.trim().to_ascii_uppercase()).filter(|s| !s.is_empty());
    if mrn.as_ref().is_some_and(|m| m.chars().count() > 40) {
        errors.add("patient", "An MRN is at most 40 characters.");
    }
    let module = Some(f.module.trim().to_string()).filter(|s| !s.is_empty());
    if module.as_ref().is_some_and(|m| m.chars().count() > 40) {
        errors.add("module", "Choose a module from the list.");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ListQuery {
        facility,
        from: from.map(|d| zone.day_range(d).0),
        to: to.map(|d| zone.day_range(d).1),
        mrn,
        module,
    })
}

/// Reading the ledger is a read of patient data: one audit event per page, with the filters
/// (no names) and how many entries it showed.
pub(crate) async fn audit_list(state: &AppState, auth: &Auth, f: &Filter, shown: usize) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("charges.list.view", "charge", shown).changes(serde_json::json!({
            "facility": f.facility, "from": f.from, "to": f.to, "patient": f.patient, "module": f.module, "shown": shown,
        })),
    )
    .await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "charges/list.html")]
struct ListPage {
    page: Page,
    f: Filter,
    errors: FieldErrors,
    rows: Vec<Charge>,
    pager: Pager,
    facilities: Vec<(String, String)>,
    modules: Vec<(String, String)>,
    can_reverse: bool,
    back: String,
}

fn filter_pairs(f: &Filter) -> [(&str, &str); 5] {
    [
        ("facility", f.facility.as_str()),
        ("from", &f.from),
        ("to", &f.to),
        ("patient", &f.patient),
        ("module", &f.module),
    ]
}

async fn list(State(state): State<AppState>, page: Page, auth: Auth, Query(f): Query<Filter>) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let req: PageRequest<TimeId> = PageRequest::parse(f.after.as_deref(), f.limit, PAGE_SIZE, MAX_PAGE)?;
    let facilities = std::iter::once((String::new(), page.t("charges-all-facilities")))
        .chain(repo::facilities(&state.pool, &auth.user).await?)
        .collect();
    let modules = std::iter::once((String::new(), page.t("charges-all-modules")))
        .chain(repo::modules(&state.pool).await?.into_iter().map(|m| (m.clone(), m)))
        .collect();
    let (rows, pager, errors, status) = match check_filter(&f, &page.zone) {
        Ok(q) => {
            let rows = repo::list(&state.pool, &auth.user, &q, &req).await?;
            let pager = Pager::new("/charges", &filter_pairs(&f), &rows, req.is_later()).labels("Older", "Newest");
            audit_list(&state, &auth, &f, rows.items.len()).await?;
            (rows.items, pager, FieldErrors::default(), axum::http::StatusCode::OK)
        }
        Err(errors) => {
            (Vec::new(), Pager::default(), localise_errors(&page, errors), axum::http::StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    let back =
        match serde_urlencoded::to_string(filter_pairs(&f).iter().filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>()) {
            Ok(qs) if !qs.is_empty() => format!("/charges?{qs}"),
            _ => "/charges".to_string(),
        };
    let t = ListPage {
        page: page.clone().titled(page.t("charges-heading")).crumb(page.t("charges-heading"), "/charges"),
        f,
        errors,
        rows,
        pager,
        facilities,
        modules,
        can_reverse: auth.can(perms::REVERSE),
        back,
    };
    web::render_status(status, &t)
}

#[derive(Template)]
#[template(path = "charges/patient.html")]
struct PatientPage {
    page: Page,
    b: Banner,
    rows: Vec<Charge>,
    pager: Pager,
    can_reverse: bool,
    back: String,
}

/// Reads of a patient's charges are audited like every chart section.
pub(crate) async fn audit_view(state: &AppState, auth: &Auth, patient: Uuid) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient)
            .patient(patient)
            .changes(serde_json::json!({"section": "charges"})),
    )
    .await?;
    Ok(())
}

async fn patient_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<PageParams>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let req: PageRequest<TimeId> = PageRequest::new(&q, PAGE_SIZE, MAX_PAGE)?;
    let b = patient.banner("charges");
    let rows = repo::for_patient(&state.pool, &auth.user, b.id, &req).await?;
    audit_view(&state, &auth, b.id).await?;
    let pager = Pager::new(&b.href("charges"), &[], &rows, req.is_later()).labels("Older", "Newest");
    let back = b.href("charges");
    let heading = page.t("charges-heading");
    web::render(&PatientPage {
        page: page
            .clone()
            .titled(format!("{heading} · {}", b.name))
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("charges")),
        b,
        rows: rows.items,
        pager,
        can_reverse: auth.can(perms::REVERSE),
        back,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ReversePageForm {
    reason: String,
    /// Where to go back to (a path of this module's pages only).
    back: String,
}

/// A charge the reader may act on: it exists and is in one of their facilities (404 otherwise,
/// as for a charge that does not exist).
pub(crate) async fn in_scope(state: &AppState, user: &CurrentUser, charge: Uuid) -> AppResult<()> {
    let facility = repo::facility_of(&state.pool, charge).await?.ok_or(AppError::NotFound)?;
    match repo::scope(user) {
        Some(mine) if !mine.contains(&facility) => Err(AppError::NotFound),
        _ => Ok(()),
    }
}

async fn reverse_charge(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(charge): Path<Uuid>,
    Form(f): Form<ReversePageForm>,
) -> AppResult<Response> {
    auth.require(perms::REVERSE)?;
    in_scope(&state, &auth.user, charge).await?;
    let back = if f.back.starts_with("/charges") || (f.back.starts_with("/patients/") && f.back.ends_with("/charges")) {
        f.back.clone()
    } else {
        "/charges".to_string()
    };
    let reason = match (ReverseForm { reason: f.reason }).validate() {
        Ok(r) => r,
        Err(e) => return Ok(web::redirect_flash(&back, "error", &localise_errors(&page, e).messages())),
    };
    let mut tx = state.pool.begin().await?;
    match reverse(&mut tx, &auth.meta, charge, &reason).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(web::redirect_flash(&back, "ok", &page.t("charges-reversed-done")))
        }
        Err(AppError::Conflict(m)) => Ok(web::redirect_flash(&back, "error", &m)),
        Err(AppError::Constraint(c)) => {
            let m = c.constraint.as_deref().and_then(|n| state.registry.constraint_message(n)).unwrap_or(&c.message);
            Ok(web::redirect_flash(&back, "error", m))
        }
        Err(e) => Err(e),
    }
}
