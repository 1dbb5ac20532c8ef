//! Chaos, short versions (issue 9): real client cores chatting in groups across two
//! instances while instances crash, Redis crashes, pub/sub connections drop and a
//! client's network goes silent. Each ends with the "nothing lost" check of
//! `tidings_tests::chaos::check`: every acknowledged message exactly once at its seq, in
//! the server's log and in every member's cache, gapless; nothing stuck in an outbox;
//! nobody holding a conversation they are not in.
//!
//! The long availability run is `scripts/chaos.sh` (docs/RELIABILITY.md).

use std::time::Duration;
use tidings_core::{ConnectionState, CoreEvent};
use tidings_tests::chaos::{Chaos, ChaosConfig, Report, TrafficPlan};

/// Ten messages a second from each of four clients, bounded.
const TRAFFIC: TrafficPlan = TrafficPlan {
    per_client_rate: 10.0,
    max_per_client: 400,
};

/// How long the cores get to catch up once every fault is undone.
const SETTLE: Duration = Duration::from_secs(30);

/// Waits (at most 30 s) until `more` further sends were acknowledged: people can still
/// chat.
async fn acks_grow(chaos: &Chaos, more: usize, while_: &str) {
    let target = chaos.ledger.acked() + more;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while chaos.ledger.acked() < target {
        assert!(
            tokio::time::Instant::now() < deadline,
            "sends stopped being acknowledged {while_}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Stops the traffic, undoes every fault, and checks; every process is stopped after.
async fn finish(mut chaos: Chaos, traffic: tidings_tests::chaos::Traffic) -> Report {
    let queued = traffic.stop().await;
    let report = chaos.settle_and_check(SETTLE).await.expect("check");
    eprintln!("{queued} messages queued\n{report}");
    chaos.shutdown().await;
    report
}

/// What every scenario asserts: nothing lost, and everything recovered by itself (no
/// client needed a restart to catch up, no outbox still holding anything).
fn assert_recovered(report: &Report) {
    assert!(report.nothing_lost(), "{report}");
    assert!(
        report.restarted_to_converge.is_empty(),
        "clients {:?} only caught up after a restart\n{report}",
        report.restarted_to_converge
    );
    assert_eq!(report.unacked_in_outbox, 0, "{report}");
    assert!(report.sent > 0 && report.acked == report.sent, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_instances_while_people_chat_loses_nothing() {
    let mut chaos = Chaos::start(ChaosConfig::default()).await.expect("chaos");
    let traffic = chaos.start_traffic(TRAFFIC);
    for round in 0..2 {
        let i = round % chaos.instances();
        acks_grow(&chaos, 20, "before the crash").await;
        chaos.kill9_instance(i);
        // Its clients land on the other instance and go on.
        acks_grow(&chaos, 40, "with an instance down").await;
        chaos.restart_instance(i).expect("restart");
    }
    acks_grow(&chaos, 20, "after the restarts").await;
    let report = finish(chaos, traffic).await;
    assert_recovered(&report);
    assert!(report.disconnects >= 2, "the crashes were felt\n{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_crash_while_people_chat_loses_no_acknowledged_message() {
    let mut chaos = Chaos::start(ChaosConfig::default()).await.expect("chaos");
    let traffic = chaos.start_traffic(TRAFFIC);
    for _ in 0..2 {
        acks_grow(&chaos, 30, "before the crash").await;
        chaos.kill9_redis();
        // Sends meanwhile are refused as retryable and stay in the outboxes.
        tokio::time::sleep(Duration::from_millis(700)).await;
        chaos.start_redis().expect("redis back");
        acks_grow(&chaos, 30, "after Redis came back").await;
    }
    let report = finish(chaos, traffic).await;
    assert_recovered(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_pubsub_connections_are_killed_members_still_receive_everything() {
    let chaos = Chaos::start(ChaosConfig::default()).await.expect("chaos");
    let traffic = chaos.start_traffic(TRAFFIC);
    for _ in 0..3 {
        acks_grow(&chaos, 20, "before the pub/sub kill").await;
        let killed = chaos.kill_pubsub().await.expect("client kill");
        assert!(
            killed >= chaos.instances() as u64,
            "every instance had a pub/sub connection to kill ({killed} killed)"
        );
    }
    acks_grow(&chaos, 20, "after the pub/sub kills").await;
    let report = finish(chaos, traffic).await;
    // Members on other instances got what they missed live from the resync that followed,
    // without reconnecting.
    assert_recovered(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_whose_network_goes_silent_notices_and_resumes() {
    let chaos = Chaos::start(ChaosConfig::default()).await.expect("chaos");
    let traffic = chaos.start_traffic(TRAFFIC);
    acks_grow(&chaos, 20, "before the blackhole").await;

    // Client 0's network stops answering, without a FIN: only a heartbeat can tell.
    let mut events = chaos.clients[0].core.subscribe();
    chaos.proxy(0).blackhole();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(CoreEvent::Connection(ConnectionState::Offline { .. }))) => break,
            Ok(_) => continue,
            Err(_) => panic!("client 0 never noticed its connection went silent"),
        }
    }
    // The others chat on; client 0 keeps writing into its outbox.
    acks_grow(&chaos, 20, "while client 0 is cut off").await;
    chaos.proxy(0).heal();
    acks_grow(&chaos, 20, "after the network came back").await;
    let report = finish(chaos, traffic).await;
    assert_recovered(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_with_sigterm_loses_nothing() {
    let mut chaos = Chaos::start(ChaosConfig::default()).await.expect("chaos");
    let traffic = chaos.start_traffic(TRAFFIC);
    for i in 0..chaos.instances() {
        acks_grow(&chaos, 20, "before the drain").await;
        assert!(
            chaos.terminate_instance(i),
            "instance {i} drained by itself"
        );
        acks_grow(&chaos, 20, "with an instance drained").await;
        chaos.restart_instance(i).expect("restart");
    }
    acks_grow(&chaos, 20, "after the rolling restart").await;
    let report = finish(chaos, traffic).await;
    assert_recovered(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_redis_is_down_outboxes_hold_and_everything_recovers() {
    let mut chaos = Chaos::start(ChaosConfig::default()).await.expect("chaos");
    let traffic = chaos.start_traffic(TRAFFIC);
    acks_grow(&chaos, 20, "before the outage").await;
    chaos.kill9_redis();
    // Acks of writes Redis completed before it died may still be on their way.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (acked, written) = (chaos.ledger.acked(), chaos.ledger.len());
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Nothing can be acknowledged without Redis; what people write waits in the outboxes.
    assert_eq!(chaos.ledger.acked(), acked, "an ack without storage");
    assert!(chaos.ledger.len() > written, "the clients kept writing");
    chaos.start_redis().expect("redis back");
    acks_grow(&chaos, 20, "after the outage").await;
    let report = finish(chaos, traffic).await;
    assert_recovered(&report);
}

/// The check itself: it must see a loss when there is one, or every green run above
/// would prove nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_notices_an_acknowledged_message_missing_from_the_log() {
    let mut chaos = Chaos::start(ChaosConfig::default()).await.expect("chaos");
    let traffic = chaos.start_traffic(TRAFFIC);
    acks_grow(&chaos, 20, "in a calm run").await;
    traffic.stop().await;
    let clean = chaos.settle_and_check(SETTLE).await.expect("check");
    assert!(clean.nothing_lost(), "{clean}");

    // Storage forgets one acknowledged message behind everyone's back.
    let (client_id, record) = chaos
        .ledger
        .records()
        .into_iter()
        .find(|(_, r)| r.acked.is_some())
        .expect("an acknowledged send");
    let (seq, _) = record.acked.expect("acked");
    let mut redis = redis::Client::open(chaos.redis_url())
        .expect("client")
        .get_connection()
        .expect("redis");
    let _: i64 = redis::cmd("HDEL")
        .arg(format!("tidings:conv:{{{}}}:log", record.conversation))
        .arg(seq)
        .query(&mut redis)
        .expect("hdel");

    let report = chaos.settle_and_check(SETTLE).await.expect("check");
    eprintln!("{report}");
    assert!(!report.nothing_lost());
    let mentions = |needle: &str| report.problems.iter().any(|p| p.contains(needle));
    assert!(mentions(&format!("LOST: {client_id}")), "{report}");
    assert!(mentions("seqs missing from the log"), "{report}");
    assert!(mentions(&format!("holds seqs [{seq}]")), "{report}");
    chaos.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_cut_over_and_over_lose_and_duplicate_nothing() {
    let chaos = Chaos::start(ChaosConfig::default()).await.expect("chaos");
    let traffic = chaos.start_traffic(TRAFFIC);
    acks_grow(&chaos, 20, "before the cuts").await;
    // Every client's connection is cut every 300 ms: sends in flight lose their acks and
    // go again from the outbox, with the same client id.
    for _ in 0..15 {
        for i in 0..chaos.clients.len() {
            chaos.proxy(i).cut();
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    acks_grow(&chaos, 20, "after the cuts").await;
    let report = finish(chaos, traffic).await;
    assert_recovered(&report);
    assert!(report.disconnects >= 15, "the cuts were felt\n{report}");
}

/// An HTTP call to a server whose network went silent (connections accepted, nothing
/// answered) fails with a network error the app can show and retry, instead of hanging
/// until the OS gives up minutes later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_call_to_a_silent_server_fails_instead_of_hanging() {
    let world = tidings_tests::World::start(1, &[]).expect("world");
    let upstream = world.servers[0]
        .http_url()
        .trim_start_matches("http://")
        .parse()
        .expect("server address");
    let proxy = tidings_tests::proxy::Proxy::start(vec![upstream])
        .await
        .expect("proxy");
    let dir = tempfile::tempdir().expect("dir");
    let (core, _) = tidings_tests::cores::signed_up_core(&proxy.http_url(), &dir, "ana").await;

    // Past the core's keep-alive (3 s), so that the call opens a new connection, which the
    // silent network accepts and never answers (a kept one would meet the server's own
    // idle close instead).
    tokio::time::sleep(Duration::from_secs(4)).await;
    proxy.blackhole();
    // Bounded by the test, well above the core's own limit for an API call.
    let answer = tokio::time::timeout(Duration::from_secs(90), core.refresh_conversations())
        .await
        .expect("the call came back");
    match answer {
        Err(tidings_core::CoreError::Network(_)) => {}
        other => panic!("expected a network error, got {other:?}"),
    }
    core.stop().await;
}
