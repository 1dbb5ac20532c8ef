//! Per-user write rate (send, edit, delete) on this instance: a GCRA token bucket.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use tidings_shared::UserId;

/// Shared limiter; clone freely.
#[derive(Clone)]
pub struct MessageLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<UserId>>,
}

impl MessageLimiter {
    /// `per_second` sustained, `burst` at once (each at least 1).
    pub fn new(per_second: u32, burst: u32) -> Self {
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: Arc::new(RateLimiter::keyed(
                Quota::per_second(rate).allow_burst(burst),
            )),
        }
    }

    /// `Ok` if `user` may write now, else the milliseconds to wait.
    pub fn check(&self, user: &UserId) -> Result<(), u64> {
        self.limiter.check_key(user).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            (wait.as_millis() as u64).max(1)
        })
    }

    /// Forgets users idle long enough to have a full bucket (bounded memory).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}
