//! The orders core's permissions. A kind of order names its own sign permission (a module may
//! reuse [`SIGN`] or declare a stricter one, e.g. prescribing medicines).

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const READ: Perm = Perm::new("orders.read");
pub const SIGN: Perm = Perm::new("orders.sign");
pub const ENTER: Perm = Perm::new("orders.enter");
pub const SETS: Perm = Perm::new("orders.sets");
pub const RESULTS_SIGNOFF: Perm = Perm::new("results.signoff");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "View patients' orders (the chart's Orders tab) and order sets",
        default_roles: &["doctor", "nurse", "pharmacist", "lab_technician", "radiologist", "ed_coordinator"],
    },
    PermDef {
        perm: SIGN,
        description: "Place and sign orders, countersign verbal and telephone orders, hold, resume and revoke orders",
        default_roles: &["doctor"],
    },
    PermDef {
        perm: ENTER,
        description: "Enter verbal and telephone orders on a prescriber's behalf (with read-back)",
        default_roles: &["nurse"],
    },
    PermDef {
        perm: SETS,
        description: "Define order sets (named groups of orders placed together)",
        default_roles: &["hospital_admin"],
    },
    PermDef {
        perm: RESULTS_SIGNOFF,
        description: "Have a results inbox: sign off released results of one's orders and cover for colleagues",
        default_roles: &["doctor"],
    },
];
