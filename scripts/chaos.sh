#!/usr/bin/env bash
# The chaos availability run (issue 9; scenarios and results in docs/RELIABILITY.md).
#
# Real client cores chat in groups across two server instances on one redis-server (AOF,
# appendfsync always), each core behind its own TCP proxy that fails over to the other
# instance, while an instance is killed with SIGKILL every 30 s (and started again 3 s
# later on its address) and redis-server is killed with SIGKILL and restarted every
# 3 minutes. Then every fault is undone, the cores catch up, and the run checks that
# nothing was lost: every acknowledged message exactly once at its seq in Redis and in
# every member's cache, gapless; nothing stuck in an outbox; no stray conversation.
#
#   scripts/chaos.sh                      # the issue's run: 10 minutes
#   scripts/chaos.sh --minutes 2          # shorter; any flag of the binary:
#   scripts/chaos.sh --help               #   --minutes --instances --clients --group-size
#                                         #   --rate (msgs/s, all clients together)
#                                         #   --instance-kill-every-secs --instance-down-secs
#                                         #   --redis-restart-every-secs --redis-down-secs
#                                         #   --blackhole-every-secs --blackhole-secs (one
#                                         #   client's network silenced, no FIN, in turn)
#                                         #   --settle-secs   (0 = that fault never)
#   scripts/chaos.sh --minutes 2 --instance-kill-every-secs 0 --redis-restart-every-secs 40 \
#     --redis-down-secs 30 --blackhole-every-secs 50 --blackhole-secs 30
#                                         # the issue's 30 s outages: Redis down 30 s, and a
#                                         # client blackholed for 30 s
#
# It reports the share of sends acknowledged within 1 s (goal: at least 99.95 %), the
# longest any client waited for an ack, and the verdict; the last line is JSON. The output
# is also saved in target/chaos/<date>.txt.
#
# Exit status: 0 nothing lost and the goal met; 1 something lost; 2 nothing lost but the
# goal missed; 130 interrupted.
#
# Environment:
#   CHAOS_PROFILE=debug  run debug builds (default: release; a first release build of the
#                        server and the chaos binary takes a while on 2 cores).
#   CHAOS_BUILD=0        do not build first (use the binaries already built).
#   TIDINGS_TEST_LOG     the servers' log filter (default: error; warn shows every retry).
#
# Every process the run starts (redis-server, the instances) is a child of the chaos
# binary and is stopped by PID when it ends, Ctrl-C included.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v redis-server >/dev/null 2>&1 || {
  echo "chaos: redis-server is missing (scripts/setup.sh installs it)" >&2
  exit 2
}

profile="${CHAOS_PROFILE:-release}"
case "$profile" in
  release) profile_flag=(--release) ;;
  debug) profile_flag=() ;;
  *) echo "CHAOS_PROFILE must be release or debug" >&2; exit 2 ;;
esac
if [ "${CHAOS_BUILD:-1}" != 0 ]; then
  cargo build "${profile_flag[@]}" -p tidings-server -p tidings-tests \
    --bin tidings-server --bin chaos
fi
out_dir="$PWD/target/chaos"
mkdir -p "$out_dir"
out="$out_dir/$(date +%Y%m%d-%H%M%S).txt"
echo "chaos: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" | tee "$out"
# The chaos binary finds the server binary next to itself (<target dir>/<profile>/), in
# CARGO_TARGET_DIR when that is set, as cargo built them.
target_dir="${CARGO_TARGET_DIR:-target}"
TIDINGS_TEST_LOG="${TIDINGS_TEST_LOG:-error}" \
  "$target_dir/$profile/chaos" "$@" 2>&1 | tee -a "$out"
