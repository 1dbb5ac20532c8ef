#!/usr/bin/env bash
# Builds the desktop installers for the OS it runs on, with the Tauri CLI (release
# profile), and prints where they landed:
#
#   scripts/package.sh                       # Linux: the .deb
#   scripts/package.sh --bundles deb,rpm     # any `tauri build` arguments instead
#
# Which installers: tauri.conf.json says `"targets": "all"` so that a plain `tauri build`
# (and the release workflow, .github/workflows/release.yml) makes every kind the OS
# supports: .deb, .rpm and AppImage on Linux, MSI and NSIS on Windows, .app and .dmg on
# macOS. Without arguments this script narrows Linux to `--bundles deb`: the AppImage
# bundler downloads its tools (linuxdeploy) while building, which fails on machines
# without general internet access, while the .deb bundler needs nothing but the build.
# Elsewhere it builds the config's targets. Arguments replace that choice; cargo gets
# `--locked` unless the arguments already hold a `--` part for cargo.
#
# The build goes into cargo's target directory (CARGO_TARGET_DIR when set, else
# target/), under release/bundle/<kind>/. A cold release build takes 7 to 16 minutes
# on 2 cores, a repeated one about 2. Details: docs/INSTALLERS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build dependencies: the apt packages and Rust on Debian/Ubuntu (macOS and Windows need
# their prerequisites installed by hand, see docs/INSTALLERS.md).
if [ "$(uname -s)" = Linux ]; then
  source scripts/setup.sh
fi

# The UI's packages (with the Tauri CLI). npm ci starts from a clean node_modules, so it
# runs only when node_modules is missing or older than the lock file: test.sh has just
# installed them when it calls this through check-deb.sh.
if [ ! -x ui/node_modules/.bin/tauri ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund)
fi

args=("$@")
if ((${#args[@]} == 0)) && [ "$(uname -s)" = Linux ]; then
  args=(--bundles deb)
fi
has_cargo_part=0
for arg in ${args[@]+"${args[@]}"}; do
  if [ "$arg" = "--" ]; then has_cargo_part=1; fi
done
if ((has_cargo_part == 0)); then
  args+=(-- --locked)
fi

target_dir="$(cargo metadata --format-version 1 --no-deps \
  | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')"
bundle_dir="$target_dir/release/bundle"
mkdir -p "$target_dir"
stamp="$(mktemp "$target_dir/.package-stamp.XXXXXX")"
trap 'rm -f "$stamp"' EXIT

# The CLI runs from ui/ (the frontend: the config's beforeBuildCommand, the UI build into
# ui/dist that the binary embeds, runs there) and is pointed at src-tauri/ for
# tauri.conf.json and the crate (from ui/ alone it finds no Tauri project).
echo "package: tauri build ${args[*]}"
(cd ui && TAURI_APP_PATH=../src-tauri node_modules/.bin/tauri build "${args[@]}")

# What this run produced: the installers (and .app bundles) newer than the stamp.
built=()
while IFS= read -r path; do
  built+=("$path")
done < <(find "$bundle_dir" -mindepth 2 -maxdepth 2 -newer "$stamp" \
  \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' -o -name '*.msi' \
  -o -name '*.exe' -o -name '*.dmg' -o -name '*.app' \) | sort)
if ((${#built[@]} == 0)); then
  echo "package: the build finished but wrote no installer under $bundle_dir" >&2
  exit 1
fi
echo "package: built"
printf '  %s\n' "${built[@]}"
