//! Issue 8: the load generator keeps working. A few seconds of tiny load over two
//! instances sharing one Redis; every message must reach every member exactly once.
//! No timing is asserted: the figures are measurements, not requirements.

use tidings_loadgen::Args;
use tidings_tests::World;

const FAST: &[&str] = &["--message-rate", "100000", "--message-burst", "100000"];

#[tokio::test]
async fn loadgen_smoke_run_delivers_every_message_to_every_member() {
    let w = World::start(2, FAST).expect("world");
    let mut args = Args::small(
        w.servers.iter().map(|s| s.http_url()).collect(),
        20,
        5,
        50.0,
        2.0,
    );
    args.server_pids = w.servers.iter().filter_map(|s| s.pid()).collect();
    let report = tidings_loadgen::run(&args, &|_: &str| {})
        .await
        .expect("load run");

    assert_eq!(report.connect.made, 20, "{:?}", report.connect);
    assert_eq!(report.conversations, 4);
    let [step] = report.steps.as_slice() else {
        panic!("one step expected: {report:?}");
    };
    assert!(step.messages_sent > 0, "{step:?}");
    assert_eq!(step.messages_acked, step.messages_sent, "{step:?}");
    assert_eq!(step.deliveries_expected, step.messages_sent * 5, "{step:?}");
    assert_eq!(
        step.deliveries_received, step.deliveries_expected,
        "{step:?}"
    );
    assert_eq!(step.deliveries_lost, 0);
    assert!(step.errors.is_empty(), "{:?}", step.errors);
    assert_eq!(step.connections_lost, 0);
    assert_eq!(
        step.cpu.servers_us_per_delivery > 0.0,
        step.cpu.servers_s > 0.0
    );
    // Read from the servers' /metrics: a write carries at least the one frame.
    assert!(
        step.frames_per_write.is_some_and(|f| f >= 1.0),
        "{:?}",
        step.frames_per_write
    );

    // The JSON line parses and names the step's figures.
    let json: serde_json::Value = serde_json::from_str(&report.json()).expect("json line");
    assert_eq!(
        json["steps"][0]["deliveries_received"],
        step.deliveries_received
    );
    assert!(!report.human().is_empty());
}

/// Write pacing (PROTOCOL.md §5.12) under a load that turns it on: frames share writes,
/// and every message still reaches every member exactly once.
#[tokio::test]
async fn paced_writes_carry_several_frames_and_lose_nothing() {
    // Pacing from the first delivery on this instance, whatever the CPU pressure; the
    // per-connection line (25 frames a second) is passed by 400 msgs/s in groups of 5:
    // 400 frames a second each.
    let mut flags = FAST.to_vec();
    flags.extend([
        "--write-pacing-above",
        "1",
        "--write-pacing-ms",
        "20",
        "--write-pacing-cpu-pressure",
        "0",
    ]);
    let w = World::start(2, &flags).expect("world");
    let args = Args::small(
        w.servers.iter().map(|s| s.http_url()).collect(),
        10,
        5,
        400.0,
        2.0,
    );
    let report = tidings_loadgen::run(&args, &|_: &str| {})
        .await
        .expect("load run");
    let [step] = report.steps.as_slice() else {
        panic!("one step expected: {report:?}");
    };
    assert!(step.messages_sent > 0, "{step:?}");
    assert_eq!(step.messages_acked, step.messages_sent, "{step:?}");
    assert_eq!(
        step.deliveries_received, step.deliveries_expected,
        "{step:?}"
    );
    assert!(step.errors.is_empty(), "{:?}", step.errors);
    assert_eq!(step.connections_lost, 0);

    let mut frames = 0.0;
    let mut writes = 0.0;
    for api in &w.apis {
        frames += api
            .metric("tidings_frames_sent_total")
            .await
            .expect("metric");
        writes += api
            .metric("tidings_socket_writes_total")
            .await
            .expect("metric");
    }
    assert!(writes > 0.0, "no writes counted");
    // Unpaced, nearly every frame is a write of its own at this rate (each connection
    // gets a frame every 2.5 ms); paced, a write waits 20 ms and carries what came.
    assert!(
        frames / writes >= 2.0,
        "{frames} frames in {writes} writes: pacing did not batch"
    );
    // The generator reports the same over its measured window.
    assert!(
        step.frames_per_write.is_some_and(|f| f >= 2.0),
        "{:?}",
        step.frames_per_write
    );

    // Where the system reports CPU pressure, operators see what pacing sees.
    if std::path::Path::new("/proc/pressure/cpu").exists() {
        let (_, text) = w.apis[0].get_text("/metrics").await.expect("metrics");
        let share: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("tidings_cpu_pressure "))
            .unwrap_or_else(|| panic!("no tidings_cpu_pressure in:\n{text}"))
            .parse()
            .expect("a number");
        assert!((0.0..=1.0).contains(&share), "{share}");
    }
}
