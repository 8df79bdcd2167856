//! The surgery module's permissions (least privilege: doctors book; doctors and nurses carry the
//! case through readiness, the checklist, the stages and recovery; administrators set theatres).

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const READ: Perm = Perm::new("surgery.read");
pub const BOOK: Perm = Perm::new("surgery.book");
pub const PERFORM: Perm = Perm::new("surgery.perform");
pub const CONFIGURE: Perm = Perm::new("surgery.configure");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "View theatres, lists, surgical cases and the theatre board",
        default_roles: &["doctor", "nurse"],
    },
    PermDef { perm: BOOK, description: "Book, cancel and rebook surgical cases", default_roles: &["doctor"] },
    PermDef {
        perm: PERFORM,
        description:
            "Record readiness, the WHO checklist (as a member of the case team), stages, counts and recovery scores",
        default_roles: &["doctor", "nurse"],
    },
    PermDef {
        perm: CONFIGURE,
        description: "Set up operating theatres and theatre sessions (lists)",
        default_roles: &["hospital_admin"],
    },
];
