//! End to end through the real app: two instances of the built desktop binary, driven over
//! WebDriver (tauri-driver → WebKitWebDriver), against a real server and redis-server.
//!
//! Needs an X display (Xvfb) plus `tauri-driver` and `WebKitWebDriver`; scripts/test.sh
//! provides them and sets `TIDINGS_E2E=1`, which turns a missing piece into a failure.
//! Without it and without a `DISPLAY`, the test says why and passes, so that a plain
//! `cargo test --workspace` on a desktop-less machine stays useful.
//!
//! Each instance gets its own data dir, `HOME`, `XDG_RUNTIME_DIR`, and a private D-Bus
//! session bus without service activation: no keychain answers, so the core keeps each
//! sign-in in memory (its `session_not_saved` event) and nothing is auto-started that
//! could outlive the test. Every process started here is stopped by its id on drop.
//! Screenshots of both windows land in `target/tmp/e2e/`.

use anyhow::{bail, ensure, Context, Result};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tidings_tests::{unique_name, World, PASSWORD};

/// The longest any one expected change may take on screen.
const UI_WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_apps_sign_up_and_exchange_a_message() -> Result<()> {
    let required = std::env::var("TIDINGS_E2E").is_ok_and(|v| v == "1");
    if std::env::var_os("DISPLAY").is_none() {
        if required {
            bail!("TIDINGS_E2E=1 but there is no DISPLAY (run under xvfb-run)");
        }
        eprintln!("e2e: skipped — no DISPLAY (scripts/test.sh runs it under Xvfb)");
        return Ok(());
    }
    let Some(driver) = tauri_driver() else {
        if required {
            bail!("TIDINGS_E2E=1 but tauri-driver was not found (TIDINGS_TAURI_DRIVER, PATH)");
        }
        eprintln!("e2e: skipped — no tauri-driver (scripts/test.sh installs it)");
        return Ok(());
    };

    let mut world = World::start(1, &[])?;
    let server = world.servers[0].http_url();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e");
    std::fs::create_dir_all(&shots)?;

    let ana = App::launch(&driver, &server).await.context("first app")?;
    let bob = App::launch(&driver, &server).await.context("second app")?;
    let result = scenario(&ana, &bob, &mut world, &shots).await;
    // Screenshots even when it failed: they show where.
    let _ = ana.screenshot(&shots.join("ana.png")).await;
    let _ = bob.screenshot(&shots.join("bob.png")).await;
    ana.quit().await;
    bob.quit().await;
    result
}

