//! Driving client cores in tests: one per data dir, signed up and started, and bounded
//! waits on what they show.

use crate::{unique_name, PASSWORD};
use std::time::Duration;
use tidings_core::cache::MessageStatus;
use tidings_core::{Core, CoreConfig, CoreEvent};
use tidings_shared::{ConversationId, EventBody};
use tokio::sync::broadcast;

/// A core with its own data dir, signed up as a fresh user (`prefix` + a unique tail),
/// started. Returns the core and the username.
pub async fn signed_up_core(server: &str, dir: &tempfile::TempDir, prefix: &str) -> (Core, String) {
    let core = Core::open(CoreConfig {
        server: server.to_owned(),
        data_dir: dir.path().to_owned(),
    })
    .await
    .expect("open");
    let username = unique_name(prefix);
    core.sign_up(&username, prefix, PASSWORD)
        .await
        .expect("sign up");
    core.start().await;
    (core, username)
}

/// Waits (at most 30 s) until `check` holds, re-checking after every core event and at
/// least every 200 ms. Panics naming `what` when it never does.
pub async fn until<F, Fut>(events: &mut broadcast::Receiver<CoreEvent>, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if check().await {
            return;
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            panic!("timed out waiting for {what}");
        }
        let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), events.recv()).await;
    }
}

/// The texts of a conversation's messages, oldest first, with their status.
pub async fn texts(core: &Core, cid: &ConversationId) -> Vec<(String, MessageStatus)> {
    core.messages(cid, None, 100_000)
        .await
        .expect("messages")
        .into_iter()
        .filter_map(|m| match m.event {
            EventBody::Message { text, .. } => Some((text, m.status)),
            _ => None,
        })
        .collect()
}
