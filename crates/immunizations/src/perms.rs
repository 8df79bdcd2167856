//! The immunization record's permissions.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const READ: Perm = Perm::new("immunizations.read");
pub const WRITE: Perm = Perm::new("immunizations.write");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "View patients' immunization records",
        default_roles: &["doctor", "nurse", "pharmacist", "ed_coordinator"],
    },
    PermDef {
        perm: WRITE,
        description: "Record vaccines given, reported or not given, and mark entries in error",
        // Pharmacists vaccinate in many countries; administrators can take it away.
        default_roles: &["doctor", "nurse", "pharmacist", "ed_coordinator"],
    },
];
