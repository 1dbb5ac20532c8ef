//! Presence: who is online, away or offline, told only to people who share a
//! conversation with them.
//!
//! Each connection is a device with an expiry in Redis (`tidings:presence:<uid>`). This
//! instance refreshes its devices' expiries every third of the TTL, in pipelines of 256, and
//! every instance sweeps the users whose earliest expiry has passed. So when an instance
//! is killed, its devices stop being refreshed and their people go offline within the TTL
//! plus one sweep interval — without anyone noticing the crash. Every change is computed
//! atomically in Redis (scripts/presence.lua), so exactly one caller sees it and publishes
//! it, to each contact's user channel. Every instance sweeps the same agenda; the script
//! does nothing for a user another instance has just swept (no longer due).

use crate::store::{DeviceUpdate, Store};
use dashmap::DashMap;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tidings_shared::{Presence, PresenceState, ServerEnvelope, ServerFrame, UserId};
use tokio::sync::broadcast;

/// How often each instance looks for expired devices.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// Devices refreshed per Redis pipeline.
const REFRESH_BATCH: usize = 256;
/// Users read from the agenda at a time; a sweep reads again while a full batch came back.
const SWEEP_BATCH: isize = 500;
/// Most batches in one sweep (bounds one tick's work at 10,000 users).
const SWEEP_BATCHES: usize = 20;
/// Sweep updates in flight at once (the Redis connection pipelines them).
const SWEEP_CONCURRENCY: usize = 32;

/// Handle to this instance's presence bookkeeping; clone freely.
#[derive(Clone)]
pub struct PresenceService {
    store: Store,
    /// This process's devices: device id → user.
    devices: Arc<DashMap<String, UserId>>,
    instance: Arc<str>,
    ttl: Duration,
}

impl PresenceService {
    /// Starts the refresh-and-sweep task; it stops when `shutdown` fires.
    pub fn start(store: Store, ttl: Duration, shutdown: broadcast::Receiver<()>) -> Self {
        let service = Self {
            store,
            devices: Arc::new(DashMap::new()),
            instance: ulid::Ulid::new().to_string().into(),
            ttl: ttl.max(Duration::from_secs(1)),
        };
        tokio::spawn(service.clone().run(shutdown));
        service
    }

    /// A connection came up: a new online device for `user`. Returns its id.
    pub async fn connected(&self, user: &UserId, connection: u64) -> String {
        let device = format!("{}:{connection}", self.instance);
        self.devices.insert(device.clone(), user.clone());
        self.update(user, &device, DeviceUpdate::Set(PresenceState::Online))
            .await;
        device
    }

    /// The device's person is active or idle.
    pub async fn set(&self, user: &UserId, device: &str, state: PresenceState) {
        self.update(user, device, DeviceUpdate::Set(state)).await;
    }

    /// The connection ended.
    pub async fn disconnected(&self, user: &UserId, device: &str) {
        self.devices.remove(device);
        self.update(user, device, DeviceUpdate::Gone).await;
    }

    async fn update(&self, user: &UserId, device: &str, update: DeviceUpdate) {
        let ttl_ms = self.ttl.as_millis() as i64;
        match self
            .store
            .update_presence(user, device, update, ttl_ms)
            .await
        {
            Ok(Some(presence)) => self.announce(presence).await,
            Ok(None) => {}
            // Redis is down: the sweep or the next update sets it right.
            Err(e) => tracing::debug!(error = %e, "presence update failed"),
        }
    }

    /// Sends a change to everyone who shares a conversation with that person.
    async fn announce(&self, presence: Presence) {
        let contacts = match self.store.contacts(&presence.user_id).await {
            Ok(contacts) => contacts,
            Err(e) => {
                tracing::debug!(error = %e, "presence contacts unavailable");
                return;
            }
        };
        let frame = ServerEnvelope {
            id: None,
            frame: ServerFrame::Presence(presence),
        };
        let Ok(text) = serde_json::to_string(&frame) else {
            return;
        };
        for contact in contacts {
            let _ = self
                .store
                .publish(&crate::store::keys::user_channel(&contact), &text)
                .await;
        }
    }

    async fn run(self, mut shutdown: broadcast::Receiver<()>) {
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        let mut refresh = tokio::time::interval(self.ttl / 3);
        loop {
            tokio::select! {
                _ = sweep.tick() => self.sweep().await,
                _ = refresh.tick() => self.refresh().await,
                _ = shutdown.recv() => return,
            }
        }
    }

    async fn refresh(&self) {
        let devices: Vec<(UserId, String)> = self
            .devices
            .iter()
            .map(|d| (d.value().clone(), d.key().clone()))
            .collect();
        // In pipelines of a few hundred: one pipeline for every connection held all of
        // its commands and replies at once, a few MiB every refresh with 5,000
        // connections (the periodic peaks of scenario b, docs/BENCHMARKS.md round 6).
        for batch in devices.chunks(REFRESH_BATCH) {
            if let Err(e) = self
                .store
                .refresh_devices(batch, self.ttl.as_millis() as i64)
                .await
            {
                tracing::debug!(error = %e, "presence refresh failed");
            }
        }
    }

    /// Looks at every user whose earliest device expiry has passed. Every connected user
    /// comes due once per TTL (refreshes extend their devices, not the agenda), so with
    /// 10,000 users that is about 400 a second: the sweep drains the agenda in batches
    /// with several updates in flight, so that a crashed instance's devices are found
    /// within a second of expiring rather than behind a queue of live users (one user
    /// at a time, 200 a second, left them for up to 40 s more with 10,000 users).
    async fn sweep(&self) {
        for _ in 0..SWEEP_BATCHES {
            let Ok(due) = self.store.presence_due(SWEEP_BATCH).await else {
                return;
            };
            let full = due.len() >= SWEEP_BATCH as usize;
            futures_util::stream::iter(due)
                .for_each_concurrent(SWEEP_CONCURRENCY, |user| async move {
                    self.update(&user, "", DeviceUpdate::Sweep).await;
                })
                .await;
            if !full {
                return;
            }
        }
    }
}
