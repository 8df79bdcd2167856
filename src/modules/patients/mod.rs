//! Patient registry (minimal for the platform; the full EHR builds on it).

pub mod handlers;
pub mod repo;

use axum::routing::get;
use axum::Router;

use crate::app::AppState;
use crate::platform::auth::CurrentUser;
use crate::platform::rbac::{HasPerms, Perm};
use crate::web::search::{Group, Hit};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/patients", get(handlers::list).post(handlers::create))
        .route("/patients/new", get(handlers::new_form))
        .route("/patients/{id}", get(handlers::show))
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
        let rows = repo::search(&state.pool, &state.keys, q, None, limit).await?;
        let hits = rows
            .iter()
            .map(|r| Hit {
                label: r.full_name(),
                detail: format!("{} · {} · born {}", r.mrn, r.sex, r.birth()),
                href: format!("/patients/{}", r.id),
            })
            .collect();
        let more = serde_urlencoded::to_string([("q", q)]).ok().map(|qs| format!("/patients?{qs}"));
        Ok(Some(Group { title: "Patients", hits, more }))
    })
}
