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

    // The JSON line parses and names the step's figures.
    let json: serde_json::Value = serde_json::from_str(&report.json()).expect("json line");
    assert_eq!(
        json["steps"][0]["deliveries_received"],
        step.deliveries_received
    );
    assert!(!report.human().is_empty());
}
