//! `tidings-server`: see `tidings-server --help` and docs/PROTOCOL.md.

use clap::Parser;

/// mimalloc instead of glibc malloc: glibc kept each Argon2 hash's 19 MiB in per-thread
/// arenas, so a server that had signed a few hundred people in sat at 600–900 MiB for
/// good; mimalloc gives freed memory back to the OS (see docs/BENCHMARKS.md, "Server
/// load").
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tidings_server=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    tidings_server::run(tidings_server::config::Config::parse()).await
}
