//! The WebSocket gateway's front door and its defences: authentication before the 101,
//! Origin checks, typed errors for bad frames, size and encoding limits, the per-user
//! rate, and cutting off a consumer too slow to read.

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;
use std::time::Duration;
use tidings_shared::{limits, ClientFrame, ConversationId, ErrorCode, EventBody, ServerFrame};
use tidings_tests::ws::Closed;
use tidings_tests::{World, Ws, JWT_SECRET, WAIT};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

/// The HTTP status the upgrade got instead of 101.
async fn refused_status(url: &str, token: Option<&str>, origin: Option<&str>) -> u16 {
    let mut request = url.into_client_request().expect("request");
    if let Some(token) = token {
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
        );
    }
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", HeaderValue::from_str(origin).expect("header"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => panic!("upgrade should have been refused"),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("unexpected error {e}"),
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[tokio::test]
async fn upgrade_needs_a_valid_token_before_the_101() {
    let w = World::start(1, &[]).expect("world");
    let url = w.servers[0].ws_url();
    let user = w.api().new_user("ana").await.expect("user");
    let sub = user.session.user.id.to_string();

    assert_eq!(refused_status(&url, None, None).await, 401, "no token");
    assert_eq!(
        refused_status(&url, Some("not-a-jwt"), None).await,
        401,
        "garbage"
    );

    let forged = encode(
        &Header::default(),
        &json!({"sub": sub, "sid": "x", "iat": now_secs(), "exp": now_secs() + 600}),
        &EncodingKey::from_secret(b"some other secret that is long enough!!"),
    )
    .expect("jwt");
    assert_eq!(
        refused_status(&url, Some(&forged), None).await,
        401,
        "forged signature"
    );

    let expired = encode(
        &Header::default(),
        &json!({"sub": sub, "sid": "x", "iat": now_secs() - 7200, "exp": now_secs() - 3600}),
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("jwt");
    assert_eq!(
        refused_status(&url, Some(&expired), None).await,
        401,
        "expired"
    );

    // alg=none: header {"alg":"none"}, claims, empty signature.
    let b64 = |v: serde_json::Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(json!({"sub": sub, "sid": "x", "iat": now_secs(), "exp": now_secs() + 600}))
    );
    assert_eq!(
        refused_status(&url, Some(&none), None).await,
        401,
        "alg=none"
    );

    // The real token works, and hello says who we are.
    let ws = w.connect(0, &user).await.expect("connect");
    match &ws.hello {
        ServerFrame::Hello {
            protocol_version,
            user: me,
            max_frame_bytes,
            ..
        } => {
            assert_eq!(*protocol_version, tidings_shared::PROTOCOL_VERSION);
            assert_eq!(me.id, user.session.user.id);
            assert_eq!(*max_frame_bytes, limits::MAX_FRAME_BYTES);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn only_allowed_origins_may_connect() {
    let w = World::start(1, &[]).expect("world");
    let url = w.servers[0].ws_url();
    let user = w.api().new_user("ben").await.expect("user");
    assert_eq!(
        refused_status(&url, Some(user.token()), Some("https://evil.example")).await,
        403
    );
    for origin in ["tauri://localhost", "http://tauri.localhost"] {
        Ws::connect_with(&url, Some(user.token()), Some(origin))
            .await
            .expect(origin);
    }
}

#[tokio::test]
async fn bad_frames_get_typed_errors_and_the_connection_keeps_serving() {
    let w = World::start(1, &[]).expect("world");
    let ana = w.api().new_user("ana").await.expect("user");
    let ben = w.api().new_user("ben").await.expect("user");
    let eve = w.api().new_user("eve").await.expect("user");
    let direct = w.api().direct(&ana, &ben).await.expect("direct");
    let mut ws = w.connect(0, &ana).await.expect("connect");

    async fn error_code(ws: &mut Ws, text: &str) -> (Option<String>, ErrorCode, String) {
        ws.send_text(text).await.expect("send");
        let frame = ws.recv(WAIT).await.expect("reply");
        match frame.frame {
            ServerFrame::Error(body) => (frame.id, body.code, body.message),
            other => panic!("{text} got {other:?}"),
        }
    }

    assert_eq!(
        error_code(&mut ws, "{not json").await.1,
        ErrorCode::InvalidFrame
    );
    assert_eq!(
        error_code(&mut ws, "[1,2,3]").await.1,
        ErrorCode::InvalidFrame
    );
    let (id, code, _) = error_code(&mut ws, r#"{"type":"teleport","id":"t1"}"#).await;
    assert_eq!((id.as_deref(), code), (Some("t1"), ErrorCode::UnknownFrame));
    let (id, code, _) = error_code(
        &mut ws,
        r#"{"type":"send","id":"t2","conversation_id":42,"client_id":"x","text":7}"#,
    )
    .await;
    assert_eq!((id.as_deref(), code), (Some("t2"), ErrorCode::InvalidFrame));
    let (_, code, _) = error_code(
        &mut ws,
        r#"{"type":"history","conversation_id":"c","limit":-1}"#,
    )
    .await;
    assert_eq!(code, ErrorCode::InvalidFrame);

    let cid = direct.id.clone();
    let too_long = "é".repeat(limits::MAX_TEXT_CHARS + 1);
    let send = |text: &str| {
        json!({"type":"send","conversation_id":cid,"client_id":uuid::Uuid::new_v4(),"text":text})
            .to_string()
    };
    assert_eq!(
        error_code(&mut ws, &send(&too_long)).await.1,
        ErrorCode::TextTooLong
    );
    assert_eq!(
        error_code(&mut ws, &send(" \n ")).await.1,
        ErrorCode::EmptyText
    );

    ws.send_message(Message::binary(vec![1u8, 2, 3]))
        .await
        .expect("binary");
    match ws.recv(WAIT).await.expect("reply").frame {
        ServerFrame::Error(body) => assert_eq!(body.code, ErrorCode::InvalidFrame),
        other => panic!("{other:?}"),
    }

    // A non-member gets exactly the answer a missing conversation gets.
    let mut eve_ws = w.connect(0, &eve).await.expect("connect");
    let probe = |cid: &ConversationId| ClientFrame::History {
        conversation_id: cid.clone(),
        before: None,
        after: None,
        limit: None,
    };
    let not_member = eve_ws.request(probe(&direct.id)).await.expect("reply");
    let missing = eve_ws
        .request(probe(&ConversationId("01NOSUCHCONVERSATION0000".into())))
        .await
        .expect("reply");
    match (&not_member, &missing) {
        (ServerFrame::Error(a), ServerFrame::Error(b)) => {
            assert_eq!(a.code, ErrorCode::NotFound);
            assert_eq!(a, b);
        }
        other => panic!("{other:?}"),
    }
    let send_as_eve = eve_ws
        .request(ClientFrame::Send {
            conversation_id: direct.id.clone(),
            client_id: uuid::Uuid::new_v4(),
            text: "let me in".into(),
            attachments: Vec::new(),
        })
        .await
        .expect("reply");
    assert!(
        matches!(send_as_eve, ServerFrame::Error(ref e) if e.code == ErrorCode::NotFound),
        "{send_as_eve:?}"
    );

    // After all of that, the connection still works and nothing was stored by eve.
    let (seq, _) = ws
        .send_message_text(&direct.id, uuid::Uuid::new_v4(), "still here")
        .await
        .expect("send");
    assert_eq!(seq, 2, "only the created event precedes it");
}

#[tokio::test]
async fn oversized_and_non_utf8_frames_close_with_their_codes_and_others_are_unharmed() {
    let w = World::start(1, &[]).expect("world");
    let ana = w.api().new_user("ana").await.expect("user");
    let ben = w.api().new_user("ben").await.expect("user");
    let mut bystander = w.connect(0, &ben).await.expect("connect");

    let mut ws = w.connect(0, &ana).await.expect("connect");
    ws.send_text("x".repeat(limits::MAX_FRAME_BYTES + 1))
        .await
        .expect("send");
    match ws.wait_closed(WAIT).await.expect("closed") {
        Closed::Code(code) => assert_eq!(code, 1009),
        Closed::Dropped => panic!("expected close 1009"),
    }

    let mut ws = w.connect(0, &ana).await.expect("connect");
    let bad = Frame::message(vec![0x66, 0x6f, 0xff, 0xfe], OpCode::Data(Data::Text), true);
    ws.send_message(Message::Frame(bad)).await.expect("send");
    match ws.wait_closed(WAIT).await.expect("closed") {
        Closed::Code(code) => assert_eq!(code, 1007),
        Closed::Dropped => panic!("expected close 1007"),
    }

    assert!(matches!(
        bystander.request(ClientFrame::Ping).await,
        Ok(ServerFrame::Pong { .. })
    ));
}

#[tokio::test]
async fn sending_too_fast_is_answered_with_retry_after() {
    let w = World::start(1, &["--message-rate", "1", "--message-burst", "3"]).expect("world");
    let ana = w.api().new_user("ana").await.expect("user");
    let ben = w.api().new_user("ben").await.expect("user");
    let direct = w.api().direct(&ana, &ben).await.expect("direct");
    let mut ws = w.connect(0, &ana).await.expect("connect");
    let mut limited = None;
    for i in 0..4 {
        let reply = ws
            .request(ClientFrame::Send {
                conversation_id: direct.id.clone(),
                client_id: uuid::Uuid::new_v4(),
                text: format!("m{i}"),
                attachments: Vec::new(),
            })
            .await
            .expect("reply");
        if let ServerFrame::Error(e) = reply {
            limited = Some(e);
        }
    }
    let e = limited.expect("the fourth send within a second is limited");
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert!(
        e.retry_after_ms.is_some_and(|ms| ms > 0 && ms <= 1000),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_consumer_too_slow_to_read_is_cut_off_while_others_keep_flowing() {
    let w = World::start(
        1,
        &[
            "--message-rate",
            "100000",
            "--message-burst",
            "100000",
            "--outbound-queue-frames",
            "16",
            "--ws-write-buffer-bytes",
            "4096",
        ],
    )
    .expect("world");
    let api = w.api();
    let ana = api.new_user("ana").await.expect("user");
    let ben = api.new_user("ben").await.expect("user");
    let slow = api.new_user("slow").await.expect("user");
    let group = api
        .create_conversation(
            &ana,
            &tidings_shared::CreateConversation::Group {
                title: "load".into(),
                members: vec![ben.username.clone(), slow.username.clone()],
            },
        )
        .await
        .expect("group")
        .1;

    // The slow member connects with a tiny receive buffer and then never reads.
    let slow_ws = {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("rcvbuf");
        let stream = socket.connect(w.servers[0].addr).await.expect("tcp");
        let mut request = w.servers[0]
            .ws_url()
            .into_client_request()
            .expect("request");
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {}", slow.token())).expect("header"),
        );
        tokio_tungstenite::client_async(request, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .expect("upgrade")
            .0
    };

    // Ben reads everything, concurrently.
    let mut ben_ws = w.connect(0, &ben).await.expect("connect");
    let cid = group.id.clone();
    let (count_tx, mut count_rx) = tokio::sync::watch::channel(0usize);
    let reader = tokio::spawn(async move {
        let mut seen = 0usize;
        while let Ok(frame) = ben_ws.recv(Duration::from_secs(30)).await {
            if let ServerFrame::Event { event, .. } = frame.frame {
                if matches!(event.body, EventBody::Message { .. }) {
                    seen += 1;
                    let _ = count_tx.send(seen);
                }
            }
        }
    });

    let mut ana_ws = w.connect(0, &ana).await.expect("connect");
    let text = "x".repeat(7_000);
    let mut sent = 0usize;
    let mut cut_off = false;
    for round in 0..60 {
        for _ in 0..50 {
            ana_ws
                .send_message_text(&cid, uuid::Uuid::new_v4(), &text)
                .await
                .expect("send");
            sent += 1;
        }
        // Drain ana's own echoes so that she is not the slow one.
        while ana_ws.recv(Duration::from_millis(1)).await.is_ok() {}
        if api
            .metric("tidings_slow_consumers_total")
            .await
            .expect("metrics")
            >= 1.0
        {
            cut_off = true;
            eprintln!("slow consumer cut off after {sent} messages (round {round})");
            break;
        }
    }
    assert!(
        cut_off,
        "the slow consumer was never cut off after {sent} messages"
    );

    // Ben, reading normally, received every message.
    let got = tokio::time::timeout(Duration::from_secs(30), count_rx.wait_for(|n| *n >= sent))
        .await
        .map(|r| r.map(|n| *n));
    assert!(
        matches!(got, Ok(Ok(n)) if n >= sent),
        "ben received {:?} of {sent}",
        got
    );

    // When the slow client finally reads, it finds the documented close code.
    let mut slow_ws = slow_ws;
    let mut close_code = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    use futures_util::StreamExt;
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, slow_ws.next()).await {
        match message {
            Ok(Message::Close(Some(frame))) => {
                close_code = Some(u16::from(frame.code));
                break;
            }
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    assert_eq!(close_code, Some(tidings_shared::CloseCode::TOO_SLOW));
    reader.abort();
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_dropped() {
    let w = World::start(
        1,
        &[
            "--heartbeat-interval-secs",
            "1",
            "--heartbeat-timeout-secs",
            "2",
        ],
    )
    .expect("world");
    let ana = w.api().new_user("ana").await.expect("user");
    // A peer that never reads never answers the server's pings.
    let mut silent = tidings_tests::ws::raw_upgrade(w.servers[0].addr, ana.token())
        .await
        .expect("upgrade");
    let code = tidings_tests::ws::raw_close_code(&mut silent, WAIT)
        .await
        .expect("closed");
    assert_eq!(code, Some(tidings_shared::CloseCode::HEARTBEAT_TIMEOUT));
    // A peer that keeps reading (and so answers pings) stays connected past the timeout.
    let mut ws = w.connect(0, &ana).await.expect("connect");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(4);
    while tokio::time::Instant::now() < deadline {
        let _ = ws.recv(Duration::from_millis(200)).await;
    }
    assert!(matches!(
        ws.request(ClientFrame::Ping).await,
        Ok(ServerFrame::Pong { .. })
    ));
}

#[tokio::test]
async fn a_slow_request_head_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let w = World::start(1, &["--header-read-timeout-secs", "1"]).expect("world");
    let mut tcp = tokio::net::TcpStream::connect(w.servers[0].addr)
        .await
        .expect("tcp");
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("partial head");
    let mut buf = [0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf)).await;
    match read {
        Ok(Ok(n)) => {
            // Either a bare close or a 408 before it; never a 200.
            let text = String::from_utf8_lossy(&buf[..n]);
            assert!(n == 0 || text.starts_with("HTTP/1.1 408"), "{text}");
        }
        Ok(Err(_)) => {}
        Err(_) => panic!("the half-sent request was still open after 5 s"),
    }
    assert_eq!(w.api().get_text("/healthz").await.expect("healthz").0, 200);
}

#[tokio::test]
async fn connections_per_user_are_capped() {
    let w = World::start(1, &["--max-connections-per-user", "2"]).expect("world");
    let ana = w.api().new_user("ana").await.expect("user");
    let first = w.connect(0, &ana).await.expect("first");
    let _second = w.connect(0, &ana).await.expect("second");
    assert_eq!(
        refused_status(&w.servers[0].ws_url(), Some(ana.token()), None).await,
        429
    );
    first.close().await;
    // The place is given back when a connection ends.
    let mut third = None;
    for _ in 0..50 {
        if let Ok(ws) = w.connect(0, &ana).await {
            third = Some(ws);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(third.is_some(), "a closed connection's place is reused");
}

/// Regression: an event routed while a connection was registering reached the client
/// before `hello`.
#[tokio::test]
async fn hello_is_always_the_first_frame_even_while_events_flow() {
    let w = World::start(
        1,
        &["--message-rate", "100000", "--message-burst", "100000"],
    )
    .expect("world");
    let ana = w.api().new_user("ana").await.expect("user");
    let ben = w.api().new_user("ben").await.expect("user");
    let direct = w.api().direct(&ana, &ben).await.expect("direct");
    let mut ana_ws = w.connect(0, &ana).await.expect("connect");
    let cid = direct.id.clone();
    let sender = tokio::spawn(async move {
        for i in 0..400 {
            let _ = ana_ws
                .send_message_text(&cid, uuid::Uuid::new_v4(), &format!("m{i}"))
                .await;
        }
    });
    for _ in 0..40 {
        // Ws::connect fails unless the first frame is hello.
        let ws = w.connect(0, &ben).await.expect("hello first");
        ws.close().await;
    }
    sender.await.expect("sender");
}

#[tokio::test]
async fn open_websockets_count_against_the_connection_limit() {
    let w = World::start(1, &["--max-connections", "2"]).expect("world");
    // Users made through a client of our own, dropped at once: its pooled keep-alive
    // connections would hold places otherwise.
    let users = {
        let api = tidings_tests::Api::new(w.servers[0].http_url());
        let ana = api.new_user("ana").await.expect("user");
        let ben = api.new_user("ben").await.expect("user");
        let cleo = api.new_user("cleo").await.expect("user");
        [ana, ben, cleo]
    };
    // Until the server has seen those connections close, connecting may be refused.
    let deadline = tokio::time::Instant::now() + WAIT;
    let first = loop {
        if let Ok(ws) = w.connect(0, &users[0]).await {
            break ws;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never got a first place"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let second = w.connect(0, &users[1]).await.expect("second socket");
    // Both places are taken by open sockets, long after their upgrades.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        w.connect(0, &users[2]).await.is_err(),
        "a third connection must be refused"
    );
    drop(first);
    // A place frees up once a socket closes (bounded wait).
    let deadline = tokio::time::Instant::now() + WAIT;
    let third = loop {
        if let Ok(ws) = w.connect(0, &users[2]).await {
            break ws;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place never came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    drop((second, third));
}
