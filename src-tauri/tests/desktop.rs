//! The app as a desktop citizen, observed where the desktop sees it: native notifications
//! on the D-Bus session bus (a real notification daemon, dunst, shows them), the tray
//! item and its menu over D-Bus (a StatusNotifierWatcher of the test's own makes the app
//! register one), a real OS file drag (xdotool driving a GTK drag source), start at login,
//! and a second launch. The small Python tools are in `tests/desktop/` (see its README).
//!
//! Two app instances run against a real server and redis-server; Ana's goes through a TCP
//! proxy that can slow her downloads, so that the image placeholder is seen before the
//! thumbnail. Every process started here is stopped by its id.

mod support;

use anyhow::{bail, ensure, Context, Result};
use fantoccini::key::Key;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::{driver_or_skip, App, AppEnv, Reaped, UI_WAIT};
use tidings_tests::proxy::Proxy;
use tidings_tests::{unique_name, World};

/// The tests here share one X screen and place windows on it: one at a time.
static SCREEN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_tray_and_a_dragged_file() -> Result<()> {
    let Some(driver) = driver_or_skip("desktop")? else {
        return Ok(());
    };
    let _screen = SCREEN.lock().await;
    let world = World::start(1, &[])?;
    let server = world.servers[0].http_url();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("desktop");
    std::fs::create_dir_all(&shots)?;

    // Bob's desktop: a tray watcher, a notification daemon, and a monitor of what is
    // sent to it, all on his bus before his app starts.
    let bob_env = AppEnv::new()?;
    let watcher = Service::start(tool(&bob_env, "sn_watcher.py"), "sn_watcher")?;
    let mut monitor = Service::start(
        {
            let mut c = tool(&bob_env, "notifications.py");
            c.arg("watch");
            c
        },
        "notifications",
    )?;
    let dunst = {
        let mut c = Command::new("dunst");
        c.arg("-config").arg(tools_dir().join("dunstrc"));
        bob_env.apply(&mut c);
        Reaped::single(
            c.stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("starting dunst (scripts/test.sh installs it)")?,
        )
    };
    wait_for_bus_name(&bob_env, "org.freedesktop.Notifications")?;

    let upstream = world.servers[0]
        .http_url()
        .trim_start_matches("http://")
        .parse()?;
    let proxy = Proxy::start(vec![upstream]).await?;
    let ana = App::launch(&driver, &proxy.http_url())
        .await
        .context("Ana's app")?;
    let bob = App::launch_in(bob_env, &driver, &server)
        .await
        .context("Bob's app")?;
    let result = scenario(&ana, &bob, &mut monitor, &proxy, &shots).await;
    let _ = ana.screenshot(&shots.join("ana.png")).await;
    let _ = bob.screenshot(&shots.join("bob.png")).await;
    ana.quit().await;
    bob.quit().await;
    drop((dunst, watcher, monitor));
    result
}

