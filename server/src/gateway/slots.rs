//! Counts each user's WebSocket connections on this instance.

use dashmap::DashMap;
use std::sync::Arc;
use tidings_shared::UserId;

/// Per-user connection counts; a [`Slot`] gives its place back when dropped.
#[derive(Clone, Default)]
pub struct ConnectionSlots {
    counts: Arc<DashMap<UserId, usize>>,
}

/// One held connection place.
pub struct Slot {
    counts: Arc<DashMap<UserId, usize>>,
    user: UserId,
}

impl ConnectionSlots {
    /// Takes a place for `user` unless they already hold `max`.
    pub fn acquire(&self, user: &UserId, max: usize) -> Option<Slot> {
        let mut count = self.counts.entry(user.clone()).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        metrics::gauge!("tidings_connections").increment(1.0);
        Some(Slot {
            counts: self.counts.clone(),
            user: user.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        metrics::gauge!("tidings_connections").decrement(1.0);
        self.counts.remove_if_mut(&self.user, |_, count| {
            *count = count.saturating_sub(1);
            *count == 0
        });
    }
}
