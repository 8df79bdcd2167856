//! Administration: users, roles and permissions, facilities and departments.

mod api_clients;
mod facilities;
mod roles;
mod security;
mod users;

use axum::routing::{get, post};
use axum::Router;

use crate::app::AppState;

pub use users::{create_user, NewUser};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/new", get(users::new_form))
        .route("/admin/users/{id}", get(users::show).post(users::update))
        .route("/admin/users/{id}/active", post(users::set_active))
        .route("/admin/users/{id}/reset-password", post(users::reset_password))
        .route("/admin/users/{id}/reset-mfa", post(users::reset_mfa))
        .route("/admin/users/{id}/revoke-sessions", post(users::revoke_sessions))
        .route("/admin/roles/policy", post(roles::save_policy))
        .route("/admin/security", get(security::events))
        .route("/admin/break-glass", get(security::break_glass_report))
        .route("/admin/break-glass/{id}/review", post(security::review_break_glass))
        .route("/admin/api-clients", get(api_clients::list).post(api_clients::create))
        .route("/admin/api-clients/{id}/enabled", post(api_clients::set_enabled))
        .route("/admin/api-clients/{id}/rotate-secret", post(api_clients::rotate_secret))
        .route("/admin/roles", get(roles::matrix).post(roles::save))
        .route("/admin/facilities", get(facilities::list).post(facilities::create))
        .route("/admin/facilities/{id}", get(facilities::show))
        .route("/admin/facilities/{id}/departments", post(facilities::add_department))
        .route("/admin/facilities/{id}/active", post(facilities::set_active))
        .route("/admin/facilities/{id}/mrn-format", post(facilities::set_mrn_format))
}

/// Reads repeated form keys (checkbox groups) that `Form<Struct>` cannot hold.
pub(crate) fn all<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
}

pub(crate) fn one<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
}
