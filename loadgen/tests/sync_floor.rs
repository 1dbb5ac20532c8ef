//! `sync-floor` measures the disk and leaves nothing behind.

use std::process::Command;

#[test]
fn sync_floor_reports_its_syncs_and_removes_its_probe_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_sync-floor"))
        .args(["--seconds", "0.2", "--bytes", "1000", "--dir"])
        .arg(dir.path())
        .output()
        .expect("run sync-floor");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let syncs: u64 = stdout
        .split(" syncs of 1000 bytes")
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sync count in {stdout:?}"));
    assert!(syncs > 0, "{stdout}");
    assert!(stdout.contains("over 150 ms"), "{stdout}");
    let left = std::fs::read_dir(dir.path()).expect("read dir").count();
    assert_eq!(left, 0, "the probe file was left behind");
}

#[test]
fn sync_floor_refuses_a_zero_size() {
    let output = Command::new(env!("CARGO_BIN_EXE_sync-floor"))
        .args(["--bytes", "0"])
        .output()
        .expect("run sync-floor");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--bytes must be positive"));
}
