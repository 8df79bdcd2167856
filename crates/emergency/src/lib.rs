//! The emergency department: arrival (quick registration, existing or unidentified patients,
//! arrival mode, medico-legal flag), ESI v4 triage ([`esi`], a pure function) with the vital
//! signs recorded on the chart, bays with capacity (the database refuses two patients in a
//! single-occupancy bay), the live tracking board and its wall display, disposition (admit with
//! boarding, transfer, discharge with printable instructions, left without being seen, against
//! advice, deceased), and timers that raise clinical alerts. See `docs/modules/emergency.md`.

pub mod api;
pub mod board;
pub mod demo;
pub mod esi;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod perms;
pub mod repo;

use futures_util::FutureExt;
use hearth_core::registry::{
    AlertAddressee, AlertKind, AlertStep, ChartTab, ExportSections, JobDef, Module, NavEntry, OnMerge, PatientTable,
    TimelineSource,
};

pub use repo::{admit_decisions, depart, open_visit_id, AdmitDecision};

/// The emergency department's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "Emergency", href: "/emergency", perm: Some(perms::READ), order: 45 }],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "emergency", label: "Emergency", suffix: "emergency", order: 30 }],
    timeline: &[TimelineSource {
        kind: "ed_visit",
        label: "Emergency visit",
        select: "SELECT v.arrived_at, 'ed_visit', v.id, 'Emergency: ' || v.chief_complaint,
                        concat_ws(' · ', 'ESI ' || v.esi, v.disposition),
                        v.status
                 FROM ed_visits v WHERE v.patient_id = $1",
        at: "v.arrived_at",
        id: "v.id",
        href: "/patients/{patient}/emergency",
    }],
    patient_tables: &[
        PatientTable { table: "ed_visits", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "ed_triages", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
    ],
    export: Some(ExportSections {
        sections: &["emergency_visits", "emergency_triages"],
        perm: perms::READ,
        fetch: |state, id| {
            async move {
                Ok(serde_json::json!({
                    "emergency_visits": repo::list(&state.pool, id).await?,
                    "emergency_triages": repo::patient_triages(&state.pool, id).await?,
                }))
            }
            .boxed()
        },
    }),
    constraint_messages: &[
        ("ed_visits_one_open", "This patient is already in the emergency department."),
        ("ed_visits_single_bay", "That bay is occupied by another patient."),
        ("ed_visits_bay", "The bay's capacity changed; choose the bay again."),
        ("ed_bays_code_unique", "A bay with this code already exists."),
        ("ed_bays_id_single", "A bay with this code already exists."),
        ("ed_triages_reason", "A final level other than the algorithm's needs a reason."),
    ],
    alert_kinds: &[
        AlertKind {
            kind: repo::CLINICIAN_WAIT_ALERT,
            label: "ED patient waiting beyond the ESI target for a clinician",
            default_chain: &[
                AlertStep { to: AlertAddressee::Given, minutes: 5 },
                AlertStep { to: AlertAddressee::OnCall("charge_nurse"), minutes: 5 },
                AlertStep { to: AlertAddressee::OnCall("doctor"), minutes: 10 },
            ],
        },
        AlertKind {
            kind: repo::LENGTH_OF_STAY_ALERT,
            label: "ED length of stay beyond the target",
            default_chain: &[
                AlertStep { to: AlertAddressee::Given, minutes: 30 },
                AlertStep { to: AlertAddressee::OnCall("charge_nurse"), minutes: 30 },
                AlertStep { to: AlertAddressee::OnCall("consultant"), minutes: 30 },
            ],
        },
    ],
    jobs: &[
        JobDef { kind: jobs::TIMERS_JOB, run: |state, job| jobs::timers(state, job).boxed() },
        JobDef { kind: repo::BED_ADMITTED_JOB, run: |state, job| jobs::bed_admitted(state, job).boxed() },
    ],
    schedules: jobs::schedules,
    on_death: Some(|conn, meta, patient| repo::on_death(conn, meta, patient).boxed()),
    care_providers: Some(|conn, patient| repo::care_providers(conn, patient).boxed()),
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    messages: &[
        ("en", include_str!("../../../locales/en/emergency.ftl")),
        ("es", include_str!("../../../locales/es/emergency.ftl")),
        ("ar", include_str!("../../../locales/ar/emergency.ftl")),
    ],
    ..Module::new("emergency", "Emergency department")
};
