#!/usr/bin/env bash
# Runs the fuzz targets in fuzz/ (cargo-fuzz, libFuzzer, AddressSanitizer) for
# FUZZ_SECONDS each (default 10), and fails on the first crash, panic, leak, timeout or
# oversized allocation. docs/RELIABILITY.md, "Fuzzing", says what each target checks.
#
#   scripts/fuzz.sh                          # every target, 10 s each
#   FUZZ_SECONDS=300 scripts/fuzz.sh upload_sniff
#   scripts/fuzz.sh client_frame -- -only_ascii=1   # after --: more libFuzzer flags
#
# cargo-fuzz is installed once into ~/.cache/tidings/cargo-fuzz. The targets build into
# ~/.cache/tidings/fuzz-target (FUZZ_TARGET_DIR), shared by every clone: the first build
# takes about 6 to 10 minutes on 2 cores, later ones seconds. New inputs the fuzzer finds
# go to ~/.cache/tidings/fuzz-corpus/<target> (FUZZ_CORPUS_DIR), not into the checkout,
# so that each run starts where the last one stopped; the seeds in fuzz/corpus/<target>
# are only read. A crashing input is written to
# fuzz/artifacts/<target>/ (ignored by git); replay it with the command printed below.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-10}"
cache="$HOME/.cache/tidings"
all_targets=(client_frame server_frame upload_sniff search_query)
targets=()
extra=()
while (($#)); do
  if [ "$1" = "--" ]; then
    shift
    extra=("$@")
    break
  fi
  targets+=("$1")
  shift
done
((${#targets[@]})) || targets=("${all_targets[@]}")

cargo_fuzz="$cache/cargo-fuzz/bin/cargo-fuzz"
if [ ! -x "$cargo_fuzz" ]; then
  echo "fuzz: installing cargo-fuzz 0.13.2 into $cache/cargo-fuzz"
  cargo install cargo-fuzz@0.13.2 --locked --root "$cache/cargo-fuzz"
fi
# libFuzzer itself is C++, built by libfuzzer-sys with the system compiler.
if ! command -v c++ >/dev/null 2>&1; then
  echo "fuzz: installing g++ with apt-get"
  SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq g++ >/dev/null
fi

# cargo-fuzz passes nightly flags (-Zsanitizer=address); RUSTC_BOOTSTRAP lets the stable
# toolchain take them. Always set it for this target dir: a build without it would
# throw the cached artifacts away.
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$cache/fuzz-target}"
corpus_root="${FUZZ_CORPUS_DIR:-$cache/fuzz-corpus}"

cd fuzz
# fuzz/ is its own workspace with its own Cargo.lock; like the main build, use it as
# committed (it drifts when a dependency of the server or core changes).
if ! cargo fetch --locked --quiet; then
  echo "fuzz: fuzz/Cargo.lock is out of date; update it with" >&2
  echo "  cargo update --manifest-path fuzz/Cargo.toml --workspace" >&2
  exit 1
fi
cargo fmt -- --check
started=$(date +%s)
"$cargo_fuzz" build
echo "fuzz: targets built in $(($(date +%s) - started)) s"

# The found inputs are tried again at the start of every run, however short, and that
# first pass grows with them (upload_sniff: about 25 s for 4,000 inputs). Past this many
# files the directory is minimized to the inputs that still add coverage.
corpus_max="${FUZZ_CORPUS_MAX:-3000}"

for target in "${targets[@]}"; do
  mkdir -p "$corpus_root/$target" "artifacts/$target"
  found=$(find "$corpus_root/$target" -type f | wc -l)
  if [ "$found" -gt "$corpus_max" ]; then
    echo "fuzz: $target: minimizing $found found inputs"
    "$cargo_fuzz" cmin "$target" "$corpus_root/$target" >"$CARGO_TARGET_DIR/fuzz-$target-cmin.log" 2>&1
    echo "fuzz: $target: $(find "$corpus_root/$target" -type f | wc -l) kept"
  fi
  echo "fuzz: $target for ${seconds} s"
  log="$CARGO_TARGET_DIR/fuzz-$target.log"
  # Client frames go up to MAX_FRAME_BYTES (64 KiB), and texts past 8,000 characters
  # must be refused: let inputs grow past libFuzzer's default 4 KiB there.
  per_target=()
  [ "$target" = client_frame ] && per_target=(-max_len=65600)
  # -timeout: one input may take 60 s (a 64-megapixel image takes ~8 s under ASan);
  # -malloc_limit_mb: no single allocation above 1 GiB (the largest image buffer the
  # pixel limit allows is 512 MiB); -rss_limit_mb: the whole process stays under 4 GiB.
  if ! "$cargo_fuzz" run "$target" "$corpus_root/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=60 -malloc_limit_mb=1024 -rss_limit_mb=4096 \
    -print_final_stats=1 "${per_target[@]}" "${extra[@]}" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz: $target FAILED; full log in $log" >&2
    echo "fuzz: the input is in fuzz/artifacts/$target/; replay it with" >&2
    echo "  (cd fuzz && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$CARGO_TARGET_DIR $cargo_fuzz run $target artifacts/$target/<file>)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  echo "fuzz: $target ok: ${runs:-?} inputs, ${rate:-?}/s"
done
