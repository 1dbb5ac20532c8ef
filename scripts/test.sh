#!/usr/bin/env bash
# Sets up and runs every check and test: formatting, lints, the whole workspace's tests,
# and a short fuzz run (scripts/fuzz.sh). The tests start their own redis-server and
# server processes on 127.0.0.1 ports and stop them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# The keychain tests run a private D-Bus session with a real Secret Service; the desktop
# end-to-end test runs the app under Xvfb and drives it through WebKitWebDriver.
need_test_apt=()
command -v dbus-daemon >/dev/null 2>&1 || need_test_apt+=(dbus-daemon)
command -v gnome-keyring-daemon >/dev/null 2>&1 || need_test_apt+=(gnome-keyring)
command -v secret-tool >/dev/null 2>&1 || need_test_apt+=(libsecret-tools)
command -v xvfb-run >/dev/null 2>&1 || need_test_apt+=(xvfb)
command -v xauth >/dev/null 2>&1 || need_test_apt+=(xauth)
command -v WebKitWebDriver >/dev/null 2>&1 || need_test_apt+=(webkit2gtk-driver)
# The desktop integration test (src-tauri/tests/desktop.rs and its tools in
# src-tauri/tests/desktop/): a notification daemon, X input, and Python with D-Bus and GTK.
command -v dunst >/dev/null 2>&1 || need_test_apt+=(dunst)
command -v xdotool >/dev/null 2>&1 || need_test_apt+=(xdotool)
command -v dbus-send >/dev/null 2>&1 || need_test_apt+=(dbus-bin)
# (The system's Python: the tools run /usr/bin/python3, whatever python3 is first on PATH.)
/usr/bin/python3 -c "import dbus" >/dev/null 2>&1 || need_test_apt+=(python3-dbus)
/usr/bin/python3 -c "import gi; gi.require_version('Gtk', '3.0'); from gi.repository import Gtk" >/dev/null 2>&1 \
  || need_test_apt+=(python3-gi gir1.2-gtk-3.0)
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
# tauri-driver (WebDriver for the app, pinned to 2.x: newer releases are 3.0 alphas),
# built once and cached outside the checkout like s3s-fs.
if [ -z "${TIDINGS_TAURI_DRIVER:-}" ]; then
  export TIDINGS_TAURI_DRIVER="$HOME/.cache/tidings/tauri-driver/bin/tauri-driver"
  if [ ! -x "$TIDINGS_TAURI_DRIVER" ]; then
    echo "test: installing tauri-driver 2.x into $HOME/.cache/tidings/tauri-driver"
    cargo install tauri-driver --locked --version ^2 --root "$HOME/.cache/tidings/tauri-driver"
  fi
fi

# The UI: its unit tests, then the build the app embeds (src-tauri needs ui/dist even to
# be checked by clippy).
(
  cd ui
  npm ci --no-audit --no-fund
  npm test
  npm run build
)

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo build --locked -p tidings-server
# An X server for the desktop end-to-end test (which must run, not skip: TIDINGS_E2E=1).
# It gives each app instance a private D-Bus session bus of its own (no service
# activation, so no keychain or portal daemon is started behind its back and outlives
# it); the other tests see the same environment as without a display.
TIDINGS_E2E=1 xvfb-run -a -s "-screen 0 1280x800x24" cargo test --workspace --locked

# The installer: builds the .deb (scripts/package.sh, a release build: 7 to 16 minutes
# the first time on 2 cores, about 2 after), installs it with dpkg, starts the installed
# app under Xvfb until its window shows (screenshot in target/tmp/deb-check.png), and
# removes it again.
bash scripts/check-deb.sh

# A short fuzz run of every target in fuzz/ (10 s each; FUZZ_SECONDS changes it). The
# targets build once into ~/.cache/tidings/fuzz-target (about 6 to 10 minutes the first
# time on 2 cores, seconds after that).
bash scripts/fuzz.sh

# The TypeScript bindings of the wire types (written by the tests above) must be committed.
if git rev-parse --git-dir >/dev/null 2>&1; then
  if [ -n "$(git status --porcelain -- ui/src/lib/protocol)" ]; then
    echo "test: ui/src/lib/protocol drifted from shared/; commit the regenerated bindings:" >&2
    git status --porcelain -- ui/src/lib/protocol >&2
    git --no-pager diff --stat -- ui/src/lib/protocol >&2
    exit 1
  fi
fi
