//! The HTTP surface: every route in one table.

use crate::state::AppState;
use crate::{auth, conversations, gateway, media};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

/// Largest HTTP request body accepted (JSON bodies are small).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Builds the router over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/auth/register", post(auth::routes::register))
        .route("/v1/auth/login", post(auth::routes::login))
        .route("/v1/auth/refresh", post(auth::routes::refresh))
        .route("/v1/auth/logout", post(auth::routes::logout))
        .route(
            "/v1/conversations",
            post(conversations::create).get(conversations::list),
        )
        .route("/v1/gateway", get(gateway::upgrade))
        .route(
            "/v1/conversations/{id}/media",
            post(media::routes::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/v1/media/{id}/links", get(media::routes::links))
        .route("/v1/media/{id}/{variant}", get(media::routes::content))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Ready when Redis answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(std::time::Duration::from_secs(1), state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "redis unreachable"),
    }
}

/// Prometheus text format.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    match &state.metrics {
        Some(handle) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "metrics are not enabled").into_response(),
    }
}
