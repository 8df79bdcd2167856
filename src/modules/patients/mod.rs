//! Patient registry (minimal for the platform; the full EHR builds on it).

pub mod handlers;
pub mod repo;

use axum::routing::get;
use axum::Router;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/patients", get(handlers::list).post(handlers::create))
        .route("/patients/new", get(handlers::new_form))
        .route("/patients/{id}", get(handlers::show))
        .route("/search", get(handlers::global_search))
        .route("/search/suggest", get(handlers::suggest))
}
