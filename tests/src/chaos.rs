//! The chaos harness: real server instances on one real `redis-server`, real client cores
//! each behind its own [`Proxy`], groups among them, traffic through the cores' outboxes,
//! faults injected while it flows, and at the end the check that nothing was lost.
//!
//! "Nothing lost" (issue 9) means: every message whose send was acknowledged is present
//! exactly once, at its acknowledged seq, with gapless seqs, in the server's log and in
//! every member's cache once they have reconnected; every message not acknowledged is
//! still in its sender's outbox or was stored exactly once; nobody holds a conversation
//! they are not in. [`Chaos::settle_and_check`] decides it; see [`check`].
//!
//! Layout: a client's core talks to `http://<its proxy>`; the proxy dials the instances
//! starting with the client's own (`client % instances`) and falls over to the others,
//! as a load balancer would. Instances talk to Redis directly. Faults:
//! [`Chaos::kill9_instance`] / [`Chaos::restart_instance`] (same address),
//! [`Chaos::terminate_instance`] (SIGTERM drain), [`Chaos::kill9_redis`] /
//! [`Chaos::start_redis`] (AOF `appendfsync always`, so nothing acknowledged may be lost),
//! [`Chaos::kill_pubsub`] (`CLIENT KILL TYPE pubsub`), and each client's proxy
//! ([`Chaos::proxy`]: cut, blackhole, heal, delay).
//!
//! Process control blocks (spawning, waiting for a port), so the harness needs tokio's
//! multi-threaded runtime (`#[tokio::test(flavor = "multi_thread")]`).

pub mod check;
mod ledger;

pub use check::Report;
pub use ledger::{Ledger, SendRecord, Traffic, TrafficPlan};

use crate::processes::{Redis, Server};
use crate::proxy::Proxy;
use crate::{unique_name, PASSWORD};
use anyhow::{bail, Context, Result};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tidings_core::{Core, CoreConfig};
use tidings_shared::{ConversationId, UserId};
use tokio::task::JoinHandle;

/// Server flags for chaos runs: no rate limits (the traffic is the test's, not abuse), and
/// a 1 s heartbeat with a 3 s timeout, so a silent connection is noticed in seconds.
pub const SERVER_ARGS: &[&str] = &[
    "--message-rate",
    "100000",
    "--message-burst",
    "100000",
    "--heartbeat-interval-secs",
    "1",
    "--heartbeat-timeout-secs",
    "3",
];

/// The shape of a run.
#[derive(Clone, Debug)]
pub struct ChaosConfig {
    /// Server instances sharing the Redis.
    pub instances: usize,
    /// Client cores, each a person of its own.
    pub clients: usize,
    /// People per group. There are `clients` groups, group `g` holding clients
    /// `g, g+1, …` (mod `clients`), so each client is in `group_size` groups and, when
    /// `clients > group_size`, outside the others.
    pub group_size: usize,
    /// Flags for every instance.
    pub server_args: Vec<String>,
}

impl Default for ChaosConfig {
    fn default() -> Self {
        Self {
            instances: 2,
            clients: 4,
            group_size: 3,
            server_args: SERVER_ARGS.iter().map(|a| a.to_string()).collect(),
        }
    }
}

/// One person's client: a real core with its own data dir, behind its own proxy.
pub struct Client {
    pub core: Core,
    pub user: UserId,
    pub username: String,
    /// Between this core and the instances.
    pub proxy: Proxy,
    /// The groups this client is a member of.
    pub groups: Vec<ConversationId>,
    watcher: JoinHandle<()>,
    /// Dropped after the core (field order).
    _dir: tempfile::TempDir,
}

/// A group and its members (indexes into [`Chaos::clients`]).
#[derive(Clone, Debug)]
pub struct Group {
    pub id: ConversationId,
    pub members: Vec<usize>,
}

