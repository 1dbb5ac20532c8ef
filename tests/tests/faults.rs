//! Faults placed exactly, one at a time (issue 9):
//!
//! - an instance killed after Redis appended a message and before the ack left: the
//!   instance's Redis connection goes through a [`Proxy`] that holds every reply, the test
//!   watches Redis directly for the append, and kills the instance at once. The retry,
//!   through another instance, must get the same seq;
//! - the desktop core killed with SIGKILL while it receives, twice, and started again on
//!   its data dir: its cache must then equal the server's log.
//!
//! Times are measured and printed, never asserted.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tidings_core::cache::MessageStatus;
use tidings_core::CoreEvent;
use tidings_shared::{
    ClientFrame, ClientMessageId, ConversationId, CreateConversation, Event, EventBody, Seq,
    ServerFrame,
};
use tidings_tests::cores::signed_up_core;
use tidings_tests::{Api, Proxy, Redis, Server, World, Ws};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

const FAST: &[&str] = &["--message-rate", "100000", "--message-burst", "100000"];

/// How long the Redis proxy holds each chunk, both ways: a send under it takes one delay
/// to reach Redis and another for its reply to come back, and the test kills the instance
/// within milliseconds of seeing the append, well inside the second.
const REDIS_DELAY: Duration = Duration::from_millis(1500);

/// Bound on any one wait in these tests.
const BOUND: Duration = Duration::from_secs(30);

/// Where `redis` listens.
fn redis_addr(redis: &Redis) -> SocketAddr {
    redis
        .url()
        .trim_start_matches("redis://")
        .parse()
        .expect("redis url")
}

async fn redis_conn(redis: &Redis) -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis.url())
        .expect("redis client")
        .get_multiplexed_async_connection()
        .await
        .expect("redis connection")
}

/// One conversation as Redis holds it.
struct StoredLog {
    head: Seq,
    events: BTreeMap<Seq, Event>,
}

impl StoredLog {
    async fn read(conn: &mut redis::aio::MultiplexedConnection, cid: &ConversationId) -> Self {
        let head: Option<Seq> = redis::cmd("HGET")
            .arg(format!("tidings:conv:{{{cid}}}"))
            .arg("head")
            .query_async(conn)
            .await
            .expect("head");
        let raw: HashMap<Seq, String> = redis::cmd("HGETALL")
            .arg(format!("tidings:conv:{{{cid}}}:log"))
            .query_async(conn)
            .await
            .expect("log");
        let events = raw
            .into_iter()
            .map(|(seq, json)| {
                let event: Event = serde_json::from_str(&json).expect("a readable log entry");
                assert_eq!(event.seq, seq, "log field {seq} holds seq {}", event.seq);
                (seq, event)
            })
            .collect();
        Self {
            head: head.unwrap_or(0),
            events,
        }
    }

    /// The seqs of the messages sent with `client_id`.
    fn seqs_of(&self, client_id: ClientMessageId) -> Vec<Seq> {
        self.events
            .values()
            .filter(
                |e| matches!(&e.body, EventBody::Message { client_id: c, .. } if *c == client_id),
            )
            .map(|e| e.seq)
            .collect()
    }

    fn assert_gapless(&self) {
        let seqs: Vec<Seq> = self.events.keys().copied().collect();
        let expected: Vec<Seq> = (1..=self.head).collect();
        assert_eq!(seqs, expected, "the log is not gapless up to its head");
    }
}

