//! Real `redis-server` and `tidings-server` processes, stopped by PID on drop.

use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status();
}

/// A `redis-server` on a free loopback port with AOF (`appendfsync always`) in a temp dir.
pub struct Redis {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl Redis {
    /// Starts Redis and waits until it answers PING.
    pub fn start() -> Result<Self> {
        let mut redis = Self {
            child: None,
            port: free_port()?,
            dir: tempfile::tempdir()?,
        };
        redis.spawn()?;
        Ok(redis)
    }

    fn spawn(&mut self) -> Result<()> {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port"])
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(self.dir.path())
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .args(["--protected-mode", "no", "--loglevel", "warning"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting redis-server (install it: sudo apt-get install redis-server)")?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(client) = redis::Client::open(self.url()) {
                if let Ok(mut conn) = client.get_connection() {
                    if redis::cmd("PING").query::<String>(&mut conn).is_ok() {
                        return Ok(());
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        bail!("redis-server did not answer within 10 s")
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Its process id while it runs (`None` after [`Redis::kill9`]).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// A blocking connection for assertions on stored state.
    pub fn connection(&self) -> Result<redis::Connection> {
        Ok(redis::Client::open(self.url())?.get_connection()?)
    }

    /// SIGKILL, as a crash would.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "KILL");
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and data dir (replaying the AOF).
    pub fn restart(&mut self) -> Result<()> {
        self.kill9();
        self.spawn()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Where the server binary is: `$TIDINGS_SERVER_BIN`, else in the running binary's
/// profile dir (`target/<profile>/`, built first by `cargo build -p tidings-server`),
/// else built now.
pub fn server_binary() -> Result<PathBuf> {
    if let Ok(path) = std::env::var("TIDINGS_SERVER_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .context("the running binary has no directory")?;
    // Test binaries live in target/<profile>/deps/, the harness's own binaries (chaos,
    // the benchmarks) in target/<profile>/.
    let profile_dir = if dir.ends_with("deps") {
        dir.parent().context("test binary has no target dir")?
    } else {
        dir
    };
    let candidate = profile_dir.join("tidings-server");
    if !candidate.exists() {
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "-p", "tidings-server"]);
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().context("building tidings-server")?;
        if !status.success() || !candidate.exists() {
            bail!(
                "cargo build -p tidings-server did not produce {}",
                candidate.display()
            );
        }
    }
    Ok(candidate)
}

/// A `tidings-server` process on a free loopback port, with its own media and upload
/// directories.
pub struct Server {
    child: Option<Child>,
    pub addr: SocketAddr,
    /// The local media store (used when no S3 bucket is configured).
    pub media_dir: tempfile::TempDir,
    /// Where uploads are spooled (unless the test named its own `--upload-temp-dir`).
    pub upload_dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server on `redis_url` with the test secret and any extra flags, and waits
    /// for its "listening on" line.
    pub fn start(redis_url: &str, extra_args: &[&str]) -> Result<Self> {
        Self::start_at("127.0.0.1:0", redis_url, extra_args)
    }

    /// Like [`Server::start`] on a given address (to restart an instance where its
    /// clients expect it).
    pub fn start_at(bind: &str, redis_url: &str, extra_args: &[&str]) -> Result<Self> {
        let media_dir = tempfile::tempdir()?;
        let upload_dir = tempfile::tempdir()?;
        let mut command = Command::new(server_binary()?);
        command.args(["--bind", bind, "--redis-url", redis_url]);
        // A test may name its own media dir (e.g. one shared by two instances).
        if !extra_args.contains(&"--media-dir") {
            command.arg("--media-dir").arg(media_dir.path());
        }
        // Or its own upload spool (e.g. on a small filesystem, to fill it).
        if !extra_args.contains(&"--upload-temp-dir") {
            command.arg("--upload-temp-dir").arg(upload_dir.path());
        }
        let mut child = command
            .args(["--jwt-secret", crate::JWT_SECRET])
            .args(extra_args)
            .env(
                "RUST_LOG",
                std::env::var("TIDINGS_TEST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting tidings-server")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("tidings-server listening on ") {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => addr.parse()?,
            Err(_) => {
                signal(child.id(), "KILL");
                let _ = child.wait();
                bail!("tidings-server did not start listening within 30 s");
            }
        };
        Ok(Self {
            child: Some(child),
            addr,
            media_dir,
            upload_dir,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:<port>/v1/gateway`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/v1/gateway", self.addr)
    }

    /// The process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL, as a crash would.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "KILL");
            let _ = child.wait();
        }
    }

    /// SIGTERM, and wait (bounded) for a graceful exit; returns whether it exited by itself.
    pub fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        signal(child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        signal(child.id(), "KILL");
        let _ = child.wait();
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// An S3-compatible server (`s3s-fs`, installed by scripts/setup.sh) on a free loopback
/// port, storing into a temp dir, with one bucket.
pub struct S3Server {
    child: Option<Child>,
    pub port: u16,
    pub root: tempfile::TempDir,
}

impl S3Server {
    pub const BUCKET: &'static str = "tidings";
    pub const ACCESS_KEY: &'static str = "tidings-test-access";
    pub const SECRET_KEY: &'static str = "tidings-test-secret-key";

    /// Starts it with an empty bucket.
    pub fn start() -> Result<Self> {
        let root = tempfile::tempdir()?;
        std::fs::create_dir_all(root.path().join(Self::BUCKET))?;
        let mut server = Self {
            child: None,
            port: free_port()?,
            root,
        };
        server.spawn()?;
        Ok(server)
    }

    fn binary() -> PathBuf {
        if let Ok(path) = std::env::var("TIDINGS_S3S_FS") {
            return PathBuf::from(path);
        }
        let cached = std::env::var("HOME")
            .map(|h| PathBuf::from(h).join(".cache/tidings/s3s-fs/bin/s3s-fs"))
            .unwrap_or_default();
        if cached.exists() {
            cached
        } else {
            PathBuf::from("s3s-fs")
        }
    }

    fn spawn(&mut self) -> Result<()> {
        let child = Command::new(Self::binary())
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--access-key",
                Self::ACCESS_KEY,
                "--secret-key",
                Self::SECRET_KEY,
            ])
            .arg(self.root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting s3s-fs (scripts/setup.sh installs it)")?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        bail!("s3s-fs did not listen within 10 s")
    }

    /// Its process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Server flags that point a Tidings server at this bucket.
    pub fn server_args(&self) -> Vec<String> {
        vec![
            "--s3-bucket".into(),
            Self::BUCKET.into(),
            "--s3-endpoint".into(),
            self.endpoint(),
            "--s3-access-key".into(),
            Self::ACCESS_KEY.into(),
            "--s3-secret-key".into(),
            Self::SECRET_KEY.into(),
        ]
    }

    /// Every file stored in the bucket (relative paths; s3s-fs keeps objects as files).
    pub fn objects(&self) -> Vec<String> {
        files_under(&self.root.path().join(Self::BUCKET))
    }

    /// Stops it (SIGKILL).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "KILL");
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and data.
    pub fn restart(&mut self) -> Result<()> {
        self.stop();
        self.spawn()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Relative paths of the regular files under `dir` (recursively).
pub fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                out.push(rel.display().to_string());
            }
        }
    }
    out.sort();
    out
}
