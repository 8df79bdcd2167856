//! Radiology's permissions (least privilege: clinicians order through the orders core's
//! `orders.sign`; radiologists protocol, report and sign; radiographers run the worklist).

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const READ: Perm = Perm::new("radiology.read");
pub const PROTOCOL: Perm = Perm::new("radiology.protocol");
pub const SCHEDULE: Perm = Perm::new("radiology.schedule");
pub const PERFORM: Perm = Perm::new("radiology.perform");
pub const REPORT: Perm = Perm::new("radiology.report");
pub const SIGN: Perm = Perm::new("radiology.sign");
pub const CONFIGURE: Perm = Perm::new("radiology.configure");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "View imaging orders, the radiology worklist and reports (the chart's Imaging tab)",
        default_roles: &["doctor", "nurse", "radiologist", "radiographer", "ed_coordinator"],
    },
    PermDef {
        perm: PROTOCOL,
        description: "Justify and protocol imaging orders (accept, change the protocol, reject with a reason)",
        default_roles: &["radiologist"],
    },
    PermDef {
        perm: SCHEDULE,
        description: "Book imaging orders onto a room's schedule (safety checks, overrides with a reason)",
        default_roles: &["radiologist", "radiographer"],
    },
    PermDef {
        perm: PERFORM,
        description: "Record an exam's arrival, start and completion on the modality worklist",
        default_roles: &["radiographer"],
    },
    PermDef { perm: REPORT, description: "Write preliminary imaging reports", default_roles: &["radiologist"] },
    PermDef {
        perm: SIGN,
        description: "Sign final imaging reports and addenda (radiologists)",
        default_roles: &["radiologist"],
    },
    PermDef { perm: CONFIGURE, description: "Configure imaging rooms", default_roles: &["hospital_admin"] },
];