/// Polls Redis (directly, not through the proxy) until the send de-duplication hash of
/// `cid` has `field`; returns its `<seq>`.
async fn wait_for_append(
    conn: &mut redis::aio::MultiplexedConnection,
    cid: &ConversationId,
    field: &str,
) -> Seq {
    let deadline = Instant::now() + BOUND;
    while Instant::now() < deadline {
        let stored: Option<String> = redis::cmd("HGET")
            .arg(format!("tidings:conv:{{{cid}}}:client_ids"))
            .arg(field)
            .query_async(conn)
            .await
            .expect("hget");
        if let Some(stored) = stored {
            let seq = stored.split(':').next().unwrap_or_default();
            return seq.parse().expect("the hash holds <seq>:<ts>");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("the send never reached Redis within {BOUND:?}");
}

/// Redis, instance A whose Redis connections (commands and pub/sub) all go through a
/// proxy, and instance B straight on Redis.
struct CrashSetup {
    redis: Redis,
    redis_proxy: Proxy,
    doomed: Server,
    other: Server,
}

async fn crash_setup() -> CrashSetup {
    let redis = Redis::start().expect("redis");
    let redis_proxy = Proxy::start(vec![redis_addr(&redis)])
        .await
        .expect("redis proxy");
    let through = format!("redis://{}", redis_proxy.addr());
    // Off the runtime: the proxy runs on it, and the start waits for the server to reach
    // Redis through it.
    let doomed = tokio::task::spawn_blocking(move || Server::start(&through, FAST))
        .await
        .expect("start task")
        .expect("instance A");
    let other = Server::start(&redis.url(), FAST).expect("instance B");
    CrashSetup {
        redis,
        redis_proxy,
        doomed,
        other,
    }
}

#[tokio::test]
async fn a_crash_after_the_append_and_before_the_ack_gets_the_same_seq_on_retry() {
    let CrashSetup {
        redis,
        redis_proxy,
        mut doomed,
        other,
    } = crash_setup().await;
    let mut conn = redis_conn(&redis).await;
    let api = Api::new(other.http_url());
    let ana = api.new_user("ana").await.expect("ana");
    let ben = api.new_user("ben").await.expect("ben");
    let cid = api.direct(&ana, &ben).await.expect("direct").id;

    let mut ana_ws = Ws::connect(&doomed.ws_url(), ana.token())
        .await
        .expect("ana on A");
    // One send first, so that the append script is loaded and the send under test is one
    // round trip to Redis.
    ana_ws
        .send_message_text(&cid, uuid::Uuid::new_v4(), "warm-up")
        .await
        .expect("warm-up acked");

    redis_proxy.set_delay(REDIS_DELAY);
    let client_id = uuid::Uuid::new_v4();
    let send = ClientFrame::Send {
        conversation_id: cid.clone(),
        client_id,
        text: "sent just before the crash".into(),
        attachments: Vec::new(),
    };
    let started = Instant::now();
    ana_ws
        .send(Some("doomed".into()), send.clone())
        .await
        .expect("send to A");
    let field = format!("{}:{client_id}", ana.session.user.id);
    let stored_seq = wait_for_append(&mut conn, &cid, &field).await;
    let appended_at = started.elapsed();
    doomed.kill9();
    let killed_at = started.elapsed();

    // Nothing came back before the connection died with the instance.
    let mut replies = Vec::new();
    while let Ok(frame) = ana_ws.recv(Duration::from_secs(10)).await {
        replies.push(frame);
    }
    assert!(
        replies
            .iter()
            .all(|f| !matches!(&f.frame, ServerFrame::Ack { client_id: c, .. } if *c == client_id)),
        "the ack got out before the crash, so the crash was not between append and ack: {replies:?}"
    );

    let mut retry_ws = Ws::connect(&other.ws_url(), ana.token())
        .await
        .expect("ana on B");
    let retried = Instant::now();
    let reply = retry_ws.request(send).await.expect("the retry's reply");
    let retry_took = retried.elapsed();
    match reply {
        ServerFrame::Ack {
            client_id: acked,
            seq,
            ..
        } => {
            assert_eq!(acked, client_id);
            assert_eq!(seq, stored_seq, "the retry got another seq");
        }
        other => panic!("the retry got {other:?}"),
    }

    let log = StoredLog::read(&mut conn, &cid).await;
    assert_eq!(log.seqs_of(client_id), vec![stored_seq], "stored once");
    assert_eq!(log.head, stored_seq, "nothing was appended after it");
    log.assert_gapless();
    println!(
        "append visible in Redis after {:.0} ms (proxy delay {} ms each way), instance \
         killed {:.1} ms later, no ack out; retry through B acked seq {stored_seq} in {:.0} ms",
        appended_at.as_secs_f64() * 1e3,
        REDIS_DELAY.as_millis(),
        (killed_at - appended_at).as_secs_f64() * 1e3,
        retry_took.as_secs_f64() * 1e3,
    );
}

#[tokio::test]
async fn a_core_whose_instance_crashed_after_the_append_holds_the_message_once_at_its_seq() {
    let CrashSetup {
        redis,
        redis_proxy,
        mut doomed,
        other,
    } = crash_setup().await;
    let mut conn = redis_conn(&redis).await;
    // The core's own proxy dials A first and falls over to B, as a load balancer would.
    let client_proxy = Proxy::start(vec![doomed.addr, other.addr])
        .await
        .expect("client proxy");
    let dir = tempfile::tempdir().expect("dir");
    let (ana, _) = signed_up_core(&client_proxy.http_url(), &dir, "ana").await;
    let ben = Api::new(other.http_url())
        .new_user("ben")
        .await
        .expect("ben");
    let cid = ana.open_direct(&ben.username).await.expect("direct").id;
    let mut events = ana.subscribe();
    let me = ana.me().expect("signed in").id;

    let warm_up = ana
        .send_message(&cid, "warm-up", Vec::new())
        .await
        .expect("queue");
    sent_seq(&mut events, warm_up).await;

    redis_proxy.set_delay(REDIS_DELAY);
    let started = Instant::now();
    let client_id = ana
        .send_message(&cid, "sent just before the crash", Vec::new())
        .await
        .expect("queue");
    let stored_seq = wait_for_append(&mut conn, &cid, &format!("{me}:{client_id}")).await;
    let appended_at = started.elapsed();
    doomed.kill9();
    let killed_at = started.elapsed();

    let seq = sent_seq(&mut events, client_id).await;
    let sent_at = started.elapsed();
    assert_eq!(seq, stored_seq, "the core was told another seq");

    let rows: Vec<_> = ana
        .messages(&cid, None, 1_000)
        .await
        .expect("messages")
        .into_iter()
        .filter(|m| m.client_id == Some(client_id))
        .collect();
    assert_eq!(rows.len(), 1, "cached once: {rows:?}");
    assert_eq!(rows[0].seq, Some(stored_seq));
    assert_eq!(rows[0].status, MessageStatus::Sent);
    let outbox = ana.cache().outbox().expect("outbox");
    assert!(outbox.is_empty(), "left in the outbox: {outbox:?}");

    let log = StoredLog::read(&mut conn, &cid).await;
    assert_eq!(log.seqs_of(client_id), vec![stored_seq], "stored once");
    assert_eq!(log.head, stored_seq);
    log.assert_gapless();
    println!(
        "append visible after {:.0} ms, instance killed {:.1} ms later; the core moved to B \
         and was told seq {seq} {:.0} ms after sending",
        appended_at.as_secs_f64() * 1e3,
        (killed_at - appended_at).as_secs_f64() * 1e3,
        sent_at.as_secs_f64() * 1e3,
    );
    ana.stop().await;
}

/// Waits (bounded) for the `message_sent` of `client_id`; panics on `message_failed`.
async fn sent_seq(
    events: &mut tokio::sync::broadcast::Receiver<CoreEvent>,
    client_id: ClientMessageId,
) -> Seq {
    let deadline = tokio::time::Instant::now() + BOUND;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => panic!("no message_sent for {client_id} within {BOUND:?}"),
            Ok(Ok(CoreEvent::MessageSent { client_id: c, seq })) if c == client_id => return seq,
            Ok(Ok(CoreEvent::MessageFailed {
                client_id: c,
                reason,
            })) if c == client_id => panic!("the send failed: {reason}"),
            Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => {
                panic!("the core's events ended")
            }
            Ok(_) => {}
        }
    }
}

