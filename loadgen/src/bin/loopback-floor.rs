//! `loopback-floor`: what one `write` to a loopback TCP socket costs on this machine,
//! the floor under the server's CPU per delivery (docs/BENCHMARKS.md, "The floor").
//!
//! A writer thread sends frames of `--frame-bytes` over `--sockets` connections, round
//! robin, `k` frames per `write` for each `k` in `--frames-per-write`, while a reader
//! (a tokio runtime on another thread, as a client would) drains them. It reports the
//! writer thread's CPU time per write and per frame. On loopback the receiver's TCP
//! processing runs inside the sender's `write`, so this is what the server pays.

use anyhow::{bail, Context, Result};
use clap::Parser;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;
use tidings_loadgen::procfs::thread_cpu_secs;
use tokio::io::AsyncReadExt;

#[derive(Parser, Debug)]
#[command(
    name = "loopback-floor",
    about = "CPU cost of one loopback TCP write, by frames per write"
)]
struct Args {
    /// Connections written to in turn (a write rarely finds its socket's peer running).
    #[arg(long, default_value_t = 500)]
    sockets: usize,
    /// Bytes per frame (a delivered message event is about 300).
    #[arg(long, default_value_t = 300)]
    frame_bytes: usize,
    /// Frames in total for each setting.
    #[arg(long, default_value_t = 200_000)]
    frames: usize,
    /// Frames per write to try (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,10")]
    frames_per_write: Vec<usize>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.sockets == 0 || args.frame_bytes == 0 {
        bail!("--sockets and --frame-bytes must be positive");
    }
    for &per_write in &args.frames_per_write {
        if per_write == 0 {
            bail!("frames per write must be positive");
        }
        let (cpu_us, writes) = measure(&args, per_write)?;
        let frames = writes * per_write;
        println!(
            "frames per write {per_write:>3}: {:>6.2} µs per write, {:>5.2} µs per frame ({writes} writes)",
            cpu_us / writes as f64,
            cpu_us / frames as f64,
        );
    }
    Ok(())
}

/// The writer thread's CPU microseconds for the run, and the writes made.
fn measure(args: &Args, per_write: usize) -> Result<(f64, usize)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut writers = Vec::with_capacity(args.sockets);
    let mut readers = Vec::with_capacity(args.sockets);
    for _ in 0..args.sockets {
        let client = TcpStream::connect(addr)?;
        let (server, _) = listener.accept()?;
        server.set_nodelay(true)?;
        client.set_nonblocking(true)?;
        writers.push(server);
        readers.push(client);
    }
    let reader = std::thread::spawn(move || -> Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        runtime.block_on(async move {
            let mut tasks = Vec::new();
            for socket in readers {
                let mut socket = tokio::net::TcpStream::from_std(socket)?;
                tasks.push(tokio::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
                }));
            }
            for task in tasks {
                let _ = task.await;
            }
            Ok(())
        })
    });
    let payload = vec![b'x'; args.frame_bytes * per_write];
    let writes = args.frames / per_write;
    let started_cpu = thread_cpu_secs().context("reading /proc/thread-self/stat")?;
    for (i, socket) in (0..writes).zip(writers.iter().cycle()) {
        (&*socket).write_all(&payload)?;
        // A pause now and then, so the reader keeps up and writes do not just fill
        // socket buffers (which would make them cheaper than a server's).
        if i % 64 == 63 {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
    let cpu = thread_cpu_secs().context("reading /proc/thread-self/stat")? - started_cpu;
    drop(writers);
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader thread panicked"))??;
    Ok((cpu * 1e6, writes))
}
