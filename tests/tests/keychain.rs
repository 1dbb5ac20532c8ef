//! The refresh token goes to a real Secret Service (gnome-keyring on a private D-Bus
//! session bus), never to disk; a restarted app resumes without the password; sign-out
//! forgets it; with no keychain the user is told the session will not survive a restart.
//!
//! One test in its own binary: it points this process's D-Bus session address at the
//! private bus.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tidings_core::{Core, CoreConfig, CoreEvent};
use tidings_tests::processes::files_under;
use tidings_tests::{unique_name, World, PASSWORD};

/// A private session bus (no service activation) and a Secret Service on it.
struct Bus {
    daemon: Child,
    keyring: Option<Child>,
    address: String,
    home: tempfile::TempDir,
}

impl Bus {
    fn start() -> Self {
        let home = tempfile::tempdir().expect("dir");
        let config = home.path().join("bus.conf");
        std::fs::write(
            &config,
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#,
        )
        .expect("bus config");
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--print-address=1", "--nofork", "--nopidfile"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon (scripts/test.sh installs it)");
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("bus address");
        let address = address.trim().to_owned();
        let mut bus = Self {
            daemon,
            keyring: None,
            address,
            home,
        };
        bus.start_keyring();
        bus
    }

    fn start_keyring(&mut self) {
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("HOME", self.home.path())
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("XDG_RUNTIME_DIR", self.home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (scripts/test.sh installs it)");
        if let Some(mut stdin) = keyring.stdin.take() {
            let _ = stdin.write_all(b"keyring test password");
        }
        self.keyring = Some(keyring);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let out = Command::new("dbus-send")
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .args([
                    "--session",
                    "--dest=org.freedesktop.DBus",
                    "--type=method_call",
                    "--print-reply",
                ])
                .args([
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .expect("dbus-send");
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the Secret Service did not come up");
    }

    fn stop_keyring(&mut self) {
        if let Some(mut keyring) = self.keyring.take() {
            let _ = Command::new("kill")
                .args(["-KILL", &keyring.id().to_string()])
                .status();
            let _ = keyring.wait();
        }
    }

    /// What `secret-tool` finds in the keychain for Tidings and this slot.
    fn lookup(&self, slot: &str) -> Option<String> {
        let out = Command::new("secret-tool")
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .args(["lookup", "service", "tidings", "username", slot])
            .output()
            .expect("secret-tool (scripts/test.sh installs it)");
        let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        (out.status.success() && !token.is_empty()).then_some(token)
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        self.stop_keyring();
        let _ = Command::new("kill")
            .args(["-KILL", &self.daemon.id().to_string()])
            .status();
        let _ = self.daemon.wait();
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn the_refresh_token_lives_in_the_keychain_and_a_restart_resumes_without_a_password() {
    let mut bus = Bus::start();
    // The keyring crate connects to this process's session bus.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &bus.address);

    let w = World::start(1, &[]).expect("world");
    let server = w.servers[0].http_url();
    let dir = tempfile::tempdir().expect("dir");
    let config = CoreConfig {
        server: server.clone(),
        data_dir: dir.path().to_owned(),
    };
    let username = unique_name("ana");
    let slot = format!("{username}@{server}");

    let core = Core::open(config.clone()).await.expect("open");
    let mut events = core.subscribe();
    core.sign_up(&username, "Ana", PASSWORD)
        .await
        .expect("sign up");
    let first = bus
        .lookup(&slot)
        .expect("the refresh token is in the keychain");
    assert!(
        !matches!(events.try_recv(), Ok(CoreEvent::SessionNotSaved { .. })),
        "no warning when the keychain works"
    );
    core.start().await;
    core.stop().await;
    drop(core);
    // Nothing on disk holds it.
    for file in files_under(dir.path()) {
        let bytes = std::fs::read(dir.path().join(&file)).unwrap_or_default();
        assert!(
            !contains(&bytes, first.as_bytes()),
            "{file} contains the refresh token"
        );
    }

    // The app starts again: it knows who was signed in and resumes without a password.
    let core = Core::open(config.clone()).await.expect("reopen");
    assert_eq!(core.last_account().as_deref(), Some(username.as_str()));
    let me = core
        .resume(&username)
        .await
        .expect("resume")
        .expect("a session");
    assert_eq!(me.username, username);
    let rotated = bus.lookup(&slot).expect("still there");
    assert_ne!(rotated, first, "the rotated token replaced the used one");

    // Signing out removes it.
    core.sign_out().await.expect("sign out");
    assert_eq!(bus.lookup(&slot), None);
    assert_eq!(
        core.resume(&username).await.expect("resume"),
        None,
        "nothing to resume"
    );

    // No keychain at all (a headless box): sign-in works, and the user is warned.
    bus.stop_keyring();
    let core = Core::open(config).await.expect("reopen");
    let mut events = core.subscribe();
    core.sign_in(&username, PASSWORD)
        .await
        .expect("sign in still works");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(CoreEvent::SessionNotSaved { .. })) => break,
            Ok(_) => continue,
            Err(_) => panic!("the user was not told the session is not saved"),
        }
    }
}