/// A `core-process` (tests/src/bin/core-process.rs): a client core in a process of its
/// own. Killed with SIGKILL when dropped.
struct CoreProcess {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: mpsc::UnboundedReceiver<String>,
}

impl CoreProcess {
    async fn start(server: &str, data_dir: &Path, username: &str) -> Self {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_core-process"))
            .args(["--server", server, "--username", username])
            .arg("--data-dir")
            .arg(data_dir)
            .env("TIDINGS_PASSWORD", tidings_tests::PASSWORD)
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("starting core-process");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut process = Self {
            child,
            stdin,
            lines,
        };
        process.wait_line(|l| l == "ready").await;
        process
    }

    /// The first line matching `pred` (bounded); lines before it are dropped.
    async fn wait_line(&mut self, pred: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + BOUND;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Err(_) => panic!("core-process said nothing expected within {BOUND:?}"),
                Ok(None) => panic!("core-process exited"),
                Ok(Some(line)) if pred(&line) => return line,
                Ok(Some(_)) => {}
            }
        }
    }

    /// Its cache as it sees it.
    async fn dump(&mut self) -> CacheView {
        self.stdin.write_all(b"dump\n").await.expect("stdin");
        let line = self.wait_line(|l| l.starts_with("dump ")).await;
        serde_json::from_str(&line["dump ".len()..]).expect("a dump")
    }

    async fn kill9(mut self) {
        self.child.start_kill().expect("SIGKILL");
        let _ = self.child.wait().await;
    }

    async fn quit(mut self) {
        self.stdin.write_all(b"quit\n").await.expect("stdin");
        self.wait_line(|l| l == "bye").await;
        let _ = tokio::time::timeout(BOUND, self.child.wait()).await;
    }
}

