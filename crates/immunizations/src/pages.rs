//! The chart tab "Immunizations": the record, the form to add to it, marking an entry in error.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{ErrorForm, Immunization, NewImmunization, Vaccine, NOT_DONE_REASONS, REACTIONS, ROUTES, SITES};
use crate::{perms, repo};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/patients/{id}/immunizations", get(page).post(create))
        .route("/patients/{id}/immunizations/{item}/error", post(mark_error))
}

#[derive(Template)]
#[template(path = "immunizations/page.html")]
struct ImmunizationsPage {
    page: Page,
    b: Banner,
    rows: Vec<Immunization>,
    vaccine_options: Vec<(String, String)>,
    form: NewImmunization,
    errors: FieldErrors,
    can_write: bool,
    sites: Vec<(&'static str, String)>,
    routes: Vec<(&'static str, String)>,
    reasons: Vec<(&'static str, String)>,
    reactions: Vec<(&'static str, String)>,
    /// The patient's active immunization orders (the dose recorded for one completes it).
    orders: Vec<(String, String)>,
}

/// A select's options with an empty first choice.
fn with_blank(first: &'static str, list: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    std::iter::once(("", first.to_string())).chain(list.iter().cloned()).collect()
}

/// A code list's labels in the page's language (`immunizations-<list>-<code>`, else English).
fn translated(page: &Page, list: &str, codes: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    codes.iter().map(|(code, label)| (*code, page.t_or(&crate::model::label_key(list, code), label))).collect()
}

async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: NewImmunization,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let (rows, vaccines, orders) = tokio::try_join!(
        repo::list(&state.pool, b.id),
        repo::vaccines(&state.pool),
        hearth_orders::open_of_kind(&state.pool, b.id, crate::orders::KIND.kind)
    )?;
    let orders: Vec<(String, String)> = orders
        .into_iter()
        .filter(|o| o.status == "active")
        .map(|o| (o.id.to_string(), format!("{} (CVX {}) · {} · {}", o.display, o.code, o.priority_label(), o.orderer)))
        .collect();
    audit_view(state, auth, b.id).await?;
    let heading = page.t("immunizations-heading");
    let title = page.t1("immunizations-title", "name", &b.name);
    let (choose, no_order) = (page.t("immunizations-choose"), page.t("immunizations-no-order"));
    let t = ImmunizationsPage {
        page: page
            .clone()
            .titled(title)
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("immunizations")),
        b,
        rows,
        vaccine_options: std::iter::once((String::new(), choose))
            .chain(vaccines.into_iter().map(|v: Vaccine| (v.cvx.clone(), format!("{} (CVX {})", v.name, v.cvx))))
            .collect(),
        form,
        errors,
        can_write: auth.can(perms::WRITE),
        sites: with_blank("—", &translated(&page, "site", &SITES)),
        routes: with_blank("—", &translated(&page, "route", &ROUTES)),
        reasons: with_blank("—", &translated(&page, "reason", &NOT_DONE_REASONS)),
        reactions: translated(&page, "reaction", &REACTIONS),
        orders: if orders.is_empty() {
            orders
        } else {
            std::iter::once((String::new(), no_order)).chain(orders).collect()
        },
    };
    web::render_status(status, &t)
}

/// Reads of the record are audited like every chart section.
pub(crate) async fn audit_view(state: &AppState, auth: &Auth, patient: Uuid) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient)
            .patient(patient)
            .changes(serde_json::json!({"section": "immunizations"})),
    )
    .await?;
    Ok(())
}

async fn page(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("immunizations");
    let form = NewImmunization { route: "IM".into(), ..Default::default() };
    render(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::OK).await
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<NewImmunization>,
) -> AppResult<Response> {
    auth.require(perms::WRITE)?;
    let b = patient.banner("immunizations");
    let valid = match form.validate(b.birth_date, OffsetDateTime::now_utc(), &page.zone) {
        Ok(v) => v,
        Err(errors) => return render(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut tx = state.pool.begin().await?;
    match repo::insert(&mut tx, &auth.meta, b.id, &valid).await {
        Ok(id) => repo::raise_reaction(&mut tx, state.registry, &auth.meta, b.id, id, &valid).await?,
        Err(AppError::Invalid(errors)) => {
            drop(tx);
            return render(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    let what =
        page.t(if valid.status == "completed" { "immunizations-recorded" } else { "immunizations-recorded-not-given" });
    Ok(web::redirect_flash(&b.href("immunizations"), "ok", &what))
}

async fn mark_error(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<ErrorForm>,
) -> AppResult<Response> {
    auth.require(perms::WRITE)?;
    let href = patient.data.href("immunizations");
    let reason = match f.validate() {
        Ok(r) => r,
        Err(e) => {
            let msg = e.get("reason").map(str::to_string).unwrap_or_else(|| page.t("immunizations-error-why-missing"));
            return Ok(web::redirect_flash(&href, "error", &msg));
        }
    };
    let mut tx = state.pool.begin().await?;
    repo::mark_error(&mut tx, &auth.meta, patient.id, item, &reason).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&href, "ok", &page.t("immunizations-marked-error")))
}
