//! A small TCP proxy on 127.0.0.1 that the chaos tests put between a client and the
//! servers, to do to a connection what networks do: cut it, blackhole it, slow it down.
//!
//! - **Cut** closes every connection open now (both sides see the close at once); new
//!   connections work as before.
//! - **Blackhole** stops forwarding in both directions without closing anything: the bytes
//!   stay where they are (in the kernel's buffers, or read and held here), nobody sees a
//!   FIN, and new connections are accepted but stay silent (no upstream is dialled). This
//!   is a network that stopped answering: a laptop whose Wi-Fi went away, a NAT that
//!   forgot its mapping. Only a heartbeat can notice it.
//! - **Heal** ends the blackhole: held bytes flow on in order, like TCP after a partition
//!   that healed before either end gave up, and silent connections dial their upstream.
//! - **Delay** adds a latency to every chunk in both directions (pipelined: it delays,
//!   it does not throttle).
//!
//! It also balances: it dials the upstreams in the order given and takes the first that
//! accepts, so a client whose instance died lands on another one when it reconnects, as
//! it would behind a load balancer.
//!
//! Everything runs on the tokio runtime that started it; dropping the [`Proxy`] closes
//! its listener and every connection.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How long dialling one upstream may take before the next is tried.
const DIAL_TIMEOUT: Duration = Duration::from_secs(2);
/// Bytes read at a time.
const CHUNK: usize = 16 * 1024;
/// Chunks in flight per direction while a delay holds them.
const IN_FLIGHT: usize = 256;

/// What every connection obeys; changed through the [`Proxy`] handle.
#[derive(Clone, Copy, Debug, Default)]
struct Settings {
    blackholed: bool,
    delay: Duration,
    /// Bumped by [`Proxy::cut`]: a connection born under an older generation closes.
    generation: u64,
}

