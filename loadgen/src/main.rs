//! `tidings-loadgen`: see the library's docs, docs/BENCHMARKS.md and (for the soak
//! subcommands `soak-idle`, `churn` and `storm`) docs/RELIABILITY.md.

use clap::Parser;
use tidings_loadgen::soak::SoakCli;
use tidings_loadgen::{run, Args};

/// The soak subcommands; anything else is a load run's flags.
const SOAK_COMMANDS: &[&str] = &["soak-idle", "churn", "storm"];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let first = std::env::args().nth(1);
    if first.as_deref().is_some_and(|a| SOAK_COMMANDS.contains(&a)) {
        return soak().await;
    }
    let args = Args::parse();
    let report = run(&args, &|line: &str| eprintln!("loadgen: {line}")).await?;
    if !args.json_only {
        print!("{}", report.human());
    }
    println!("{}", report.json());
    Ok(())
}

/// Runs a soak; exits 1 when a pass criterion failed.
async fn soak() -> anyhow::Result<()> {
    let cli = SoakCli::parse();
    let report =
        tidings_loadgen::soak::run(&cli.command, &|line: &str| eprintln!("soak: {line}")).await?;
    let json_only = match &cli.command {
        tidings_loadgen::soak::SoakCommand::SoakIdle(a) => a.common.json_only,
        tidings_loadgen::soak::SoakCommand::Churn(a) => a.common.json_only,
        tidings_loadgen::soak::SoakCommand::Storm(a) => a.common.json_only,
    };
    if !json_only {
        print!("{}", report.human());
    }
    println!("{}", report.json());
    if !report.pass {
        std::process::exit(1);
    }
    Ok(())
}
