//! The Tidings client core: everything the desktop app does that is not drawing pixels.
//!
//! It owns the one WebSocket to the server, an offline-first SQLite cache that the UI
//! renders from, a durable outbox that delivers what you send exactly once (across
//! reconnects and restarts), sync that fills every gap, and local full-text search. It
//! never imports a GUI toolkit: the Tauri shell wires it to commands and events, and the
//! tests drive it headless against real servers.

mod actions;
pub mod api;
pub mod cache;
mod client;
mod connection;
pub mod error;
pub mod events;
pub mod keychain;
pub mod media;
pub mod notify;
pub mod search;
mod session;

pub use client::{Core, CoreConfig};
pub use error::{CoreError, CoreResult};
pub use events::{ConnectionState, CoreEvent, UploadState};
pub use media::{MediaVariant, UploadId};

/// Writes `ui/src/lib/protocol/core.ts`: the core's own types for the UI, each alone.
///
/// Not `#[ts(export)]`: that also re-exports every wire type they use into
/// `protocol.ts`, and ts-rs starts each file afresh in every test process — this crate's
/// tests would leave `protocol.ts` holding only the wire types the core happens to use.
#[cfg(test)]
mod typescript {
    use ts_rs::{Config, TS};

    #[test]
    fn export_the_core_types_for_the_ui() -> Result<(), ts_rs::ExportError> {
        let cfg = Config::from_env();
        crate::events::ConnectionState::export(&cfg)?;
        crate::events::CoreEvent::export(&cfg)?;
        crate::events::UploadState::export(&cfg)?;
        crate::cache::MessageStatus::export(&cfg)?;
        crate::cache::CachedMessage::export(&cfg)?;
        crate::search::SearchQuery::export(&cfg)?;
        crate::search::SearchHit::export(&cfg)?;
        crate::search::SnippetPart::export(&cfg)?;
        crate::media::MediaVariant::export(&cfg)?;
        crate::notify::Attention::export(&cfg)?;
        Ok(())
    }
}
