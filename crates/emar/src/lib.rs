//! Medication administration (eMAR), phase 1: printable wristbands whose Code 128 barcode
//! carries an opaque token (reprint revokes the old band), the administration schedule
//! materialised from the pharmacy's verified orders (unique per order and due time), the
//! nurse's acknowledgement of new orders, scan to administer with the five rights, the ISMP
//! windows (a dose outside its window is recorded with a reason, never refused) and the hard
//! stops, recording given / not given (one record per dose), overdue doses raising alerts, the
//! eMAR grid, the ward's doses due and the API. See `docs/modules/emar.md`.

pub mod api;
pub mod barcode;
pub mod demo;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod perms;
pub mod repo;

use futures_util::FutureExt;
use hearth_core::registry::{
    AlertAddressee, AlertKind, AlertStep, ChartTab, JobDef, Module, NavEntry, OnMerge, PatientTable,
};

/// The eMAR's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "Medication rounds", href: "/emar", perm: Some(perms::READ), order: 315 }],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "emar", label: "Administration record", suffix: "emar", order: 155 }],
    patient_tables: &[
        PatientTable { table: "emar_wristbands", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "emar_order_acks", column: "patient_id", on_merge: OnMerge::Follow, key: "rx_order_id" },
        PatientTable { table: "emar_doses", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "emar_administrations", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
    ],
    constraint_messages: &[
        ("emar_administrations_one_per_dose", "This dose is already recorded."),
        ("emar_wristbands_one_current", "A wristband was just printed for this patient; reload the page."),
        ("emar_wristbands_token_unique", "Wristband token collision; print again."),
        ("emar_doses_order_time_unique", "This dose is already planned."),
        ("emar_administrations_timing_reason", "Say why the dose is early or late."),
        ("emar_administrations_not_given_reason", "Say why the dose was not given."),
    ],
    alert_kinds: &[AlertKind {
        kind: repo::OVERDUE_ALERT,
        label: "Medication dose overdue",
        default_chain: &[
            AlertStep { to: AlertAddressee::AssignedNurse, minutes: 15 },
            AlertStep { to: AlertAddressee::OnCall("charge_nurse"), minutes: 15 },
        ],
    }],
    jobs: &[
        JobDef { kind: jobs::SCHEDULE_JOB, run: |state, job| jobs::schedule(state, job).boxed() },
        JobDef { kind: jobs::OVERDUE_JOB, run: |state, job| jobs::overdue(state, job).boxed() },
    ],
    schedules: jobs::schedules,
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    messages: &[
        ("en", include_str!("../../../locales/en/emar.ftl")),
        ("es", include_str!("../../../locales/es/emar.ftl")),
        ("ar", include_str!("../../../locales/ar/emar.ftl")),
    ],
    ..Module::new("emar", "Medication administration")
};
