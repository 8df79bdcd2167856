//! The platform's own permissions (background jobs, deliveries, privacy alerts).

use super::rbac::Perm;
use crate::registry::PermDef;

pub const JOBS_MANAGE: Perm = Perm::new("jobs.manage");
pub const PRIVACY_ALERTS: Perm = Perm::new("privacy.alerts");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: JOBS_MANAGE,
        description: "See background jobs, notification deliveries and webhooks; retry or discard jobs",
        default_roles: &["super_admin", "hospital_admin"],
    },
    PermDef {
        perm: PRIVACY_ALERTS,
        description: "Be alerted when someone breaks the glass on a restricted record",
        default_roles: &["super_admin"],
    },
];
