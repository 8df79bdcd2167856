//! The start page after sign-in.

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
pub const MODULE: Module = Module { pages: router, ..Module::new("dashboard", "Start page") };

pub fn router() -> Routes {
    Routes::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Home {
    page: Page,
    patient_count: Option<i64>,
    roles: String,
}

async fn home(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    let patient_count = if auth.can(hearth_patients::perms::PATIENTS_READ) {
        Some(hearth_patients::repo::count(&state.pool).await?)
    } else {
        None
    };
    let roles = auth.roles.join(", ");
    web::render(&Home { page: page.titled("Dashboard"), patient_count, roles })
}