/// A running proxy. Cheap to hold; its methods take effect at once on every connection.
pub struct Proxy {
    addr: SocketAddr,
    settings: watch::Sender<Settings>,
    open: Arc<AtomicUsize>,
    accept: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free 127.0.0.1 port and forwards each connection to the first of
    /// `upstreams` that accepts it.
    pub async fn start(upstreams: Vec<SocketAddr>) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (settings, _) = watch::channel(Settings::default());
        let open = Arc::new(AtomicUsize::new(0));
        let accept = tokio::spawn(accept_loop(
            listener,
            Arc::new(upstreams),
            settings.clone(),
            open.clone(),
        ));
        Ok(Proxy {
            addr,
            settings,
            open,
            accept,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, for a client that takes a base URL.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Closes every connection open now (silent ones too). New ones are unaffected.
    pub fn cut(&self) {
        self.settings.send_modify(|s| s.generation += 1);
    }

    /// Stops forwarding in both directions without closing anything (see the module doc).
    pub fn blackhole(&self) {
        self.settings.send_modify(|s| s.blackholed = true);
    }

    /// Ends a blackhole: what was held flows on, silent connections dial their upstream.
    pub fn heal(&self) {
        self.settings.send_modify(|s| s.blackholed = false);
    }

    /// Whether a blackhole is in force.
    pub fn is_blackholed(&self) -> bool {
        self.settings.borrow().blackholed
    }

    /// Adds `delay` to every chunk forwarded from now on, both ways (zero: none).
    pub fn set_delay(&self, delay: Duration) {
        self.settings.send_modify(|s| s.delay = delay);
    }

    /// Connections accepted and not yet closed (silent ones included).
    pub fn connections(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        // Every connection task ends on a cut, or when the settings channel closes (once
        // the aborted accept loop has let go of its sender too).
        self.cut();
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstreams: Arc<Vec<SocketAddr>>,
    settings: watch::Sender<Settings>,
    open: Arc<AtomicUsize>,
) {
    loop {
        let client = match listener.accept().await {
            Ok((client, _)) => client,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                eprintln!("proxy accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = client.set_nodelay(true);
        let settings = settings.subscribe();
        let upstreams = upstreams.clone();
        let open = open.clone();
        open.fetch_add(1, Ordering::AcqRel);
        tokio::spawn(async move {
            relay(client, &upstreams, settings).await;
            open.fetch_sub(1, Ordering::AcqRel);
        });
    }
}

/// One connection, from accept to close.
async fn relay(client: TcpStream, upstreams: &[SocketAddr], settings: watch::Receiver<Settings>) {
    let born = settings.borrow().generation;
    let mut cut = settings.clone();
    let work = async {
        let mut gate = settings.clone();
        // Accepted but silent while blackholed.
        if !wait_open(&mut gate).await {
            return;
        }
        // No upstream answering: the client sees its connection closed, as it would
        // when a load balancer has no healthy backend.
        let Some(upstream) = dial(upstreams).await else {
            return;
        };
        let _ = upstream.set_nodelay(true);
        let (client_read, client_write) = client.into_split();
        let (upstream_read, upstream_write) = upstream.into_split();
        tokio::join!(
            pump(client_read, upstream_write, settings.clone()),
            pump(upstream_read, client_write, settings.clone()),
        );
    };
    tokio::select! {
        () = work => {}
        () = cut_after(&mut cut, born) => {}
    }
}

/// The first upstream that accepts, tried in order.
async fn dial(upstreams: &[SocketAddr]) -> Option<TcpStream> {
    for addr in upstreams {
        if let Ok(Ok(stream)) = tokio::time::timeout(DIAL_TIMEOUT, TcpStream::connect(addr)).await {
            return Some(stream);
        }
    }
    None
}

/// Returns once a cut newer than `born` happened, or the proxy is gone.
async fn cut_after(settings: &mut watch::Receiver<Settings>, born: u64) {
    let _ = settings.wait_for(|s| s.generation != born).await;
}

/// Waits until no blackhole is in force; false when the proxy is gone.
async fn wait_open(settings: &mut watch::Receiver<Settings>) -> bool {
    settings.wait_for(|s| !s.blackholed).await.is_ok()
}

/// One direction: read chunks, hold each for the delay, write them in order; half-close
/// the other side at the end of the stream.
async fn pump(from: OwnedReadHalf, to: OwnedWriteHalf, settings: watch::Receiver<Settings>) {
    let (chunks, queue) = mpsc::channel::<(Instant, Vec<u8>)>(IN_FLIGHT);
    tokio::join!(
        read_side(from, chunks, settings.clone()),
        write_side(to, queue, settings)
    );
}

async fn read_side(
    mut from: OwnedReadHalf,
    chunks: mpsc::Sender<(Instant, Vec<u8>)>,
    mut settings: watch::Receiver<Settings>,
) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        // While blackholed nothing is read: the sender's bytes wait in the kernel.
        if !wait_open(&mut settings).await {
            return;
        }
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let due = Instant::now() + settings.borrow().delay;
        if chunks.send((due, buf[..n].to_vec())).await.is_err() {
            return;
        }
    }
}

async fn write_side(
    mut to: OwnedWriteHalf,
    mut queue: mpsc::Receiver<(Instant, Vec<u8>)>,
    mut settings: watch::Receiver<Settings>,
) {
    while let Some((due, chunk)) = queue.recv().await {
        tokio::time::sleep_until(due).await;
        // A chunk read just before a blackhole began waits with the rest.
        if !wait_open(&mut settings).await {
            return;
        }
        if to.write_all(&chunk).await.is_err() {
            return;
        }
    }
    let _ = to.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server on a free port: what the proxy forwards to in these tests.
    async fn echo_server() -> (SocketAddr, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = socket.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        (addr, task)
    }

    /// A port nothing listens on.
    async fn closed_port() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("addr")
    }

    async fn round_trip(stream: &mut TcpStream, text: &[u8]) -> Vec<u8> {
        stream.write_all(text).await.expect("write");
        let mut back = vec![0u8; text.len()];
        tokio::time::timeout(Duration::from_secs(10), stream.read_exact(&mut back))
            .await
            .expect("echo within 10 s")
            .expect("read");
        back
    }

    /// Whether anything arrives within `window` (for the blackhole's silence).
    async fn hears_within(stream: &mut TcpStream, window: Duration) -> bool {
        let mut byte = [0u8; 1];
        tokio::time::timeout(window, stream.read(&mut byte))
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn forwards_both_ways_and_half_closes() {
        let (echo, _server) = echo_server().await;
        let proxy = Proxy::start(vec![echo]).await.expect("proxy");
        let mut stream = TcpStream::connect(proxy.addr()).await.expect("connect");
        assert_eq!(round_trip(&mut stream, b"hello").await, b"hello");
        // Our FIN reaches the echo server, whose FIN comes back.
        stream.shutdown().await.expect("shutdown");
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.expect("eof");
        assert!(rest.is_empty());
    }

    #[tokio::test]
    async fn a_cut_closes_open_connections_and_new_ones_still_work() {
        let (echo, _server) = echo_server().await;
        let proxy = Proxy::start(vec![echo]).await.expect("proxy");
        let mut old = TcpStream::connect(proxy.addr()).await.expect("connect");
        round_trip(&mut old, b"x").await;
        proxy.cut();
        let mut buf = [0u8; 8];
        let read = tokio::time::timeout(Duration::from_secs(10), old.read(&mut buf))
            .await
            .expect("the cut is seen");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        let mut new = TcpStream::connect(proxy.addr()).await.expect("connect");
        assert_eq!(round_trip(&mut new, b"again").await, b"again");
    }

    #[tokio::test]
    async fn a_blackhole_holds_everything_silently_until_healed() {
        let (echo, _server) = echo_server().await;
        let proxy = Proxy::start(vec![echo]).await.expect("proxy");
        let mut old = TcpStream::connect(proxy.addr()).await.expect("connect");
        round_trip(&mut old, b"before").await;

        proxy.blackhole();
        // Writes still succeed (nothing is closed) but nothing comes back, on the old
        // connection or on a new one, which is accepted all the same.
        old.write_all(b"during").await.expect("write");
        let mut new = TcpStream::connect(proxy.addr()).await.expect("accepted");
        new.write_all(b"new").await.expect("write");
        assert!(!hears_within(&mut old, Duration::from_millis(300)).await);
        assert!(!hears_within(&mut new, Duration::from_millis(300)).await);
        assert_eq!(proxy.connections(), 2);

        // Healed: what was held arrives, in order, on both.
        proxy.heal();
        let mut back = [0u8; 6];
        old.read_exact(&mut back).await.expect("held bytes");
        assert_eq!(&back, b"during");
        let mut back = [0u8; 3];
        new.read_exact(&mut back).await.expect("held bytes");
        assert_eq!(&back, b"new");
        assert_eq!(round_trip(&mut old, b"after").await, b"after");
    }

    #[tokio::test]
    async fn a_delay_delays_each_direction() {
        let (echo, _server) = echo_server().await;
        let proxy = Proxy::start(vec![echo]).await.expect("proxy");
        proxy.set_delay(Duration::from_millis(150));
        let mut stream = TcpStream::connect(proxy.addr()).await.expect("connect");
        let started = std::time::Instant::now();
        assert_eq!(round_trip(&mut stream, b"slow").await, b"slow");
        // Once out, once back.
        assert!(started.elapsed() >= Duration::from_millis(300));
        proxy.set_delay(Duration::ZERO);
        assert_eq!(round_trip(&mut stream, b"fast").await, b"fast");
    }

    #[tokio::test]
    async fn it_fails_over_to_the_next_upstream_and_closes_when_none_answers() {
        let (echo, _server) = echo_server().await;
        let dead = closed_port().await;
        let proxy = Proxy::start(vec![dead, echo]).await.expect("proxy");
        let mut stream = TcpStream::connect(proxy.addr()).await.expect("connect");
        assert_eq!(round_trip(&mut stream, b"second").await, b"second");

        let nowhere = Proxy::start(vec![dead]).await.expect("proxy");
        let mut stream = TcpStream::connect(nowhere.addr()).await.expect("accepted");
        let mut buf = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("closed");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    }

    #[tokio::test]
    async fn dropping_the_proxy_closes_its_connections() {
        let (echo, _server) = echo_server().await;
        let proxy = Proxy::start(vec![echo]).await.expect("proxy");
        let mut stream = TcpStream::connect(proxy.addr()).await.expect("connect");
        round_trip(&mut stream, b"x").await;
        drop(proxy);
        let mut buf = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("closed");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    }
}