async fn scenario(
    ana: &App,
    bob: &App,
    monitor: &mut Service,
    proxy: &Proxy,
    shots: &Path,
) -> Result<()> {
    let bob_name = unique_name("bob");
    let ana_name = unique_name("ana");
    ana.sign_up(&ana_name, "Ana Lima").await?;
    bob.sign_up(&bob_name, "Bob Stone").await?;

    // The tray item is on Bob's bus, with a menu, and nothing unread yet.
    let item = wait_for_tray_item(&bob.env)?;
    let service = item["service"].as_str().context("item service")?.to_owned();
    let menu_path = item["Menu"].as_str().context("item menu")?.to_owned();
    let labels = menu_labels(&tray(&bob.env, &["menu", &service, &menu_path])?);
    ensure!(
        labels.iter().any(|l| l == "Open Tidings")
            && labels.iter().any(|l| l == "Do not disturb")
            && labels.iter().any(|l| l == "Quit Tidings"),
        "tray menu: {labels:?}"
    );
    let idle_icon = item["IconName"].clone();

    // Ana writes; Bob's app is not looking at her conversation: a notification with her
    // name and the words, and the tray shows one unread message.
    ana.type_into("input[name=new-chat-username]", &bob_name)
        .await?;
    ana.click("form.new-chat button[type=submit]").await?;
    send(ana, "Ping from Ana").await?;
    let first = monitor.next_json(UI_WAIT, "the first notification")?;
    ensure!(
        first["summary"] == "Ana Lima" && first["body"] == "Ping from Ana",
        "notification: {first}"
    );
    wait_until_sync("the tray to show 1 unread", || {
        let now = tray_item(&bob.env, &service)?;
        Ok(now["IconName"] != idle_icon && label_of(&now) == "1")
    })?;

    // Do not disturb, switched on from the tray menu: the settings follow, and a message
    // brings no notification.
    tray(
        &bob.env,
        &["click", &service, &menu_path, "--label", "Do not disturb"],
    )?;
    bob.click("button[aria-label=Settings]").await?;
    bob.wait_until("do not disturb checked in the settings", || async {
        Ok(bob
            .wait_for("input[name=do_not_disturb]")
            .await?
            .prop("checked")
            .await?
            .as_deref()
            == Some("true"))
    })
    .await?;
    send(ana, "During do not disturb").await?;
    list_shows(bob, "During do not disturb").await?;
    monitor.expect_silence(Duration::from_secs(2), "during do not disturb")?;

    // Off again (from the settings this time): the next message notifies, replacing the
    // conversation's earlier notification rather than adding one.
    bob.click("input[name=do_not_disturb]").await?;
    wait_until_sync("the tray's check mark to clear", || {
        let menu = tray(&bob.env, &["menu", &service, &menu_path])?;
        Ok(find_entry(&menu, "Do not disturb").is_some_and(|e| e["toggle-state"] == 0))
    })?;
    send(ana, "After do not disturb").await?;
    let second = monitor.next_json(UI_WAIT, "the notification after do not disturb")?;
    ensure!(
        second["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("After do not disturb"))
            && second["replaces_id"] == first["id"],
        "second notification: {second} (first {first})"
    );

    // A click on it opens the conversation.
    let id = second["id"]
        .as_u64()
        .context("notification id")?
        .to_string();
    notifications(&bob.env, &["invoke", &id, "default"])?;
    bob.wait_until("the conversation opened by the click", || async {
        Ok(bob.text(".conversation-header h2").await? == "Ana Lima")
    })
    .await?;
    bob.screenshot(&shots.join("opened-from-notification.png"))
        .await?;

    // Muted: nothing. Bob moves on to a new group of his, so that the muted conversation
    // is not on screen (which alone would keep it quiet).
    bob.click(".conversation-actions button[aria-label='Conversation info']")
        .await?;
    bob.click("input[name=muted]").await?;
    bob.wait_for(".mute-state").await?;
    bob.click("button[aria-label=\"New group\"]").await?;
    bob.type_into("form.new-group input[name=group-title]", "Elsewhere")
        .await?;
    bob.type_into("form.new-group input[name=group-members]", &ana_name)
        .await?;
    bob.click("form.new-group button[type=submit]").await?;
    bob.wait_until("the new group to open", || async {
        Ok(bob.text(".conversation-header h2").await? == "Elsewhere")
    })
    .await?;
    send(ana, "While muted").await?;
    list_shows(bob, "While muted").await?;
    monitor.expect_silence(Duration::from_secs(2), "for a muted conversation")?;
    bob.click(".conversation-row:not([data-kind=group])")
        .await?;
    bob.wait_until("the conversation with Ana again", || async {
        Ok(bob.text(".conversation-header h2").await? == "Ana Lima")
    })
    .await?;

    dragged_file(ana, bob, proxy, shots).await?;

    // Start at login writes the OS's autostart entry.
    bob.click("button[aria-label=Settings]").await?;
    bob.click("input[name=start_at_login]").await?;
    let autostart = bob.env.home.join(".config/autostart");
    wait_until_sync("the autostart entry", || {
        Ok(std::fs::read_dir(&autostart).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "desktop"))
        }))
    })?;

    // Quit from the tray: the app ends, and remembers its window for next time.
    let pid = app_pid(&bob.env)?;
    tray(
        &bob.env,
        &["click", &service, &menu_path, "--label", "Quit Tidings"],
    )?;
    wait_until_sync("Bob's app to quit", || {
        Ok(!Path::new(&format!("/proc/{pid}")).exists() || is_zombie(pid))
    })?;
    let state = bob
        .env
        .home
        .join(".config/chat.tidings.desktop/.window-state.json");
    ensure!(state.is_file(), "no window state at {}", state.display());
    Ok(())
}

