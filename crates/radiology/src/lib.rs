//! Radiology, phase 1: a catalogue of modalities, rooms per facility and procedures (body part,
//! laterality, contrast, ionising, duration, preparation, charge code, normal report template);
//! imaging orders through the orders core (kind `imaging`, clinical question and laterality
//! required); protocolling by a radiologist (accept, change, reject with a reason); safety checks
//! before booking (ACR–NKF 2020 contrast and eGFR, pregnancy, prior contrast reaction, MRI
//! implants) with overrides stored with their reason; booking onto a room (no double booking:
//! an exclusion constraint); the technologist's worklist with a DB-generated accession number;
//! reports (preliminary → final signed by a radiologist, immutable; addenda), critical findings
//! alerting the orderer, the results inbox, charge capture and the chart's Imaging tab.
//! See `docs/modules/radiology.md`.

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

/// Radiology's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "Radiology", href: "/radiology", perm: Some(perms::READ), order: 65 }],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "radiology", label: "Imaging", suffix: "radiology", order: 175 }],
    patient_tables: &[
        PatientTable { table: "rad_orders", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "rad_overrides", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "rad_reports", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "rad_addenda", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
    ],
    export: Some(ExportSections {
        sections: &["radiology_orders"],
        perm: perms::READ,
        fetch: |state, id| {
            async move { Ok(serde_json::json!({ "radiology_orders": repo::patient_orders(&state.pool, id).await? })) }
                .boxed()
        },
    }),
    constraint_messages: &[
        ("rad_orders_room_free", "The room is already booked at that time."),
        ("rad_orders_one_per_header", "This order already has its imaging request."),
        ("rad_orders_accession_unique", "This accession number is already used."),
        ("rad_rooms_code_unique", "A room with this code already exists at this facility."),
        ("rad_reports_one_per_order", "This exam already has a report."),
    ],
    alert_kinds: &[AlertKind {
        kind: repo::CRITICAL_ALERT,
        label: "Critical imaging finding",
        default_chain: &[
            AlertStep { to: AlertAddressee::Given, minutes: 15 },
            AlertStep { to: AlertAddressee::OnCall("doctor"), minutes: 15 },
        ],
    }],
    reference_data: Some(|pool| catalogue::ensure_loaded(pool).boxed()),
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    on_death: Some(|conn, meta, patient| repo::on_death(conn, meta, patient).boxed()),
    order_kinds: &[orders::KIND],
    messages: &[
        ("en", include_str!("../../../locales/en/radiology.ftl")),
        ("es", include_str!("../../../locales/es/radiology.ftl")),
        ("ar", include_str!("../../../locales/ar/radiology.ftl")),
    ],
    ..Module::new("radiology", "Radiology")
};
