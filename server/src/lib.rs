//! The Tidings companion server: accounts over HTTP, a WebSocket gateway, Redis as the
//! system of record, and fan-out through Redis pub/sub so that any number of instances
//! serve one user base.
//!
//! Layers, outside in: [`serve`] (accept loop, limits, shutdown) → [`routes`] (HTTP
//! table) → [`auth`], [`conversations`], [`gateway`] (handlers) → [`store`] (Redis) and
//! [`hub`] (pub/sub fan-out). Wire types live in `tidings_shared`.

pub mod auth;
pub mod clock;
pub mod config;
pub mod conversations;
pub mod cpu_pressure;
pub mod error;
pub mod gateway;
pub mod hub;
mod json;
pub mod limiter;
pub mod media;
pub mod presence;
pub mod routes;
pub mod serve;
pub mod state;
pub mod store;

use anyhow::Context;
use config::Config;
use state::{AppState, Services};
use std::sync::Arc;
use std::time::Duration;

/// Runs a server until SIGINT or SIGTERM, then shuts down gracefully.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let secret = config.jwt_secret().map_err(anyhow::Error::msg)?;
    if config.dev && config.jwt_secret.is_none() {
        tracing::warn!("development mode: using the public development JWT secret");
    }
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(&[
            0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        ])
        .context("histogram buckets")?
        .install_recorder()
        .ok();
    let store = store::Store::connect(&config.redis_url, config.append_calls_in_flight)
        .await
        .with_context(|| format!("connecting to Redis at {}", config.redis_url))?;
    if let Some(why) = store.weaker_durability().await {
        tracing::warn!("Redis persistence is weaker than the default: {why}");
    }
    let (shutdown, _) = tokio::sync::broadcast::channel(1);
    let (drain, drained) = tokio::sync::mpsc::channel(1);
    let pacing = gateway::pacing::WritePacing::new(
        Duration::from_millis(config.write_pacing_ms),
        gateway::pacing::Thresholds {
            per_sec: config.write_pacing_above,
            per_connection: config.write_pacing_per_connection,
            cpu_pressure: config.write_pacing_cpu_pressure.min(100) as f64 / 100.0,
        },
    );
    let hub = hub::Hub::start(store.clone(), pacing, shutdown.subscribe());
    let limiter = limiter::MessageLimiter::new(config.message_rate, config.message_burst);
    let typing_limiter = limiter::MessageLimiter::new(
        tidings_shared::limits::TYPING_RATE_PER_SECOND,
        2 * tidings_shared::limits::TYPING_RATE_PER_SECOND,
    );
    let presence = presence::PresenceService::start(
        store.clone(),
        Duration::from_secs(config.presence_ttl_secs),
        shutdown.subscribe(),
    );
    let media = media_service(&config, &secret)?;
    let state = AppState::new(Services {
        tokens: auth::AccessTokens::new(&secret, config.access_token_ttl_secs),
        passwords: auth::PasswordHasher::new().context("password hasher")?,
        store,
        hub,
        limiter: limiter.clone(),
        typing_limiter: typing_limiter.clone(),
        presence,
        media,
        connection_slots: Default::default(),
        seq_floors: Default::default(),
        metrics,
        shutdown: shutdown.clone(),
        drain,
        config: Arc::new(config.clone()),
    });
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            limiter.forget_idle();
            typing_limiter.forget_idle();
        }
    });

    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    // Test harnesses and scripts read this line to learn the port.
    println!("tidings-server listening on {addr}");
    tracing::info!(%addr, instance = %config.instance, "listening");

    let signal_shutdown = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        let _ = signal_shutdown.send(());
    });
    serve::serve(
        listener,
        routes::router(state),
        shutdown,
        drained,
        config.max_connections,
        Duration::from_secs(config.header_read_timeout_secs.max(1)),
    )
    .await;
    Ok(())
}

/// The media store the configuration asks for: S3 when a bucket is named, else a local
/// directory.
fn media_service(config: &Config, secret: &[u8]) -> anyhow::Result<media::Media> {
    let store = match &config.s3_bucket {
        Some(bucket) => {
            tracing::info!(bucket, endpoint = ?config.s3_endpoint, "media in S3");
            media::MediaStore::s3(media::store::S3Config {
                endpoint: config.s3_endpoint.clone(),
                region: config.s3_region.clone(),
                bucket: bucket.clone(),
                access_key: config.s3_access_key.clone(),
                secret_key: config.s3_secret_key.clone(),
            })
        }
        None => {
            tracing::info!(dir = %config.media_dir.display(), "media in a local directory");
            media::MediaStore::local(config.media_dir.clone())
                .with_context(|| format!("media directory {}", config.media_dir.display()))?
        }
    };
    Ok(media::Media {
        store,
        signer: media::LinkSigner::new(secret),
        temp_dir: config.upload_temp_dir.clone().unwrap_or_else(|| {
            // Beside the local store, on its filesystem, a finished upload is moved into
            // place rather than copied; with S3 the system temp dir will do.
            match &config.s3_bucket {
                None => config.media_dir.join(".uploads"),
                Some(_) => std::env::temp_dir().join("tidings-uploads"),
            }
        }),
        max_upload: config.max_upload_bytes,
        link_ttl: Duration::from_secs(config.media_link_ttl_secs.max(1)),
    })
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
