//! JWT access tokens (HS256 only) and the `AuthUser` extractor that requires one.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tidings_shared::{ErrorCode, UserId};

/// What an access token says.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The sign-in (refresh-token family) this token came from.
    pub sid: String,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Expires at, seconds since the epoch.
    pub exp: u64,
}

/// Issues and checks access tokens with one server secret.
#[derive(Clone)]
pub struct AccessTokens {
    inner: Arc<Keys>,
}

struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: u64,
}

impl AccessTokens {
    /// Tokens signed with `secret`, valid for `ttl_secs`.
    pub fn new(secret: &[u8], ttl_secs: u64) -> Self {
        // Only HS256 is accepted: tokens claiming `none` or any other algorithm fail.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            inner: Arc::new(Keys {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
                ttl_secs,
            }),
        }
    }

    /// A token for `user` in sign-in `session`, and when it expires (ms since epoch).
    pub fn issue(&self, user: &UserId, session: &str) -> AppResult<(String, i64)> {
        let now = crate::clock::now_ms() / 1000;
        let claims = Claims {
            sub: user.to_string(),
            sid: session.to_owned(),
            iat: now as u64,
            exp: now as u64 + self.inner.ttl_secs,
        };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.inner.encoding,
        )
        .map_err(|e| AppError::Internal(format!("signing: {e}")))?;
        Ok((token, claims.exp as i64 * 1000))
    }

    /// The claims of a valid token, or `unauthorized`.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &self.inner.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                tracing::debug!(error = %e, "rejected access token");
                unauthorized()
            })
    }
}

fn unauthorized() -> AppError {
    AppError::client(
        ErrorCode::Unauthorized,
        "Sign in first: the access token is missing, invalid or expired.",
    )
}

/// The signed-in user of a request (`Authorization: Bearer <access token>`).
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub id: UserId,
    pub session: String,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauthorized)?;
        let claims = state.tokens.verify(token.trim())?;
        Ok(Self {
            id: UserId(claims.sub),
            session: claims.sid,
        })
    }
}
