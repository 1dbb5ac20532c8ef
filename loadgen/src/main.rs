//! `tidings-loadgen`: see the library's docs and docs/BENCHMARKS.md.

use clap::Parser;
use tidings_loadgen::{run, Args};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let report = run(&args, &|line: &str| eprintln!("loadgen: {line}")).await?;
    if !args.json_only {
        print!("{}", report.human());
    }
    println!("{}", report.json());
    Ok(())
}
