#!/usr/bin/env bash
# Soak runs (issue 9; results in docs/RELIABILITY.md, "Soak").
#
# Builds release binaries, starts a redis-server (AOF, appendfsync always) and two
# tidings-server instances on free loopback ports, runs one soak of tidings-loadgen, and
# stops everything it started, by PID, on exit.
#
#   scripts/soak.sh idle  [--minutes 30] [--users 10000] [more soak-idle flags]
#   scripts/soak.sh churn [--minutes 10] [--users 1000]  [more churn flags; --rate 100]
#   scripts/soak.sh storm [--users 10000]                [more storm flags]
#
#   idle   the users' connections held idle for --minutes with the server's heartbeats:
#          each server's RSS may drift at most 5 %, descriptors and threads stay flat.
#   churn  100 connections opened and closed a second for --minutes (each held 5 s, one in
#          four dropped without a close frame), over a pool of --users accounts: memory,
#          descriptors, Redis keys and presence back to baseline afterwards.
#   storm  --users clients over both instances; one instance killed with SIGKILL; its
#          clients reconnect to the other over 10 s with jitter: all resumed within 60 s,
#          every acknowledged send in Redis exactly once.
#
# `tidings-loadgen <soak-idle|churn|storm> --help` lists every flag.
#
# Sign-ins are slow (one Argon2 hash each: about 5 minutes for 10,000 users on 2 cores),
# so Redis's data, the JWT secret and a token cache are kept in $SOAK_STATE_DIR (default
# ~/.cache/tidings/soak) and reused by the next run: the first run signs the users in
# (prefix `soak`), later runs connect with the cached tokens. Access tokens are issued for
# 4 hours (--access-token-ttl-secs) so that they outlast a long soak.
#
# Environment:
#   SOAK_STATE_DIR   where Redis's data, the secret and the token cache live.
#   SOAK_FRESH=1     start from an empty state dir (sign everyone in again).
#   SOAK_BUILD=0     do not build first (use the binaries already built).
#   CARGO_TARGET_DIR where cargo puts the release binaries (default: target).
#
# The output is also saved in target/soak/<mode>-<UTC time>.txt. Exit status: the
# soak's (0 pass, 1 a criterion failed).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
shift || true
case "$mode" in
  idle) subcommand=soak-idle; minutes=30; users=10000 ;;
  churn) subcommand=churn; minutes=10; users=1000 ;;
  storm) subcommand=storm; minutes=""; users=10000 ;;
  *) echo "usage: $0 idle|churn|storm [--minutes M] [--users N] [soak flags]" >&2; exit 2 ;;
esac
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --users) users="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
if [ "$mode" = storm ] && [ -n "$minutes" ]; then
  echo "storm has no --minutes" >&2
  exit 2
fi

# One descriptor per WebSocket in the load generator and in the servers: 10,000
# connections need more than the usual soft limit of 1,024.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((users + 1000)) ]; then
  echo "soak: the descriptor limit $(ulimit -n) is too low for $users connections" >&2
  exit 2
fi

target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
if [ "${SOAK_BUILD:-1}" != 0 ]; then
  cargo build --release -p tidings-server -p tidings-loadgen
fi
server_bin="$target_dir/release/tidings-server"
loadgen_bin="$target_dir/release/tidings-loadgen"

state="${SOAK_STATE_DIR:-$HOME/.cache/tidings/soak}"
[ "${SOAK_FRESH:-0}" = 1 ] && rm -rf "$state"
mkdir -p "$state/redis"
chmod 700 "$state"
if [ ! -s "$state/jwt-secret" ]; then
  (umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n=+/' >"$state/jwt-secret")
fi

out_dir="$PWD/target/soak"
mkdir -p "$out_dir"
out="$out_dir/$mode-$(date -u +%Y%m%dT%H%M%SZ).txt"
source scripts/lib/bench-processes.sh
start_redis "$state/redis" always

secret="$(cat "$state/jwt-secret")"
server_args=()
for i in 1 2; do
  log="$work/server-$i.log"
  RUST_LOG=warn "$server_bin" --bind 127.0.0.1:0 --redis-url "$redis_url" \
    --jwt-secret "$secret" --instance "soak-$i" --access-token-ttl-secs 14400 \
    --media-dir "$work/media" --upload-temp-dir "$work/uploads" >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_listening "$log" "$pid" || exit 1
  server_args+=(--server "http://$server_addr" --server-pid "$pid")
done
echo "soak: $mode; redis $redis_url (pid $redis_pid), servers ${server_args[*]}" >&2
echo "soak: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; fd limit $(ulimit -n)" >&2

mode_args=(--users "$users")
[ -n "$minutes" ] && mode_args+=(--minutes "$minutes")
# In the background, so that a signal to this script runs the clean-up at once.
"$loadgen_bin" "$subcommand" "${server_args[@]}" --redis-url "$redis_url" \
  --redis-pid "$redis_pid" --user-prefix soak --token-cache "$state/tokens.json" \
  --label "$mode" "${mode_args[@]}" "${extra[@]}" > >(tee "$out") 2>&1 &
loadgen_pid=$!
pids+=("$loadgen_pid")
set +e
wait "$loadgen_pid"
status=$?
set -e
# Anything a server logged (warnings and errors) goes with the result.
for i in 1 2; do
  if [ -s "$work/server-$i.log" ]; then
    echo "--- server $i log (last 20 lines)" | tee -a "$out"
    tail -n 20 "$work/server-$i.log" | tee -a "$out"
  fi
done
echo "soak: saved in $out" >&2
exit "$status"
