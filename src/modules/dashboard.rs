//! The start page after sign-in.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::app::AppState;
use crate::error::AppResult;
use crate::platform::auth::Auth;
use crate::platform::rbac::{HasPerms, Perm};
use crate::web::{self, Page};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Home {
    page: Page,
    patient_count: Option<i64>,
    roles: String,
}

async fn home(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    let patient_count = if auth.can(Perm::PatientsRead) {
        Some(crate::modules::patients::repo::count(&state.pool).await?)
    } else {
        None
    };
    let roles = auth.roles.join(", ");
    web::render(&Home { page: page.titled("Dashboard"), patient_count, roles })
}
