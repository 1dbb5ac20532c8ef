//! Failed-login counters, per username and per client address, in fixed windows that
//! every instance shares.

use super::{keys, Store};
use crate::error::AppResult;
use redis::AsyncCommands;

impl Store {
    /// Milliseconds until a login for `username` from `addr` may be tried again, or `None`
    /// when neither counter has reached its limit.
    pub async fn login_blocked_for(
        &self,
        username: &str,
        addr: &str,
        per_user: u32,
        per_addr: u32,
    ) -> AppResult<Option<u64>> {
        let user_key = keys::login_failures_user(username);
        let addr_key = keys::login_failures_addr(addr);
        let (user_count, user_ttl, addr_count, addr_ttl): (Option<u32>, i64, Option<u32>, i64) =
            redis::pipe()
                .get(&user_key)
                .pttl(&user_key)
                .get(&addr_key)
                .pttl(&addr_key)
                .query_async(&mut self.conn())
                .await?;
        let mut wait: Option<u64> = None;
        if user_count.unwrap_or(0) >= per_user {
            wait = Some(user_ttl.max(1) as u64);
        }
        if addr_count.unwrap_or(0) >= per_addr {
            wait = Some(wait.unwrap_or(0).max(addr_ttl.max(1) as u64));
        }
        Ok(wait)
    }

    /// Counts one failed login against the username and the address.
    pub async fn record_login_failure(
        &self,
        username: &str,
        addr: &str,
        window_secs: u64,
    ) -> AppResult<()> {
        let user_key = keys::login_failures_user(username);
        let addr_key = keys::login_failures_addr(addr);
        let _: () = redis::pipe()
            .incr(&user_key, 1)
            .ignore()
            .cmd("EXPIRE")
            .arg(&user_key)
            .arg(window_secs)
            .arg("NX")
            .ignore()
            .incr(&addr_key, 1)
            .ignore()
            .cmd("EXPIRE")
            .arg(&addr_key)
            .arg(window_secs)
            .arg("NX")
            .ignore()
            .query_async(&mut self.conn())
            .await?;
        Ok(())
    }

    /// A successful login clears the username's counter (not the address's).
    pub async fn clear_login_failures(&self, username: &str) -> AppResult<()> {
        let _: () = self.conn().del(keys::login_failures_user(username)).await?;
        Ok(())
    }
}
