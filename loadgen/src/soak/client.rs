//! One soak client: a user's gateway connection that catches up with `sync`, answers the
//! server's heartbeats, follows how far it has seen its conversation, and, when it sends,
//! keeps every unacknowledged send to retry with the same client id (as the desktop
//! core's outbox does).
//!
//! Pings are answered by tungstenite while the socket is read, so a client answers
//! heartbeats only as long as someone polls it: [`Client::serve`] does, until told to stop
//! or the connection ends.

use crate::conn::{self, Socket};
use anyhow::{bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tidings_shared::{ClientEnvelope, ClientFrame, ConversationId, ServerEnvelope, ServerFrame};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

/// Longest a whole `sync` (every page) may take.
const SYNC_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest one frame may take to be written.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// An unacknowledged send is sent again (same client id) after this long.
const RESEND_AFTER: Duration = Duration::from_secs(3);

/// Every acknowledgement any client received: client id → where its ack put it.
#[derive(Default)]
pub struct Ledger {
    /// Written into every text sent (`soak <run> …`), so that the check tells this run's
    /// messages from an earlier run's in the same conversations.
    pub run: String,
    pub acks: HashMap<Uuid, (ConversationId, u64)>,
    /// Sends asked for (each a fresh client id).
    pub sent: u64,
    /// Acks of one client id that disagreed on the seq (must stay empty).
    pub inconsistent: Vec<String>,
}

impl Ledger {
    fn record(&mut self, conversation: &ConversationId, client_id: Uuid, seq: u64) {
        match self.acks.get(&client_id) {
            Some((c, s)) if c == conversation && *s == seq => {}
            Some((c, s)) => self.inconsistent.push(format!(
                "{client_id}: acked at {c}#{s}, then at {conversation}#{seq}"
            )),
            None => {
                self.acks.insert(client_id, (conversation.clone(), seq));
            }
        }
    }
}

/// What the driver can ask of a client that is serving.
pub enum Order {
    /// Send one new message.
    Send,
    /// Catch up with `sync` now, and say when done.
    Sync(oneshot::Sender<Result<()>>),
    /// Close the connection cleanly and return.
    Stop,
    /// Drop the TCP connection without a close frame and return.
    Abort,
}

/// Why [`Client::serve`] returned.
pub enum Ended {
    /// The driver said stop (or dropped its sender); the socket is closed.
    Stopped,
    /// The connection ended on its own at this instant.
    Lost(Instant),
    /// The driver asked for a sync; the caller runs it and serves again.
    Sync(oneshot::Sender<Result<()>>),
}

/// One user's client.
pub struct Client {
    pub index: usize,
    token: String,
    /// The conversation it follows and sends to.
    pub conversation: Option<ConversationId>,
    socket: Option<Socket>,
    /// Highest seq seen such that every seq up to it was seen too.
    pub through: u64,
    /// Seqs seen above `through` (a gap below them).
    ahead: BTreeSet<u64>,
    /// The request id of the sync page in flight.
    sync_in_flight: Option<String>,
    requests: u64,
    /// Server pings seen (the heartbeat).
    pub pings: u64,
    /// Syncs started because a seq arrived with a gap below it.
    pub gap_syncs: u64,
    /// Sends not yet acknowledged: client id → (text, last sent).
    unacked: BTreeMap<Uuid, (String, Instant)>,
    ledger: Arc<Mutex<Ledger>>,
    /// `error` replies by code.
    pub errors: BTreeMap<String, u64>,
}

impl Client {
    /// A client for user `index` with `token`, following `conversation`.
    pub fn new(
        index: usize,
        token: String,
        conversation: Option<ConversationId>,
        ledger: Arc<Mutex<Ledger>>,
    ) -> Self {
        Self {
            index,
            token,
            conversation,
            socket: None,
            through: 0,
            ahead: BTreeSet::new(),
            sync_in_flight: None,
            requests: 0,
            pings: 0,
            gap_syncs: 0,
            unacked: BTreeMap::new(),
            ledger,
            errors: BTreeMap::new(),
        }
    }

    /// Opens the gateway at `url` (up to `hello`); returns how long that took.
    pub async fn connect(&mut self, url: &str) -> Result<Duration> {
        let (socket, took) = conn::connect(url, &self.token).await?;
        self.socket = Some(socket);
        self.sync_in_flight = None;
        Ok(took)
    }

    /// Sends still waiting for their ack.
    pub fn unacked(&self) -> usize {
        self.unacked.len()
    }

    /// Closes the connection: with a close frame when `clean`, else by dropping the TCP
    /// connection (FIN, no WebSocket close), as a client whose process dies would.
    pub async fn close(&mut self, clean: bool) {
        if let Some(mut socket) = self.socket.take() {
            if clean {
                let _ = tokio::time::timeout(WRITE_TIMEOUT, socket.close(None)).await;
                // Read until the server's close arrives (bounded), so the close handshake
                // completes on both sides.
                let _ = tokio::time::timeout(Duration::from_secs(2), async {
                    while let Some(Ok(message)) = socket.next().await {
                        if matches!(message, Message::Close(_)) {
                            break;
                        }
                    }
                })
                .await;
            }
        }
    }

    /// Catches up with `sync` (every page), applying events as they come.
    pub async fn sync(&mut self) -> Result<()> {
        let mut socket = self.socket.take().context("not connected")?;
        let result = tokio::time::timeout(SYNC_TIMEOUT, self.sync_on(&mut socket)).await;
        match result {
            Ok(Ok(())) => {
                self.socket = Some(socket);
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(_) => {
                self.socket = Some(socket);
                bail!("sync took longer than {SYNC_TIMEOUT:?}")
            }
        }
    }

    async fn sync_on(&mut self, socket: &mut Socket) -> Result<()> {
        let request = self.sync_request();
        write(socket, request).await?;
        while self.sync_in_flight.is_some() {
            match socket.next().await {
                Some(Ok(message)) => self.on_message(socket, message).await?,
                Some(Err(e)) => return Err(e.into()),
                None => bail!("connection ended during sync"),
            }
        }
        Ok(())
    }

    /// Sends every unacknowledged send again, with its client id.
    pub async fn resend_unacked(&mut self) -> Result<()> {
        let mut socket = self.socket.take().context("not connected")?;
        let result = self.resend_on(&mut socket, Duration::ZERO).await;
        if result.is_ok() {
            self.socket = Some(socket);
        }
        result
    }

    async fn resend_on(&mut self, socket: &mut Socket, older_than: Duration) -> Result<()> {
        let Some(conversation) = self.conversation.clone() else {
            return Ok(());
        };
        let due: Vec<(Uuid, String)> = self
            .unacked
            .iter()
            .filter(|(_, (_, at))| at.elapsed() >= older_than)
            .map(|(id, (text, _))| (*id, text.clone()))
            .collect();
        for (client_id, text) in due {
            write(socket, send_frame(&conversation, client_id, text)).await?;
            if let Some(entry) = self.unacked.get_mut(&client_id) {
                entry.1 = Instant::now();
            }
        }
        Ok(())
    }

    /// Serves the connection: answers heartbeats, applies events, sends on order, retries
    /// unacknowledged sends, until the driver says stop or the connection ends.
    pub async fn serve(&mut self, orders: &mut mpsc::UnboundedReceiver<Order>) -> Ended {
        let Some(mut socket) = self.socket.take() else {
            return Ended::Lost(Instant::now());
        };
        let mut resend = tokio::time::interval(RESEND_AFTER);
        resend.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let step = tokio::select! {
                order = orders.recv() => match order {
                    Some(Order::Send) => self.send_new(&mut socket).await,
                    Some(Order::Sync(done)) => {
                        self.socket = Some(socket);
                        return Ended::Sync(done);
                    }
                    Some(Order::Abort) => {
                        drop(socket);
                        return Ended::Stopped;
                    }
                    Some(Order::Stop) | None => {
                        self.socket = Some(socket);
                        self.close(true).await;
                        return Ended::Stopped;
                    }
                },
                message = socket.next() => match message {
                    Some(Ok(message)) => self.on_message(&mut socket, message).await,
                    Some(Err(_)) | None => return Ended::Lost(Instant::now()),
                },
                _ = resend.tick() => self.resend_on(&mut socket, RESEND_AFTER).await,
            };
            if step.is_err() {
                return Ended::Lost(Instant::now());
            }
        }
    }

    async fn send_new(&mut self, socket: &mut Socket) -> Result<()> {
        let Some(conversation) = self.conversation.clone() else {
            return Ok(());
        };
        let client_id = Uuid::new_v4();
        let mut text = format!("soak {} {client_id}", self.index);
        if let Ok(mut ledger) = self.ledger.lock() {
            ledger.sent += 1;
            text = format!("soak {} {} {client_id}", ledger.run, self.index);
        }
        self.unacked
            .insert(client_id, (text.clone(), Instant::now()));
        write(socket, send_frame(&conversation, client_id, text)).await
    }

    fn sync_request(&mut self) -> Message {
        self.requests += 1;
        let id = format!("sync-{}", self.requests);
        let cursors = self
            .conversation
            .iter()
            .map(|c| (c.clone(), self.through))
            .collect();
        self.sync_in_flight = Some(id.clone());
        envelope(
            id,
            ClientFrame::Sync {
                cursors,
                limit: None,
            },
        )
    }

    /// Counts pings; applies a text frame, and asks for the next sync page or a sync for
    /// a gap when one is due.
    async fn on_message(&mut self, socket: &mut Socket, message: Message) -> Result<()> {
        let text = match message {
            Message::Text(text) => text,
            Message::Ping(_) => {
                self.pings += 1;
                return Ok(());
            }
            Message::Close(frame) => bail!("closed by the server: {frame:?}"),
            _ => return Ok(()),
        };
        let Ok(envelope) = serde_json::from_str::<ServerEnvelope>(text.as_str()) else {
            *self.errors.entry("unparseable_frame".into()).or_insert(0) += 1;
            return Ok(());
        };
        let next_page = self.on_frame(envelope);
        if next_page || (self.sync_in_flight.is_none() && !self.ahead.is_empty()) {
            if !next_page {
                self.gap_syncs += 1;
            }
            let request = self.sync_request();
            write(socket, request).await?;
        }
        Ok(())
    }

    /// Applies one frame; returns whether the sync in flight has another page to ask for.
    fn on_frame(&mut self, envelope: ServerEnvelope) -> bool {
        match envelope.frame {
            ServerFrame::Event {
                conversation_id,
                event,
            } if Some(&conversation_id) == self.conversation.as_ref() => self.see(event.seq),
            ServerFrame::Ack {
                conversation_id,
                client_id,
                seq,
                ..
            } => {
                self.unacked.remove(&client_id);
                if let Ok(mut ledger) = self.ledger.lock() {
                    ledger.record(&conversation_id, client_id, seq);
                }
            }
            ServerFrame::Sync {
                conversations,
                more,
            } if envelope.id.is_some() && envelope.id == self.sync_in_flight => {
                for changes in conversations {
                    if Some(&changes.conversation.id) != self.conversation.as_ref() {
                        continue;
                    }
                    for event in &changes.events {
                        self.see(event.seq);
                    }
                    // Every seq up to `through` was covered by the page (docs/PROTOCOL.md).
                    if changes.through > self.through {
                        self.through = changes.through;
                        self.ahead = self.ahead.split_off(&(self.through + 1));
                        self.advance();
                    }
                }
                self.sync_in_flight = None;
                return more;
            }
            ServerFrame::Error(body) => {
                let code = serde_json::to_value(body.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "unknown".to_owned());
                *self.errors.entry(code).or_insert(0) += 1;
                if envelope.id.is_some() && envelope.id == self.sync_in_flight {
                    // The sync failed (e.g. `unavailable`): the gap stays, and the next
                    // event with a gap below it asks again.
                    self.sync_in_flight = None;
                }
            }
            _ => {}
        }
        false
    }

    fn see(&mut self, seq: u64) {
        if seq > self.through {
            self.ahead.insert(seq);
            self.advance();
        }
    }

    fn advance(&mut self) {
        while self.ahead.remove(&(self.through + 1)) {
            self.through += 1;
        }
    }
}

fn envelope(id: String, frame: ClientFrame) -> Message {
    let text = serde_json::to_string(&ClientEnvelope {
        id: Some(id),
        frame,
    })
    .unwrap_or_default();
    Message::text(text)
}

fn send_frame(conversation: &ConversationId, client_id: Uuid, text: String) -> Message {
    envelope(
        client_id.to_string(),
        ClientFrame::Send {
            conversation_id: conversation.clone(),
            client_id,
            text,
            attachments: Vec::new(),
        },
    )
}

async fn write(socket: &mut Socket, message: Message) -> Result<()> {
    tokio::time::timeout(WRITE_TIMEOUT, socket.send(message))
        .await
        .context("a write took longer than 10 s")??;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::new(0, String::new(), None, Arc::default())
    }

    #[test]
    fn through_advances_only_over_contiguous_seqs() {
        let mut c = client();
        c.see(1);
        c.see(3);
        assert_eq!(c.through, 1);
        assert!(!c.ahead.is_empty());
        c.see(2);
        assert_eq!(c.through, 3);
        assert!(c.ahead.is_empty());
        c.see(2);
        assert_eq!(c.through, 3);
    }

    #[test]
    fn the_ledger_notices_one_client_id_acked_at_two_seqs() {
        let mut ledger = Ledger::default();
        let cid = ConversationId("c".into());
        let id = Uuid::new_v4();
        ledger.record(&cid, id, 4);
        ledger.record(&cid, id, 4);
        assert!(ledger.inconsistent.is_empty());
        ledger.record(&cid, id, 5);
        assert_eq!(ledger.inconsistent.len(), 1);
    }
}