async fn scenario(ana: &App, bob: &App, world: &mut World, shots: &Path) -> Result<()> {
    let server = world.servers[0].http_url();
    let server = server.as_str();
    let ana_name = unique_name("ana");
    let bob_name = unique_name("bob");

    // The sign-in screen starts on the server from TIDINGS_SERVER.
    ana.wait_until("the sign-up form", || async {
        Ok(ana.wait_for("form.card").await?.is_displayed().await?)
    })
    .await?;
    ana.screenshot(&shots.join("sign-up.png")).await?;
    let shown = ana
        .wait_for("input[name=server]")
        .await?
        .prop("value")
        .await?;
    ensure!(shown.as_deref() == Some(server), "server shown: {shown:?}");

    ana.sign_up(&ana_name, "Ana Lima").await?;
    bob.sign_up(&bob_name, "Bob Stone").await?;

    // Ana starts a direct chat with Bob by username and writes to him.
    ana.type_into("input[name=new-chat-username]", &bob_name)
        .await?;
    ana.click("form.new-chat button[type=submit]").await?;
    ana.wait_for("section.conversation textarea[name=composer]")
        .await?;
    let header = ana.text(".conversation-header h2").await?;
    ensure!(header == "Bob Stone", "header: {header}");
    // Plain text: WebKitWebDriver drops characters outside the BMP (emoji) from typed keys.
    let hello = "Hello Bob, this is Ana.";
    ana.type_into("textarea[name=composer]", hello).await?;
    ana.type_into("textarea[name=composer]", &Key::Enter.to_string())
        .await?;
    // Her tick turns to sent once the server has it.
    ana.wait_until("the sent tick", || async {
        ana.has_bubble(hello, Some("sent")).await
    })
    .await?;

    // Bob sees the conversation appear with an unread badge, opens it, and reads it.
    bob.wait_until("the new conversation in the list", || async {
        Ok(bob
            .text_of_all(".conversation-row .row-title")
            .await?
            .iter()
            .any(|t| t == "Ana Lima"))
    })
    .await?;
    let badge = bob.text(".conversation-row .badge").await?;
    ensure!(badge == "1", "unread badge: {badge}");
    // Ana is online: her avatar in Bob's list carries the green dot.
    bob.wait_for(".conversation-row .presence-dot[data-presence=online]")
        .await?;
    bob.click(".conversation-row").await?;
    bob.wait_until("Ana's message", || async {
        bob.has_bubble(hello, None).await
    })
    .await?;
    // Reading it clears the badge.
    bob.wait_until("the badge to clear", || async {
        Ok(bob
            .client
            .find_all(Locator::Css(".badge"))
            .await?
            .is_empty())
    })
    .await?;

    // Bob answers; Ana sees the answer.
    let answer = "Hi Ana! Got it.\nTwo lines, even.";
    for (i, line) in answer.split('\n').enumerate() {
        if i > 0 {
            // Shift+Enter: a new line, not a send.
            let chord = format!("{}{}{}", Key::Shift, Key::Enter, Key::Shift);
            bob.type_into("textarea[name=composer]", &chord).await?;
        }
        bob.type_into("textarea[name=composer]", line).await?;
        if i == 0 {
            // Ana sees that he is typing.
            ana.wait_until("the typing indicator", || async {
                Ok(ana.text_of_all(".typing").await? == ["Bob Stone is typing…"])
            })
            .await?;
        }
    }
    bob.type_into("textarea[name=composer]", &Key::Enter.to_string())
        .await?;
    bob.wait_until("Bob's sent tick", || async {
        bob.has_bubble(answer, Some("sent")).await
    })
    .await?;
    ana.wait_until("Bob's answer", || async {
        ana.has_bubble(answer, None).await
    })
    .await?;
    // Sending ended his typing.
    ana.wait_until("the typing indicator to clear", || async {
        Ok(ana.text_of_all(".typing").await? == [""])
    })
    .await?;

    // Bob read her message: Ana's tick turns to "read"; she reads his answer in turn.
    ana.wait_until("the read tick", || async {
        Ok(ana.receipt_of(hello).await?.as_deref() == Some("read"))
    })
    .await?;
    bob.wait_until("Bob's answer read by Ana", || async {
        Ok(bob.receipt_of(answer).await?.as_deref() == Some("read"))
    })
    .await?;

    reactions(ana, bob, hello).await?;
    emoji_picker(ana, bob, shots).await?;
    ana.screenshot(&shots.join("conversation.png")).await?;
    group(ana, bob, &bob_name, shots).await?;
    search(bob, hello, shots).await?;
    themes(ana, shots).await?;
    server_restart(ana, bob, world, answer, shots).await?;
    Ok(())
}

