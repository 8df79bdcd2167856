//! The start page after sign-in: a few tiles and every module's start panels (the registry's
//! `start_panels`: orders to countersign, results to sign off…).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::registry::Module;
use hearth_core::web::{self, Page};

/// The start page's descriptor.
pub const MODULE: Module = Module {
    pages: router,
    messages: &[
        ("en", include_str!("../../../locales/en/dashboard.ftl")),
        ("es", include_str!("../../../locales/es/dashboard.ftl")),
        ("ar", include_str!("../../../locales/ar/dashboard.ftl")),
    ],
    ..Module::new("dashboard", "Start page")
};

pub fn router() -> Routes {
    Routes::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Home {
    page: Page,
    patient_count: Option<i64>,
    roles: String,
    role_count: usize,
    panels: Vec<Panel>,
}

/// A module's start-page panel with its body (escaped HTML from the module's own template).
struct Panel {
    key: &'static str,
    title: &'static str,
    html: String,
}

/// Every module's start-page panels the user may see and that have something to show, rendered
/// concurrently, in their order. A panel that fails is left out (and logged): one module's
/// trouble does not take the start page down.
async fn panels(state: &AppState, page: &Page, auth: &Auth) -> Vec<Panel> {
    let visible: Vec<_> =
        state.registry.start_panels().into_iter().filter(|p| p.perm.is_none_or(|perm| auth.can(perm))).collect();
    let bodies = futures_util::future::join_all(visible.iter().map(|p| (p.render)(state, page))).await;
    visible
        .into_iter()
        .zip(bodies)
        .filter_map(|(p, body)| match body {
            Ok(html) => html.map(|html| Panel { key: p.key, title: p.title, html }),
            Err(e) => {
                tracing::warn!(panel = p.key, error = %e, "a start-page panel failed");
                None
            }
        })
        .collect()
}

async fn home(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    let patient_count = if auth.can(hearth_patients::perms::PATIENTS_READ) {
        Some(hearth_patients::repo::count(&state.pool).await?)
    } else {
        None
    };
    let roles = auth.roles.join(", ");
    let panels = panels(&state, &page, &auth).await;
    let title = page.t("nav-home");
    let role_count = auth.roles.len();
    web::render(&Home { page: page.titled(title), patient_count, roles, role_count, panels })
}
