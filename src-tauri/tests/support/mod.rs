//! What the desktop end-to-end tests share: an app instance in surroundings of its own
//! (directories, a private D-Bus session bus), driven over WebDriver (tauri-driver →
//! WebKitWebDriver), and processes stopped by their id on drop.
//!
//! Needs an X display (Xvfb) plus `tauri-driver` and `WebKitWebDriver`; scripts/test.sh
//! provides them and sets `TIDINGS_E2E=1`, which turns a missing piece into a failure.
//! Without it and without a `DISPLAY`, [`driver_or_skip`] says why and the test passes, so
//! that a plain `cargo test --workspace` on a desktop-less machine stays useful.
#![allow(dead_code, unreachable_pub)] // each test binary uses its own part

use anyhow::{bail, ensure, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tidings_tests::PASSWORD;

/// The longest any one expected change may take on screen.
pub const UI_WAIT: Duration = Duration::from_secs(20);

/// tauri-driver, or `None` when the test should be skipped (no display or no driver and
/// `TIDINGS_E2E` is not `1`); with `TIDINGS_E2E=1` a missing piece is an error.
pub fn driver_or_skip(test: &str) -> Result<Option<PathBuf>> {
    let required = std::env::var("TIDINGS_E2E").is_ok_and(|v| v == "1");
    if std::env::var_os("DISPLAY").is_none() {
        if required {
            bail!("TIDINGS_E2E=1 but there is no DISPLAY (run under xvfb-run)");
        }
        eprintln!("{test}: skipped — no DISPLAY (scripts/test.sh runs it under Xvfb)");
        return Ok(None);
    }
    match tauri_driver() {
        Some(driver) => Ok(Some(driver)),
        None if required => {
            bail!("TIDINGS_E2E=1 but tauri-driver was not found (TIDINGS_TAURI_DRIVER, PATH)")
        }
        None => {
            eprintln!("{test}: skipped — no tauri-driver (scripts/test.sh installs it)");
            Ok(None)
        }
    }
}

/// One app instance's private surroundings: its directories (home, runtime, data) and a
/// D-Bus session bus of its own, ready before the app starts so that a test can put its
/// own services (a tray watcher, a notification daemon) on the bus first.
pub struct AppEnv {
    pub home: PathBuf,
    pub runtime: PathBuf,
    pub data: PathBuf,
    pub bus_address: String,
    // Dropped after the services above it, so they go before their bus.
    _bus: Reaped,
    pub dirs: tempfile::TempDir,
}

impl AppEnv {
    pub fn new() -> Result<Self> {
        let dirs = tempfile::tempdir()?;
        let home = dirs.path().join("home");
        let runtime = dirs.path().join("runtime");
        let data = dirs.path().join("data");
        for dir in [&home, &runtime, &data] {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::set_permissions(
            &runtime,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )?;
        let (bus, bus_address) = private_bus(dirs.path())?;
        Ok(Self {
            home,
            runtime,
            data,
            bus_address,
            _bus: bus,
            dirs,
        })
    }

    /// The environment the app (and anything talking to its bus) runs with.
    pub fn apply(&self, command: &mut Command) {
        command
            .env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .env("XDG_DATA_HOME", self.home.join(".local/share"))
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus_address);
    }
}

/// One running app instance, its tauri-driver, and its WebDriver session.
pub struct App {
    pub client: Client,
    _driver: Reaped,
    pub env: AppEnv,
}

impl App {
    /// Starts an app in surroundings of its own.
    pub async fn launch(driver: &Path, server: &str) -> Result<Self> {
        Self::launch_in(AppEnv::new()?, driver, server).await
    }

    /// Starts an app in `env`.
    pub async fn launch_in(env: AppEnv, driver: &Path, server: &str) -> Result<Self> {
        let port = free_port()?;
        let native_port = free_port()?;
        let mut command = Command::new(driver);
        env.apply(&mut command);
        command
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .env("TIDINGS_DATA_DIR", &env.data)
            .env("TIDINGS_SERVER", server)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            // Its own process group, so that stopping it also stops the WebKitWebDriver
            // and app it started.
            .process_group(0);
        let driver = Reaped::group(command.spawn().context("starting tauri-driver")?);

        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("tauri-driver did not listen on {port} within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": env!("CARGO_BIN_EXE_tidings-desktop") }),
        );
        let mut last_error = None;
        for _ in 0..10 {
            match ClientBuilder::rustls()?
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => {
                    return Ok(Self {
                        client,
                        _driver: driver,
                        env,
                    })
                }
                Err(e) => {
                    last_error = Some(e);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        bail!("no WebDriver session: {last_error:?}")
    }

    pub async fn sign_up(&self, username: &str, display_name: &str) -> Result<()> {
        self.wait_for("input[name=display_name]").await?;
        self.type_into("input[name=username]", username).await?;
        self.type_into("input[name=display_name]", display_name)
            .await?;
        self.type_into("input[name=password]", PASSWORD).await?;
        self.click("form.card button[type=submit]").await?;
        self.wait_for("nav.sidebar").await?;
        let me = self.text(".sidebar-header .me strong").await?;
        ensure!(me == display_name, "signed in as {me}");
        // No keychain on the test's private bus: the app says so once; dismiss it.
        self.click(".notice button").await?;
        Ok(())
    }

    pub async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(UI_WAIT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        self.wait_for(css).await?.click().await?;
        Ok(())
    }

    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        self.wait_for(css).await?.send_keys(text).await?;
        Ok(())
    }

    /// The text of `css` once it has some. (`textContent`: WebKitWebDriver's rendered
    /// text comes back empty for text clipped with `overflow: hidden` + ellipsis.)
    pub async fn text(&self, css: &str) -> Result<String> {
        let text = std::cell::RefCell::new(String::new());
        self.wait_until(css, || async {
            let shown = text_of(&self.wait_for(css).await?).await?;
            let has_some = !shown.is_empty();
            *text.borrow_mut() = shown;
            Ok(has_some)
        })
        .await?;
        Ok(text.into_inner())
    }

    pub async fn text_of_all(&self, css: &str) -> Result<Vec<String>> {
        let mut texts = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await? {
            texts.push(text_of(&element).await?);
        }
        Ok(texts)
    }

    /// Whether a message bubble shows `text` (and, if given, has that status).
    pub async fn has_bubble(&self, text: &str, status: Option<&str>) -> Result<bool> {
        for bubble in self.client.find_all(Locator::Css(".bubble")).await? {
            let shown = text_of(&bubble.find(Locator::Css(".bubble-text")).await?).await?;
            if shown == text {
                let actual = bubble.attr("data-status").await?;
                return Ok(status.is_none() || actual.as_deref() == status);
            }
        }
        Ok(false)
    }

    /// The bubble showing `text`.
    pub async fn bubble(&self, text: &str) -> Result<fantoccini::elements::Element> {
        for bubble in self.client.find_all(Locator::Css(".bubble")).await? {
            if let Ok(shown) = bubble.find(Locator::Css(".bubble-text")).await {
                if text_of(&shown).await? == text {
                    return Ok(bubble);
                }
            }
        }
        bail!("no bubble shows {text:?}")
    }

    /// The receipt state (`pending`, `sent`, `delivered`, `read`) of my bubble showing
    /// `text`, if it is on screen.
    pub async fn receipt_of(&self, text: &str) -> Result<Option<String>> {
        match self.bubble(text).await {
            Ok(bubble) => Ok(bubble.attr("data-receipt").await?),
            Err(_) => Ok(None),
        }
    }

    /// Polls `check` until it holds, for at most [`UI_WAIT`].
    pub async fn wait_until<F, Fut>(&self, what: &str, check: F) -> Result<()>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<bool>>,
    {
        let deadline = Instant::now() + UI_WAIT;
        loop {
            match check().await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                // Elements may be replaced while we read them; try again.
                Err(e) if Instant::now() < deadline => eprintln!("e2e: retrying ({e})"),
                Err(e) => return Err(e).context(format!("waiting for {what}")),
            }
            if Instant::now() > deadline {
                bail!("{what} did not show within {UI_WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let png = self.client.screenshot().await?;
        std::fs::write(path, png)?;
        eprintln!("e2e: screenshot {}", path.display());
        Ok(())
    }

    /// Ends the session, which closes the app.
    pub async fn quit(&self) {
        let _ = self.client.clone().close().await;
    }
}

pub async fn text_of(element: &fantoccini::elements::Element) -> Result<String> {
    Ok(element.prop("textContent").await?.unwrap_or_default())
}

/// tauri-driver: `$TIDINGS_TAURI_DRIVER`, the copy scripts/test.sh caches, or `PATH`.
pub fn tauri_driver() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TIDINGS_TAURI_DRIVER") {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let cached = home.join(".cache/tidings/tauri-driver/bin/tauri-driver");
    if cached.is_file() {
        return Some(cached);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("tauri-driver"))
            .find(|p| p.is_file())
    })
}

