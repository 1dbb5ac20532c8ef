//! Refresh tokens, stored only as SHA-256 hashes, grouped in families (one per sign-in).

use super::{keys, Store};
use crate::error::{AppError, AppResult};
use redis::AsyncCommands;
use tidings_shared::UserId;

/// What rotating a refresh token found.
pub enum Rotation {
    /// The token was current: here is whose it is, and its family (sign-in) id.
    Rotated { user: UserId, family: String },
    /// Unknown, expired or revoked.
    Invalid,
    /// An already-rotated token was presented again: the family is now revoked.
    Reused,
}

impl Store {
    /// Starts a sign-in: a new family whose current token has `token_hash`.
    pub async fn create_refresh_family(
        &self,
        user: &UserId,
        family: &str,
        token_hash: &str,
        ttl_secs: u64,
    ) -> AppResult<()> {
        let family_key = format!("tidings:refresh_family:{family}");
        let token_key = keys::refresh_token(token_hash);
        let _: () = redis::pipe()
            .atomic()
            .hset_multiple(
                &family_key,
                &[("user", user.as_str()), ("current", token_hash)],
            )
            .ignore()
            .expire(&family_key, ttl_secs as i64)
            .ignore()
            .hset_multiple(&token_key, &[("family", family), ("user", user.as_str())])
            .ignore()
            .expire(&token_key, ttl_secs as i64)
            .ignore()
            .query_async(&mut self.conn())
            .await?;
        Ok(())
    }

    /// Replaces the token with hash `old_hash` by one with `new_hash`, atomically.
    pub async fn rotate_refresh(
        &self,
        old_hash: &str,
        new_hash: &str,
        ttl_secs: u64,
    ) -> AppResult<Rotation> {
        let reply: Vec<String> = self
            .scripts
            .rotate_refresh
            .key(keys::refresh_token(old_hash))
            .arg(old_hash)
            .arg(new_hash)
            .arg(ttl_secs)
            .invoke_async(&mut self.conn())
            .await?;
        match reply.as_slice() {
            [status, user, family] if status == "ok" => Ok(Rotation::Rotated {
                user: UserId(user.clone()),
                family: family.clone(),
            }),
            [status] if status == "reused" => Ok(Rotation::Reused),
            [status] if status == "invalid" => Ok(Rotation::Invalid),
            other => Err(AppError::Internal(format!(
                "rotate_refresh replied {other:?}"
            ))),
        }
    }

    /// Ends the sign-in that `token_hash` belongs to. Unknown tokens are ignored (logging
    /// out twice is not an error).
    pub async fn revoke_refresh_family(&self, token_hash: &str) -> AppResult<()> {
        let mut conn = self.conn();
        let family: Option<String> = conn.hget(keys::refresh_token(token_hash), "family").await?;
        let Some(family) = family else {
            return Ok(());
        };
        let family_key = format!("tidings:refresh_family:{family}");
        let current: Option<String> = conn.hget(&family_key, "current").await?;
        let mut pipe = redis::pipe();
        pipe.del(&family_key).ignore();
        if let Some(current) = current {
            pipe.del(keys::refresh_token(&current)).ignore();
        }
        let _: () = pipe.query_async(&mut conn).await?;
        Ok(())
    }
}
