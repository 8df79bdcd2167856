//! The eMAR's permissions (least privilege: nurses administer and print wristbands; doctors and
//! pharmacists read the record).

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const READ: Perm = Perm::new("emar.read");
pub const ADMINISTER: Perm = Perm::new("emar.administer");
pub const WRISTBAND: Perm = Perm::new("emar.wristband");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "View medication administration records, schedules and the ward's doses due",
        default_roles: &["doctor", "nurse", "pharmacist"],
    },
    PermDef {
        perm: ADMINISTER,
        description: "Acknowledge medication orders and record administrations (scan to administer)",
        default_roles: &["nurse"],
    },
    PermDef {
        perm: WRISTBAND,
        description: "Print and reprint patient wristbands (reprint revokes the previous band)",
        default_roles: &["nurse"],
    },
];