/// Bob reacts to Ana's message with 👍 from the quick row; both see the chip and its count.
async fn reactions(ana: &App, bob: &App, hello: &str) -> Result<()> {
    let bubble = bob.bubble(hello).await?;
    // The actions show on hover or keyboard focus; a click focuses the bubble.
    bubble.click().await?;
    bob.click(".message:focus-within .message-actions button[aria-label=\"React\"]")
        .await?;
    bob.click(
        "[role=dialog][aria-label=\"Quick reactions\"] button[aria-label=\"React with thumbs up\"]",
    )
    .await?;
    for app in [ana, bob] {
        app.wait_until("the 👍 chip with a count of 1", || async {
            for chip in app
                .client
                .find_all(Locator::Css(".reactions .reaction"))
                .await?
            {
                let emoji = chip.attr("data-emoji").await?.unwrap_or_default();
                let count = text_of(&chip.find(Locator::Css(".reaction-count")).await?).await?;
                if emoji.starts_with('👍') && count == "1" {
                    return Ok(true);
                }
            }
            Ok(false)
        })
        .await?;
    }
    // Bob's own chip is pressed; its tooltip names who reacted.
    let chip = bob
        .wait_for(".reactions .reaction[aria-pressed=true]")
        .await?;
    let who = chip.attr("title").await?.unwrap_or_default();
    ensure!(who.contains("Bob Stone"), "reaction tooltip: {who}");
    Ok(())
}

/// Ana writes a message and ends it with an emoji from the composer's picker (found by
/// searching its name); Bob receives it with the emoji.
async fn emoji_picker(ana: &App, bob: &App, shots: &Path) -> Result<()> {
    ana.type_into("textarea[name=composer]", "Party time ")
        .await?;
    ana.click("button[aria-label=\"Insert emoji\"]").await?;
    ana.type_into(
        "[role=dialog][aria-label=\"Emoji picker\"] input[name=emoji-search]",
        "party",
    )
    .await?;
    ana.wait_for("button.emoji-option[aria-label=\"Party popper\"]")
        .await?;
    ana.screenshot(&shots.join("emoji-picker.png")).await?;
    ana.click("button.emoji-option[aria-label=\"Party popper\"]")
        .await?;
    let typed = ana
        .wait_for("textarea[name=composer]")
        .await?
        .prop("value")
        .await?;
    ensure!(
        typed.as_deref() == Some("Party time 🎉"),
        "composer after picking: {typed:?}"
    );
    ana.type_into("textarea[name=composer]", &Key::Enter.to_string())
        .await?;
    bob.wait_until("the message with the emoji", || async {
        bob.has_bubble("Party time 🎉", None).await
    })
    .await?;
    Ok(())
}

/// Ana creates a group with Bob, writes in it and renames it; Bob sees the new title.
async fn group(ana: &App, bob: &App, bob_name: &str, shots: &Path) -> Result<()> {
    ana.click("button[aria-label=\"New group\"]").await?;
    ana.type_into("form.new-group input[name=group-title]", "Weekend plans")
        .await?;
    ana.type_into("form.new-group input[name=group-members]", bob_name)
        .await?;
    ana.click("form.new-group button[type=submit]").await?;
    ana.wait_until("the new group to open", || async {
        Ok(ana.text(".conversation-header h2").await? == "Weekend plans")
    })
    .await?;
    let plan = "Lisbon on Saturday?";
    ana.type_into("textarea[name=composer]", plan).await?;
    ana.type_into("textarea[name=composer]", &Key::Enter.to_string())
        .await?;
    bob.wait_until("the group in Bob's list", || async {
        Ok(bob
            .text_of_all(".conversation-row .row-title")
            .await?
            .iter()
            .any(|t| t == "Weekend plans"))
    })
    .await?;

    ana.click("button[aria-label=\"Group settings\"]").await?;
    let members = ana.text_of_all("aside.group-settings .member-row").await?;
    ensure!(members.len() == 2, "group members: {members:?}");
    ana.wait_for(&format!(
        "aside.group-settings .member-row[data-username=\"{bob_name}\"]"
    ))
    .await?;
    let title = ana
        .wait_for("aside.group-settings input[name=group-title]")
        .await?;
    title.clear().await?;
    title.send_keys("Weekend in Lisbon").await?;
    ana.click("aside.group-settings form.rename-group button[type=submit]")
        .await?;
    ana.wait_until("the new title in the header", || async {
        Ok(ana.text(".conversation-header h2").await? == "Weekend in Lisbon")
    })
    .await?;
    // The rename shows in the log as a system event, and in Bob's list.
    ana.wait_until("the rename's system event", || async {
        Ok(ana
            .text_of_all(".system-event")
            .await?
            .iter()
            .any(|t| t.contains("Weekend in Lisbon")))
    })
    .await?;
    ana.screenshot(&shots.join("group-settings.png")).await?;
    bob.wait_until("the new title in Bob's list", || async {
        Ok(bob
            .text_of_all(".conversation-row .row-title")
            .await?
            .iter()
            .any(|t| t == "Weekend in Lisbon"))
    })
    .await?;
    ana.click("button[aria-label=\"Group settings\"]").await?;
    Ok(())
}

