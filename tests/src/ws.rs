//! A WebSocket client that speaks the gateway protocol, with bounded waits.

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;
use tidings_shared::{
    ClientEnvelope, ClientFrame, ConversationId, Event, Seq, ServerEnvelope, ServerFrame,
};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One gateway connection.
pub struct Ws {
    socket: Socket,
    /// Frames read while waiting for something else, oldest first.
    inbox: VecDeque<ServerEnvelope>,
    next_request: u64,
    /// The `hello` frame.
    pub hello: ServerFrame,
}

/// Why a read ended without a frame.
#[derive(Debug)]
pub enum Closed {
    /// The server closed with this code.
    Code(u16),
    /// The connection ended without a close frame.
    Dropped,
}

impl Ws {
    /// Connects with a bearer token (and optionally an Origin) and reads `hello`.
    pub async fn connect(url: &str, token: &str) -> Result<Self> {
        Self::connect_with(url, Some(token), None).await
    }

    /// Connects with optional token and Origin headers.
    pub async fn connect_with(
        url: &str,
        token: Option<&str>,
        origin: Option<&str>,
    ) -> Result<Self> {
        let mut request = url.into_client_request()?;
        if let Some(token) = token {
            request.headers_mut().insert(
                "authorization",
                HeaderValue::from_str(&format!("Bearer {token}"))?,
            );
        }
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", HeaderValue::from_str(origin)?);
        }
        let (socket, _) =
            tokio::time::timeout(crate::WAIT, tokio_tungstenite::connect_async(request))
                .await
                .context("connect timed out")??;
        let mut ws = Self {
            socket,
            inbox: VecDeque::new(),
            next_request: 1,
            hello: ServerFrame::Pong { server_time: 0 },
        };
        let first = ws.recv(crate::WAIT).await?;
        if !matches!(first.frame, ServerFrame::Hello { .. }) {
            bail!("first frame was not hello: {first:?}");
        }
        ws.hello = first.frame;
        Ok(ws)
    }

    /// Sends raw text.
    pub async fn send_text(&mut self, text: impl Into<String>) -> Result<()> {
        self.socket.send(Message::text(text.into())).await?;
        Ok(())
    }

    /// Sends any WebSocket message.
    pub async fn send_message(&mut self, message: Message) -> Result<()> {
        self.socket.send(message).await?;
        Ok(())
    }

    /// Sends a frame without waiting for its reply.
    pub async fn send(&mut self, id: Option<String>, frame: ClientFrame) -> Result<()> {
        let text = serde_json::to_string(&ClientEnvelope { id, frame })?;
        self.send_text(text).await
    }

    /// Sends a frame with a fresh id and waits for the reply with that id; other frames
    /// read meanwhile stay in the inbox.
    pub async fn request(&mut self, frame: ClientFrame) -> Result<ServerFrame> {
        let id = format!("r{}", self.next_request);
        self.next_request += 1;
        self.send(Some(id.clone()), frame).await?;
        let deadline = Instant::now() + crate::WAIT;
        let mut skipped = VecDeque::new();
        let reply = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = self.read_socket(left).await?;
            if frame.id.as_deref() == Some(id.as_str()) {
                break frame.frame;
            }
            skipped.push_back(frame);
        };
        self.inbox.extend(skipped);
        Ok(reply)
    }

    /// The next frame (inbox first), waiting at most `timeout`.
    pub async fn recv(&mut self, timeout: Duration) -> Result<ServerEnvelope> {
        if let Some(frame) = self.inbox.pop_front() {
            return Ok(frame);
        }
        self.read_socket(timeout).await
    }

    /// The first frame matching `pred` within `timeout`; frames before it are discarded.
    pub async fn wait_for(
        &mut self,
        timeout: Duration,
        mut pred: impl FnMut(&ServerFrame) -> bool,
    ) -> Result<ServerFrame> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = self.recv(left).await?;
            if pred(&frame.frame) {
                return Ok(frame.frame);
            }
        }
    }

    /// Waits for the server to close; returns its close code.
    pub async fn wait_closed(&mut self, timeout: Duration) -> Result<Closed> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.socket.next()).await {
                Err(_) => bail!("still open after {timeout:?}"),
                Ok(None) | Ok(Some(Err(_))) => return Ok(Closed::Dropped),
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return Ok(match frame {
                        Some(CloseFrame { code, .. }) => Closed::Code(u16::from(code)),
                        None => Closed::Dropped,
                    })
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    async fn read_socket(&mut self, timeout: Duration) -> Result<ServerEnvelope> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = tokio::time::timeout(left, self.socket.next())
                .await
                .map_err(|_| anyhow!("no frame within {timeout:?}"))?;
            match message {
                None => bail!("connection ended"),
                Some(Err(e)) => bail!("connection error: {e}"),
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str())
                        .with_context(|| format!("unparseable server frame: {text}"))
                }
                Some(Ok(Message::Close(frame))) => bail!("closed by server: {frame:?}"),
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Sends `send` and waits for the `ack`: returns (seq, ts).
    pub async fn send_message_text(
        &mut self,
        conversation: &ConversationId,
        client_id: uuid::Uuid,
        text: &str,
    ) -> Result<(Seq, i64)> {
        let reply = self
            .request(ClientFrame::Send {
                conversation_id: conversation.clone(),
                client_id,
                text: text.to_owned(),
                attachments: Vec::new(),
            })
            .await?;
        match reply {
            ServerFrame::Ack { seq, ts, .. } => Ok((seq, ts)),
            other => bail!("send got {other:?}"),
        }
    }

    /// Pulls every change with `sync` pages from `cursors`, returning all events per
    /// conversation (oldest first) and advancing the cursors.
    pub async fn sync_all(
        &mut self,
        cursors: &mut BTreeMap<ConversationId, Seq>,
    ) -> Result<BTreeMap<ConversationId, Vec<Event>>> {
        let mut out: BTreeMap<ConversationId, Vec<Event>> = BTreeMap::new();
        for _ in 0..10_000 {
            let reply = self
                .request(ClientFrame::Sync {
                    cursors: cursors.clone(),
                    limit: None,
                })
                .await?;
            let ServerFrame::Sync {
                conversations,
                more,
            } = reply
            else {
                bail!("sync got {reply:?}");
            };
            for changes in conversations {
                let cid = changes.conversation.id.clone();
                cursors.insert(cid.clone(), changes.through);
                out.entry(cid).or_default().extend(changes.events);
            }
            if !more {
                return Ok(out);
            }
        }
        bail!("sync did not finish")
    }

    /// The newest page of a conversation's history.
    pub async fn latest_history(&mut self, conversation: &ConversationId) -> Result<Vec<Event>> {
        let reply = self
            .request(ClientFrame::History {
                conversation_id: conversation.clone(),
                before: None,
                after: None,
                limit: None,
            })
            .await?;
        match reply {
            ServerFrame::History { events, .. } => Ok(events),
            other => bail!("history got {other:?}"),
        }
    }

    /// Closes politely.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// A WebSocket upgrade done by hand on a plain TCP stream, for tests of peers that never
