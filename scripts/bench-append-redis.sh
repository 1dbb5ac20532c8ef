#!/usr/bin/env bash
# Redis's own cost of the append script (issue 8; docs/BENCHMARKS.md, "Server load",
# round 6), without the servers or the generator on the cores.
#
# Starts a redis-server as the benchmark runs it (AOF, appendfsync always) on a free
# loopback port, loads server/src/store/scripts/append.lua, subscribes two clients to the
# conversations' channels (as two server instances would be), and has redis-benchmark
# call the script with BATCH plain-message appends per call (one per conversation, as a
# group commit carries them), ROUNDS times CALLS calls. Reports, per append: Redis's
# main-thread CPU, the time inside the script (INFO commandstats) and the AOF bytes.
# Stops what it started, by PID.
#
#   scripts/bench-append-redis.sh                 # BATCH=8 CALLS=10000 ROUNDS=3
#   BATCH=1 scripts/bench-append-redis.sh         # one append per call
#
# The keys and arguments are a plain message's, in the order store/messages.rs passes
# them (6 keys, 7 arguments); if that order changes, the script refuses the appends and
# this run fails rather than measure refusals.
set -euo pipefail
cd "$(dirname "$0")/.."

batch="${BATCH:-8}"
calls="${CALLS:-10000}"
rounds="${ROUNDS:-3}"

source scripts/lib/bench-processes.sh
start_redis "$work/redis" always
cli() { redis-cli -p "$redis_port" "$@"; }

sha="$(cli script load "$(cat server/src/store/scripts/append.lua)")"
sender=01M8MNCJ9WTXPEGKTQZ0ADVPB3
tail='"sender":"'$sender'","kind":"message","client_id":"2e271843-0e54-46d6-b82a-11537af1cf99","text":"lg 2196462925 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'
keys=()
args=()
channels=()
for i in $(seq 1 "$batch"); do
  cid="01M8MNCJQW4BA43DH2TJ58B8$(printf '%02d' "$i")"
  k="tidings:conv:{$cid}"
  cli sadd "$k:members" "$sender" >/dev/null
  channels+=("tidings:ch:conv:$cid")
  keys+=("$k" "$k:members" "$k:log" "$k:client_ids" "$k:read" "$k:delivered")
  # redis-benchmark replaces __rand_int__ with a random number: a fresh client id per send.
  args+=(7 "$sender" "$sender:__rand_int__:__rand_int__" 0 "$tail" "tidings:ch:conv:$cid" "$cid" 1)
done
for _ in 1 2; do
  redis-cli -p "$redis_port" subscribe "${channels[@]}" >/dev/null &
  pids+=("$!")
done

main_thread_cpu() {
  cli info cpu | awk -F: '/used_cpu_(user|sys)_main_thread/ {s += $2} END {printf "%.3f", s}'
}
aof_bytes() { cli info persistence | awk -F: '/aof_current_size/ {print $2 + 0}'; }

for round in $(seq 1 "$rounds"); do
  cli config resetstat >/dev/null
  cpu0="$(main_thread_cpu)"
  aof0="$(aof_bytes)"
  redis-benchmark -p "$redis_port" -c 4 -n "$calls" -r 2000000000 -q \
    EVALSHA "$sha" "${#keys[@]}" "${keys[@]}" "${args[@]}" >/dev/null
  cpu1="$(main_thread_cpu)"
  aof1="$(aof_bytes)"
  stored="$(cli hlen "tidings:conv:{01M8MNCJQW4BA43DH2TJ58B801}:log")"
  # (A repeated random client id is a duplicate and stores nothing: allow a few.)
  if [ "$stored" -lt $((round * calls * 99 / 100)) ]; then
    echo "bench-append-redis: only $stored appends stored after round $round; the keys or arguments no longer match append.lua" >&2
    exit 1
  fi
  script_usec="$(cli info commandstats | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),usec=\([0-9]*\).*/\2/p')"
  awk -v c0="$cpu0" -v c1="$cpu1" -v a0="$aof0" -v a1="$aof1" -v s="$script_usec" \
    -v n="$((calls * batch))" -v r="$round" -v b="$batch" 'BEGIN {
      printf "round %d (%d appends per call): Redis main thread %.2f µs per append, inside the script %.2f µs, AOF %d bytes per append\n",
        r, b, (c1 - c0) * 1e6 / n, s / n, (a1 - a0) / n
    }'
done