/// Bob searches for words of Ana's first message and opens the hit: the direct
/// conversation opens with that message highlighted.
async fn search(bob: &App, hello: &str, shots: &Path) -> Result<()> {
    // Start from the group, so that opening the hit has to switch conversations.
    bob.click(".conversation-row").await?;
    bob.click("button[aria-label=\"Search messages\"]").await?;
    bob.type_into("input[name=search]", "this is ana").await?;
    bob.wait_until("a search hit with the words marked", || async {
        let marks = bob.text_of_all(".search-hit mark").await?;
        Ok(marks.iter().any(|m| m.eq_ignore_ascii_case("ana")))
    })
    .await?;
    bob.screenshot(&shots.join("search.png")).await?;
    bob.click(".search-hit").await?;
    bob.wait_until("the conversation with Ana, at the message", || async {
        if bob.text(".conversation-header h2").await? != "Ana Lima" {
            return Ok(false);
        }
        for bubble in bob.client.find_all(Locator::Css(".bubble.focused")).await? {
            if text_of(&bubble.find(Locator::Css(".bubble-text")).await?).await? == hello {
                return Ok(true);
            }
        }
        Ok(false)
    })
    .await?;
    Ok(())
}

/// The theme setting: light and dark screenshots of the same screen.
async fn themes(ana: &App, shots: &Path) -> Result<()> {
    ana.click(".conversation-row").await?;
    for theme in ["light", "dark"] {
        ana.click("button[aria-label=\"Settings\"]").await?;
        ana.click(&format!("select[name=theme] option[value={theme}]"))
            .await?;
        ana.wait_until("the theme to apply", || async {
            let applied = ana
                .client
                .execute(
                    "return document.documentElement.dataset.theme || ''",
                    vec![],
                )
                .await?;
            Ok(applied.as_str() == Some(theme))
        })
        .await?;
        // Close the menu before the picture.
        ana.click("button[aria-label=\"Settings\"]").await?;
        ana.screenshot(&shots.join(format!("{theme}.png"))).await?;
    }
    Ok(())
}

/// The server stops and comes back on the same address: both apps say they are offline,
/// a message written meanwhile waits as pending, and after the reconnect it is delivered
/// and nothing earlier is lost.
async fn server_restart(
    ana: &App,
    bob: &App,
    world: &mut World,
    answer: &str,
    shots: &Path,
) -> Result<()> {
    let redis = world.redis.url();
    let addr = world.servers[0]
        .http_url()
        .trim_start_matches("http://")
        .to_owned();
    ensure!(world.servers[0].terminate(), "the server did not stop");
    for app in [ana, bob] {
        app.wait_until("the offline banner", || async {
            Ok(app
                .text_of_all(".banner")
                .await?
                .iter()
                .any(|t| t.starts_with("Offline")))
        })
        .await?;
    }
    // Bob is still in the conversation with Ana (from search); Ana opens it too.
    ana.click(".conversation-row:not([data-kind=group])")
        .await?;
    let late = "Written while the server was down";
    ana.type_into("textarea[name=composer]", late).await?;
    ana.type_into("textarea[name=composer]", &Key::Enter.to_string())
        .await?;
    ana.wait_until("the pending message", || async {
        ana.has_bubble(late, Some("pending")).await
    })
    .await?;
    ana.screenshot(&shots.join("offline.png")).await?;

    world.servers[0] = tidings_tests::Server::start_at(&addr, &redis, &[])?;
    for app in [ana, bob] {
        app.wait_until("the banner to go", || async {
            Ok(app.text_of_all(".banner").await?.is_empty())
        })
        .await?;
    }
    ana.wait_until("the late message sent", || async {
        ana.has_bubble(late, Some("sent")).await
    })
    .await?;
    bob.wait_until("the late message delivered to Bob", || async {
        bob.has_bubble(late, None).await
    })
    .await?;
    for app in [ana, bob] {
        ensure!(
            app.has_bubble(answer, None).await?,
            "an earlier message is gone"
        );
    }
    Ok(())
}

