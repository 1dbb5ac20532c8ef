//! The server's one error type, mapped to HTTP responses and `error` frames in one place.
//!
//! Internal causes (Redis errors, bugs) are logged here and reported to the peer only as
//! `unavailable` or `internal`, never with their details.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tidings_shared::{ErrorBody, ErrorCode};

/// Everything a request can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// The client's fault; `message` is safe to show.
    #[error("{code}: {message}")]
    Client {
        code: ErrorCode,
        message: String,
        retry_after_ms: Option<u64>,
    },
    /// Redis could not be reached or answered with an I/O error: retryable.
    #[error("storage unavailable: {0}")]
    Unavailable(#[source] redis::RedisError),
    /// The media store (S3 or the local directory) failed: retryable.
    #[error("media storage unavailable: {0}")]
    Storage(String),
    /// Anything else that should not happen.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Shorthand for handlers.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A client error with a human message.
    pub fn client(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client {
            code,
            message: message.into(),
            retry_after_ms: None,
        }
    }

    /// A client error that may succeed after `retry_after_ms`.
    pub fn retry_after(code: ErrorCode, message: impl Into<String>, retry_after_ms: u64) -> Self {
        Self::Client {
            code,
            message: message.into(),
            retry_after_ms: Some(retry_after_ms),
        }
    }

    /// The same answer for "no such conversation" and "not a member", so that
    /// membership cannot be probed.
    pub fn not_found() -> Self {
        Self::client(
            ErrorCode::NotFound,
            "No such conversation or message, or you are not a member of it.",
        )
    }

    /// The wire code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Client { code, .. } => *code,
            Self::Unavailable(_) | Self::Storage(_) => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The body sent to the peer; logs internal causes as a side effect.
    pub fn to_body(&self) -> ErrorBody {
        match self {
            Self::Client {
                code,
                message,
                retry_after_ms,
            } => ErrorBody {
                code: *code,
                message: message.clone(),
                retry_after_ms: *retry_after_ms,
            },
            Self::Unavailable(e) => {
                tracing::warn!(error = %e, "storage unavailable");
                ErrorBody {
                    code: ErrorCode::Unavailable,
                    message: "The server cannot reach its storage right now. Nothing was \
                              stored; try again in a moment."
                        .into(),
                    retry_after_ms: Some(1_000),
                }
            }
            Self::Storage(e) => {
                tracing::warn!(error = %e, "media storage unavailable");
                ErrorBody {
                    code: ErrorCode::Unavailable,
                    message: "The server cannot store or fetch files right now. Nothing was \
                              kept; try again in a moment."
                        .into(),
                    retry_after_ms: Some(2_000),
                }
            }
            Self::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                ErrorBody {
                    code: ErrorCode::Internal,
                    message: "Something went wrong on the server.".into(),
                    retry_after_ms: None,
                }
            }
        }
    }

    /// The HTTP status for each code.
    pub fn status(&self) -> StatusCode {
        match self.code() {
            ErrorCode::InvalidRequest
            | ErrorCode::InvalidFrame
            | ErrorCode::UnknownFrame
            | ErrorCode::InvalidUsername
            | ErrorCode::InvalidDisplayName
            | ErrorCode::WeakPassword
            | ErrorCode::EmptyText
            | ErrorCode::TextTooLong
            | ErrorCode::InvalidConversation
            | ErrorCode::InvalidEmoji => StatusCode::BAD_REQUEST,
            ErrorCode::MediaTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::LinkExpired => StatusCode::GONE,
            ErrorCode::InvalidLink => StatusCode::FORBIDDEN,
            ErrorCode::UsernameTaken | ErrorCode::MessageDeleted | ErrorCode::TooManyReactions => {
                StatusCode::CONFLICT
            }
            ErrorCode::InvalidCredentials
            | ErrorCode::Unauthorized
            | ErrorCode::InvalidRefreshToken => StatusCode::UNAUTHORIZED,
            ErrorCode::ForbiddenOrigin | ErrorCode::NotAuthor | ErrorCode::Forbidden => {
                StatusCode::FORBIDDEN
            }
            ErrorCode::NotFound | ErrorCode::UserNotFound | ErrorCode::NotAMember => {
                StatusCode::NOT_FOUND
            }
            ErrorCode::TooManyAttempts | ErrorCode::RateLimited | ErrorCode::TooManyConnections => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<redis::RedisError> for AppError {
    fn from(e: redis::RedisError) -> Self {
        use redis::{ErrorKind, ServerErrorKind};
        // Unreachable, starting up, or failing over: retryable. Anything else (a script or
        // type error) is our bug.
        let transient = e.is_io_error()
            || e.is_connection_refusal()
            || e.is_timeout()
            || e.is_connection_dropped()
            || matches!(
                e.kind(),
                ErrorKind::Server(
                    ServerErrorKind::BusyLoading
                        | ServerErrorKind::TryAgain
                        | ServerErrorKind::ClusterDown
                        | ServerErrorKind::MasterDown
                        | ServerErrorKind::ReadOnly
                )
            );
        if transient {
            Self::Unavailable(e)
        } else {
            Self::Internal(e.to_string())
        }
    }
}

impl From<crate::media::StorageError> for AppError {
    fn from(e: crate::media::StorageError) -> Self {
        Self::Storage(e.0)
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        Self::Internal(format!("stored JSON: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = self.to_body();
        let mut response = (status, Json(&body)).into_response();
        if let Some(ms) = body.retry_after_ms {
            let secs = ms.div_ceil(1000).to_string();
            if let Ok(value) = secs.parse() {
                response.headers_mut().insert("retry-after", value);
            }
        }
        response
    }
}
