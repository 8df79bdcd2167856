//! Administration's permissions.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const USERS_MANAGE: Perm = Perm::new("users.manage");
pub const ROLES_MANAGE: Perm = Perm::new("roles.manage");
pub const FACILITIES_MANAGE: Perm = Perm::new("facilities.manage");
pub const SECURITY_READ: Perm = Perm::new("security.read");
pub const API_CLIENTS_MANAGE: Perm = Perm::new("api_clients.manage");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: USERS_MANAGE,
        description: "Create, deactivate and assign users",
        default_roles: &["super_admin", "hospital_admin"],
    },
    PermDef { perm: ROLES_MANAGE, description: "Edit the role-permission map", default_roles: &["super_admin"] },
    PermDef {
        perm: FACILITIES_MANAGE,
        description: "Manage facilities and departments",
        default_roles: &["super_admin", "hospital_admin"],
    },
    PermDef {
        perm: SECURITY_READ,
        description: "View security events (lockouts, failures, rate limits, new sign-in addresses)",
        default_roles: &["super_admin", "hospital_admin"],
    },
    PermDef {
        perm: API_CLIENTS_MANAGE,
        description: "Register API clients and manage their scopes",
        default_roles: &["super_admin"],
    },
];
