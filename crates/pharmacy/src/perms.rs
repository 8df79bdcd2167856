//! The pharmacy's permissions (least privilege: doctors prescribe, pharmacists verify and
//! dispense, pharmacists and administrators keep the stock).

use hearth_core::platform::rbac::Perm;
use hearth_core::registry::PermDef;

pub const FORMULARY_READ: Perm = Perm::new("pharmacy.formulary_read");
pub const ORDERS_READ: Perm = Perm::new("pharmacy.orders_read");
pub const PRESCRIBE: Perm = Perm::new("pharmacy.prescribe");
pub const VERIFY: Perm = Perm::new("pharmacy.verify");
pub const DISPENSE: Perm = Perm::new("pharmacy.dispense");
pub const STOCK: Perm = Perm::new("pharmacy.stock");

pub const ALL: &[PermDef] = &[
    PermDef {
        perm: FORMULARY_READ,
        description: "View the formulary",
        default_roles: &["doctor", "nurse", "pharmacist", "ed_coordinator"],
    },
    PermDef {
        perm: ORDERS_READ,
        description: "View patients' medication orders and the safety checks",
        default_roles: &["doctor", "nurse", "pharmacist", "ed_coordinator"],
    },
    PermDef {
        perm: PRESCRIBE,
        description: "Prescribe and discontinue medication orders (with override reasons for severe alerts)",
        default_roles: &["doctor"],
    },
    PermDef {
        perm: VERIFY,
        description: "Verify or reject medication orders (pharmacist verification queue)",
        default_roles: &["pharmacist"],
    },
    PermDef {
        perm: DISPENSE,
        description: "Dispense verified medication orders from pharmacy stock",
        default_roles: &["pharmacist"],
    },
    PermDef {
        perm: STOCK,
        description: "View and receive pharmacy stock (stores, lots, movements)",
        default_roles: &["pharmacist"],
    },
];
