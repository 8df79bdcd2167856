//! The emergency department's permissions.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

/// The tracking board, the wall display and the ED visits on the chart.
pub const READ: Perm = Perm::new("emergency.read");
/// Registering an arrival (quick registration, an existing or an unidentified patient).
pub const REGISTER: Perm = Perm::new("emergency.register");
/// ESI triage and re-triage (with the vital signs recorded on the chart).
pub const TRIAGE: Perm = Perm::new("emergency.triage");
/// Assigning a bay, a nurse and a clinician.
pub const ASSIGN: Perm = Perm::new("emergency.assign");
/// Disposition (admit, transfer, discharge, left without being seen, against advice, deceased)
/// and the departure of a boarding patient.
pub const DISPOSITION: Perm = Perm::new("emergency.disposition");
/// The department's locations (bays) and their capacity.
pub const MANAGE: Perm = Perm::new("emergency.manage");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "View the emergency department's tracking board and ED visits",
        default_roles: &["doctor", "nurse", "receptionist", "ed_coordinator", "hospital_admin"],
    },
    PermDef {
        perm: REGISTER,
        description: "Register arrivals in the emergency department",
        default_roles: &["doctor", "nurse", "receptionist", "ed_coordinator"],
    },
    PermDef {
        perm: TRIAGE,
        description: "Triage ED patients (ESI v4) and record their vital signs",
        default_roles: &["doctor", "nurse", "ed_coordinator"],
    },
    PermDef {
        perm: ASSIGN,
        description: "Assign ED patients a bay, a nurse and a clinician",
        default_roles: &["doctor", "nurse", "ed_coordinator"],
    },
    PermDef {
        perm: DISPOSITION,
        description: "Record the disposition of ED patients and their departure",
        default_roles: &["doctor", "ed_coordinator"],
    },
    PermDef {
        perm: MANAGE,
        description: "Manage the emergency department's bays and their capacity",
        default_roles: &["hospital_admin", "ed_coordinator"],
    },
];