/// Bob drags a photo from a file manager (a GTK drag source) onto his window; it uploads
/// and he sends it. Ana sees its placeholder first (her downloads are slowed), then the
/// thumbnail, then opens the full image, which arrives byte for byte.
async fn dragged_file(ana: &App, bob: &App, proxy: &Proxy, shots: &Path) -> Result<()> {
    let photo = bob.env.dirs.path().join("harbour.png");
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 256) as u8])
    });
    img.save(&photo)?;
    let original = sha256(&std::fs::read(&photo)?);
    let notes = bob.env.dirs.path().join("minutes.pdf");
    std::fs::write(&notes, tidings_tests::noise(150_000, 3))?;

    // There is no window manager: Ana's window (1000×680 at the top left) stays where it
    // is, Bob's moves to the bottom right, so that its lower right part is his alone, and
    // the drag source goes below Ana's window, outside both.
    let window = app_window(&bob.env)?;
    xdotool(&["windowmove", &window, "280", "120"])?;
    let mut source = {
        let mut c = tool(&bob.env, "drag_source.py");
        c.arg(&photo).arg(&notes).args(["--x", "20", "--y", "700"]);
        Service::start_with(c, "drag_source", "ready")?
    };
    let ready = source.ready_line.clone();
    let point: Vec<&str> = ready.split_whitespace().skip(1).collect();
    ensure!(point.len() == 2, "drag source said {ready:?}");
    let status = Command::new("sh")
        .arg(tools_dir().join("drag.sh"))
        .args([point[0], point[1], "1100", "720"])
        .status()?;
    ensure!(status.success(), "drag.sh failed");
    screen_shot(&shots.join("screen-after-drop.png"));
    bob.wait_until("both dropped files uploaded", || async {
        Ok(bob
            .client
            .find_all(fantoccini::Locator::Css(".staged-file[data-state=done]"))
            .await?
            .len()
            == 2)
    })
    .await?;
    drop(source.take());
    bob.screenshot(&shots.join("dropped.png")).await?;

    proxy.set_delay(Duration::from_millis(600));
    bob.type_into("textarea[name=composer]", &Key::Enter.to_string())
        .await?;
    // The placeholder travels with the message; the thumbnail needs two more slowed round
    // trips, so the placeholder must be seen on its own first.
    let image = ".attachment-image";
    wait_for_stage(ana, image, "placeholder").await?;
    ana.screenshot(&shots.join("placeholder.png")).await?;
    wait_for_stage(ana, image, "thumbnail").await?;
    proxy.set_delay(Duration::ZERO);
    // The other file is a card saying what it is.
    let card = ana.text(".file-card .file-card-meta").await?;
    ensure!(
        ana.text(".file-card .file-card-name").await? == "minutes.pdf"
            && card.contains("PDF document")
            && card.contains("146 KB"),
        "file card: {card}"
    );
    ana.screenshot(&shots.join("thumbnail.png")).await?;

    ana.click(image).await?;
    ana.wait_for(".image-viewer img.image-viewer-full[data-loaded=true]")
        .await?;
    ana.screenshot(&shots.join("viewer.png")).await?;
    let copies = files_named(&ana.env.data, "harbour.png");
    ensure!(copies.len() == 1, "Ana's copies: {copies:?}");
    ensure!(
        sha256(&std::fs::read(&copies[0])?) == original,
        "the photo changed on its way"
    );
    ana.client
        .execute(
            "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))",
            vec![],
        )
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_brings_the_first_forward() -> Result<()> {
    if driver_or_skip("single instance")?.is_none() {
        return Ok(());
    }
    let _screen = SCREEN.lock().await;
    let env = AppEnv::new()?;
    // No TIDINGS_DATA_DIR: that is a deliberate second profile, which may run alongside.
    let launch = || -> Result<Reaped> {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tidings-desktop"));
        env.apply(&mut c);
        c.env("TIDINGS_SERVER", "http://127.0.0.1:9")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null());
        Ok(Reaped::single(c.spawn()?))
    };
    let mut first = launch()?;
    wait_until_sync("the first window", || Ok(app_window(&env).is_ok()))?;
    let mut second = launch()?;
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = second.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            bail!("the second launch kept running beside the first");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    ensure!(status.success(), "the second launch failed: {status}");
    ensure!(first.try_wait()?.is_none(), "the first app stopped");
    Ok(())
}

