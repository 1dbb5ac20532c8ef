//! Configuration from flags and environment variables (flags win).

use clap::Parser;
use std::net::SocketAddr;
use tidings_shared::limits;

/// The secret used in `--dev` mode when none is given. Never valid outside dev mode.
pub const DEV_JWT_SECRET: &str = "tidings-dev-secret-do-not-use-in-production";

/// Everything the server can be told at start-up.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "tidings-server",
    version,
    about = "The Tidings companion server"
)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (printed at start-up).
    #[arg(long, env = "TIDINGS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Redis holding all state; several instances share one.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,

    /// HMAC secret for access tokens (at least 32 bytes). Required unless --dev.
    #[arg(long, env = "TIDINGS_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Development mode: allows running without a JWT secret (a fixed, public one is used).
    #[arg(long, env = "TIDINGS_DEV")]
    pub dev: bool,

    /// Browser origins allowed to open the WebSocket (comma-separated). Requests without
    /// an Origin header (native clients) are allowed.
    #[arg(
        long,
        env = "TIDINGS_ALLOWED_ORIGINS",
        value_delimiter = ',',
        default_value = "tauri://localhost,http://tauri.localhost,https://tauri.localhost"
    )]
    pub allowed_origins: Vec<String>,

    /// A name for this instance in logs and metrics.
    #[arg(long, env = "TIDINGS_INSTANCE", default_value = "tidings")]
    pub instance: String,

    /// Access-token lifetime.
    #[arg(long, env = "TIDINGS_ACCESS_TOKEN_TTL_SECS", default_value_t = limits::ACCESS_TOKEN_TTL_SECS)]
    pub access_token_ttl_secs: u64,

    /// Refresh-token lifetime.
    #[arg(long, env = "TIDINGS_REFRESH_TOKEN_TTL_SECS", default_value_t = limits::REFRESH_TOKEN_TTL_SECS)]
    pub refresh_token_ttl_secs: u64,

    /// Sustained writes (send/edit/delete) per user per second on this instance.
    #[arg(long, env = "TIDINGS_MESSAGE_RATE", default_value_t = limits::MESSAGE_RATE_PER_SECOND)]
    pub message_rate: u32,

    /// Writes allowed in a burst above the sustained rate.
    #[arg(long, env = "TIDINGS_MESSAGE_BURST", default_value_t = limits::MESSAGE_RATE_BURST)]
    pub message_burst: u32,

    /// Failed logins per username in the throttle window.
    #[arg(long, env = "TIDINGS_LOGIN_FAILURES_PER_USERNAME", default_value_t = limits::LOGIN_FAILURES_PER_USERNAME)]
    pub login_failures_per_username: u32,

    /// Failed logins per client address in the throttle window.
    #[arg(long, env = "TIDINGS_LOGIN_FAILURES_PER_ADDRESS", default_value_t = limits::LOGIN_FAILURES_PER_ADDRESS)]
    pub login_failures_per_address: u32,

    /// Length of the failed-login window.
    #[arg(long, env = "TIDINGS_LOGIN_THROTTLE_WINDOW_SECS", default_value_t = limits::LOGIN_THROTTLE_WINDOW_SECS)]
    pub login_throttle_window_secs: u64,

    /// Seconds between server pings.
    #[arg(long, env = "TIDINGS_HEARTBEAT_INTERVAL_SECS", default_value_t = limits::HEARTBEAT_INTERVAL_SECS)]
    pub heartbeat_interval_secs: u64,

    /// Seconds of silence after which a peer is dropped.
    #[arg(long, env = "TIDINGS_HEARTBEAT_TIMEOUT_SECS", default_value_t = limits::HEARTBEAT_TIMEOUT_SECS)]
    pub heartbeat_timeout_secs: u64,

    /// Frames queued per connection before shedding / disconnecting.
    #[arg(long, env = "TIDINGS_OUTBOUND_QUEUE_FRAMES", default_value_t = limits::OUTBOUND_QUEUE_FRAMES)]
    pub outbound_queue_frames: usize,

    /// Bytes the WebSocket may hold unwritten before a write waits (the socket-level
    /// buffer behind the outbound queue).
    #[arg(long, env = "TIDINGS_WS_WRITE_BUFFER_BYTES", default_value_t = 256 * 1024)]
    pub ws_write_buffer_bytes: usize,

    /// Milliseconds a connection waits after a write before its next one while this
    /// instance is busy (see --write-pacing-above), so that frames arriving close
    /// together share one write; 0 disables pacing. A write costs about as much CPU for
    /// one frame as for ten, so at high rates this is most of what a delivery costs.
    #[arg(long, env = "TIDINGS_WRITE_PACING_MS", default_value_t = 20)]
    pub write_pacing_ms: u64,

    /// Deliveries per second on this instance from which writes are paced (when the
    /// two conditions below hold too). Below it, every frame is written as soon as it is
    /// queued.
    #[arg(long, env = "TIDINGS_WRITE_PACING_ABOVE", default_value_t = 20_000)]
    pub write_pacing_above: u64,

    /// Frames a second each connection must get, on average, for writes to be paced:
    /// below it a pause rarely finds a second frame to share the write.
    #[arg(
        long,
        env = "TIDINGS_WRITE_PACING_PER_CONNECTION",
        default_value_t = 25
    )]
    pub write_pacing_per_connection: u64,

    /// Percent of the time some task must be waiting for a CPU (Linux CPU pressure, of
    /// this process's cgroup or else the host) for writes to be paced: with CPU to
    /// spare, a pause would only add latency. 0 paces on the rates alone, as do systems
    /// without pressure information.
    #[arg(long, env = "TIDINGS_WRITE_PACING_CPU_PRESSURE", default_value_t = 60)]
    pub write_pacing_cpu_pressure: u64,

    /// Script calls of log appends this instance keeps in flight to Redis at once,
    /// pipelined on one connection. Appends that arrive meanwhile go together in the next
    /// call; with only one in flight, an instance appends at most 64 per round trip, and
    /// a loaded host's longer round trips made appends queue behind several calls.
    #[arg(long, env = "TIDINGS_APPEND_CALLS_IN_FLIGHT", default_value_t = 4)]
    pub append_calls_in_flight: usize,

    /// Bytes of a WebSocket's read buffer, allocated (and zeroed) for every connection:
    /// client frames are small, so a small buffer keeps idle connections cheap; a larger
    /// frame grows it as needed (one read reserves the whole frame once its header is in).
    /// tungstenite's default (128 KiB) made idle connections cost 165 KiB each.
    #[arg(long, env = "TIDINGS_WS_READ_BUFFER_BYTES", default_value_t = 1024)]
    pub ws_read_buffer_bytes: usize,

    /// Open TCP connections this instance accepts (HTTP and WebSocket together).
    #[arg(long, env = "TIDINGS_MAX_CONNECTIONS", default_value_t = 50_000)]
    pub max_connections: usize,

    /// Seconds a device stays "connected" without a heartbeat (bounds how long the users
    /// of a crashed instance still look online).
    #[arg(long, env = "TIDINGS_PRESENCE_TTL_SECS", default_value_t = limits::PRESENCE_TTL_SECS)]
    pub presence_ttl_secs: u64,

    /// Seconds of silence after which a `typing` is over.
    #[arg(long, env = "TIDINGS_TYPING_TIMEOUT_SECS", default_value_t = limits::TYPING_TIMEOUT_SECS)]
    pub typing_timeout_secs: u64,

    /// Directory for media when no S3 bucket is configured (the embedded default).
    #[arg(long, env = "TIDINGS_MEDIA_DIR", default_value = "tidings-media")]
    pub media_dir: std::path::PathBuf,

    /// S3 bucket for media; when set, media go to S3 instead of --media-dir.
    #[arg(long, env = "TIDINGS_S3_BUCKET")]
    pub s3_bucket: Option<String>,

    /// S3 endpoint URL, for S3-compatible servers (path-style addressing is always used).
    #[arg(long, env = "TIDINGS_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,

    /// S3 region.
    #[arg(long, env = "TIDINGS_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,

    /// S3 access key id.
    #[arg(
        long,
        env = "AWS_ACCESS_KEY_ID",
        default_value = "",
        hide_env_values = true
    )]
    pub s3_access_key: String,

    /// S3 secret access key.
    #[arg(
        long,
        env = "AWS_SECRET_ACCESS_KEY",
        default_value = "",
        hide_env_values = true
    )]
    pub s3_secret_key: String,

    /// Where uploads are spooled while they arrive. Defaults to `<media dir>/.uploads` for
    /// the local store (same filesystem: a finished upload is moved, not copied) and to
    /// the system temp dir with S3.
    #[arg(long, env = "TIDINGS_UPLOAD_TEMP_DIR")]
    pub upload_temp_dir: Option<std::path::PathBuf>,

    /// Largest upload accepted, in bytes.
    #[arg(long, env = "TIDINGS_MAX_UPLOAD_BYTES", default_value_t = limits::MAX_UPLOAD_BYTES)]
    pub max_upload_bytes: u64,

    /// Seconds a signed media link works.
    #[arg(long, env = "TIDINGS_MEDIA_LINK_TTL_SECS", default_value_t = limits::MEDIA_LINK_TTL_SECS)]
    pub media_link_ttl_secs: u64,

    /// Seconds a client may take to send its HTTP request head (slowloris guard).
    #[arg(long, env = "TIDINGS_HEADER_READ_TIMEOUT_SECS", default_value_t = limits::HTTP_HEADER_READ_TIMEOUT_SECS)]
    pub header_read_timeout_secs: u64,

    /// WebSocket connections per user on this instance.
    #[arg(long, env = "TIDINGS_MAX_CONNECTIONS_PER_USER", default_value_t = limits::MAX_CONNECTIONS_PER_USER)]
    pub max_connections_per_user: usize,
}

impl Config {
    /// The JWT secret to use, or why the server must not start.
    pub fn jwt_secret(&self) -> Result<Vec<u8>, String> {
        match (&self.jwt_secret, self.dev) {
            (Some(s), _) if s == DEV_JWT_SECRET && !self.dev => {
                Err("the development JWT secret may only be used with --dev".into())
            }
            (Some(s), false) if s.len() < 32 => {
                Err("TIDINGS_JWT_SECRET must have at least 32 bytes".into())
            }
            (Some(s), _) => Ok(s.as_bytes().to_vec()),
            (None, true) => Ok(DEV_JWT_SECRET.as_bytes().to_vec()),
            (None, false) => Err(
                "no JWT secret: set TIDINGS_JWT_SECRET (32+ random bytes), or pass --dev \
                 to run with a public development secret"
                    .into(),
            ),
        }
    }
}
