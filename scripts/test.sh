#!/usr/bin/env bash
# Sets up and runs every check and test: formatting, lints, and the whole workspace's
# tests. The tests start their own redis-server and server processes on 127.0.0.1 ports
# and stop them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo build --locked -p tidings-server
cargo test --workspace --locked
