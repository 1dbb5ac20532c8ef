//! Settling a chaos run and deciding whether anything was lost.
//!
//! 1. **Settle.** Wait (bounded) until every client is online, its outbox is empty, and
//!    its cache's cursor is at the server's head in each of its groups. A client that
//!    does not get there by itself is restarted once (`stop`, `start`: what a person
//!    would do) and named in [`Report::restarted_to_converge`]; that is a finding too
//!    (live delivery or resync left it behind), though not a loss.
//! 2. **Read the truth from Redis**: each group's head, log, send de-duplication hash
//!    and members (keys in `server/src/store/keys.rs`).
//! 3. **Check**, for every group: seqs `1..=head` all present and nothing above; each
//!    client id once in the log; each acknowledged send stored exactly once at its
//!    acknowledged seq, by its sender, with its text, and de-duplicated to that seq; each
//!    unacknowledged send still in its sender's outbox or stored exactly once; no message
//!    nobody sent; the members as created; and every member's cache holding exactly the
//!    server's log (same seqs, senders, times and bodies), its cursor at the head, and no
//!    local echo left without an outbox item. Then, for every client, that it knows no
//!    conversation it is not in.

use super::{Chaos, Client};
use anyhow::Result;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};
use tidings_core::cache::MessageStatus;
use tidings_shared::{ClientMessageId, ConversationId, Event, EventBody, Seq};

/// What a run did and whether anything was lost.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// Messages handed to the cores' outboxes.
    pub sent: u64,
    /// Of those, acknowledged (a `message_sent` event).
    pub acked: u64,
    /// Acknowledged within 1 s of `send_message`.
    pub acked_within_1s: u64,
    /// The longest any send waited for its acknowledgement (until the check for those
    /// still waiting): the longest time a client could not get a message through.
    pub longest_wait_for_ack_ms: u64,
    /// Not acknowledged, still in the sender's outbox (allowed; none once settled).
    pub unacked_in_outbox: u64,
    /// Not acknowledged, but stored exactly once (allowed: the ack was lost with its
    /// connection).
    pub unacked_but_stored: u64,
    /// Events in the groups' logs, all told.
    pub log_events: u64,
    /// Connection drops the cores went through.
    pub disconnects: u64,
    /// Core events the ledger missed (its watcher fell behind).
    pub lagged_core_events: u64,
    /// Clients that had to be restarted to catch up (see the module doc).
    pub restarted_to_converge: Vec<usize>,
    /// Everything found wrong. Empty: nothing lost.
    pub problems: Vec<String>,
}

impl Report {
    /// The verdict: no loss, duplicate, gap, stray conversation or stuck message.
    pub fn nothing_lost(&self) -> bool {
        self.problems.is_empty()
    }

    /// The share of sends acknowledged within 1 s (1.0 when nothing was sent).
    pub fn acked_within_1s_share(&self) -> f64 {
        if self.sent == 0 {
            1.0
        } else {
            self.acked_within_1s as f64 / self.sent as f64
        }
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "sent {}, acknowledged {} ({} within 1 s: {:.3} %)",
            self.sent,
            self.acked,
            self.acked_within_1s,
            self.acked_within_1s_share() * 100.0
        )?;
        writeln!(
            f,
            "longest wait for an ack: {:.1} s",
            self.longest_wait_for_ack_ms as f64 / 1000.0
        )?;
        writeln!(
            f,
            "unacknowledged: {} still in an outbox, {} stored once; {} log events; {} disconnects",
            self.unacked_in_outbox, self.unacked_but_stored, self.log_events, self.disconnects
        )?;
        if !self.restarted_to_converge.is_empty() {
            writeln!(
                f,
                "restarted to catch up: clients {:?}",
                self.restarted_to_converge
            )?;
        }
        if self.lagged_core_events > 0 {
            writeln!(
                f,
                "core events missed by the ledger: {}",
                self.lagged_core_events
            )?;
        }
        if self.nothing_lost() {
            write!(f, "verdict: nothing lost")
        } else {
            writeln!(f, "verdict: {} problem(s)", self.problems.len())?;
            for p in self.problems.iter().take(50) {
                writeln!(f, "  - {p}")?;
            }
            Ok(())
        }
    }
}

