//! Billing's permissions.

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const READ: Perm = Perm::new("billing.read");
pub const WRITE: Perm = Perm::new("billing.write");
pub const MANUAL: Perm = Perm::new("billing.manual_items");
pub const PAY: Perm = Perm::new("billing.pay");
pub const PRICES: Perm = Perm::new("billing.prices");
pub const APPROVE: Perm = Perm::new("billing.approve");
pub const CREDIT: Perm = Perm::new("billing.credit");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: READ,
        description: "View invoices, payments, balances and the chargemaster of one's facilities",
        default_roles: &["billing_clerk", "hospital_admin"],
    },
    PermDef {
        perm: WRITE,
        description: "Build, discount, finalise and cancel draft invoices from captured charges",
        default_roles: &["billing_clerk", "hospital_admin"],
    },
    PermDef {
        perm: MANUAL,
        description: "Add manual items (not captured by a module) to a draft invoice",
        default_roles: &["billing_clerk", "hospital_admin"],
    },
    PermDef {
        perm: PAY,
        description: "Record payments (cash, card terminal, bank transfer) and print receipts",
        default_roles: &["billing_clerk", "hospital_admin"],
    },
    PermDef {
        perm: PRICES,
        description: "Change the chargemaster (prices and tax rates, from a date)",
        default_roles: &["hospital_admin"],
    },
    PermDef {
        perm: APPROVE,
        description: "Approve another user's discount above their role's limit",
        default_roles: &["hospital_admin"],
    },
    PermDef {
        perm: CREDIT,
        description: "Issue a credit note against a finalised invoice",
        default_roles: &["hospital_admin"],
    },
];
