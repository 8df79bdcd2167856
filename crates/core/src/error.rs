//! One error type for handlers. A handler's error becomes a bare response carrying
//! [`ErrorInfo`]; the `render_errors` middleware then renders it as an HTML page or as
//! RFC 7807 problem+json depending on the route kind, so handlers never care which.
//!
//! Two kinds carry structure:
//! - [`AppError::Invalid`] holds [`FieldErrors`]: 422, on the API a problem document with
//!   `errors: [{field, message}]` (and `detail` naming them all), on an error page a list.
//! - [`AppError::Constraint`] is what a refused write becomes (see `From<sqlx::Error>`): a unique
//!   or exclusion violation is 409, a foreign key, CHECK, NOT NULL or bad value 422. The message is
//!   never the database's: the module's message for the constraint (its descriptor's
//!   `constraint_messages`), else a generic one.

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
    /// Fields that failed validation (422 with each field's message).
    #[error("{}", .0.summary())]
    Invalid(FieldErrors),
    /// A constraint of the database refused a write (409 or 422, with a safe message).
    #[error("{}", .0.message)]
    Constraint(ConstraintViolation),
    #[error("{0}")]
    Conflict(String),
    /// A body or an uploaded file over its limit (413); the message names the limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("The form could not be accepted: its page was open for too long, or your session ended. Reload the page (or sign in again) and send it again — your draft is kept in this browser.")]
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
    /// Field errors (422 answers): `(field, message)`.
    pub fields: Vec<(String, String)>,
    /// The database constraint that refused the request, if that is what happened: the renderer
    /// replaces `detail` with the module's message for it (`Module::constraint_messages`).
    pub constraint: Option<String>,
}

impl ErrorInfo {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ErrorInfo {
        ErrorInfo { status, title: title_for(status), detail: detail.into(), fields: Vec::new(), constraint: None }
    }
}

/// Form field errors: for re-rendering a form (pages) or as a structured 422 (`?` turns them
/// into [`AppError::Invalid`]).
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub Vec<(&'static str, String)>);

impl FieldErrors {
    /// One field's error.
    pub fn one(field: &'static str, msg: impl Into<String>) -> FieldErrors {
        FieldErrors(vec![(field, msg.into())])
    }
    pub fn add(&mut self, field: &'static str, msg: impl Into<String>) {
        self.0.push((field, msg.into()));
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `Ok(())` without errors, else `Err(AppError::Invalid)`.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
    /// "field: message; field: message" (the problem document's `detail`).
    pub fn summary(&self) -> String {
        self.0.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; ")
    }
    /// Every message, without field names (a flash or a page that names no fields).
    pub fn messages(&self) -> String {
        self.0.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" ")
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Invalid(e)
    }
}

impl AppError {
    /// A 422 naming one field.
    pub fn field(field: &'static str, msg: impl Into<String>) -> AppError {
        AppError::Invalid(FieldErrors::one(field, msg))
    }
}

/// A write the database refused because of a constraint (see [`AppError::Constraint`]).
#[derive(Debug, Clone)]
pub struct ConstraintViolation {
    /// 409 (unique, exclusion, a state rule raised by a trigger) or 422 (foreign key, CHECK,
    /// NOT NULL, a value out of range).
    pub status: StatusCode,
    /// The constraint's name, when the database gave one.
    pub constraint: Option<String>,
    /// The generic message for its kind (replaced by the module's message for the constraint).
    pub message: String,
}

const UNIQUE_MESSAGE: &str = "This would duplicate an existing record (or one saved at the same moment).";
const EXCLUSION_MESSAGE: &str = "This overlaps an existing record (or one saved at the same moment).";
const FOREIGN_KEY_MESSAGE: &str =
    "A record this refers to does not exist (or no longer does), or others still refer to this one.";
const CHECK_MESSAGE: &str = "A value is outside what this record allows.";
const NOT_NULL_MESSAGE: &str = "A required value is missing.";
const DATA_MESSAGE: &str = "A value cannot be stored as given (out of range or malformed).";
const STATE_MESSAGE: &str = "The record changed in the meantime and no longer allows this; reload and try again.";

impl ConstraintViolation {
    /// The violation a database error is, if it is one (by SQLSTATE: class 23, `22xxx` data
    /// exceptions, and `42501` raised by a trigger that keeps a record unchanged).
    pub fn from_database(db: &dyn sqlx::error::DatabaseError) -> Option<ConstraintViolation> {
        let code = db.code()?;
        let constraint = db.constraint().map(str::to_string);
        let (status, message) = match code.as_ref() {
            "23505" => (StatusCode::CONFLICT, UNIQUE_MESSAGE.to_string()),
            "23P01" => (StatusCode::CONFLICT, EXCLUSION_MESSAGE.to_string()),
            "23503" => (StatusCode::UNPROCESSABLE_ENTITY, FOREIGN_KEY_MESSAGE.to_string()),
            "23502" => (StatusCode::UNPROCESSABLE_ENTITY, NOT_NULL_MESSAGE.to_string()),
            // A table's CHECK names its constraint: the value is at fault. Without a name it was
            // raised by one of our triggers guarding a record's state (a transition that a
            // concurrent change made impossible): a conflict, in the trigger's own words, which
            // migrations write for users (`RAISE EXCEPTION '…' USING ERRCODE = 'check_violation'`).
            "23514" if constraint.is_some() => (StatusCode::UNPROCESSABLE_ENTITY, CHECK_MESSAGE.to_string()),
            "23514" | "42501" => (StatusCode::CONFLICT, trigger_message(db.message()).unwrap_or(STATE_MESSAGE.into())),
            c if c.starts_with("22") && c != "22021" => (StatusCode::UNPROCESSABLE_ENTITY, DATA_MESSAGE.to_string()),
            _ => return None,
        };
        Some(ConstraintViolation { status, constraint, message })
    }
}

/// A trigger's message, when it reads as one written for people (a sentence, no SQL quoting).
fn trigger_message(m: &str) -> Option<String> {
    let plain = !m.is_empty() && m.len() <= 300 && !m.contains('"') && !m.contains("relation");
    plain.then(|| {
        let mut s: String = m.chars().take(1).flat_map(char::to_uppercase).chain(m.chars().skip(1)).collect();
        if !s.ends_with('.') {
            s.push('.');
        }
        s
    })
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
            AppError::Unprocessable(_) | AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Constraint(c) => c.status,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
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
        let mut info = ErrorInfo::new(status, detail);
        match self {
            AppError::Invalid(e) => info.fields = e.0.into_iter().map(|(f, m)| (f.to_string(), m)).collect(),
            AppError::Constraint(c) => info.constraint = c.constraint,
            _ => {}
        }
        let mut res = status.into_response();
        if let Some(s) = retry_after {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(s));
        }
        res.extensions_mut().insert(info);
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
            // Constraints: 409 or 422 with a safe message (the SQL text stays in the log).
            sqlx::Error::Database(db) => match ConstraintViolation::from_database(db.as_ref()) {
                Some(c) => {
                    tracing::info!(
                        code = db.code().as_deref().unwrap_or(""),
                        constraint = db.constraint().unwrap_or(""),
                        "a constraint refused the write"
                    );
                    AppError::Constraint(c)
                }
                None => AppError::Internal(e.into()),
            },
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