/// read or write (a tungstenite client would answer pings when it finally reads).
pub async fn raw_upgrade(addr: std::net::SocketAddr, token: &str) -> Result<TcpStream> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = TcpStream::connect(addr).await?;
    let request = format!(
        "GET /v1/gateway HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Authorization: Bearer {token}\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if tcp.read(&mut byte).await? == 0 {
            bail!("connection closed during the upgrade");
        }
        head.push(byte[0]);
        if head.len() > 8192 {
            bail!("upgrade response too long");
        }
    }
    if !head.starts_with(b"HTTP/1.1 101") {
        bail!("upgrade refused: {}", String::from_utf8_lossy(&head));
    }
    Ok(tcp)
}

/// The close code of the last close frame in raw server bytes (server frames are not
/// masked): reads until the server closes the TCP connection.
pub async fn raw_close_code(tcp: &mut TcpStream, timeout: Duration) -> Result<Option<u16>> {
    use tokio::io::AsyncReadExt;
    let mut bytes = Vec::new();
    tokio::time::timeout(timeout, tcp.read_to_end(&mut bytes))
        .await
        .context("the server did not close the connection")??;
    // Walk the frames: FIN+opcode byte, length byte (no mask), extended lengths.
    let mut i = 0;
    let mut code = None;
    while i + 2 <= bytes.len() {
        let opcode = bytes[i] & 0x0f;
        let (len, header) = match bytes[i + 1] & 0x7f {
            126 if i + 4 <= bytes.len() => {
                (u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize, 4)
            }
            127 if i + 10 <= bytes.len() => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&bytes[i + 2..i + 10]);
                (u64::from_be_bytes(b) as usize, 10)
            }
            n if n < 126 => (n as usize, 2),
            _ => break,
        };
        let start = i + header;
        if opcode == 0x8 && len >= 2 && start + 2 <= bytes.len() {
            code = Some(u16::from_be_bytes([bytes[start], bytes[start + 1]]));
        }
        i = start + len;
    }
    Ok(code)
}
