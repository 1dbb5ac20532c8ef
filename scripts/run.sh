#!/usr/bin/env bash
# Sets up and runs Tidings locally: a redis-server with AOF persistence in .data/redis
# (unless REDIS_URL points at one), the server on http://127.0.0.1:8080, and the desktop
# app (built first: the UI, then the Tauri binary) when there is a display.
# Ctrl-C stops everything this script started.
#
#   scripts/run.sh          one app window
#   scripts/run.sh --two    two app windows with separate data, to sign up two accounts
#                           and chat between them on one machine
set -euo pipefail
cd "$(dirname "$0")/.."
apps=1
case "${1:-}" in
  --two) apps=2 ;;
  "") ;;
  *) echo "usage: $0 [--two]" >&2; exit 2 ;;
esac
source scripts/setup.sh

data_dir="${TIDINGS_DATA_DIR:-$PWD/.data}"
mkdir -p "$data_dir/redis"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if [ -z "${REDIS_URL:-}" ]; then
  port="${TIDINGS_REDIS_PORT:-6390}"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$data_dir/redis" \
    --appendonly yes --appendfsync always --save "" --loglevel warning &
  pids+=($!)
  export REDIS_URL="redis://127.0.0.1:$port"
  # PONG, not just an answer: while it replays its AOF, Redis answers LOADING.
  for _ in $(seq 1 1200); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  echo "run: redis-server on $REDIS_URL (data in $data_dir/redis)"
fi

# A random secret for this machine, kept out of the repository and readable only by you.
if [ -z "${TIDINGS_JWT_SECRET:-}" ]; then
  secret_file="$data_dir/jwt-secret"
  if [ ! -s "$secret_file" ]; then
    (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n=+/' > "$secret_file")
  fi
  TIDINGS_JWT_SECRET="$(cat "$secret_file")"
  export TIDINGS_JWT_SECRET
fi

target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
bind="${TIDINGS_BIND:-127.0.0.1:8080}"
cargo build --release -p tidings-server
# Media go to S3 when TIDINGS_S3_BUCKET is set, else to a local directory.
"$target_dir/release/tidings-server" --bind "$bind" \
  --media-dir "${TIDINGS_MEDIA_DIR:-$data_dir/media}" &
server_pid=$!
pids+=("$server_pid")

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no DISPLAY, so the desktop app is not started; the server keeps running on http://$bind (Ctrl-C stops it)"
else
  # The app embeds the built UI, so the UI is built first.
  (cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
  cargo build -p tidings-desktop
  server_url="${TIDINGS_SERVER:-http://${bind/0.0.0.0/127.0.0.1}}"
  # The app keeps its own data in the OS app data dir (not in .data/).
  env -u TIDINGS_DATA_DIR TIDINGS_SERVER="$server_url" "$target_dir/debug/tidings-desktop" &
  pids+=($!)
  if [ "$apps" = 2 ]; then
    # A second window as a second device of its own: its own cache, drafts and outbox.
    TIDINGS_DATA_DIR="$data_dir/second-app" TIDINGS_SERVER="$server_url" \
      "$target_dir/debug/tidings-desktop" &
    pids+=($!)
    echo "run: two app windows are starting: sign up a different account in each, then start a chat by username"
  else
    echo "run: the desktop app is starting (scripts/run.sh --two opens a second window for a second account)"
  fi
  echo "run: closing the app leaves the server running (Ctrl-C stops it)"
fi
wait "$server_pid"
