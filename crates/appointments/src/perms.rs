//! The appointments module's permissions.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const READ: Perm = Perm::new("appointments.read");
pub const BOOK: Perm = Perm::new("appointments.book");
pub const OVERBOOK: Perm = Perm::new("appointments.overbook");
pub const SCHEDULE: Perm = Perm::new("appointments.schedule");
pub const QUEUE: Perm = Perm::new("appointments.queue");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "View clinic schedules, appointment lists, day views and the outpatient queue",
        default_roles: &["doctor", "nurse", "receptionist", "hospital_admin"],
    },
    PermDef {
        perm: BOOK,
        description: "Book, reschedule and cancel appointments; check patients in; add walk-ins to the queue",
        default_roles: &["doctor", "nurse", "receptionist", "hospital_admin"],
    },
    PermDef {
        perm: OVERBOOK,
        description: "Book beyond a slot's capacity (the booking is flagged as overbooked)",
        default_roles: &["doctor", "hospital_admin"],
    },
    PermDef {
        perm: SCHEDULE,
        description: "Create and edit clinicians' weekly clinic templates",
        default_roles: &["hospital_admin"],
    },
    PermDef {
        perm: QUEUE,
        description: "Call the next patient of the queue and move them through the consultation",
        default_roles: &["doctor", "nurse"],
    },
];
