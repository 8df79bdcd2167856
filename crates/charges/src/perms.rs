//! Charge capture's permissions.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const READ: Perm = Perm::new("charges.read");
pub const REVERSE: Perm = Perm::new("charges.reverse");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "View the charge ledger (billable events) of the facilities one works in",
        default_roles: &["billing_clerk", "hospital_admin"],
    },
    PermDef {
        perm: REVERSE,
        description: "Reverse a charge (a compensating entry with a reason)",
        // Hospital admins hold every permission of the billing clerk's role, so that they may
        // grant it (admin::users grants only roles whose permissions the granter holds).
        default_roles: &["billing_clerk", "hospital_admin"],
    },
];
