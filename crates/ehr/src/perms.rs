//! The clinical record's permissions.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const CHART_READ: Perm = Perm::new("chart.read");
pub const CHART_WRITE: Perm = Perm::new("chart.write");
pub const NOTES_SIGN: Perm = Perm::new("notes.sign");
/// Start (check in) an outpatient visit from the front desk, without writing the chart.
pub const ENCOUNTERS_START: Perm = Perm::new("encounters.start");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: CHART_READ,
        description: "View the clinical record (chart) of patients",
        default_roles: &[
            "super_admin",
            "doctor",
            "nurse",
            "pharmacist",
            "lab_technician",
            "radiologist",
            "ed_coordinator",
        ],
    },
    PermDef {
        perm: CHART_WRITE,
        description: "Record encounters, problems, allergies, vital signs, notes and home medications",
        default_roles: &["super_admin", "doctor", "nurse", "ed_coordinator"],
    },
    PermDef {
        perm: NOTES_SIGN,
        description: "Sign one's own clinical notes (signed notes are locked)",
        // Nurses sign their nursing notes: signing is the author's act (issue 10, finding 7).
        default_roles: &["super_admin", "doctor", "nurse"],
    },
    PermDef {
        perm: ENCOUNTERS_START,
        description: "Start (check in) an outpatient visit for a registered patient: department, clinician, reason",
        // The front desk starts visits without any chart access (issue 13, item 5).
        default_roles: &["super_admin", "doctor", "nurse", "receptionist", "ed_coordinator"],
    },
];
