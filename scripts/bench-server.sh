#!/usr/bin/env bash
# Server load benchmark (issue 8; results in docs/BENCHMARKS.md, "Server load").
#
# Builds release binaries, starts a redis-server (AOF, appendfsync always, as operators
# must run it) and two tidings-server instances on free loopback ports, runs
# tidings-loadgen with a scenario, and stops everything it started, by PID, on exit.
#
#   scripts/bench-server.sh a|b|c|d [more loadgen flags, which win over the scenario's]
#   scripts/bench-server.sh custom --users 100 --group-size 10 --rate 500 --duration 10
#
# Scenarios:
#   a  1,000 users in groups of 10, 2,000 msgs/s for 30 s
#   b  10,000 users in groups of 10 (mostly idle), 1,000 msgs/s: memory per connection
#   c  1,000 users in groups of 100 (fan-out 100), 500 msgs/s
#   d  (a)'s shape: the highest rate with p99 delivery under 50 ms (doubling, then
#      bisecting; 3 s warm-up + 10 s per step)
#
# Environment:
#   BENCH_PERF=SECONDS  also record a CPU profile of the servers and Redis for that many
#                       seconds of the first measured window (perf, software clock);
#                       writes target/bench-server/perf-<scenario>.data and a report.
#   BENCH_APPENDFSYNC   Redis appendfsync policy (default: always).
#   BENCH_REDIS_ARGS    more redis-server arguments, e.g. "--auto-aof-rewrite-percentage 0".
#   BENCH_INSTANCES     server instances (default: 2).
#   BENCH_SERVER_BIN    server binary to run (default: the fresh release build), e.g. a
#                       copy of the previous build, to compare before/after interleaved.
#   BENCH_LOADGEN_BIN   load generator binary to run (default: the fresh release build).
#   BENCH_BUILD=0       do not build first (use the binaries already built, e.g. while
#                       another build holds cargo's lock).
#   BENCH_SERVER_ARGS   more tidings-server arguments, e.g. "--write-pacing-ms 10".
#   BENCH_SERVER_THREADS  tokio worker threads per server instance (TOKIO_WORKER_THREADS;
#                       default: one per core).
#   BENCH_REDIS_DIR     keep Redis's data in this directory (default: a temporary one),
#                       so that a later run with the same --user-prefix finds the accounts.
#
# The table and the JSON line are also saved in target/bench-server/<scenario>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

scenario="${1:-a}"
shift || true
case "$scenario" in
  a) scenario_args=(--users 1000 --group-size 10 --rate 2000 --duration 30 --warmup 5) ;;
  b) scenario_args=(--users 10000 --group-size 10 --rate 1000 --duration 30 --warmup 5) ;;
  c) scenario_args=(--users 1000 --group-size 100 --rate 500 --duration 30 --warmup 5) ;;
  d) scenario_args=(--users 1000 --group-size 10 --rate 2000 --duration 10 --warmup 3
       --find-max-rate 50 --search-steps 10) ;;
  custom) scenario_args=() ;;
  *) echo "usage: $0 a|b|c|d|custom [loadgen flags]" >&2; exit 2 ;;
esac

# One descriptor per WebSocket in the load generator (and per connection in the
# servers): scenario b needs over 10,000.
ulimit -n "$(ulimit -Hn)"

if [ "${BENCH_BUILD:-1}" != 0 ]; then
  cargo build --release -p tidings-server -p tidings-loadgen
fi
out_dir="$PWD/target/bench-server"
mkdir -p "$out_dir"
source scripts/lib/bench-processes.sh
start_redis "${BENCH_REDIS_DIR:-$work/redis}" "${BENCH_APPENDFSYNC:-always}"

secret="$(head -c 48 /dev/urandom | base64 | tr -d '\n=+/')"
# Where cargo built them: CARGO_TARGET_DIR when set.
target_dir="${CARGO_TARGET_DIR:-./target}"
server_bin="${BENCH_SERVER_BIN:-$target_dir/release/tidings-server}"
server_args=()
server_pids=()
for i in $(seq 1 "${BENCH_INSTANCES:-2}"); do
  log="$work/server-$i.log"
  # The per-user write limit (20/s by default) would cap scenario d; the benchmark
  # measures delivery, not the limiter.
  RUST_LOG=warn env ${BENCH_SERVER_THREADS:+TOKIO_WORKER_THREADS=$BENCH_SERVER_THREADS} \
    "$server_bin" --bind 127.0.0.1:0 --redis-url "$redis_url" \
    --jwt-secret "$secret" --instance "bench-$i" \
    --message-rate 1000000 --message-burst 1000000 \
    --media-dir "$work/media" --upload-temp-dir "$work/uploads" ${BENCH_SERVER_ARGS:-} \
    >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  server_pids+=("$pid")
  wait_listening "$log" "$pid" || exit 1
  server_args+=(--server "http://$server_addr" --server-pid "$pid")
done
echo "bench: redis $redis_url (pid $redis_pid), servers ${server_args[*]}" >&2
# Other work on the machine skews latencies (each step reports it as other_cores).
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2

"${BENCH_LOADGEN_BIN:-$target_dir/release/tidings-loadgen}" "${server_args[@]}" --redis-pid "$redis_pid" \
  --label "$scenario" "${scenario_args[@]}" "$@" \
  > >(tee "$out_dir/$scenario.txt") 2> >(tee "$work/loadgen.err" >&2) &
loadgen_pid=$!
pids+=("$loadgen_pid")

if [ -n "${BENCH_PERF:-}" ]; then
  # Wait for the first step to start, skip the warm-up, then sample the servers and Redis.
  for _ in $(seq 1 6000); do
    grep -qE 'sending|connected' "$work/loadgen.err" 2>/dev/null && break
    kill -0 "$loadgen_pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep 8
  pid_list="$(IFS=,; echo "${server_pids[*]},$redis_pid")"
  perf record -F 499 -g -o "$out_dir/perf-$scenario.data" -p "$pid_list" \
    -- sleep "$BENCH_PERF" 2>"$work/perf.err" || cat "$work/perf.err" >&2
  perf report -i "$out_dir/perf-$scenario.data" --no-children -g none --sort comm,dso,symbol \
    --stdio 2>/dev/null | grep -v '^$' | head -n 120 >"$out_dir/perf-$scenario.txt" || true
  echo "bench: profile in $out_dir/perf-$scenario.txt" >&2
fi

wait "$loadgen_pid"
# What Redis spent its time on, per command (calls, µs per call).
# And how often it rewrote its AOF meanwhile (a fork, and a child process that writes
# the whole dataset on these same cores).
{ redis-cli -p "$redis_port" info commandstats \
    | grep -E 'cmdstat_(evalsha|publish|eval|hset|hget|hmget|sismember)'
  redis-cli -p "$redis_port" info persistence | grep -E '^aof_(rewrites|current_size):'
  redis-cli -p "$redis_port" info stats | grep -E '^(total_forks|latest_fork_usec):'
  # Redis's own record of slow events ("latency <event> <unix time> <latest ms> <worst
  # ms>"), kept only when BENCH_REDIS_ARGS sets --latency-monitor-threshold.
  redis-cli -p "$redis_port" latency latest | paste -d ' ' - - - - | sed -n '/[^ ]/s/^/latency /p'
} | tr -d '\r' | tee "$out_dir/redis-commandstats-$scenario.txt" >&2 || true
