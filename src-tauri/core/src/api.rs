//! The server's HTTP routes, as the core uses them. The access token never leaves the
//! core (the UI never sees it).

use crate::error::{CoreError, CoreResult};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tidings_shared::{
    ConversationId, ConversationList, ConversationSummary, CreateConversation, ErrorBody,
    LoginRequest, MediaId, MediaInfo, MediaLinks, RefreshRequest, RegisterRequest, Session,
};

/// How long a connection may take to open. Without it, a server that drops SYNs (a dead
/// network, a blackhole) holds a request for the OS's own timeout, minutes.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// How long a small API call (sign-in, refresh, the list, links) may take in all. Not
/// for uploads and downloads, which take as long as their bytes do.
const API_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// HTTP client for one server.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    /// A client for `base` (`http://host:port`, no trailing slash needed).
    pub fn new(base: &str) -> Self {
        // The server closes idle keep-alive connections after a few seconds; never reuse
        // one that old (a POST on a just-closed socket cannot be retried safely).
        let http = reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(3))
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The WebSocket URL of the gateway.
    pub fn gateway_url(&self) -> String {
        let ws = if let Some(rest) = self.base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = self.base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            self.base.clone()
        };
        format!("{ws}/v1/gateway")
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> CoreResult<T> {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .timeout(API_TIMEOUT)
            .json(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        decode(req.send().await.map_err(CoreError::network)?).await
    }

    /// Creates an account.
    pub async fn register(&self, req: &RegisterRequest) -> CoreResult<Session> {
        self.post("/v1/auth/register", None, req).await
    }

    /// Signs in.
    pub async fn login(&self, req: &LoginRequest) -> CoreResult<Session> {
        self.post("/v1/auth/login", None, req).await
    }

    /// Rotates the refresh token for a fresh access token.
    pub async fn refresh(&self, refresh_token: &str) -> CoreResult<Session> {
        let req = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        self.post("/v1/auth/refresh", None, &req).await
    }

    /// Ends the sign-in.
    pub async fn logout(&self, refresh_token: &str) -> CoreResult<()> {
        let req = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        let resp = self
            .http
            .post(format!("{}/v1/auth/logout", self.base))
            .timeout(API_TIMEOUT)
            .json(&req)
            .send()
            .await
            .map_err(CoreError::network)?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(server_error(resp).await)
        }
    }

    /// Opens (or finds) a direct conversation, or creates a group.
    pub async fn create_conversation(
        &self,
        token: &str,
        req: &CreateConversation,
    ) -> CoreResult<ConversationSummary> {
        self.post("/v1/conversations", Some(token), req).await
    }

    /// My conversations.
    pub async fn conversations(&self, token: &str) -> CoreResult<ConversationList> {
        let resp = self
            .http
            .get(format!("{}/v1/conversations", self.base))
            .timeout(API_TIMEOUT)
            .bearer_auth(token)
            .send()
            .await
            .map_err(CoreError::network)?;
        decode(resp).await
    }
}

impl Api {
    /// Uploads one file's bytes, streamed from `body` (`len` bytes), to a conversation.
    pub async fn upload(
        &self,
        token: &str,
        conversation: &ConversationId,
        name: &str,
        len: u64,
        body: reqwest::Body,
    ) -> CoreResult<MediaInfo> {
        let resp = self
            .http
            .post(format!(
                "{}/v1/conversations/{}/media",
                self.base,
                conversation.as_str()
            ))
            .query(&[("name", name)])
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_LENGTH, len)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(body)
            .send()
            .await
            .map_err(CoreError::network)?;
        decode(resp).await
    }

    /// Short-lived signed links to a file and its thumbnail.
    pub async fn media_links(&self, token: &str, media: &MediaId) -> CoreResult<MediaLinks> {
        let resp = self
            .http
            .get(format!("{}/v1/media/{}/links", self.base, media.as_str()))
            .timeout(API_TIMEOUT)
            .bearer_auth(token)
            .send()
            .await
            .map_err(CoreError::network)?;
        decode(resp).await
    }

    /// Starts fetching a signed link (a path relative to the server, as the server gave it).
    pub async fn fetch_link(&self, link: &str) -> CoreResult<reqwest::Response> {
        if !link.starts_with('/') {
            return Err(CoreError::Network(format!(
                "unexpected media link {link:?}"
            )));
        }
        let resp = self
            .http
            .get(format!("{}{link}", self.base))
            .send()
            .await
            .map_err(CoreError::network)?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(server_error(resp).await)
        }
    }
}

async fn decode<T: DeserializeOwned>(resp: reqwest::Response) -> CoreResult<T> {
    if resp.status().is_success() {
        resp.json().await.map_err(CoreError::network)
    } else {
        Err(server_error(resp).await)
    }
}

async fn server_error(resp: reqwest::Response) -> CoreError {
    let status = resp.status();
    match resp.json::<ErrorBody>().await {
        Ok(body) => CoreError::Server(body),
        Err(_) => CoreError::Network(format!("the server answered {status}")),
    }
}
