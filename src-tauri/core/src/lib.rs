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
