//! Administration: users, roles and permissions, facilities and departments.

mod api_clients;
mod facilities;
pub mod perms;
mod roles;
mod security;
mod users;

use axum::routing::{get, post};

use hearth_core::platform::routes::Routes;
use hearth_core::registry::{Module, NavEntry};

pub use users::{create_user, NewUser};

/// Administration's descriptor.
pub const MODULE: Module = Module {
    pages: router,
    nav: &[
        NavEntry { label: "Users", href: "/admin/users", perm: Some(perms::USERS_MANAGE), order: 900 },
        NavEntry { label: "Roles", href: "/admin/roles", perm: Some(perms::ROLES_MANAGE), order: 910 },
        NavEntry { label: "Facilities", href: "/admin/facilities", perm: Some(perms::FACILITIES_MANAGE), order: 920 },
        NavEntry { label: "Security events", href: "/admin/security", perm: Some(perms::SECURITY_READ), order: 930 },
        NavEntry {
            label: "Emergency access",
            href: "/admin/break-glass",
            perm: Some(perms::SECURITY_READ),
            order: 940,
        },
        NavEntry {
            label: "API clients",
            href: "/admin/api-clients",
            perm: Some(perms::API_CLIENTS_MANAGE),
            order: 950,
        },
    ],
    permissions: perms::ALL,
    constraint_messages: &[
        ("facilities_code_key", "Another facility has this code."),
        ("departments_facility_id_code_key", "This facility already has a department with that code."),
        ("users_email_key", "A user with this email already exists."),
        ("api_clients_client_id_key", "Another API client has this client id."),
    ],
    messages: &[
        ("en", include_str!("../../../locales/en/admin.ftl")),
        ("es", include_str!("../../../locales/es/admin.ftl")),
        ("ar", include_str!("../../../locales/ar/admin.ftl")),
    ],
    ..Module::new("admin", "Administration")
};

pub fn router() -> Routes {
    Routes::new()
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
        .route("/admin/roles/{role}", get(roles::role_page).post(roles::apply))
        .route("/admin/roles/{role}/preview", post(roles::preview))
        .route("/admin/facilities", get(facilities::list).post(facilities::create))
        .route("/admin/facilities/{id}", get(facilities::show))
        .route("/admin/facilities/{id}/departments", post(facilities::add_department))
        .route("/admin/facilities/{id}/active", post(facilities::set_active))
        .route("/admin/facilities/{id}/mrn-format", post(facilities::set_mrn_format))
}

pub(crate) use hearth_core::web::form::{all, one};
