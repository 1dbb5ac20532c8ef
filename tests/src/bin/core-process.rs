//! A client core (`tidings_core::Core`) in a process of its own, so that a test can kill
//! it with SIGKILL, as a crash or a forced quit would, and start it again on the same
//! data dir (`tests/tests/faults.rs`).
//!
//! ```sh
//! TIDINGS_PASSWORD=… core-process --server http://127.0.0.1:PORT --data-dir DIR --username NAME
//! ```
//!
//! It opens the cache in the data dir, signs in with the password (every start: the
//! tests have no keychain to resume from) and starts the connection loop. Lines on stdout:
//!
//! - `online` / `offline <reason>` as the connection changes;
//! - `synced <fetched>` at the end of each catch-up, and `ready` after the first one;
//! - `dump <json>`, the answer to the stdin command `dump`: every conversation in the
//!   cache with its cursor and rows (seq, client id, sender, status, text), and the
//!   outbox's length;
//! - `bye`, the answer to `quit`, after the core has stopped.
//!
//! It exits when stdin closes. Errors go to stderr, and the exit status is 1.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::PathBuf;
use tidings_core::{ConnectionState, Core, CoreConfig, CoreEvent};
use tidings_shared::EventBody;
use tokio::io::{AsyncBufReadExt, BufReader};

struct Args {
    server: String,
    data_dir: PathBuf,
    username: String,
    password: String,
}

fn args() -> Result<Args> {
    let mut server = None;
    let mut data_dir = None;
    let mut username = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--server" => server = Some(value),
            "--data-dir" => data_dir = Some(PathBuf::from(value)),
            "--username" => username = Some(value),
            other => bail!("unknown argument {other}; use --server --data-dir --username"),
        }
    }
    Ok(Args {
        server: server.context("--server URL is required")?,
        data_dir: data_dir.context("--data-dir DIR is required")?,
        username: username.context("--username NAME is required")?,
        password: std::env::var("TIDINGS_PASSWORD").context("TIDINGS_PASSWORD is not set")?,
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = args()?;
    let core = Core::open(CoreConfig {
        server: args.server,
        data_dir: args.data_dir,
    })
    .await
    .context("opening the core")?;
    // Subscribed before starting, so the first catch-up is not missed.
    let events = core.subscribe();
    core.sign_in(&args.username, &args.password)
        .await
        .context("signing in")?;
    core.start().await;
    tokio::spawn(report(events));

    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = stdin.next_line().await.context("reading stdin")? {
        match line.trim() {
            "dump" => println!("dump {}", dump(&core).await?),
            "quit" => {
                core.stop().await;
                println!("bye");
                return Ok(());
            }
            "" => {}
            other => eprintln!("core-process: unknown command {other:?} (dump, quit)"),
        }
    }
    core.stop().await;
    Ok(())
}

/// Prints the connection changes and catch-ups (see the module doc).
async fn report(mut events: tokio::sync::broadcast::Receiver<CoreEvent>) {
    let mut ready = false;
    loop {
        match events.recv().await {
            Ok(CoreEvent::Connection(ConnectionState::Online)) => println!("online"),
            Ok(CoreEvent::Connection(ConnectionState::Offline { reason, .. })) => {
                println!("offline {reason}")
            }
            Ok(CoreEvent::SyncProgress {
                fetched,
                more: false,
            }) => {
                println!("synced {fetched}");
                if !ready {
                    ready = true;
                    println!("ready");
                }
            }
            Ok(_) => {}
            // Fell behind on events: the next ones still say what matters.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// The cache as this process sees it, as one JSON object.
async fn dump(core: &Core) -> Result<Value> {
    let cache = core.cache().clone();
    tokio::task::spawn_blocking(move || -> Result<Value> {
        let mut conversations = Vec::new();
        for summary in cache.conversations()? {
            let rows: Vec<Value> = cache
                .messages(&summary.id, None, u32::MAX)?
                .into_iter()
                .map(|m| {
                    let text = match &m.event {
                        EventBody::Message { text, .. } => Some(text.clone()),
                        _ => None,
                    };
                    json!({
                        "seq": m.seq,
                        "client_id": m.client_id,
                        "sender": m.sender,
                        "status": m.status,
                        "text": text,
                    })
                })
                .collect();
            conversations.push(json!({
                "id": summary.id,
                "cursor": cache.cursor(&summary.id)?,
                "rows": rows,
            }));
        }
        Ok(json!({
            "conversations": conversations,
            "outbox": cache.outbox()?.len(),
        }))
    })
    .await
    .context("reading the cache")?
}
