# Shared by scripts/bench-server.sh and scripts/soak.sh (sourced, not run): a work dir,
# the processes they start (stopped by PID on exit), a free loopback port, and a
# redis-server for a run.
#
# After sourcing: $work (removed on exit) and the array pids (add every started PID).
# wait_listening waits for a started tidings-server to print its address.

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A loopback port nobody listens on (bounded tries).
free_port() {
  for _ in $(seq 1 100); do
    local port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# start_redis DIR APPENDFSYNC: a redis-server (AOF on) keeping its data in DIR, on a free
# port, with any further arguments in BENCH_REDIS_ARGS; sets redis_port, redis_pid and redis_url once it answers PONG (not just an
# answer: while it replays a kept AOF, Redis answers LOADING). Fails if it dies first.
start_redis() {
  local dir="$1" fsync="$2"
  mkdir -p "$dir"
  redis_port="$(free_port)"
  # shellcheck disable=SC2086 # BENCH_REDIS_ARGS is split into words on purpose
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir" \
    --appendonly yes --appendfsync "$fsync" --save "" \
    --protected-mode no --loglevel warning --maxclients 20000 ${BENCH_REDIS_ARGS:-} \
    >"$work/redis.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 1 1200); do
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && break
    kill -0 "$redis_pid" 2>/dev/null || { cat "$work/redis.log" >&2; return 1; }
    sleep 0.1
  done
  redis_url="redis://127.0.0.1:$redis_port"
}

# wait_listening LOG PID: waits (at most 30 s) until the tidings-server with PID, started
# with --bind 127.0.0.1:0 and logging to LOG, prints the address it listens on; sets
# server_addr. Fails, showing the log, if the server exits or stays silent.
wait_listening() {
  local log="$1" pid="$2"
  server_addr=""
  for _ in $(seq 1 300); do
    server_addr="$(sed -n 's/^tidings-server listening on //p' "$log" | head -n1)"
    [ -n "$server_addr" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "the server logging to $log did not start" >&2
  cat "$log" >&2
  return 1
}
