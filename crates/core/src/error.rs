//! One error type for handlers. A handler's error becomes a bare response carrying
//! [`ErrorInfo`]; the `render_errors` middleware then renders it as an HTML page or as
//! RFC 7807 problem+json depending on the route kind, so handlers never care which.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("sign-in required")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request's security token is missing or wrong; reload the page and try again")]
    Csrf,
    #[error("service unavailable")]
    Unavailable,
    /// A time limit ran out: the request's, or the database's statement or lock timeout.
    #[error("busy")]
    Busy,
    #[error("too many attempts; wait {0} seconds and try again")]
    TooManyRequests(u64),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What the error renderer needs; safe to show (no internals).
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
}

pub fn title_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Bad request",
        401 => "Sign-in required",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Conflict",
        413 => "Request too large",
        415 => "Unsupported media type",
        422 => "Invalid input",
        429 => "Too many requests",
        503 => "Service unavailable",
        s if s >= 500 => "Something went wrong",
        _ => "Request failed",
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unavailable | AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = match &self {
            AppError::TooManyRequests(s) => Some(*s),
            AppError::Busy => Some(5),
            _ => None,
        };
        let detail = match &self {
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                "The error was logged. Quote the request id below if you contact support.".to_string()
            }
            AppError::Unavailable => "The database is unreachable. Try again in a moment.".to_string(),
            AppError::Busy => "The server is busy and could not answer in time. Try again in a moment.".to_string(),
            AppError::NotFound => "There is nothing at this address, or you may not see it.".to_string(),
            AppError::Forbidden => "Your role does not allow this. Ask an administrator if you need it.".to_string(),
            AppError::Unauthenticated => "Please sign in.".to_string(),
            other => other.to_string(),
        };
        let mut res = status.into_response();
        if let Some(s) = retry_after {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(s));
        }
        res.extensions_mut().insert(ErrorInfo { status, title: title_for(status), detail });
        res
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::error!(error = %e, "database unavailable");
                AppError::Unavailable
            }
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::Database(db) if db.code().as_deref() == Some("57P01") => AppError::Unavailable,
            // A NUL character (PostgreSQL text cannot hold it) that no edge filter caught: the
            // client's input is at fault, and nothing was stored.
            sqlx::Error::Database(db) if db.code().as_deref() == Some("22021") => {
                AppError::BadRequest("The request contains a character that cannot be stored (NUL).".into())
            }
            // statement_timeout (query_canceled) and lock_timeout (lock_not_available).
            sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("57014" | "55P03")) => {
                tracing::warn!(code = db.code().as_deref().unwrap_or(""), "a statement ran out of time");
                AppError::Busy
            }
            _ => AppError::Internal(e.into()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(anyhow::anyhow!("template: {e}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
