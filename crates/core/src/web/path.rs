//! Path parameters whose malformed values are "not found".
//!
//! [`Path`] is axum's `Path` with one difference: a parameter that does not deserialize into its
//! type (an id that is not a UUID, a version that is not a number, bytes that are not UTF-8) is
//! [`AppError::NotFound`] (404 page or problem+json) instead of axum's plain-text 400. A URL
//! naming something that cannot exist is a missing page, whatever its spelling; no handler parses
//! ids by hand.
//!
//! ```ignore
//! use hearth_core::web::Path;
//! // `/patients/{id}/notes/{item}`: the patient id is the `PatientCtx`'s, the item is ours.
//! async fn show(patient: ChartPatient, Path((_, item)): Path<(String, Uuid)>) -> AppResult<Response>
//! ```
//!
//! A route whose parameters do not match the type's shape (a tuple of the wrong length) is a
//! programming error: 500, logged.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Axum's `Path` extractor, answering 404 for values that do not parse (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => match e.kind() {
                ErrorKind::WrongNumberOfParameters { .. } | ErrorKind::UnsupportedType { .. } => Err(
                    AppError::Internal(anyhow::anyhow!("path parameters do not fit the handler: {}", e.body_text())),
                ),
                _ => Err(AppError::NotFound),
            },
            Err(e) => Err(AppError::Internal(anyhow::anyhow!("path parameters: {}", e.body_text()))),
        }
    }
}
