//! The audit viewer's permission.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const AUDIT_READ: Perm = Perm::new("audit.read");

pub const ALL: &[PermDef] = &[PermDef {
    perm: AUDIT_READ,
    description: "View and export the audit log",
    default_roles: &["super_admin", "hospital_admin"],
}];