/// One group as Redis holds it.
struct ServerLog {
    head: Seq,
    events: BTreeMap<Seq, Event>,
    /// `<uid>:<client id>` → `<seq>:<ts>`.
    client_ids: HashMap<String, String>,
    members: HashSet<String>,
}

async fn read_log(
    conn: &mut redis::aio::MultiplexedConnection,
    cid: &ConversationId,
    problems: &mut Vec<String>,
) -> Result<ServerLog> {
    let head: Option<Seq> = redis::cmd("HGET")
        .arg(format!("tidings:conv:{{{cid}}}"))
        .arg("head")
        .query_async(conn)
        .await?;
    let raw: HashMap<Seq, String> = redis::cmd("HGETALL")
        .arg(format!("tidings:conv:{{{cid}}}:log"))
        .query_async(conn)
        .await?;
    let client_ids: HashMap<String, String> = redis::cmd("HGETALL")
        .arg(format!("tidings:conv:{{{cid}}}:client_ids"))
        .query_async(conn)
        .await?;
    let members: HashSet<String> = redis::cmd("SMEMBERS")
        .arg(format!("tidings:conv:{{{cid}}}:members"))
        .query_async(conn)
        .await?;
    let mut events = BTreeMap::new();
    for (seq, json) in raw {
        match serde_json::from_str::<Event>(&json) {
            Ok(event) if event.seq == seq => {
                events.insert(seq, event);
            }
            Ok(event) => problems.push(format!(
                "{cid}: log field {seq} holds an event with seq {}",
                event.seq
            )),
            Err(e) => problems.push(format!("{cid}: log entry {seq} unreadable: {e}")),
        }
    }
    Ok(ServerLog {
        head: head.unwrap_or(0),
        events,
        client_ids,
        members,
    })
}

async fn heads(
    conn: &mut redis::aio::MultiplexedConnection,
    chaos: &Chaos,
) -> Result<HashMap<ConversationId, Seq>> {
    let mut heads = HashMap::new();
    for group in &chaos.groups {
        let head: Option<Seq> = redis::cmd("HGET")
            .arg(format!("tidings:conv:{{{}}}", group.id))
            .arg("head")
            .query_async(conn)
            .await?;
        heads.insert(group.id.clone(), head.unwrap_or(0));
    }
    Ok(heads)
}

/// Why `client` is not caught up yet, or `None` when it is.
async fn lagging(client: &Client, heads: &HashMap<ConversationId, Seq>) -> Result<Option<String>> {
    if !client.core.is_online() {
        return Ok(Some("offline".into()));
    }
    let cache = client.core.cache().clone();
    let groups = client.groups.clone();
    let heads = heads.clone();
    let why = tokio::task::spawn_blocking(move || -> Result<Option<String>> {
        let waiting = cache.outbox()?.len();
        if waiting > 0 {
            return Ok(Some(format!("{waiting} message(s) in the outbox")));
        }
        for g in &groups {
            let (cursor, head) = (cache.cursor(g)?, heads.get(g).copied().unwrap_or(0));
            if cursor != head {
                return Ok(Some(format!("cursor {cursor} of {g}, head {head}")));
            }
        }
        Ok(None)
    })
    .await??;
    Ok(why)
}