/// A running chaos world. Dropping it stops every process it started (by PID).
pub struct Chaos {
    /// Dropped first: proxies close, then the instances, then Redis (field order).
    pub clients: Vec<Client>,
    pub groups: Vec<Group>,
    /// Every send and its fate.
    pub ledger: Arc<Ledger>,
    servers: Vec<Server>,
    addrs: Vec<SocketAddr>,
    server_args: Vec<String>,
    redis: Redis,
}

impl Chaos {
    /// Starts Redis, the instances and the clients, signs everyone up, creates the groups,
    /// and waits until every client knows its groups.
    pub async fn start(config: ChaosConfig) -> Result<Chaos> {
        if config.instances == 0 || config.clients == 0 || config.group_size == 0 {
            bail!("a chaos run needs at least one instance, client and group member");
        }
        let server_args = config.server_args.clone();
        let (redis, servers) = tokio::task::block_in_place(|| -> Result<_> {
            let redis = Redis::start()?;
            let args: Vec<&str> = server_args.iter().map(String::as_str).collect();
            let servers = (0..config.instances)
                .map(|_| Server::start(&redis.url(), &args))
                .collect::<Result<Vec<_>>>()?;
            Ok((redis, servers))
        })?;
        let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
        let ledger = Arc::new(Ledger::default());
        let mut clients = Vec::new();
        for index in 0..config.clients {
            // Its own instance first, then the others in order.
            let mut upstreams = addrs.clone();
            upstreams.rotate_left(index % addrs.len());
            clients.push(start_client(index, upstreams, ledger.clone()).await?);
        }
        let mut chaos = Chaos {
            clients,
            groups: Vec::new(),
            ledger,
            servers,
            addrs,
            server_args,
            redis,
        };
        chaos.create_groups(config.group_size).await?;
        Ok(chaos)
    }

    async fn create_groups(&mut self, group_size: usize) -> Result<()> {
        let n = self.clients.len();
        let size = group_size.min(n);
        let count = if size == n { 1 } else { n };
        for g in 0..count {
            let members: Vec<usize> = (0..size).map(|k| (g + k) % n).collect();
            let others = members[1..]
                .iter()
                .map(|&m| self.clients[m].username.clone())
                .collect();
            let summary = self.clients[members[0]]
                .core
                .create_group(&format!("group {g}"), others)
                .await
                .with_context(|| format!("creating group {g}"))?;
            for &m in &members {
                self.clients[m].groups.push(summary.id.clone());
            }
            self.groups.push(Group {
                id: summary.id,
                members,
            });
        }
        // Everyone learns of their groups (a `conversation` frame, or the next sync).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        for (i, client) in self.clients.iter().enumerate() {
            loop {
                let known = client.core.conversations().await?;
                if client
                    .groups
                    .iter()
                    .all(|g| known.iter().any(|c| &c.id == g))
                {
                    break;
                }
                if tokio::time::Instant::now() > deadline {
                    bail!("client {i} did not learn of its groups within 30 s");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Ok(())
    }

    /// Starts traffic from every client to its groups, in turn.
    pub fn start_traffic(&self, plan: TrafficPlan) -> Traffic {
        let senders = self
            .clients
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.core.clone(), c.groups.clone()))
            .collect();
        Traffic::start(senders, plan, self.ledger.clone())
    }

    /// Client `i`'s proxy: cut, blackhole, heal or delay its connections.
    pub fn proxy(&self, i: usize) -> &Proxy {
        &self.clients[i].proxy
    }

    /// The number of server instances.
    pub fn instances(&self) -> usize {
        self.servers.len()
    }

    /// The number of clients.
    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// Instance `i`'s address (stable across restarts).
    pub fn instance_addr(&self, i: usize) -> SocketAddr {
        self.addrs[i]
    }

    /// Whether instance `i` is running.
    pub fn instance_running(&self, i: usize) -> bool {
        self.servers[i].pid().is_some()
    }

    /// SIGKILL to instance `i`, as a crash would.
    pub fn kill9_instance(&mut self, i: usize) {
        self.servers[i].kill9();
    }

