//! The bed network's permissions (network-scoped: an external facility's manager is listed in
//! `bednet_managers`, a Hearth facility's bed manager holds the facility).

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

/// The coordinator's network board: every facility, bed type, pending request and hold.
pub const BOARD: Perm = Perm::new("bednet.board");
/// Request an emergency bed at a network facility.
pub const REQUEST: Perm = Perm::new("bednet.request");
/// Accept (hold a bed), decline or record the arrival of requests to a facility one manages.
pub const ACCEPT: Perm = Perm::new("bednet.accept");
/// Push an external facility's bed counts (API).
pub const REPORT: Perm = Perm::new("bednet.report");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: BOARD,
        description: "See the bed network board: facilities, bed counts, pending requests and holds",
        default_roles: &["ems_dispatcher", "ed_coordinator", "nurse", "doctor", "hospital_admin"],
    },
    PermDef {
        perm: REQUEST,
        description: "Request an emergency bed at a network facility",
        default_roles: &["ems_dispatcher", "ed_coordinator", "doctor"],
    },
    PermDef {
        perm: ACCEPT,
        description: "Accept or decline emergency bed requests to a facility one manages; record arrivals",
        default_roles: &["nurse", "hospital_admin"],
    },
    PermDef {
        perm: REPORT,
        description: "Report an external network facility's bed counts",
        default_roles: &["hospital_admin"],
    },
];