/// What `core-process` prints for `dump`.
#[derive(serde::Deserialize, Debug)]
struct CacheView {
    conversations: Vec<CachedConversation>,
    outbox: usize,
}

#[derive(serde::Deserialize, Debug)]
struct CachedConversation {
    id: ConversationId,
    cursor: Seq,
    rows: Vec<CachedRow>,
}

#[derive(serde::Deserialize, Debug)]
struct CachedRow {
    seq: Option<Seq>,
    client_id: Option<ClientMessageId>,
    sender: String,
    status: MessageStatus,
    text: Option<String>,
}

impl CacheView {
    fn conversation(&self, cid: &ConversationId) -> Option<&CachedConversation> {
        self.conversations.iter().find(|c| &c.id == cid)
    }

    fn messages(&self) -> usize {
        self.conversations
            .iter()
            .flat_map(|c| &c.rows)
            .filter(|r| r.text.is_some())
            .count()
    }
}

/// Everything where `cached` differs from `log`.
fn differences(cid: &ConversationId, cached: &CachedConversation, log: &StoredLog) -> Vec<String> {
    let mut problems = Vec::new();
    if cached.cursor != log.head {
        problems.push(format!(
            "{cid}: cursor {} but head {}",
            cached.cursor, log.head
        ));
    }
    let mut seen = BTreeSet::new();
    for row in &cached.rows {
        let Some(seq) = row.seq else {
            problems.push(format!("{cid}: a row without a seq: {row:?}"));
            continue;
        };
        if !seen.insert(seq) {
            problems.push(format!("{cid}: seq {seq} cached twice"));
        }
        if row.status != MessageStatus::Sent {
            problems.push(format!("{cid}: seq {seq} is {:?}", row.status));
        }
        let Some(event) = log.events.get(&seq) else {
            problems.push(format!("{cid}: seq {seq} cached but not in the log"));
            continue;
        };
        if row.sender != event.sender.as_str() {
            problems.push(format!("{cid}: seq {seq} has another sender"));
        }
        if let EventBody::Message {
            client_id, text, ..
        } = &event.body
        {
            if row.client_id != Some(*client_id) || row.text.as_deref() != Some(text) {
                problems.push(format!("{cid}: seq {seq} differs from the log: {row:?}"));
            }
        }
    }
    for seq in log.events.keys() {
        if !seen.contains(seq) {
            problems.push(format!("{cid}: seq {seq} missing from the cache"));
        }
    }
    problems
}

