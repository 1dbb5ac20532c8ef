//! Test harness: real `redis-server` and real `tidings-server` processes on 127.0.0.1, and
//! small HTTP and WebSocket clients that speak the protocol from `tidings_shared`; a TCP
//! proxy that cuts, blackholes and delays connections, and the chaos harness built on
//! them (real client cores, traffic, faults, and the "nothing lost" check).
//!
//! Every process started here is killed by PID when its handle drops (and a test can kill
//! it earlier, with SIGKILL or SIGTERM). Every wait is bounded.

pub mod api;
pub mod chaos;
pub mod cores;
pub mod processes;
pub mod proxy;
pub mod ws;

pub use api::{Api, TestUser};
pub use processes::{Redis, S3Server, Server};
pub use proxy::Proxy;
pub use ws::Ws;

/// The JWT secret every test server gets (tests also use it to forge expired tokens).
pub const JWT_SECRET: &str = "tidings-test-secret-0123456789abcdef0123456789";

/// A password that passes the policy.
pub const PASSWORD: &str = "correct horse battery staple";

/// The default bound for one expected event.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A username nobody has used in this process or any other test run on this Redis.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tail = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}{n}{}", &tail[..6])
}

/// `len` deterministic, incompressible-looking bytes (xorshift from `seed`): file contents
/// that no compression or de-duplication can shortcut.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Redis plus `n` server instances sharing it, with an HTTP client per instance.
pub struct World {
    /// Instances, each with its API client. Dropped before Redis (field order).
    pub servers: Vec<Server>,
    pub apis: Vec<Api>,
    pub redis: Redis,
}

impl World {
    /// Starts Redis and `instances` servers with `extra_args`.
    pub fn start(instances: usize, extra_args: &[&str]) -> anyhow::Result<Self> {
        let redis = Redis::start()?;
        let mut servers = Vec::new();
        for _ in 0..instances {
            servers.push(Server::start(&redis.url(), extra_args)?);
        }
        let apis = servers.iter().map(|s| Api::new(s.http_url())).collect();
        Ok(Self {
            servers,
            apis,
            redis,
        })
    }

    /// Starts Redis, an S3 server, and `instances` servers storing media in its bucket.
    pub fn start_with_s3(
        instances: usize,
        extra_args: &[&str],
    ) -> anyhow::Result<(Self, S3Server)> {
        let s3 = S3Server::start()?;
        let mut args: Vec<String> = s3.server_args();
        args.extend(extra_args.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Ok((Self::start(instances, &args)?, s3))
    }

    /// The first instance's API.
    pub fn api(&self) -> &Api {
        &self.apis[0]
    }

    /// The usual cast: Ana connected to the first instance, Ben to the last, and their
    /// direct conversation.
    pub async fn ana_and_ben(&self) -> anyhow::Result<Pair> {
        let ana = self.apis[0].new_user("ana").await?;
        let ben = self.apis[0].new_user("ben").await?;
        let direct = self.apis[0].direct(&ana, &ben).await?;
        let ana_ws = self.connect(0, &ana).await?;
        let ben_ws = self.connect(self.servers.len() - 1, &ben).await?;
        Ok(Pair {
            ana,
            ben,
            direct,
            ana_ws,
            ben_ws,
        })
    }

    /// Connects `user` to instance `i`.
    pub async fn connect(&self, i: usize, user: &TestUser) -> anyhow::Result<Ws> {
        Ws::connect(&self.servers[i].ws_url(), user.token()).await
    }
}

/// Two users in a direct conversation, each connected (see [`World::ana_and_ben`]).
pub struct Pair {
    pub ana: TestUser,
    pub ben: TestUser,
    pub direct: tidings_shared::ConversationSummary,
    pub ana_ws: Ws,
    pub ben_ws: Ws,
}
