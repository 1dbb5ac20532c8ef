//! The HTTP routes, as a test client.

use anyhow::{bail, Result};
use reqwest::StatusCode;
use serde::Serialize;
use serde_json::Value;
use tidings_shared::{
    ConversationList, ConversationSummary, CreateConversation, ErrorBody, Session,
};

/// HTTP client bound to one server.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// A registered user and their current session.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub username: String,
    pub session: Session,
}

impl TestUser {
    /// The access token.
    pub fn token(&self) -> &str {
        &self.session.access_token
    }
}

impl Api {
    /// A client for `base` (`http://127.0.0.1:port`).
    pub fn new(base: impl Into<String>) -> Self {
        // The server closes idle keep-alive connections after its header-read timeout;
        // never reuse one that old (a POST on a just-closed socket cannot be retried).
        let http = reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(3))
            .build()
            .unwrap_or_default();
        Self {
            http,
            base: base.into(),
        }
    }

    /// Any route: status and JSON body (Null when empty).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<(StatusCode, Value)> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)?
        };
        Ok((status, value))
    }

    /// POST a JSON body without a token.
    pub async fn post(&self, path: &str, body: &Value) -> Result<(StatusCode, Value)> {
        self.call(reqwest::Method::POST, path, None, Some(body))
            .await
    }

    /// Registers a fresh user with a unique name and the test password.
    pub async fn new_user(&self, prefix: &str) -> Result<TestUser> {
        let username = crate::unique_name(prefix);
        let (status, body) = self
            .post(
                "/v1/auth/register",
                &serde_json::json!({
                    "username": username,
                    "display_name": prefix.to_uppercase(),
                    "password": crate::PASSWORD,
                }),
            )
            .await?;
        if status != StatusCode::CREATED {
            bail!("register {username}: {status} {body}");
        }
        Ok(TestUser {
            username,
            session: serde_json::from_value(body)?,
        })
    }

    /// Creates (or finds) a conversation; returns the status and summary.
    pub async fn create_conversation(
        &self,
        user: &TestUser,
        req: &CreateConversation,
    ) -> Result<(StatusCode, ConversationSummary)> {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/v1/conversations",
                Some(user.token()),
                Some(req),
            )
            .await?;
        if !status.is_success() {
            bail!("create conversation: {status} {body}");
        }
        Ok((status, serde_json::from_value(body)?))
    }

    /// The direct conversation between `a` and `b`.
    pub async fn direct(&self, a: &TestUser, b: &TestUser) -> Result<ConversationSummary> {
        let req = CreateConversation::Direct {
            username: b.username.clone(),
        };
        Ok(self.create_conversation(a, &req).await?.1)
    }

    /// `GET /v1/conversations`.
    pub async fn conversations(&self, user: &TestUser) -> Result<ConversationList> {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                "/v1/conversations",
                Some(user.token()),
                None::<&()>,
            )
            .await?;
        if status != StatusCode::OK {
            bail!("list conversations: {status} {body}");
        }
        Ok(serde_json::from_value(body)?)
    }
}

impl Api {
    /// A GET of a plain-text route: status and body.
    pub async fn get_text(&self, path: &str) -> Result<(StatusCode, String)> {
        let resp = self.http.get(format!("{}{path}", self.base)).send().await?;
        let status = resp.status();
        Ok((status, resp.text().await?))
    }

    /// The value of a Prometheus metric on `/metrics` (summed over labels; 0 if absent).
    pub async fn metric(&self, name: &str) -> Result<f64> {
        let (_, text) = self.get_text("/metrics").await?;
        Ok(text
            .lines()
            .filter(|l| {
                l.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum())
    }
}

impl Api {
    /// `POST /v1/conversations/{cid}/media?name=…` with `bytes` as the body.
    pub async fn upload(
        &self,
        user: &TestUser,
        cid: &tidings_shared::ConversationId,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<(StatusCode, Value)> {
        let resp = self
            .http
            .post(format!("{}/v1/conversations/{cid}/media", self.base))
            .query(&[("name", name)])
            .bearer_auth(user.token())
            .header("content-type", "text/plain")
            .body(bytes)
            .send()
            .await?;
        let status = resp.status();
        let text = resp.text().await?;
        Ok((
            status,
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text)?
            },
        ))
    }

    /// `GET /v1/media/{id}/links`.
    pub async fn media_links(
        &self,
        user: &TestUser,
        id: &tidings_shared::MediaId,
    ) -> Result<(StatusCode, Value)> {
        self.call(
            reqwest::Method::GET,
            &format!("/v1/media/{id}/links"),
            Some(user.token()),
            None::<&()>,
        )
        .await
    }

    /// GET of a server-relative path (a signed media link), with optional extra headers.
    pub async fn fetch(&self, path: &str, headers: &[(&str, &str)]) -> Result<reqwest::Response> {
        let mut req = self.http.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        Ok(req.send().await?)
    }
}

/// The typed error in an error response.
pub fn error_body(body: &Value) -> Result<ErrorBody> {
    Ok(serde_json::from_value(body.clone())?)
}
