//! Charge capture: the platform ledger of billable events. A module writes an entry in the same
//! transaction as the clinical act ([`capture`]): patient, encounter, facility, source module and
//! row, the module's own catalogue code, quantity, time, performer. One entry per act and kind
//! (`charges_once`), so a retry never charges twice; corrections are compensating entries
//! ([`reverse`], [`reverse_act`]), never updates or deletes (the database refuses both). The
//! billing issue maps catalogue codes to prices and builds invoices on it.
//!
//! Under a patient merge the entries follow the patient (a merge step moves them to the survivor,
//! the one update the ledger's trigger allows, along the merge link); an unmerge moves back those
//! the merge moved, and every entry for a row or encounter going back.
//!
//! Pages: the billing list `/charges` (filters, paging), a patient's charges (chart tab), a
//! reversal form; the API mirrors them. See `docs/modules/charges.md`.

pub mod api;
pub mod demo;
pub mod model;
pub mod pages;
pub mod perms;
pub mod repo;

use futures_util::FutureExt;
use hearth_core::registry::{ChartTab, ExportSections, MergeStep, Module, NavEntry, OnMerge, PatientTable};

pub use model::NewCharge;
pub use repo::{capture, reverse, reverse_act};

/// Charge capture's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "Charges", href: "/charges", perm: Some(perms::READ), order: 700 }],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "charges", label: "Charges", suffix: "charges", order: 950 }],
    patient_tables: &[PatientTable { table: "charges", column: "patient_id", on_merge: OnMerge::Custom, key: "id" }],
    merge_steps: &[MergeStep {
        name: "charges",
        run: |c, s, m| repo::merge(c, s, m).boxed(),
        undo: |c, m| repo::unmerge(c, m).boxed(),
    }],
    unmerge_notes: Some(|c, m| repo::unmerge_notes(c, m).boxed()),
    export: Some(ExportSections {
        sections: &["charges"],
        perm: perms::READ,
        fetch: |state, id| {
            async move { Ok(serde_json::json!({ "charges": repo::export(&state.pool, id).await? })) }.boxed()
        },
    }),
    constraint_messages: &[
        ("charges_once", "This act is already charged."),
        ("charges_reversed_once", "This charge is already reversed."),
        ("charges_replaced_once", "This reversed charge has already been corrected."),
    ],
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    messages: &[
        ("en", include_str!("../../../locales/en/charges.ftl")),
        ("es", include_str!("../../../locales/es/charges.ftl")),
        ("ar", include_str!("../../../locales/ar/charges.ftl")),
    ],
    ..Module::new("charges", "Charges")
};
