//! `POST /v1/auth/{register,login,refresh,logout}`.

use super::{refresh, rules};
use crate::error::{AppError, AppResult};
use crate::json::JsonBody;
use crate::state::AppState;
use crate::store::sessions::Rotation;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Json;
use std::net::SocketAddr;
use tidings_shared::{
    ErrorCode, LoginRequest, RefreshRequest, RegisterRequest, Session, UserId, UserProfile,
};

/// Creates an account and signs it in.
pub async fn register(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<RegisterRequest>,
) -> AppResult<(StatusCode, Json<Session>)> {
    let username = rules::username(&req.username)?;
    let display_name = rules::display_name(&req.display_name)?;
    rules::password(&req.password, &username)?;
    let hash = state.passwords.hash(req.password).await?;
    let profile = UserProfile {
        id: UserId(ulid::Ulid::new().to_string()),
        username,
        display_name,
    };
    state.store.create_user(&profile, &hash).await?;
    tracing::info!(user = %profile.id, username = %profile.username, "registered");
    let session = start_session(&state, profile).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// Signs in with username and password. Failures are counted per username and per client
/// address; past the limits the answer is `too_many_attempts` until the window ends.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> AppResult<Json<Session>> {
    let username = req.username.trim().to_lowercase();
    let addr = peer.ip().to_string();
    let cfg = &state.config;
    if let Some(wait_ms) = state
        .store
        .login_blocked_for(
            &username,
            &addr,
            cfg.login_failures_per_username,
            cfg.login_failures_per_address,
        )
        .await?
    {
        return Err(AppError::retry_after(
            ErrorCode::TooManyAttempts,
            "Too many failed sign-ins. Wait a while before trying again.",
            wait_ms,
        ));
    }
    let user = state.store.user_by_username(&username).await?;
    let ok = state
        .passwords
        .verify(req.password, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    match user {
        Some(user) if ok => {
            state.store.clear_login_failures(&username).await?;
            Ok(Json(start_session(&state, user.profile).await?))
        }
        _ => {
            state
                .store
                .record_login_failure(&username, &addr, cfg.login_throttle_window_secs)
                .await?;
            Err(AppError::client(
                ErrorCode::InvalidCredentials,
                "Wrong username or password.",
            ))
        }
    }
}

/// Trades a refresh token for a new access token and a new refresh token. The old refresh
/// token stops working; presenting it again revokes the whole sign-in.
pub async fn refresh(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<RefreshRequest>,
) -> AppResult<Json<Session>> {
    let (token, new_hash) = refresh::generate();
    let rotation = state
        .store
        .rotate_refresh(
            &refresh::hash(&req.refresh_token),
            &new_hash,
            state.config.refresh_token_ttl_secs,
        )
        .await?;
    let (user, family) = match rotation {
        Rotation::Rotated { user, family } => (user, family),
        Rotation::Reused => {
            tracing::warn!("a rotated refresh token was presented again; sign-in revoked");
            return Err(invalid_refresh());
        }
        Rotation::Invalid => return Err(invalid_refresh()),
    };
    let profile = state
        .store
        .user_by_id(&user)
        .await?
        .ok_or_else(invalid_refresh)?
        .profile;
    let (access_token, access_expires_at) = state.tokens.issue(&profile.id, &family)?;
    Ok(Json(Session {
        user: profile,
        access_token,
        access_expires_at,
        refresh_token: token,
    }))
}

/// Ends the sign-in the refresh token belongs to. Access tokens already issued expire on
/// their own (they are short-lived).
pub async fn logout(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<RefreshRequest>,
) -> AppResult<StatusCode> {
    state
        .store
        .revoke_refresh_family(&refresh::hash(&req.refresh_token))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn start_session(state: &AppState, user: UserProfile) -> AppResult<Session> {
    let family = ulid::Ulid::new().to_string();
    let (refresh_token, hash) = refresh::generate();
    state
        .store
        .create_refresh_family(
            &user.id,
            &family,
            &hash,
            state.config.refresh_token_ttl_secs,
        )
        .await?;
    let (access_token, access_expires_at) = state.tokens.issue(&user.id, &family)?;
    Ok(Session {
        user,
        access_token,
        access_expires_at,
        refresh_token,
    })
}

fn invalid_refresh() -> AppError {
    AppError::client(
        ErrorCode::InvalidRefreshToken,
        "This sign-in has ended or was revoked; sign in again.",
    )
}
