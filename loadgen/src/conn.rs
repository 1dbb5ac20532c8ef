//! One user's WebSocket: the handshake, then one task that sends when the pacer says so
//! and reads everything the server pushes.
//!
//! A message's text starts with `lg <send_ns>`, its send instant on the run's
//! [`Clock`]; its request id is the same number, so the `ack` can be timed too. Every
//! `message` event read is a delivery (the server sends each event to every member's
//! connections, the author's own included: docs/PROTOCOL.md §5.4).

use crate::stats::{Clock, Stats};
use anyhow::{bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tidings_shared::{ClientEnvelope, ClientFrame, ConversationId, ServerEnvelope, ServerFrame};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// An open gateway connection, past `hello`.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a handshake (TCP, upgrade and `hello`) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens the gateway at `url` with `token` and waits for `hello`; returns the socket and
/// how long that took.
pub async fn connect(url: &str, token: &str) -> Result<(Socket, Duration)> {
    let started = Instant::now();
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}"))?,
    );
    let handshake = async {
        // Small read buffer: frames here are a few hundred bytes, and 10,000 sockets at
        // the default 128 KiB would make this process the memory hog. Small also because
        // tungstenite zeroes the free part of its buffer before each read (twice per
        // frame, counting the read that finds nothing more): at 16 KiB that memset was
        // a tenth of this process's CPU. No Nagle: a send must leave at once, like a
        // person's.
        let config = WebSocketConfig::default().read_buffer_size(2 * 1024);
        let (mut socket, _) =
            tokio_tungstenite::connect_async_with_config(request, Some(config), true).await?;
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let first: ServerEnvelope = serde_json::from_str(text.as_str())?;
                    if !matches!(first.frame, ServerFrame::Hello { .. }) {
                        bail!("first frame was not hello: {text}");
                    }
                    return Ok(socket);
                }
                Some(Ok(Message::Close(frame))) => bail!("closed before hello: {frame:?}"),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => bail!("connection ended before hello"),
            }
        }
    };
    let socket = tokio::time::timeout(CONNECT_TIMEOUT, handshake)
        .await
        .context("handshake timed out")??;
    Ok((socket, started.elapsed()))
}

/// What a connection sends, and to whom it reports.
pub struct Sender {
    /// The conversation this user sends to (`None`: the user only listens).
    pub conversation: Option<ConversationId>,
    /// Connections that should receive each message (the group's connected members).
    pub recipients: u64,
    /// Characters per message text.
    pub text_bytes: usize,
    pub stats: Arc<Stats>,
    pub clock: Clock,
}

/// Serves one connection until the pacer's channel closes or the server closes it.
/// Each `()` received on `orders` is one message to send now.
pub async fn serve(socket: Socket, sender: Sender, mut orders: mpsc::UnboundedReceiver<()>) {
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            order = orders.recv() => {
                let Some(()) = order else { break };
                let Some(conversation) = &sender.conversation else { continue };
                let send_ns = sender.clock.now_ns();
                let envelope = ClientEnvelope {
                    id: Some(send_ns.to_string()),
                    frame: ClientFrame::Send {
                        conversation_id: conversation.clone(),
                        // From the thread's generator: `Uuid::new_v4` asks the kernel
                        // for randomness, one system call per message.
                        client_id: uuid::Builder::from_random_bytes(rand::random()).into_uuid(),
                        text: message_text(send_ns, sender.text_bytes),
                        attachments: Vec::new(),
                    },
                };
                let Ok(json) = serde_json::to_string(&envelope) else { continue };
                if sink.send(Message::text(json)).await.is_err() {
                    sender.stats.on_connection_lost();
                    return;
                }
                sender.stats.on_sent(send_ns, sender.recipients);
            }
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let now_ns = sender.clock.now_ns();
                    on_frame(&sender, text.as_str(), now_ns);
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    sender.stats.on_connection_lost();
                    return;
                }
                Some(Ok(_)) => {}
            }
        }
    }
    let _ = sink.send(Message::Close(None)).await;
}

/// The fields of a server frame the generator reads, borrowed from the frame's text.
/// The generator shares the cores with what it measures, and parsing every delivery into
/// a full [`tidings_shared::ServerEnvelope`] (an owned string per field) was a visible
/// part of its CPU per delivery.
#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    event: Option<PeekEvent<'a>>,
    #[serde(default, borrow)]
    code: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct PeekEvent<'a> {
    #[serde(default, borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
}

/// What a server frame means to the generator.
#[derive(Debug, PartialEq, Eq)]
enum Seen<'a> {
    /// One of our messages arrived; it was sent at this instant.
    Delivery(u64),
    /// A send was acknowledged; it was sent at this instant.
    Ack(u64),
    /// The server refused something, with this code.
    Error(Cow<'a, str>),
    Other,
}

fn classify(text: &str) -> Option<Seen<'_>> {
    let frame = serde_json::from_str::<Peek>(text).ok()?;
    Some(match frame.kind.as_ref() {
        "event" => match frame.event {
            Some(PeekEvent {
                kind: Some(kind),
                text: Some(text),
            }) if kind == "message" => sent_at(&text).map_or(Seen::Other, Seen::Delivery),
            _ => Seen::Other,
        },
        "ack" => frame
            .id
            .and_then(|id| id.parse().ok())
            .map_or(Seen::Other, Seen::Ack),
        "error" => Seen::Error(frame.code.unwrap_or(Cow::Borrowed("unknown"))),
        _ => Seen::Other,
    })
}