// ---- the tools in tests/desktop/ -------------------------------------------------------

fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/desktop")
}

/// A Python tool of `tests/desktop/`, on `env`'s bus.
fn tool(env: &AppEnv, script: &str) -> Command {
    let mut c = Command::new("python3");
    c.arg(tools_dir().join(script));
    env.apply(&mut c);
    c
}

/// Runs a tool to its end and returns its standard output.
fn run_tool(mut command: Command) -> Result<String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .context("running a desktop test tool")?;
    ensure!(
        out.status.success(),
        "{:?} failed: {}",
        command,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

fn tray(env: &AppEnv, args: &[&str]) -> Result<Value> {
    let mut c = tool(env, "tray.py");
    c.args(args);
    let out = run_tool(c)?;
    Ok(serde_json::from_str(out.trim()).unwrap_or(Value::String(out)))
}

fn notifications(env: &AppEnv, args: &[&str]) -> Result<()> {
    let mut c = tool(env, "notifications.py");
    c.args(args);
    run_tool(c).map(drop)
}

/// The app's tray item, once registered.
fn wait_for_tray_item(env: &AppEnv) -> Result<Value> {
    let mut found = None;
    wait_until_sync("the tray item on the bus", || {
        let items = tray(env, &["items"])?;
        found = items.as_array().and_then(|a| a.first()).cloned();
        Ok(found.is_some())
    })?;
    found.context("no tray item")
}

fn tray_item(env: &AppEnv, service: &str) -> Result<Value> {
    let items = tray(env, &["items"])?;
    items
        .as_array()
        .and_then(|a| a.iter().find(|i| i["service"] == service))
        .cloned()
        .context("the tray item went away")
}

/// What a tray item shows beside its icon: ayatana's label.
fn label_of(item: &Value) -> String {
    item["XAyatanaLabel"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn menu_labels(menu: &Value) -> Vec<String> {
    let mut labels = Vec::new();
    let mut stack = vec![menu];
    while let Some(entry) = stack.pop() {
        if let Some(label) = entry["label"].as_str() {
            labels.push(label.to_owned());
        }
        if let Some(children) = entry["children"].as_array() {
            stack.extend(children);
        }
    }
    labels
}

fn find_entry<'a>(menu: &'a Value, label: &str) -> Option<&'a Value> {
    if menu["label"] == label {
        return Some(menu);
    }
    menu["children"]
        .as_array()?
        .iter()
        .find_map(|c| find_entry(c, label))
}

/// A long-running tool that says `ready` (or its own first word) when it is, then prints
/// one line per thing it saw.
struct Service {
    process: Option<Reaped>,
    lines: mpsc::Receiver<String>,
    ready_line: String,
}

impl Service {
    fn start(command: Command, name: &str) -> Result<Self> {
        Self::start_with(command, name, "ready")
    }

    fn start_with(mut command: Command, name: &str, ready: &str) -> Result<Self> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let stdout = child.stdout.take().context("stdout")?;
        let process = Reaped::single(child);
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.starts_with(ready) => {
                    return Ok(Self {
                        process: Some(process),
                        lines,
                        ready_line: line,
                    })
                }
                Ok(_) => {}
                Err(_) => bail!("{name} did not say {ready:?} within 20 s"),
            }
        }
    }

    /// The next JSON line describing a notification (skipping `closed` reports).
    fn next_json(&mut self, within: Duration, what: &str) -> Result<Value> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .map_err(|_| anyhow::anyhow!("{what} did not come within {within:?}"))?;
            let value: Value =
                serde_json::from_str(&line).with_context(|| format!("not JSON: {line}"))?;
            if value.get("summary").is_some() {
                return Ok(value);
            }
        }
    }

    /// Fails if a notification arrives within `time`.
    fn expect_silence(&mut self, time: Duration, when: &str) -> Result<()> {
        match self.next_json(time, "") {
            Ok(n) => bail!("a notification {when}: {n}"),
            Err(_) => Ok(()),
        }
    }

    fn take(&mut self) -> Option<Reaped> {
        self.process.take()
    }
}

