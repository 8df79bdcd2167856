//! Billing, phase 1: money in integer minor units with the currency's ISO 4217 exponent and one
//! rounding rule ([`money`]); the chargemaster (versioned price lists per facility, effective
//! from a day, tax rate per item); outpatient invoices built from the charge-capture ledger
//! (`hearth-charges`) priced at the service date, plus manual items; discounts with approval
//! above a role's limit; finalisation (gapless numbers per facility and fiscal year, from a
//! counter row locked in the finalising transaction; the database refuses any change to a
//! finalised invoice); credit notes; payments (cash, card terminal reference, bank transfer) with
//! idempotency keys; the worklist, the cashier's day and printable invoices and receipts.
//!
//! The database holds the invariants: a charge on at most one active invoice line
//! (`billing_lines_charge_once`), stored totals equal to their lines (the deferred constraint
//! triggers `billing_invoices_totals`/`billing_lines_totals`), immutability of finalised
//! documents (`billing_invoices_guard`, `billing_lines_guard`), no overpayment
//! (`billing_invoices_not_overpaid`), a discount approver other than the requester.
//! See `docs/modules/billing.md`.

pub mod api;
pub mod catalogue;
pub mod demo;
pub mod model;
pub mod money;
pub mod pages;
pub mod perms;
pub mod repo;

use futures_util::FutureExt;
use hearth_core::registry::{ChartTab, Module, NavEntry, OnMerge, PatientTable};

/// Billing's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "Billing", href: "/billing", perm: Some(perms::READ), order: 710 }],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "billing", label: "Billing", suffix: "billing", order: 960 }],
    patient_tables: &[
        PatientTable {
            table: "billing_invoices",
            column: "patient_id",
            on_merge: OnMerge::Keep("an issued invoice is a legal document addressed to the record it was issued to"),
            key: "id",
        },
        PatientTable {
            table: "billing_payments",
            column: "patient_id",
            on_merge: OnMerge::Keep("a payment stays with the invoice it settles"),
            key: "id",
        },
    ],
    constraint_messages: &[
        ("billing_lines_charge_once", "A charge is already on an invoice."),
        ("billing_invoices_totals", "An invoice's totals must equal the sum of its lines."),
        ("billing_invoices_not_overpaid", "The payment is more than the balance."),
        ("billing_invoices_discount_other_approver", "Another user must approve the discount."),
        ("billing_invoices_credited_once", "This invoice is already credited."),
        ("billing_payments_reference_check", "Enter the terminal's reference, never a card number."),
        ("billing_payments_card_reference", "Enter the card terminal's reference."),
        ("billing_price_lists_one_per_day", "A price list version already starts that day."),
    ],
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    messages: &[
        ("en", include_str!("../../../locales/en/billing.ftl")),
        ("es", include_str!("../../../locales/es/billing.ftl")),
        ("ar", include_str!("../../../locales/ar/billing.ftl")),
    ],
    ..Module::new("billing", "Billing")
};
