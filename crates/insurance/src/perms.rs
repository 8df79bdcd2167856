//! Insurance's permissions.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const READ: Perm = Perm::new("insurance.read");
pub const WRITE: Perm = Perm::new("insurance.write");
pub const REMIT: Perm = Perm::new("insurance.remit");
pub const CONFIGURE: Perm = Perm::new("insurance.configure");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description:
            "View payers, plans, patients' coverage, pre-authorisations, splits and claims of one's facilities",
        default_roles: &["billing_clerk", "hospital_admin"],
    },
    PermDef {
        perm: WRITE,
        description:
            "Record coverage, check eligibility, record pre-authorisations, split invoices, build and submit claims",
        default_roles: &["billing_clerk", "hospital_admin"],
    },
    PermDef {
        perm: REMIT,
        description: "Record payers' answers and remittances (posting the payer's payment to billing)",
        default_roles: &["billing_clerk", "hospital_admin"],
    },
    PermDef {
        perm: CONFIGURE,
        description: "Configure payers and plans (coverage rules)",
        default_roles: &["hospital_admin"],
    },
];
