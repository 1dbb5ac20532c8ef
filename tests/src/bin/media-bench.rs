//! Media throughput: uploads and downloads one large file through a real server into a
//! real store (s3s-fs or the local directory) on loopback, and reports MB/s each way and
//! the server's peak RSS (which must not grow with the file: uploads stream).
//!
//! ```sh
//! cargo build --release -p tidings-server
//! TIDINGS_SERVER_BIN=target/release/tidings-server \
//!   cargo run --release -p tidings-tests --bin media-bench -- --mib 1024 --store s3
//! ```

use anyhow::{bail, Context, Result};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::time::Instant;
use tidings_tests::{Api, S3Server, Server, World};

const CHUNK: usize = 1024 * 1024;

struct Args {
    mib: usize,
    s3: bool,
}

fn args() -> Result<Args> {
    let mut args = Args {
        mib: 1024,
        s3: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--mib" => args.mib = it.next().context("--mib N")?.parse()?,
            "--store" => args.s3 = it.next().context("--store s3|local")? == "s3",
            other => bail!("unknown argument {other}; use --mib N --store s3|local"),
        }
    }
    Ok(args)
}

/// The `VmHWM` (peak resident set) of a process, in MiB.
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Deterministic chunk `i` of the file (made on the fly: the bench holds no file): one
/// block of noise, stamped with `i` so that no two chunks are equal. Cheap, so that the
/// bench's own CPU does not compete with the server's.
fn chunk(i: usize) -> Vec<u8> {
    static BLOCK: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let mut chunk = BLOCK.get_or_init(|| tidings_tests::noise(CHUNK, 1)).clone();
    chunk[..8].copy_from_slice(&(i as u64).to_le_bytes());
    chunk
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = args()?;
    let limit = ((args.mib + 1) * CHUNK).to_string();
    let (world, s3): (World, Option<S3Server>) = if args.s3 {
        let (w, s3) = World::start_with_s3(1, &["--max-upload-bytes", &limit])?;
        (w, Some(s3))
    } else {
        (World::start(1, &["--max-upload-bytes", &limit])?, None)
    };
    let server: &Server = &world.servers[0];
    let pid = server.pid().context("server pid")?;
    let api: &Api = world.api();
    let ana = api.new_user("ana").await?;
    let ben = api.new_user("ben").await?;
    let direct = api.direct(&ana, &ben).await?;
    let rss_before = peak_rss_mib(pid).unwrap_or(0.0);

    let mut expected = Sha256::new();
    for i in 0..args.mib {
        expected.update(chunk(i));
    }
    let expected: String = expected
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let n = args.mib;
    // CPU seconds (user + system) of each process, to see who the bottleneck is.
    let mut pids = vec![("server", pid), ("bench", std::process::id())];
    if let Some(s3_pid) = s3.as_ref().and_then(|s3| s3.pid()) {
        pids.push(("s3s-fs", s3_pid));
    }
    let cpu = || -> Vec<f64> {
        pids.iter()
            .map(|(_, p)| tidings_loadgen::procfs::cpu_secs(*p).unwrap_or(0.0))
            .collect()
    };
    let spent = |before: &[f64], after: &[f64]| -> String {
        pids.iter()
            .zip(before.iter().zip(after))
            .map(|((name, _), (b, a))| format!("{name} {:.2} s", a - b))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let cpu_start = cpu();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(
        (0..n).map(|i| Ok::<_, std::io::Error>(chunk(i))),
    ));
    let started = Instant::now();
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/v1/conversations/{}/media",
            server.http_url(),
            direct.id
        ))
        .query(&[("name", "bench.bin")])
        .bearer_auth(ana.token())
        .header("content-length", (n * CHUNK).to_string())
        .body(body)
        .send()
        .await?;
    let upload_secs = started.elapsed().as_secs_f64();
    let status = resp.status();
    let info: serde_json::Value = resp.json().await?;
    if !status.is_success() {
        bail!("upload failed: {status} {info}");
    }
    if info["sha256"] != expected.as_str() {
        bail!("stored SHA-256 differs");
    }
    let rss_after_upload = peak_rss_mib(pid).unwrap_or(0.0);
    let cpu_uploaded = cpu();

    let id = info["id"].as_str().context("id")?;
    let (_, links) = api
        .media_links(&ana, &tidings_shared::MediaId(id.to_owned()))
        .await?;
    let url = links["url"].as_str().context("url")?;
    let started = Instant::now();
    let resp = api.fetch(url, &[]).await?;
    let mut stream = resp.bytes_stream();
    let mut got = Sha256::new();
    let mut len = 0usize;
    while let Some(part) = stream.next().await {
        let part = part?;
        len += part.len();
        got.update(&part);
    }
    let download_secs = started.elapsed().as_secs_f64();
    let got: String = got.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if got != expected || len != n * CHUNK {
        bail!("downloaded bytes differ");
    }
    let peak = peak_rss_mib(pid).unwrap_or(0.0);
    let cpu_downloaded = cpu();
    let mb = (n * CHUNK) as f64 / 1e6;
    let store = if args.s3 { "s3 (s3s-fs)" } else { "local dir" };
    println!("store             {store}");
    println!("file              {n} MiB");
    println!(
        "upload            {:.1} MB/s ({upload_secs:.2} s, includes hashing and the store write)",
        mb / upload_secs
    );
    println!(
        "download          {:.1} MB/s ({download_secs:.2} s)",
        mb / download_secs
    );
    println!("upload CPU        {}", spent(&cpu_start, &cpu_uploaded));
    println!(
        "download CPU      {}",
        spent(&cpu_uploaded, &cpu_downloaded)
    );
    println!("server peak RSS   {rss_before:.1} MiB before, {rss_after_upload:.1} MiB after upload, {peak:.1} MiB after download");
    println!(
        "{{\"store\":\"{}\",\"mib\":{n},\"upload_mb_s\":{:.1},\"download_mb_s\":{:.1},\"rss_before_mib\":{rss_before:.1},\"rss_peak_mib\":{peak:.1}}}",
        if args.s3 { "s3" } else { "local" },
        mb / upload_secs,
        mb / download_secs
    );
    Ok(())
}
