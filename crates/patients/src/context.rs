//! The patient context of a request: the `{id}` of every route below `/patients/{id}` and
//! `/api/v1/patients/{id}`, decoded once and checked once.
//!
//! [`PatientCtx`] is a handler argument that *is* the restricted-record check: it takes the id
//! from axum's own path parameters (percent-decoded exactly as `Path` decodes them, so the check
//! and the handler can never see different ids), refuses anything that is not a UUID (404),
//! a missing record (404) and a restricted record the caller may not open (pages: a redirect to
//! the break-glass page, the API: 403), and hands the checked id to the handler. A handler that
//! needs more of the record with the check (the chart's banner) names it as `PatientCtx<T>` with
//! `T: PatientLoad`, and both come from one query.
//!
//! Only the patient page and the break-glass action, which must work on a record the caller may
//! not open yet, take the unchecked [`PatientPathId`] and decide themselves.

use std::future::Future;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::access::{self, Access};
use hearth_core::app::AppState;
use hearth_core::error::AppError;
use hearth_core::platform::auth::CurrentUser;

/// What a route reads about the patient together with the access check, in one query.
pub trait PatientLoad: Sized + Send {
    /// The data and whether `user` may open the record; `None` when there is no such patient.
    fn load(
        state: &AppState,
        id: Uuid,
        user: &CurrentUser,
    ) -> impl Future<Output = sqlx::Result<Option<(Self, bool)>>> + Send;
}

/// Nothing but the check.
impl PatientLoad for () {
    async fn load(state: &AppState, id: Uuid, user: &CurrentUser) -> sqlx::Result<Option<((), bool)>> {
        Ok(match access::check(&state.pool, user, id).await? {
            Access::Missing => None,
            Access::Allowed => Some(((), true)),
            Access::Restricted => Some(((), false)),
        })
    }
}

/// A patient the caller may open, from the route's `{id}` (see the module documentation).
#[derive(Debug, Clone)]
pub struct PatientCtx<T = ()> {
    pub id: Uuid,
    /// What `T::load` read with the check.
    pub data: T,
}

impl<T: PatientLoad> FromRequestParts<AppState> for PatientCtx<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if parts.extensions.get::<CurrentUser>().is_none() {
            return Err(AppError::Unauthenticated.into_response());
        }
        let id = path_id(parts).await.map_err(IntoResponse::into_response)?;
        let Some(user) = parts.extensions.get::<CurrentUser>() else {
            return Err(AppError::Unauthenticated.into_response());
        };
        match T::load(state, id, user).await {
            Ok(Some((data, true))) => Ok(PatientCtx { id, data }),
            Ok(Some((_, false))) => Err(refuse(parts, id)),
            Ok(None) => Err(AppError::NotFound.into_response()),
            Err(e) => Err(AppError::from(e).into_response()),
        }
    }
}

/// Restricted and not entitled: pages go to the registry's patient page, which offers
/// break-glass; the API answers 403.
fn refuse(parts: &Parts, id: Uuid) -> Response {
    let path = parts.uri.path();
    if path.starts_with("/api/") || path.starts_with("/fhir") {
        AppError::Forbidden.into_response()
    } else {
        Redirect::to(&format!("/patients/{id}")).into_response()
    }
}

/// The route's `{id}` as a UUID, decoded like [`PatientCtx`] but without the access check: for
/// the patient page and break-glass only, which decide access themselves.
#[derive(Debug, Clone, Copy)]
pub struct PatientPathId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PatientPathId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        path_id(parts).await.map(PatientPathId)
    }
}

/// The `{id}` path parameter, percent-decoded by axum; anything that is not a UUID is 404.
async fn path_id(parts: &mut Parts) -> Result<Uuid, AppError> {
    let params = RawPathParams::from_request_parts(parts, &()).await.map_err(|_| AppError::NotFound)?;
    let raw = params
        .iter()
        .find(|(k, _)| *k == "id")
        .map(|(_, v)| v)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a patient route without an {{id}} parameter")))?;
    Uuid::try_parse(raw).map_err(|_| AppError::NotFound)
}
