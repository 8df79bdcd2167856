//! The clinical alerts' permissions.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const READ: Perm = Perm::new("alerts.read");
pub const ACKNOWLEDGE: Perm = Perm::new("alerts.acknowledge");
pub const ASSIGN: Perm = Perm::new("alerts.assign");
pub const MANAGE: Perm = Perm::new("alerts.manage");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "See clinical alerts of one's facilities and the on-call lists",
        default_roles: &[
            "hospital_admin",
            "doctor",
            "nurse",
            "pharmacist",
            "lab_technician",
            "radiologist",
            "ed_coordinator",
        ],
    },
    PermDef {
        perm: ACKNOWLEDGE,
        description: "Acknowledge clinical alerts (with a read-back note), stopping their escalation",
        default_roles: &["doctor", "nurse", "pharmacist", "radiologist", "ed_coordinator"],
    },
    PermDef {
        perm: ASSIGN,
        description: "Assign nurses to patients for a ward shift",
        default_roles: &["hospital_admin", "nurse", "ed_coordinator"],
    },
    PermDef {
        perm: MANAGE,
        description: "Edit on-call lists and the escalation chains of alert kinds",
        default_roles: &["hospital_admin"],
    },
];
