//! Before measuring: accounts and group conversations, over HTTP.
//!
//! Registration is the slow part (one Argon2 hash each on the server), so it runs a few
//! at a time and is kept out of every measured figure. Usernames are `<prefix>-<i>`: a
//! user that exists already (same prefix, same Redis) is signed in instead.

use crate::args::Args;
use anyhow::{bail, Context, Result};
use futures_util::{stream, StreamExt};
use reqwest::StatusCode;
use serde::Serialize;
use tidings_shared::{
    ConversationId, ConversationSummary, CreateConversation, ErrorBody, ErrorCode, LoginRequest,
    RegisterRequest, Session,
};

/// The password of every load-test account (passes the policy).
const PASSWORD: &str = "load generator password";

/// One signed-in user.
#[derive(Clone, Debug)]
pub struct User {
    pub index: usize,
    pub username: String,
    pub access_token: String,
}

/// One group and its members (user indexes).
#[derive(Clone, Debug)]
pub struct Group {
    pub id: ConversationId,
    pub members: std::ops::Range<usize>,
}

/// HTTP client for the setup routes. Idle pooled connections are dropped after 3 s: the
/// server closes them after its header-read timeout (docs/PROTOCOL.md §3.1).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(3))
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap_or_default()
}

async fn post<T: Serialize + ?Sized>(
    http: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: &T,
) -> Result<(StatusCode, String)> {
    let mut req = http.post(url).json(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await?;
    let status = resp.status();
    Ok((status, resp.text().await?))
}

/// How often a request refused with `unavailable` (the server's storage not ready, e.g.
/// Redis still replaying its AOF) is tried again.
const UNAVAILABLE_RETRIES: usize = 20;

/// [`post`], tried again after the server's `retry_after_ms` while it answers 503.
async fn post_retrying<T: Serialize + ?Sized>(
    http: &reqwest::Client,
    url: String,
    body: &T,
) -> Result<(StatusCode, String)> {
    let mut answer = post(http, url.clone(), None, body).await?;
    for _ in 0..UNAVAILABLE_RETRIES {
        if answer.0 != StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        let wait = serde_json::from_str::<ErrorBody>(&answer.1)
            .ok()
            .and_then(|e| e.retry_after_ms)
            .unwrap_or(1000)
            .min(5000);
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        answer = post(http, url.clone(), None, body).await?;
    }
    Ok(answer)
}

/// Registers user `index`, or signs it in when the name is taken.
async fn sign_in(http: &reqwest::Client, args: &Args, prefix: &str, index: usize) -> Result<User> {
    Ok(sign_in_session(http, args, prefix, index).await?.0)
}

/// [`sign_in`], also returning when the access token expires (ms since the Unix epoch).
async fn sign_in_session(
    http: &reqwest::Client,
    args: &Args,
    prefix: &str,
    index: usize,
) -> Result<(User, i64)> {
    let username = format!("{prefix}-{index}");
    let base = args.http_url(index);
    let register = RegisterRequest {
        username: username.clone(),
        display_name: format!("Load {index}"),
        password: PASSWORD.to_owned(),
    };
    let (status, body) = post_retrying(http, format!("{base}/v1/auth/register"), &register).await?;
    let (status, body) = if status == StatusCode::CONFLICT
        && serde_json::from_str::<ErrorBody>(&body)
            .is_ok_and(|e| e.code == ErrorCode::UsernameTaken)
    {
        let login = LoginRequest {
            username: username.clone(),
            password: PASSWORD.to_owned(),
        };
        post_retrying(http, format!("{base}/v1/auth/login"), &login).await?
    } else {
        (status, body)
    };
    if !status.is_success() {
        bail!("signing in {username}: {status} {body}");
    }
    let session: Session =
        serde_json::from_str(&body).with_context(|| format!("session of {username}"))?;
    Ok((
        User {
            index,
            username,
            access_token: session.access_token,
        },
        session.access_expires_at,
    ))
}

/// Signs in users `0..args.users`, a few at a time; returns them in index order.
pub async fn sign_in_all(http: &reqwest::Client, args: &Args, prefix: &str) -> Result<Vec<User>> {
    let mut users: Vec<User> = stream::iter(0..args.users)
        .map(|i| sign_in(http, args, prefix, i))
        .buffer_unordered(args.signup_concurrency)
        .collect::<Vec<Result<User>>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    users.sort_by_key(|u| u.index);
    Ok(users)
}

/// Signs in the users at `indexes`, a few at a time; returns each with its token's expiry
/// (ms since the Unix epoch), in no particular order.
pub async fn sign_in_some(
    http: &reqwest::Client,
    args: &Args,
    prefix: &str,
    indexes: &[usize],
) -> Result<Vec<(User, i64)>> {
    stream::iter(indexes.iter().copied())
        .map(|i| sign_in_session(http, args, prefix, i))
        .buffer_unordered(args.signup_concurrency)
        .collect::<Vec<Result<(User, i64)>>>()
        .await
        .into_iter()
        .collect()
}

/// Makes groups of `args.group_size` consecutive users (the last may be smaller), each
/// created by its first member on that member's instance.
pub async fn create_groups(
    http: &reqwest::Client,
    args: &Args,
    users: &[User],
) -> Result<Vec<Group>> {
    let ranges: Vec<std::ops::Range<usize>> = (0..users.len())
        .step_by(args.group_size)
        .map(|start| start..(start + args.group_size).min(users.len()))
        .filter(|r| r.len() >= 2)
        .collect();
    let create = |members: std::ops::Range<usize>| async move {
        let owner = &users[members.start];
        let req = CreateConversation::Group {
            title: format!("load {}", members.start / args.group_size),
            members: users[members.start + 1..members.end]
                .iter()
                .map(|u| u.username.clone())
                .collect(),
        };
        let url = format!("{}/v1/conversations", args.http_url(owner.index));
        let (status, body) = post(http, url, Some(&owner.access_token), &req).await?;
        if !status.is_success() {
            bail!("creating a group: {status} {body}");
        }
        let summary: ConversationSummary = serde_json::from_str(&body)?;
        Ok(Group {
            id: summary.id,
            members,
        })
    };
    stream::iter(ranges)
        .map(create)
        .buffer_unordered(8)
        .collect::<Vec<Result<Group>>>()
        .await
        .into_iter()
        .collect()
}

/// A fresh username prefix (lower-case, valid in usernames).
pub fn random_prefix() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("lg{}", &id[..8])
}
