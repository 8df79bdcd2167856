//! The immunization record: vaccines given here, reported from elsewhere, or not given (with
//! why), CVX-coded, with lot, expiry, site, route and dose; a chart tab, timeline entries, merge
//! and export, a JSON API, demo data; immunization orders on the orders core. It is also the project's example module: a new module copies
//! its shape (see `docs/modules.md`).

pub mod api;
pub mod demo;
pub mod model;
pub mod orders;
pub mod pages;
pub mod perms;
pub mod repo;

use futures_util::FutureExt;
use hearth_core::registry::{
    AlertAddressee, AlertKind, AlertStep, ChartTab, ExportSections, Module, OnMerge, PatientTable, TimelineSource,
};

/// The immunization record's descriptor: the one value through which it plugs into Hearth.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "immunizations", label: "Immunizations", suffix: "immunizations", order: 160 }],
    timeline: &[TimelineSource {
        kind: "immunization",
        label: "Immunization",
        select: "SELECT i.occurred_at, 'immunization', i.id, v.name,
                        concat_ws(' · ', CASE WHEN i.dose_number IS NOT NULL THEN 'dose ' || i.dose_number END,
                                  CASE WHEN i.lot_number IS NOT NULL THEN 'lot ' || i.lot_number END,
                                  CASE WHEN NOT i.primary_source THEN 'reported' END),
                        i.status
                 FROM immunizations i JOIN vaccines v ON v.cvx = i.cvx WHERE i.patient_id = $1",
        at: "i.occurred_at",
        id: "i.id",
        href: "/patients/{patient}/immunizations",
    }],
    patient_tables: &[PatientTable {
        table: "immunizations",
        column: "patient_id",
        on_merge: OnMerge::Follow,
        key: "id",
    }],
    export: Some(ExportSections {
        sections: &["immunizations"],
        perm: perms::READ,
        fetch: |state, id| {
            async move { Ok(serde_json::json!({ "immunizations": repo::list(&state.pool, id).await? })) }.boxed()
        },
    }),
    constraint_messages: &[
        ("immunizations_once", "This vaccine is already recorded for the patient at that date and time."),
        ("immunizations_one_per_order", "A dose is already recorded for this order."),
    ],
    alert_kinds: &[AlertKind {
        kind: repo::REACTION_ALERT,
        label: "Immediate adverse reaction to a vaccine",
        default_chain: &[
            AlertStep { to: AlertAddressee::Attending, minutes: 10 },
            AlertStep { to: AlertAddressee::OnCall("charge_nurse"), minutes: 10 },
            AlertStep { to: AlertAddressee::OnCall("doctor"), minutes: 15 },
        ],
    }],
    reference_data: Some(|pool| repo::ensure_catalogue(pool).boxed()),
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    order_kinds: &[orders::KIND],
    messages: &[
        ("en", include_str!("../../../locales/en/immunizations.ftl")),
        ("es", include_str!("../../../locales/es/immunizations.ftl")),
        ("ar", include_str!("../../../locales/ar/immunizations.ftl")),
    ],
    ..Module::new("immunizations", "Immunizations")
};
