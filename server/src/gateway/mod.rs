//! The WebSocket gateway at `GET /v1/gateway`.
//!
//! One connection's life:
//! 1. **Upgrade** (this file): the Origin must be allowed (else 403) and the access token
//!    valid (else 401) before the 101; the user's connection count on this instance is
//!    capped (429). Frame limits and buffer sizes are set explicitly (a small read
//!    buffer: it is allocated per connection, and most connections are idle).
//! 2. **Register** with the [`crate::hub::Hub`]: the user's and conversations' channels
//!    are subscribed before anything is sent.
//! 3. **Hello**: the first frame names the user, protocol version and limits. The client
//!    then sends `sync` to catch up.
//! 4. **Serve**: a reader (this task) parses and answers frames in order; a writer task
//!    drains the [`outbound::Outbound`] queue and pings. Both stop on shutdown (close
//!    1001), on a heartbeat timeout (4000), when the client is too slow (4001), or when a
//!    frame breaks the limits (1009, 1007).
//! 5. **Clean up**: dropping the registration removes the connection from fan-out.

mod connection;
mod dispatch;
mod groups;
mod messages;
pub mod outbound;
pub mod pacing;
mod signals;
mod slots;

pub use dispatch::{decode_client_frame, SeqFloors};
pub(crate) use groups::checked_title;
pub use slots::ConnectionSlots;

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use axum::Extension;
use tidings_shared::{limits, ErrorCode};

/// `GET /v1/gateway`: checks, then upgrades.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: AuthUser,
    permit: Option<Extension<crate::serve::ConnectionPermit>>,
    ws: WebSocketUpgrade,
) -> AppResult<Response> {
    check_origin(&state, &headers)?;
    let slot = state
        .connection_slots
        .acquire(&user.id, state.config.max_connections_per_user)
        .ok_or_else(|| {
            AppError::client(
                ErrorCode::TooManyConnections,
                "Too many open connections for this account; close another device or tab.",
            )
        })?;
    let profile = state
        .store
        .user_by_id(&user.id)
        .await?
        .ok_or_else(|| AppError::client(ErrorCode::Unauthorized, "This account no longer exists."))?
        .profile;
    let conversations = state.store.active_conversation_ids(&user.id).await?;
    let write_buffer = state.config.ws_write_buffer_bytes;
    Ok(ws
        .max_message_size(limits::MAX_FRAME_BYTES)
        .max_frame_size(limits::MAX_FRAME_BYTES)
        .read_buffer_size(state.config.ws_read_buffer_bytes)
        .write_buffer_size(write_buffer)
        .max_write_buffer_size(write_buffer + 2 * limits::MAX_FRAME_BYTES)
        // The slot and the permit (counted in --max-connections) are held for as long as
        // the socket is open. No async block around `serve`: it would keep its own copy
        // of the socket's space in every connection's task.
        .on_upgrade(move |socket| {
            connection::serve(state, socket, profile, conversations, (slot, permit))
        }))
}

/// Browsers always send Origin; native clients (the desktop core) send none.
fn check_origin(state: &AppState, headers: &HeaderMap) -> AppResult<()> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let allowed = origin
        .to_str()
        .is_ok_and(|o| state.config.allowed_origins.iter().any(|a| a == o));
    if allowed {
        Ok(())
    } else {
        Err(AppError::client(
            ErrorCode::ForbiddenOrigin,
            "This origin may not connect to this server.",
        ))
    }
}
