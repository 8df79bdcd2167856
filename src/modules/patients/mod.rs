//! The patient registry: registration (MRN per facility), search, duplicates and merge,
//! unidentified patients, demographics changes, death and closure, consents, restricted records
//! with care team and break-glass, CSV import, and the rights of the patient (export, summary,
//! erasure and rectification requests).
//!
//! Other modules use: [`repo::get`] / [`repo::load`] (read a patient), [`context::PatientCtx`]
//! (the checked patient of every route below `/patients/{id}`), [`access::check`]
//! (restricted records), [`consent::communication_allowed`] (notifications), [`merge::merge`]
//! and [`merge::PATIENT_REFERENCES`] (tables that follow a merge), [`rights::export`].

pub mod access;
pub mod consent;
pub mod context;
pub mod edit;
pub mod import;
pub mod merge;
pub mod model;
pub mod register;
pub mod repo;
pub mod rights;
pub mod search;
pub mod show;
pub mod today;

use axum::routing::{get, post};
use axum::Router;

pub use consent::communication_allowed;
pub use merge::{merge, PATIENT_REFERENCES};

use crate::app::AppState;
use crate::platform::auth::CurrentUser;
use crate::platform::rbac::{HasPerms, Perm};
use crate::platform::routes::Routes;
use crate::web::search::{Group, Hit};

pub fn router() -> Router<AppState> {
    routes().into_router()
}

/// The registry's pages (the recorded paths let tests walk every route below a patient).
pub fn routes() -> Routes {
    Routes::new()
        .route("/patients", get(search::list).post(register::create))
        .route("/patients/new", get(register::new_form))
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
        .route("/patients/{id}/photo", get(edit::photo).post(edit::upload_photo))
        .route("/patients/{id}/photo/delete", post(edit::delete_photo))
        .route("/patients/{id}/merge", get(merge::merge_form).post(merge::merge_submit))
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
) -> crate::web::search::SearchFuture<'a> {
    Box::pin(async move {
        if !user.can(Perm::PatientsRead) {
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