// ---- the X display and processes ------------------------------------------------------

/// The whole X screen (the WebDriver screenshot shows only the page), for looking at.
fn screen_shot(path: &Path) {
    let _ = Command::new("import")
        .args(["-window", "root"])
        .arg(path)
        .status();
}

fn xdotool(args: &[&str]) -> Result<String> {
    let out = Command::new("xdotool")
        .args(args)
        .output()
        .context("running xdotool (scripts/test.sh installs it)")?;
    ensure!(
        out.status.success(),
        "xdotool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

/// The process id of the app running in `env` (found by its HOME).
fn app_pid(env: &AppEnv) -> Result<u32> {
    let binary = Path::new(env!("CARGO_BIN_EXE_tidings-desktop")).canonicalize()?;
    let home = format!("HOME={}", env.home.display());
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let exe = std::fs::read_link(entry.path().join("exe")).ok();
        if exe.as_deref() != Some(binary.as_path()) || is_zombie(pid) {
            continue;
        }
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        if environ.split(|b| *b == 0).any(|var| var == home.as_bytes()) {
            return Ok(pid);
        }
    }
    bail!("no app process with {home}")
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit(')')
                .next()
                .map(|rest| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// The X window id of the app running in `env`.
fn app_window(env: &AppEnv) -> Result<String> {
    let pid = app_pid(env)?.to_string();
    // --all: xdotool matches any one condition by default.
    let out = xdotool(&[
        "search",
        "--all",
        "--onlyvisible",
        "--pid",
        &pid,
        "--name",
        "Tidings",
    ])?;
    out.lines()
        .next()
        .map(str::to_owned)
        .context("the app has no visible window")
}

fn wait_for_bus_name(env: &AppEnv, name: &str) -> Result<()> {
    wait_until_sync(&format!("{name} on the bus"), || {
        let out = Command::new("dbus-send")
            .env("DBUS_SESSION_BUS_ADDRESS", &env.bus_address)
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                &format!("string:{name}"),
            ])
            .output()?;
        Ok(String::from_utf8_lossy(&out.stdout).contains("boolean true"))
    })
}

/// Polls `check` until it holds, for at most [`UI_WAIT`].
fn wait_until_sync(what: &str, mut check: impl FnMut() -> Result<bool>) -> Result<()> {
    let deadline = Instant::now() + UI_WAIT;
    loop {
        match check() {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) if Instant::now() < deadline => eprintln!("desktop: retrying ({e})"),
            Err(e) => return Err(e).context(format!("waiting for {what}")),
        }
        if Instant::now() > deadline {
            bail!("{what} did not happen within {UI_WAIT:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits until the image box `css` shows `stage` (`placeholder`, `thumbnail`).
async fn wait_for_stage(app: &App, css: &str, stage: &str) -> Result<()> {
    app.wait_until(&format!("the photo's {stage}"), || async {
        Ok(app
            .client
            .find(fantoccini::Locator::Css(css))
            .await?
            .attr("data-stage")
            .await?
            .as_deref()
            == Some(stage))
    })
    .await
}

/// Waits until the conversation list shows `text` (as a last message).
async fn list_shows(app: &App, text: &str) -> Result<()> {
    app.wait_until(&format!("{text:?} in the list"), || async {
        Ok(app
            .text_of_all(".conversation-row")
            .await?
            .iter()
            .any(|t| t.contains(text)))
    })
    .await
}

async fn send(app: &App, text: &str) -> Result<()> {
    app.type_into("textarea[name=composer]", text).await?;
    app.type_into("textarea[name=composer]", &Key::Enter.to_string())
        .await?;
    app.wait_until("the message sent", || async {
        app.has_bubble(text, Some("sent")).await
    })
    .await
}

fn files_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == name) {
                found.push(path);
            }
        }
    }
    found
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