/// Waits until every client is caught up, for at most `bound`; returns who is not.
async fn settle(
    chaos: &Chaos,
    conn: &mut redis::aio::MultiplexedConnection,
    bound: Duration,
) -> Result<Vec<(usize, String)>> {
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        let heads = heads(conn, chaos).await?;
        let mut behind = Vec::new();
        for (i, client) in chaos.clients.iter().enumerate() {
            if let Some(why) = lagging(client, &heads).await? {
                behind.push((i, why));
            }
        }
        if behind.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(behind);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

pub(super) async fn settle_and_check(chaos: &Chaos, bound: Duration) -> Result<Report> {
    let checked_at = Instant::now();
    let redis = redis::Client::open(chaos.redis_url())?;
    let mut conn = redis.get_multiplexed_async_connection().await?;
    let mut report = Report::default();

    let behind = settle(chaos, &mut conn, bound).await?;
    if !behind.is_empty() {
        for (i, _) in &behind {
            let core = &chaos.clients[*i].core;
            core.stop().await;
            core.start().await;
            report.restarted_to_converge.push(*i);
        }
        for (i, why) in settle(chaos, &mut conn, bound).await? {
            report
                .problems
                .push(format!("client {i} never caught up, even restarted: {why}"));
        }
    }

    let records = chaos.ledger.records();
    report.sent = records.len() as u64;
    report.acked = records.values().filter(|r| r.acked.is_some()).count() as u64;
    let (quick, longest) = chaos.ledger.latency(Duration::from_secs(1), checked_at);
    report.acked_within_1s = quick;
    report.longest_wait_for_ack_ms = longest.as_millis() as u64;
    report.disconnects = chaos.ledger.disconnects();
    report.lagged_core_events = chaos.ledger.lagged();
    report.problems.extend(chaos.ledger.problems());

    let mut outboxes = Vec::new();
    for client in &chaos.clients {
        let cache = client.core.cache().clone();
        let ids: HashSet<ClientMessageId> = tokio::task::spawn_blocking(move || cache.outbox())
            .await??
            .into_iter()
            .map(|item| item.client_id)
            .collect();
        outboxes.push(ids);
    }

    for group in &chaos.groups {
        let log = read_log(&mut conn, &group.id, &mut report.problems).await?;
        report.log_events += log.events.len() as u64;
        check_log(chaos, group, &log, &mut report.problems);
        check_sends(chaos, group, &log, &records, &outboxes, &mut report);
        for &m in &group.members {
            check_cache(
                chaos,
                m,
                &group.id,
                &log,
                &outboxes[m],
                &mut report.problems,
            )
            .await?;
        }
    }
    for (i, client) in chaos.clients.iter().enumerate() {
        check_strays(i, client, &mut report.problems).await?;
    }
    Ok(report)
}

/// Seqs gapless up to the head, client ids unique, members as created.
fn check_log(chaos: &Chaos, group: &super::Group, log: &ServerLog, problems: &mut Vec<String>) {
    let cid = &group.id;
    let missing: Vec<Seq> = (1..=log.head)
        .filter(|s| !log.events.contains_key(s))
        .collect();
    if !missing.is_empty() {
        problems.push(format!("{cid}: seqs missing from the log: {missing:?}"));
    }
    let above: Vec<Seq> = log.events.range(log.head + 1..).map(|(s, _)| *s).collect();
    if !above.is_empty() {
        problems.push(format!(
            "{cid}: seqs above the head {}: {above:?}",
            log.head
        ));
    }
    let mut seen: HashMap<ClientMessageId, Seq> = HashMap::new();
    for event in log.events.values() {
        if let EventBody::Message { client_id, .. } = &event.body {
            if let Some(first) = seen.insert(*client_id, event.seq) {
                problems.push(format!(
                    "{cid}: {client_id} stored twice, at {first} and {}",
                    event.seq
                ));
            }
        }
    }
    let expected: HashSet<String> = group
        .members
        .iter()
        .map(|&m| chaos.clients[m].user.0.clone())
        .collect();
    if log.members != expected {
        problems.push(format!(
            "{cid}: members {:?}, expected {expected:?}",
            log.members
        ));
    }
}

/// Each send of this group against the log.
fn check_sends(
    chaos: &Chaos,
    group: &super::Group,
    log: &ServerLog,
    records: &HashMap<ClientMessageId, super::SendRecord>,
    outboxes: &[HashSet<ClientMessageId>],
    report: &mut Report,
) {
    let cid = &group.id;
    let mut stored: HashMap<ClientMessageId, Vec<&Event>> = HashMap::new();
    for event in log.events.values() {
        if let EventBody::Message { client_id, .. } = &event.body {
            stored.entry(*client_id).or_default().push(event);
        }
    }
    for (client_id, record) in records.iter().filter(|(_, r)| &r.conversation == cid) {
        let sender = &chaos.clients[record.client].user;
        let found = stored.remove(client_id).unwrap_or_default();
        let problems = &mut report.problems;
        for event in &found {
            let text_ok =
                matches!(&event.body, EventBody::Message { text, .. } if text == &record.text);
            if &event.sender != sender || !text_ok {
                problems.push(format!(
                    "{cid}: {client_id} at {} is not what client {} sent",
                    event.seq, record.client
                ));
            }
        }
        match (record.acked, found.as_slice()) {
            (Some((seq, _)), [event]) if event.seq == seq => {
                let dedup = log.client_ids.get(&format!("{sender}:{client_id}"));
                if dedup.and_then(|v| v.split(':').next()) != Some(seq.to_string().as_str()) {
                    problems.push(format!(
                        "{cid}: {client_id} (seq {seq}) de-duplicates to {dedup:?}"
                    ));
                }
            }
            (Some((seq, _)), []) => problems.push(format!(
                "{cid}: LOST: {client_id} ({:?}) was acknowledged at seq {seq} but is not in the log",
                record.text
            )),
            (Some((seq, _)), found) => problems.push(format!(
                "{cid}: {client_id} was acknowledged at seq {seq} but is stored at {:?}",
                found.iter().map(|e| e.seq).collect::<Vec<_>>()
            )),
            (None, _) if record.failed.is_some() => problems.push(format!(
                "{cid}: {client_id} was refused: {}",
                record.failed.as_deref().unwrap_or_default()
            )),
            (None, [_]) => report.unacked_but_stored += 1,
            (None, []) if outboxes[record.client].contains(client_id) => {
                report.unacked_in_outbox += 1
            }
            (None, []) => problems.push(format!(
                "{cid}: LOST: {client_id} ({:?}) is neither acknowledged, stored, nor in client {}'s outbox",
                record.text, record.client
            )),
            (None, found) => problems.push(format!(
                "{cid}: {client_id} stored {} times",
                found.len()
            )),
        }
    }
    for (client_id, events) in stored {
        for event in events {
            report.problems.push(format!(
                "{cid}: seq {} holds {client_id}, which nobody sent",
                event.seq
            ));
        }
    }
}

/// Member `m`'s cache of the group equals the server's log.
async fn check_cache(
    chaos: &Chaos,
    m: usize,
    cid: &ConversationId,
    log: &ServerLog,
    outbox: &HashSet<ClientMessageId>,
    problems: &mut Vec<String>,
) -> Result<()> {
    let core = &chaos.clients[m].core;
    let rows = core.messages(cid, None, u32::MAX).await?;
    let cursor = {
        let cache = core.cache().clone();
        let cid = cid.clone();
        tokio::task::spawn_blocking(move || cache.cursor(&cid)).await??
    };
    if cursor != log.head {
        problems.push(format!(
            "client {m}: cursor {cursor} in {cid}, head {}",
            log.head
        ));
    }
    let mut held: BTreeMap<Seq, _> = BTreeMap::new();
    for row in rows {
        match row.seq {
            Some(seq) => {
                if held.insert(seq, row).is_some() {
                    problems.push(format!("client {m}: two rows for seq {seq} of {cid}"));
                }
            }
            None => {
                let stuck = row.client_id.is_none_or(|id| !outbox.contains(&id));
                if stuck {
                    problems.push(format!(
                        "client {m}: a {:?} echo {:?} in {cid} with nothing in the outbox",
                        row.status, row.client_id
                    ));
                }
            }
        }
    }
    let mut missing = Vec::new();
    for (seq, event) in &log.events {
        match held.remove(seq) {
            None => missing.push(*seq),
            Some(row) => {
                let same = row.sender == event.sender
                    && row.ts == event.ts
                    && row.event == event.body
                    && row.status == MessageStatus::Sent;
                if !same {
                    problems.push(format!(
                        "client {m}: seq {seq} of {cid} differs from the server's: {:?} {:?} vs {:?}",
                        row.status, row.event, event.body
                    ));
                }
            }
        }
    }
    if !missing.is_empty() {
        problems.push(format!(
            "client {m}: lacks seqs {missing:?} of {cid} (head {})",
            log.head
        ));
    }
    if !held.is_empty() {
        problems.push(format!(
            "client {m}: holds seqs {:?} of {cid} that the server does not",
            held.keys().collect::<Vec<_>>()
        ));
    }
    Ok(())
}

/// Client `i` knows only conversations it is in.
async fn check_strays(i: usize, client: &Client, problems: &mut Vec<String>) -> Result<()> {
    let listed = client.core.conversations().await?;
    let cache = client.core.cache().clone();
    let cursors = tokio::task::spawn_blocking(move || cache.cursors()).await??;
    let ids = listed.iter().map(|c| &c.id).chain(cursors.keys());
    for id in ids {
        if !client.groups.contains(id) {
            problems.push(format!(
                "client {i} holds {id}, a conversation it is not in"
            ));
        }
    }
    Ok(())
}
