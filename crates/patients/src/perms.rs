//! The patient registry's permissions.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const PATIENTS_READ: Perm = Perm::new("patients.read");
pub const PATIENTS_WRITE: Perm = Perm::new("patients.write");
pub const PATIENTS_MERGE: Perm = Perm::new("patients.merge");
pub const PATIENTS_UNMERGE: Perm = Perm::new("patients.unmerge");
pub const PATIENTS_RESTRICTED: Perm = Perm::new("patients.restricted");
pub const PATIENTS_IMPORT: Perm = Perm::new("patients.import");
pub const PATIENTS_RIGHTS: Perm = Perm::new("patients.rights");
pub const PATIENTS_FLAGS: Perm = Perm::new("patients.flags");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: PATIENTS_READ,
        description: "View patient lists and records",
        default_roles: &[
            "super_admin",
            "hospital_admin",
            "doctor",
            "nurse",
            "receptionist",
            "pharmacist",
            "lab_technician",
            "radiologist",
            "billing_clerk",
            "ed_coordinator",
        ],
    },
    PermDef {
        perm: PATIENTS_WRITE,
        description: "Register and update patients",
        default_roles: &["super_admin", "doctor", "nurse", "receptionist", "ed_coordinator"],
    },
    PermDef {
        perm: PATIENTS_MERGE,
        description: "Merge duplicate patient records",
        default_roles: &["super_admin", "hospital_admin", "doctor"],
    },
    PermDef {
        perm: PATIENTS_UNMERGE,
        description: "Undo a mistaken merge of patient records (within the unmerge window, with a reason)",
        default_roles: &["super_admin", "hospital_admin"],
    },
    PermDef {
        perm: PATIENTS_RESTRICTED,
        description: "See restricted (VIP/sensitive) patient records without breaking glass",
        default_roles: &["super_admin"],
    },
    PermDef {
        perm: PATIENTS_IMPORT,
        description: "Bulk-import patients from CSV",
        default_roles: &["super_admin", "hospital_admin", "receptionist"],
    },
    PermDef {
        perm: PATIENTS_RIGHTS,
        description: "Decide erasure and rectification requests",
        default_roles: &["super_admin", "hospital_admin"],
    },
    PermDef {
        perm: PATIENTS_FLAGS,
        description: "Record a patient's code status, isolation precautions and interpreter need (banner flags)",
        default_roles: &["super_admin", "doctor", "nurse"],
    },
];
