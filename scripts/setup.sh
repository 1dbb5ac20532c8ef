#!/usr/bin/env bash
# Installs what building and running Tidings needs on Debian/Ubuntu, skipping what is
# already there. Safe to run again. Used by run.sh and test.sh.
set -euo pipefail

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# The client core keeps refresh tokens in the OS keychain (Secret Service over D-Bus).
pkg-config --exists dbus-1 2>/dev/null || need_apt+=(libdbus-1-dev)
# The desktop app (Tauri 2 on WebKitGTK) and its UI build (Node.js with npm).
pkg-config --exists webkit2gtk-4.1 2>/dev/null || need_apt+=(libwebkit2gtk-4.1-dev)
pkg-config --exists openssl 2>/dev/null || need_apt+=(libssl-dev)
pkg-config --exists ayatana-appindicator3-0.1 2>/dev/null || need_apt+=(libayatana-appindicator3-dev)
pkg-config --exists librsvg-2.0 2>/dev/null || need_apt+=(librsvg2-dev)
[ -e /usr/include/xdo.h ] || need_apt+=(libxdo-dev)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
# Emoji are drawn with the system's colour emoji font (the picker's data is bundled, the
# glyphs come from the OS, as in every desktop messenger).
# (grep without -q: reading all of fc-list, so that pipefail never sees it cut off.)
fc-list 2>/dev/null | grep -i "color emoji" >/dev/null || need_apt+=(fonts-noto-color-emoji)

if ((${#need_apt[@]})); then
  echo "setup: installing ${need_apt[*]} with apt-get"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# A Debian-installed redis-server starts a system service on port 6379; Tidings runs its
# own instances (scripts/run.sh, the tests), so that service is left alone.

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: Rust is missing. Install Rust 1.88 or newer with rustup, then run this again." >&2
    exit 1
  fi
fi