#[tokio::test]
async fn a_core_killed_while_receiving_catches_up_to_exactly_the_servers_log() {
    const TOTAL: usize = 400;
    const KILLS: usize = 2;
    /// Messages that must have arrived since the last start before each kill.
    const BEFORE_KILL: usize = 40;

    let w = World::start(1, FAST).expect("world");
    let api = w.api();
    let mut conn = redis_conn(&w.redis).await;
    let receiver = api.new_user("rx").await.expect("receiver");
    let sender = api.new_user("tx").await.expect("sender");
    let direct = api.direct(&sender, &receiver).await.expect("direct").id;
    let group = api
        .create_conversation(
            &sender,
            &CreateConversation::Group {
                title: "kill -9".into(),
                members: vec![receiver.username.clone()],
            },
        )
        .await
        .expect("group")
        .1
        .id;
    let conversations = [direct.clone(), group.clone()];

    let dir = tempfile::tempdir().expect("data dir");
    let server = w.servers[0].http_url();
    let mut process = CoreProcess::start(&server, dir.path(), &receiver.username).await;

    // The sender writes to both conversations in turn, each send acknowledged, while the
    // receiving core is killed and started again.
    let mut tx_ws = w.connect(0, &sender).await.expect("sender connects");
    let acked = Arc::new(AtomicUsize::new(0));
    let sending = {
        let acked = acked.clone();
        let conversations = conversations.clone();
        tokio::spawn(async move {
            let mut stored = Vec::new();
            for i in 0..TOTAL {
                let cid = &conversations[i % conversations.len()];
                let text = format!("m{i}");
                let (seq, _) = tx_ws
                    .send_message_text(cid, uuid::Uuid::new_v4(), &text)
                    .await
                    .expect("acked");
                stored.push((cid.clone(), seq, text));
                acked.fetch_add(1, Ordering::AcqRel);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            stored
        })
    };

    let started = Instant::now();
    for kill in 1..=KILLS {
        let deadline = Instant::now() + BOUND;
        let mut view = process.dump().await;
        let at_start = view.messages();
        while view.messages() < at_start + BEFORE_KILL {
            assert!(Instant::now() < deadline, "the core stopped receiving");
            tokio::time::sleep(Duration::from_millis(20)).await;
            view = process.dump().await;
        }
        let sent = acked.load(Ordering::Acquire);
        process.kill9().await;
        println!(
            "kill {kill} at {:.2} s: {} messages cached, {sent} of {TOTAL} sent",
            started.elapsed().as_secs_f64(),
            view.messages(),
        );
        process = CoreProcess::start(&server, dir.path(), &receiver.username).await;
    }
    let stored = sending.await.expect("the sender");
    let sent_at = started.elapsed();

    // Caught up: every cursor at its head.
    let deadline = Instant::now() + BOUND;
    let mut logs = BTreeMap::new();
    let view = loop {
        let view = process.dump().await;
        logs.clear();
        for cid in &conversations {
            logs.insert(cid.clone(), StoredLog::read(&mut conn, cid).await);
        }
        let caught_up = conversations.iter().all(|cid| {
            view.conversation(cid)
                .is_some_and(|c| c.cursor == logs[cid].head)
        });
        if caught_up {
            break view;
        }
        assert!(
            Instant::now() < deadline,
            "the restarted core never caught up: {:?}",
            view.conversations
                .iter()
                .map(|c| (&c.id, c.cursor))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let caught_up_at = started.elapsed();

    let mut problems = Vec::new();
    for cid in &conversations {
        let log = &logs[cid];
        log.assert_gapless();
        match view.conversation(cid) {
            Some(cached) => problems.extend(differences(cid, cached, log)),
            None => problems.push(format!("{cid}: not in the cache")),
        }
    }
    for (cid, seq, text) in &stored {
        let in_log = logs[cid].events.get(seq).map(|e| &e.body);
        if !matches!(in_log, Some(EventBody::Message { text: t, .. }) if t == text) {
            problems.push(format!(
                "{cid}: acked {text} at {seq} is not in the log there"
            ));
        }
    }
    assert_eq!(view.outbox, 0, "the receiver never sent anything");
    assert!(
        problems.is_empty(),
        "cache and server differ:\n{problems:#?}"
    );
    println!(
        "{TOTAL} messages over 2 conversations, {KILLS} kills; sender done at {:.2} s, \
         cache equal to the log at {:.2} s ({} rows)",
        sent_at.as_secs_f64(),
        caught_up_at.as_secs_f64(),
        view.conversations
            .iter()
            .map(|c| c.rows.len())
            .sum::<usize>(),
    );
    process.quit().await;
}
