#!/usr/bin/env bash
# Sets up and runs every check and test: formatting, lints, and the whole workspace's
# tests. The tests start their own redis-server and server processes on 127.0.0.1 ports
# and stop them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# The keychain tests run a private D-Bus session with a real Secret Service.
need_test_apt=()
command -v dbus-daemon >/dev/null 2>&1 || need_test_apt+=(dbus-daemon)
command -v gnome-keyring-daemon >/dev/null 2>&1 || need_test_apt+=(gnome-keyring)
command -v secret-tool >/dev/null 2>&1 || need_test_apt+=(libsecret-tools)
if ((${#need_test_apt[@]})); then
  echo "test: installing ${need_test_apt[*]} with apt-get"
  SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_test_apt[@]}" >/dev/null
fi

rustup component add rustfmt clippy >/dev/null 2>&1 || true

# The S3-compatible server the media tests run against, built once and cached outside
# the checkout (about 5 minutes on 2 cores the first time).
s3s_root="$HOME/.cache/tidings/s3s-fs"
if [ -z "${TIDINGS_S3S_FS:-}" ]; then
  export TIDINGS_S3S_FS="$s3s_root/bin/s3s-fs"
  if [ ! -x "$TIDINGS_S3S_FS" ]; then
    echo "test: installing s3s-fs 0.14.1 into $s3s_root"
    cargo install s3s-fs@0.14.1 --features binary --locked --root "$s3s_root"
  fi
fi
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo build --locked -p tidings-server
cargo test --workspace --locked

# The TypeScript bindings of the wire types (written by the tests above) must be committed.
if git rev-parse --git-dir >/dev/null 2>&1; then
  if [ -n "$(git status --porcelain -- ui/src/lib/protocol)" ]; then
    echo "test: ui/src/lib/protocol drifted from shared/; commit the regenerated bindings:" >&2
    git status --porcelain -- ui/src/lib/protocol >&2
    git --no-pager diff --stat -- ui/src/lib/protocol >&2
    exit 1
  fi
fi