/// A session bus of the instance's own, with no service activation (so no keychain
/// daemon is started behind our back). Returns the daemon and its address.
pub fn private_bus(dir: &Path) -> Result<(Reaped, String)> {
    let config = dir.join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#,
            dir.join("bus").display()
        ),
    )?;
    let mut daemon = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--print-address=1", "--nofork", "--nopidfile"])
        .stdout(Stdio::piped())
        .spawn()
        .context("starting dbus-daemon (scripts/test.sh installs it)")?;
    let mut address = String::new();
    let stdout = daemon.stdout.take().context("dbus-daemon stdout")?;
    let daemon = Reaped::single(daemon);
    BufReader::new(stdout).read_line(&mut address)?;
    Ok((daemon, address.trim().to_owned()))
}

pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process stopped by its id on drop: SIGTERM, then SIGKILL if it lingers. For a
/// process group leader, the whole group.
pub struct Reaped {
    child: Child,
    group: bool,
}

impl Reaped {
    pub fn single(child: Child) -> Self {
        Self {
            child,
            group: false,
        }
    }

    pub fn group(child: Child) -> Self {
        Self { child, group: true }
    }

    /// The exit status, if it has ended.
    pub fn try_wait(&mut self) -> std::io::Result<Option<std::process::ExitStatus>> {
        self.child.try_wait()
    }

    pub fn signal(&self, sig: &str) {
        let id = self.child.id();
        let target = if self.group {
            format!("-{id}")
        } else {
            id.to_string()
        };
        let _ = Command::new("kill")
            .args([&format!("-{sig}"), "--", &target])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        self.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                if self.group {
                    // The leader is gone; make sure the rest of its group is too.
                    self.signal("KILL");
                }
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.signal("KILL");
        let _ = self.child.wait();
    }
}
