//! End to end through the real app: two instances of the built desktop binary, driven over
//! WebDriver (tauri-driver → WebKitWebDriver), against a real server and redis-server.
//! (How the apps are started and stopped: `support/`.)
//!
//! Each instance gets its own data dir, `HOME`, `XDG_RUNTIME_DIR`, and a private D-Bus
//! session bus without service activation: no keychain answers, so the core keeps each
//! sign-in in memory (its `session_not_saved` event) and nothing is auto-started that
//! could outlive the test. Every process started here is stopped by its id on drop.
//! Screenshots of both windows land in `target/tmp/e2e/`.

mod support;

use anyhow::{ensure, Context, Result};
use fantoccini::key::Key;
use fantoccini::Locator;
use std::path::Path;
use support::{driver_or_skip, text_of, App};
use tidings_tests::{unique_name, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_apps_sign_up_and_exchange_a_message() -> Result<()> {
    let Some(driver) = driver_or_skip("e2e")? else {
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