    /// SIGTERM to instance `i`, waiting (bounded) for its drain; whether it exited by
    /// itself.
    pub fn terminate_instance(&mut self, i: usize) -> bool {
        tokio::task::block_in_place(|| self.servers[i].terminate())
    }

    /// Starts instance `i` again on its old address (stopping it first if it runs).
    /// Retries a few times: the port may take a moment to be free again.
    pub fn restart_instance(&mut self, i: usize) -> Result<()> {
        self.servers[i].kill9();
        let bind = self.addrs[i].to_string();
        let url = self.redis.url();
        let args: Vec<&str> = self.server_args.iter().map(String::as_str).collect();
        let server = tokio::task::block_in_place(|| {
            let mut last = None;
            for _ in 0..10 {
                match Server::start_at(&bind, &url, &args) {
                    Ok(server) => return Ok(server),
                    Err(e) => last = Some(e),
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(last.unwrap_or_else(|| anyhow::anyhow!("never tried")))
        })
        .with_context(|| format!("restarting instance {i} on {bind}"))?;
        self.servers[i] = server;
        Ok(())
    }

    /// SIGKILL to redis-server: only what was fsynced survives (all that was acknowledged,
    /// with `appendfsync always`).
    pub fn kill9_redis(&mut self) {
        self.redis.kill9();
    }

    /// Starts redis-server again on its port and data dir (replaying the AOF); stops it
    /// first if it runs.
    pub fn start_redis(&mut self) -> Result<()> {
        tokio::task::block_in_place(|| self.redis.restart())
    }

    /// Whether redis-server is running.
    pub fn redis_running(&self) -> bool {
        self.redis.pid().is_some()
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn redis_url(&self) -> String {
        self.redis.url()
    }

    /// `CLIENT KILL TYPE pubsub`: drops every instance's pub/sub connection (and only
    /// those). Returns how many were killed.
    pub async fn kill_pubsub(&self) -> Result<u64> {
        let client = redis::Client::open(self.redis.url())?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        let killed: u64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("pubsub")
            .query_async(&mut conn)
            .await?;
        Ok(killed)
    }

    /// Undoes every fault still in force: heals every proxy, starts Redis and every
    /// stopped instance.
    pub fn recover_all(&mut self) -> Result<()> {
        for client in &self.clients {
            client.proxy.heal();
            client.proxy.set_delay(Duration::ZERO);
        }
        if !self.redis_running() {
            self.start_redis()?;
        }
        for i in 0..self.servers.len() {
            if !self.instance_running(i) {
                self.restart_instance(i)?;
            }
        }
        Ok(())
    }

    /// Recovers from every fault, waits (at most `settle`) for every client to be idle
    /// and caught up, and checks that nothing was lost. See [`check`].
    pub async fn settle_and_check(&mut self, settle: Duration) -> Result<Report> {
        self.recover_all()?;
        check::settle_and_check(self, settle).await
    }

    /// Stops every core, then every process (by PID).
    pub async fn shutdown(self) {
        for client in &self.clients {
            client.core.stop().await;
            client.watcher.abort();
        }
        drop(self);
    }
}

async fn start_client(
    index: usize,
    upstreams: Vec<SocketAddr>,
    ledger: Arc<Ledger>,
) -> Result<Client> {
    let proxy = Proxy::start(upstreams).await?;
    let dir = tempfile::tempdir()?;
    let core = Core::open(CoreConfig {
        server: proxy.http_url(),
        data_dir: dir.path().to_owned(),
    })
    .await?;
    let username = unique_name(&format!("c{index}_"));
    let me = core
        .sign_up(&username, &format!("Client {index}"), PASSWORD)
        .await
        .with_context(|| format!("signing up client {index}"))?;
    // Subscribed before the first send, so that no acknowledgement goes unseen.
    let watcher = ledger::watch_core(index, core.subscribe(), ledger);
    core.start().await;
    Ok(Client {
        core,
        user: me.id,
        username,
        proxy,
        groups: Vec::new(),
        watcher,
        _dir: dir,
    })
}
