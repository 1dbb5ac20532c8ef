//! The soak's users and groups: signed in once, kept in a token cache for later runs.
//!
//! Signing in 10,000 users costs the servers 10,000 Argon2 hashes (1.5 to 5 minutes on
//! two cores), and leaves their heaps larger for a while. A soak against the same Redis
//! and JWT secret (`scripts/soak.sh` keeps both) can reuse the access tokens and groups of
//! an earlier run: the cache file holds them for one username prefix (a run with another
//! prefix replaces them), and users whose token would expire during the run are signed
//! in again.

use super::args::Common;
use crate::setup::{self, Group, User};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tidings_shared::ConversationId;

/// The cache file's contents.
#[derive(Serialize, Deserialize, Default)]
struct Cache {
    prefix: String,
    group_size: usize,
    users: Vec<CachedUser>,
    groups: Vec<CachedGroup>,
}

#[derive(Serialize, Deserialize, Clone)]
struct CachedUser {
    index: usize,
    username: String,
    access_token: String,
    /// Milliseconds since the Unix epoch; 0 when unknown.
    access_expires_at: i64,
}

#[derive(Serialize, Deserialize, Clone)]
struct CachedGroup {
    id: ConversationId,
    start: usize,
    end: usize,
}

/// Users and groups ready to connect, and how they were obtained.
pub struct Accounts {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    /// The group of each user (index into `groups`), if any.
    pub group_of: Vec<Option<usize>>,
    pub prefix: String,
    /// Users signed in by this run (the rest came from the cache).
    pub signed_in: usize,
    pub sign_in_s: f64,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn read_cache(path: &Path) -> Option<Cache> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_cache(path: &Path, cache: &Cache) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec(cache)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Signs in `common.users` users (reusing cached tokens valid for `valid_for_s` more
/// seconds) and puts them in groups (reusing cached groups of the same size).
pub async fn prepare(
    common: &Common,
    valid_for_s: f64,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Accounts> {
    let cached = common.token_cache.as_deref().and_then(read_cache);
    let prefix = common
        .user_prefix
        .clone()
        .or_else(|| cached.as_ref().map(|c| c.prefix.clone()))
        .unwrap_or_else(setup::random_prefix);
    let cache = cached.filter(|c| c.prefix == prefix).unwrap_or_default();
    let fresh_until = now_ms() + (valid_for_s * 1000.0) as i64 + 60_000;
    let mut users: Vec<Option<CachedUser>> = vec![None; common.users];
    for u in cache
        .users
        .iter()
        .filter(|u| u.access_expires_at > fresh_until)
    {
        if let Some(slot) = users.get_mut(u.index) {
            *slot = Some(u.clone());
        }
    }
    let missing: Vec<usize> = (0..common.users).filter(|&i| users[i].is_none()).collect();
    progress(&format!(
        "{} users as {prefix}-N: {} from the token cache, signing in {}",
        common.users,
        common.users - missing.len(),
        missing.len()
    ));
    let mut args = common.setup_args();
    args.user_prefix = Some(prefix.clone());
    let started = std::time::Instant::now();
    let fresh = setup::sign_in_some(&setup::http_client(), &args, &prefix, &missing).await?;
    let sign_in_s = started.elapsed().as_secs_f64();
    for (user, expires) in fresh {
        let index = user.index;
        users[index] = Some(CachedUser {
            index,
            username: user.username,
            access_token: user.access_token,
            access_expires_at: expires,
        });
    }
    let signed: Vec<CachedUser> = users
        .into_iter()
        .enumerate()
        .map(|(index, u)| u.with_context(|| format!("user {index} was not signed in")))
        .collect::<Result<_>>()?;
    let users: Vec<User> = signed
        .iter()
        .map(|u| User {
            index: u.index,
            username: u.username.clone(),
            access_token: u.access_token.clone(),
        })
        .collect();

    let reuse_groups = cache.group_size == common.group_size
        && cache.groups.iter().map(|g| g.end).max().unwrap_or(0) >= common.users;
    let groups: Vec<Group> = if reuse_groups {
        cache
            .groups
            .iter()
            .filter(|g| g.end <= common.users)
            .map(|g| Group {
                id: g.id.clone(),
                members: g.start..g.end,
            })
            .collect()
    } else {
        progress("creating groups");
        setup::create_groups(&setup::http_client(), &args, &users).await?
    };
    if let Some(path) = &common.token_cache {
        // Keep cached users beyond this run's count, so a smaller run does not forget them.
        let mut keep: Vec<CachedUser> = cache
            .users
            .iter()
            .filter(|u| u.index >= common.users)
            .cloned()
            .collect();
        keep.extend(signed.iter().cloned());
        let stored_groups = if reuse_groups {
            cache.groups.clone()
        } else {
            groups
                .iter()
                .map(|g| CachedGroup {
                    id: g.id.clone(),
                    start: g.members.start,
                    end: g.members.end,
                })
                .collect()
        };
        let new_cache = Cache {
            prefix: prefix.clone(),
            group_size: common.group_size,
            users: keep,
            groups: stored_groups,
        };
        write_cache(path, &new_cache)?;
    }
    let mut group_of = vec![None; users.len()];
    for (g, group) in groups.iter().enumerate() {
        for member in group.members.clone() {
            if let Some(slot) = group_of.get_mut(member) {
                *slot = Some(g);
            }
        }
    }
    Ok(Accounts {
        users,
        groups,
        group_of,
        prefix,
        signed_in: missing.len(),
        sign_in_s,
    })
}
