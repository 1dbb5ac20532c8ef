//! The core's one error type; it crosses to the UI as `{code, message}`.

use tidings_shared::ErrorBody;

/// What a core call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The server said no, with its typed error.
    #[error("{}: {}", .0.code, .0.message)]
    Server(ErrorBody),
    /// The server could not be reached (or answered nonsense); retry later.
    #[error("network: {0}")]
    Network(String),
    /// The local cache failed.
    #[error(transparent)]
    Cache(#[from] crate::cache::CacheError),
    /// Not signed in.
    #[error("not signed in")]
    SignedOut,
    /// Not connected right now; try again once online (the banner says when).
    #[error("not connected to the server; try again when back online")]
    Offline,
    /// A local file could not be read or written (an upload's source, a download's copy).
    #[error("file: {0}")]
    File(String),
    /// The person cancelled it.
    #[error("cancelled")]
    Cancelled,
}

/// Shorthand.
pub type CoreResult<T> = Result<T, CoreError>;

impl CoreError {
    /// For `map_err` on transport errors.
    pub fn network(e: impl std::fmt::Display) -> Self {
        Self::Network(e.to_string())
    }
}
