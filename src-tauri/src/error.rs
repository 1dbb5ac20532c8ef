//! What a failed command hands JavaScript: `{code, message}`, never a bare string, so the
//! UI can branch on `code`.

use serde::Serialize;
use tidings_core::CoreError;

/// A command's error as the webview sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    /// For code to branch on: the server's error code (`invalid_credentials`,
    /// `username_taken`, …) or one of the core's own (`network`, `offline`, `file`,
    /// `cache`, `signed_out`, `cancelled`), or the shell's (`invalid_server`, `startup`).
    pub code: String,
    /// For people.
    pub message: String,
}

impl CommandError {
    /// An error of the shell itself.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CommandError {}

impl From<CoreError> for CommandError {
    fn from(e: CoreError) -> Self {
        let code = match &e {
            CoreError::Server(body) => return Self::new(&body.code.to_string(), &body.message),
            CoreError::Network(_) => "network",
            CoreError::Cache(_) => "cache",
            CoreError::SignedOut => "signed_out",
            CoreError::Offline => "offline",
            CoreError::File(_) => "file",
            CoreError::Cancelled => "cancelled",
        };
        if matches!(e, CoreError::Cache(_)) {
            // Internal causes are logged, not shown.
            tracing::error!(error = %e, "cache error");
            return Self::new(code, "the local cache failed; see the log");
        }
        Self::new(code, e.to_string())
    }
}

/// Shorthand for command results.
pub(crate) type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;
    use tidings_shared::{ErrorBody, ErrorCode};

    #[test]
    fn server_errors_keep_their_code() {
        let e = CommandError::from(CoreError::Server(ErrorBody {
            code: ErrorCode::InvalidCredentials,
            message: "wrong username or password".into(),
            retry_after_ms: None,
        }));
        assert_eq!(e.code, "invalid_credentials");
        assert_eq!(e.message, "wrong username or password");
    }

    #[test]
    fn core_errors_get_stable_codes() {
        assert_eq!(CommandError::from(CoreError::Offline).code, "offline");
        assert_eq!(CommandError::from(CoreError::SignedOut).code, "signed_out");
        let json = serde_json::to_value(CommandError::from(CoreError::network("refused")))
            .expect("serializes");
        assert_eq!(json["code"], "network");
        assert_eq!(json["message"], "network: refused");
    }
}
