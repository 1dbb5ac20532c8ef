//! The accept loop: explicit limits that `axum::serve` does not offer (a header-read
//! timeout against slowloris, a cap on open connections) and graceful shutdown.
//!
//! Shutdown, the mini-redis way: the `shutdown` broadcast tells every task to stop; every
//! clone of the app state holds a sender of the drain channel (so every HTTP request and
//! WebSocket task does); when all are dropped, `drained` yields and the server is done.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// How long shutdown waits for connections to finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// One place in `--max-connections`, held by a TCP connection and, once it is upgraded,
/// by its WebSocket: the place is free again when both are gone.
#[derive(Clone)]
pub struct ConnectionPermit {
    _held: Arc<OwnedSemaphorePermit>,
}

/// Accepts connections until `shutdown` fires, then waits (bounded) until every task
/// holding the app state has finished.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: broadcast::Sender<()>,
    mut drained: mpsc::Receiver<()>,
    max_connections: usize,
    header_read_timeout: Duration,
) {
    let permits = Arc::new(Semaphore::new(max_connections.max(1)));
    let mut stop = shutdown.subscribe();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.recv() => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics::counter!("tidings_connections_refused_total").increment(1);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        // The permit goes with every request too: an upgraded WebSocket outlives this
        // HTTP connection's task and keeps its place in the limit while it is open.
        let permit = ConnectionPermit {
            _held: Arc::new(permit),
        };
        let held = permit.clone();
        let service = app
            .clone()
            .map_request(move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.extensions_mut().insert(held.clone());
                req
            });
        let mut stop = shutdown.subscribe();
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stop.recv() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    drop(app);
    if tokio::time::timeout(DRAIN_TIMEOUT, drained.recv())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open after the drain timeout");
    }
}
