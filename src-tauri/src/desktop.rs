//! [`Desktop`]: the shell's one piece of state — which server the app talks to, and the
//! [`Core`] open for it.
//!
//! The server address is chosen on the sign-in screen and remembered in the data dir
//! (`server`); `TIDINGS_SERVER` overrides it at start. Each server gets its own cache
//! (`servers/<address as a file name>/`), so accounts of two servers never share one.
//! Switching servers stops the old core and opens the new one; the task forwarding the
//! old core's events ends when that core is dropped (its event channel closes).

use crate::error::{CommandError, CommandResult};
use crate::CORE_EVENT;
use std::path::PathBuf;
use tauri::{AppHandle, Emitter};
use tidings_core::{Core, CoreConfig, CoreEvent};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::Mutex;

/// Where the app looks for a server until told otherwise.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// The shell's managed state.
pub struct Desktop {
    app: AppHandle,
    data_dir: PathBuf,
    current: Mutex<Current>,
}

struct Current {
    server: String,
    core: Core,
}

impl Desktop {
    /// Opens the core for `server_override`, else the remembered server, else
    /// [`DEFAULT_SERVER`].
    pub async fn open(
        app: AppHandle,
        data_dir: PathBuf,
        server_override: Option<String>,
    ) -> Result<Self, CommandError> {
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| CommandError::new("startup", format!("data dir: {e}")))?;
        let remembered = std::fs::read_to_string(data_dir.join("server")).ok();
        let server = server_override
            .or(remembered)
            .and_then(|s| normalize_server(&s).ok())
            .unwrap_or_else(|| DEFAULT_SERVER.to_owned());
        let core = open_core(&app, &data_dir, &server).await?;
        Ok(Self {
            app,
            data_dir,
            current: Mutex::new(Current { server, core }),
        })
    }

    /// The core for the current server.
    pub async fn core(&self) -> Core {
        self.current.lock().await.core.clone()
    }

    /// The current server's address.
    pub async fn server(&self) -> String {
        self.current.lock().await.server.clone()
    }

    /// The core for `server`, switching to it (and remembering it) if it is not the
    /// current one.
    pub async fn core_for(&self, server: &str) -> CommandResult<Core> {
        let server = normalize_server(server)?;
        let mut current = self.current.lock().await;
        if current.server != server {
            current.core.stop().await;
            let core = open_core(&self.app, &self.data_dir, &server).await?;
            *current = Current {
                server: server.clone(),
                core,
            };
        }
        if let Err(e) = std::fs::write(self.data_dir.join("server"), &server) {
            tracing::warn!(error = %e, "the server address cannot be remembered");
        }
        Ok(current.core.clone())
    }
}

/// Opens the core for `server` in its own directory and forwards its events.
async fn open_core(
    app: &AppHandle,
    data_dir: &std::path::Path,
    server: &str,
) -> CommandResult<Core> {
    let core = Core::open(CoreConfig {
        server: server.to_owned(),
        data_dir: data_dir.join("servers").join(dir_name(server)),
    })
    .await?;
    let mut events = core.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                // Missed some: have the UI read everything again.
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "the UI missed core events");
                    CoreEvent::ConversationsChanged
                }
                Err(RecvError::Closed) => break,
            };
            if let Err(e) = app.emit(CORE_EVENT, &event) {
                tracing::warn!(error = %e, "a core event did not reach the webview");
            }
        }
    });
    Ok(core)
}

/// `http(s)://host[:port]` without a trailing slash; anything else is refused.
pub(crate) fn normalize_server(input: &str) -> CommandResult<String> {
    let server = input.trim().trim_end_matches('/');
    let host = server
        .strip_prefix("http://")
        .or_else(|| server.strip_prefix("https://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(server.to_owned())
        }
        _ => Err(CommandError::new(
            "invalid_server",
            "the server address must look like http://host:port or https://host",
        )),
    }
}

/// A server address as a directory name.
fn dir_name(server: &str) -> String {
    server
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_normalized() {
        assert_eq!(
            normalize_server(" http://127.0.0.1:8080/ ").expect("valid"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_server("https://chat.example").expect("valid"),
            "https://chat.example"
        );
        for bad in ["", "127.0.0.1:8080", "http://", "ftp://x", "http://a b"] {
            assert_eq!(normalize_server(bad).expect_err(bad).code, "invalid_server");
        }
    }

    #[test]
    fn each_server_gets_its_own_directory_name() {
        assert_eq!(dir_name("http://127.0.0.1:8080"), "http___127.0.0.1_8080");
        assert_ne!(dir_name("http://a:1"), dir_name("http://a:2"));
    }
}
