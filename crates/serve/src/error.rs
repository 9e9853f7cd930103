//! What goes wrong: [`ServeError`] for the commands that set a service up, [`ApiError`] for a
//! request. A request's error is JSON `{"error": {"code", "message", "field"}}` with the HTTP
//! status that fits it; the message says what to change. Nothing a request sends is echoed
//! back unbounded, and a database fault is logged, not shown.

use std::path::PathBuf;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Why the service cannot be set up or a command cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A flag or setting that cannot work.
    #[error("{0}")]
    Config(String),
    /// Input that is not acceptable, with what to do about it.
    #[error("{0}")]
    Invalid(String),
    /// The database cannot be opened or answered wrongly.
    #[error("database {url}: {source}")]
    Database {
        /// The database, its password taken out.
        url: String,
        /// What sqlx said.
        source: sqlx::Error,
    },
    /// A file or folder cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A study folder that cannot be hosted.
    #[error(transparent)]
    Study(#[from] pilotzone_study::StudyError),
    /// A query failed while doing a command.
    #[error("database: {0}")]
    Query(#[from] sqlx::Error),
}

/// A request that cannot be done, as the client reads it.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code a client can act on (`csrf`, `too_long`, `forbidden`, …).
    pub code: &'static str,
    /// What went wrong and what to do, in English.
    pub message: String,
    /// The request field at fault, if one is.
    pub field: Option<String>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorFields<'a>,
}

#[derive(Serialize)]
struct ErrorFields<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), field: None }
    }

    /// A field of the request that is not acceptable (422).
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid",
            message: format!("{field} {}", message.into()),
            field: Some(field.to_owned()),
        }
    }

    /// Something the request names that does not exist (404).
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    /// A request without a session where one is needed (401).
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "join with your invite link or sign in first; your session may have expired",
        )
    }

    /// A participant whose role may not do this (403).
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        crate::log(&format!("database error: {e}"));
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database",
            "the database did not answer; nothing was saved, try again in a moment",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            ErrorBody { error: ErrorFields { code: self.code, message: &self.message, field: self.field.as_deref() } };
        (self.status, Json(body)).into_response()
    }
}
