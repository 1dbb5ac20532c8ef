//! The reconnect loop: keep one authenticated WebSocket up, with exponential backoff and
//! jitter between attempts, at once when nudged (network change, wake), and the state
//! published for the banner.

use crate::client::{now_ms, Command, Core};
use crate::error::CoreError;
use crate::events::{ConnectionState, CoreEvent};
use rand::Rng;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tidings_shared::ErrorCode;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// First retry after this long; doubling up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Refresh the access token when it has less than this left.
const REFRESH_MARGIN_MS: i64 = 60_000;

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Runs until `stop` is set; hands the command receiver back for the next start.
pub(crate) async fn run(
    core: Core,
    mut stop: watch::Receiver<bool>,
    mut commands: mpsc::UnboundedReceiver<Command>,
) -> mpsc::UnboundedReceiver<Command> {
    let mut failures: u32 = 0;
    loop {
        if *stop.borrow() {
            return commands;
        }
        core.emit(CoreEvent::Connection(ConnectionState::Connecting));
        let reason = match connect(&core).await {
            Ok(socket) => {
                failures = 0;
                core.inner.online.store(true, Ordering::Release);
                core.emit(CoreEvent::Connection(ConnectionState::Online));
                let reason = crate::session::serve(&core, socket, &mut stop, &mut commands).await;
                core.inner.online.store(false, Ordering::Release);
                reason
            }
            Err(CoreError::SignedOut) => {
                core.emit(CoreEvent::Connection(ConnectionState::Stopped));
                return commands;
            }
            Err(e) => e.to_string(),
        };
        if *stop.borrow() {
            return commands;
        }
        failures = failures.saturating_add(1);
        let delay = backoff(failures);
        tracing::info!(%reason, ?delay, "disconnected; retrying");
        core.emit(CoreEvent::Connection(ConnectionState::Offline {
            retry_at: now_ms() + delay.as_millis() as i64,
            reason,
        }));
        let wait = tokio::time::sleep(delay);
        tokio::pin!(wait);
        loop {
            tokio::select! {
                _ = &mut wait => break,
                _ = core.inner.nudge.notified() => break,
                _ = stop.changed() => break,
                Some(command) = commands.recv() => refuse_offline(command),
            }
        }
    }
}

/// While offline, nobody is left waiting: a request is answered at once, a fire-and-forget
/// frame (typing, a read mark) is dropped — a stale one would mislead when sent later.
fn refuse_offline(command: Command) {
    if let Some(reply) = command.reply {
        let _ = reply.send(Err(CoreError::Offline));
    }
}

/// Full jitter between half and all of the exponential delay, so that thousands of
/// clients of a dead instance do not come back in lockstep.
fn backoff(failures: u32) -> Duration {
    let exp = BASE_BACKOFF.saturating_mul(1u32 << failures.min(16).saturating_sub(1));
    let cap = exp.min(MAX_BACKOFF);
    let jitter = rand::rng().random_range(0.5..=1.0);
    cap.mul_f64(jitter)
}

/// A fresh access token (refreshing, and rotating the refresh token, when near expiry).
/// The socket and the HTTP calls (uploads) share it; one refresh runs at a time.
pub(crate) async fn access_token(core: &Core) -> Result<String, CoreError> {
    let _one_at_a_time = core.inner.refreshing.lock().await;
    let session = core.session().ok_or(CoreError::SignedOut)?;
    if session.access_expires_at - now_ms() > REFRESH_MARGIN_MS {
        return Ok(session.access_token);
    }
    match core.inner.api.refresh(&session.refresh_token).await {
        Ok(fresh) => {
            // The old refresh token is dead now: file the new one before anything else.
            core.persist(&fresh).await;
            let token = fresh.access_token.clone();
            core.set_session(Some(fresh));
            Ok(token)
        }
        Err(CoreError::Server(e)) if e.code == ErrorCode::InvalidRefreshToken => {
            core.set_session(None);
            core.emit(CoreEvent::SignedOut);
            Err(CoreError::SignedOut)
        }
        Err(e) => Err(e),
    }
}

async fn connect(core: &Core) -> Result<Socket, CoreError> {
    let token = access_token(core).await?;
    let mut request = core
        .inner
        .api
        .gateway_url()
        .into_client_request()
        .map_err(CoreError::network)?;
    let bearer = HeaderValue::from_str(&format!("Bearer {token}")).map_err(CoreError::network)?;
    request.headers_mut().insert("authorization", bearer);
    let connecting = tokio_tungstenite::connect_async(request);
    match tokio::time::timeout(Duration::from_secs(10), connecting).await {
        Err(_) => Err(CoreError::Network("connecting timed out".into())),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) if resp.status() == 401 => {
            // The token was refused (clock skew, or revoked): refresh before the next try.
            if let Some(mut session) = core.session() {
                session.access_expires_at = 0;
                core.set_session(Some(session));
            }
            Err(CoreError::Network(
                "the server refused the access token".into(),
            ))
        }
        Ok(Err(e)) => Err(CoreError::network(e)),
        Ok(Ok((socket, _))) => Ok(socket),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        for failures in 1..40 {
            let d = backoff(failures);
            let ceiling = BASE_BACKOFF
                .saturating_mul(1u32 << failures.min(16).saturating_sub(1))
                .min(MAX_BACKOFF);
            assert!(
                d <= ceiling && d >= ceiling / 2,
                "{failures}: {d:?} vs {ceiling:?}"
            );
        }
    }
}
