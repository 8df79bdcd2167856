//! Inpatient care's permissions.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

/// The bed board, the ward view, the census and the chart's Admissions tab.
pub const READ: Perm = Perm::new("inpatient.read");
/// Admit, transfer, leave of absence, discharge.
pub const ADT: Perm = Perm::new("inpatient.adt");
/// Wards, rooms and beds; blocking and unblocking beds.
pub const CONFIGURE: Perm = Perm::new("inpatient.configure");
/// Housekeeping: the cleaning tasks of vacated beds (no patient data).
pub const HOUSEKEEPING: Perm = Perm::new("inpatient.housekeeping");
/// Request a bed for a patient (the placement queue).
pub const BED_REQUEST: Perm = Perm::new("inpatient.bed_request");
/// The bed manager's placement page: the queue, candidate beds, assign (hold) and cancel;
/// admitting from a request also needs [`ADT`].
pub const PLACEMENT: Perm = Perm::new("inpatient.placement");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "View the bed board, ward views, the census and patients' hospital stays",
        default_roles: &["doctor", "nurse", "ed_coordinator", "receptionist"],
    },
    PermDef {
        perm: ADT,
        description: "Admit, transfer, send on leave and discharge inpatients",
        default_roles: &["doctor", "nurse", "ed_coordinator"],
    },
    PermDef {
        perm: CONFIGURE,
        description: "Configure wards, rooms and beds; block and unblock beds",
        default_roles: &["hospital_admin"],
    },
    PermDef {
        perm: HOUSEKEEPING,
        description: "See and complete the cleaning of vacated beds",
        default_roles: &["nurse", "hospital_admin"],
    },
    PermDef {
        perm: BED_REQUEST,
        description: "Request a bed for a patient (clinic, surgery, direct admission)",
        default_roles: &["doctor", "nurse", "ed_coordinator"],
    },
    PermDef {
        perm: PLACEMENT,
        description: "Place bed requests: see the queue and candidate beds, assign (hold) a bed, cancel a request",
        default_roles: &["nurse"],
    },
];
