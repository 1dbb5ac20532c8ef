//! Accounts: create, look up by id or username.

use super::{keys, Store};
use crate::error::{AppError, AppResult};
use redis::AsyncCommands;
use std::collections::HashMap;
use tidings_shared::{ErrorCode, UserId, UserProfile};

/// An account as stored.
#[derive(Clone, Debug)]
pub struct StoredUser {
    pub profile: UserProfile,
    pub password_hash: String,
}

impl Store {
    /// Creates an account; `username_taken` if the (lower-cased) name is in use.
    pub async fn create_user(&self, profile: &UserProfile, password_hash: &str) -> AppResult<()> {
        let mut conn = self.conn();
        let claimed: bool = conn
            .set_nx(keys::username(&profile.username), profile.id.as_str())
            .await?;
        if !claimed {
            return Err(AppError::client(
                ErrorCode::UsernameTaken,
                format!(
                    "The username \"{}\" is taken; choose another.",
                    profile.username
                ),
            ));
        }
        let created_at = crate::clock::now_ms();
        let _: () = conn
            .hset_multiple(
                keys::user(&profile.id),
                &[
                    ("username", profile.username.as_str()),
                    ("display_name", profile.display_name.as_str()),
                    ("password_hash", password_hash),
                    ("created_at", &created_at.to_string()),
                ],
            )
            .await?;
        Ok(())
    }

    /// The account with this username (case-insensitive), if any.
    pub async fn user_by_username(&self, username: &str) -> AppResult<Option<StoredUser>> {
        let mut conn = self.conn();
        let id: Option<String> = conn.get(keys::username(&username.to_lowercase())).await?;
        match id {
            Some(id) => self.user_by_id(&UserId(id)).await,
            None => Ok(None),
        }
    }

    /// The account with this id, if any.
    pub async fn user_by_id(&self, id: &UserId) -> AppResult<Option<StoredUser>> {
        let mut conn = self.conn();
        let fields: HashMap<String, String> = conn.hgetall(keys::user(id)).await?;
        Ok(stored_user(id.clone(), fields))
    }

    /// Public profiles of many users in one round trip (unknown ids are skipped).
    pub async fn profiles(&self, ids: &[UserId]) -> AppResult<Vec<UserProfile>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for id in ids {
            pipe.cmd("HMGET")
                .arg(keys::user(id))
                .arg("username")
                .arg("display_name");
        }
        let rows: Vec<(Option<String>, Option<String>)> =
            pipe.query_async(&mut self.conn()).await?;
        Ok(ids
            .iter()
            .zip(rows)
            .filter_map(|(id, row)| match row {
                (Some(username), Some(display_name)) => Some(UserProfile {
                    id: id.clone(),
                    username,
                    display_name,
                }),
                _ => None,
            })
            .collect())
    }
}

fn stored_user(id: UserId, mut fields: HashMap<String, String>) -> Option<StoredUser> {
    Some(StoredUser {
        profile: UserProfile {
            id,
            username: fields.remove("username")?,
            display_name: fields.remove("display_name")?,
        },
        password_hash: fields.remove("password_hash")?,
    })
}