/// One running app instance, its tauri-driver, and its WebDriver session.
struct App {
    client: Client,
    _driver: Reaped,
    _bus: Reaped,
    _dirs: tempfile::TempDir,
}

impl App {
    async fn launch(driver: &Path, server: &str) -> Result<Self> {
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

        let port = free_port()?;
        let native_port = free_port()?;
        let mut command = Command::new(driver);
        command
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .env("HOME", &home)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
            .env("TIDINGS_DATA_DIR", &data)
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
                        _bus: bus,
                        _dirs: dirs,
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

    async fn sign_up(&self, username: &str, display_name: &str) -> Result<()> {
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

    async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(UI_WAIT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))
    }

    async fn click(&self, css: &str) -> Result<()> {
        self.wait_for(css).await?.click().await?;
        Ok(())
    }

    async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        self.wait_for(css).await?.send_keys(text).await?;
        Ok(())
    }

    /// The text of `css` once it has some. (`textContent`: WebKitWebDriver's rendered
    /// text comes back empty for text clipped with `overflow: hidden` + ellipsis.)
    async fn text(&self, css: &str) -> Result<String> {
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

    async fn text_of_all(&self, css: &str) -> Result<Vec<String>> {
        let mut texts = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await? {
            texts.push(text_of(&element).await?);
        }
        Ok(texts)
    }

    /// Whether a message bubble shows `text` (and, if given, has that status).
    async fn has_bubble(&self, text: &str, status: Option<&str>) -> Result<bool> {
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
    async fn bubble(&self, text: &str) -> Result<fantoccini::elements::Element> {
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
    async fn receipt_of(&self, text: &str) -> Result<Option<String>> {
        match self.bubble(text).await {
            Ok(bubble) => Ok(bubble.attr("data-receipt").await?),
            Err(_) => Ok(None),
        }
    }

    /// Polls `check` until it holds, for at most [`UI_WAIT`].
    async fn wait_until<F, Fut>(&self, what: &str, check: F) -> Result<()>
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

    async fn screenshot(&self, path: &Path) -> Result<()> {
        let png = self.client.screenshot().await?;
        std::fs::write(path, png)?;
        eprintln!("e2e: screenshot {}", path.display());
        Ok(())
    }

    /// Ends the session, which closes the app.
    async fn quit(&self) {
        let _ = self.client.clone().close().await;
    }
}

async fn text_of(element: &fantoccini::elements::Element) -> Result<String> {
    Ok(element.prop("textContent").await?.unwrap_or_default())
}

/// tauri-driver: `$TIDINGS_TAURI_DRIVER`, the copy scripts/test.sh caches, or `PATH`.
fn tauri_driver() -> Option<PathBuf> {
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
fn private_bus(dir: &Path) -> Result<(Reaped, String)> {
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

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process stopped by its id on drop: SIGTERM, then SIGKILL if it lingers. For a
/// process group leader, the whole group.
struct Reaped {
    child: Child,
    group: bool,
}

impl Reaped {
    fn single(child: Child) -> Self {
        Self {
            child,
            group: false,
        }
    }

    fn group(child: Child) -> Self {
        Self { child, group: true }
    }

    fn signal(&self, sig: &str) {
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
