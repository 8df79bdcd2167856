//! The patient registry: registration (MRN per facility), search, duplicates and merge,
//! unidentified patients, demographics changes, death and closure, consents, restricted records
//! with care team and break-glass, CSV import, and the rights of the patient (export, summary,
//! erasure and rectification requests).
//!
//! Other modules use: [`repo::get`] / [`repo::load`] (read a patient), [`context::PatientCtx`]
//! (the checked patient of every route below `/patients/{id}`), [`access::check`]
//! (restricted records), [`merge::merge`] and [`unmerge::unmerge`], [`rights::export`]. Notifications reach its consent
//! record through the registry ([`MODULE`]`.messaging_consent`).

// Templates shared with other modules (the banner) name this crate's items by its own name.
extern crate self as hearth_patients;

pub mod access;
pub mod api;
pub mod banner;
pub mod consent;
pub mod context;
pub mod edit;
pub mod flags;
pub mod i18n;
pub mod identity;
pub mod import;
pub mod merge;
pub mod model;
pub mod perms;
pub mod register;
pub mod repo;
pub mod rights;
pub mod search;
pub mod show;
pub mod start;
pub mod timeline;
pub mod today;
pub mod unmerge;

use axum::routing::{get, post};
use futures_util::FutureExt;

pub use consent::communication_allowed;
pub use merge::merge;

use hearth_core::app::AppState;
use hearth_core::platform::auth::CurrentUser;
use hearth_core::platform::notify::NotificationKind;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::registry::{Aad, EncryptedColumn, MergeStep, Module, NavEntry, OnMerge, PatientTable};
use hearth_core::web::search::{Group, Hit};

/// Someone broke the glass on a restricted record (privacy officers; email by default).
pub const BREAK_GLASS: NotificationKind = NotificationKind {
    code: "privacy.break_glass",
    label: "Someone broke the glass on a restricted record",
    email_by_default: true,
};

/// The patient registry's descriptor.
pub const MODULE: Module = Module {
    pages: routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[
        NavEntry { label: "Patients", href: "/patients", perm: Some(perms::PATIENTS_READ), order: 100 },
        NavEntry { label: "Patients today", href: "/patients/today", perm: Some(perms::PATIENTS_READ), order: 110 },
    ],
    permissions: perms::ALL,
    search: Some(search_provider),
    patient_tables: &[
        PatientTable {
            table: "patient_emergency_contacts",
            column: "patient_id",
            on_merge: OnMerge::Follow,
            key: "id",
        },
        PatientTable { table: "patient_identifiers", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "patient_names", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "patient_consents", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "patient_flags", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "patient_rights_requests", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "patient_care_team", column: "patient_id", on_merge: OnMerge::Custom, key: "user_id" },
        PatientTable { table: "patient_photos", column: "patient_id", on_merge: OnMerge::Custom, key: "patient_id" },
        PatientTable {
            table: "patient_break_glass",
            column: "patient_id",
            on_merge: OnMerge::Keep("who opened which record, and why, is a fact about that record"),
            key: "id",
        },
        PatientTable {
            table: "patients",
            column: "merged_into",
            on_merge: OnMerge::Keep("the merge pointer itself; a merge chain is refused"),
            key: "id",
        },
        PatientTable {
            table: "patient_merges",
            column: "survivor_id",
            on_merge: OnMerge::Keep("the merge log names both records as they were merged"),
            key: "id",
        },
        PatientTable {
            table: "patient_merges",
            column: "merged_id",
            on_merge: OnMerge::Keep("the merge log names both records as they were merged"),
            key: "id",
        },
    ],
    unmerge_notes: Some(|c, m| unmerge::registry_notes(c, m).boxed()),
    merge_steps: &[
        MergeStep {
            name: "patient_care_team",
            run: |c, s, m| merge::merge_care_team(c, s, m).boxed(),
            undo: |c, m| merge::unmerge_care_team(c, m).boxed(),
        },
        MergeStep {
            name: "patient_photos",
            run: |c, s, m| merge::merge_photo(c, s, m).boxed(),
            undo: |c, m| merge::unmerge_photo(c, m).boxed(),
        },
    ],
    encrypted_columns: &[
        EncryptedColumn { table: "patients", key: "id", column: "phone_enc", aad: Aad::Column("patients.phone") },
        EncryptedColumn {
            table: "patients",
            key: "id",
            column: "national_id_enc",
            aad: Aad::Column("patients.national_id"),
        },
        EncryptedColumn { table: "patients", key: "id", column: "address_enc", aad: Aad::Column("patients.address") },
        EncryptedColumn { table: "patients", key: "id", column: "email_enc", aad: Aad::Column("patients.email") },
        EncryptedColumn {
            table: "patients",
            key: "id",
            column: "insurance_enc",
            aad: Aad::Column("patients.insurance"),
        },
        EncryptedColumn {
            table: "patients",
            key: "id",
            column: "address_parts_enc",
            aad: Aad::Column(identity::AAD_ADDRESS_PARTS),
        },
        EncryptedColumn { table: "patients", key: "id", column: "race_enc", aad: Aad::Column(identity::AAD_RACE) },
        EncryptedColumn {
            table: "patients",
            key: "id",
            column: "ethnicity_enc",
            aad: Aad::Column(identity::AAD_ETHNICITY),
        },
        EncryptedColumn {
            table: "patient_identifiers",
            key: "id",
            column: "value_enc",
            aad: Aad::Column(identity::AAD_IDENTIFIER),
        },
        EncryptedColumn {
            table: "patient_names",
            key: "id",
            column: "given_enc",
            aad: Aad::Column(identity::AAD_NAME_GIVEN),
        },
        EncryptedColumn {
            table: "patient_names",
            key: "id",
            column: "family_enc",
            aad: Aad::Column(identity::AAD_NAME_FAMILY),
        },
        EncryptedColumn {
            table: "patient_emergency_contacts",
            key: "id",
            column: "phone_enc",
            aad: Aad::Column("patient_emergency_contacts.phone"),
        },
    ],
    notification_kinds: &[BREAK_GLASS],
    start_panels: start::PANELS,
    messaging_consent: Some(|pool, patient, channel| consent::communication_allowed(pool, patient, channel).boxed()),
    constraint_messages: &[
        ("patients_mrn_key", "This MRN was given to another record at the same moment; save again for the next one."),
        ("patients_death_after_birth", "The date of death is before the date of birth."),
        ("patients_not_merged_into_self", "A record cannot be merged into itself."),
        ("patients_merged_is_inactive", "A merged record stays closed."),
        ("patients_deceased_is_inactive", "The record of a deceased patient stays closed."),
    ],
    demo: Some(|conn, ctx| flags::demo(conn, ctx).boxed()),
    messages: &[
        ("en", include_str!("../../../locales/en/patients.ftl")),
        ("es", include_str!("../../../locales/es/patients.ftl")),
        ("ar", include_str!("../../../locales/ar/patients.ftl")),
    ],
    ..Module::new("patients", "Patients")
};

