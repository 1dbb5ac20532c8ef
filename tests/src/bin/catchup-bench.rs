//! Catch-up time: a client core that was offline while N messages arrived reconnects; how
//! long until its cache holds all of them (from the `start` call to the last cursor
//! reaching the head), against a real server and redis-server on loopback.
//!
//! ```sh
//! cargo build --release -p tidings-server
//! TIDINGS_SERVER_BIN=target/release/tidings-server \
//!   cargo run --release -p tidings-tests --bin catchup-bench -- --messages 10000 --conversations 1
//! ```

use anyhow::{bail, Context, Result};
use std::time::{Duration, Instant};
use tidings_core::{Core, CoreConfig, CoreEvent};
use tidings_shared::{ClientFrame, ConversationId, CreateConversation, ServerFrame};
use tidings_tests::{World, PASSWORD};

struct Args {
    messages: u64,
    conversations: u64,
    runs: u32,
}

fn args() -> Result<Args> {
    let mut args = Args {
        messages: 10_000,
        conversations: 1,
        runs: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--messages" => args.messages = it.next().context("--messages N")?.parse()?,
            "--conversations" => {
                args.conversations = it.next().context("--conversations N")?.parse()?
            }
            "--runs" => args.runs = it.next().context("--runs N")?.parse()?,
            other => bail!("unknown argument {other}; use --messages N --conversations N --runs N"),
        }
    }
    if args.conversations == 0 || args.runs == 0 {
        bail!("--conversations and --runs must be at least 1");
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = args()?;
    let world = World::start(
        1,
        &["--message-rate", "1000000", "--message-burst", "1000000"],
    )?;
    let api = world.api();
    let mut results = Vec::new();
    for run in 0..args.runs {
        // A fresh reader each run: it signs up, goes offline, and misses everything.
        let dir = tempfile::tempdir()?;
        let reader = Core::open(CoreConfig {
            server: world.servers[0].http_url(),
            data_dir: dir.path().to_owned(),
        })
        .await?;
        let reader_user = api.new_user("reader").await?;
        let reader_name = reader_user.username.clone();
        reader.sign_in(&reader_name, PASSWORD).await?;

        let mut heads = Vec::new();
        let per_conversation = args.messages / args.conversations;
        for c in 0..args.conversations {
            let writer = api.new_user("writer").await?;
            let direct = api
                .create_conversation(
                    &writer,
                    &CreateConversation::Direct {
                        username: reader_name.clone(),
                    },
                )
                .await?
                .1;
            let count = per_conversation + u64::from(c < args.messages % args.conversations);
            send_many(&world, &writer, &direct.id, count).await?;
            heads.push((direct.id, count + 1));
        }

        // The server's share: the same pages pulled over a plain socket, applied nowhere.
        let raw = raw_sync(&world, &reader_user).await?;

        let mut events = reader.subscribe();
        let started = Instant::now();
        reader.start().await;
        let deadline = started + Duration::from_secs(120);
        loop {
            let mut behind = false;
            for (cid, head) in &heads {
                if reader.cache().cursor(cid)? < *head {
                    behind = true;
                    break;
                }
            }
            if !behind {
                break;
            }
            if Instant::now() > deadline {
                bail!("run {run}: the reader did not catch up within 120 s");
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), events.recv()).await;
            while let Ok(event) = events.try_recv() {
                if let CoreEvent::Connection(tidings_core::ConnectionState::Offline {
                    reason,
                    ..
                }) = event
                {
                    bail!("run {run}: the reader went offline: {reason}");
                }
            }
        }
        let took = started.elapsed();
        reader.stop().await;
        println!(
            "run {run}: {} messages in {} conversation(s) caught up in {:.0} ms ({:.0} messages/s); \
             the same sync pages over a plain socket: {:.0} ms",
            args.messages,
            args.conversations,
            took.as_secs_f64() * 1000.0,
            args.messages as f64 / took.as_secs_f64(),
            raw.as_secs_f64() * 1000.0
        );
        results.push(took);
    }
    results.sort();
    let median = results[results.len() / 2];
    println!(
        "{{\"bench\":\"catchup\",\"messages\":{},\"conversations\":{},\"runs\":{},\"median_ms\":{:.0},\"best_ms\":{:.0}}}",
        args.messages,
        args.conversations,
        args.runs,
        median.as_secs_f64() * 1000.0,
        results[0].as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Pulls every sync page from scratch over a plain WebSocket, as the core would (default
/// page size), and returns how long that took.
async fn raw_sync(world: &World, user: &tidings_tests::TestUser) -> Result<Duration> {
    let mut ws = world.connect(0, user).await?;
    let started = Instant::now();
    ws.sync_all(&mut std::collections::BTreeMap::new()).await?;
    Ok(started.elapsed())
}

/// Sends `count` messages as `writer`, pipelined 200 at a time.
async fn send_many(
    world: &World,
    writer: &tidings_tests::TestUser,
    cid: &ConversationId,
    count: u64,
) -> Result<()> {
    let mut ws = world.connect(0, writer).await?;
    for i in 0..count {
        ws.send(
            None,
            ClientFrame::Send {
                conversation_id: cid.clone(),
                client_id: uuid::Uuid::new_v4(),
                text: format!("catch-up message {i} with a few more words in it"),
                attachments: Vec::new(),
            },
        )
        .await?;
        if i % 200 == 199 || i + 1 == count {
            let last = i + 2;
            ws.wait_for(
                Duration::from_secs(30),
                |f| matches!(f, ServerFrame::Ack { seq, .. } if *seq == last),
            )
            .await?;
        }
    }
    Ok(())
}
