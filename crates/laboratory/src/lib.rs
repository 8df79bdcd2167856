//! The laboratory, phase 1: a catalogue of tests and panels (LOINC, UCUM units, reference
//! ranges by sex and age band in days, critical and delta limits, turnaround targets, charge
//! codes), ordering through the orders core (kind `lab_test`, duplicate warning), specimens
//! (collection list, collection with a DB-generated accession number, receipt, coded rejection
//! with a recollection request), results (worksheets per section, censored values, flags, delta
//! check, eGFR CKD-EPI 2021, second verifier per section refused by the database when it is the
//! enterer, release, amendment keeping the original), critical values (clinical alert to the
//! orderer, the lab's phone call) and the chart's Laboratory tab. See `docs/modules/laboratory.md`.

pub mod api;
pub mod catalogue;
pub mod demo;
pub mod model;
pub mod orders;
pub mod pages;
pub mod perms;
pub mod repo;

use futures_util::FutureExt;
use hearth_core::registry::{
    AlertAddressee, AlertKind, AlertStep, ChartTab, ExportSections, Module, NavEntry, OnMerge, PatientTable,
};

/// The laboratory's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "Laboratory", href: "/laboratory", perm: Some(perms::READ), order: 60 }],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "laboratory", label: "Laboratory", suffix: "laboratory", order: 170 }],
    patient_tables: &[
        PatientTable { table: "lab_orders", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "lab_specimens", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "lab_results", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "lab_calls", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
    ],
    export: Some(ExportSections {
        sections: &["laboratory_results"],
        perm: perms::READ,
        fetch: |state, id| {
            async move {
                Ok(serde_json::json!({ "laboratory_results": repo::patient_results(&state.pool, id, None).await? }))
            }
            .boxed()
        },
    }),
    constraint_messages: &[
        (
            "lab_results_verifier_not_enterer",
            "The second verifier must be another person than the one who entered the result.",
        ),
        ("lab_results_one_current", "Results for this test of this specimen are already entered."),
        ("lab_results_one_amendment", "This result was already corrected."),
        ("lab_specimens_one_live", "This order already has a specimen in progress."),
        ("lab_specimens_accession_unique", "This accession number is already used."),
        ("lab_specimens_one_recollection", "A recollection is already requested for this specimen."),
        ("lab_orders_one_per_header", "This order already has its laboratory request."),
        ("lab_calls_read_back", "The receiver must read the value back."),
    ],
    alert_kinds: &[AlertKind {
        kind: repo::CRITICAL_ALERT,
        label: "Critical laboratory value",
        default_chain: &[
            AlertStep { to: AlertAddressee::Given, minutes: 15 },
            AlertStep { to: AlertAddressee::OnCall("charge_nurse"), minutes: 10 },
            AlertStep { to: AlertAddressee::OnCall("doctor"), minutes: 15 },
        ],
    }],
    reference_data: Some(|pool| catalogue::ensure_loaded(pool).boxed()),
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    order_kinds: &[orders::KIND],
    messages: &[
        ("en", include_str!("../../../locales/en/laboratory.ftl")),
        ("es", include_str!("../../../locales/es/laboratory.ftl")),
        ("ar", include_str!("../../../locales/ar/laboratory.ftl")),
    ],
    ..Module::new("laboratory", "Laboratory")
};
