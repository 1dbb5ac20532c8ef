#!/usr/bin/env bash
# Checks the desktop app's .deb for real: installs it with dpkg, checks what it put where
# (the binary, the .desktop entry, the icons), starts the installed binary under Xvfb
# until its "Tidings" window shows, takes a screenshot, then stops the app and removes
# the package again.
#
#   scripts/check-deb.sh                 # builds the .deb first (scripts/package.sh)
#   scripts/check-deb.sh path/to.deb     # checks that file
#
# The screenshot lands in target/tmp/deb-check.png (under CARGO_TARGET_DIR when set),
# the app's output in target/tmp/deb-check.log. Runs as root or through sudo (dpkg). The
# app runs with a throw-away HOME, XDG_RUNTIME_DIR and TIDINGS_DATA_DIR and on a private
# D-Bus session bus without service activation, so it touches nothing of the user's.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "check-deb: FAILED: $*" >&2
  exit 1
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Cargo's target directory, where package.sh builds and the screenshot goes.
command -v cargo >/dev/null 2>&1 || export PATH="$HOME/.cargo/bin:$PATH"
target_dir="$(cargo metadata --format-version 1 --no-deps \
  | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
[ -n "$target_dir" ] || fail "cargo metadata gave no target directory"

if (($# > 0)); then
  deb="$(realpath "$1")"
else
  bash scripts/package.sh
  deb="$(ls -t "$target_dir"/release/bundle/deb/*.deb 2>/dev/null | head -n 1 || true)"
  [ -n "$deb" ] || fail "scripts/package.sh built no .deb under $target_dir/release/bundle/deb"
fi
[ -f "$deb" ] || fail "no such file: $deb"

# What starting the app needs here (test.sh installs the same).
need_apt=()
command -v Xvfb >/dev/null 2>&1 || need_apt+=(xvfb)
command -v dbus-daemon >/dev/null 2>&1 || need_apt+=(dbus-daemon)
command -v xwininfo >/dev/null 2>&1 || need_apt+=(x11-utils)
command -v import >/dev/null 2>&1 || need_apt+=(imagemagick)
if ((${#need_apt[@]})); then
  echo "check-deb: installing ${need_apt[*]} with apt-get"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

package="$(dpkg-deb --field "$deb" Package)"
echo "check-deb: $deb"
echo "check-deb: package $package $(dpkg-deb --field "$deb" Version), depends: $(dpkg-deb --field "$deb" Depends)"

# This check removes the package when it is done, so it refuses to replace a copy that
# was installed before it ran.
if dpkg-query --show --showformat='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed; then
  fail "$package is already installed; remove it first ($SUDO dpkg -r $package)"
fi

work="$(mktemp -d)"
installed=0
xvfb=""
cleanup() {
  local status=$?
  if [ -n "$xvfb" ]; then
    kill "$xvfb" 2>/dev/null || true
    wait "$xvfb" 2>/dev/null || true
  fi
  if ((installed)); then
    echo "check-deb: removing $package"
    $SUDO dpkg -r "$package" >/dev/null || echo "check-deb: dpkg -r $package failed" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "check-deb: dpkg -i"
installed=1
if ! $SUDO dpkg -i "$deb" >"$work/dpkg.log" 2>&1; then
  # Missing dependencies leave the package unconfigured; apt installs them and finishes.
  echo "check-deb: dpkg -i needs dependencies, installing them with apt-get install -f"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -f -y -qq >>"$work/dpkg.log" 2>&1 \
    || { cat "$work/dpkg.log" >&2; fail "the package's dependencies did not install"; }
fi
dpkg-query --show --showformat='${db:Status-Status}' "$package" | grep -qx installed \
  || { cat "$work/dpkg.log" >&2; fail "$package is not installed after dpkg -i"; }

# What the package installs.
files="$(dpkg -L "$package")"
grep -qx /usr/bin/tidings-desktop <<<"$files" || fail "dpkg -L $package lists no /usr/bin/tidings-desktop"
desktop_file="$(grep -E '^/usr/share/applications/[^/]+\.desktop$' <<<"$files" | head -n 1 || true)"
[ -n "$desktop_file" ] || fail "dpkg -L $package lists no .desktop file in /usr/share/applications"
grep -qx 'Exec=tidings-desktop' "$desktop_file" || fail "$desktop_file does not start tidings-desktop"
icon_name="$(sed -n 's/^Icon=//p' "$desktop_file" | head -n 1)"
[ -n "$icon_name" ] || fail "$desktop_file names no icon"
for size in 32x32 128x128; do
  grep -qx "/usr/share/icons/hicolor/$size/apps/$icon_name.png" <<<"$files" \
    || fail "dpkg -L $package lists no $size icon /usr/share/icons/hicolor/$size/apps/$icon_name.png"
done
echo "check-deb: installed /usr/bin/tidings-desktop, $desktop_file and $(grep -c '^/usr/share/icons/.*\.png$' <<<"$files") icons"

# Start the installed app in a throw-away environment and wait for its window.
mkdir -p "$target_dir/tmp"
shot="$target_dir/tmp/deb-check.png"
log="$target_dir/tmp/deb-check.log"
rm -f "$shot"
mkdir -p "$work/home" "$work/data" "$work/bus"
mkdir -m 700 "$work/run"
cat >"$work/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$work/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

# The part that runs inside the X server and the bus: starts the app, waits (at most
# 30 s) until its window is mapped and the page is drawn, takes the screenshot, and
# stops the app by its PID whatever happens.
cat >"$work/inside.sh" <<'EOF'
set -euo pipefail
shot=$1 log=$2
/usr/bin/tidings-desktop >"$log" 2>&1 &
app=$!
stop_app() {
  kill "$app" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$app" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$app" 2>/dev/null || true
}
trap stop_app EXIT

deadline=$((SECONDS + 30))
mapped() {
  local id
  for id in $(xwininfo -root -tree | grep '"Tidings"' | awk '{print $1}'); do
    xwininfo -id "$id" | grep -q 'Map State: IsViewable' && return 0
  done
  return 1
}
until mapped; do
  kill -0 "$app" 2>/dev/null || { echo "the app exited before its window showed" >&2; exit 1; }
  ((SECONDS < deadline)) || { echo "no window titled \"Tidings\" was mapped within 30 s" >&2; exit 1; }
  sleep 0.2
done
echo "check-deb: the \"Tidings\" window is mapped"

# The window maps before the webview has drawn the page: take screenshots until one
# shows more than a few colours (text and controls), within the same deadline.
while :; do
  import -window root "$shot"
  colours=$(identify -format '%k' "$shot")
  ((colours > 64)) && break
  ((SECONDS < deadline)) || { echo "the window stayed blank ($colours colours) for 30 s" >&2; exit 1; }
  sleep 0.5
done
kill -0 "$app" 2>/dev/null || { echo "the app exited after it showed its window" >&2; exit 1; }
echo "check-deb: screenshot ($colours colours) in $shot"
EOF

# An X server of its own. Xvfb picks a free display itself and writes its number to
# -displayfd once it accepts connections (under xvfb-run -a, which guesses a free number
# first, GTK once could not open the display while other tests started X servers).
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb=$!
for _ in $(seq 100); do
  [ -s "$work/display" ] && break
  kill -0 "$xvfb" 2>/dev/null || { cat "$work/xvfb.log" >&2; fail "Xvfb did not start"; }
  sleep 0.1
done
[ -s "$work/display" ] || fail "Xvfb did not report a display within 10 s"
display=":$(head -n 1 "$work/display")"

echo "check-deb: starting /usr/bin/tidings-desktop on Xvfb $display"
if ! env -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME -u TIDINGS_SERVER -u XAUTHORITY \
  DISPLAY="$display" HOME="$work/home" XDG_RUNTIME_DIR="$work/run" TIDINGS_DATA_DIR="$work/data" \
  dbus-run-session --config-file="$work/bus.conf" -- bash "$work/inside.sh" "$shot" "$log"; then
  echo "check-deb: the app's output (from $log):" >&2
  tail -n 30 "$log" >&2 || true
  fail "the installed app did not show its window"
fi
echo "check-deb: OK"
