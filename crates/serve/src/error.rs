//! Errors: [`ApiError`] answers a request with a stable JSON code; [`ServeError`]
//! stops the service from starting.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jobfit_match::MatchError;
use jobfit_model::ModelError;
use jobfit_text::DocumentError;

/// Why the service cannot start. Every message says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML or names unknown settings.
    #[error("the configuration {path} is invalid: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A setting is out of range.
    #[error("invalid setting {name}: {reason}")]
    Setting {
        /// The setting.
        name: &'static str,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The keys file is invalid.
    #[error("the keys file {path} is invalid: {message}")]
    Keys {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// No keys file and an address other than loopback.
    #[error(
        "refusing to listen on {bind} without API keys: anyone who can reach it could use the \
         service; pass --keys FILE (see `jobfit serve --help`) or bind 127.0.0.1"
    )]
    UnprotectedBind {
        /// The address asked for.
        bind: SocketAddr,
    },
    /// The address cannot be bound.
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        /// The address.
        bind: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Loading the model or the catalog failed.
    #[error(transparent)]
    Match(#[from] MatchError),
    /// Loading the model failed.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// An error answer: an HTTP status, a stable machine-readable code and a
/// message for people. Its body is
/// `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code (see the OpenAPI document's `ErrorCode`).
    pub code: &'static str,
    /// What is wrong and what to do.
    pub message: String,
    /// Seconds to wait before retrying (429 and 503 answers).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 with this code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422 with this code.
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 413 `body_too_large`.
    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is larger than {limit} bytes; send a smaller one"),
        )
    }

    /// 503 `overloaded`.
    pub fn overloaded(message: impl Into<String>) -> Self {
        let mut error = Self::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", message);
        error.retry_after = Some(1);
        error
    }

    /// Sets the Retry-After seconds.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

/// The code of an error answer, kept in the response's extensions for the
/// access log.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "code": self.code, "message": self.message }
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(ErrorCode(self.code));
        response
    }
}

impl From<DocumentError> for ApiError {
    fn from(error: DocumentError) -> Self {
        let message = error.to_string();
        let (status, code) = match error {
            DocumentError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "document_too_large"),
            DocumentError::TooManyPages { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_many_pages"),
            DocumentError::TooManyChars { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "resume_too_long")
            }
            DocumentError::ArchiveTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "archive_too_large")
            }
            DocumentError::Empty { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "empty_resume"),
            DocumentError::Encrypted => (StatusCode::UNPROCESSABLE_ENTITY, "encrypted_document"),
            DocumentError::Malformed { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "malformed_document")
            }
            DocumentError::Unsupported { .. } => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_document")
            }
            DocumentError::InvalidUtf8 { .. } => (StatusCode::BAD_REQUEST, "invalid_utf8"),
            DocumentError::Garbage { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "garbage_text"),
            _ => (StatusCode::UNPROCESSABLE_ENTITY, "unreadable_document"),
        };
        Self::new(status, code, message)
    }
}

impl From<MatchError> for ApiError {
    fn from(error: MatchError) -> Self {
        let message = error.to_string();
        match error {
            MatchError::ZeroTopK => Self::unprocessable("invalid_top_k", message),
            MatchError::UnknownFilterField { .. } => {
                Self::unprocessable("unknown_filter_field", message)
            }
            MatchError::EmptyText { what } if what.contains("job") => {
                Self::unprocessable("empty_job", message)
            }
            MatchError::EmptyText { .. } => Self::unprocessable("empty_resume", message),
            MatchError::NoResumes => Self::unprocessable("no_resumes", message),
            MatchError::UnknownGroupKey { .. } => Self::unprocessable("unknown_group_key", message),
            MatchError::InvalidOption { .. } | MatchError::NoReranker => {
                Self::unprocessable("invalid_option", message)
            }
            MatchError::DuplicateId { .. } => Self::unprocessable("duplicate_id", message),
            MatchError::Data(_) => Self::unprocessable("invalid_record", message),
            MatchError::Garbage { .. } => Self::unprocessable("garbage_text", message),
            MatchError::InvalidJob { .. } => Self::unprocessable("invalid_job", message),
            MatchError::Unsupported { .. } => Self::unprocessable("unsupported", message),
            MatchError::Store { .. } => {
                tracing::warn!(error = %message, "store unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    message,
                )
                .with_retry_after(5)
            }
            MatchError::IndexLocked { .. } => {
                tracing::error!(error = %message, "index locked by another process");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "index_locked", message)
            }
            MatchError::IndexChanged { .. } => {
                tracing::error!(error = %message, "index rewritten by another writer");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "index_changed", message)
            }
            MatchError::Model(ModelError::Overloaded { .. }) => Self::overloaded(message),
            MatchError::Model(ModelError::Tokenize(_)) => {
                Self::unprocessable("untokenizable_text", message)
            }
            _ => {
                tracing::error!(error = %message, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the service failed on this request; it is logged",
                )
            }
        }
    }
}
