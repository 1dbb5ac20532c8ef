//! The handles every request and connection shares. Each is a small service with one job;
//! all are cheap to clone.

use crate::auth::{AccessTokens, PasswordHasher};
use crate::config::Config;
use crate::gateway::{ConnectionSlots, SeqFloors};
use crate::hub::Hub;
use crate::limiter::MessageLimiter;
use crate::media::Media;
use crate::presence::PresenceService;
use crate::store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};

/// Passed to every handler by axum, and held by every connection: one shared allocation,
/// so a clone is a reference count, not a copy of every service's handle (which cost
/// kilobytes per connection).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What the app state holds.
pub struct Services {
    pub config: Arc<Config>,
    pub store: Store,
    pub hub: Hub,
    pub tokens: AccessTokens,
    pub passwords: PasswordHasher,
    pub limiter: MessageLimiter,
    /// Typing frames per user (separate from message writes).
    pub typing_limiter: MessageLimiter,
    pub presence: PresenceService,
    pub media: Media,
    pub connection_slots: ConnectionSlots,
    pub seq_floors: SeqFloors,
    pub metrics: Option<PrometheusHandle>,
    /// Fires once when the server begins shutting down.
    pub shutdown: broadcast::Sender<()>,
    /// Never sent on: shutdown waits until every clone of this state has been dropped.
    pub drain: mpsc::Sender<()>,
}