/// The send instant of one of our messages delivered in `text`, found without parsing the
/// frame; `None` for anything else (which [`classify`] then reads in full).
///
/// Nine frames in ten are such deliveries, and parsing each was a tenth of the
/// generator's CPU, which shares the cores with what it measures. The scan is exact
/// for what the server sends: a `message` event's frame starts with `{"type":"event",`
/// (store/scripts/append.lua), and `"text":"` can only be a key and the start of its
/// value, since a quote inside a JSON string is always escaped. The generator sends
/// nothing else with a text (no edits).
fn delivered_at(text: &str) -> Option<u64> {
    const EVENT: &str = r#"{"type":"event","#;
    const TEXT: &str = r#""text":"lg "#;
    let rest = text.strip_prefix(EVENT)?;
    let rest = &rest[rest.find(TEXT)? + TEXT.len()..];
    rest[..rest.find(' ')?].parse().ok()
}

fn on_frame(sender: &Sender, text: &str, now_ns: u64) {
    if let Some(send_ns) = delivered_at(text) {
        sender.stats.on_delivery(send_ns, now_ns);
        return;
    }
    match classify(text) {
        None => sender.stats.on_error("unparseable_frame"),
        Some(Seen::Delivery(send_ns)) => sender.stats.on_delivery(send_ns, now_ns),
        Some(Seen::Ack(send_ns)) => sender.stats.on_ack(send_ns, now_ns),
        Some(Seen::Error(code)) => sender.stats.on_error(&code),
        Some(Seen::Other) => {}
    }
}

/// `lg <send_ns> ` padded with `x` to `len` characters.
fn message_text(send_ns: u64, len: usize) -> String {
    let mut text = format!("lg {send_ns} ");
    let pad = len.saturating_sub(text.len());
    text.extend(std::iter::repeat_n('x', pad));
    text
}

/// The send instant written by [`message_text`], if `text` is one of ours.
fn sent_at(text: &str) -> Option<u64> {
    text.strip_prefix("lg ")?.split(' ').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tidings_shared::EventBody;

    fn render(id: Option<&str>, frame: ServerFrame) -> String {
        serde_json::to_string(&ServerEnvelope {
            id: id.map(str::to_owned),
            frame,
        })
        .expect("serializes")
    }

    #[test]
    fn the_borrowed_parse_reads_what_the_protocol_types_write() {
        let conversation_id = ConversationId("c".into());
        let client_id = uuid::Uuid::new_v4();
        let event = render(
            None,
            ServerFrame::Event {
                conversation_id: conversation_id.clone(),
                event: tidings_shared::Event {
                    seq: 3,
                    ts: 1,
                    sender: tidings_shared::UserId("u".into()),
                    body: EventBody::Message {
                        client_id,
                        text: message_text(42, 64),
                        edited_at: None,
                        deleted: false,
                        reactions: Vec::new(),
                        attachments: Vec::new(),
                    },
                },
            },
        );
        assert_eq!(classify(&event), Some(Seen::Delivery(42)));
        // The scan finds the same instant in what the append script publishes, which
        // puts `seq` and `ts` first and lists no empty fields (scripts/append.lua).
        let published = format!(
            r#"{{"type":"event","conversation_id":"c","event":{{"seq":3,"ts":1,"sender":"u","kind":"message","client_id":"{client_id}","text":"{}"}}}}"#,
            message_text(42, 64)
        );
        assert_eq!(delivered_at(&published), Some(42));
        assert_eq!(classify(&published), Some(Seen::Delivery(42)));
        let ack = render(
            Some("77"),
            ServerFrame::Ack {
                conversation_id,
                client_id,
                seq: 3,
                ts: 1,
            },
        );
        assert_eq!(classify(&ack), Some(Seen::Ack(77)));
        let error = render(
            Some("78"),
            ServerFrame::Error(tidings_shared::ErrorBody {
                code: tidings_shared::ErrorCode::RateLimited,
                message: "slow down".into(),
                retry_after_ms: Some(50),
            }),
        );
        assert_eq!(classify(&error), Some(Seen::Error("rate_limited".into())));
        assert_eq!(classify("not json"), None);
        for other in [
            ack.as_str(),
            error.as_str(),
            "not json",
            r#"{"type":"event","#,
        ] {
            assert_eq!(delivered_at(other), None, "{other}");
        }
        // A quoted `"text":"lg ` inside someone's text is escaped, so it is never taken
        // for the field.
        let quoting = render(
            None,
            ServerFrame::Event {
                conversation_id: ConversationId("c".into()),
                event: tidings_shared::Event {
                    seq: 4,
                    ts: 1,
                    sender: tidings_shared::UserId("u".into()),
                    body: EventBody::Message {
                        client_id,
                        text: r#"say "text":"lg 9 " to it"#.into(),
                        edited_at: None,
                        deleted: false,
                        reactions: Vec::new(),
                        attachments: Vec::new(),
                    },
                },
            },
        );
        assert!(quoting.starts_with(r#"{"type":"event","#), "{quoting}");
        assert!(quoting.contains(r#"\"text\":\"lg 9"#), "{quoting}");
        assert_eq!(delivered_at(&quoting), None);
    }

    #[test]
    fn message_text_round_trips_its_send_instant() {
        let text = message_text(123_456_789, 64);
        assert_eq!(text.chars().count(), 64);
        assert_eq!(sent_at(&text), Some(123_456_789));
        assert_eq!(sent_at("hello"), None);
    }
}
