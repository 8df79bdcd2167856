//! Pharmacy, phase 1: the formulary (products with their ingredients, strength, form, route,
//! class, controlled-drug schedule, high-alert flag, Tall Man name, absolute maxima), local
//! safety checks ([`checks`]: interactions, allergies with cross-sensitivity, duplicate
//! ingredients with the cumulative daily maximum, dose hard stops), medication orders on the
//! orders core, the pharmacist's verification queue, stores, lots and stock movements with a
//! balance the database keeps non-negative, and FEFO dispensing with charge capture.

pub mod api;
pub mod checks;
pub mod demo;
pub mod model;
pub mod orders;
pub mod pages;
pub mod perms;
pub mod repo;

use futures_util::FutureExt;
use hearth_core::registry::{ChartTab, Module, NavEntry, OnMerge, PatientTable};

/// The pharmacy's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[
        NavEntry { label: "Formulary", href: "/pharmacy/formulary", perm: Some(perms::FORMULARY_READ), order: 310 },
        NavEntry { label: "Verification", href: "/pharmacy/verify", perm: Some(perms::VERIFY), order: 311 },
        NavEntry { label: "Dispensing", href: "/pharmacy/dispense", perm: Some(perms::DISPENSE), order: 312 },
        NavEntry { label: "Pharmacy stock", href: "/pharmacy/stock", perm: Some(perms::STOCK), order: 313 },
    ],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "pharmacy", label: "Medication orders", suffix: "pharmacy", order: 150 }],
    patient_tables: &[
        PatientTable { table: "rx_orders", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "rx_dispenses", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
    ],
    constraint_messages: &[
        ("rx_orders_not_over_dispensed", "That is more than the order's quantity still to dispense."),
        ("rx_orders_stop_after_start", "The stop must be after the start."),
        ("rx_orders_prn_indication", "An as-needed (PRN) order needs its indication."),
        ("rx_orders_rejected_reason", "Say why the order is rejected."),
        ("rx_balances_not_negative", "Not enough stock in this store."),
        ("rx_stores_name_unique", "A store of that name already exists at this facility."),
        ("rx_lots_unique", "This lot number is already recorded for the product with another expiry."),
    ],
    reference_data: Some(|pool| repo::ensure_formulary(pool).boxed()),
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    on_death: Some(|conn, meta, patient| repo::on_death(conn, meta, patient).boxed()),
    order_kinds: &[orders::KIND],
    messages: &[
        ("en", include_str!("../../../locales/en/pharmacy.ftl")),
        ("es", include_str!("../../../locales/es/pharmacy.ftl")),
        ("ar", include_str!("../../../locales/ar/pharmacy.ftl")),
    ],
    ..Module::new("pharmacy", "Pharmacy")
};
