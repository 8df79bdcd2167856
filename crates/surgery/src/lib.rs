//! Surgery and operating theatres, phase 1: theatres per facility and their sessions (lists), a
//! procedure catalogue, case booking (team, anaesthesia, priority, blood attestation, expected
//! duration from the surgeon's median; the database refuses a theatre booked twice at once),
//! cancellation with coded reasons and rebooking, pre-operative readiness (side agreement across
//! booking, consent and marking), the WHO Surgical Safety Checklist steering the case's stages
//! (an emergency records what happened and flags the case), counts, recovery (modified Aldrete
//! score), charge capture, the theatre board and the chart's Surgery tab. See
//! `docs/modules/surgery.md`.

pub mod api;
pub mod demo;
pub mod model;
pub mod pages;
pub mod perms;
pub mod repo;

use futures_util::FutureExt;
use hearth_core::registry::{ChartTab, ExportSections, Module, NavEntry, OnMerge, PatientTable};

/// The surgery module's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "Theatres", href: "/surgery", perm: Some(perms::READ), order: 65 }],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "surgery", label: "Surgery", suffix: "surgery", order: 175 }],
    patient_tables: &[PatientTable {
        table: "surgery_cases",
        column: "patient_id",
        on_merge: OnMerge::Follow,
        key: "id",
    }],
    export: Some(ExportSections {
        sections: &["surgery_cases"],
        perm: perms::READ,
        fetch: |state, id| {
            async move { Ok(serde_json::json!({ "surgery_cases": repo::patient_cases(&state.pool, id).await? })) }
                .boxed()
        },
    }),
    constraint_messages: &[
        ("surgery_cases_theatre_free", "The theatre is already booked for another case at that time."),
        ("surgery_sessions_no_overlap", "The theatre already has a list at that time."),
        ("surgery_theatres_code_unique", "A theatre of this facility already has this code."),
        ("surgery_checklist_once", "This checklist item is already confirmed."),
        ("surgery_cases_one_role_each", "Each member of the team holds one role: choose different people."),
        ("surgery_cases_target", "An urgent or emergency case needs its target time."),
    ],
    reference_data: Some(|pool| repo::ensure_loaded(pool).boxed()),
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    on_death: Some(|conn, meta, patient| repo::on_death(conn, meta, patient).boxed()),
    messages: &[
        ("en", include_str!("../../../locales/en/surgery.ftl")),
        ("es", include_str!("../../../locales/es/surgery.ftl")),
        ("ar", include_str!("../../../locales/ar/surgery.ftl")),
    ],
    ..Module::new("surgery", "Surgery")
};
