//! Inpatient care (issue 17, phase 1): wards, rooms and beds per facility; bed status with
//! guarded transitions; ONE bed-allocation table for occupancy and holds with exclusion
//! constraints (no two patients in one bed, no patient in two beds); admission, two-step transfer,
//! leave of absence and discharge opening and closing the chart's inpatient encounter;
//! housekeeping; a live bed board, a printable census and a ward view with the chart's NEWS2;
//! the chart's "Admissions" tab, timeline, merge and export; a JSON API shaped for FHIR
//! Location and Encounter. See `docs/modules/inpatient.md`.

pub mod api;
pub mod bed_requests;
pub mod demo;
pub mod model;
pub mod pages;
pub mod perms;
pub mod placement;
pub mod repo;

use futures_util::FutureExt;
use hearth_core::registry::{ChartTab, ExportSections, Module, NavEntry, OnMerge, PatientTable, TimelineSource};

/// Inpatient care's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[
        NavEntry { label: "Bed board", href: "/inpatient", perm: Some(perms::READ), order: 120 },
        NavEntry {
            label: "Housekeeping",
            href: "/inpatient/housekeeping",
            perm: Some(perms::HOUSEKEEPING),
            order: 125,
        },
        NavEntry { label: "Bed placement", href: "/inpatient/placement", perm: Some(perms::PLACEMENT), order: 122 },
        NavEntry { label: "Wards and beds", href: "/inpatient/config", perm: Some(perms::CONFIGURE), order: 880 },
    ],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "inpatient", label: "Admissions", suffix: "inpatient", order: 105 }],
    timeline: &[
        TimelineSource {
            kind: "admission",
            label: "Admission",
            select: "SELECT a.admitted_at, 'admission', a.id, 'Admitted to ' || w.name,
                            concat_ws(' · ', nullif(a.diagnosis, ''), a.icd_code, 'from ' || a.source), a.status
                     FROM inpatient_admissions a JOIN inpatient_wards w ON w.id = a.admitting_ward_id WHERE a.patient_id = $1",
            at: "a.admitted_at",
            id: "a.id",
            href: "/patients/{patient}/inpatient",
        },
        TimelineSource {
            kind: "discharge",
            label: "Discharge",
            select: "SELECT a.discharged_at, 'discharge', a.id, 'Discharged from ' || w.name,
                            'disposition: ' || replace(a.disposition, '_', ' '), a.status
                     FROM inpatient_admissions a JOIN inpatient_wards w ON w.id = a.ward_id
                     WHERE a.patient_id = $1 AND a.discharged_at IS NOT NULL",
            at: "a.discharged_at",
            id: "a.id",
            href: "/patients/{patient}/inpatient",
        },
    ],
    patient_tables: &[
        PatientTable { table: "inpatient_admissions", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "inpatient_bed_allocations", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "inpatient_transfers", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "ip_bed_requests", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
    ],
    notification_kinds: &[bed_requests::BED_ASSIGNED],
    export: Some(ExportSections {
        sections: &["inpatient_admissions", "inpatient_transfers"],
        perm: perms::READ,
        fetch: |state, id| {
            async move {
                Ok(serde_json::json!({
                    "inpatient_admissions": repo::admissions(&state.pool, id).await?,
                    "inpatient_transfers": repo::transfers(&state.pool, id).await?,
                }))
            }
            .boxed()
        },
    }),
    constraint_messages: &[
        ("inpatient_wards_code_unique", "A ward with this code already exists at the facility."),
        ("inpatient_rooms_code_unique", "A room with this code already exists on the ward."),
        ("inpatient_beds_code_unique", "A bed with this code already exists on the ward."),
        ("inpatient_admissions_one_open", "The patient is already admitted."),
        ("inpatient_bed_allocations_one_per_bed", "The bed is occupied or held for another patient at that time."),
        ("inpatient_bed_allocations_one_bed_per_patient", "The patient is already in another bed at that time."),
        ("inpatient_transfers_one_open", "A transfer of this stay is already under way."),
        ("inpatient_admissions_discharge_after", "The discharge is before the admission."),
        ("inpatient_cleaning_tasks_one_open", "The bed already waits to be cleaned."),
        ("ip_bed_requests_one_open", "The patient already has an open bed request."),
    ],
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    on_death: Some(|conn, meta, patient| repo::on_death(conn, meta, patient).boxed()),
    messages: &[
        ("en", include_str!("../../../locales/en/inpatient.ftl")),
        ("es", include_str!("../../../locales/es/inpatient.ftl")),
        ("ar", include_str!("../../../locales/ar/inpatient.ftl")),
    ],
    ..Module::new("inpatient", "Inpatient care")
};
