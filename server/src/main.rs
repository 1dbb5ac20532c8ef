//! `tidings-server`: see `tidings-server --help` and docs/PROTOCOL.md.

use clap::Parser;

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