/// The registry's pages (the recorded paths let tests walk every route below a patient).
pub fn routes() -> Routes {
    Routes::new()
        .route("/patients", get(search::list).post(register::create))
        .route("/patients/new", get(register::new_form))
        .route("/patients/new/matches", get(register::matches))
        .route("/patients/today", get(today::page))
        .route("/patients/new/unidentified", get(register::unidentified_form))
        .route("/patients/unidentified", post(register::unidentified_create))
        .route("/patients/import", get(import::form).post(import::upload))
        .route("/patients/{id}", get(show::show))
        .route("/patients/{id}/edit", get(edit::edit_form).post(edit::update))
        .route("/patients/{id}/close", get(edit::close_form))
        .route("/patients/{id}/deactivate", post(edit::deactivate))
        .route("/patients/{id}/reactivate", post(edit::reactivate))
        .route("/patients/{id}/death", post(edit::death))
        .route("/patients/{id}/contacts", post(edit::add_contact))
        .route("/patients/{id}/contacts/{cid}/delete", post(edit::delete_contact))
        .route("/patients/{id}/identifiers", post(identity::add_identifier_page))
        .route("/patients/{id}/identifiers/{iid}/delete", post(identity::remove_identifier_page))
        .route("/patients/{id}/names", post(identity::add_name_page))
        .route("/patients/{id}/names/{nid}/delete", post(identity::remove_name_page))
        .route("/patients/{id}/photo", get(edit::photo).post(edit::upload_photo))
        .route("/patients/{id}/photo/delete", post(edit::delete_photo))
        .route("/patients/{id}/flags", get(flags::page).post(flags::update))
        .route("/patients/{id}/merge", get(merge::merge_form).post(merge::merge_submit))
        .route("/patients/{id}/merges", get(unmerge::history_page))
        .route("/patients/{id}/merges/{merge}/undo", get(unmerge::confirm_page).post(unmerge::undo))
        .route("/patients/{id}/consents", post(consent::create))
        .route("/patients/{id}/break-glass", post(access::break_glass))
        .route("/patients/{id}/care-team", post(access::update_team))
        .route("/patients/{id}/restricted", post(access::set_restricted))
        .route("/patients/{id}/export.json", get(rights::export_json))
        .route("/patients/{id}/registration-summary", get(rights::summary))
        .route("/patients/{id}/requests", get(rights::requests).post(rights::file_request))
        .route("/patients/{id}/requests/{rid}/decide", post(rights::decide))
}

/// The patients module's part of the global search.
pub fn search_provider<'a>(
    state: &'a AppState,
    user: &'a CurrentUser,
    q: &'a str,
    limit: i64,
) -> hearth_core::web::search::SearchFuture<'a> {
    Box::pin(async move {
        if !user.can(crate::perms::PATIENTS_READ) {
            return Ok(None);
        }
        let rows = search::suggest(&state.pool, &state.keys, user, q, limit).await?;
        let hits = rows
            .iter()
            .map(|r| Hit {
                label: r.full_name(),
                detail: if r.masked {
                    format!("{} · restricted", r.mrn)
                } else {
                    format!("{} · {} · born {} · {}", r.mrn, r.sex, r.birth(), r.status())
                },
                href: format!("/patients/{}", r.id),
            })
            .collect();
        let more = serde_urlencoded::to_string([("q", q)]).ok().map(|qs| format!("/patients?{qs}"));
        Ok(Some(Group { title: "Patients", hits, more }))
    })
}
