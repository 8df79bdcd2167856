//! Appointments, clinic schedules and the outpatient queue (issue 16, phase 1).
//!
//! Clinicians' weekly templates (local wall-clock times in the facility's IANA zone) are
//! materialised into sessions and slots weeks ahead by a daily job; the database refuses
//! overlapping sessions of a clinician (an exclusion constraint) and bookings beyond a slot's
//! capacity (one row per seat, unique per slot). The front desk books, reschedules, cancels and
//! checks patients in: check-in issues a queue token, starts the visit encounter through the
//! chart's functions and captures the consultation fee. The queue page is live (SSE). See
//! `docs/modules/appointments.md`.

pub mod api;
pub mod demo;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod perms;
pub mod repo;
pub mod visit;

use futures_util::FutureExt;
use hearth_core::registry::{
    ChartTab, ExportSections, JobDef, Module, NavEntry, OnMerge, PatientTable, TimelineSource,
};

/// The appointments module's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[
        NavEntry { label: "Appointments", href: "/appointments", perm: Some(perms::READ), order: 120 },
        NavEntry { label: "Outpatient queue", href: "/appointments/queue", perm: Some(perms::READ), order: 121 },
        NavEntry {
            label: "Clinic schedules",
            href: "/appointments/schedules",
            perm: Some(perms::SCHEDULE),
            order: 122,
        },
    ],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "appointments", label: "Appointments", suffix: "appointments", order: 105 }],
    timeline: &[TimelineSource {
        kind: "appointment",
        label: "Appointment",
        select: "SELECT a.starts_at, 'appointment', a.id,
                        'Appointment · ' || replace(a.visit_type, '_', '-'),
                        coalesce(u.display_name, ''), a.status
                 FROM appt_appointments a LEFT JOIN users u ON u.id = a.clinician_id WHERE a.patient_id = $1",
        at: "a.starts_at",
        id: "a.id",
        href: "/patients/{patient}/appointments",
    }],
    patient_tables: &[
        PatientTable { table: "appt_appointments", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "appt_queue", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
    ],
    export: Some(ExportSections {
        sections: &["appointments"],
        perm: perms::READ,
        fetch: |state, id| {
            async move { Ok(serde_json::json!({ "appointments": repo::for_patient(&state.pool, id).await? })) }.boxed()
        },
    }),
    constraint_messages: &[
        ("appt_appointments_seat", "The slot was just booked by someone else; choose another slot."),
        ("appt_appointments_patient_once", "The patient is already booked in this slot."),
        ("appt_sessions_no_overlap", "The clinician already has a clinic session at that time."),
        ("appt_sessions_once", "The session of this template for that day exists already."),
        ("appt_queue_token_once", "The queue token was just taken; try again."),
        ("appt_queue_once_per_appointment", "The appointment is checked in already."),
        ("appt_templates_times", "The session must end after it starts."),
        ("appt_templates_dates", "The last day cannot be before the first."),
    ],
    jobs: &[
        JobDef { kind: jobs::MATERIALISE, run: |state, job| jobs::materialise(state, job).boxed() },
        JobDef { kind: jobs::NO_SHOW, run: |state, job| jobs::no_show(state, job).boxed() },
    ],
    schedules: jobs::schedules,
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    on_death: Some(|conn, meta, patient| repo::on_death(conn, meta, patient).boxed()),
    messages: &[
        ("en", include_str!("../../../locales/en/appointments.ftl")),
        ("es", include_str!("../../../locales/es/appointments.ftl")),
        ("ar", include_str!("../../../locales/ar/appointments.ftl")),
    ],
    ..Module::new("appointments", "Appointments")
};
