//! The laboratory's permissions (least privilege: clinicians order through the orders core's
//! `orders.sign`; nurses collect; laboratory staff receive, enter, verify and release).

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const READ: Perm = Perm::new("laboratory.read");
pub const COLLECT: Perm = Perm::new("laboratory.collect");
pub const PROCESS: Perm = Perm::new("laboratory.process");
pub const RELEASE: Perm = Perm::new("laboratory.release");
pub const CONFIGURE: Perm = Perm::new("laboratory.configure");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "View laboratory orders, specimens and results (the chart's Laboratory tab, worklists)",
        default_roles: &["doctor", "nurse", "lab_technician", "ed_coordinator"],
    },
    PermDef {
        perm: COLLECT,
        description: "Collect specimens at the bedside or the phlebotomy desk (collector and time)",
        default_roles: &["nurse", "lab_technician"],
    },
    PermDef {
        perm: PROCESS,
        description: "Receive or reject specimens in the laboratory and enter results",
        default_roles: &["lab_technician"],
    },
    PermDef {
        perm: RELEASE,
        description: "Review held results, verify, release and amend results; record critical-value calls",
        default_roles: &["lab_technician"],
    },
    PermDef {
        perm: CONFIGURE,
        description: "Configure laboratory sections (second verifier required before release)",
        default_roles: &["hospital_admin"],
    },
];
